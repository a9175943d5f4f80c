"""`sfsync drift` with the real sf CLI against sfemu: a back-door edit is drift."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orgsample import DEFAULT, apex, fresh_org, git, make_repo, run, source_project
from sfemu.emulator import OrgHandle
from sfemu.testing import LoggedInOrg, SfCli
from sfsync.cli import app, reports
from sfsync.pipeline import dashboard, project, tracking
from sfsync.workflows import drift


@pytest.fixture
def dev1(sfemu_login: Callable[..., LoggedInOrg], sf_home: Path) -> OrgHandle:
    return fresh_org(sfemu_login, "dr-dev1")


@pytest.fixture
def repo(tmp_path: Path, dev1: OrgHandle, sf_cli: SfCli) -> Path:
    repo = make_repo(
        tmp_path, {"prod": "dr-prod", "uat": "dr-uat", "dev1": "dr-dev1"}, source_project()
    )
    deployed = sf_cli.run(
        "project", "deploy", "start", "--source-dir", "force-app", "-o", "dr-dev1", cwd=repo
    )
    assert deployed.exit_code == 0, deployed.stdout[-2000:]
    git(repo, "config", "sfsync.env", "dev1")
    tracking.mark_synced(project.load(repo), "dev1", None)
    return repo


@pytest.mark.e2e
def test_drift_after_a_back_door_edit_then_save_it(
    repo: Path, dev1: OrgHandle, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(repo)
    capsys.readouterr()
    assert app.main(["drift"]) == 0  # the env from git config sfsync.env; formatting is not drift
    assert "no drift: dev1 (dr-dev1)" in capsys.readouterr().out

    # an admin works in the sandbox's Setup: a class edited, one created, a field deleted
    dev1.put_many(apex("Util", "// fixed in Setup"), by="Dana Dev", when="2026-03-01T09:00:00.000Z")
    dev1.put_many(apex("OrgOnly"), by="Dana Dev", when="2026-03-01T09:05:00.000Z")
    assert dev1.delete("CustomField:Widget__c.Weight__c")
    code, out = run(repo, "drift", "--env", "dev1", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1, out
    assert out["name"] == "Drift"
    data = out["data"]
    assert data["changed"] == [
        {
            "component": "ApexClass:Util",
            "lastModifiedByName": "Dana Dev",
            "lastModifiedDate": "2026-03-01T09:00:00.000Z",
        }
    ]
    assert [i["component"] for i in data["onlyInOrg"]] == ["ApexClass:OrgOnly"]
    assert [i["component"] for i in data["missingFromOrg"]] == ["CustomField:Widget__c.Weight__c"]
    assert data["expected"]["ref"].startswith("sync point ")

    # before a refresh: save the sandbox's work on a branch, as markdown for CI
    head = git(repo, "rev-parse", "HEAD")
    capsys.readouterr()
    kept = repo.parent / "drift-results" / "dev1.json"
    code = app.main(
        ["drift", "--save", "--branch", "drift/dev1-test", "--format", "markdown",
         "--json-file", str(kept)]
    )  # fmt: skip
    markdown = capsys.readouterr().out
    assert code == 1
    assert "| changed in the org | `ApexClass:Util` | Dana Dev |" in markdown
    assert "| missing from the org | `CustomField:Widget__c.Weight__c` |" in markdown
    assert "saved on branch `drift/dev1-test`" in markdown
    saved = "drift/dev1-test"
    assert "// fixed in Setup" in git(repo, "show", f"{saved}:{DEFAULT}/classes/Util.cls")
    assert "OrgOnly" in git(repo, "show", f"{saved}:{DEFAULT}/classes/OrgOnly.cls")
    # a field missing from the org is not deleted from git by a save
    git(
        repo,
        "cat-file",
        "-e",
        f"{saved}:{DEFAULT}/objects/Widget__c/fields/Weight__c.field-meta.xml",
    )
    assert git(repo, "rev-parse", f"{saved}~1") == head
    assert "ApexClass:Util" in git(repo, "log", "-1", "--format=%B", saved)
    # the work tree, the index and the current branch are untouched
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""

    # --json-file kept the --json document for the dashboard, which reads it and the branch
    kept_doc = json.loads(kept.read_text(encoding="utf-8"))
    assert kept_doc["name"] == "Drift" and kept_doc["data"]["changed"] == data["changed"]
    [result] = dashboard.read_drift([kept.parent])
    assert (result.env, result.drifted, len(result.items)) == ("dev1", True, 3)
    [branch] = dashboard.saved_drift(repo, "origin")["dev1"]
    assert branch.source == saved
    assert [(i.component, i.kind, i.by) for i in branch.items] == [
        ("ApexClass:Util", "changed", "Dana Dev"),
        ("ApexClass:OrgOnly", "only-in-org", "Dana Dev"),
    ]
    code, out = run(repo, "report", "--html", str(repo.parent / "site"), "--drift",
                    str(kept), monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, out
    envs = {e["name"]: e for e in out["result"]["environments"]}
    assert envs["dev1"]["status"] == "drifted" and envs["dev1"]["drift"] is True
    page = (repo.parent / "site" / "envs" / "dev1.html").read_text(encoding="utf-8")
    assert "drift/dev1-test" in page and "Dana Dev" in page
    # and it never writes over a file
    code, out = run(repo, "drift", "--json-file", str(kept), monkeypatch=monkeypatch,
                    capsys=capsys)  # fmt: skip
    assert code == 2 and "exists" in out["message"]


@pytest.mark.parametrize(
    ("rest", "old", "placed"),
    [
        pytest.param(
            "classes/Foo.cls",
            ["src/main/default/classes/Foo.cls-meta.xml"],
            "src/main/default/classes/Foo.cls",
            id="next-to-its-files",
        ),
        pytest.param(
            "objects/W__c/fields/A__c.field-meta.xml",
            ["app/objects/W__c/fields/A__c.field-meta.xml"],
            "app/objects/W__c/fields/A__c.field-meta.xml",
            id="another-layout",
        ),
        pytest.param("classes/New.cls", [], "force-app/main/default/classes/New.cls", id="new"),
    ],
)
def test_where_a_saved_file_goes(rest: str, old: list[str], placed: str) -> None:
    assert drift._place(rest, old, "force-app/main/default/") == placed


def test_the_report_as_text_json_and_markdown() -> None:
    report = drift.Report(
        env="prod",
        org="prod-org",
        expected="origin/main",
        commit="0123456789abcdef",
        changed=(drift.Item("ApexClass:Foo", "changed", "Dana", "2026-03-01T09:00:00.000Z"),),
        only_in_org=(),
        missing=(drift.Item("Flow:Old", "missing"),),
        compared=12,
        types=("ApexClass", "Flow"),
        sf_calls=5,
    )
    assert report.has_drift
    assert report.summary().startswith("prod (prod-org) drifted from origin/main: 1 changed")
    markdown = reports.drift(report.to_json())
    assert markdown.startswith("### ❌ Drift: prod (`prod-org`) differs from `origin/main`")
    assert "| changed in the org | `ApexClass:Foo` | Dana | 2026-03-01T09:00:00.000Z |" in markdown
    assert "| missing from the org | `Flow:Old` |  |  |" in markdown
    assert "1 changed in the org, 0 only in the org, 1 missing from the org" in markdown
    assert report.to_json()["missingFromOrg"] == [
        {"component": "Flow:Old", "lastModifiedByName": "", "lastModifiedDate": ""}
    ]
    clean = drift.Report("prod", "o", "origin/main", "0" * 40, (), (), (), 3, (), 1)
    assert not clean.has_drift
    assert "3 components compared." in reports.drift(clean.to_json())
    # who changed a component is the org's text: a `|` in it cannot break the table
    odd = drift.Report(
        "prod",
        "o",
        "main",
        "0" * 40,
        (drift.Item("ApexClass:A", "changed", "a|b"),),
        (),
        (),
        1,
        (),
        1,
    )
    assert "| changed in the org | `ApexClass:A` | a\\|b |  |" in reports.drift(odd.to_json())


def test_what_git_says_a_sandbox_and_a_branch_env_hold(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"prod": "p", "uat": "u", "dev1": "d"}, source_project())
    util = f"{DEFAULT}/classes/Util.cls"
    # upstream moves on: uat gets a change the developer's branch does not have yet
    git(repo, "checkout", "-q", "uat")
    (repo / util).write_text("public class Util { /* uat */ }\n")
    git(repo, "commit", "-q", "-am", "uat change")
    git(repo, "push", "-q", "origin", "uat")
    git(repo, "checkout", "-q", "-b", "story", "main")
    proj = project.load(repo)
    tracking.mark_synced(proj, "dev1", "origin/uat")  # the sandbox was refreshed from uat
    # the developer's own work on the branch: a new class and a deleted one
    new = f"{DEFAULT}/classes/Mine.cls"
    (repo / new).write_text("public class Mine {}\n")
    git(repo, "rm", "-q", f"{DEFAULT}/classes/AccountService.cls")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "my story")
    want = drift.expected(proj, proj.config.env("dev1"))
    assert want.files[util] == b"public class Util { /* uat */ }\n"  # the sync point's
    assert want.files[new] == b"public class Mine {}\n"  # plus the branch's changes
    assert f"{DEFAULT}/classes/AccountService.cls" not in want.files
    assert want.label.startswith("sync point ") and want.base == git(repo, "rev-parse", "HEAD")
    prod = drift.expected(proj, proj.config.env("prod"))
    assert prod.label == "origin/main"
    assert prod.files[util] == b"public class Util { }\n"
