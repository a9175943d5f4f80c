from __future__ import annotations

import json

import pytest

from sfsync import __version__
from sfsync.__main__ import main
from sfsync.cli.app import COMMANDS


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sfsync {__version__}"


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_unknown_command_json_envelope(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command", "--json"]) == 2
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["status"] == 2
    assert envelope["name"] == "UsageError"
    assert "no-such-command" in envelope["message"]


def test_help_explains_with_example_and_flags_take_no_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["status", "--help"]) == 0
    text = capsys.readouterr().out
    assert "\n      sfsync status --fetch\n" in text
    fetch_line = next(line for line in text.splitlines() if line.strip().startswith("--fetch"))
    assert "<bool>" not in fetch_line


def _help_of(name: str) -> tuple[str, str]:
    import inspect

    from sfsync.cli.app import load_command

    command = load_command(name)
    groups = {"config": "validate", "ci": "init"}  # a group's help is its first command's
    if name in groups:
        command = command.commands[groups[name]]  # type: ignore[attr-defined]
        args = [name, groups[name], "--help"]
    else:
        args = [name, "--help"]
    return inspect.cleandoc(command.help or ""), _captured_help(args)


def _captured_help(args: list[str]) -> str:
    import contextlib
    import io
    import os

    out = io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        with contextlib.redirect_stdout(out):
            assert main(args) == 0
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_keeps_each_example_on_its_own_line(name: str) -> None:
    doc, text = _help_of(name)
    examples = [line.strip() for line in doc.splitlines() if line.strip().startswith("sfsync ")]
    assert examples, f"sfsync {name} --help has no example"
    shown = [line.strip() for line in text.splitlines()]
    for example in examples:
        assert example in shown, f"{example!r} was rewrapped in:\n{text}"
    for placeholder in ("<str>", "<path>", "<int", "<list[", "[x>=", "]...", "<bool>"):
        assert placeholder not in text, f"sfsync {name} --help shows {placeholder!r}"


def test_the_delta_help_keeps_the_sf_command_whole() -> None:
    _, text = _help_of("delta")
    assert "      sf project deploy start --manifest package/package.xml \\\n" in text
