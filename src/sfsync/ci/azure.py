"""Azure Pipelines: `azure-pipelines.yml`.

Jobs run on `ubuntu-latest` with `UsePythonVersion` and `NodeTool`. Secret variables are
not environment variables on Azure: each step maps the ones it needs (`env:`). The sandbox
jobs are a matrix read at run time from the `sandboxes` job's output (built from
`sfsync status --json`). Reports go to the run's summary page (`task.uploadsummary`). The
checkout keeps its credentials so back-promote can push: give the project's build service
Contribute rights on the repository.

Names from sfsync.yml reach the scripts only as step `env:` values and pipeline `variables:`
(the scripts read `"$SFSYNC_ENV"`); conditions compare with `'...'` literals (a quote
doubled). Azure expands `$(name)` macros in those values and `${{ }}` everywhere, and has no
escape for either (MicrosoftDocs/azure-devops-docs#7023 asks for one): a value with a `$`
is refused instead of written.

The nightly's drift legs publish their results as pipeline artifacts; the `dashboard` job
downloads them, writes the site (`sfsync report`) and publishes it as the pipeline artifact
`sfsync-dashboard`.
"""

from __future__ import annotations

from typing import Any

from sfsync.ci import model
from sfsync.ci.model import label
from sfsync.ci.yamltext import dump, script
from sfsync.errors import UsageError

FILE = "azure-pipelines.yml"
PUSHED = "in(variables['Build.Reason'], 'IndividualCI', 'BatchedCI', 'Manual')"


def files(plan: model.CiPlan) -> dict[str, str]:
    """The one pipeline file."""
    values = [
        *plan.common_variables().values(),
        *(e.name for e in plan.envs),
        *(s.name for s in plan.sandboxes),
        *plan.branches,
    ]
    for value in values:
        if "$" in value:
            raise UsageError(
                f"cannot write {FILE}: {label(value)!r} holds a '$', which Azure Pipelines "
                "expands ($(var), ${{ }}, $[ ]) and cannot escape: rename it"
            )
    return {FILE: dump(_pipeline(plan), plan.header("azure"))}


def literal(value: str) -> str:
    """`value` as a string in an Azure expression (`'q''x'`); no `$` reaches here."""
    return "'" + value.replace("'", "''") + "'"


def _setup(plan: model.CiPlan) -> list[dict[str, Any]]:
    return [
        {"checkout": "self", "fetchDepth": "0", "persistCredentials": "true"},
        {"task": "UsePythonVersion@0", "inputs": {"versionSpec": "3.12"}},
        {"task": "NodeTool@0", "inputs": {"versionSpec": "22.x"}},
        {"script": script(plan.install()), "displayName": "Install sfsync and the Salesforce CLI"},
        {
            "script": script(plan.prepare_git("sfsync CI", "sfsync-ci@noreply.invalid")),
            "displayName": "Prepare git",
        },
    ]


def _env(
    plan: model.CiPlan, names: tuple[str, ...], values: dict[str, str] | None = None
) -> dict[str, str]:
    secrets = [*plan.secrets_for(names), *([plan.webhook_env] if plan.webhook_env else [])]
    return {**(values or {}), **{s: f"$({s})" for s in secrets}}


def _summary(report: str) -> dict[str, Any]:
    return {
        "script": script(
            [f'if [ -f {report} ]; then echo "##vso[task.uploadsummary]$PWD/{report}"; fi']
        ),
        "displayName": "Run summary",
        "condition": "always()",
    }


