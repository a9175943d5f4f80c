"""What the mutating commands share with a person: the confirmation and the progress bar.

from sfsync.commands.interact import confirm, deploy_progress
confirm(output, "Deploy 3 components to int?", yes=yes)   # UsageError without a tty
with deploy_progress(output, "int") as on_progress:        # None when not at a terminal
    result = orgdeploy.deploy_step(..., on_progress=on_progress)
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from sfsync.cli import Output
from sfsync.errors import UsageError
from sfsync.org import sf


def confirm(output: Output, question: str, *, yes: bool) -> None:
    """Ask `question` unless --yes; with no terminal to ask on, refuse (exit 2)."""
    if yes:
        return
    if output.json_mode or not sys.stdin.isatty():
        raise UsageError(
            "refusing to change an org without confirmation: no terminal to ask on; "
            "pass --yes (or look first with --dry-run)"
        )
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


@contextmanager
def deploy_progress(output: Output, env: str) -> Iterator[Callable[[sf.Progress], None] | None]:
    """How a deploy shows its progress while `sf` polls it.

    At a terminal: a progress bar per env. Without one (CI logs, a pipe) and without --json:
    one line on stderr per poll, `deploy int: InProgress | 64/91 components (0 errors) | 0/12
    tests`. With --json: nothing (the deploy waits in one `sf` call). Callable from several
    threads at once (parallel sandboxes).
    """
    if output.json_mode:
        yield None
        return
    lock = threading.Lock()
    if not output.progress_enabled():

        def line(progress: sf.Progress) -> None:
            with lock:
                sys.stderr.write(progress.line() + "\n")
                sys.stderr.flush()

        yield line
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=output.console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(progress: sf.Progress) -> None:
            name = progress.env or env
            with lock:
                if name not in tasks:
                    verb = "validating" if progress.check_only else "deploying to"
                    tasks[name] = bar.add_task(f"{verb} {name}", total=None, status="Pending")
                bar.update(
                    tasks[name],
                    completed=progress.done,
                    total=progress.total or None,
                    status=progress.status,
                )

        yield update
