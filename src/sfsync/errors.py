"""The errors sfsync raises, their exit codes, and what every message passes through.

Logic modules raise these; only the CLI boundary turns them into output and an exit code.
Exit codes (DESIGN.md): 0 success, 1 the answer is "no", 2 bad usage or configuration,
3 an external tool failed. Messages are built with `plural` ("1 component", "2 components"),
secrets are hidden by `redact`, and terminal control is removed by `printable`.
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
    """A process exited non-zero; the text shows the command, the code and its output.

    `summary`: one line naming the cause and what to do, when the caller recognised it
    (`sfsync.git.repo.failed`); it replaces the dump of the process's output.
    """

    name = "CommandFailed"

    def __init__(
        self,
        cmd: Sequence[str],
        returncode: int,
        stdout: str | bytes,
        stderr: str | bytes,
        *,
        summary: str | None = None,
    ) -> None:
        self.cmd = tuple(cmd)
        self.returncode = returncode
        self.stdout = _text(stdout)
        self.stderr = _text(stderr)
        super().__init__(redact(summary) if summary else self._format())

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


# What an operating-system error means to the person who ran sfsync, and what to do about
# it: (errno name, what happened, the next step). Names, not numbers: errno differs by platform.
_OS_ERRORS: tuple[tuple[str, str, str], ...] = (
    (
        "EFBIG",
        "the file size limit was reached (`ulimit -f`)",
        "raise it (`ulimit -f unlimited`) and run the command again",
    ),
    ("ENOSPC", "no space is left on the device", "free some space and run the command again"),
    ("EDQUOT", "the disk quota is exceeded", "free some space and run the command again"),
    (
        "EACCES",
        "permission denied",
        "make it readable and writable for you (or run sfsync as its owner), then run the "
        "command again",
    ),
    (
        "EPERM",
        "operation not permitted",
        "make it writable for you (or run sfsync as its owner), then run the command again",
    ),
    (
        "EROFS",
        "the file system is read-only",
        "run sfsync in a clone on a writable disk",
    ),
    (
        "ENAMETOOLONG",
        "the name is too long for the file system",
        "use a shorter file, folder or environment name",
    ),
    ("EMFILE", "too many files are open", "raise the limit (`ulimit -n`) and run again"),
)


def from_unexpected(exc: BaseException) -> SfsyncError | None:
    """The one-line error for an exception that is not sfsync's own but that the user can
    act on: an operating-system error with a known cause (`from_os_error`), or input nested
    so deeply that Python's recursion limit stopped reading it. None for the others (a bug:
    the crash log)."""
    if isinstance(exc, OSError):
        return from_os_error(exc)
    if isinstance(exc, RecursionError):
        return UsageError(
            "an input file is nested too deeply to be read (Python's recursion limit); "
            "find the file with deeply nested elements (XML or JSON) and fix it"
        )
    return None


def from_os_error(exc: OSError) -> ExternalError | None:
    """One line for an operating-system error a user can act on (a full disk, a read-only
    or size-limited file system, a name too long), naming the file; None for the others."""
    import errno

    for name, what, advice in _OS_ERRORS:
        if exc.errno is not None and exc.errno == getattr(errno, name, None):
            names = [n for n in (exc.filename, exc.filename2) if n is not None]
            if names:
                return ExternalError(f"{names[0]!s}: {what}; {advice}")
            # a failed write names no file: say where sfsync was working
            import os

            return ExternalError(f"{what} (working in {os.getcwd()}); {advice}")
    return None


def _text(value: str | bytes) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


# Salesforce session ids / access tokens look like `00D...!AQ...`; auth URLs are
# `force://<clientId>:<secret>:<refresh token>@<instance>`. Incoming-webhook URLs carry their
# secret in the path (Slack: hooks.slack.com/services/T../B../..., Teams connectors:
# <tenant>.webhook.office.com/webhookb2/...) or in a `sig=` signature (Teams Workflows).
# After a key (`sid=`, `Bearer `) only a value that looks like a secret is hidden (a digit or
# one of `!._-/+=`, or 20+ letters): `INVALID_SESSION_ID: Session expired` keeps its words.
_SECRET_VALUE = r"(?:(?=[^\s\"'<,&]*[0-9!._\-/+=])[^\s\"'<,&]+|[A-Za-z]{20,})"
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"force://[^\s\"']+"), "force://<redacted>"),
    (
        re.compile(r"https?://(?:hooks\.slack\.com|[\w.-]*webhook\.office\.com)/[^\s\"'<>]+"),
        "<redacted-webhook-url>",
    ),
    (re.compile(r"([?&]sig=)[^&\s\"'<>]+"), r"\1<redacted>"),
    (re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._\-]+"), "<redacted-token>"),
    (re.compile(r"(?i)(bearer\s+)" + _SECRET_VALUE), r"\1<redacted>"),
    (
        re.compile(
            r"(?i)((?:access_?token|sessionid|session_id|sid|refresh_?token|"
            r"client_?secret|sfdx_?auth_?url|sf_access_token)[\"']?\s*[:=]\s*[\"']?)"
            + _SECRET_VALUE
        ),
        r"\1<redacted>",
    ),
    (re.compile(r"(?i)(<(?:\w+:)?sessionId>)[^<]*(</(?:\w+:)?sessionId>)"), r"\1<redacted>\2"),
)


# Terminal control in text sfsync did not write (an org's answers, a user name set in Setup):
# escape sequences (CSI `ESC [ ... m`, OSC `ESC ] ... BEL` that sets the window title or a
# hyperlink, their 8-bit forms) and the other C0/C1 control characters; newline and tab stay.
_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC ... BEL / ST
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, PM, APC, SOS ... ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]"  # two-character escapes
)
# ... and the invisible characters that reorder what a terminal shows (bidirectional
# overrides and isolates: "Trojan Source", CVE-2021-42574).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
SHOWN_CHARACTERS = 200
"""Where `one_line` cuts text from git or an org (a commit subject can be 200,000 long)."""


def printable(text: str) -> str:
    """`text` without terminal control: escape sequences and control characters are removed
    (newlines and tabs stay), so text from an org cannot clear the screen or set a title."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def one_line(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """Text from git or an org (a commit subject, a file or user name) for one line of a
    terminal or CI log: `loggable`, line breaks shown as `\\n`, at most `limit` characters."""
    shown = loggable(_BREAKS.sub("\\\\n", text))
    if len(shown) > limit:
        return shown[: limit - 3] + "..."
    return shown


# A CI log is a terminal that obeys: the Azure Pipelines agent runs every `##vso[...]` it
# finds anywhere in a step's output (`##vso[task.prependpath]` puts a folder first on PATH
# for the next steps; Microsoft's own tasks now print `##_vso[`, azure-pipelines-tasks#22297)
# and reads `##[...]` as formatting; GitHub runs `::command::` at the start of a line.
_AZURE_COMMAND = re.compile(r"##(vso)?\[", re.IGNORECASE)
_GITHUB_COMMAND = re.compile(r"^(\s*):(?=:)", re.MULTILINE)


def loggable(text: str) -> str:
    """`printable`, and no CI logging command: `##vso[` shown as `##_vso[`, `##[` as
    `##_[`, a line's leading `::` with a zero-width space between the colons."""
    shown = printable(text)
    if "##" in shown:
        shown = _AZURE_COMMAND.sub(lambda m: "##_" + (m.group(1) or "") + "[", shown)
    if "::" in shown:
        shown = _GITHUB_COMMAND.sub("\\1:\u200b", shown)
    return shown


def json_loggable(serialized: str) -> str:
    """A JSON text with `[` after `##` and `##vso` written `\\u005b`: the same document for
    any JSON reader, no logging command for a CI agent reading the log."""
    if "##" not in serialized:
        return serialized
    return _AZURE_COMMAND.sub(lambda m: "##" + (m.group(1) or "") + "\\u005b", serialized)


def printable_data(value: object) -> object:
    """`printable` applied to every string in a parsed JSON document (keys included)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(str(k)): printable_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable_data(v) for v in value]
    return value


def plural(count: int, word: str) -> str:
    """`1 component`, `2 components`, `0 components`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def redact(text: str) -> str:
    """Hide access tokens, session ids and auth URLs in `text`."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_data(value: object) -> object:
    """`redact` applied to every string of a JSON-like document (keys included), before it
    is serialized: redacting the JSON text could swallow the backslash of an escaped quote
    after a secret and leave invalid JSON."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value
