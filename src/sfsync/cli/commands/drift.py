"""`sfsync drift`: what an org holds that git does not say it should."""

from __future__ import annotations

from typing import Annotated

import typer

from sfsync.cli import notify, reports
from sfsync.cli.interact import Notifier
from sfsync.cli.output import FormatOption, JsonOption, NotifyOption, Output, command_app
from sfsync.errors import UsageError
from sfsync.org.chunks import FILE_LIMIT
from sfsync.org.listed import DEFAULT_JOBS
from sfsync.pipeline import project
from sfsync.workflows import drift as drift_flow

app = command_app()


@app.command()
def drift(
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="ENV", help="Environment (default: git config sfsync.env)."),
    ] = None,
    save: Annotated[
        bool,
        typer.Option("--save", help="Commit the org's versions of what drifted to a new branch."),
    ] = False,
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch", metavar="BRANCH", help="Branch for --save (default: drift/<env>-<time>)."
        ),
    ] = None,
    include_managed: Annotated[
        bool, typer.Option("--include-managed", help="Also compare installed packages' components.")
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
    notify_service: NotifyOption = None,
    json_mode: JsonOption = False,
    fmt: FormatOption = "text",
) -> None:
    """Compare an org with what git says it holds; exit 1 when they differ.

    Git says: the env's branch tip, or for a developer sandbox its sync
    point plus the changes of your branch. Lists components changed in the
    org (who, when), only in the org (of the types the project tracks) and
    missing from the org. XML is compared by meaning. --save commits the
    org's versions to a new branch (nothing in your work tree changes):
    the first step before a sandbox refresh. With `notify:` in sfsync.yml (or --notify), a
    drift sends a chat message (the `drift` event).

    \b
    Examples:
        sfsync drift --env prod
        sfsync drift --env prod --format markdown >> "$GITHUB_STEP_SUMMARY"
        sfsync drift --env dev1 --save
    """
    if branch is not None and not save:
        raise UsageError("--branch names the branch of --save: add --save")
    out = Output(json_mode, fmt)
    proj = project.load()
    name = project.resolve_env(proj, env).name
    notifier = Notifier(out, proj.config.notify, notify_service, "sfsync drift")
    with notifier.watch():
        report = drift_flow.run(
            proj,
            name,
            save=save,
            branch=branch,
            include_managed=include_managed,
            jobs=jobs,
            max_files=max_files,
        )
    result = report.to_json()
    sent = notifier.send(_message(report))
    if sent:
        result["notification"] = sent
    if json_mode and report.has_drift:
        raise drift_flow.Drifted(report.summary(), data=result)
    out.emit(result, human=lambda console: _show(out, report), markdown=reports.drift)
    if report.has_drift:
        raise typer.Exit(1)


def _show(out: Output, report: drift_flow.Report) -> None:
    for line in report.lines():
        out.console.print(line, markup=False)
    for warning in report.warnings:
        out.err.print(f"warning: {warning}", markup=False)


def _message(report: drift_flow.Report) -> notify.Message:
    """The chat message: the `drift` event, or a success when the org holds what git says."""
    if not report.has_drift:
        return notify.Message("success", f"sfsync drift: {report.summary()}")
    return notify.Message(
        "drift", f"sfsync drift: {report.summary()}", tuple(report.lines()[1:]), ok=False
    )
