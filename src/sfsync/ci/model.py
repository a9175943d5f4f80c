"""What every CI provider runs, worked out once from `sfsync.yml`.

Four jobs, the same shell commands on every provider:

1. a push to an env branch: log in, `sfsync deploy --env E --yes --push`, then
   `sfsync back-promote --from E --yes` when branch envs lie below E;
2. a pull/merge request into an env branch: `sfsync deploy --env E --validate --ref HEAD`,
   the markdown report as the PR comment and the job summary;
3. nightly: `sfsync backup` of production and `sfsync drift` of every branch env, then the
   dashboard (`sfsync report --html`, with the drift results) published: GitHub Pages,
   GitLab Pages, a pipeline artifact elsewhere;
4. after a push: one job per developer sandbox that is behind (from `sfsync status --json`),
   `sfsync back-promote --from <upstream> --to <sandbox> --yes`.

Logins come from CI secrets through `sfsync ci login` (sfdx auth URL or JWT; see
`sfsync.org.login` for the variable names), never echoed.

Names from `sfsync.yml` (envs, branches, the remote) and the pip spec never become shell or
expression text: the shell lines read them from environment variables (`"$SFSYNC_ENV"`),
which each provider sets through its own mechanism, escaped for it (`variables()`); display
names and comments show them through `label()`. `plan()` refuses names that git itself would
refuse (no real branch is one) and two envs that would share a job or a secret.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from sfsync import __version__
from sfsync.errors import UsageError
from sfsync.git import refnames
from sfsync.pipeline.config import Config
from sfsync.pipeline.configfile import secret_key

SF_CLI_VERSION = "2.150.6"  # the sf CLI sfsync is tested with (package.json; a test checks)
LOGINS = ("sfdx-url", "jwt")
REPORT_DEPLOY = "sfsync-deploy.md"
REPORT_BACK_PROMOTE = "sfsync-back-promote.md"
REPORT_VALIDATE = "sfsync-validate.md"
REPORT_SANDBOX = "sfsync-sandbox.md"
STATUS_JSON = "sfsync-status.json"
LEGS_JSON = "sfsync-legs.json"
NIGHTLY_CRON = "0 2 * * *"
DRIFT_DIR = "sfsync-drift"
"""Where the nightly drift jobs keep their results (`<env>.json`) for the dashboard."""
SITE_DIR = "public"
"""Where the nightly writes the dashboard (GitLab Pages publishes `public/`)."""
PUBLISHED = {
    "github": [
        "The dashboard is the run's `github-pages` artifact, published on GitHub Pages once",
        "Settings > Pages > Source is GitHub Actions (until then the `pages` job fails",
        "without failing the run). A Pages site can be public even for a private repository.",
    ],
    "gitlab": [
        "The dashboard is published by the `pages` job on GitLab Pages (set Pages access",
        "control to project members for a private project).",
    ],
    "azure": ["The dashboard is the run's `sfsync-dashboard` pipeline artifact."],
    "bitbucket": ["The dashboard is the last step's `public/` artifact."],
}
MERGE_DRIVER = "sfsync merge-driver %O %A %B %P %L %S %X %Y"  # = git.mergedriver.COMMAND
MERGE_DRIVER_NAME = "Salesforce metadata merged by element (sfsync merge-driver)"

# The environment variables the shell lines read (set per job by each provider).
SPEC_VAR = "SFSYNC_SPEC"
REMOTE_VAR = "SFSYNC_REMOTE"
ENV_VAR = "SFSYNC_ENV"
BELOW_VAR = "SFSYNC_BELOW_{}"
SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-")
"""Characters that no provider's expressions, globs, variables or shells read as syntax."""
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def label(text: str) -> str:
    """`text` for a display name or a comment: characters outside `SAFE` (and spaces) as `_`,
    so a name cannot end a comment line, open an expression or fake another job's name."""
    return "".join(c if c in SAFE or c == " " else "_" for c in text)


def sh(value: str) -> str:
    """A constant of sfsync's own as one shell word (values from sfsync.yml go through
    environment variables instead)."""
    return shlex.quote(value)


def key(name: str) -> str:
    """The suffix of an env's secret names: `dev-1.a` -> `DEV_1_A`."""
    return secret_key(name)


