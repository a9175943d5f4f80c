"""GitHub Actions: `.github/workflows/sfsync.yml` (push, pull request, sandboxes) and
`.github/workflows/sfsync-nightly.yml` (backup and drift).

The sandbox jobs are a matrix built at run time from `sfsync status --json` (a job output
read with `fromJSON`), so the CI service runs one job per sandbox that is behind. Secrets
reach the steps as environment variables; a matrix leg reads its sandbox's secret through
`secrets[format(...)]`. The PR comment is posted by `actions/github-script` from the report.

GitHub evaluates `${{ }}` in every string of a workflow (names, `env:`, `run:`), and `if:`
is an expression: names from sfsync.yml reach the jobs only as `env:` values, written as they
are when they hold nothing but letters, digits and `_ . / -`, else as an expression whose
string literal spells every other character as a JSON `\\uXXXX` escape (`fromJSON('"..."')`),
so no `${{`, quote or operator of theirs is ever read. Branch filters escape the glob
characters with `\\` (GitHub's filter pattern cheat sheet: "escape each of these special
characters with \\"); a branch holding `${{` is refused: a filter cannot escape it.

The nightly's drift legs keep their results as artifacts; the `dashboard` job writes the
site (`sfsync report`) and hands it to `actions/upload-pages-artifact`; the `pages` job
deploys it with `actions/deploy-pages` (permissions `pages: write`, `id-token: write`, the
`github-pages` environment) once Pages is enabled for the repository (Settings > Pages >
Source: GitHub Actions); until then that job fails without failing the run
(`continue-on-error`): publishing stays the repository admin's choice.
"""

from __future__ import annotations

from typing import Any

from sfsync.ci import model
from sfsync.ci.model import label
from sfsync.ci.yamltext import dump, script
from sfsync.errors import UsageError

WORKFLOW = ".github/workflows/sfsync.yml"
NIGHTLY = ".github/workflows/sfsync-nightly.yml"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
INSTALL_ID = "install"  # the step that installs sfsync and sf (the end-to-end test runs the rest)


def files(plan: model.CiPlan) -> dict[str, str]:
    """The two workflow files."""
    for branch in plan.branches:
        if "${{" in branch:
            raise UsageError(
                f"cannot write {WORKFLOW}: branch {label(branch)!r} holds '${{{{', which GitHub "
                "reads as an expression in a branch filter (no escape there): rename it"
            )
    return {
        WORKFLOW: dump(_workflow(plan), plan.header("github")),
        NIGHTLY: dump(_nightly(plan), plan.header("github")),
    }


def literal(value: str) -> str:
    """`value` as a string in a GitHub expression: `'main'`, or `fromJSON('"\\u0071..."')`
    when it holds anything but letters, digits and `_ . / -`."""
    if all(c in model.SAFE for c in value):
        return f"'{value}'"
    units = value.encode("utf-16-be")
    spelled = "".join(
        chr(unit) if chr(unit) in model.SAFE else f"\\u{unit:04x}"
        for unit in (int.from_bytes(units[i : i + 2], "big") for i in range(0, len(units), 2))
    )
    return f"fromJSON('\"{spelled}\"')"


def text(value: str) -> str:
    """`value` where GitHub reads a string with `${{ }}` in it (`env:`, `concurrency:`)."""
    if all(c in model.SAFE for c in value):
        return value
    return f"${{{{ {literal(value)} }}}}"


def branch_filter(branch: str) -> str:
    """`branch` as an `on.push.branches` pattern that matches only itself."""
    return "".join(f"\\{c}" if c in "*+?![]\\" else c for c in branch)


def _variables(values: dict[str, str]) -> dict[str, str]:
    return {name: text(value) for name, value in values.items()}


def _setup(plan: model.CiPlan) -> list[dict[str, Any]]:
    return [
        {
            "name": "Check out every branch and its history",
            "uses": "actions/checkout@v4",
            "with": {"fetch-depth": 0},
        },
        {"uses": "actions/setup-python@v5", "with": {"python-version": "3.12"}},
        {"uses": "actions/setup-node@v4", "with": {"node-version": "22"}},
        {
            "name": "Install sfsync and the Salesforce CLI",
            "id": INSTALL_ID,
            "run": script(plan.install()),
        },
        {"name": "Prepare git", "run": script(plan.prepare_git(BOT_NAME, BOT_EMAIL))},
    ]


def _secrets(plan: model.CiPlan, names: tuple[str, ...]) -> dict[str, str]:
    return {s: f"${{{{ secrets.{s} }}}}" for s in plan.secrets_for(names)}


def _summary(report: str) -> dict[str, Any]:
    return {
        "name": "Job summary",
        "if": "always()",
        "run": script([f'if [ -f {report} ]; then cat {report} >> "$GITHUB_STEP_SUMMARY"; fi']),
    }


