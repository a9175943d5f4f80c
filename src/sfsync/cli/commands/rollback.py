"""`sfsync rollback`: undo a recorded deployment, or part of it, from its snapshot."""

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
    stderr_console,
)
from sfsync.pipeline import project
from sfsync.workflows import promote
from sfsync.workflows import rollback as rollback_flow

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
            help="Event commit (see `sfsync log`); default: the env's newest deployment. When "
            "the newest event is a rollback, give its id to undo it (which deploys again what "
            "it took back); without --event that is refused, so a command run twice cannot "
            "put a release back.",
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="TYPE:NAME",
            help="Roll back only this component of the event (repeatable; * and ? match "
            "as in a shell: 'CustomField:Account.*').",
        ),
    ] = None,
    leave_out: Annotated[
        list[str] | None,
        typer.Option(
            "--except",
            metavar="TYPE:NAME",
            help="Roll back every component of the event but this one (repeatable).",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Roll back even over a later deployment's change of a component, or a "
            "change made in the org since.",
        ),
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
    """Undo a recorded deployment, or part of it: redeploy its snapshot, delete what it created.

    Rolls back the event's components as the org held them just before it
    (its snapshot) and deletes the ones it created; --only/--except pick
    components. An older deployment can be rolled back while later ones
    stay: a component a later deployment changed is refused, naming that
    deployment (--force rolls back over it). A component changed in the
    org since stops the rollback and names who changed it (--force
    overwrites it). The rollback takes its own snapshot first and is
    recorded as an event, so it can be undone the same way.

    Examples:

    \b
        sfsync log --env int -n 10                          # find the event
        sfsync rollback --env int --dry-run                 # undo the newest event: the plan
        sfsync rollback --env int --event 1a2b3c4d --yes    # undo that deployment
        sfsync rollback --env int --event 1a2b3c4d --only ApexClass:Invoice --yes
        sfsync rollback --env int --event 1a2b3c4d --only 'CustomField:Account.*' --dry-run --json
        sfsync rollback --env int --event 1a2b3c4d --except PermissionSet:Sales --yes
        sfsync rollback --env int --event 1a2b3c4d --force --yes   # over later deployments
        sfsync log --env int --component ApexClass:Invoice  # its history, rollbacks included
    """
    out = Output(json_mode)
    proj = project.load()
    plan = rollback_flow.plan(
        proj,
        env,
        event,
        only=only or (),
        leave_out=leave_out or (),
        force=force,
        settle=not dry_run,
    )
    if dry_run:
        out.emit(
            {"dryRun": True, "plan": plan.to_json()},
            human=lambda console: _show_plan(console, plan),
        )
        return
    promote.check_confirm(plan.env, confirm_env, "roll it back")
    if not out.json_mode:
        _show_plan(out.console, plan)
    count = len(plan.restore) + len(plan.delete)
    what = f"{count} of the {len(plan.changed)} components of " if plan.partial else ""
    confirm(
        out,
        f"Roll back {what}{plan.event.event.kind} {plan.event.commit[:12]} on {plan.env.name}?",
        yes=yes,
    )
    with deploy_progress(out, plan.env.name) as on_progress:
        result = rollback_flow.run(
            proj, plan, force=force, on_progress=on_progress, take_over=take_over
        )
    if push:
        promote.push_refs(proj, result)
    out.emit(
        {"dryRun": False, "plan": plan.to_json(), **result.to_json()},
        human=lambda console: show_result(console, result, protected=plan.env.protected),
    )


def _show_plan(console: Console, plan: rollback_flow.RollbackPlan) -> None:
    event = plan.event.event
    for note in plan.interrupted:
        console.print(f"note: {note}", markup=False)
    name = f"{event.kind} {plan.event.commit[:12]}"
    part = (
        f"{len(plan.changes)} of its {len(plan.changed)} components"
        if plan.partial
        else "all its components"
    )
    console.print(
        f"{plan.env.name} ({plan.env.org}): roll back {name} ({event.who}, {event.when}), "
        f"{part}, from {plan.snapshot.ref}, tests: {plan.test_level}",
        markup=False,
    )
    for change in plan.changes:
        console.print(f"  {change.describe(name)}", markup=False)
    if plan.resets_state:
        console.print(
            f"  {plan.env.name} is then recorded as holding what it held before {name}",
            markup=False,
        )
    for warning in plan.warnings:
        stderr_console().print(f"warning: {warning}", markup=False)
