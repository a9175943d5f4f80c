"""End to end: the GitHub workflow `sfsync ci init` writes, its `run:` steps executed in order
with the environment the workflow sets (tests/ghactions.py), against orgs in sfemu (https, for
`sf org login sfdx-url`) with the real `sf`, a bare git remote and a local webhook receiver.

A push to main: deploy prod, back-promote to int, then the sandboxes job lists dev1 as behind
(`sfsync status --json`) and a matrix leg brings it up to date. A pull request into int: a
check-only deploy of its merge, the markdown report in the job summary. Skipped: the `uses:`
steps (checkout is done by the test; setup-python/node, github-script) and the install step
(sfsync and the pinned sf are already on PATH).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ghactions import JobRun, Runner, environ_without_git_identity
from sfemu.testing import HttpsEmulator, SfCli
from webhook import Receiver

pytestmark = pytest.mark.e2e

CLASSES = "force-app/main/default/classes"
META = "<ApexClass><apiVersion>62.0</apiVersion></ApexClass>\n"
CONFIG = """\
version: 1
remote: origin
environments:
  prod: {org: gh-prod, branch: main, protected: true}
  int:  {org: gh-int, branch: int, upstream: prod}
  dev1: {org: gh-dev1, upstream: int}
notify: {service: slack, events: [success, failure]}
"""
PROJECT = (
    '{"packageDirectories": [{"path": "force-app", "default": true}], "sourceApiVersion": "62.0"}\n'
)


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False, env=env
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def apex(name: str, body: str = "") -> dict[str, str]:
    return {
        f"{CLASSES}/{name}.cls": f"public class {name} {{ {body} }}\n",
        f"{CLASSES}/{name}.cls-meta.xml": META,
    }


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
        git(repo, "add", "--", rel)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


class Team:
    """The release manager's machine: a clone, sf logged in, sfsync run as a process."""

    def __init__(self, root: Path, https: HttpsEmulator) -> None:
        self.https = https
        emu = https.emulator
        self.orgs = {
            name: emu.create_org(name, sandbox=name != "gh-prod")
            for name in ("gh-prod", "gh-int", "gh-dev1")
        }
        for name in self.orgs:
            emu.org(name).reset()
        self.sf = SfCli(root / "admin-home")
        for name, org in self.orgs.items():
            url = root / f"{name}.url"
            url.write_text(org.sfdx_auth_url, encoding="utf-8")
            run = self.sf.run(
                "org", "login", "sfdx-url", "--sfdx-url-file", str(url), "--alias", name,
                env=https.sf_env,
            )  # fmt: skip
            url.unlink()
            assert run.exit_code == 0, run.stdout
        self.remote = root / "remote.git"
        self.admin = root / "admin"
        git(root, "init", "-q", "--bare", "-b", "main", str(self.remote))
        git(root, "clone", "-q", str(self.remote), str(self.admin))

    @property
    def env(self) -> dict[str, str]:
        return {**self.sf.env, **self.https.sf_env}

    def sfsync(self, *args: str) -> dict[str, Any]:
        proc = subprocess.run(
            [sys.executable, "-m", "sfsync", *args, "--json"],
            cwd=self.admin, env=self.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out: dict[str, Any] = json.loads(proc.stdout)
        return out

    def handle(self, name: str) -> Any:
        return self.https.emulator.org(name)

    def holds(self, name: str, cls: str) -> bool:
        return bool(self.handle(name).exists(f"classes/{cls}.cls"))


@pytest.fixture
def team(tmp_path: Path, sfemu_https: HttpsEmulator) -> Team:
    """prod and int hold Base + Story (recorded by sfsync), dev1 is synced to them; the
    workflow from `sfsync ci init --provider github` is committed on main."""
    t = Team(tmp_path, sfemu_https)
    admin = t.admin
    base = commit(
        admin,
        {"sfsync.yml": CONFIG, "sfdx-project.json": PROJECT, **apex("Base")},
        "Project",
    )
    for name in t.orgs:
        t.handle(name).put_many(
            {"classes/Base.cls": "public class Base {  }\n", "classes/Base.cls-meta.xml": META}
        )
    commit(admin, apex("Story"), "Story")
    git(admin, "branch", "int")
    git(admin, "push", "-q", "origin", "main", "int")
    t.sfsync("deploy", "--env", "prod", "--baseline", base, "--confirm", "prod", "--yes", "--push")
    t.sfsync("deploy", "--env", "int", "--baseline", base, "--yes", "--push")
    t.handle("gh-dev1").put_many(
        {"classes/Story.cls": "public class Story {  }\n", "classes/Story.cls-meta.xml": META}
    )
    t.sfsync("mark-synced", "--env", "dev1", "origin/int", "--push")
    t.sfsync("ci", "init", "--provider", "github", "--sfsync-spec", "sfsync")  # install: skipped
    git(admin, "add", ".github")
    git(admin, "commit", "-q", "-m", "CI: sfsync ci init --provider github")
    git(admin, "push", "-q", "origin", "main")
    return t


def runner(
    team: Team, root: Path, github: dict[str, Any], checkout_ref: str, receiver: Receiver
) -> Runner:
    workflow = yaml.safe_load(git(team.admin, "show", "main:.github/workflows/sfsync.yml"))
    secrets = {
        f"SFSYNC_AUTH_URL_{env.upper()}": team.orgs[f"gh-{env}"].sfdx_auth_url
        for env in ("prod", "int", "dev1")
    }
    secrets["SFSYNC_WEBHOOK_URL"] = receiver.url
    base_env = environ_without_git_identity()
    for key in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "HOME"):
        base_env.pop(key, None)
    base_env.update(
        PATH=team.sf.env["PATH"],
        XDG_CACHE_HOME=str(root / "cache"),  # only caches (node's compile cache) are shared
        GIT_CONFIG_NOSYSTEM="1",
        **team.https.sf_env,  # the runner trusts the emulator's certificate
    )

    def checkout(dest: Path) -> None:
        git(dest.parent, "clone", "-q", str(team.remote), str(dest))
        git(dest, "fetch", "-q", "origin", checkout_ref)
        git(dest, "checkout", "-q", "--detach", "FETCH_HEAD")

    (root / "runner").mkdir()
    return Runner(workflow, github, secrets, checkout, base_env, root / "runner")


