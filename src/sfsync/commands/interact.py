"""What the mutating commands share with a person: the confirmation and the progress bar.

from sfsync.commands.interact import confirm, deploy_progress
confirm(output, "Deploy 3 components to int?", yes=yes)   # UsageError without a tty
with deploy_progress(output, "int") as on_progress:        # None when not at a terminal
    result = orgdeploy.deploy_step(..., on_progress=on_progress)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
    """A progress bar fed by the deploy's component and test counts (only at a terminal)."""
    if not output.progress_enabled():
        yield None
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=output.err, transient=True) as bar:
        task = bar.add_task(f"deploying to {env}", total=None, status="Pending")

        def update(progress: sf.Progress) -> None:
            bar.update(
                task,
                completed=progress.done,
                total=progress.total or None,
                status=progress.status,
            )

        yield update
