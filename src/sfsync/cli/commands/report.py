"""`sfsync report --html DIR`: the pipeline dashboard as a static site."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli.html import pages, site
from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.errors import UsageError, plural
from sfsync.org import backups
from sfsync.pipeline import dashboard, project, tracking

app = command_app()


@app.command()
def report(
    html_dir: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="DIR",
            help="Write the dashboard into DIR (new, empty, or written by sfsync before).",
        ),
    ] = None,
    drift: Annotated[
        list[Path] | None,
        typer.Option(
            "--drift",
            metavar="PATH",
            help="A `sfsync drift --json` result, or a directory of them (repeatable).",
        ),
    ] = None,
    fetch: Annotated[
        bool,
        typer.Option(
            "--fetch", help="First fetch env branches, refs/sfsync/* and refs/sfsync-backups/*."
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace files in DIR that sfsync did not write."),
    ] = False,
    open_page: Annotated[
        bool, typer.Option("--open", help="Open the dashboard in a browser afterwards.")
    ] = False,
    json_mode: JsonOption = False,
) -> None:
    """Write the pipeline as a static HTML dashboard: graph, timelines, backups, drift.

    The site (index.html, a page per env, the component views) needs no
    server, no CDN and no JavaScript: open it from disk or publish it on
    any static host (the `sfsync ci init` nightly job does). It shows the
    pipeline as a graph with the deployments and components each env is
    behind (as `sfsync status` counts them), each env's events from
    refs/sfsync/envs/<env>, its last backup (refs/sfsync-backups/<env>) and
    its drift: the `sfsync drift --json` results given with --drift and the
    branches `sfsync drift --save` wrote. Names are shown, e-mail addresses
    never. A second run replaces the files sfsync wrote; it never removes a
    file it did not write.

    \b
    Examples:
        sfsync report --html site --open
        sfsync drift --env prod --json > drift/prod.json
        sfsync report --html public --fetch --drift drift
    """
    if html_dir is None:
        raise UsageError(
            "sfsync report needs --html DIR: where to write the dashboard "
            "(e.g. sfsync report --html site --open)"
        )
    output = Output(json_mode)
    proj = project.load()
    results = dashboard.read_drift(drift or [])
    warnings: list[str] = []
    if fetch:
        tracking.sync_remote(proj, list(proj.config.pipeline()))
        problem = backups.fetch(proj.root, proj.config.remote)
        if problem:
            warnings.append(problem)
    board = dashboard.collect(proj, backups=backups.summaries(proj.root), drift=results)
    done = site.write(html_dir, pages.site(board), proj.cache_dir, force=force)
    index = done.directory / "index.html"
    warnings += board.warnings
    if board.event_count == 0:
        # a fresh clone has no refs/sfsync/*: an empty dashboard would look like the truth
        warnings.append(
            "no events in refs/sfsync/envs/*: nothing is recorded yet"
            + ("" if fetch else ", or they are not fetched (sfsync report --fetch)")
        )
    opened = False
    if open_page:
        opened = _open(index.as_uri())
        if not opened:
            warnings.append(f"could not start a browser: open {index.as_uri()} yourself")
    history = board.components()
    result = {
        "dir": str(done.directory),
        "index": str(index),
        "url": index.as_uri(),
        "pages": done.pages,
        "bytes": done.bytes,
        "largestPage": {"path": done.largest[0], "bytes": done.largest[1]},
        "removed": list(done.removed),
        "generated": board.generated,
        "environments": [
            {
                "name": env.name,
                "status": env.status,
                "deploymentsBehind": env.behind if env.known and env.upstream else None,
                "componentsBehind": (
                    len(env.components_behind) if env.known and env.upstream else None
                ),
                "events": len(env.events),
                "lastBackup": env.backup.when if env.backup else None,
                "drift": (None if env.drift is None else env.drift.drifted),
            }
            for env in board.envs
        ],
        "events": board.event_count,
        "components": len(history),
        "driftResults": len(results),
        "backups": sum(1 for env in board.envs if env.backup),
        "opened": opened,
        "warnings": warnings,
    }

    def human(console: Console) -> None:
        console.print(
            f"wrote the dashboard of {plural(len(board.envs), 'environment')}, "
            f"{plural(board.event_count, 'event')} and {plural(len(history), 'component')}: "
            f"{plural(done.pages, 'page')}, {done.bytes // 1024} KB -> {index}",
            markup=False,
        )

    for warning in warnings:
        if not json_mode:
            output.err.print(f"warning: {warning}", markup=False)
    output.emit(result, human=human)


def _open(url: str) -> bool:
    """Open `url` in a browser, whose chatter ("Opening in existing browser session.") goes
    to stderr: stdout is the command's own (one JSON object with --json)."""
    import webbrowser

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)  # the browser started now inherits stderr as its stdout
        return webbrowser.open(url)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
