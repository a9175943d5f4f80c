"""`sfsync init`: write sfsync.yml from the orgs `sf` knows and the repository's branches."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sfsync.cli.output import DryRunOption, JsonOption, Output, YesOption, command_app
from sfsync.errors import UsageError, printable
from sfsync.git import repo as gitrepo
from sfsync.hooks import driver_install, install
from sfsync.org import sf
from sfsync.pipeline import init, project
from sfsync.pipeline.config_validation import validate_text
from sfsync.pipeline.configfile import CONFIG_FILE, did_you_mean

app = command_app()


@app.command("init")
def init_command(
    env: Annotated[
        list[str] | None,
        typer.Option(
            "--env",
            metavar="NAME=[BRANCH]:ORG[:UPSTREAM]",
            help="An environment, top first (repeatable); an empty BRANCH is a developer "
            "sandbox. Replaces the proposal from `sf org list`.",
        ),
    ] = None,
    my_env: Annotated[
        str | None,
        typer.Option("--set-env", metavar="NAME", help="Also run `git config sfsync.env NAME`."),
    ] = None,
    hooks: Annotated[
        bool,
        typer.Option("--install-hooks", help="Also install the pre-commit and pre-push hooks."),
    ] = False,
    merge_driver: Annotated[
        bool,
        typer.Option(
            "--merge-driver",
            help="Also make git merge Salesforce metadata by element (as `sfsync "
            "install-hooks --merge-driver`).",
        ),
    ] = False,
    remote: Annotated[
        str, typer.Option("--remote", metavar="REMOTE", help="The git remote of the env branches.")
    ] = "origin",
    schema_url: Annotated[
        str | None,
        typer.Option(
            "--schema-url",
            metavar="URL",
            help=f"Point the $schema line here instead of writing {init.SCHEMA_COPY}.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help=f"Replace an existing {CONFIG_FILE} (kept as .bak).")
    ] = False,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    json_mode: JsonOption = False,
) -> None:
    """Write sfsync.yml from the orgs `sf` knows and the repository's branches.

    Proposes prod (the branch main and the production org), the envs between (branches such
    as uat and int, each on the sandbox of that name) and every other sandbox as a developer
    sandbox; asks at a terminal, or takes it all from --env with --yes. The file is commented,
    validated against the schema and carries a $schema line for editors. Never replaces an
    existing sfsync.yml without --force.

    \b
    Examples:
        sfsync init
        sfsync init --yes --env prod=main:prod --env int=int:int-sb --env dev1=:dev1-sb
        sfsync init --yes --set-env dev1 --install-hooks --merge-driver
    """
    output = Output(json_mode)
    root = project.open_repo().toplevel
    if not dry_run:
        init.refuse_existing(root, force=force)  # before any question
    if env:
        proposal = init.from_flags(env)
    else:
        proposal = init.propose(sf.org_list(), gitrepo.branch_names(root, remote))
    if not yes and not dry_run:
        proposal, my_env, hooks, merge_driver = _ask(output, proposal, my_env, hooks, merge_driver)
    schema_ref = schema_url or init.SCHEMA_COPY
    text = init.render(proposal.envs, remote=remote, schema_ref=schema_ref)
    validate_text(text)  # a name from --env that the schema refuses: ConfigError at its line
    names = [e.name for e in proposal.envs]
    if my_env is not None and my_env not in names:
        raise UsageError(f"--set-env {my_env}: not an environment here ({', '.join(names)})")
    result: dict[str, Any] = {
        "file": str(root / CONFIG_FILE),
        "dryRun": dry_run,
        "environments": [e.to_json() for e in proposal.envs],
        "notes": list(proposal.notes),
        "config": text,
    }
    if not dry_run:
        written = init.write(root, text, force=force, schema_copy=schema_url is None)
        result["written"] = [str(p) for p in written]
        if my_env is not None:
            gitrepo.config_set(root, project.ENV_KEY, my_env)
        result["developerEnv"] = my_env
        result["hooks"] = [str(h.path) for h in install.install(root)] if hooks else []
        driver = driver_install.install(root) if merge_driver else None
        result["mergeDriver"] = driver.to_json() if driver is not None else None
        result["next"] = _next_steps(root, result, proposal.envs, remote)
    output.emit(result, human=lambda console: _show(console, result, dry_run))


def _ask(
    output: Output, proposal: init.Proposal, my_env: str | None, hooks: bool, merge_driver: bool
) -> tuple[init.Proposal, str | None, bool, bool]:
    """At a terminal: show the proposal, let the person change orgs and branches."""
    if output.json_mode or not sys.stdin.isatty():
        raise UsageError(
            "no terminal to ask on: pass --yes (with --env NAME=[BRANCH]:ORG for each "
            "environment, or to accept the proposal from `sf org list`), or look with --dry-run"
        )
    console = output.console
    _table(console, proposal)
    envs = list(proposal.envs)
    if not typer.confirm("Use this pipeline?", default=True, err=True):
        edited = []
        for spec in envs:
            kind = "developer sandbox" if spec.branch is None else f"branch {spec.branch}"
            org = typer.prompt(
                f"{spec.name} ({kind}): org alias (- to leave it out)", default=spec.org, err=True
            )
            if org.strip() == "-":
                continue
            branch = spec.branch
            if branch is not None:
                branch = typer.prompt(f"{spec.name}: branch", default=branch, err=True)
            edited.append(replace(spec, org=org.strip(), branch=branch))
        kept = {e.name for e in edited}
        envs = [e if e.upstream in kept | {None} else _reparent(e, edited) for e in edited]
    names = [e.name for e in envs]
    while my_env is None:
        answer = typer.prompt(
            "Your own environment, for `git config sfsync.env` (empty: none)",
            default="",
            show_default=False,
            err=True,
        )
        if not answer.strip():
            break
        if answer.strip() in names:
            my_env = answer.strip()
            break
        # asked again here: refused after the last question, every answer was lost
        output.err.print(
            f"{printable(answer.strip())} is not an environment of this pipeline"
            f"{did_you_mean(answer.strip(), names)}: one of {', '.join(names)}, or empty",
            markup=False,
        )
    if not hooks:
        hooks = typer.confirm(
            "Install the git hooks (pre-commit, pre-push)?", default=True, err=True
        )
    if not merge_driver:
        merge_driver = typer.confirm(
            "Merge profiles, permission sets, labels and flows by element in git merges "
            "(a merge driver: .gitattributes and .git/config)?",
            default=True,
            err=True,
        )
    return init.Proposal(tuple(envs), proposal.notes), my_env, hooks, merge_driver


def _next_steps(
    root: Path, result: dict[str, Any], envs: Sequence[init.EnvSpec], remote: str
) -> list[str]:
    """The commands that finish the set-up: commit what init wrote (every file of it), record
    what the developer's sandbox holds, look. Names are schema-checked (allowlists)."""
    files: list[str] = []
    for path in [*result["written"], (result["mergeDriver"] or {}).get("attributes")]:
        if path:
            first = Path(path).relative_to(root).parts[0]
            if first not in files:
                files.append(first)
    steps = [f'git add {" ".join(files)} && git commit -m "sfsync: the pipeline"']
    by_name = {e.name: e for e in envs}
    mine = by_name.get(result["developerEnv"] or "")
    upstream = by_name.get(mine.upstream or "") if mine is not None else None
    if mine is not None and mine.branch is None and upstream is not None and upstream.branch:
        steps.append(f"sfsync mark-synced --env {mine.name} {remote}/{upstream.branch} --push")
    steps.append("sfsync status --fetch")
    return steps