def _deploy_job(plan: model.CiPlan, env: model.CiEnv) -> dict[str, Any]:
    names = (env.name, *env.below)
    shown = ", ".join(label(n) for n in names)
    steps = [
        *_setup(plan),
        {"name": f"Log in to {shown}", "run": plan.login_command(len(env.below))},
        {"name": f"Deploy {label(env.branch)} to {label(env.name)}", "run": plan.deploy(env)},
        _summary(model.REPORT_DEPLOY),
    ]
    walk = plan.back_promote(env)
    if walk is not None:
        steps += [
            {"name": f"Back-promote {' -> '.join(label(n) for n in names)}", "run": walk},
            _summary(model.REPORT_BACK_PROMOTE),
        ]
    return {
        "name": f"deploy {label(env.name)}"
        + (f", back-promote to {', '.join(label(n) for n in env.below)}" if walk else ""),
        "if": f"github.event_name == 'push' && github.ref_name == {literal(env.branch)}",
        "runs-on": "ubuntu-latest",
        "concurrency": {"group": "sfsync-" + text(env.name), "cancel-in-progress": False},
        "env": {**_variables(plan.variables(env.name, env.below)), **_secrets(plan, names)},
        "steps": steps,
    }


def _validate_job(plan: model.CiPlan, env: model.CiEnv) -> dict[str, Any]:
    comment = (
        "const fs = require('fs');\n"
        f"if (!fs.existsSync('{model.REPORT_VALIDATE}')) return;\n"
        "await github.rest.issues.createComment({\n"
        "  ...context.repo,\n"
        "  issue_number: context.issue.number,\n"
        f"  body: fs.readFileSync('{model.REPORT_VALIDATE}', 'utf8'),\n"
        "});\n"
    )
    return {
        "name": f"validate on {label(env.name)}",
        "if": f"github.event_name == 'pull_request' && github.base_ref == {literal(env.branch)}",
        "runs-on": "ubuntu-latest",
        "concurrency": {
            "group": "sfsync-validate-${{ github.event.pull_request.number }}-" + text(env.name),
            "cancel-in-progress": True,
        },
        "env": {**_variables(plan.variables(env.name)), **_secrets(plan, (env.name,))},
        "steps": [
            *_setup(plan),
            {"name": f"Log in to {label(env.name)}", "run": plan.login_command()},
            {"name": f"Validate the merge on {label(env.name)}", "run": plan.validate()},
            _summary(model.REPORT_VALIDATE),
            {
                "name": "Comment on the pull request",
                # a pull request from a fork gets a read-only token: the summary still shows it
                "if": "always() && "
                "github.event.pull_request.head.repo.full_name == github.repository",
                "uses": "actions/github-script@v7",
                "with": {"script": comment},
            },
        ],
    }


def _sandbox_jobs(plan: model.CiPlan, deploy_jobs: list[str]) -> dict[str, Any]:
    legs = {
        "name": "sandboxes behind",
        "needs": deploy_jobs,
        "if": "${{ !cancelled() && github.event_name == 'push' && "
        "contains(needs.*.result, 'success') && !contains(needs.*.result, 'failure') }}",
        "runs-on": "ubuntu-latest",
        "outputs": {"legs": "${{ steps.legs.outputs.legs }}"},
        "steps": [
            *_setup(plan),
            {
                "name": "List the developer sandboxes behind (sfsync status --json)",
                "id": "legs",
                "run": script(
                    [
                        *plan.sandbox_legs(),
                        f'echo "legs=$(cat {model.LEGS_JSON})" >> "$GITHUB_OUTPUT"',
                    ]
                ),
            },
        ],
    }
    env = {"SANDBOX": "${{ matrix.env }}", "UPSTREAM": "${{ matrix.from }}", **_leg_secrets(plan)}
    leg = {
        "name": "back-promote to ${{ matrix.env }}",
        "needs": "sandboxes",
        "if": "${{ needs.sandboxes.outputs.legs != '' && needs.sandboxes.outputs.legs != '[]' }}",
        "runs-on": "ubuntu-latest",
        "strategy": {
            "fail-fast": False,
            "matrix": {"include": "${{ fromJSON(needs.sandboxes.outputs.legs) }}"},
        },
        "concurrency": {"group": "sfsync-${{ matrix.env }}", "cancel-in-progress": False},
        "env": env,
        "steps": [
            *_setup(plan),
            {"name": "Back-promote", "run": script(plan.sandbox("SANDBOX", "UPSTREAM"))},
            _summary(model.REPORT_SANDBOX),
        ],
    }
    return {"sandboxes": legs, "sandbox": leg}


def _workflow(plan: model.CiPlan) -> dict[str, Any]:
    jobs: dict[str, Any] = {}
    for env in plan.envs:
        jobs[f"deploy-{model.job_id(env.name)}"] = _deploy_job(plan, env)
    deploy_jobs = list(jobs)
    for env in plan.envs:
        jobs[f"validate-{model.job_id(env.name)}"] = _validate_job(plan, env)
    if plan.sandboxes:
        jobs.update(_sandbox_jobs(plan, deploy_jobs))
    branches = [branch_filter(b) for b in plan.branches]
    return {
        "name": "sfsync",
        "on": {"push": {"branches": branches}, "pull_request": {"branches": branches}},
        "permissions": {"contents": "write", "pull-requests": "write"},
        "env": _common_env(plan),
        "jobs": jobs,
    }


