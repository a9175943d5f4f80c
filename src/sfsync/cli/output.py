"""What every command module shares: the common options, the output contract, the Typer maker.

Commands live one per file in `sfsync.cli.commands`; each makes its Typer with `command_app()`,
parses its options, calls one logic function and hands the result to `Output`. The command
table and the error boundary are in `sfsync.cli.app`. Logic modules never import typer or rich.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core

from sfsync.errors import UsageError, json_loggable, loggable, redact, redact_data

if TYPE_CHECKING:
    from rich.console import Console

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print exactly one JSON object on stdout (for CI).")
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print the plan and change nothing.")]
YesOption = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Do not ask before acting (needed without a terminal)."),
]
TakeOverOption = Annotated[
    bool,
    typer.Option(
        "--take-over",
        help="Take over another clone's claim on the env once it has expired "
        "(lease.ttl_minutes in sfsync.yml).",
    ),
]
NotifyOption = Annotated[
    str | None,
    typer.Option(
        "--notify",
        metavar="slack|teams",
        help="Send a Slack or Teams message when this run ends (success or failure); the "
        "webhook URL comes from $SFSYNC_WEBHOOK_URL (or notify.url_env in sfsync.yml).",
    ),
]
FORMATS = ("text", "markdown")
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        metavar="text|markdown",
        help="markdown: the result (or the failure) as tables on stdout, for a PR comment "
        "or $GITHUB_STEP_SUMMARY.",
    ),
]


class PlainUsage(typer.core.TyperCommand):
    """A command whose usage line names required arguments plainly (`compare A B`), as click
    does; typer writes `{A} {B}`, which reads as a choice between A and B."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """The usage pieces without typer's braces around required arguments."""
        pieces: list[str] = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


def command_app(**settings: Any) -> typer.Typer:
    """A Typer for one command module (help rendered as plain text, like the root)."""
    return typer.Typer(
        add_completion=False,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
        **settings,
    )


class Output:
    """Renders one command's result on stdout (JSON, markdown, or text for a person);
    progress, prompts, warnings and errors go to stderr, as git does: `sfsync status >
    status.txt` keeps the answer and still shows a failure on the terminal."""

    def __init__(self, json_mode: bool, fmt: str = "text") -> None:
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt}: use one of {', '.join(FORMATS)}")
        if json_mode and fmt != "text":
            raise UsageError(f"--json and --format {fmt} exclude each other: choose one")
        self.json_mode = json_mode
        self.markdown = fmt == "markdown"
        self._console: Console | None = None
        self._err: Console | None = None

    @property
    def console(self) -> Console:
        """The result's console on stdout (rich is imported only when something is drawn)."""
        if self._console is None:
            self._console = stdout_console()
        return self._console

    @property
    def err(self) -> Console:
        """The console for progress, warnings and notes, on stderr."""
        if self._err is None:
            self._err = stderr_console()
        return self._err

    def emit(
        self,
        result: dict[str, Any],
        human: Callable[[Console], None] | None = None,
        markdown: Callable[[dict[str, Any]], str] | None = None,
    ) -> None:
        """Print the success envelope (JSON), the `markdown` report of `result`, or let
        `human` draw it on the console (all on stdout)."""
        if self.json_mode:
            print_json({"status": 0, "result": result})
        elif self.markdown and markdown is not None:
            sys.stdout.write(redact(markdown(result)))  # escaped for markdown: no `##vso[` left
            sys.stdout.flush()
        elif human is not None:
            human(self.console)

    def progress_enabled(self) -> bool:
        """Progress bars (on stderr) only for a person at a terminal, never in JSON or CI."""
        return (not self.json_mode) and self.err.is_terminal and not os.environ.get("CI")


def print_json(obj: dict[str, Any]) -> None:
    """One JSON document on stdout, secrets redacted."""
    text = json_loggable(json.dumps(redact_data(obj), indent=2, default=str))
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def format_of(args: list[str]) -> str:
    """The value of `--format` in a command line (the error boundary reads it before Typer)."""
    for index, arg in enumerate(args):
        if arg == "--format" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--format="):
            return arg.partition("=")[2]
    return "text"


def failure(json_mode: bool, status: int, name: str, message: str, data: dict[str, Any]) -> int:
    """Print the failure envelope (JSON) or one red line (plus detail lines); return `status`.

    The message may quote what an org or a file said: terminal control is removed and rich
    markup is escaped, so it is shown, never interpreted.
    """
    message = loggable(redact(message))
    if json_mode:
        envelope: dict[str, Any] = {"status": status, "name": name, "message": message}
        if data:
            envelope["data"] = data
        print_json(envelope)
    else:
        from rich.markup import escape

        console = stderr_console()
        first, *rest = message.splitlines() or [""]
        console.print(f"[bold red]error:[/] {escape(first)}", markup=True)
        for line in rest:
            console.print(line, markup=False)
    return status


def stderr_console() -> Console:
    """A rich console on stderr, without syntax highlighting or hard wrapping (see
    `safe_console`)."""
    return safe_console(stderr=True)


def stdout_console() -> Console:
    """A rich console on stdout, without syntax highlighting or hard wrapping (see
    `safe_console`)."""
    return safe_console(stderr=False)


def safe_console(*, stderr: bool) -> Console:
    """A console for text from git and orgs: every string it draws (a line, a table cell)
    loses its terminal control first (`errors.loggable`: OSC 52 clipboard writes, window
    titles, screen clears), and markup is off unless a call asks for it (`markup=True`, with
    the data in it escaped): a subject holding `[link=...]` stays text."""
    from rich.console import Console

    class _SafeConsole(Console):
        def render_str(self, text: str, **options: Any) -> Any:
            return super().render_str(loggable(text), **options)

    return _SafeConsole(stderr=stderr, highlight=False, soft_wrap=True, markup=False)
