from __future__ import annotations

import json

import pytest

from sfsync.cli.output import failure
from sfsync.errors import CommandFailed, printable, printable_data, redact

TOKEN = "00D5g000004ABCD!AQ0AQFakeTokenValue.1234567890abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        pytest.param(f"token {TOKEN} end", TOKEN, id="session-id"),
        pytest.param(
            "force://PlatformCLI::5Aep861abc.def@example.my.salesforce.com",
            "5Aep861abc.def",
            id="auth-url",
        ),
        pytest.param("Authorization: Bearer abc.DEF-123", "abc.DEF-123", id="bearer"),
        pytest.param('{"accessToken": "sekrit-value"}', "sekrit-value", id="json-access-token"),
        pytest.param("SF_ACCESS_TOKEN=sekrit2 sf org login", "sekrit2", id="env-assignment"),
        pytest.param("<sessionId>sekrit3</sessionId>", "sekrit3", id="soap-session"),
    ],
)
def test_redact_hides_secrets(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_redact_keeps_ordinary_text() -> None:
    text = "deployed ApexClass:AccountService to dev1 (0Af000000000001)"
    assert redact(text) == text


def test_command_failed_shows_command_code_and_indented_output() -> None:
    exc = CommandFailed(["git", "merge", "int"], 1, b"", f"fatal: bad {TOKEN}\nsecond line")
    text = str(exc)
    assert text.splitlines()[0] == "command: git merge int"
    assert "return code: 1" in text
    assert "stdout: (none)" in text
    assert "    second line" in text
    assert TOKEN not in text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("INVALID_SESSION_ID: Session expired or invalid", id="session-expired"),
        pytest.param("Bearer of bad news", id="bearer-word"),
        pytest.param("sid: see the org's login history", id="sid-words"),
    ],
)
def test_redact_keeps_words_after_a_key(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("Dana \x1b]0;pwned\x07\x1b[2J\x1b[HDev", "Dana Dev", id="osc-title-clear"),
        pytest.param("a\x1b[31mred\x1b[0m", "ared", id="csi-colour"),
        pytest.param("a\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\b", "alinkb", id="hyperlink"),
        pytest.param("a\x9b2Jb\x9d0;t\x07c", "abc", id="c1"),
        pytest.param("over\rwrite\x08\x00", "overwrite", id="controls"),
        pytest.param("line 1\n\tline 2 é 日本", "line 1\n\tline 2 é 日本", id="kept"),
    ],
)
def test_printable_removes_terminal_control(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_printable_data_cleans_keys_and_values() -> None:
    data = {"a\x1b[2J": ["x\x1b]0;t\x07y", 3, {"k": "v\x07"}], "n": None}
    assert printable_data(data) == {"a": ["xy", 3, {"k": "v"}], "n": None}


def test_a_failure_shows_markup_and_never_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    message = "org says [bold]hi[/bold] \x1b]0;pwned\x07\x1b[2Jdone\nsecond [red]line"
    assert failure(False, 3, "SfError", message, {}) == 3
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "error: org says [bold]hi[/bold] done" in err and "second [red]line" in err
    assert failure(True, 3, "SfError", message, {}) == 3
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["message"] == "org says [bold]hi[/bold] done\nsecond [red]line"
