"""`sfsync rollback`: undo a recorded deployment from its snapshot."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli.commands.deploy import show_result
from sfsync.cli.interact import confirm, deploy_progress
from sfsync.cli.output import (
    DryRunOption,
    JsonOption,
    Output,
    TakeOverOption,
    YesOption,
    command_app,
)
from sfsync.pipeline import project
from sfsync.workflows import promote

app = command_app()


@app.command()
def rollback(
    env: Annotated[
        str, typer.Option("--env", metavar="ENV", help="Environment whose deployment to undo.")
    ],
    event: Annotated[
        str | None,
        typer.Option(
            "--event",
            metavar="ID",
            help="Event commit (see `sfsync log`); default: the newest deployment.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Roll back even over changes made in the org since."),
    ] = False,
    confirm_env: Annotated[
        str | None,
        typer.Option("--confirm", metavar="ENV", help="Required for protected envs: their name."),
    ] = None,
    push: Annotated[
        bool,
        typer.Option("--push", help="Push refs/sfsync/envs/<env> and the snapshot afterwards."),
    ] = False,
    take_over: TakeOverOption = False,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    json_mode: JsonOption = False,
) -> None:
    """Undo a recorded deployment: redeploy its snapshot, delete what it created.

    The rollback takes its own snapshot first and is recorded as an event,
    so it can be undone the same way. It stops if a component was changed
    in the org since the deployment (--force rolls back over it).

    Examples:

    \b
        sfsync rollback --env int --dry-run
        sfsync rollback --env int --event 1a2b3c4d --yes
    """
    out = Output(json_mode)
    proj = project.load()
    plan = promote.plan_rollback(proj, env, event, settle=not dry_run)
    if dry_run:
        out.emit(
            {"dryRun": True, "plan": plan.to_json()},
            human=lambda console: _show_plan(console, plan),
        )
        return
    promote.check_confirm(plan.env, confirm_env, "roll it back")
    if not out.json_mode:
        _show_plan(out.console, plan)
    confirm(out, f"Roll back event {plan.event.commit[:12]} on {plan.env.name}?", yes=yes)
    with deploy_progress(out, plan.env.name) as on_progress:
        result = promote.run_rollback(
            proj, plan, force=force, on_progress=on_progress, take_over=take_over
        )
    if push:
        promote.push_refs(proj, result)
    out.emit(
        {"dryRun": False, "plan": plan.to_json(), **result.to_json()},
        human=lambda console: show_result(console, result),
    )


def _show_plan(console: Console, plan: promote.RollbackPlan) -> None:
    event = plan.event.event
    for note in plan.interrupted:
        console.print(f"note: {note}", markup=False)
    console.print(
        f"{plan.env.name} ({plan.env.org}): roll back {event.kind} {plan.event.commit[:12]} "
        f"({event.who}, {event.when}) from {plan.snapshot.ref}",
        markup=False,
    )
    for component in plan.restore:
        console.print(f"  restore {component}", markup=False)
    for component in plan.delete:
        console.print(f"  delete  {component}", markup=False)
