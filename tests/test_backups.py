"""Backups in git: the manifest, the commit on refs/sfsync-backups/<env>, the guard on writes."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from gitfixtures import git, init_project
from sfsync.errors import ExternalError, UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups
from sfsync.org.listed import Listed

BASE = "force-app/main/default"


def manifest(**components: Listed) -> backups.Manifest:
    return backups.Manifest(
        env="prod",
        org="prod-org",
        taken="2026-03-01T00:00:00+00:00",
        mode="full",
        api_version="62.0",
        components={item.key: item for item in components.values()},
    )


def test_the_manifest_has_one_line_per_component_and_reads_back() -> None:
    items = {
        "a": Listed("ApexClass", "Foo", "classes/Foo.cls", "01p1", "Ana", "d1", "Dana", "d2"),
        "b": Listed("ApexClass", "acme__X", namespace="acme", manageable_state="installed"),
    }
    data = manifest(**items).to_bytes()
    lines = data.decode().splitlines()
    assert sum(1 for line in lines if line.startswith('    "ApexClass:')) == 2
    assert json.loads(data)["components"]["ApexClass:Foo"]["lastModifiedByName"] == "Dana"
    back = backups.Manifest.from_bytes(data, "here")
    assert back.components == {i.key: i for i in items.values()}
    with pytest.raises(ExternalError, match=r"not a valid sfsync-backup\.json"):
        backups.Manifest.from_bytes(b"{nope", "here")


def test_store_read_and_a_second_backup_on_top(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "repo")
    blob = gitrepo.hash_blob(repo, b"public class Foo {}\n")
    first = backups.store(repo, "prod", {f"{BASE}/classes/Foo.cls": blob}, manifest(), None, "one")
    assert backups.ref_name("prod") == "refs/sfsync-backups/prod"
    found = backups.latest(repo, "prod")
    assert found is not None and found.commit == first
    assert found.source() == {f"{BASE}/classes/Foo.cls": blob}
    assert found.sizes(repo, [f"{BASE}/classes/Foo.cls", "nowhere"]) == {
        f"{BASE}/classes/Foo.cls": len(b"public class Foo {}\n")
    }
    assert json.loads(git(repo, "show", f"{first}:sfdx-project.json"))["sourceApiVersion"] == "62.0"
    second = backups.store(repo, "prod", {}, manifest(), first, "two")
    assert git(repo, "rev-parse", f"{second}^") == first
    with pytest.raises(ExternalError, match="moved while this backup ran"):
        backups.store(repo, "prod", {}, manifest(), first, "stale")
    # on top of the parent's tree: only what differs is written, the result is the same tree
    kept = gitrepo.hash_blob(repo, b"public class Kept {}\n")
    files = {f"{BASE}/classes/Kept.cls": kept, f"{BASE}/classes/Foo.cls": blob}
    third = backups.store(repo, "prod", files, manifest(), second, "three")
    third_backup = backups.latest(repo, "prod")
    assert third_backup is not None
    parent_files = third_backup.files
    moved = {f"{BASE}/classes/Kept.cls": blob, f"{BASE}/lwc/a/a.js": kept}
    fourth = backups.store(repo, "prod", moved, manifest(), third, "four", parent_files)
    whole = backups.write_tree(
        repo,
        {
            **moved,
            **{
                p: s
                for p, s in parent_files.items()
                if p in (backups.MANIFEST, backups.PROJECT_FILE)
            },
        },
    )
    assert git(repo, "rev-parse", f"{fourth}^{{tree}}") == whole
    latest = backups.latest(repo, "prod")
    assert latest is not None and f"{BASE}/classes/Foo.cls" not in latest.files
    with pytest.raises(UsageError, match="is not an sfsync backup"):
        backups.read(repo, "main")
    assert backups.read(repo, "no-such-rev") is None
    assert backups.latest(repo, "uat") is None


def test_files_are_attributed_to_components_as_listmetadata_names_them() -> None:
    resolver = Resolver(backups.project())
    owned = backups.attribute(
        [
            f"{BASE}/reports/Sales.reportFolder-meta.xml",
            f"{BASE}/reports/Sales/Pipe.report-meta.xml",
            f"{BASE}/objects/W__c/fields/A__c.field-meta.xml",
            f"{BASE}/nowhere.txt",
            "sfsync-backup.json",
        ],
        resolver,
    )
    assert owned == {
        "ReportFolder:Sales": [f"{BASE}/reports/Sales.reportFolder-meta.xml"],
        "Report:Sales/Pipe": [f"{BASE}/reports/Sales/Pipe.report-meta.xml"],
        "CustomField:W__c.A__c": [f"{BASE}/objects/W__c/fields/A__c.field-meta.xml"],
        "": [f"{BASE}/nowhere.txt"],
    }


@pytest.mark.parametrize(
    "rel",
    [
        pytest.param("../escape.txt", id="parent"),
        pytest.param("a/../../escape.txt", id="inner-parent"),
        pytest.param("/tmp/escape.txt", id="absolute"),
        pytest.param("a\\..\\escape.txt", id="backslash"),
        pytest.param("a//b.txt", id="empty-part"),
    ],
)
def test_nothing_is_written_outside_the_folder(tmp_path: Path, rel: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExternalError, match="refusing to write"):
        backups.write_inside(out, rel, b"x")
    assert not (tmp_path / "escape.txt").exists()


def test_a_symlinked_folder_does_not_lead_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "classes")
    with pytest.raises(ExternalError, match="symlink"):
        backups.write_inside(out, "classes/Foo.cls", b"x")
    assert list(elsewhere.iterdir()) == []
    assert backups.write_inside(out, "ok/Foo.cls", b"x").read_bytes() == b"x"


def test_the_journal_of_an_unfinished_backup(tmp_path: Path) -> None:
    common = tmp_path / "git"
    assert backups.read_journal(common, "prod") is None
    backups.write_journal(common, "prod", {"done": []}, {"ApexClass:Foo": {}})
    backups.write_journal(common, "prod", {"done": [{"tree": "abc"}]}, None)
    found = backups.read_journal(common, "prod")
    assert found == {"done": [{"tree": "abc"}], "listing": {"ApexClass:Foo": {}}}
    backups.clear_journal(common, "prod")
    assert backups.read_journal(common, "prod") is None


def test_the_manifest_keeps_which_files_each_component_has() -> None:
    foo = Listed("ApexClass", "Foo")
    files = {
        "ApexClass:Foo": [f"{BASE}/classes/Foo.cls-meta.xml", f"{BASE}/classes/Foo.cls"],
        "": [f"{BASE}/stray.txt"],
    }
    data = backups.Manifest(
        env="prod",
        org="o",
        taken="t",
        mode="full",
        api_version="62.0",
        components={foo.key: foo},
        files=files,
    ).to_bytes()
    back = backups.Manifest.from_bytes(data, "here")
    assert back.files == {
        "ApexClass:Foo": [f"{BASE}/classes/Foo.cls", f"{BASE}/classes/Foo.cls-meta.xml"],
        "": [f"{BASE}/stray.txt"],
    }
    older = json.loads(data)
    del older["components"]["ApexClass:Foo"]["files"]
    assert backups.Manifest.from_bytes(json.dumps(older).encode(), "here").files is None


def test_an_unchanged_component_keeps_its_line_and_a_changed_one_is_written_again() -> None:
    items = {
        f"c{i}": Listed(
            "ApexClass", f"C{i}", f"classes/C{i}.cls", f"01p{i}", "Ana", "d1", "Ana", "d2"
        )
        for i in range(3)
    }
    items["odd"] = Listed("Layout", 'Account-Say "hi"', "layouts/x.layout", "00h1")
    files = {f"ApexClass:C{i}": [f"{BASE}/classes/C{i}.cls"] for i in range(3)}
    files['Layout:Account-Say "hi"'] = [f"{BASE}/layouts/x.layout-meta.xml"]
    first = replace(manifest(**items), files=files)
    data = first.to_bytes()
    back = backups.Manifest.from_bytes(data, "here")
    assert set(back.lines) == {
        "ApexClass:C0",
        "ApexClass:C1",
        "ApexClass:C2",
        'Layout:Account-Say "hi"',
    }
    assert replace(back, lines=back.lines).to_bytes() == data
    moved = dict(back.components)
    moved["ApexClass:C1"] = replace(moved["ApexClass:C1"], modified_by="Dana", modified_date="d3")
    again = replace(back, components=moved).to_bytes()
    changed = [a for a, b in zip(data.splitlines(), again.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and b'"Dana"' not in changed[0]
    assert json.loads(again)["components"]["ApexClass:C1"]["lastModifiedByName"] == "Dana"
    # files moved: the line is written again
    refiled = replace(back, files={**files, "ApexClass:C2": [f"{BASE}/classes/X.cls"]})
    assert json.loads(refiled.to_bytes())["components"]["ApexClass:C2"]["files"] == [
        f"{BASE}/classes/X.cls"
    ]


def test_days_since_the_last_full_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_project(tmp_path / "repo")
    assert backups.days_since_full(repo, "prod") is None  # no backup yet
    old = "2020-01-01T00:00:00+00:00"
    monkeypatch.setenv("GIT_COMMITTER_DATE", old)
    first = backups.store(repo, "prod", {}, manifest(), None, "backup prod: first backup (full)\n")
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    second = backups.store(
        repo, "prod", {}, manifest(), first, "backup prod: 1 changed (incremental)\n"
    )
    age = backups.days_since_full(repo, "prod")
    assert age is not None and age > 365  # the incremental one on top does not count
    backups.store(repo, "prod", {}, manifest(), second, "backup prod: 0 added (full)\n")
    again = backups.days_since_full(repo, "prod")
    assert again is not None and again < 1
