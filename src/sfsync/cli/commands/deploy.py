"""`sfsync deploy`: promote an env branch's net difference to its org."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from sfsync.cli import reports
from sfsync.cli.interact import Notifier, confirm, deploy_progress
from sfsync.cli.output import (
    DryRunOption,
    FormatOption,
    JsonOption,
    NotifyOption,
    Output,
    TakeOverOption,
    YesOption,
    command_app,
    stderr_console,
)
from sfsync.errors import plural
from sfsync.org.deploy import StepResult
from sfsync.pipeline import project
from sfsync.workflows import promote

app = command_app()


@app.command()
def deploy(
    env: Annotated[
        str, typer.Option("--env", metavar="ENV", help="Environment with a branch (int, prod...).")
    ],
    validate: Annotated[
        bool, typer.Option("--validate", help="Check-only deploy: run it, change nothing.")
    ] = False,
    test_level: Annotated[
        str | None,
        typer.Option(
            "--test-level",
            metavar="LEVEL",
            help="NoTestRun, RunSpecifiedTests, RunLocalTests, RunAllTestsInOrg or "
            "RunRelevantTests (beta, sourceApiVersion 66.0+) (default: the env's tests: in "
            "sfsync.yml, else RunLocalTests for protected envs, NoTestRun otherwise).",
        ),
    ] = None,
    tests: Annotated[
        list[str] | None,
        typer.Option(
            "--tests",
            metavar="CLASS",
            help="Apex test class to run (repeat); implies RunSpecifiedTests. `auto`: the "
            "test classes that reach the deployed Apex through the reference graph, each "
            "with why (see --dry-run --json).",
        ),
    ] = None,
    confirm_env: Annotated[
        str | None,
        typer.Option("--confirm", metavar="ENV", help="Required for protected envs: their name."),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="REF",
            help="The commit the org holds, when sfsync has not recorded one yet.",
        ),
    ] = None,
    push: Annotated[
        bool,
        typer.Option("--push", help="Push refs/sfsync/envs/<env> and the snapshot afterwards."),
    ] = False,
    ref: Annotated[
        str | None,
        typer.Option(
            "--ref",
            metavar="REF",
            help="With --validate: validate this commit instead of the branch tip "
            "(a pull request's merge, e.g. HEAD).",
        ),
    ] = None,
    take_over: TakeOverOption = False,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    notify_service: NotifyOption = None,
    json_mode: JsonOption = False,
    fmt: FormatOption = "text",
) -> None:
    """Deploy what the env's branch has and its org does not: the net difference.

    The difference runs from the commit the org last received (recorded in
    refs/sfsync/envs/<env>) to the branch tip. What is about to be
    overwritten is retrieved first (the snapshot `sfsync rollback`
    redeploys); the deploy stops if the org holds changes not in git.
    Protected envs need --confirm <env> and run RunLocalTests by default.
    --tests auto (or `tests: auto` for the env in sfsync.yml) runs only the
    test classes that reach what the deployment changes, and refuses a
    deployed class or trigger that no test reaches.

    \b
    Examples:
        sfsync deploy --env int --yes
        sfsync deploy --env prod --confirm prod --validate
        sfsync deploy --env prod --tests auto --dry-run --format markdown
        sfsync deploy --env prod --confirm prod --tests auto --yes
        sfsync deploy --env int --validate --ref HEAD --yes --format markdown > report.md
    """
    out = Output(json_mode, fmt)
    proj = project.load()
    notifier = Notifier(out, proj.config.notify, notify_service, "sfsync deploy")
    with notifier.watch():
        plan = promote.plan_deploy(
            proj,
            env,
            validate=validate,
            test_level=test_level,
            tests=tests or (),
            baseline=baseline,
            ref=ref,
            settle=not dry_run,
        )
        if dry_run or plan.empty:
            out.emit(
                {"dryRun": dry_run, "upToDate": plan.empty, "plan": plan.to_json()},
                human=lambda console: _show_plan(console, plan),
                markdown=reports.deploy,
            )
            return
        result = _deploy(
            out, proj, plan, confirm_env=confirm_env, yes=yes, push=push, take_over=take_over
        )
    done = {"dryRun": False, "upToDate": False, "plan": plan.to_json(), **result.to_json()}
    sent = notifier.success(done)
    out.emit(
        {**done, "notification": sent} if sent else done,
        human=lambda console: show_result(console, result, protected=plan.env.protected),
        markdown=reports.deploy,
    )


def _deploy(
    out: Output,
    proj: project.Project,
    plan: promote.DeployPlan,
    *,
    confirm_env: str | None,
    yes: bool,
    push: bool,
    take_over: bool,
) -> StepResult:
    if not plan.validate:
        promote.check_confirm(plan.env, confirm_env)
    if not out.json_mode:  # the plan before the question; markdown keeps stdout for its report
        _show_plan(out.err if out.markdown else out.console, plan)
    verb = "Validate" if plan.validate else "Deploy"
    assert plan.delta is not None
    count = len(plan.delta.components) + len(plan.delta.destructive_components)
    confirm(out, f"{verb} {plural(count, 'component change')} to {plan.env.name}?", yes=yes)
    with deploy_progress(out, plan.env.name) as on_progress:
        result = promote.run_deploy(proj, plan, on_progress=on_progress, take_over=take_over)
    assert result is not None
    if push and not result.check_only:
        promote.push_refs(proj, result)
    return result


def _show_plan(console: Console, plan: promote.DeployPlan) -> None:
    env = plan.env
    for note in plan.interrupted:
        console.print(f"note: {note}", markup=False)
    if plan.empty:
        console.print(
            f"{env.name} ({env.org}) already holds {plan.branch_ref} at {plan.to_sha[:12]}: "
            "nothing to deploy",
            markup=False,
        )
        return
    assert plan.delta is not None
    what = "validate" if plan.validate else "deploy"
    console.print(
        f"{env.name} ({env.org}): {what} {plan.from_sha[:12]} -> {plan.to_sha[:12]} "
        f"({plan.branch_ref}), tests: {plan.test_level}",
        markup=False,
    )
    for component in plan.delta.components:
        console.print(f"  deploy  {component}", markup=False)
    for component in plan.delta.destructive_components:
        console.print(f"  delete  {component}", markup=False)
    if plan.test_choice is not None:
        show_tests(console, plan.test_choice.to_json())
    for warning in plan.delta.warnings:
        stderr_console().print(f"warning: {warning}", markup=False)


def show_tests(console: Console, test_plan: dict[str, Any]) -> None:
    """The tests to run and, for `auto`, the first reason of each and what no test reaches."""
    selection = test_plan.get("selection")
    if not selection:
        return
    for pick in selection["selected"]:
        why = pick["why"][0]["text"] if pick["why"] else ""
        more = f" (+{len(pick['why']) - 1} more)" if len(pick["why"]) > 1 else ""
        console.print(f"  test    {pick['test']}: {why}{more}", markup=False)
    for component in selection["uncovered"]:
        console.print(f"  no test reaches {component}", markup=False)
    for note in test_plan.get("notes", []):
        console.print(f"  note: {note}", markup=False)


def show_result(console: Console, result: StepResult, *, protected: bool = False) -> None:
    """One summary line, then what was skipped or forced and where the snapshot is;
    `protected`: the undo command needs `--confirm <env>`."""
    if result.check_only:
        console.print(
            f"validated {plural(len(result.deployed), 'component')} and "
            f"{plural(len(result.deleted), 'deletion')} on {result.env} ({result.org}); "
            "nothing changed "
            f"(job {result.job_id})",
            markup=False,
        )
        return
    console.print(
        f"{result.kind}: {plural(len(result.deployed), 'component')} deployed and "
        f"{len(result.deleted)} deleted on {result.env} ({result.org}), job {result.job_id}",
        markup=False,
    )
    for change in result.skipped:
        console.print(f"  skipped {change}", markup=False)
    for change in result.forced:
        console.print(f"  overwrote {change}", markup=False)
    if result.snapshot is not None:
        console.print(f"  snapshot: {result.snapshot.ref}", markup=False)
    if result.record is not None:
        undo = f"sfsync rollback --env {result.env} --event {result.record.commit[:12]}"
        if protected:
            undo += f" --confirm {result.env}"
        console.print(
            f"  recorded: refs/sfsync/envs/{result.env} {result.record.commit[:12]} "
            f"(undo with: {undo})",
            markup=False,
        )
    for warning in result.warnings:
        console.print(f"  warning: {warning}", markup=False)
