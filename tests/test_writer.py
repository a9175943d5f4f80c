"""The delta folder: SGD layout, deployable copy, atomic writes, nothing outside the folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from gitfixtures import commit, init_project, remove, write
from sfsync.errors import UsageError
from sfsync.metadata.delta import compute_delta
from sfsync.metadata.writer import write_delta

BASE = "force-app/main/default"


@pytest.fixture
def delta_repo(tmp_path: Path) -> tuple[Path, str, str]:
    repo = init_project(tmp_path / "repo", api_version="60.0")
    write(repo, {f"{BASE}/classes/Old.cls": "x", f"{BASE}/classes/Old.cls-meta.xml": "<x/>"})
    before = commit(repo, "old")
    remove(repo, f"{BASE}/classes/Old.cls", f"{BASE}/classes/Old.cls-meta.xml")
    write(
        repo,
        {
            f"{BASE}/classes/New.cls": "class New {}",
            f"{BASE}/classes/New.cls-meta.xml": "<meta/>",
            f"{BASE}/staticresources/lib/js/a.js": "a",
            f"{BASE}/staticresources/lib.resource-meta.xml": "<r/>",
        },
    )
    after = commit(repo, "new")
    return repo, before, after


def test_layout_and_copy(delta_repo: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, before, after = delta_repo
    out = write_delta(compute_delta(repo, before, after), tmp_path / "out")
    package = (out / "package" / "package.xml").read_text()
    assert "<members>New</members>" in package and "<version>60.0</version>" in package
    destructive = (out / "destructiveChanges" / "destructiveChanges.xml").read_text()
    assert "<members>Old</members>" in destructive
    empty = (out / "destructiveChanges" / "package.xml").read_text()
    assert "<types>" not in empty
    assert (out / BASE / "classes" / "New.cls").read_text() == "class New {}"
    assert (out / BASE / "classes" / "New.cls-meta.xml").read_text() == "<meta/>"
    assert (out / BASE / "staticresources" / "lib" / "js" / "a.js").read_text() == "a"
    assert (out / BASE / "staticresources" / "lib.resource-meta.xml").exists()
    assert not (out / BASE / "classes" / "Old.cls").exists()
    project = json.loads((out / "sfdx-project.json").read_text())
    assert project == {
        "packageDirectories": [{"path": "force-app", "default": True}],
        "sourceApiVersion": "60.0",
    }
    leftovers = [p for p in out.rglob(".sfsync-*")]
    assert leftovers == []


def test_manifests_only(delta_repo: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, before, after = delta_repo
    out = write_delta(compute_delta(repo, before, after), tmp_path / "out", generate_source=False)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        ".sfsync.json",
        "destructiveChanges/destructiveChanges.xml",
        "destructiveChanges/package.xml",
        "package/package.xml",
    ]


def test_loaded_sources_are_written_without_another_git_read(
    delta_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, before, after = delta_repo
    delta = compute_delta(repo, before, after, load_sources=True)
    assert set(delta.files) <= set(delta.contents)
    shutil.rmtree(repo / ".git")  # contents already in memory: no further git read
    out = write_delta(delta, tmp_path / "out")
    assert (out / BASE / "classes" / "New.cls").exists()


def test_symlinked_folder_cannot_lead_outside(
    delta_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, before, after = delta_repo
    out = tmp_path / "out"
    outside = tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    os.symlink(outside, out / "force-app")
    with pytest.raises(UsageError, match="a symbolic link in it leads out of"):
        write_delta(compute_delta(repo, before, after), out)
    assert list(outside.rglob("*")) == []


def test_the_file_system_root_is_refused_as_such(delta_repo: tuple[Path, str, str]) -> None:
    repo, before, after = delta_repo
    with pytest.raises(UsageError) as caught:
        write_delta(compute_delta(repo, before, after), "/")
    assert caught.value.message == (
        "--output-dir /: is the root of the file system; name a folder for the delta "
        "(e.g. --output-dir .delta)"
    )


def test_a_folder_directly_below_the_root_is_inside_it() -> None:
    from sfsync.metadata.writer import _inside

    assert _inside(Path("/"), "force-app/x.cls") == Path("/force-app/x.cls")


def test_output_dir_that_is_a_file(delta_repo: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, before, after = delta_repo
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        write_delta(compute_delta(repo, before, after), target)


@pytest.mark.parametrize("bad", ["../escape.txt", "/abs/path", "a/../../b", "a//b"])
def test_relative_paths_are_checked(tmp_path: Path, bad: str) -> None:
    from sfsync.metadata.writer import _inside

    with pytest.raises(UsageError):
        _inside(tmp_path, bad)


def test_refuses_a_folder_whose_files_it_would_overwrite(
    delta_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, before, after = delta_repo
    # uncommitted work in the repository itself: the delta must never land on it
    (repo / BASE / "classes" / "New.cls").write_text("work in progress")
    project = (repo / "sfdx-project.json").read_text()
    with pytest.raises(UsageError, match="the delta would overwrite"):
        write_delta(compute_delta(repo, before, after), repo)
    assert (repo / BASE / "classes" / "New.cls").read_text() == "work in progress"
    assert (repo / "sfdx-project.json").read_text() == project
    assert not (repo / "package").exists()


def test_a_folder_with_other_files_is_fine_and_a_rerun_replaces_its_own(
    delta_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, before, after = delta_repo
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    write_delta(compute_delta(repo, before, after), out)
    assert (out / BASE / "staticresources" / "lib" / "js" / "a.js").exists()
    marker = json.loads((out / ".sfsync.json").read_text())
    assert f"{BASE}/classes/New.cls" in marker["files"]
    # a second delta into the same folder: allowed, and what it no longer writes is gone
    write(repo, {f"{BASE}/classes/New.cls": "class New { int x; }"})
    third = commit(repo, "edit")
    write_delta(compute_delta(repo, after, third), out)
    assert (out / BASE / "classes" / "New.cls").read_text() == "class New { int x; }"
    assert not (out / BASE / "staticresources" / "lib" / "js" / "a.js").exists()
    assert (out / "notes.txt").read_text() == "mine"
