"""`sfsync back-promote`: walk the pipeline downwards, merging and deploying into each env."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli import reports
from sfsync.cli.interact import Notifier, confirm, deploy_progress, show_merge
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
from sfsync.errors import UsageError
from sfsync.pipeline import project
from sfsync.workflows import backpromote

app = command_app()


@app.command("back-promote")
def back_promote(
    source: Annotated[
        str,
        typer.Option("--from", metavar="ENV", help="The env whose branch flows down (e.g. prod)."),
    ],
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to", metavar="ENV", help="Only these envs below (repeatable; the way down included)."
        ),
    ] = None,
    sandboxes: Annotated[
        bool,
        typer.Option("--sandboxes", help="Then deploy to developer sandboxes what they lack."),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            help="Developer sandboxes updated at once (each has its own org and lock).",
        ),
    ] = backpromote.DEFAULT_JOBS,
    take_over: TakeOverOption = False,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    notify_service: NotifyOption = None,
    no_fetch: Annotated[
        bool, typer.Option("--no-fetch", help="Do not fetch env branches first.")
    ] = False,
    json_mode: JsonOption = False,
    fmt: FormatOption = "text",
) -> None:
    """Walk the pipeline downwards from --from: prod -> uat -> int -> developer sandboxes.

    For each env with a branch, top first: merge the upper env's branch into its branch in a
    temporary git worktree (your working tree is not touched; profiles, permission sets,
    labels, flows... merge by element, see `sfsync merge-driver --help`), retrieve what will
    change from its org as a backup, deploy the net difference, push the branch and record
    the event. With --sandboxes, each developer sandbox then gets the upstream changes it
    lacks, --jobs at a time; a component the sandbox changed since its sync point is skipped
    and reported, never overwritten. The first conflict or failure of a branch env stops the
    walk and names the envs done; a conflict names its entries and the commands that finish
    it by hand. A failed sandbox does not stop the others and is reported at the end.

    \b
    Examples:
        sfsync back-promote --from prod --dry-run
        sfsync back-promote --from prod --sandboxes --jobs 8 --yes --json
    """
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: run at least 1 sandbox at a time")
    output = Output(json_mode, fmt)
    proj = project.load()
    notifier = Notifier(output, proj.config.notify, notify_service, "sfsync back-promote")
    with notifier.watch():
        the_plan = backpromote.plan(
            proj, source, to or (), sandboxes=sandboxes, fetch=not no_fetch, settle=not dry_run
        )
        if dry_run:
            output.emit(
                {"dryRun": True, "plan": the_plan.to_json()},
                human=lambda c: _show_plan(c, the_plan),
                markdown=reports.back_promote,
            )
            return
        if not json_mode:  # the plan before the question; markdown keeps stdout for its report
            _show_plan(output.err if output.markdown else output.console, the_plan)
        confirm(
            output,
            f"Back-promote {source} to {', '.join(s.env.name for s in the_plan.steps)}?",
            yes=yes,
        )
        result = _walk(output, proj, the_plan, source, jobs, take_over)
    done = result.to_json()
    sent = notifier.success(done)
    output.emit(
        {**done, "notification": sent} if sent else done,
        human=lambda c: _show_steps(c, result.steps),
        markdown=reports.back_promote,
    )


def _walk(
    output: Output,
    proj: project.Project,
    the_plan: backpromote.Plan,
    source: str,
    jobs: int,
    take_over: bool,
) -> backpromote.Result:
    with deploy_progress(output, source) as progress:
        try:
            return backpromote.execute(
                proj, the_plan, progress=progress, jobs=jobs, take_over=take_over
            )
        except backpromote.SandboxesFailed as exc:
            if not output.json_mode and not output.markdown:
                _show_steps(output.console, exc.results)
            raise


def _show_plan(console: Console, p: backpromote.Plan) -> None:
    for note in p.interrupted:
        console.print(f"note: {note}", markup=False)
    console.print(f"back-promote from {p.source.name}:", markup=False)
    for step in p.steps:
        what = (
            f"{step.env.name} ({'sandbox' if step.is_sandbox else step.env.branch}) <- {step.upper}"
        )
        if step.skip_reason:
            console.print(f"  {what}: skip, {step.skip_reason}", markup=False)
            continue
        if step.conflicts:
            console.print(f"  {what}: merge conflicts in {', '.join(step.conflicts)}", markup=False)
            show_merge(console, step.merge, "    ")
            continue
        changes = [*step.deploy, *(f"-{c}" for c in step.delete)]
        body = ", ".join(changes) if changes else "up to date"
        console.print(f"  {what}: {body}", markup=False)
        show_merge(console, step.merge, "    ")


def _show_steps(console: Console, steps: tuple[backpromote.StepResult, ...]) -> None:
    for step in steps:
        line = f"{step.env}: {step.status}"
        if step.reason:
            line += f" ({step.reason.splitlines()[0]})"
        o = step.outcome
        if o is not None:
            line += f", {len(o.deployed)} deployed, {len(o.deleted)} deleted"
            if o.skipped:
                line += f", skipped (changed in the sandbox): {', '.join(o.skipped)}"
        console.print(line, markup=False)
        if step.merge.by_element:
            names = ", ".join(step.merge.by_element)
            console.print(f"  merged by element: {names}", markup=False)
        for warning in step.warnings:
            stderr_console().print(f"warning: {step.env}: {warning}", markup=False)