def _nightly(plan: model.CiPlan) -> dict[str, Any]:
    top = plan.top
    drift_report = f"sfsync-drift-${model.ENV_VAR}.md"
    drift_legs = [{"env": text(e.name), "key": e.key} for e in plan.envs]
    return {
        "name": "sfsync nightly",
        "on": {"schedule": [{"cron": model.NIGHTLY_CRON}], "workflow_dispatch": {}},
        "permissions": {"contents": "write"},
        "env": _common_env(plan),
        "jobs": {
            "backup": {
                "name": f"backup {label(top.name)}",
                "runs-on": "ubuntu-latest",
                "env": {**_variables(plan.variables(top.name)), **_secrets(plan, (top.name,))},
                "steps": [
                    *_setup(plan),
                    {"name": f"Log in to {label(top.name)}", "run": plan.login_command()},
                    {"name": f"Back up {label(top.name)}", "run": plan.backup()},
                ],
            },
            "drift": {
                "name": "drift of ${{ matrix.env }}",
                "runs-on": "ubuntu-latest",
                "strategy": {"fail-fast": False, "matrix": {"include": drift_legs}},
                "env": {model.ENV_VAR: "${{ matrix.env }}", **_leg_secrets(plan)},
                "steps": [
                    *_setup(plan),
                    {"name": "Log in", "run": plan.login_command()},
                    {"name": "Compare the org with its branch", "run": script([plan.drift()])},
                    {
                        "name": "Job summary",
                        "if": "always()",
                        "run": script(
                            [
                                f'if [ -f "{drift_report}" ]; then '
                                f'cat "{drift_report}" >> "$GITHUB_STEP_SUMMARY"; fi'
                            ]
                        ),
                    },
                    {
                        "name": "Keep the drift result for the dashboard",
                        "if": "always()",
                        "uses": "actions/upload-artifact@v4",
                        "with": {
                            "name": "sfsync-drift-${{ matrix.key }}",
                            "path": f"{model.DRIFT_DIR}/",
                            "if-no-files-found": "ignore",
                        },
                    },
                ],
            },
            **_dashboard_jobs(plan),
        },
    }


def _dashboard_jobs(plan: model.CiPlan) -> dict[str, Any]:
    """The dashboard, after the backup and the drift legs (whatever they found), and its
    deployment on GitHub Pages (when Pages is enabled for the repository)."""
    return {
        "dashboard": {
            "name": "dashboard",
            "needs": ["backup", "drift"],
            "if": "${{ !cancelled() }}",
            "runs-on": "ubuntu-latest",
            "steps": [
                *_setup(plan),
                {
                    "name": "Drift results",
                    "uses": "actions/download-artifact@v4",
                    "with": {
                        "pattern": "sfsync-drift-*",
                        "path": model.DRIFT_DIR,
                        "merge-multiple": True,
                    },
                },
                {"name": "Write the dashboard", "run": script(plan.dashboard())},
                {
                    "name": "Keep the dashboard (the github-pages artifact)",
                    "uses": "actions/upload-pages-artifact@v3",
                    "with": {"path": model.SITE_DIR},
                },
            ],
        },
        "pages": {
            "name": "publish the dashboard on GitHub Pages",
            "needs": "dashboard",
            "if": "${{ !cancelled() && needs.dashboard.result == 'success' }}",
            "continue-on-error": True,  # Pages not enabled yet: the run stays green
            "runs-on": "ubuntu-latest",
            "permissions": {"pages": "write", "id-token": "write"},
            "concurrency": {"group": "sfsync-pages", "cancel-in-progress": False},
            "environment": {
                "name": "github-pages",
                "url": "${{ steps.deployment.outputs.page_url }}",
            },
            "steps": [{"name": "Deploy", "id": "deployment", "uses": "actions/deploy-pages@v4"}],
        },
    }


def _leg_secrets(plan: model.CiPlan) -> dict[str, str]:
    """A matrix leg's login secrets, picked by `matrix.key` (`sfsync ci login` reads the
    unsuffixed names when it logs in to one env)."""
    names = (
        ["SFSYNC_AUTH_URL"]
        if plan.login == "sfdx-url"
        else [
            "SFSYNC_CLIENT_ID",
            "SFSYNC_USERNAME",
        ]
    )
    env = {n: f"${{{{ secrets[format('{n}_{{0}}', matrix.key)] }}}}" for n in names}
    if plan.login == "jwt":
        env["SFSYNC_JWT_KEY"] = "${{ secrets.SFSYNC_JWT_KEY }}"
    return env


def _common_env(plan: model.CiPlan) -> dict[str, str]:
    env = {
        "SF_DISABLE_AUTOUPDATE": "true",  # sf's own variable (not SF_AUTOUPDATE_DISABLE)
        "SF_DISABLE_TELEMETRY": "true",
        **_variables(plan.common_variables()),
    }
    if plan.webhook_env:
        env[plan.webhook_env] = f"${{{{ secrets.{plan.webhook_env} }}}}"
    return env
