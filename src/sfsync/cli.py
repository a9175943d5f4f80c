"""The Typer application, the output contract and the one error boundary.

Commands live one per file in `sfsync.commands`; each parses its options, calls one logic
function, and hands the result to `Output`. Logic modules never import typer or rich.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sfsync import __version__
from sfsync.errors import EXIT_EXTERNAL, EXIT_USAGE, SfsyncError, redact

app = typer.Typer(
    name="sfsync",
    help=(
        "Keep Salesforce environments in sync with git and the Salesforce CLI.\n\n"
        "Every command takes --json (one JSON object on stdout, like sf). Exit codes: "
        "0 success, 1 the answer is no (blocked, failed in the org), 2 bad usage or "
        "configuration, 3 an external tool (sf, git, network) failed."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print exactly one JSON object on stdout (for CI).")
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print the plan and change nothing.")]
YesOption = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Do not ask before acting (needed without a terminal)."),
]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"sfsync {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Keep Salesforce environments in sync with git and the Salesforce CLI."""


class Output:
    """Renders one command's result: JSON on stdout, or human text on stderr."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.console = Console(stderr=True, highlight=False, soft_wrap=True)

    def emit(self, result: dict[str, Any], human: Callable[[Console], None] | None = None) -> None:
        """Print the success envelope (JSON) or let `human` draw it on the console."""
        if self.json_mode:
            print_json({"status": 0, "result": result})
        elif human is not None:
            human(self.console)

    def progress_enabled(self) -> bool:
        """Progress bars only for a person at a terminal, never in JSON mode or CI."""
        return (not self.json_mode) and self.console.is_terminal and not os.environ.get("CI")


def print_json(obj: dict[str, Any]) -> None:
    text = json.dumps(obj, indent=2, default=str)
    sys.stdout.write(redact(text) + "\n")
    sys.stdout.flush()


def _failure(json_mode: bool, status: int, name: str, message: str, data: dict[str, Any]) -> int:
    message = redact(message)
    if json_mode:
        envelope: dict[str, Any] = {"status": status, "name": name, "message": message}
        if data:
            envelope["data"] = data
        print_json(envelope)
    else:
        console = Console(stderr=True, highlight=False, soft_wrap=True)
        first, *rest = message.splitlines() or [""]
        console.print(f"[bold red]error:[/] {first}", markup=True)
        for line in rest:
            console.print(line, markup=False)
    return status


def _crash_log(exc: BaseException) -> Path | None:
    """Write the traceback and tool versions for a bug report; return the file, if written."""
    from sfsync import gitrepo  # lazy: only on a crash

    lines = [
        f"sfsync {__version__} on Python {platform.python_version()} ({platform.platform()})",
        f"argv: {' '.join(sys.argv)}",
    ]
    try:
        lines.append(gitrepo.out(".", "--version"))
    except Exception as git_exc:
        lines.append(f"git: unavailable ({git_exc})")
    try:
        from sfsync import sf

        lines.append(f"sf: {sf.version()}")
    except Exception as sf_exc:
        lines.append(f"sf: unavailable ({type(sf_exc).__name__})")
    lines.append("")
    lines.extend(traceback.format_exception(type(exc), exc, exc.__traceback__))
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in (Path(base) / "sfsync", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"sfsync-crash-{stamp}-{os.getpid()}.log"
            path.write_text(redact("\n".join(lines)), encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the Typer app inside the error boundary and return the exit code."""
    import sfsync.commands  # noqa: F401  (registers every command on `app`)

    args = list(sys.argv[1:] if argv is None else argv)
    json_mode = "--json" in args
    try:
        rv = app(args=args, prog_name="sfsync", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except SfsyncError as exc:
        return _failure(json_mode, exc.exit_code, exc.name, exc.message, dict(exc.data))
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return _failure(json_mode, 130, "Aborted", "aborted by the user; nothing more was done", {})
    except typer.TyperException as exc:
        # usage errors from the parser (unknown option, missing argument, ...)
        if json_mode or not hasattr(exc, "show"):
            return _failure(json_mode, EXIT_USAGE, "UsageError", exc.format_message(), {})
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        return _failure(json_mode, 130, "Interrupted", "interrupted; nothing more was done", {})
    except Exception as exc:
        log = _crash_log(exc)
        where = f"; details in {log}" if log else ""
        return _failure(
            json_mode,
            EXIT_EXTERNAL,
            "InternalError",
            f"unexpected error: {type(exc).__name__}: {exc}{where} (please report it)",
            {},
        )
