"""listMetadata, describeMetadata, managed packages, moving dates and the retrieve limits."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sfemu_zip import CLASS_META, custom_object

from sfemu import OrgHandle
from sfemu import retrieve as rt
from sfemu.jobs import Emulator
from sfemu.store import OrgInfo, OrgStore, Root

EARLY = "2026-01-01T00:00:00.000Z"
LATER = "2026-02-01T00:00:00.000Z"


@pytest.fixture
def org(tmp_path: Path) -> tuple[Emulator, OrgInfo, OrgHandle]:
    root = Root(tmp_path)
    info = root.create_org("prod")
    handle = OrgHandle(root.store("prod"))
    handle.put_many(
        {
            "classes/Foo.cls": "public class Foo {}\n",
            "classes/Foo.cls-meta.xml": CLASS_META,
            "objects/Widget__c.object": custom_object("Widget__c", ["A__c", "B__c"]),
            "reports/Sales-meta.xml": "<ReportFolder/>",
            "reports/Sales/Pipeline.report": "<Report/>",
            "reports/Ops-meta.xml": "<ReportFolder/>",
        },
        by="Ana Admin",
        when=EARLY,
    )
    return Emulator(root), info, handle


def listed(emu: Emulator, info: OrgInfo, **query: str) -> dict[str, dict[str, object]]:
    return {f"{e['type']}:{e['fullName']}": e for e in emu.list_metadata(info, [query])}


def test_list_types_folders_and_children(org: tuple[Emulator, OrgInfo, OrgHandle]) -> None:
    emu, info, _ = org
    assert set(listed(emu, info, type="ApexClass")) == {"ApexClass:Foo"}
    assert set(listed(emu, info, type="ReportFolder")) == {"ReportFolder:Sales", "ReportFolder:Ops"}
    # an in-folder type is listed one folder at a time, as the Metadata API wants it
    assert set(listed(emu, info, type="Report")) == set()
    assert set(listed(emu, info, type="Report", folder="Sales")) == {"Report:Sales/Pipeline"}
    fields = listed(emu, info, type="CustomField")
    assert set(fields) == {"CustomField:Widget__c.A__c", "CustomField:Widget__c.B__c"}
    entry = fields["CustomField:Widget__c.A__c"]
    assert entry["fileName"] == "objects/Widget__c.object"
    assert (entry["lastModifiedByName"], entry["lastModifiedDate"]) == ("Ana Admin", EARLY)
    assert (entry["manageableState"], entry["namespacePrefix"]) == ("unmanaged", None)


def test_describe_lists_top_level_types_with_folders_and_children() -> None:
    objects = {o["xmlName"]: o for o in Emulator.describe_metadata()["metadataObjects"]}
    assert objects["Report"]["inFolder"] is True
    assert "CustomField" in objects["CustomObject"]["childXmlNames"]
    assert "CustomField" not in objects  # a child type is not a top-level type
    assert objects["ApexClass"]["metaFile"] is True


def test_an_edit_in_setup_moves_only_what_changed(org: tuple[Emulator, OrgInfo, OrgHandle]) -> None:
    emu, info, handle = org
    changed = custom_object("Widget__c", ["A__c", "C__c"]).replace(
        "<fullName>A__c</fullName>\n        <label>A__c</label>",
        "<fullName>A__c</fullName>\n        <label>Renamed</label>",
    )
    handle.put("objects/Widget__c.object", changed, by="Dana Dev", when=LATER)
    fields = listed(emu, info, type="CustomField")
    assert fields["CustomField:Widget__c.A__c"]["lastModifiedDate"] == LATER
    assert fields["CustomField:Widget__c.A__c"]["lastModifiedByName"] == "Dana Dev"
    assert fields["CustomField:Widget__c.C__c"]["createdDate"] == LATER
    assert "CustomField:Widget__c.B__c" not in fields
    # the object's own settings did not change: its date stays
    assert listed(emu, info, type="CustomObject")["CustomObject:Widget__c"]["lastModifiedDate"] == (
        EARLY
    )


def test_managed_components_carry_their_namespace(org: tuple[Emulator, OrgInfo, OrgHandle]) -> None:
    emu, info, handle = org
    marked = handle.install_package(
        "acme",
        {
            "classes/acme__Billing.cls": "public class Billing {}\n",
            "classes/acme__Billing.cls-meta.xml": CLASS_META,
            "objects/acme__Invoice__c.object": custom_object("acme__Invoice__c", ["acme__Due__c"]),
        },
    )
    assert "CustomField:acme__Invoice__c.acme__Due__c" in marked
    classes = listed(emu, info, type="ApexClass")
    assert classes["ApexClass:acme__Billing"]["namespacePrefix"] == "acme"
    assert classes["ApexClass:acme__Billing"]["manageableState"] == "installed"
    assert classes["ApexClass:Foo"]["manageableState"] == "unmanaged"
    field = listed(emu, info, type="CustomField")["CustomField:acme__Invoice__c.acme__Due__c"]
    assert field["manageableState"] == "installed"
    outcome = rt.retrieve(handle._store, {"ApexClass": ["acme__Billing"]}, "62.0")
    (prop,) = [p for p in outcome.file_properties if p.component.type == "ApexClass"]
    assert (prop.namespace_prefix, prop.manageable_state) == ("acme", "installed")


def test_a_deploy_cannot_change_an_installed_package(
    org: tuple[Emulator, OrgInfo, OrgHandle],
) -> None:
    from sfemu_zip import make_zip, package

    from sfemu import deploy as dp

    _, _, handle = org
    handle.install_package(
        "acme",
        {"classes/acme__Billing.cls": "x\n", "classes/acme__Billing.cls-meta.xml": CLASS_META},
    )
    data = make_zip(
        {
            "package.xml": package({"ApexClass": ["acme__Billing"]}),
            "classes/acme__Billing.cls": "changed\n",
            "classes/acme__Billing.cls-meta.xml": CLASS_META,
        }
    )
    plan = dp.plan(handle._store, data, dp.DeployOptions())
    assert plan.fails
    assert "Cannot modify managed object" in plan.failures[0].problem
    assert handle.read_text("classes/acme__Billing.cls") == "x\n"


def test_a_change_from_another_store_instance_is_seen(
    org: tuple[Emulator, OrgInfo, OrgHandle], tmp_path: Path
) -> None:
    emu, info, _ = org
    assert set(listed(emu, info, type="ApexClass")) == {"ApexClass:Foo"}  # now cached
    other = OrgHandle(Root(tmp_path).store("prod"))  # as another process would
    other.put("classes/Bar.cls", "public class Bar {}\n")
    assert set(listed(emu, info, type="ApexClass")) == {"ApexClass:Foo", "ApexClass:Bar"}
    other.delete("ApexClass:Foo")
    assert set(listed(emu, info, type="ApexClass")) == {"ApexClass:Bar"}
    other.reset()
    assert listed(emu, info, type="ApexClass") == {}


def test_retrieve_limits_and_hostile_zip(store_with_classes: OrgStore) -> None:
    request = {"ApexClass": ["*"]}
    too_big = rt.retrieve(store_with_classes, request, "62.0", unzipped_limit=100)
    assert too_big.error_code == "LIMIT_EXCEEDED"
    assert "unzipped" in too_big.error_message
    hostile = rt.retrieve(store_with_classes, request, "62.0", single_package=False, hostile=True)
    names = zipfile.ZipFile(io.BytesIO(hostile.zip_bytes)).namelist()
    assert "unpackaged/classes/../../../../sfemu-zip-slip.cls" in names
    assert "/tmp/sfemu-zip-slip-absolute.txt" in names
    assert "unpackaged/staticresources/SfemuSlip.resource" in names


@pytest.fixture
def store_with_classes(tmp_path: Path) -> OrgStore:
    root = Root(tmp_path)
    root.create_org("dev1")
    handle = OrgHandle(root.store("dev1"))
    handle.put_many({f"classes/C{i}.cls": f"public class C{i} {{}}\n" for i in range(20)})
    return root.store("dev1")


def test_fault_after_lets_calls_through_first(tmp_path: Path) -> None:
    from sfemu import faults as ft

    root = Root(tmp_path)
    root.create_org("dev1")
    store = root.store("dev1")
    ft.arm(store, ft.Fault("http_500", "retrieve", after=2))
    assert ft.take(store, ("http_500",), "retrieve") == []
    assert ft.take(store, ("http_500",), "retrieve") == []
    assert [f.kind for f in ft.take(store, ("http_500",), "retrieve")] == ["http_500"]
    assert ft.take(store, ("http_500",), "retrieve") == []


def test_reads_are_cached_until_the_org_changes(tmp_path: Path) -> None:
    # listing an org of 50,000 components per type must not walk its files every call
    root = Root(tmp_path)
    root.create_org("big")
    handle = OrgHandle(root.store("big"))
    handle.put_many({f"classes/C{i:04d}.cls": "x" for i in range(300)})
    store = root.store("big")
    first = store.components()
    assert store.components() is first
    assert root.store("big").components() is first  # another instance, same generation
    handle.put("classes/New.cls", "x")
    again = store.components()
    assert again is not first
    assert len(again) == 301
