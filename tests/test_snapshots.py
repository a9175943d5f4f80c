"""Snapshots: retrieved files stored as a commit on refs/sfsync/snapshots/<env>/<id>."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfsync.errors import UsageError
from sfsync.org import snapshots
from workflows import git


def retrieved(folder: Path) -> Path:
    files = {
        "sfdx-project.json": '{"packageDirectories": [{"path": "force-app"}]}\n',
        "force-app/main/default/classes/Foo.cls": "public class Foo {}\n",
        "force-app/main/default/classes/Foo.cls-meta.xml": "<ApexClass/>\n",
        ".sf/orgs/cache.json": "{}\n",  # sf's own folder is not kept
    }
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


def test_create_read_list_and_materialize(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    snap = snapshots.create(
        repo,
        "int",
        "int-org",
        retrieved(tmp_path / "r"),
        present=["ApexClass:Foo"],
        absent=["ApexClass:Bar"],
        properties={"ApexClass:Foo": {"lastModifiedByName": "Jane"}},
        from_sha="a" * 40,
        to_sha="b" * 40,
    )
    assert git(repo, "rev-parse", snap.ref) == snap.commit
    again = snapshots.read(repo, "int", snap.id)
    assert again.present == ("ApexClass:Foo",) and again.absent == ("ApexClass:Bar",)
    assert again.properties["ApexClass:Foo"]["lastModifiedByName"] == "Jane"
    assert again.to_sha == "b" * 40
    assert [s.id for s in snapshots.list_snapshots(repo, "int")] == [snap.id]
    assert sorted(snapshots.files(repo, snap)) == [
        "force-app/main/default/classes/Foo.cls",
        "force-app/main/default/classes/Foo.cls-meta.xml",
        "sfdx-project.json",
    ]
    out = snapshots.materialize(repo, snap, tmp_path / "out")
    assert (out / "force-app/main/default/classes/Foo.cls").read_text() == "public class Foo {}\n"
    with pytest.raises(UsageError, match="no snapshot"):
        snapshots.read(repo, "int", "nope")


def test_a_snapshot_of_absent_components_materializes_its_package_directories(
    tmp_path: Path,
) -> None:
    """Rolling back a deploy that only created components redeploys nothing and deletes the
    rest: the snapshot holds no source, yet sf needs the package directory to exist."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app"}, {"path": "../outside"}]}\n',
        encoding="utf-8",
    )
    snap = snapshots.create(
        repo, "int", "int-org", folder, present=[], absent=["ApexClass:Bar"], properties={},
        from_sha="a" * 40, to_sha="b" * 40,
    )  # fmt: skip
    out = snapshots.materialize(repo, snap, tmp_path / "out")
    assert (out / "force-app").is_dir()
    assert not (tmp_path / "outside").exists()  # never a folder outside the output
