from __future__ import annotations

from pathlib import Path

import pytest
from sfemu_zip import CLASS_META, custom_object

from sfemu import OrgEmulator, open_root
from sfemu.store import _CACHE, Root, StoreError, safe_relpath


def test_orgs_are_created_once_and_told_apart_by_token(tmp_path: Path) -> None:
    root = Root(tmp_path)
    dev1 = root.create_org("dev1", sandbox=True)
    prod = root.create_org("prod")
    assert root.create_org("dev1") == dev1
    assert dev1.access_token != prod.access_token
    assert dev1.access_token.startswith(dev1.org_id[:15] + "!")
    assert root.org_by_token(prod.access_token) == prod
    assert root.org_by_token("00D000000000000!nope") is None
    assert Root(tmp_path).orgs() == {"dev1": dev1, "prod": prod}  # persisted


@pytest.mark.parametrize("name", ["", "a b", "../x", "dev/1"])
def test_bad_org_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(StoreError, match="invalid org name"):
        Root(tmp_path).create_org(name)


@pytest.mark.parametrize("path", ["/etc/passwd", "../x.cls", "classes/../../x", "a//b", "a\\b"])
def test_paths_outside_the_store_are_refused(path: str) -> None:
    with pytest.raises(StoreError, match="refusing path"):
        safe_relpath(path)


def test_back_door_put_read_delete_and_properties(tmp_path: Path) -> None:
    emu = OrgEmulator(tmp_path)
    emu.root.create_org("dev1")
    org = emu.org("dev1")
    org.put(
        "classes/Foo.cls", "public class Foo {}\n", by="Jane Admin", when="2026-01-02T03:04:05.000Z"
    )
    org.put(
        "classes/Foo.cls-meta.xml", CLASS_META, by="Jane Admin", when="2026-01-02T03:04:05.000Z"
    )
    assert org.list() == ["classes/Foo.cls", "classes/Foo.cls-meta.xml"]
    assert org.read_text("classes/Foo.cls") == "public class Foo {}\n"
    props = org.properties("ApexClass:Foo")
    assert props["lastModifiedByName"] == "Jane Admin"
    assert props["lastModifiedDate"] == "2026-01-02T03:04:05.000Z"
    assert org.delete("ApexClass:Foo") is True
    assert org.list() == []
    assert org.delete("ApexClass:Foo") is False
    with pytest.raises(StoreError, match="no metadata type"):
        org.put("nowhere/x.txt", "x")


def test_children_live_inside_the_parent_file(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.create_org("dev1")
    org = open_root(tmp_path)["dev1"]
    org.put("objects/Widget__c.object", custom_object("Widget__c", ["A__c", "B__c"]))
    assert org.components() == [
        "CustomField:Widget__c.A__c",
        "CustomField:Widget__c.B__c",
        "CustomObject:Widget__c",
    ]
    assert org.delete("CustomField:Widget__c.A__c") is True
    assert "<fullName>A__c</fullName>" not in org.read_text("objects/Widget__c.object")
    assert "<label>Thing</label>" in org.read_text("objects/Widget__c.object")


def test_merge_keeps_the_parent_when_only_children_are_deployed(tmp_path: Path) -> None:
    from sfemu import safexml
    from sfemu.types import Component

    root = Root(tmp_path)
    root.create_org("dev1")
    store = root.store("dev1")
    store.put_files({"objects/W__c.object": custom_object("W__c", ["A__c"]).encode()})
    incoming = safexml.parse(custom_object("W__c", ["B__c"], label=None))
    store.merge_parent(Component("CustomObject", "W__c"), incoming, replace_own=False)
    text = store.read("objects/W__c.object").decode()
    assert "<label>Thing</label>" in text
    assert text.index("<fullName>A__c</fullName>") < text.index("<fullName>B__c</fullName>")


def test_faults_fire_in_order_and_are_used_up(tmp_path: Path) -> None:
    from sfemu import faults as ft

    root = Root(tmp_path)
    root.create_org("dev1")
    store = root.store("dev1")
    ft.arm(store, ft.Fault("component_error", "deploy", component="ApexClass:A", problem="a"))
    ft.arm(store, ft.Fault("stay_in_progress", "deploy", polls=2))
    ft.arm(store, ft.Fault("stay_in_progress", "deploy", polls=5))
    ft.arm(store, ft.Fault("component_error", "deploy", component="ApexClass:B", problem="b"))
    ft.arm(store, ft.Fault("http_500", "retrieve", times=2))
    fired = ft.take(store, ("component_error", "stay_in_progress"), "deploy")
    assert [(f.kind, f.component, f.polls) for f in fired] == [
        ("component_error", "ApexClass:A", 0),
        ("stay_in_progress", "", 2),
        ("component_error", "ApexClass:B", 0),
    ]
    assert ft.take(store, ("http_500",), "deploy") == []  # wrong operation
    assert len(ft.take(store, ("http_500",), "retrieve")) == 1
    assert [(f.kind, f.times) for f in ft.pending(store)] == [
        ("stay_in_progress", 1),
        ("http_500", 1),
    ]
    with pytest.raises(ValueError, match="unknown fault kind"):
        ft.Fault("meteor_strike")


def test_cached_files_and_components_move_to_the_new_generation_as_a_rescan_gives(
    tmp_path: Path,
) -> None:
    """A write or delete through this store carries the cached file list, components and
    index by type to the new generation; they must equal what a rescan computes."""
    emu = OrgEmulator(tmp_path)
    emu.root.create_org("dev1")
    root = emu.root
    handle = emu.org("dev1")
    handle.put_many(
        {
            **{f"classes/C{i}.cls": f"public class C{i} {{}}\n" for i in range(5)},
            **{f"classes/C{i}.cls-meta.xml": CLASS_META for i in range(5)},
            "objects/Widget__c.object": custom_object("Widget__c", ["Size__c"]),
        }
    )
    store = root.store("dev1")
    store.files(), store.components(), store.components_of_type("ApexClass")  # cached
    before = store.generation()
    handle.put_many(
        {"classes/New.cls": "public class New {}\n", "classes/New.cls-meta.xml": CLASS_META}
    )
    handle.delete("ApexClass:C2")
    with store.locked():
        store.put_files({"triggers/T.trigger": b"trigger T on Account (before insert) {}\n"})
    assert store.generation() != before
    # moved, not rescanned: the cache already holds the new generation
    for what in ("files", "components", "by_type"):
        assert _CACHE[(str(store.folder), what)][0] == store.generation()
    fresh = root.store("dev1")
    assert store.files() == fresh._walk()
    assert store.components() == fresh._components()
    assert list(store.components()) == list(fresh._components())
    for type_name in ("ApexClass", "ApexTrigger", "CustomObject"):
        assert store.components_of_type(type_name) == fresh._by_type().get(type_name, [])
    assert [c.full_name for c in store.components_of_type("ApexClass")] == [
        "C0", "C1", "C3", "C4", "New"
    ]  # fmt: skip
