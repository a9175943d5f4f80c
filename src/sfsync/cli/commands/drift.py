"""`sfsync drift`: what an org holds that git does not say it should."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sfsync.cli import notify, reports
from sfsync.cli.interact import Notifier
from sfsync.cli.output import FormatOption, JsonOption, NotifyOption, Output, command_app
from sfsync.errors import UsageError, printable, redact
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
    json_file: Annotated[
        Path | None,
        typer.Option(
            "--json-file",
            metavar="FILE",
            help="Also write the --json document to FILE, a new file (for sfsync report --drift).",
        ),
    ] = None,
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
    drift sends a chat message (the `drift` event). --json-file keeps the
    result for `sfsync report --drift` while the output stays text or markdown.

    \b
    Examples:
        sfsync drift --env prod
        sfsync drift --env prod --format markdown >> "$GITHUB_STEP_SUMMARY"
        sfsync drift --env dev1 --save
        sfsync drift --env prod --format markdown --json-file drift/prod.json
    """
    if branch is not None and not save:
        raise UsageError("--branch names the branch of --save: add --save")
    if json_file is not None and (json_file.exists() or json_file.is_symlink()):
        raise UsageError(f"--json-file {json_file} exists: remove it or name a new file")
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
    if json_file is not None:
        _write_json(json_file, report, result)
    if json_mode and report.has_drift:
        raise drift_flow.Drifted(report.summary(), data=result)
    out.emit(result, human=lambda console: _show(out, report), markdown=reports.drift)
    if report.has_drift:
        raise typer.Exit(1)


def _write_json(path: Path, report: drift_flow.Report, result: dict[str, Any]) -> None:
    """The document --json prints (the `Drift` failure with its data when the org drifted)."""
    if report.has_drift:
        envelope: dict[str, Any] = {
            "status": 1,
            "name": drift_flow.Drifted.name,
            "message": printable(report.summary()),
            "data": result,
        }
    else:
        envelope = {"status": 0, "result": result}
    text = redact(json.dumps(envelope, indent=2, default=str)) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # never over a file
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"--json-file {path}: cannot write it ({exc.strerror})") from exc


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
