"""The errors sfsync raises, their exit codes, and secret redaction.

Logic modules raise these; only the CLI boundary turns them into output and an exit code.
Exit codes (DESIGN.md): 0 success, 1 the answer is "no", 2 bad usage or configuration,
3 an external tool failed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

EXIT_OK = 0
EXIT_NO = 1
EXIT_USAGE = 2
EXIT_EXTERNAL = 3


class SfsyncError(Exception):
    """A failure the user can act on: one line of text, an exit code and a stable name."""

    exit_code = EXIT_EXTERNAL
    name = "SfsyncError"

    def __init__(self, message: str, *, data: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data or {}


class UsageError(SfsyncError):
    """The user asked for something that cannot be done as asked (exit 2)."""

    exit_code = EXIT_USAGE
    name = "UsageError"


class ConfigError(SfsyncError):
    """`sfsync.yml` or `sfdx-project.json` is missing or invalid (exit 2)."""

    exit_code = EXIT_USAGE
    name = "ConfigError"


class Refused(SfsyncError):
    """The command ran and the answer is "no": blocked, behind, failed in the org (exit 1)."""

    exit_code = EXIT_NO
    name = "Refused"


class ExternalError(SfsyncError):
    """An external tool (git, sf, the network) failed (exit 3)."""

    exit_code = EXIT_EXTERNAL
    name = "ExternalError"


class ExecutableNotFound(ExternalError):
    name = "ExecutableNotFound"


class CommandFailed(ExternalError):
    """A process exited non-zero; the text shows the command, the code and its output."""

    name = "CommandFailed"

    def __init__(
        self, cmd: Sequence[str], returncode: int, stdout: str | bytes, stderr: str | bytes
    ) -> None:
        self.cmd = tuple(cmd)
        self.returncode = returncode
        self.stdout = _text(stdout)
        self.stderr = _text(stderr)
        super().__init__(self._format())

    def _format(self) -> str:
        lines = [f"command: {' '.join(self.cmd)}", f"return code: {self.returncode}"]
        for label, text in (("stdout", self.stdout), ("stderr", self.stderr)):
            body = text.rstrip()
            if body:
                lines.append(f"{label}:")
                lines.extend(f"    {line}" for line in body.splitlines())
            else:
                lines.append(f"{label}: (none)")
        return redact("\n".join(lines))


def _text(value: str | bytes) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


# Salesforce session ids / access tokens look like `00D...!AQ...`; auth URLs are
# `force://<clientId>:<secret>:<refresh token>@<instance>`. Incoming-webhook URLs carry their
# secret in the path (Slack: hooks.slack.com/services/T../B../..., Teams connectors:
# <tenant>.webhook.office.com/webhookb2/...) or in a `sig=` signature (Teams Workflows).
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"force://[^\s\"']+"), "force://<redacted>"),
    (
        re.compile(r"https?://(?:hooks\.slack\.com|[\w.-]*webhook\.office\.com)/[^\s\"'<>]+"),
        "<redacted-webhook-url>",
    ),
    (re.compile(r"([?&]sig=)[^&\s\"'<>]+"), r"\1<redacted>"),
    (re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._\-]+"), "<redacted-token>"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._!\-]+"), r"\1<redacted>"),
    (
        re.compile(
            r"(?i)((?:access_?token|sessionid|session_id|sid|refresh_?token|"
            r"client_?secret|sfdx_?auth_?url|sf_access_token)[\"']?\s*[:=]\s*[\"']?)"
            r"[^\s\"'<,&]+"
        ),
        r"\1<redacted>",
    ),
    (re.compile(r"(?i)(<(?:\w+:)?sessionId>)[^<]*(</(?:\w+:)?sessionId>)"), r"\1<redacted>\2"),
)


def redact(text: str) -> str:
    """Hide access tokens, session ids and auth URLs in `text`."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text
