from __future__ import annotations

import pytest

from sfsync.errors import CommandFailed, redact

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
