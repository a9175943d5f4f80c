"""`sfsync backup`: an org's metadata, in git, incrementally."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.errors import plural
from sfsync.org.chunks import FILE_LIMIT
from sfsync.org.listed import DEFAULT_JOBS
from sfsync.org.listscope import type_names
from sfsync.pipeline import project
from sfsync.workflows import backup as backup_flow

app = command_app()

TypesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--types", metavar="TYPE[,TYPE]", help="Back up only these metadata types (repeatable)."
    ),
]


@app.command()
def backup(
    env: Annotated[
        str, typer.Option("--env", metavar="ENV", help="Environment whose org to back up.")
    ],
    full: Annotated[
        bool, typer.Option("--full", help="Retrieve everything, not only what changed.")
    ] = False,
    types: TypesOption = None,
    skip_types: Annotated[
        list[str] | None,
        typer.Option("--skip-types", metavar="TYPE[,TYPE]", help="Leave these types out."),
    ] = None,
    include_managed: Annotated[
        bool,
        typer.Option("--include-managed", help="Also back up installed packages' components."),
    ] = False,
    always: Annotated[
        list[str] | None,
        typer.Option(
            "--always-retrieve",
            metavar="TYPE[,TYPE]",
            help="Retrieve these types on every run (their date does not move, e.g. Profile).",
        ),
    ] = None,
    max_files: Annotated[
        int,
        typer.Option(
            "--max-files", metavar="N", help="Files per retrieve (the org's limit: 10,000)."
        ),
    ] = FILE_LIMIT,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            metavar="N",
            help="How much listing runs at once: 4N calls in one process (N sf processes "
            "when listing type by type).",
        ),
    ] = DEFAULT_JOBS,
    full_every: Annotated[
        int | None,
        typer.Option(
            "--full-every",
            metavar="DAYS",
            help="Back up in full when the last full backup is DAYS days old or older "
            "(0: every run): a change that moves no date is caught at least that often.",
        ),
    ] = None,
    push: Annotated[
        bool, typer.Option("--push", help="Push refs/sfsync-backups/<env> afterwards.")
    ] = False,
    json_mode: JsonOption = False,
) -> None:
    """Back up an org's metadata into git, incrementally, in chunks that resume.

    Each backup is a commit on refs/sfsync-backups/<env> (source format, plus
    sfsync-backup.json: every component's lastModifiedDate/ByName); its
    message says what was added, changed and deleted, and by whom. Only
    components whose date moved are retrieved (--full: all). A run that
    stops part-way continues at the next chunk when run again.

    \b
    Examples:
        sfsync backup --env prod
        sfsync backup --env prod --full --push --json
        sfsync backup --env prod --full-every 7
        sfsync backup --env uat --types ApexClass,CustomObject --skip-types Profile
        git log -p refs/sfsync-backups/prod
    """
    out = Output(json_mode)
    proj = project.load()
    options = backup_flow.Options(
        full=full,
        types=tuple(type_names(types)) if types else None,
        skip_types=tuple(type_names(skip_types or ())),
        include_managed=include_managed,
        always=tuple(type_names(always or ())),
        max_files=max_files,
        jobs=jobs,
        full_every=full_every,
    )
    with _progress(out, env) as on_progress:
        result = backup_flow.run(proj, env, options, on_progress=on_progress, push=push)
    out.emit(result.to_json(), human=lambda console: _show(console, result))


@contextmanager
def _progress(out: Output, env: str) -> Iterator[Callable[[backup_flow.Progress], None]]:
    """A progress bar at a terminal; one line per chunk on stderr otherwise."""
    if not out.progress_enabled():

        def line(p: backup_flow.Progress) -> None:
            if p.phase == "chunk":
                sys.stderr.write(
                    f"{env}: chunk {p.done}/{p.total}: {p.components} components, "
                    f"{p.files} files, {plural(p.retrieves, 'retrieve')}, {p.seconds:.1f} s\n"
                )
            elif p.phase == "resumed":
                sys.stderr.write(
                    f"{env}: continuing the unfinished backup at chunk {p.done + 1} of {p.total}\n"
                )
            else:
                sys.stderr.write(
                    f"{env}: {p.components} components listed, {plural(p.total, 'chunk')}\n"
                )
            sys.stderr.flush()

        yield line
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}", markup=False),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out.console, transient=True) as bar:
        task = bar.add_task(f"backing up {env}", total=None, detail="listing the org")

        def update(p: backup_flow.Progress) -> None:
            detail = f"{p.components} components" if p.phase != "chunk" else f"{p.files} files"
            bar.update(task, completed=p.done, total=p.total or None, detail=detail)

        yield update


def _show(console: Console, result: backup_flow.Result) -> None:
    if result.up_to_date:
        console.print(
            f"{result.env} ({result.org}): nothing changed since the last backup "
            f"({result.components} components, {result.ref})",
            markup=False,
        )
        return
    assert result.commit is not None
    resumed = f", continued at chunk {result.resumed_at}" if result.resumed_at else ""
    console.print(
        f"backup of {result.env} ({result.org}), {result.mode}: {len(result.added)} added, "
        f"{len(result.changed)} changed, {len(result.deleted)} deleted -> {result.ref} "
        f"{result.commit[:12]}",
        markup=False,
    )
    console.print(
        f"  {result.components} components, {result.files} files; {result.retrieved} "
        f"retrieved in {plural(result.chunks, 'chunk')}, {plural(result.retrieves, 'retrieve')}, "
        f"{result.seconds:.1f} s{resumed}",
        markup=False,
    )
    rows = [("added", c) for c in result.added] + [("changed", c) for c in result.changed]
    rows += [("deleted", c) for c in result.deleted]
    for what, change in rows[:20]:
        who = f"  ({change.by}, {change.when})" if change.by and what != "deleted" else ""
        console.print(f"  {what:<8} {change.component}{who}", markup=False)
    if len(rows) > 20:
        console.print(
            f"  ... and {len(rows) - 20} more: git show {result.commit[:12]}", markup=False
        )
    if result.managed_skipped:
        console.print(
            f"  {plural(result.managed_skipped, 'managed-package component')} left out "
            "(--include-managed to back them up)",
            markup=False,
        )
    for warning in result.warnings:
        console.print(f"  warning: {warning}", markup=False)
    if result.pushed:
        console.print(f"  pushed {result.ref}", markup=False)
