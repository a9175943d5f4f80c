"""`sfsync check`: the hook (the fast path lives in `sfsync.hooks.check`)."""

from __future__ import annotations

from typing import Annotated

import typer

from sfsync.cli.output import JsonOption, command_app
from sfsync.hooks import check as hooks

app = command_app()


@app.command()
def check(
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="ENV", help="Environment (default: git config sfsync.env)."),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            metavar="STAGE",
            help="commit or push (default: PRE_COMMIT_HOOK_STAGE, else commit).",
        ),
    ] = None,
    fetch: Annotated[
        bool, typer.Option("--fetch", help="First fetch the upstream branch and refs/sfsync/*.")
    ] = False,
    refs_from_stdin: Annotated[
        bool, typer.Option("--refs-from-stdin", hidden=True, help="pre-push hook input.")
    ] = False,
    json_mode: JsonOption = False,
    hook_args: Annotated[
        list[str] | None, typer.Argument(hidden=True, metavar="-- REMOTE URL")
    ] = None,
) -> None:
    """Refuse (exit 1) while your sandbox is behind its upstream environment.

    What the git hooks run. Prints `dev1 is 3 deployments behind int (7 components):` and the
    list; exit 0 when up to date, when the repo has no sfsync.yml or no env is set
    (git config sfsync.env dev1). With hooks.block: overlap in sfsync.yml only changes that
    touch a component behind are refused. Bypass once: SKIP=sfsync-behind git commit ...

    Example:

    \b
        sfsync check --stage push --fetch
    """
    code = hooks.check_command(
        env=env,
        stage=stage,
        fetch=fetch,
        json_mode=json_mode,
        refs_from_stdin=refs_from_stdin,
        hook_args=hook_args or (),
    )
    raise typer.Exit(code)
