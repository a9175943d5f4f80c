"""`sfsync compare A B`: two orgs or backups side by side; deploy the differences you pick."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from sfsync.cli import reports
from sfsync.cli.commands.deploy import show_result
from sfsync.cli.interact import confirm, deploy_progress
from sfsync.cli.output import (
    DryRunOption,
    FormatOption,
    JsonOption,
    Output,
    PlainUsage,
    YesOption,
    command_app,
)
from sfsync.errors import plural
from sfsync.org.chunks import FILE_LIMIT
from sfsync.org.listed import DEFAULT_JOBS
from sfsync.org.listscope import type_names
from sfsync.pipeline import project
from sfsync.workflows import compare as compare_flow

app = command_app()


@app.command(cls=PlainUsage)
def compare(
    a: Annotated[
        str, typer.Argument(metavar="A", help="Side A: an env, org:ALIAS, backup:ENV or a rev.")
    ],
    b: Annotated[
        str, typer.Argument(metavar="B", help="Side B: the same kinds; an env for --deploy.")
    ],
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--types",
            metavar="TYPE[,TYPE]",
            help="Compare these types (default: the types the project tracks).",
        ),
    ] = None,
    show: Annotated[
        list[str] | None,
        typer.Option("--show", metavar="TYPE:NAME", help="Print the diff of a component."),
    ] = None,
    deploy: Annotated[
        list[str] | None,
        typer.Option(
            "--deploy", metavar="TYPE:NAME", help="Deploy A's version of it to B (repeatable)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Deploy over changes made only in B's org.")
    ] = False,
    include_managed: Annotated[
        bool, typer.Option("--include-managed", help="Also compare installed packages.")
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", metavar="N", help="sf listMetadata calls run at the same time.")
    ] = DEFAULT_JOBS,
    max_files: Annotated[
        int,
        typer.Option(
            "--max-files", metavar="N", help="Files per retrieve (the org's limit: 10,000)."
        ),
    ] = FILE_LIMIT,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    json_mode: JsonOption = False,
    fmt: FormatOption = "text",
) -> None:
    """Compare two orgs (or backups) side by side; deploy the differences you pick.

    Lists what is only in A, only in B, and different (compared by
    meaning). A side is an environment, org:ALIAS, backup:ENV (backup:ENV~1:
    the one before) or a git revision holding a backup. --deploy sends A's
    version to B (an environment) through the deploy step every workflow
    uses: B is snapshotted first, a change made only in B's org stops it,
    and the event is recorded in refs/sfsync/envs/<B>. A deploy a killed
    run left on B is waited for and recorded first (its components are
    then reported as done).

    \b
    Examples:
        sfsync compare uat prod
        sfsync compare prod backup:prod --show ApexClass:AccountService
        sfsync compare uat prod --format markdown > compare.md
        sfsync compare uat prod --deploy ApexClass:AccountService --deploy CustomField:A.T__c
    """
    out = Output(json_mode, fmt)
    proj = project.load()
    settled = compare_flow.Settled()
    if deploy:  # a deploy a killed run left on B: recorded before B is compared
        settled = compare_flow.settle_target(proj, b, wait=not dry_run)
        for note in settled.notes:
            if not out.json_mode:
                out.err.print(f"note: {note}", markup=False)
    result = compare_flow.run(
        proj,
        a,
        b,
        types=type_names(types) if types else None,
        include_managed=include_managed,
        jobs=jobs,
        max_files=max_files,
    )
    diffs = {name: result.diff(name) for name in dict.fromkeys(show or ())}
    payload: dict[str, Any] = {**result.to_json(), "diffs": diffs}
    if not deploy:
        out.emit(
            payload,
            human=lambda console: _show(console, result, diffs),
            markdown=reports.compare,
        )
        return
    plan = compare_flow.plan_deploy(proj, result, deploy, done=settled.done)
    payload["plan"] = plan.to_json()
    payload["interrupted"] = list(settled.notes)
    if not out.json_mode:  # before the question; markdown keeps stdout for its report
        shown = out.err if out.markdown else out.console
        _show(shown, result, diffs)
        _show_plan(shown, result, plan)
    if dry_run or plan.empty:
        out.emit({**payload, "dryRun": dry_run}, markdown=reports.compare)
        return
    count = len(plan.deploy) + len(plan.delete)
    confirm(
        out, f"Deploy {plural(count, 'component change')} from {a} to {plan.env.name}?", yes=yes
    )
    with deploy_progress(out, plan.env.name) as on_progress:
        step = compare_flow.deploy(proj, result, plan, force=force, on_progress=on_progress)
    out.emit(
        {**payload, "dryRun": False, **{"step": step.to_json()}},
        human=lambda console: show_result(console, step, protected=plan.env.protected),
        markdown=reports.compare,
    )


def _show(console: Console, result: compare_flow.Result, diffs: dict[str, str]) -> None:
    a, b = result.a.label, result.b.label
    console.print(
        f"{a}  vs  {b} ({plural(len(result.types), 'type')}): {len(result.only_a)} only in A, "
        f"{len(result.only_b)} only in B, {len(result.different)} different, "
        f"{result.same} the same",
        markup=False,
    )
    for entry in result.only_a:
        assert entry.a is not None
        console.print(
            f"  only in A   {entry.component}  ({entry.a.modified_by}, {entry.a.modified_date})",
            markup=False,
        )
    for entry in result.only_b:
        assert entry.b is not None
        console.print(
            f"  only in B   {entry.component}  ({entry.b.modified_by}, {entry.b.modified_date})",
            markup=False,
        )
    for entry in result.different:
        assert entry.a is not None and entry.b is not None
        console.print(
            f"  different   {entry.component}  (A: {entry.a.modified_by}, "
            f"{entry.a.modified_date}; B: {entry.b.modified_by}, {entry.b.modified_date})",
            markup=False,
        )
    for name, text in diffs.items():
        console.print(f"--- {name}", markup=False)
        console.print(text.rstrip("\n") or "(no difference)", markup=False, highlight=False)


def _show_plan(
    console: Console, result: compare_flow.Result, plan: compare_flow.DeployPlan
) -> None:
    console.print(
        f"deploy from {result.a.label} to {plan.env.name} ({plan.env.org}):", markup=False
    )
    for name in plan.deploy:
        console.print(f"  deploy  {name}", markup=False)
    for name in plan.delete:
        console.print(f"  delete  {name}", markup=False)
    for name in plan.done:
        console.print(f"  done    {name} (by the deploy of the killed run)", markup=False)
    if plan.empty:
        console.print(f"nothing left to deploy to {plan.env.name}", markup=False)
