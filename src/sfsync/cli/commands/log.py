"""`sfsync log`: an environment's event chain (the audit trail)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.errors import UsageError, plural
from sfsync.git import state
from sfsync.pipeline import project

app = command_app()


@app.command("log")
def log_command(
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="ENV", help="Environment (default: git config sfsync.env)."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", metavar="N", help="Show at most N events (N >= 1)."),
    ] = None,
    fetch: Annotated[bool, typer.Option("--fetch", help="Fetch refs/sfsync/* first.")] = False,
    json_mode: JsonOption = False,
) -> None:
    """Show the events recorded for an environment, newest first.

    Each event is one commit on refs/sfsync/envs/<env>, so `git log refs/sfsync/envs/dev1`
    shows the same trail.

    Example:

    \b
        sfsync log --env int -n 10
    """
    if limit is not None and limit < 1:
        raise UsageError(f"-n/--limit {limit}: show at least 1 event (or leave it out for all)")
    proj = project.load()
    environment = project.resolve_env(proj, env)
    if fetch:
        state.fetch(proj.root, proj.config.remote)
    records = state.log(proj.root, environment.name, limit)
    events = [
        {"commit": r.commit, **r.event.to_json(), "state": r.state.to_json()} for r in records
    ]
    for item in events:
        item.pop("format", None)
        item["state"].pop("format", None)

    def human(console: Console) -> None:
        if not records:
            console.print(f"{environment.name}: no events recorded yet")
        for r in records:
            e = r.event
            span = f" {(e.from_sha or '')[:7]}..{(e.to_sha or '')[:7]}" if e.to_sha else ""
            count = f" ({plural(len(e.components), 'component')})" if e.components else ""
            console.print(
                f"{r.commit[:7]}  {e.when}  {e.kind:<13} {e.who}{span}{count}", markup=False
            )

    Output(json_mode).emit({"env": environment.name, "events": events}, human=human)
