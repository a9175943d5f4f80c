"""`sfsync merge-driver`: git's merge-driver convention, run as git runs it (a real `git merge`)
and directly (exit codes, the atomic write, git's line merge on bad input, lean imports)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mergesamples as ms
from pipeline import git, write
from sfsync.__main__ import main
from sfsync.git import mergedriver
from sfsync.metadata import merge as engine

PROFILE = "force-app/main/default/profiles/Admin.profile-meta.xml"
BIN = str(Path(sys.executable).parent)  # where the `sfsync` console script is installed


def driver(
    tmp_path: Path,
    base: str | bytes,
    ours: str | bytes,
    theirs: str | bytes,
    *extra: str,
    path: str = ms.PATH,
) -> tuple[int, bytes, str]:
    """Run `sfsync merge-driver` as git does (a process, in the folder of its files):
    (exit code, what it left in OURS, stderr)."""
    files = {}
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
        files[name] = tmp_path / f".merge_file_{name}"
        files[name].write_bytes(data.encode() if isinstance(data, str) else data)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sfsync",
            "merge-driver",
            *(f.name for f in files.values()),
            path,
            *extra,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, files["ours"].read_bytes(), proc.stderr


def git_merge_file(tmp_path: Path, base: bytes, ours: bytes, theirs: bytes) -> tuple[int, bytes]:
    """What git's own line merge gives for the same three files (and labels)."""
    for name, data in (("b", base), ("o", ours), ("t", theirs)):
        (tmp_path / name).write_bytes(data)
    proc = subprocess.run(
        ["git", "merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs", "o", "b", "t"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    return proc.returncode, proc.stdout


# --- the driver on its own --------------------------------------------------------------


def test_different_entries_merge_cleanly_exit_0(tmp_path: Path) -> None:
    base, ours, theirs = (ms.permset(x).encode() for x in (ms.BASE, ms.OURS, ms.THEIRS))
    assert git_merge_file(tmp_path, base, ours, theirs)[0] == 1  # git's line merge conflicts
    code, merged, err = driver(tmp_path, base, ours, theirs)
    assert (code, merged.decode()) == (0, ms.permset(ms.BOTH)), err
    assert err == ""


def test_where_git_silently_duplicates_an_entry_the_driver_names_the_conflict(
    tmp_path: Path,
) -> None:
    base, ours, theirs = (ms.permset(x).encode() for x in (ms.BASE, ms.ADD_OURS, ms.ADD_THEIRS))
    git_code, git_merged = git_merge_file(tmp_path, base, ours, theirs)
    assert git_code == 0 and git_merged.count(b"<field>Account.Region__c</field>") == 2
    code, merged, err = driver(tmp_path, base, ours, theirs)
    assert code == 1 and f"conflict: {ms.REGION_CONFLICT}" in err
    assert merged.count(b"\n<<<<<<< ours\n") == 1


def test_one_entry_changed_both_ways_exit_1_markers_around_it_only(tmp_path: Path) -> None:
    base, ours, theirs = (ms.permset(x) for x in (ms.BASE, ms.ADD_OURS, ms.ADD_THEIRS))
    code, merged, err = driver(tmp_path, base, ours, theirs, "7", "%S", "%X", "%Y")
    assert code == 1
    expected = engine.merge_file(base.encode(), ours.encode(), theirs.encode(), ms.PATH)
    assert merged == expected.content  # what the engine merged, written back into OURS
    text = merged.decode()
    assert text.count("<<<<<<< ours") == 1 and text.count(">>>>>>> theirs") == 1
    conflict = text[text.index("<<<<<<<") : text.index(">>>>>>>")]
    assert "Account.Region__c" in conflict and "Account.Rating__c" not in conflict
    assert f"conflict: {ms.REGION_CONFLICT}" in err


def test_marker_size_and_labels_from_git(tmp_path: Path) -> None:
    base, ours, theirs = (ms.permset(x) for x in (ms.BASE, ms.ADD_OURS, ms.ADD_THEIRS))
    code, merged, _ = driver(tmp_path, base, ours, theirs, "9", "merge-base", "story", "int")
    assert code == 1
    assert b"\n<<<<<<<<< story\n" in b"\n" + merged and b"\n>>>>>>>>> int\n" in merged


def test_conflicts_follow_the_repositorys_conflict_style(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "merge.conflictStyle", "diff3")
    base, ours, theirs = (ms.permset(x) for x in (ms.BASE, ms.ADD_OURS, ms.ADD_THEIRS))
    code, merged, _ = driver(tmp_path, base, ours, theirs)
    assert code == 1 and b"\n||||||| base" in merged


@pytest.mark.parametrize(
    "ours",
    [
        pytest.param(b"<PermissionSet><label>x</label>", id="not-well-formed"),
        pytest.param(
            b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "boom">]>\n<PermissionSet>&e;'
            b"</PermissionSet>\n",
            id="dtd-entity",
        ),
        pytest.param(b"\x00\x01binary\x00", id="binary"),
    ],
)
def test_bad_input_falls_back_to_exactly_git_merge_file(tmp_path: Path, ours: bytes) -> None:
    base = ms.permset(ms.BASE).encode()
    theirs = ms.permset(ms.THEIRS).encode()
    code, merged, err = driver(tmp_path, base, ours, theirs)
    git_code, git_merged = git_merge_file(tmp_path, base, ours, theirs)
    if git_code > 127:  # binary: git keeps ours and reports a conflict
        git_code, git_merged = 1, ours
    assert (code, merged) == (min(git_code, 1), git_merged)
    assert "merged by lines instead" in err


def test_an_unsupported_type_merges_by_lines_without_a_word(tmp_path: Path) -> None:
    base, ours, theirs = "a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n"
    code, merged, err = driver(tmp_path, base, ours, theirs, path="README.md")
    assert (code, merged, err) == (0, b"A\nb\nC\n", "")


def test_an_unexpected_error_falls_back_to_git_merge_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> engine.MergeResult:
        raise RuntimeError("a bug in the engine")

    monkeypatch.setattr(engine, "merge_file", broken)
    base, ours, theirs = (ms.permset(x).encode() for x in (ms.BASE, ms.OURS, ms.THEIRS))
    for name, data in (("O", base), ("A", ours), ("B", theirs)):
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    code = main(["merge-driver", "O", "A", "B", ms.PATH])
    git_code, git_merged = git_merge_file(tmp_path, base, ours, theirs)
    assert (code, (tmp_path / "A").read_bytes()) == (min(git_code, 1), git_merged)
    assert "unexpected error RuntimeError: a bug in the engine" in capsys.readouterr().err


def test_ctrl_c_ends_it_above_128_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> engine.MergeResult:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "merge_file", interrupted)
    for name in ("O", "A", "B"):
        (tmp_path / name).write_text(ms.permset(ms.BASE))
    monkeypatch.chdir(tmp_path)
    assert main(["merge-driver", "O", "A", "B", ms.PATH]) == 130  # git: a failed merge
    assert capsys.readouterr().err == "sfsync merge-driver: interrupted\n"


