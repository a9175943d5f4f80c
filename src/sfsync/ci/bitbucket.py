"""Bitbucket Pipelines: `bitbucket-pipelines.yml`.

A pipeline per env branch (deploy, back-promote, then one parallel step per developer
sandbox: Bitbucket's steps are fixed in the file, so a sandbox that is not behind reports
up to date), one for pull requests (Bitbucket runs it on the merge of the source into the
destination branch; the destination picks the env), and a custom `sfsync-nightly` pipeline
to schedule in Repository settings > Pipelines > Schedules. Repository variables reach the
steps as environment variables: mark the secrets secured. Pipelines can push to their own
repository, which back-promote needs.

Bitbucket has no expressions and runs the `script:` lines as they are: names from sfsync.yml
reach them as `export NAME='value'` lines, quoted for the shell, and are compared with
`[ "$BITBUCKET_..." = 'value' ]`. The `branches:` keys are glob patterns with no documented
escape: a branch holding a glob character is refused instead of written.

The nightly ends with the dashboard (`sfsync report`, its `public/` kept as an artifact).
Bitbucket runs no step after a failed one, so a drift step passes when the only news is a
drift (exit 1) and the dashboard step, after writing the site, fails when any env drifted.
"""

from __future__ import annotations

import shlex
from typing import Any

from sfsync.ci import model
from sfsync.ci.model import label, sh
from sfsync.ci.yamltext import dump, script
from sfsync.errors import UsageError

FILE = "bitbucket-pipelines.yml"
NIGHTLY = "sfsync-nightly"
REPORTS = ["sfsync-*.md"]
GLOB = frozenset("*?[]{}!\\")  # documented: * and **; the rest kept out to be sure
DRIFTED = (
    "import json, pathlib, sys\n"
    "found = [p.stem for p in sorted(pathlib.Path(sys.argv[1]).glob('*.json'))\n"
    "         if json.loads(p.read_text()).get('status') == 1]\n"
    "if found:\n"
    "    sys.exit('drift in ' + ', '.join(found) + ': see the drift steps and the dashboard')\n"
)
"""Fails (exit 1) when a drift result in the directory says the org drifted."""


def files(plan: model.CiPlan) -> dict[str, str]:
    """The one pipeline file."""
    for branch in plan.branches:
        if GLOB.intersection(branch):
            raise UsageError(
                f"cannot write {FILE}: branch {label(branch)!r} holds a glob character "
                f"({' '.join(sorted(GLOB.intersection(branch)))}), which Bitbucket's "
                "`branches:` patterns cannot match as itself: rename it"
            )
    return {FILE: dump(_pipeline(plan), plan.header("bitbucket"))}


def exports(values: dict[str, str]) -> str:
    """`export NAME='value' ...`: the values as the shell's own quoted words."""
    return "export " + " ".join(f"{name}={sh(value)}" for name, value in values.items())


def _setup(plan: model.CiPlan) -> list[str]:
    return [
        "export SF_DISABLE_AUTOUPDATE=true SF_DISABLE_TELEMETRY=true",
        exports(plan.common_variables()),
        *plan.container_setup(),
        *plan.install(),
        *plan.prepare_git("sfsync CI", "sfsync-ci@noreply.invalid"),
    ]


def _step(
    name: str, lines: list[str], plan: model.CiPlan, artifacts: list[str] | None = None
) -> dict[str, Any]:
    return {
        "step": {
            "name": name,
            "script": [*_setup(plan), *lines],
            "artifacts": artifacts or REPORTS,
        }
    }


def _parallel(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps side by side (Bitbucket wants two or more in a parallel group)."""
    if len(steps) < 2:
        return steps
    return [{"parallel": steps}]


def _pipeline(plan: model.CiPlan) -> dict[str, Any]:
    sandboxes = [
        _step(
            f"back-promote to {label(s.name)}",
            [
                exports({"SANDBOX": s.name, "UPSTREAM": s.upstream}),
                *plan.sandbox("SANDBOX", "UPSTREAM"),
            ],
            plan,
        )
        for s in plan.sandboxes
    ]
    branches: dict[str, Any] = {}
    for env in plan.envs:
        walk = plan.back_promote(env)
        deploy = _step(
            f"deploy {label(env.name)}"
            + (f", back-promote to {', '.join(label(n) for n in env.below)}" if walk else ""),
            [
                exports(plan.variables(env.name, env.below)),
                plan.login_command(len(env.below)),
                plan.deploy(env),
                *([walk] if walk else []),
            ],
            plan,
        )
        branches[env.branch] = [deploy, *_parallel(sandboxes)]
    pick = []
    for index, env in enumerate(plan.envs):
        keyword = "if" if index == 0 else "elif"
        pick.append(
            f'{keyword} [ "$BITBUCKET_PR_DESTINATION_BRANCH" = {sh(env.branch)} ]; then '
            f"{exports(plan.variables(env.name))}"
        )
    pick += ['else echo "not an env branch: nothing to validate"; exit 0', "fi"]
    validate = _step(
        "validate the merge on its env",
        [script(pick).rstrip("\n"), plan.login_command(), plan.validate()],
        plan,
    )
    drift = [
        _step(
            f"drift of {label(e.name)}",
            [
                exports(plan.variables(e.name)),
                plan.login_command(),
                # exit 1 (drift found) lets the dashboard step run; it fails the run after
                f"{plan.drift()} || [ $? -eq 1 ]",
            ],
            plan,
            [*REPORTS, f"{model.DRIFT_DIR}/**"],
        )
        for e in plan.envs
    ]
    dashboard = _step(
        "dashboard",
        [
            *plan.dashboard(),
            "python3 -c " + shlex.quote(DRIFTED) + f" {model.DRIFT_DIR}",
        ],
        plan,
        [f"{model.SITE_DIR}/**"],
    )
    backup = _step(
        f"backup {label(plan.top.name)}",
        [exports(plan.variables(plan.top.name)), plan.login_command(), plan.backup()],
        plan,
    )
    return {
        "image": "node:22-bookworm",
        "clone": {"depth": "full"},  # whole history: deltas and merges need it
        "options": {"max-time": 120},
        "pipelines": {
            "branches": branches,
            "pull-requests": {"**": [validate]},
            "custom": {NIGHTLY: [backup, *_parallel(drift), dashboard]},
        },
    }