def _reparent(spec: init.EnvSpec, envs: list[init.EnvSpec]) -> init.EnvSpec:
    branch_envs = [e for e in envs if e.branch is not None and e.name != spec.name]
    return replace(spec, upstream=branch_envs[-1].name if branch_envs else None)


def _table(console: Console, proposal: init.Proposal) -> None:
    table = Table(title="proposed pipeline")
    for column in ("env", "org", "branch", "upstream"):
        table.add_column(column)
    for e in proposal.envs:
        table.add_row(e.name, e.org, e.branch or "(developer sandbox)", e.upstream or "-")
    console.print(table)
    for note in proposal.notes:
        console.print(f"note: {note}", markup=False)


def _show(console: Console, result: dict[str, Any], dry_run: bool) -> None:
    if dry_run:
        console.print(result["config"], markup=False, end="")
        for note in result["notes"]:
            console.print(f"note: {note}", markup=False)
        return
    for path in result["written"]:
        console.print(f"wrote {path}", markup=False)
    for note in result["notes"]:
        console.print(f"note: {note}", markup=False)
    if result.get("developerEnv"):
        console.print(f"git config sfsync.env {result['developerEnv']}", markup=False)
    for path in result["hooks"]:
        console.print(f"installed {path}", markup=False)
    driver = result.get("mergeDriver")
    if driver:
        console.print(
            f"wrote {len(driver['lines'])} merge=sfsync lines into {driver['attributes']} and "
            "git config merge.sfsync.driver (commit .gitattributes)",
            markup=False,
        )
    branches = ", ".join(e["branch"] for e in result["environments"] if e.get("branch"))
    console.print("next:", markup=False)
    for step in result["next"]:
        console.print(f"  {step}", markup=False)
        if step.startswith("git add"):
            console.print(
                f"    (push it, and bring it to every env branch: {branches})", markup=False
            )
        elif step.startswith("sfsync mark-synced"):
            console.print(
                "    (the commit your sandbox was created or last refreshed from)", markup=False
            )
