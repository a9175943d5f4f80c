"""`sfsync pull-upstream`: merge upstream into your branch, deploy the delta to your sandbox."""

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
from sfsync.errors import UsageError, one_line
from sfsync.pipeline import project
from sfsync.workflows import pull

app = command_app()


@app.command("pull-upstream")
def pull_upstream(
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="ENV", help="Sandbox (default: git config sfsync.env)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="TYPE:NAME",
            help="Leave this component out (repeatable); it stays behind until pulled or ignored.",
        ),
    ] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite components changed in the sandbox since its sync."),
    ] = False,
    cont: Annotated[
        bool,
        typer.Option("--continue", help="Finish a pull whose merge conflicts you have committed."),
    ] = False,
    abort: Annotated[
        bool, typer.Option("--abort", help="Undo an unfinished pull (its merge).")
    ] = False,
    no_fetch: Annotated[
        bool, typer.Option("--no-fetch", help="Do not fetch the upstream branch first.")
    ] = False,
    take_over: TakeOverOption = False,
    notify_service: NotifyOption = None,
    json_mode: JsonOption = False,
    fmt: FormatOption = "text",
) -> None:
    """Bring everything deployed upstream into your branch and your sandbox.

    Refuses while package directories have uncommitted changes. Fetches the upstream branch
    and refs/sfsync/*, merges the upstream branch into the current branch (profiles,
    permission sets, labels, flows... by element, installed driver or not: see `sfsync
    merge-driver --help`), then deploys only the net difference (pre-merge HEAD -> merged
    HEAD) to your sandbox, after retrieving those components from it as a backup. A
    component the sandbox changed since its last sync (work that exists only there) stops
    the pull, naming who changed it and when: retrieve and commit it, or --exclude it, or
    --force. On merge conflicts it stops with git's conflict state, naming the conflicting
    entries: resolve, commit, then --continue (or --abort). A run that was interrupted is
    finished by running the command again.

    \b
    Examples:
        sfsync pull-upstream --dry-run
        sfsync pull-upstream --exclude ApexClass:AccountService --yes
    """
    if cont and abort:
        raise UsageError("--continue and --abort exclude each other")
    output = Output(json_mode, fmt)
    proj = project.load()
    if abort:
        undone = pull.abort(proj, env)
        output.emit(
            undone,
            human=lambda c: c.print(f"{undone['env']}: undid {undone['undone']}", markup=False),
        )
        return
    notifier = Notifier(output, proj.config.notify, notify_service, "sfsync pull-upstream")
    with notifier.watch():
        the_plan = pull.plan(
            proj,
            env,
            exclude or (),
            fetch=not no_fetch and not cont,
            resume=cont,
            settle=not dry_run,
        )
        if dry_run or the_plan.up_to_date:
            output.emit(
                {"dryRun": dry_run, "plan": the_plan.to_json()},
                human=lambda c: _show_plan(c, the_plan),
                markdown=reports.pull_upstream,
            )
            return
        if not json_mode:  # the plan before the question; markdown keeps stdout for its report
            _show_plan(output.err if output.markdown else output.console, the_plan)
        confirm(output, f"Merge {the_plan.upstream} and deploy to {the_plan.env.name}?", yes=yes)
        with deploy_progress(output, the_plan.env.name) as progress:
            result = pull.execute(
                proj, the_plan, force=force, progress=progress, take_over=take_over
            )
    done = result.to_json()
    sent = notifier.success(done)
    output.emit(
        {**done, "notification": sent} if sent else done,
        human=lambda c: _show_result(c, result),
        markdown=reports.pull_upstream,
    )


def _show_plan(console: Console, p: pull.PullPlan) -> None:
    for note in p.interrupted:
        console.print(f"note: {note}", markup=False)
    if p.up_to_date:
        console.print(f"{p.env.name} is up to date with {p.upstream} ({p.up_sha[:12]})")
        return
    verb = "finish pulling" if p.resuming else "pull"
    console.print(
        f"{verb} {p.upstream} {p.up_sha[:12]} into {p.branch} and sandbox {p.env.name} "
        f"({p.env.org}):",
        markup=False,
    )
    for d in p.deployments:
        subject, author = one_line(d.subject, 100), one_line(d.author, 60)
        console.print(f"  {d.sha[:7]}  {subject}  ({author}, {d.date[:10]})", markup=False)
    for label, items in (
        ("deploy", p.deploy),
        ("delete", p.delete),
        ("excluded (stays behind)", p.excluded),
        ("held back earlier, deployed now", p.earlier),
        ("conflicts to resolve first", p.conflicts),
    ):
        if items:
            console.print(f"{label} ({len(items)}): {', '.join(items)}", markup=False)
    for d in p.ignored:
        console.print(
            f"also deployed, from ignored deployment {d.sha[:7]} ({one_line(d.subject, 100)}): "
            f"{', '.join(d.components)} - the merge brings it into your branch, and the "
            "sandbox gets what the branch holds (--exclude to leave one out)",
            markup=False,
        )
    show_merge(console, p.merge)
    for warning in p.warnings:
        stderr_console().print(f"warning: {warning}", markup=False)


def _show_result(console: Console, r: pull.PullResult) -> None:
    p = r.plan
    if r.outcome is None:
        console.print(f"{p.env.name}: already done, synced to {p.upstream} {p.up_sha[:12]}")
    else:
        o = r.outcome
        console.print(
            f"{p.env.name} synced to {p.upstream} {p.up_sha[:12]}: {len(o.deployed)} deployed, "
            f"{len(o.deleted)} deleted (deploy {o.deploy_id}, backup {o.snapshot})",
            markup=False,
        )
    show_merge(console, r.merge)
    if p.excluded:
        console.print(f"still behind (excluded): {', '.join(p.excluded)}", markup=False)
    if r.push_error:
        stderr_console().print(f"warning: state not pushed: {r.push_error}", markup=False)
