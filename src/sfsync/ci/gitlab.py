"""GitLab CI/CD: `.gitlab-ci.yml`.

Jobs run on `node:22-bookworm` with sfsync in a venv. Pushes and merge requests are told
apart by `rules`; the sandbox jobs are a `parallel:matrix` of the sandboxes in sfsync.yml
(GitLab's matrix is static: a sandbox that is not behind reports up to date). Pushing the
merges back needs a token with write access in `SFSYNC_GIT_TOKEN` (a project access token;
the job token cannot push); the merge request note needs `SFSYNC_GITLAB_TOKEN` (api scope),
otherwise the report is only kept as an artifact. CI/CD variables reach the jobs as
environment variables: mark the secrets masked and protected.

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
    branches = "|".join(plan.branches)
    pipeline: dict[str, Any] = {
        "workflow": {
            "rules": [
                {"if": MR},
                {"if": SCHEDULE},
                {"if": f"{PUSH} && $CI_COMMIT_BRANCH =~ /^({branches})$/"},
            ]
        },
        "stages": ["deploy", "sandboxes", "validate", "nightly", "publish"],
        "variables": {
            "GIT_DEPTH": "0",  # whole history: deltas and merges need it
            "SF_DISABLE_AUTOUPDATE": "true",
            "SF_DISABLE_TELEMETRY": "true",
        },
        "default": {"image": "node:22-bookworm", "before_script": _before(plan)},
    }
    for env in plan.envs:
        names = (env.name, *env.below)
        pipeline[f"deploy-{model.job_id(env.name)}"] = {
            "stage": "deploy",
            "rules": [{"if": f'{PUSH} && $CI_COMMIT_BRANCH == "{env.branch}"'}],
            "resource_group": f"sfsync-{env.name}",  # one run per env at a time
            "script": [
                plan.login_command(names),
                plan.deploy(env),
                *([walk] if (walk := plan.back_promote(env)) else []),
            ],
            "artifacts": REPORTS,
        }
    if plan.sandboxes:
        pipeline["sandbox"] = {
            "stage": "sandboxes",
            "rules": [{"if": f"{PUSH} && $CI_COMMIT_BRANCH =~ /^({branches})$/"}],
            "parallel": {
                "matrix": [{"SANDBOX": s.name, "UPSTREAM": s.upstream} for s in plan.sandboxes]
            },
            "resource_group": "sfsync-$SANDBOX",
            "script": plan.sandbox("SANDBOX", "UPSTREAM"),
            "artifacts": REPORTS,
        }
    for env in plan.envs:
        pipeline[f"validate-{model.job_id(env.name)}"] = {
            "stage": "validate",
            "rules": [{"if": f'{MR} && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "{env.branch}"'}],
            "script": [plan.login_command((env.name,)), plan.validate(env)],
            "after_script": [_note()],
            "artifacts": REPORTS,
        }
    pipeline["backup"] = {
        "stage": "nightly",
        "rules": [{"if": SCHEDULE}],
        "script": [plan.login_command((plan.top.name,)), plan.backup()],
    }
    pipeline["drift"] = {
        "stage": "nightly",
        "rules": [{"if": SCHEDULE}],
        "parallel": {"matrix": [{"SFSYNC_ENV": [e.name for e in plan.envs]}]},
        "script": [
            'sfsync ci login --env "$SFSYNC_ENV"',
            f'sfsync drift --env "$SFSYNC_ENV" --json-file "{model.DRIFT_DIR}/$SFSYNC_ENV.json" '
            '--format markdown > "sfsync-drift-$SFSYNC_ENV.md"',
        ],
        "artifacts": {**REPORTS, "paths": [*REPORTS["paths"], f"{model.DRIFT_DIR}/"]},
    }
    pipeline["pages"] = {
        "stage": "publish",
        "rules": [{"if": SCHEDULE, "when": "always"}],  # a drift found fails its job
        "script": plan.dashboard(),
        "artifacts": {"paths": [model.SITE_DIR], "expire_in": "30 days"},
    }
    return pipeline
