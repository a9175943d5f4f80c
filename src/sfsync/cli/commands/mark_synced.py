"""`sfsync mark-synced`: record that a sandbox holds its upstream at a commit."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.pipeline import project, tracking

app = command_app()


@app.command("mark-synced")
def mark_synced(
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="REF", help="Commit the sandbox holds (default: the upstream's tip)."
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="ENV", help="Sandbox (default: git config sfsync.env)."),
    ] = None,
    fetch: Annotated[bool, typer.Option("--fetch", help="Fetch first.")] = False,
    push: Annotated[
        bool, typer.Option("--push", help="Push refs/sfsync/envs/<env> afterwards.")
    ] = False,
    json_mode: JsonOption = False,
) -> None:
    """Record that a developer sandbox holds its upstream at REF, e.g. right after a refresh.

    From then on only deployments after REF count as behind.

    Example:

    \b
        sfsync mark-synced --env dev1 --fetch --push
    """
    proj = project.load()
    environment = project.resolve_env(proj, env)
    record = tracking.mark_synced(proj, environment.name, ref, fetch=fetch, push=push)
    note = tracking.stale_branch_note(proj, ref)
    result = {
        "env": environment.name,
        "syncedTo": record.state.synced_to,
        "previous": record.event.from_sha,
        "event": record.commit,
        "warnings": [note] if note else [],
    }

    output = Output(json_mode)

    def human(console: Console) -> None:
        console.print(f"{record.event.details.get('summary')} (event {record.commit[:7]})")
        if note:
            output.err.print(note, markup=False)

    output.emit(result, human=human)
