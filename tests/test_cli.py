from __future__ import annotations

import json

import pytest

from sfsync import __version__
from sfsync.__main__ import main


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
    assert "\n  Examples:\n    sfsync status --fetch\n" in text  # one example a line, unwrapped
    fetch_line = next(line for line in text.splitlines() if line.strip().startswith("--fetch"))
    assert "<bool>" not in fetch_line
