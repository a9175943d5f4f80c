"""`sfsync log`: an environment's event chain (the audit trail)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.errors import UsageError, plural
from sfsync.git import state
from sfsync.org.versions import parse_component
from sfsync.pipeline import ledger, project
from sfsync.pipeline.configfile import did_you_mean

app = command_app()


@app.command("log")
def log_command(
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="ENV", help="Environment (default: git config sfsync.env)."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", metavar="N", help="Show at most N events (N >= 1)."),
    ] = None,
    component: Annotated[
        str | None,
        typer.Option(
            "--component",
            metavar="TYPE:NAME",
            help="Only this component's history: the deployments that changed it and the "
            "rollbacks that put it back.",
        ),
    ] = None,
    fetch: Annotated[bool, typer.Option("--fetch", help="Fetch refs/sfsync/* first.")] = False,
    json_mode: JsonOption = False,
) -> None:
    """Show the events recorded for an environment, newest first.

    Each event is one commit on refs/sfsync/envs/<env>, so `git log refs/sfsync/envs/dev1`
    shows the same trail. With --component, one component's history: each deployment
    that changed or deleted it and each rollback that put it back (when, who, the commit
    deployed, the event), long after the org forgot its own deploy history.

    Examples:

    \b
        sfsync log --env int -n 10
        sfsync log --env int --component ApexClass:InvoiceService
        sfsync log --env prod --component CustomField:Account.Tier__c --fetch --json
    """
    if limit is not None and limit < 1:
        raise UsageError(f"-n/--limit {limit}: show at least 1 event (or leave it out for all)")
    proj = project.load()
    environment = project.resolve_env(proj, env)
    if fetch:
        state.fetch(proj.root, proj.config.remote)
    if component is not None:
        _component_log(environment.name, component, limit, json_mode, proj.root)
        return
    records = state.log(proj.root, environment.name, limit)
    events = [
        {"commit": r.commit, **r.event.to_json(), "state": r.state.to_json()} for r in records
    ]
    for item in events:
        item.pop("format", None)
        item["state"].pop("format", None)

    def human(console: Console) -> None:
        if not records:
            console.print(f"{environment.name}: no events recorded yet")
        for r in records:
            e = r.event
            span = f" {(e.from_sha or '')[:7]}..{(e.to_sha or '')[:7]}" if e.to_sha else ""
            count = f" ({plural(len(e.components), 'component')})" if e.components else ""
            console.print(
                f"{r.commit[:7]}  {e.when}  {e.kind:<13} {e.who}{span}{count}", markup=False
            )

    Output(json_mode).emit({"env": environment.name, "events": events}, human=human)


def _component_log(
    env: str, component: str, limit: int | None, json_mode: bool, root: Path
) -> None:
    type_name = parse_component(component).type  # Type:FullName, or a usage error
    entries = ledger.history(root, env, component)[:limit]
    if not entries:
        registry = project.metadata_project(root).registry
        if registry.by_name(type_name) is None:  # a typo, not a component without history
            names = [registry.types[type_id].name for type_id in registry.types]
            raise UsageError(
                f"--component {component}: '{type_name}' is not a metadata type"
                f"{did_you_mean(type_name, names)}; write Type:FullName (ApexClass:Foo)"
            )
    history = [entry.to_json() for entry in entries]

    def human(console: Console) -> None:
        if not entries:
            console.print(
                f"{env}: no recorded event changed {component} "
                f"(see `sfsync log --env {env}` for every event)",
                markup=False,
            )
        for entry in entries:
            e = entry.record.event
            commit = f" {e.to_sha[:7]}" if e.to_sha and e.kind != "rollback" else ""
            notes = []
            rolled = e.details.get("rolledBack")
            if e.kind == "rollback" and isinstance(rolled, str):
                notes.append(f"undoes {rolled[:7]}")
            if entry.over:
                notes.append(f"over {', '.join(c[:7] for c in entry.over)}")
            by = entry.changed_in_org_by
            if by is not None:
                done = "left alone" if entry.action == ledger.SKIPPED else "overwrote"
                notes.append(f"{done} a change in the org by {by}")
            of = f" ({'; '.join(notes)})" if notes else ""
            undone = f", undone by {entry.undone_by[:7]}" if entry.undone_by else ""
            console.print(
                f"{entry.record.commit[:7]}  {e.when}  {entry.action:<9} {e.kind:<13} "
                f"{e.who}{commit}{of}{undone}",
                markup=False,
            )

    Output(json_mode).emit({"env": env, "component": component, "history": history}, human=human)