def _pipeline(plan: model.CiPlan) -> dict[str, Any]:
    branches = list(plan.branches)
    jobs: list[dict[str, Any]] = []
    for env in plan.envs:
        names = (env.name, *env.below)
        values = plan.variables(env.name, env.below)
        lines = [plan.login_command(len(env.below)), plan.deploy(env)]
        walk = plan.back_promote(env)
        steps = [
            *_setup(plan),
            {
                "script": script(lines),
                "displayName": f"Deploy {label(env.branch)} to {label(env.name)}",
                "env": _env(plan, names, values),
            },
            _summary(model.REPORT_DEPLOY),
        ]
        if walk is not None:
            steps += [
                {
                    "script": script([walk]),
                    "displayName": f"Back-promote {' -> '.join(label(n) for n in names)}",
                    "env": _env(plan, names, values),
                },
                _summary(model.REPORT_BACK_PROMOTE),
            ]
        jobs.append(
            {
                "job": f"deploy_{model.key(env.name).lower()}",
                "displayName": f"deploy {label(env.name)}",
                "condition": f"and(succeeded(), {PUSHED}, "
                f"eq(variables['Build.SourceBranch'], {literal('refs/heads/' + env.branch)}))",
                "steps": steps,
            }
        )
    deploy_jobs = [j["job"] for j in jobs]
    if plan.sandboxes:
        ran = ", ".join(f"eq(dependencies.{j}.result, 'Succeeded')" for j in deploy_jobs)
        failed = ", ".join(f"eq(dependencies.{j}.result, 'Failed')" for j in deploy_jobs)
        to_matrix = (
            "python3 -c \"import json; legs = json.load(open('"
            + model.LEGS_JSON
            + "')); print(json.dumps({l['key']: {'SANDBOX': l['env'], 'UPSTREAM': l['from']} "
            'for l in legs}))" > sfsync-matrix.json'
        )
        jobs.append(
            {
                "job": "sandboxes",
                "displayName": "sandboxes behind",
                "dependsOn": deploy_jobs,
                "condition": f"and(not(canceled()), {PUSHED}, or({ran}), not(or({failed})))",
                "steps": [
                    *_setup(plan),
                    {
                        "name": "list",
                        "script": script(
                            [
                                *plan.sandbox_legs(),
                                to_matrix,
                                'echo "##vso[task.setvariable variable=legs;isOutput=true]'
                                '$(cat sfsync-matrix.json)"',
                            ]
                        ),
                        "displayName": "List the developer sandboxes behind (sfsync status)",
                    },
                ],
            }
        )
        jobs.append(
            {
                "job": "sandbox",
                "displayName": "back-promote to a sandbox",
                "dependsOn": "sandboxes",
                "condition": "and(succeeded(), "
                "ne(dependencies.sandboxes.outputs['list.legs'], '{}'))",
                "strategy": {"matrix": "$[ dependencies.sandboxes.outputs['list.legs'] ]"},
                "steps": [
                    *_setup(plan),
                    {
                        "script": script(plan.sandbox("SANDBOX", "UPSTREAM")),
                        "displayName": "Back-promote",
                        "env": _env(plan, tuple(s.name for s in plan.sandboxes)),
                    },
                    _summary(model.REPORT_SANDBOX),
                ],
            }
        )
    for env in plan.envs:
        target = literal("refs/heads/" + env.branch)
        jobs.append(
            {
                "job": f"validate_{model.key(env.name).lower()}",
                "displayName": f"validate on {label(env.name)}",
                "condition": "and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'), "
                f"eq(variables['System.PullRequest.TargetBranch'], {target}))",
                "steps": [
                    *_setup(plan),
                    {
                        "script": script([plan.login_command(), plan.validate()]),
                        "displayName": f"Validate the merge on {label(env.name)}",
                        "env": _env(plan, (env.name,), plan.variables(env.name)),
                    },
                    _summary(model.REPORT_VALIDATE),
                ],
            }
        )
    nightly = "eq(variables['Build.Reason'], 'Schedule')"
    jobs.append(
        {
            "job": "backup",
            "displayName": f"backup {label(plan.top.name)}",
            "condition": nightly,
            "steps": [
                *_setup(plan),
                {
                    "script": script([plan.login_command(), plan.backup()]),
                    "displayName": f"Back up {label(plan.top.name)}",
                    "env": _env(plan, (plan.top.name,), plan.variables(plan.top.name)),
                },
            ],
        }
    )
    jobs.append(
        {
            "job": "drift",
            "displayName": "drift",
            "condition": nightly,
            "strategy": {"matrix": {e.key: {model.ENV_VAR: e.name} for e in plan.envs}},
            "steps": [
                *_setup(plan),
                {
                    "script": script([plan.login_command(), plan.drift()]),
                    "displayName": "Compare the org with its branch",
                    "env": _env(plan, tuple(e.name for e in plan.envs)),
                },
                {
                    "task": "PublishPipelineArtifact@1",
                    "displayName": "Keep the drift result for the dashboard",
                    "condition": "succeededOrFailed()",
                    "inputs": {
                        "targetPath": f"{model.DRIFT_DIR}",
                        "artifact": "sfsync-drift-$(System.JobPositionInPhase)",
                    },
                },
            ],
        }
    )
    jobs.append(
        {
            "job": "dashboard",
            "displayName": "dashboard",
            "dependsOn": ["backup", "drift"],
            "condition": f"and(not(canceled()), {nightly})",
            "steps": [
                *_setup(plan),
                {
                    "task": "DownloadPipelineArtifact@2",
                    "displayName": "Drift results",
                    "inputs": {
                        "buildType": "current",
                        "itemPattern": "sfsync-drift-*/**",
                        "targetPath": f"{model.DRIFT_DIR}",
                    },
                },
                {"script": script(plan.dashboard()), "displayName": "Write the dashboard"},
                {
                    "task": "PublishPipelineArtifact@1",
                    "displayName": "Publish the dashboard",
                    "inputs": {"targetPath": model.SITE_DIR, "artifact": "sfsync-dashboard"},
                },
            ],
        }
    )
    return {
        "trigger": {"branches": {"include": branches}},
        "pr": {"branches": {"include": branches}},
        "schedules": [
            {
                "cron": model.NIGHTLY_CRON,
                "displayName": "sfsync nightly backup and drift",
                "branches": {"include": [plan.top.branch]},
                "always": "true",
            }
        ],
        "variables": {
            "SF_DISABLE_AUTOUPDATE": "true",
            "SF_DISABLE_TELEMETRY": "true",
            **plan.common_variables(),
        },
        "pool": {"vmImage": "ubuntu-latest"},
        "jobs": jobs,
    }
