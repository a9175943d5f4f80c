"""The root of the `sfsync` command line: the command table and the one error boundary.

Commands live one per module in `sfsync.cli.commands`. The table below names them with a one-line
summary, so `sfsync --help` lists every command without importing any; a command's module (and
the workflow behind it) is imported only when that command runs.

    sfsync.cli.app.main(["status", "--json"])   # -> exit code
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from difflib import get_close_matches
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from sfsync import __version__
from sfsync.cli.output import failure, format_of
from sfsync.errors import EXIT_EXTERNAL, EXIT_USAGE, SfsyncError

if TYPE_CHECKING:
    from typer import _click as click  # the click that typer's groups are built on


@dataclass(frozen=True)
class CommandEntry:
    """Where a command lives: `sfsync.cli.commands.<module>` exposes `app`, a Typer."""

    module: str
    summary: str
    group: bool = False  # a Typer with subcommands (`sfsync config validate`)


# name -> entry, in the order `sfsync --help` lists them
COMMANDS: dict[str, CommandEntry] = {
    "init": CommandEntry(
        "init", "Write sfsync.yml from the orgs `sf` knows and the repository's branches."
    ),
    "status": CommandEntry(
        "status", "Show, for every environment, how far it is behind the one above it."
    ),
    "check": CommandEntry(
        "check", "Refuse (exit 1) while your sandbox is behind its upstream environment."
    ),
    "pull-upstream": CommandEntry(
        "pull_upstream", "Bring everything deployed upstream into your branch and your sandbox."
    ),
    "back-promote": CommandEntry(
        "back_promote",
        "Walk the pipeline downwards from --from: prod -> uat -> int -> developer sandboxes.",
    ),
    "deploy": CommandEntry(
        "deploy", "Deploy what the env's branch has and its org does not: the net difference."
    ),
    "rollback": CommandEntry(
        "rollback",
        "Undo a recorded deployment, or part of it: redeploy its snapshot, delete what it created.",
    ),
    "backup": CommandEntry(
        "backup", "Back up an org's metadata into git, incrementally, in chunks that resume."
    ),
    "drift": CommandEntry(
        "drift", "Compare an org with what git says it holds; exit 1 when they differ."
    ),
    "compare": CommandEntry(
        "compare", "Compare two orgs (or backups) side by side; deploy the differences you pick."
    ),
    "delta": CommandEntry(
        "delta", "Write the components changed between two commits, like sfdx-git-delta."
    ),
    "ignore": CommandEntry(
        "ignore",
        "Stop counting upstream deployments as behind (recorded in refs/sfsync/envs/<env>).",
    ),
    "mark-synced": CommandEntry(
        "mark_synced",
        "Record that a developer sandbox holds its upstream at REF, e.g. right after a refresh.",
    ),
    "log": CommandEntry("log", "Show the events recorded for an environment, newest first."),
    "report": CommandEntry(
        "report", "Write the pipeline as a static HTML dashboard: graph, timelines, backups, drift."
    ),
    "merge-driver": CommandEntry(
        "merge_driver",
        "Merge one Salesforce metadata file by element (git's merge-driver convention).",
    ),
    "install-hooks": CommandEntry(
        "install_hooks", "Install pre-commit and pre-push git hooks that run `sfsync check`."
    ),
    "config": CommandEntry(
        "config", "Inspect the pipeline configuration (sfsync.yml).", group=True
    ),
    "ci": CommandEntry(
        "ci", "CI pipelines for the team's pipeline, and org logins from CI secrets.", group=True
    ),
}


def load_command(name: str) -> click.Command:
    """Import the module of command `name` and build its click command."""
    entry = COMMANDS[name]
    module = importlib.import_module(f"sfsync.cli.commands.{entry.module}")
    typer_app: typer.Typer = module.app
    if entry.group:
        return typer.main.get_group(typer_app)
    return typer.main.get_command(typer_app)


class LazyGroup(TyperGroup):
    """The root group: lists commands from `COMMANDS`, imports one only to run it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        return load_command(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, entry.summary) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in COMMANDS and not args[0].startswith("-"):
            close = get_close_matches(args[0], list(COMMANDS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            ctx.fail(f"No such command {args[0]!r}.{hint}")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="sfsync",
    cls=LazyGroup,
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
    suggest_commands=False,  # LazyGroup suggests from the table
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


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


def _command_words(args: list[str]) -> list[str]:
    """`deploy`, or `ci init`: the words before the first option."""
    words = []
    for arg in args:
        if arg.startswith("-"):
            break
        words.append(arg)
    entry = COMMANDS.get(words[0]) if words else None
    return words[:2] if entry is not None and entry.group else words[:1]


def main(argv: list[str] | None = None) -> int:
    """Run the command line inside the error boundary and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    json_mode = "--json" in args
    try:
        rv = app(args=args, prog_name="sfsync", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except SfsyncError as exc:
        if not json_mode and format_of(args) == "markdown":
            # the PR comment / job summary shows the failure too (the red line goes to stderr)
            from sfsync.cli import reports

            command = " ".join(["sfsync", *_command_words(args)])
            sys.stdout.write(reports.failure(command, exc.name, exc.message, dict(exc.data)))
            sys.stdout.flush()
        return failure(json_mode, exc.exit_code, exc.name, exc.message, dict(exc.data))
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return failure(json_mode, 130, "Aborted", "aborted by the user; nothing more was done", {})
    except typer.TyperException as exc:
        # usage errors from the parser (unknown option, missing argument, ...)
        if json_mode or not hasattr(exc, "show"):
            return failure(json_mode, EXIT_USAGE, "UsageError", exc.format_message(), {})
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        return failure(json_mode, 130, "Interrupted", "interrupted; nothing more was done", {})
    except Exception as exc:
        from sfsync.cli import crash
        from sfsync.errors import from_unexpected

        known = from_unexpected(exc)  # a full disk, a read-only .git, a file size limit...
        if known is not None:
            return failure(json_mode, known.exit_code, known.name, known.message, {})
        log = crash.write_log(exc)
        where = f"; details in {log}" if log else ""
        return failure(
            json_mode,
            EXIT_EXTERNAL,
            "InternalError",
            f"unexpected error: {type(exc).__name__}: {exc}{where} (please report it)",
            {},
        )
