"""GitLab CI/CD: `.gitlab-ci.yml`.

Jobs run on `node:22-bookworm` with sfsync in a venv. Pushes and merge requests are told
apart by `rules`; each developer sandbox has its own job (GitLab's jobs are fixed in the
file: a sandbox that is not behind reports up to date). Pushing the merges back needs a
token with write access in `SFSYNC_GIT_TOKEN` (a project access token; the job token cannot
push); the merge request note needs `SFSYNC_GITLAB_TOKEN` (api scope), otherwise the report
is only kept as an artifact. CI/CD variables reach the jobs as environment variables: mark
the secrets masked and protected.

Names from sfsync.yml reach the scripts only as job `variables:` with `expand: false` (GitLab
would otherwise expand `$X` inside them); `rules:if` compares with a string literal when the
name holds only letters, digits and `_ . / -`, else with a regular expression that spells
every other character as `\\x{..}` (GitLab's expression strings have no escape character).

The nightly's `pages` job (stage `publish`, run whatever the drift jobs found) writes the
dashboard into `public/` from the refs and the drift jobs' results (artifacts of the stage
before): GitLab Pages publishes a `pages` job's `public/` artifact.
"""

from __future__ import annotations

from typing import Any

from sfsync.ci import model
from sfsync.ci.yamltext import dump, script

FILE = ".gitlab-ci.yml"
PUSH = '$CI_PIPELINE_SOURCE == "push"'
MR = '$CI_PIPELINE_SOURCE == "merge_request_event"'
SCHEDULE = '$CI_PIPELINE_SOURCE == "schedule"'
REPORTS = {"when": "always", "paths": ["sfsync-*.md"], "expire_in": "30 days"}


def files(plan: model.CiPlan) -> dict[str, str]:
    """The one pipeline file."""
    return {FILE: dump(_pipeline(plan), plan.header("gitlab"))}


def equals(variable: str, value: str) -> str:
    """`$VARIABLE` is exactly `value`, as a `rules:if` expression."""
    if all(c in model.SAFE for c in value):
        return f'${variable} == "{value}"'
    spelled = "".join(
        c if c.isascii() and c.isalnum() else "\\x{" + f"{ord(c):x}" + "}" for c in value
    )
    return f"${variable} =~ /^{spelled}$/"


def variables(values: dict[str, str]) -> dict[str, Any]:
    """Job variables GitLab passes as they are (`expand: false`: no `$X` inside expanded)."""
    return {name: {"value": value, "expand": False} for name, value in values.items()}


def _before(plan: model.CiPlan) -> list[str]:
    return [
        *plan.container_setup(),
        *plan.install(),
        # the job token cannot push: back-promote's merges and refs/sfsync/* need a real one
        'if [ -n "${SFSYNC_GIT_TOKEN:-}" ]; then git remote set-url origin '
        '"https://oauth2:${SFSYNC_GIT_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git"; fi',
        *plan.prepare_git("sfsync CI", "sfsync-ci@noreply.invalid"),
    ]


def _note() -> str:
    return script(
        [
            'if [ -n "${SFSYNC_GITLAB_TOKEN:-}" ] && [ -f ' + model.REPORT_VALIDATE + " ]; then",
            '  python3 -c \'import json; print(json.dumps({"body": open("'
            + model.REPORT_VALIDATE
            + "\").read()}))' > sfsync-note.json",
            "  curl --silent --show-error --fail --output /dev/null --request POST "
            '--header "PRIVATE-TOKEN: $SFSYNC_GITLAB_TOKEN" '
            '--header "Content-Type: application/json" --data @sfsync-note.json '
            '"$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"',
            "fi",
        ]
    )


def _pipeline(plan: model.CiPlan) -> dict[str, Any]:
    pushed = [{"if": f"{PUSH} && {equals('CI_COMMIT_BRANCH', b)}"} for b in plan.branches]
    pipeline: dict[str, Any] = {
        "workflow": {"rules": [{"if": MR}, {"if": SCHEDULE}, *pushed]},
        "stages": ["deploy", "sandboxes", "validate", "nightly", "publish"],
        "variables": {
            "GIT_DEPTH": "0",  # whole history: deltas and merges need it
            "SF_DISABLE_AUTOUPDATE": "true",
            "SF_DISABLE_TELEMETRY": "true",
            **variables(plan.common_variables()),
        },
        "default": {"image": "node:22-bookworm", "before_script": _before(plan)},
    }
    for env in plan.envs:
        pipeline[f"deploy-{model.job_id(env.name)}"] = {
            "stage": "deploy",
            "rules": [{"if": f"{PUSH} && {equals('CI_COMMIT_BRANCH', env.branch)}"}],
            "resource_group": f"sfsync-{model.job_id(env.name)}",  # one run per env at a time
            "variables": variables(plan.variables(env.name, env.below)),
            "script": [
                plan.login_command(len(env.below)),
                plan.deploy(env),
                *([walk] if (walk := plan.back_promote(env)) else []),
            ],
            "artifacts": REPORTS,
        }
    for sandbox in plan.sandboxes:
        pipeline[f"sandbox-{model.job_id(sandbox.name)}"] = {
            "stage": "sandboxes",
            "rules": pushed,
            "resource_group": f"sfsync-{model.job_id(sandbox.name)}",
            "variables": variables({"SANDBOX": sandbox.name, "UPSTREAM": sandbox.upstream}),
            "script": plan.sandbox("SANDBOX", "UPSTREAM"),
            "artifacts": REPORTS,
        }
    for env in plan.envs:
        pipeline[f"validate-{model.job_id(env.name)}"] = {
            "stage": "validate",
            "rules": [
                {"if": f"{MR} && {equals('CI_MERGE_REQUEST_TARGET_BRANCH_NAME', env.branch)}"}
            ],
            "variables": variables(plan.variables(env.name)),
            "script": [plan.login_command(), plan.validate()],
            "after_script": [_note()],
            "artifacts": REPORTS,
        }
    pipeline["backup"] = {
        "stage": "nightly",
        "rules": [{"if": SCHEDULE}],
        "variables": variables(plan.variables(plan.top.name)),
        "script": [plan.login_command(), plan.backup()],
    }
    for env in plan.envs:
        pipeline[f"drift-{model.job_id(env.name)}"] = {
            "stage": "nightly",
            "rules": [{"if": SCHEDULE}],
            "variables": variables(plan.variables(env.name)),
            "script": [plan.login_command(), plan.drift()],
            "artifacts": {**REPORTS, "paths": [*REPORTS["paths"], f"{model.DRIFT_DIR}/"]},
        }
    pipeline["pages"] = {
        "stage": "publish",
        "rules": [{"if": SCHEDULE, "when": "always"}],  # a drift found fails its job
        "script": plan.dashboard(),
        "artifacts": {"paths": [model.SITE_DIR], "expire_in": "30 days"},
    }
    return pipeline