def by_job(runs: list[JobRun]) -> dict[str, list[JobRun]]:
    out: dict[str, list[JobRun]] = {}
    for run in runs:
        out.setdefault(run.job, []).append(run)
    return out


def failures(runs: list[JobRun]) -> str:
    return "\n".join(
        f"{r.job} / {s.name}:\n{s.stdout}\n{s.stderr}"
        for r in runs
        for s in r.steps
        if s.outcome == "failure"
    )


def assert_no_secret_in_output(runs: list[JobRun], secrets: list[str]) -> None:
    for run in runs:
        for step in run.steps:
            for secret in secrets:
                assert secret not in step.stdout + step.stderr, (run.job, step.name)


def test_a_push_to_main_deploys_back_promotes_and_fans_out_to_the_sandboxes(
    team: Team, tmp_path: Path, receiver: Receiver
) -> None:
    hotfix = commit(team.admin, apex("Hotfix", "// prod fix"), "Hotfix on prod")
    git(team.admin, "push", "-q", "origin", "main")
    github = {
        "event_name": "push",
        "ref": "refs/heads/main",
        "ref_name": "main",
        "sha": hotfix,
        "repository": "acme/crm",
        "event": {},
    }

    runs = runner(team, tmp_path, github, "refs/heads/main", receiver).run()

    jobs = by_job(runs)
    assert [r.result for r in jobs["deploy-prod"]] == ["success"], failures(runs)
    assert [r.result for r in jobs["deploy-int"]] == ["skipped"]
    assert [r.result for r in jobs["validate-int"]] == ["skipped"]
    assert jobs["sandboxes"][0].result == "success", failures(runs)
    legs = json.loads(jobs["sandboxes"][0].outputs["legs"])
    assert legs == [{"env": "dev1", "from": "int", "key": "DEV1"}]
    (leg,) = jobs["sandbox"]
    assert (leg.result, leg.matrix["env"]) == ("success", "dev1"), failures(runs)
    # every org now holds the hotfix; main was merged into int on the remote, as the bot
    for org in ("gh-prod", "gh-int", "gh-dev1"):
        assert team.holds(org, "Hotfix"), org
    git(team.remote, "merge-base", "--is-ancestor", hotfix, "int")
    assert git(team.remote, "log", "-1", "--format=%an", "int") == "github-actions[bot]"
    for env in ("prod", "int", "dev1"):
        git(team.remote, "rev-parse", "--verify", f"refs/sfsync/envs/{env}")
    deploy = jobs["deploy-prod"][0]
    assert "### ✅ Deployed to prod (gh-prod)" in deploy.summary
    assert "### ✅ Back-promote from prod: 1 env" in deploy.summary
    assert "| int | ✅ done | 1 | 0 |" in deploy.summary
    assert "| dev1 | ✅ done | 1 | 0 |" in leg.summary
    ran = [s.name for s in deploy.steps if s.outcome == "success"]
    assert "Deploy main to prod" in ran and "Back-promote prod -> int" in ran
    assert [
        s.outcome for s in deploy.steps if s.name == "Install sfsync and the Salesforce CLI"
    ] == ["not run"]
    # the notify: of sfsync.yml reached the receiver through the workflow's secret
    titles = [body["text"] for body in receiver.bodies()]
    assert "sfsync deploy prod (gh-prod): 1 deployed, 0 deleted" in titles
    assert "sfsync back-promote from prod: done" in titles
    assert "sfsync back-promote from int: done" in titles
    secrets = [o.refresh_token for o in team.orgs.values()] + ["s3cr3tT0kenValue"]
    assert_no_secret_in_output(runs, secrets)


