"""The fault matrix, `sfsync delta --output-dir`: never a byte of the user's lost.

sfdx-git-delta's docs write the delta into the project itself (`--output-dir .`), so people
switching tools go straight there. A file the delta would write is created, left alone when
it already holds those bytes, or replaced only when sfsync wrote it (the hash in
`.sfsync.json` matches) and git does not track it; anything else stops the run before it
writes. The marker alone proves nothing. Output folders inside a package directory or
`.git`, or behind a committed link that leads out of the repository, are refused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gitfixtures import commit, git, init_project, remove, write
from sfsync.cli.app import main

BASE = "force-app/main/default"
A = f"{BASE}/classes/A.cls"
B = f"{BASE}/classes/B.cls"
META = "<ApexClass/>\n"


def _run(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    os.chdir(repo)
    code = main(["delta", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """X: A and B; then A changed, B deleted, C added (HEAD)."""
    repo = init_project(tmp_path / "repo")
    write(repo, {A: "class A {}", f"{A}-meta.xml": META, B: "class B {}", f"{B}-meta.xml": META})
    commit(repo, "X")
    git(repo, "tag", "X")
    write(repo, {A: "class A { int v2; }"})
    commit(repo, "A v2")
    remove(repo, B, f"{B}-meta.xml")
    write(repo, {f"{BASE}/classes/C.cls": "class C {}", f"{BASE}/classes/C.cls-meta.xml": META})
    commit(repo, "B gone, C added")
    monkeypatch.chdir(repo)
    return repo


def _status(repo: Path) -> list[str]:
    """`git status --porcelain` lines (untracked folders as one line)."""
    return sorted(git(repo, "status", "--porcelain").splitlines())


SGD_OUTPUT = ["?? .sfsync.json", "?? destructiveChanges/", "?? package/"]


def test_output_dot_never_overwrites_an_uncommitted_edit_or_deletes_tracked_files(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the first run writes the manifests into the project (and the marker)
    code, out = _run(repo, capsys, "--from", "X", "-o", ".")
    assert code == 0, out
    assert _status(repo) == SGD_OUTPUT
    manifest = (repo / "package" / "package.xml").read_bytes()

    # an uncommitted edit of a file the delta would copy: the second run stops, writes nothing
    (repo / A).write_text("class A { int work_in_progress; }")
    code, out = _run(repo, capsys, "--from", "X", "-o", ".", "-d")
    assert code == 2, out
    assert out["message"].startswith(f"--output-dir .: the delta would overwrite {A}, which")
    assert "git tracks with other bytes" in out["message"] and "\n" not in out["message"]
    assert (repo / A).read_text() == "class A { int work_in_progress; }"
    assert (repo / "package" / "package.xml").read_bytes() == manifest
    git(repo, "checkout", "--", A)

    # clean work tree: the sources are already there, byte for byte; nothing is claimed
    code, out = _run(repo, capsys, "--from", "X", "-o", ".", "-d")
    assert code == 0, out
    assert _status(repo) == SGD_OUTPUT
    marker = json.loads((repo / ".sfsync.json").read_text())
    assert A not in marker["files"] and "sfdx-project.json" not in marker["files"]

    # a narrower range: nothing tracked is "cleaned up"
    code, out = _run(repo, capsys, "--from", "HEAD~1", "-o", ".", "-d")
    assert code == 0, out
    assert _status(repo) == SGD_OUTPUT
    assert (repo / A).read_text() == "class A { int v2; }"
    assert "<members>C</members>" in (repo / "package" / "package.xml").read_text()


def test_output_dot_is_what_sfdx_git_delta_writes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = (repo / "sfdx-project.json").read_bytes()
    code, out = _run(repo, capsys, "--from", "X", "-o", ".", "-d")
    assert code == 0, out
    package = (repo / "package" / "package.xml").read_text()
    assert "<members>A</members>" in package and "<members>C</members>" in package
    destructive = (repo / "destructiveChanges" / "destructiveChanges.xml").read_text()
    assert "<members>B</members>" in destructive
    assert (repo / "destructiveChanges" / "package.xml").exists()
    assert (repo / "sfdx-project.json").read_bytes() == project  # the project's own stays
    assert _status(repo) == SGD_OUTPUT


def test_a_file_sfsync_wrote_and_the_user_edited_is_kept(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(repo, capsys, "--from", "X", "-o", "out", "-d")
    assert code == 0, out
    copy = repo / "out" / A
    copy.write_text("class A { int edited_in_the_output; }")

    code, out = _run(repo, capsys, "--from", "X", "-o", "out", "-d")  # would rewrite A
    assert code == 2, out
    assert "which changed since sfsync wrote it" in out["message"]
    assert copy.read_text() == "class A { int edited_in_the_output; }"

    # a narrower range no longer needs A: the edited copy stays, with a warning
    code, out = _run(repo, capsys, "--from", "HEAD~1", "-o", "out", "-d")
    assert code == 0, out
    assert copy.read_text() == "class A { int edited_in_the_output; }"
    assert f"{A}, which changed since sfsync wrote it, is left in place" in " ".join(
        out["result"]["warnings"]
    )
    assert not (repo / "out" / f"{A}-meta.xml").exists()  # unedited: sfsync's to remove


@pytest.mark.parametrize(
    "marker",
    [
        pytest.param({"writtenBy": "sfsync delta", "files": ["notes.txt"]}, id="no-hashes"),
        pytest.param(
            {"writtenBy": "sfsync delta", "files": {"notes.txt": "sha256:" + "0" * 64}},
            id="wrong-hash",
        ),
    ],
)
def test_a_marker_alone_proves_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str], marker: dict[str, Any]
) -> None:
    out_dir = repo / "out"
    out_dir.mkdir()
    (out_dir / ".sfsync.json").write_text(json.dumps(marker))
    (out_dir / "notes.txt").write_text("mine")
    (out_dir / "package").mkdir()
    (out_dir / "package" / "package.xml").write_text("my own manifest")
    marker["files"] = (
        ["notes.txt", "package/package.xml"]
        if isinstance(marker["files"], list)
        else {**marker["files"], "package/package.xml": "sha256:" + "1" * 64}
    )
    (out_dir / ".sfsync.json").write_text(json.dumps(marker))

    code, out = _run(repo, capsys, "--from", "X", "-o", "out")

    assert code == 2, out
    assert "the delta would overwrite package/package.xml" in out["message"]
    assert (out_dir / "package" / "package.xml").read_text() == "my own manifest"
    assert (out_dir / "notes.txt").read_text() == "mine"


def test_a_committed_marker_is_no_marker(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(repo, capsys, "--from", "X", "-o", ".")
    assert code == 0, out
    git(repo, "add", "-A")
    commit(repo, "the team commits everything")
    code, out = _run(repo, capsys, "--from", "HEAD~1", "-o", ".")
    assert code == 2, out
    assert "git rm --cached .sfsync.json" in out["message"]
    assert _status(repo) == []


@pytest.mark.parametrize(
    ("where", "says"),
    [
        pytest.param(f"{BASE}/delta", "is inside the package directory force-app", id="pkg-dir"),
        pytest.param("force-app", "is inside the package directory force-app", id="pkg-root"),
        pytest.param(".git", "is inside a git directory (.git)", id="dot-git"),
        pytest.param(".git/sfsync", "is inside a git directory (.git)", id="in-dot-git"),
    ],
)
def test_output_folders_that_are_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], where: str, says: str
) -> None:
    before = _status(repo)
    code, out = _run(repo, capsys, "--from", "X", "-o", where, "-d")
    assert code == 2, out
    assert says in out["message"] and "\n" not in out["message"]
    assert _status(repo) == before
    assert not (repo / ".git" / "package").exists()


def test_a_committed_link_out_of_the_repository_is_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "output")
    git(repo, "add", "output")
    commit(repo, "a hostile link")

    code, out = _run(repo, capsys, "--from", "X")  # the default ./output

    assert code == 2, out
    assert "output is a symbolic link committed in the repository" in out["message"]
    assert list(outside.iterdir()) == []


def test_a_link_of_the_users_own_may_lead_anywhere(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "output")  # not committed: the user's choice
    code, out = _run(repo, capsys, "--from", "X")
    assert code == 0, out
    assert (outside / "package" / "package.xml").exists()
