"""`sfsync drift`: what an org holds that git does not say it should."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sfsync.cli import JsonOption, Output, command_app
from sfsync.errors import UsageError
from sfsync.org.chunks import FILE_LIMIT
from sfsync.org.listing import DEFAULT_JOBS
from sfsync.pipeline import project
from sfsync.workflows import drift as drift_flow

app = command_app()
FORMATS = ("text", "markdown")


@app.command()
def drift(
    env: Annotated[
        str | None, typer.Option("--env", help="Environment (default: git config sfsync.env).")
    ] = None,
    save: Annotated[
        bool,
        typer.Option("--save", help="Commit the org's versions of what drifted to a new branch."),
    ] = False,
    branch: Annotated[
        str | None,
        typer.Option("--branch", help="Branch for --save (default: drift/<env>-<time>)."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text, or markdown (on stdout, for CI).")
    ] = "text",
    include_managed: Annotated[
        bool, typer.Option("--include-managed", help="Also compare installed packages' components.")
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", help="sf listMetadata calls run at the same time.")
    ] = DEFAULT_JOBS,
    max_files: Annotated[
        int, typer.Option("--max-files", help="Files per retrieve (the org's limit: 10,000).")
    ] = FILE_LIMIT,
    json_mode: JsonOption = False,
) -> None:
    """Compare an org with what git says it holds; exit 1 when they differ.

    Git says: the env's branch tip, or for a developer sandbox its sync
    point plus the changes of your branch. Lists components changed in the
    org (who, when), only in the org (of the types the project tracks) and
    missing from the org. XML is compared by meaning. --save commits the
    org's versions to a new branch (nothing in your work tree changes):
    the first step before a sandbox refresh.

    \b
    Examples:
        sfsync drift --env prod
        sfsync drift --env prod --format markdown >> "$GITHUB_STEP_SUMMARY"
        sfsync drift --env dev1 --save
    """
    if output_format not in FORMATS:
        raise UsageError(f"--format {output_format}: use one of {', '.join(FORMATS)}")
    if branch is not None and not save:
        raise UsageError("--branch names the branch of --save: add --save")
    out = Output(json_mode)
    proj = project.load()
    name = project.resolve_env(proj, env).name
    report = drift_flow.run(
        proj,
        name,
        save=save,
        branch=branch,
        include_managed=include_managed,
        jobs=jobs,
        max_files=max_files,
    )
    if json_mode:
        if report.has_drift:
            raise drift_flow.Drifted(report.summary(), data=report.to_json())
        out.emit(report.to_json())
        return
    if output_format == "markdown":
        sys.stdout.write(report.to_markdown())
        sys.stdout.flush()
    else:
        for line in report.lines():
            out.console.print(line, markup=False)
        for warning in report.warnings:
            out.console.print(f"warning: {warning}", markup=False)
    if report.has_drift:
        raise typer.Exit(1)