def test_a_pull_request_into_int_is_validated_at_its_merge(
    team: Team, tmp_path: Path, receiver: Receiver
) -> None:
    admin = team.admin
    git(admin, "checkout", "-q", "-b", "feature", "origin/int")
    commit(admin, apex("Feature", "Integer x = 1;"), "A feature")
    git(admin, "push", "-q", "origin", "feature")
    git(admin, "checkout", "-q", "--detach", "origin/int")
    git(admin, "merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #7")
    merge = git(admin, "rev-parse", "HEAD")
    git(admin, "push", "-q", "origin", "HEAD:refs/pull/7/merge")
    before = len(team.handle("gh-int").deployments())
    github = {
        "event_name": "pull_request",
        "ref": "refs/pull/7/merge",
        "ref_name": "7/merge",
        "base_ref": "int",
        "head_ref": "feature",
        "sha": merge,
        "repository": "acme/crm",
        "event": {"pull_request": {"number": 7, "head": {"repo": {"full_name": "acme/crm"}}}},
    }

    runs = runner(team, tmp_path, github, "refs/pull/7/merge", receiver).run()

    jobs = by_job(runs)
    assert [r.result for r in jobs["validate-int"]] == ["success"], failures(runs)
    for skipped in ("deploy-prod", "deploy-int", "validate-prod", "sandboxes", "sandbox"):
        assert [r.result for r in jobs[skipped]] == ["skipped"], skipped
    validate = jobs["validate-int"][0]
    assert validate.summary.startswith("### ✅ Validated on int (gh-int): the deploy would succeed")
    assert "- `ApexClass:Feature`" in validate.summary
    assert [s.outcome for s in validate.steps if s.name == "Comment on the pull request"] == [
        "not run"  # actions/github-script posts the same report file
    ]
    assert (validate.workspace / "sfsync-validate.md").read_text() == validate.summary
    # a validation changes nothing in the org; the emulator saw a check-only deploy
    assert not team.holds("gh-int", "Feature")
    records = team.handle("gh-int").deployments()[before:]
    assert [r["validated"] for r in records] == [["ApexClass:Feature"]]
    secrets = [o.refresh_token for o in team.orgs.values()]
    assert_no_secret_in_output(runs, secrets)
    assert os.environ.get("SFSYNC_AUTH_URL_INT") is None  # secrets stay in the job's env


def test_the_nightly_dashboard_job_writes_the_site_from_the_remote(
    team: Team, tmp_path: Path, receiver: Receiver
) -> None:
    """The nightly's `dashboard` job alone (its `uses:` steps, the artifacts and Pages, are
    GitHub's): a fresh checkout, `sfsync report --fetch` reads the remote's refs."""
    nightly = yaml.safe_load(git(team.admin, "show", "main:.github/workflows/sfsync-nightly.yml"))
    job = nightly["jobs"]["dashboard"]
    github = {
        "event_name": "schedule",
        "ref": "refs/heads/main",
        "ref_name": "main",
        "sha": git(team.admin, "rev-parse", "main"),
        "repository": "acme/crm",
        "event": {},
    }
    run = runner(team, tmp_path, github, "refs/heads/main", receiver)
    run.workflow = {**nightly, "jobs": {"dashboard": {**job, "needs": []}}}
    (dashboard,) = run.run()
    assert dashboard.result == "success", failures([dashboard])
    wrote = next(s for s in dashboard.steps if s.name == "Write the dashboard")
    assert wrote.outcome == "success"
    assert dashboard.workspace is not None
    site = dashboard.workspace / "public"
    index = (site / "index.html").read_text(encoding="utf-8")
    for env in ("prod", "int", "dev1"):
        assert f'data-env="{env}"' in index and (site / "envs" / f"{env}.html").is_file()
    # the events recorded on the remote (deploys, the sandbox's sync) are on the pages
    assert "deployed" in (site / "envs" / "prod.html").read_text(encoding="utf-8")
    assert "marked synced" in (site / "envs" / "dev1.html").read_text(encoding="utf-8")
