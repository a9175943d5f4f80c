"""`sfsync ignore`: stop counting upstream deployments as behind."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.errors import UsageError, plural
from sfsync.pipeline import project, tracking

app = command_app()


@app.command()
def ignore(
    commits: Annotated[
        list[str] | None,
        typer.Argument(metavar="COMMIT...", help="Upstream deployment commits to ignore."),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Ignore every deployment behind right now.")
    ] = False,
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="ENV", help="Environment (default: git config sfsync.env)."),
    ] = None,
    fetch: Annotated[bool, typer.Option("--fetch", help="Fetch first.")] = False,
    push: Annotated[
        bool, typer.Option("--push", help="Push refs/sfsync/envs/<env> afterwards.")
    ] = False,
    json_mode: JsonOption = False,
) -> None:
    """Stop counting upstream deployments as behind (recorded in refs/sfsync/envs/<env>).

    Use it for a deployment your sandbox does not need (or got another way).

    Examples:

    \b
        sfsync ignore --all
        sfsync ignore 1a2b3c4 --env dev1
    """
    if all_ == bool(commits):
        raise UsageError("give either --all or one or more commits (see sfsync ignore --help)")
    record, before = tracking.ignore(
        project.load(), env, None if all_ else commits, fetch=fetch, push=push
    )
    ignored = list(record.event.details.get("deployments", [])) if record else []
    result = {
        "env": before.env,
        "upstream": before.upstream,
        "ignored": ignored,
        "components": list(record.event.components) if record else [],
        "event": record.commit if record else None,
    }

    def human(console: Console) -> None:
        if record is None:
            console.print(f"{before.env}: nothing to ignore (already up to date or ignored)")
            return
        console.print(
            f"{before.env}: ignoring {plural(len(ignored), 'deployment')} of {before.upstream}: "
            + ", ".join(sha[:7] for sha in ignored),
            markup=False,
        )

    Output(json_mode).emit(result, human=human)
