"""`sfsync drift` with the real sf CLI against sfemu: a back-door edit is drift."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orgsample import DEFAULT, apex, fresh_org, git, make_repo, run, source_project
from sfemu.emulator import OrgHandle
from sfemu.testing import LoggedInOrg, SfCli
from sfsync import app
from sfsync.pipeline import project, tracking

pytestmark = pytest.mark.e2e


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


def test_drift_after_a_back_door_edit_then_save_it(
    repo: Path, dev1: OrgHandle, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(repo)
    capsys.readouterr()
    assert app.main(["drift"]) == 0  # the env from git config sfsync.env; formatting is not drift
    assert "no drift: dev1 (dr-dev1)" in capsys.readouterr().err

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
    code = app.main(["drift", "--save", "--branch", "drift/dev1-test", "--format", "markdown"])
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