def job_id(name: str) -> str:
    """A job name every provider accepts: letters, digits, `_` and `-`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


@dataclass(frozen=True)
class CiEnv:
    """A branch env: what a push to its branch deploys, and what lies below it."""

    name: str
    org: str
    branch: str
    protected: bool
    below: tuple[str, ...]
    """The branch envs below it, top first (back-promote walks them)."""
    production: bool

    @property
    def key(self) -> str:
        """Its secret names' suffix."""
        return key(self.name)


@dataclass(frozen=True)
class CiSandbox:
    """A developer sandbox: a matrix leg once it is behind."""

    name: str
    org: str
    upstream: str

    @property
    def key(self) -> str:
        """Its secret names' suffix."""
        return key(self.name)


@dataclass(frozen=True)
class CiPlan:
    """The team's pipeline as the CI files need it."""

    envs: tuple[CiEnv, ...]
    sandboxes: tuple[CiSandbox, ...]
    login: str
    sfsync_spec: str
    remote: str
    webhook_env: str | None
    """The variable holding the notification URL (from `notify:`), passed from a secret."""

    @property
    def top(self) -> CiEnv:
        """Production."""
        return self.envs[0]

    @property
    def branches(self) -> tuple[str, ...]:
        """The env branches, top first."""
        return tuple(e.branch for e in self.envs)

    def env_of_branch(self) -> dict[str, str]:
        """Env branch -> env name."""
        return {e.branch: e.name for e in self.envs}

    # --- the secrets ---------------------------------------------------------------------

    def secrets_for(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The secret variables a login to these envs reads."""
        if self.login == "sfdx-url":
            return tuple(f"SFSYNC_AUTH_URL_{key(n)}" for n in names)
        out = ["SFSYNC_JWT_KEY"]
        for n in names:
            out += [f"SFSYNC_CLIENT_ID_{key(n)}", f"SFSYNC_USERNAME_{key(n)}"]
        return tuple(out)

    def all_secrets(self) -> tuple[str, ...]:
        """Every secret the files read (for the header that lists them)."""
        names = tuple(e.name for e in self.envs) + tuple(s.name for s in self.sandboxes)
        extra = (self.webhook_env,) if self.webhook_env else ()
        return tuple(dict.fromkeys([*self.secrets_for(names), *extra]))

    # --- the commands ----------------------------------------------------------------------

    def install(self) -> list[str]:
        """sfsync (what `sfsync ci init` chose: `sfsync.ci.install`) and the sf CLI sfsync is
        tested with."""
        return [
            f'python -m pip install --quiet "${SPEC_VAR}"',
            f"npm install --global --no-audit --no-fund @salesforce/cli@{SF_CLI_VERSION}",
        ]

    def container_setup(self) -> list[str]:
        """On a `node:22` container image (GitLab, Bitbucket): a Python venv for sfsync."""
        return [
            "apt-get update -qq && apt-get install -y -qq python3-venv > /dev/null",
            "python3 -m venv /opt/sfsync",
            'export PATH="/opt/sfsync/bin:$PATH"',
        ]

    def prepare_git(self, name: str, email: str) -> list[str]:
        """An identity for back-promote's merges, the merge driver (back-promote merges by
        element on its own; with it, so does any other git merge in the job, on the patterns
        the repository's .gitattributes gives merge=sfsync); every env branch and refs/sfsync/*."""
        return [
            f"git config user.name {sh(name)}",
            f"git config user.email {sh(email)}",
            f"git config merge.sfsync.name {sh(MERGE_DRIVER_NAME)}",
            f"git config merge.sfsync.driver {sh(MERGE_DRIVER)}",
            f'git fetch --quiet --no-tags "${REMOTE_VAR}" '
            f"\"+refs/heads/*:refs/remotes/${REMOTE_VAR}/*\" 'refs/sfsync/*:refs/sfsync/*'",
        ]

    def common_variables(self) -> dict[str, str]:
        """What every job's shell lines read: the pip spec and the remote's name."""
        return {SPEC_VAR: self.sfsync_spec, REMOTE_VAR: self.remote}

    def variables(self, env: str, below: tuple[str, ...] = ()) -> dict[str, str]:
        """A job's env names as variables: `SFSYNC_ENV`, then `SFSYNC_BELOW_1`... (the shell
        lines below read them; a provider sets them its own safe way)."""
        out = {ENV_VAR: env}
        for index, name in enumerate(below, start=1):
            out[BELOW_VAR.format(index)] = name
        return out

    def login_command(self, below: int = 0) -> str:
        """`sfsync ci login` for the job's env and the first `below` of its envs below
        (reads their secrets, never prints them)."""
        more = "".join(f' --env "${BELOW_VAR.format(i)}"' for i in range(1, below + 1))
        return f'sfsync ci login --env "${ENV_VAR}"{more}'

    def deploy(self, env: CiEnv) -> str:
        """Deploy the branch's net difference; the markdown result into a report file."""
        confirm = f' --confirm "${ENV_VAR}"' if env.protected else ""
        return (
            f'sfsync deploy --env "${ENV_VAR}"{confirm} --yes --push --format markdown '
            f"> {REPORT_DEPLOY}"
        )

    def back_promote(self, env: CiEnv) -> str | None:
        """The walk down the branch envs below `env` (None at the lowest one)."""
        if not env.below:
            return None
        return (
            f'sfsync back-promote --from "${ENV_VAR}" --yes --format markdown '
            f"> {REPORT_BACK_PROMOTE}"
        )

    def validate(self) -> str:
        """A check-only deploy of the pull request's merge (HEAD)."""
        return (
            f'sfsync deploy --env "${ENV_VAR}" --validate --ref HEAD --yes --format markdown '
            f"> {REPORT_VALIDATE}"
        )

    def sandbox_legs(self) -> list[str]:
        """Writes the sandboxes behind as JSON ([{env, from, key}]) to LEGS_JSON, from
        `sfsync status --json`."""
        return [
            f"sfsync status --json > {STATUS_JSON}",
            f"python3 - > {LEGS_JSON} <<'PY'",
            "import json, re",
            f"envs = json.load(open('{STATUS_JSON}'))['result']['environments']",
            "legs = [",
            "    {'env': e['name'], 'from': e['upstream'],",
            "     'key': re.sub('[^A-Za-z0-9]', '_', e['name']).upper()}",
            "    for e in envs",
            "    if e['branch'] is None and e['known'] and e['deploymentsBehind']",
            "]",
            "print(json.dumps(legs))",
            "PY",
        ]

    def sandbox(self, env_var: str, from_var: str) -> list[str]:
        """One leg: log in to the sandbox, bring it its upstream's changes."""
        return [
            f'sfsync ci login --env "${env_var}"',
            f'sfsync back-promote --from "${from_var}" --to "${env_var}" --yes --format markdown '
            f"> {REPORT_SANDBOX}",
        ]

    def backup(self) -> str:
        """The nightly backup of production (`sfsync backup`), in full once a week."""
        return f'sfsync backup --env "${ENV_VAR}" --full-every 7'

    def drift(self) -> str:
        """The nightly drift check of one env (`sfsync drift`); notifies through `notify:`;
        the result kept for the dashboard (`--json-file`)."""
        return (
            f'sfsync drift --env "${ENV_VAR}" --json-file "{DRIFT_DIR}/${ENV_VAR}.json" '
            f'--format markdown > "sfsync-drift-${ENV_VAR}.md"'
        )

    def dashboard(self) -> list[str]:
        """The dashboard from the refs (fetched) and the drift results, into SITE_DIR."""
        return [
            f"mkdir -p {DRIFT_DIR}",
            f"sfsync report --html {SITE_DIR} --fetch --drift {DRIFT_DIR}",
        ]

    def header(self, provider: str) -> list[str]:
        """The comment lines on top of every generated file."""
        lines = [
            f"Generated by `sfsync ci init --provider {provider}` (sfsync {__version__}) from",
            "sfsync.yml; run it again after changing the pipeline (--force replaces this file).",
            "",
            "On a push to "
            + ", ".join(f"{label(e.branch)} ({label(e.name)})" for e in self.envs)
            + ": deploy the branch to its org,",
            "then back-promote to the branch envs below and to every developer sandbox behind.",
            "On a pull request into one of them: a check-only deploy, its report as a comment.",
            f"Nightly: backup of {label(self.top.name)}, drift of each env, then the dashboard",
            "(sfsync report --html: the pipeline as a graph, timelines, backups, drift).",
            *PUBLISHED.get(provider, []),
            "",
            "Secrets to set (never printed; `sfsync ci login` reads them):",
        ]
        if self.login == "sfdx-url":
            lines += [
                "  SFSYNC_AUTH_URL_<ENV>: the org's sfdx auth URL, from",
                "    sf org display --verbose --json --target-org <org>  (result.sfdxAuthUrl)",
            ]
        else:
            lines += [
                "  SFSYNC_JWT_KEY: the connected app's private key (PEM);",
                "  SFSYNC_CLIENT_ID_<ENV>, SFSYNC_USERNAME_<ENV> (and optionally",
                "  SFSYNC_INSTANCE_URL_<ENV>) for each org",
            ]
        lines.append("  " + ", ".join(self.all_secrets()))
        lines += [
            "First use: each branch env needs a recorded deployment, once, by hand:",
            "  sfsync deploy --env <env> --baseline <commit its org holds> --yes --push",
        ]
        return lines


def plan(config: Config, *, login: str = "sfdx-url", sfsync_spec: str) -> CiPlan:
    """The CI model of `config`'s pipeline; UsageError for names no CI file can carry."""
    ordered = config.pipeline()
    branch_envs = [e for e in ordered if e.branch is not None]
    envs = []
    for env in branch_envs:
        below: list[str] = []
        queue = [env.name]
        while queue:
            current = queue.pop(0)
            for child in config.downstream_of(current):
                if child.branch is not None:
                    below.append(child.name)
                    queue.append(child.name)
        assert env.branch is not None
        envs.append(
            CiEnv(env.name, env.org, env.branch, env.protected, tuple(below), env.upstream is None)
        )
    sandboxes = tuple(
        CiSandbox(e.name, e.org, e.upstream)
        for e in ordered
        if e.branch is None and e.upstream is not None
    )
    the_plan = CiPlan(
        envs=tuple(envs),
        sandboxes=sandboxes,
        login=login,
        sfsync_spec=sfsync_spec,
        remote=config.remote,
        webhook_env=config.notify.url_env if config.notify else None,
    )
    check(the_plan)
    return the_plan


def check(the_plan: CiPlan) -> None:
    """UsageError for what no CI file should carry, whatever escaping: a name git refuses
    (no real branch or env has it), two envs sharing a job or secret name, two branches
    that differ only in case (GitHub and Azure compare them ignoring case), a variable name
    that is not one. `sfsync config validate` refuses all of these earlier, with the line."""
    problems: list[str] = []
    keys: dict[str, str] = {}
    folded: dict[str, str] = {}
    names = [e.name for e in the_plan.envs] + [s.name for s in the_plan.sandboxes]
    for name in names:
        why = refnames.component_problem(name)
        if why is not None:
            problems.append(f"env {label(name)!r}: it {why}")
        if key(name) in keys:
            problems.append(
                f"envs {label(keys[key(name)])!r} and {label(name)!r} would share the "
                f"secret SFSYNC_AUTH_URL_{key(name)}"
            )
        keys.setdefault(key(name), name)
    for ci_env in the_plan.envs:
        why = refnames.branch_problem(ci_env.branch)
        if why is not None:
            problems.append(f"branch {label(ci_env.branch)!r}: it {why}")
        other = folded.setdefault(ci_env.branch.casefold(), ci_env.branch)
        if other != ci_env.branch:
            problems.append(
                f"branches {label(other)!r} and {label(ci_env.branch)!r} differ only in case"
            )
    why = refnames.remote_problem(the_plan.remote)
    if why is not None:
        problems.append(f"remote {label(the_plan.remote)!r}: it {why}")
    if the_plan.webhook_env is not None and not _VARIABLE_NAME.fullmatch(the_plan.webhook_env):
        problems.append(f"notify.url_env {label(the_plan.webhook_env)!r} is not a variable name")
    if problems:
        raise UsageError(
            "cannot write CI files: "
            + "; ".join(problems)
            + " (run `sfsync config validate` for the lines to fix)"
        )
