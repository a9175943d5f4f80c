"""Shared by the workflow commands: ask before acting, and a progress bar for a person."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sfsync.cli import Output
from sfsync.errors import UsageError
from sfsync.workflow import ProgressCallback


def confirm(question: str, *, yes: bool, json_mode: bool, command: str) -> None:
    """Go on with `--yes`; ask at a terminal; refuse (exit 2) with no terminal to ask."""
    if yes:
        return
    if json_mode or not sys.stdin.isatty():
        raise UsageError(
            f"{command} changes orgs and branches: pass --yes to go ahead without a terminal "
            f"(or --dry-run to see the plan)"
        )
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


@contextmanager
def deploy_progress(output: Output, label: str) -> Iterator[ProgressCallback | None]:
    """A progress bar fed with (done, total) components, only for a person at a terminal."""
    if not output.progress_enabled():
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=output.console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update
