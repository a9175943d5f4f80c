"""Text from git reaches the terminal without terminal control, and cut to a line.

A commit subject (or author, or file name) is anyone's text: OSC 52 writes the reader's
clipboard, OSC 0 sets the window title, CSI 2J clears the screen, C1 controls (0x9b, 0x9d)
are the same in 8 bits, and bidirectional overrides reorder what is shown. The hook,
`sfsync status`, `pull-upstream --dry-run` and `delta` printed them raw, and printed a
200,000-character subject whole.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline import Pipeline, cls, git
from sfsync.__main__ import main

HOSTILE = (
    "Fix \x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard \x1b]0;owned\x07 title "
    "\x1b[2J\x1b[H clear \x9b31m c1 \x9d0;x\x9c osc8 \x1b]8;;https://evil.example/\x1b\\link"
    "\x1b]8;;\x1b\\ bidi \u202etxt.exe\u202c bell\x07 [link=https://evil.example]markup[/link]"
)
LONG = "L" * 200_000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def commit_with_subject(pipe: Pipeline, subject: str, name: str) -> None:
    message = pipe.root / "message.txt"
    message.write_bytes(subject.encode("utf-8") + b"\n")
    git(pipe.admin, "checkout", "-q", "int")
    for rel, text in cls(name).items():
        path = pipe.admin / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(pipe.admin, "add", "--", rel)
    author = "Eve \x1b]0;owned\x07\u202e <eve@example.invalid>"
    git(pipe.admin, "commit", "-q", "-F", str(message), f"--author={author}")
    git(pipe.admin, "push", "-q", "origin", "int")


@pytest.fixture
def dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """dev1 synced, then two deployments on int with hostile and 200,000-character subjects."""
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    commit_with_subject(pipe, HOSTILE, "Foo")
    commit_with_subject(pipe, LONG, "Bar")
    git(dev, "fetch", "-q", "origin")
    monkeypatch.chdir(dev)
    return dev


def assert_clean(text: str) -> None:
    assert CONTROL.findall(text) == [], text[:500]
    assert "L" * 201 not in text  # the long subject is cut
    assert len(text) < 5000


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check"], id="hook"),
        pytest.param(["status"], id="status"),
        pytest.param(["status", "--env", "dev1"], id="status-env"),
        pytest.param(["pull-upstream", "--dry-run"], id="pull-upstream-dry-run"),
    ],
)
def test_subjects_and_authors_reach_the_terminal_without_control(
    dev: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    main(argv)
    out, err = capsys.readouterr()
    assert_clean(out + err)
    shown = out + err
    assert "clipboard" in shown and "title" in shown and "clear" in shown  # the words stay
    assert "Eve" in shown or argv[0] == "status"


def test_file_names_from_git_reach_the_terminal_without_control(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = Pipeline(tmp_path)
    base = git(pipe.admin, "rev-parse", "HEAD")
    name = "Evil\x1b]0;owned\x07\x1b[2J\u202eName"
    for rel, text in cls(name).items():
        path = pipe.admin / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(pipe.admin, "add", "--", rel)
    git(pipe.admin, "commit", "-q", "-m", "evil file name")
    monkeypatch.chdir(pipe.admin)
    capsys.readouterr()
    main(["delta", "--from", base, "--to", "HEAD", "-o", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert "EvilName" in out + err or "Evil" in out + err
    assert CONTROL.findall(out + err) == [], out + err


LOG_COMMANDS = "Fix ##vso[task.prependpath]/tmp/evil and ##[error]fake\n::add-mask::x"


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check"], id="hook"),
        pytest.param(["check", "--json"], id="hook-json"),
        pytest.param(["status", "--env", "dev1"], id="status"),
        pytest.param(["status", "--json"], id="status-json"),
        pytest.param(["pull-upstream", "--dry-run"], id="pull-upstream-dry-run"),
    ],
)
def test_a_subject_cannot_run_a_ci_logging_command(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    """A CI log obeys what it reads: the Azure agent runs `##vso[...]` anywhere in a line
    (`task.prependpath` puts a folder first on PATH for the next steps), GitHub runs
    `::command::` at a line's start. Shown, JSON included, they run nothing; JSON keeps the
    subject exactly."""
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    commit_with_subject(pipe, LOG_COMMANDS, "Foo")
    git(dev, "fetch", "-q", "origin")
    monkeypatch.chdir(dev)
    capsys.readouterr()
    main(argv)
    out, err = capsys.readouterr()
    for text in (out, err):
        assert "##vso[" not in text.lower() and "##[" not in text, text
        assert not re.search(r"^\s*::", text, flags=re.MULTILINE), text
    if "--json" in argv:
        document = json.loads(out)
        subjects = json.dumps(document)
        assert "##vso[task.prependpath]/tmp/evil" in subjects.replace("\\u005b", "[")
        assert "##vso[task.prependpath]/tmp/evil and ##[error]fake" in str(document)
