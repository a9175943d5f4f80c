"""`sfsync ci init` (CI pipeline files) and `sfsync ci login` (org logins from CI secrets)."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.console import Console

from sfsync.ci import generate, install, model
from sfsync.cli.output import DryRunOption, JsonOption, Output, command_app
from sfsync.org import login as org_login
from sfsync.pipeline import project

app = command_app(
    name="ci",
    help="CI pipelines for the team's pipeline, and org logins from CI secrets.\n\n"
    "\b\nExamples:\n    sfsync ci init --provider github\n    sfsync ci login --env prod",
    no_args_is_help=True,
)


@app.command("init")
def init(
    provider: Annotated[
        str,
        typer.Option("--provider", metavar="|".join(generate.PROVIDERS), help="The CI service."),
    ],
    login: Annotated[
        str,
        typer.Option(
            "--login",
            metavar="|".join(model.LOGINS),
            help="How the jobs log in to the orgs: sfdx auth URLs or a JWT connected app.",
        ),
    ] = "sfdx-url",
    sfsync_spec: Annotated[
        str | None,
        typer.Option(
            "--sfsync-spec",
            metavar="SPEC",
            help="What the jobs pip-install (default: what pip installed this sfsync from: "
            "its version, or the git URL and commit).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
    dry_run: DryRunOption = False,
    json_mode: JsonOption = False,
) -> None:
    """Write the CI pipeline files for the pipeline in sfsync.yml.

    A push to an env branch deploys it (sfsync deploy --yes --push) and back-promotes to
    the envs below; one job per developer sandbox that is behind (from sfsync status) then
    brings it up to date. A pull request into an env branch runs a check-only deploy of the
    merge and posts the markdown report. Nightly: backup of production, drift of each
    branch env, then the dashboard (sfsync report --html), published on GitHub Pages or
    GitLab Pages, or kept as an artifact (Azure, Bitbucket). Orgs are logged in from CI
    secrets by `sfsync ci login`, never echoed.

    The jobs install the sfsync you run, as pip recorded installing it: the same version
    from the package index, or the git URL and commit it came from (an editable checkout
    counts when its commit is pushed and nothing is uncommitted). When neither is known,
    pass --sfsync-spec.

    \b
    Examples:
        sfsync ci init --provider github
        sfsync ci init --provider gitlab --login jwt --dry-run
        sfsync ci init --provider azure --sfsync-spec "sfsync==1.2.0"
    """
    output = Output(json_mode)
    proj = project.load()
    generate.check(provider, login)
    chosen = install.spec(sfsync_spec)
    files = generate.files(proj.config, provider, login=login, sfsync_spec=chosen.spec)
    written = [] if dry_run else generate.write(proj.root, files, force=force)
    the_plan = model.plan(proj.config, login=login, sfsync_spec=chosen.spec)
    result: dict[str, Any] = {
        "provider": provider,
        "login": login,
        "dryRun": dry_run,
        "files": dict(files),
        "written": [str(p) for p in written],
        "secrets": list(the_plan.all_secrets()),
        "sfsync": chosen.to_json(),
    }

    def human(console: Console) -> None:
        if dry_run:
            for path, text in files.items():
                console.print(f"--- {path}", markup=False)
                console.print(text, markup=False, end="")
            return
        for target in written:
            console.print(f"wrote {target}", markup=False)
        console.print(
            f"the jobs install {chosen.spec} ({chosen.source}; --sfsync-spec to change it)",
            markup=False,
        )
        console.print(f"secrets to set: {', '.join(result['secrets'])}", markup=False)

    output.emit(result, human=human)


@app.command("login")
def login_command(
    env: Annotated[
        list[str],
        typer.Option("--env", metavar="ENV", help="The environment to log in to (repeatable)."),
    ],
    method: Annotated[
        str,
        typer.Option(
            "--method",
            metavar="|".join(org_login.METHODS),
            help="auto: an sfdx auth URL when its variable is set, else JWT.",
        ),
    ] = "auto",
    json_mode: JsonOption = False,
) -> None:
    """Log sf in to the environments' orgs from CI secrets (never printed).

    Reads SFSYNC_AUTH_URL_<ENV> (an sfdx auth URL) or, for a JWT login,
    SFSYNC_JWT_KEY, SFSYNC_CLIENT_ID_<ENV> and SFSYNC_USERNAME_<ENV>; <ENV> is the env's
    name upper-cased (dev-1: DEV_1). With one --env, the names without the suffix work too.
    The alias is the env's org in sfsync.yml.

    \b
    Examples:
        sfsync ci login --env prod --env uat --env int
        SFSYNC_AUTH_URL="$SECRET" sfsync ci login --env dev1
    """
    output = Output(json_mode)
    config = project.load().config
    done = []
    for name in env:
        target = config.env(name)
        done.append(
            org_login.login(
                target,
                environ=os.environ,
                single=len(env) == 1,
                production=target.upstream is None,
                method=method,
            )
        )
    result = {"logins": [d.to_json() for d in done]}

    def human(console: Console) -> None:
        for d in done:
            console.print(
                f"logged in to {d.env} (alias {d.org}) as {d.username}, from {d.variable}",
                markup=False,
            )

    output.emit(result, human=human)
