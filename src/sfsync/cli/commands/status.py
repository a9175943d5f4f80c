"""`sfsync status`: the org-compare matrix."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sfsync.cli import reports
from sfsync.cli.output import FormatOption, JsonOption, Output, command_app
from sfsync.errors import one_line
from sfsync.pipeline import project, tracking

app = command_app()
SHOWN = 10  # deployments listed per environment in the matrix (all with --env or --json)


@app.command()
def status(
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="ENV", help="Only this environment (default: all)."),
    ] = None,
    fetch: Annotated[
        bool, typer.Option("--fetch", help="First fetch env branches and refs/sfsync/*.")
    ] = False,
    json_mode: JsonOption = False,
    fmt: FormatOption = "text",
) -> None:
    """Show, for every environment, how far it is behind the one above it.

    Behind is content-based: a deployment counts when the upstream branch has a change the
    environment does not have yet (squash merges and cherry-picks are not counted twice).
    The matrix lists the newest 10 deployments of each environment; --env or --json list all.

    \b
    Examples:
        sfsync status --fetch
        sfsync status --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    output = Output(json_mode, fmt)
    proj = project.load()
    rows = tracking.status(proj, env, fetch=fetch)
    shown = None if env else SHOWN
    warnings = proj.config.package_dir_warnings
    if not json_mode:
        for warning in warnings:
            output.err.print(f"warning: {warning}", markup=False)
    output.emit(
        {"environments": [_row_json(r) for r in rows], "warnings": list(warnings)},
        human=lambda console: _table(console, rows, shown),
        markdown=reports.status,
    )


def _row_json(row: tracking.EnvStatus) -> dict[str, Any]:
    b = row.behind
    last = row.last_sync
    return {
        "name": row.env.name,
        "org": row.env.org,
        "branch": row.env.branch,
        "upstream": row.env.upstream,
        "known": b.known,
        "deploymentsBehind": b.count if b.known else None,
        "componentsBehind": list(b.components),
        "deployments": [d.to_json() for d in b.deployments],
        "ignoredDeployments": list(b.ignored),
        "syncedTo": b.synced_to,
        "lastSync": (
            {"kind": last.event.kind, "when": last.event.when, "who": last.event.who}
            if last
            else None
        ),
    }


def _table(console: Console, rows: list[tracking.EnvStatus], shown: int | None) -> None:
    table = Table(title="sfsync status")
    for column in ("env", "upstream", "deployments behind", "components behind", "last sync"):
        table.add_column(column)
    for row in rows:
        b = row.behind
        if row.env.upstream is None:
            behind, components = "-", "-"
        elif not b.known:
            behind, components = "never synced", "?"
        else:
            behind = str(b.count) + (f" (+{len(b.ignored)} ignored)" if b.ignored else "")
            components = str(len(b.components))
        last = row.last_sync
        when = (
            f"{last.event.when[:16]} {one_line(last.event.who.split(' <')[0], 60)}" if last else "-"
        )
        style = "red" if b.count else None
        table.add_row(row.env.name, row.env.upstream or "-", behind, components, when, style=style)
    console.print(table)
    lines = []
    for row in rows:
        deployments = row.behind.deployments
        for d in deployments[:shown]:
            subject, author = one_line(d.subject, 100), one_line(d.author, 60)
            lines.append(f"  {row.env.name}: {d.sha[:7]} {subject} ({author}, {d.date[:10]})")
        if shown is not None and len(deployments) > shown:
            more = len(deployments) - shown
            lines.append(
                f"  {row.env.name}: ... and {more} more (sfsync status --env {row.env.name})"
            )
    if lines:
        console.print("\n".join(lines), markup=False)  # one call: 50 envs print hundreds