def test_the_result_replaces_ours_atomically_keeping_its_mode(tmp_path: Path) -> None:
    ours = tmp_path / ".merge_file_ours"
    ours.write_text(ms.permset(ms.OURS))
    ours.chmod(0o640)
    inode = ours.stat().st_ino
    code, merged, _ = driver(
        tmp_path, ms.permset(ms.BASE), ms.permset(ms.OURS), ms.permset(ms.THEIRS)
    )
    assert code == 0 and merged.decode() == ms.permset(ms.BOTH)
    assert ours.stat().st_ino != inode  # a new file renamed over it: never half-written
    assert ours.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".merge_file_base",
        ".merge_file_ours",
        ".merge_file_theirs",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["a", "b"], "usage: sfsync merge-driver BASE OURS THEIRS PATH", id="few"),
        pytest.param(["a", "b", "c", "d", "7", "x"], "usage:", id="labels-incomplete"),
        pytest.param(["missing", "b", "c", "p.xml"], "p.xml: cannot read missing", id="missing"),
    ],
)
def test_bad_usage_exits_2_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["merge-driver", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_report_sfsync_merges_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    monkeypatch.setenv(mergedriver.REPORT_ENV, str(reports))
    base, ours, theirs = (ms.permset(x) for x in (ms.BASE, ms.ADD_OURS, ms.ADD_THEIRS))
    code, _, _ = driver(tmp_path, base, ours, theirs)
    assert code == 1
    found = mergedriver.read_reports(reports)
    assert list(found) == [ms.PATH]
    report = found[ms.PATH]
    assert report.by_element and not report.clean and report.fallback is None
    assert [c["text"] for c in report.conflicts] == [ms.REGION_CONFLICT]


def test_the_last_record_of_a_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A criss-cross merge runs the driver on a file for the merge bases first: the record
    the merge reports is the one written last."""
    reports = tmp_path / "reports"
    reports.mkdir()
    monkeypatch.setenv(mergedriver.REPORT_ENV, str(reports))
    conflicting = (ms.permset(x) for x in (ms.BASE, ms.ADD_OURS, ms.ADD_THEIRS))
    assert driver(tmp_path, *conflicting)[0] == 1
    assert driver(tmp_path, *(ms.permset(x) for x in (ms.BASE, ms.OURS, ms.THEIRS)))[0] == 0
    found = mergedriver.read_reports(reports)
    assert len(list(reports.iterdir())) == 2 and found[ms.PATH].clean


# --- lean: git starts it once per file ----------------------------------------------------


def test_the_driver_imports_no_cli_libraries(tmp_path: Path) -> None:
    for name, fields in (("O", ms.BASE), ("A", ms.OURS), ("B", ms.THEIRS)):
        (tmp_path / name).write_text(ms.permset(fields))
    code = (
        "import sys\n"
        "baseline = len(sys.modules)\n"
        "from sfsync.__main__ import main\n"
        f"rc = main(['merge-driver', 'O', 'A', 'B', {ms.PATH!r}])\n"
        "heavy = ('typer', 'rich', 'click', 'jsonschema', 'yaml', 'sfsync.cli',\n"
        "         'sfsync.pipeline', 'sfsync.metadata.registry')\n"
        "print(rc, [m for m in heavy if m in sys.modules], len(sys.modules) - baseline)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    rc, rest = proc.stdout.strip().split(" ", 1)
    heavy, count = rest.rsplit(" ", 1)
    assert (rc, heavy) == ("0", "[]"), proc.stderr
    # what one merge costs in imports (stdlib + defusedxml + sfsync's engine and git runner);
    # typer, rich and click alone bring more than 200
    assert int(count) <= 130, count


def test_help_goes_through_the_cli_and_documents_the_convention() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sfsync", "merge-driver", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert (
        "%O" in proc.stdout
        and "%A" in proc.stdout
        and "install-hooks --merge-driver" in (proc.stdout)
    )


# --- as git runs it -----------------------------------------------------------------------


def _two_branches(repo: Path, ours: dict[str, bool], theirs: dict[str, bool]) -> None:
    git(repo, "init", "-q", "-b", "main")
    write(repo, {ms.PATH: ms.permset(ms.BASE), "notes.txt": "base\n"}, "base")
    git(repo, "checkout", "-q", "-b", "other")
    write(repo, {ms.PATH: ms.permset(theirs)}, "theirs")
    git(repo, "checkout", "-q", "main")
    write(repo, {ms.PATH: ms.permset(ours)}, "ours")


def test_git_merge_with_the_installed_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _two_branches(repo, ms.OURS, ms.THEIRS)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    assert main(["install-hooks", "--merge-driver", "--no-hooks"]) == 0
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "merge driver")
    git(repo, "merge", "-q", "--no-edit", "other")  # would conflict by lines
    assert (repo / ms.PATH).read_text() == ms.permset(ms.BOTH)


def test_without_sfsync_on_path_git_still_merges_by_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _two_branches(repo, ms.OURS, ms.THEIRS)
    monkeypatch.chdir(repo)
    assert main(["install-hooks", "--merge-driver", "--no-hooks"]) == 0
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "merge driver")
    no_sfsync = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if p and not (Path(p) / "sfsync").exists()
    )
    proc = subprocess.run(
        ["git", "merge", "--no-edit", "other"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": no_sfsync},
        check=False,
    )
    assert proc.returncode == 1  # a conflict, git's own: both sides are in the file
    assert "sfsync is not on PATH; merged by lines:" in proc.stderr
    assert "not found" not in proc.stderr  # not the shell's: it repeated the whole command
    text = (repo / ms.PATH).read_text()
    assert "<<<<<<< ours" in text and ">>>>>>> theirs" in text
    assert "Account.Region__c" in text and "Account.Segment__c" in text
