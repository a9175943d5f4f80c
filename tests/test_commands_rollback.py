"""`sfsync rollback` item by item and `sfsync log --component`, through the real entry point
with the real sf against sfemu: five stories in five deployments, two of them taken back."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from sfemu.emulator import OrgHandle
from sfemu.testing import LoggedInOrg, SfCli, write_project
from sfsync.__main__ import main
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.metadata.manifest import render
from wfpipeline import sfsync_process, wait_for
from workflows import SFDX_PROJECT, apex, commit, git, org_files

Login = Callable[..., LoggedInOrg]
CLASSES = "force-app/main/default/classes"
OBJECTS = "force-app/main/default/objects"
PERMISSIONS = "force-app/main/default/permissionsets"
CONFIG = """\
version: 1
remote: origin
environments:
  prod: {org: rb-prod, branch: main, protected: true}
  int:  {org: rb-int, branch: int, upstream: prod}
  ref:  {org: rb-ref, branch: ref, upstream: prod}
"""


def field(obj: str, name: str, label: str) -> dict[str, str]:
    """A text field in source format."""
    return {
        f"{OBJECTS}/{obj}/fields/{name}.field-meta.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            f"    <fullName>{name}</fullName>\n    <label>{label}</label>\n"
            "    <length>80</length>\n    <type>Text</type>\n</CustomField>\n"
        )
    }


def permission_set(name: str, fields: list[str], classes: list[str]) -> dict[str, str]:
    """A permission set granting the fields and classes (deployed whole by the org)."""
    body = "".join(
        f"    <classAccesses>\n        <apexClass>{c}</apexClass>\n"
        "        <enabled>true</enabled>\n    </classAccesses>\n"
        for c in classes
    )
    body += "".join(
        f"    <fieldPermissions>\n        <editable>true</editable>\n        <field>{f}</field>\n"
        "        <readable>true</readable>\n    </fieldPermissions>\n"
        for f in fields
    )
    return {
        f"{PERMISSIONS}/{name}.permissionset-meta.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            f"{body}    <hasActivationRequired>false</hasActivationRequired>\n"
            f"    <label>{name}</label>\n</PermissionSet>\n"
        )
    }


BASE: dict[str, str | None] = {
    **apex("Util", " Integer v = 0; "),
    **apex("Billing", " Integer v = 0; "),
    **apex("Old4"),
    **field("Account", "Base__c", "Base"),
    **permission_set("Base_Access", ["Account.Base__c"], ["Billing"]),
    **permission_set("Ops_Access", [], ["Old4"]),
}
STORIES: dict[int, dict[str, str | None]] = {
    1: {  # creates classes, a field and a permission set; changes Util
        **apex("S1Service"),
        **apex("S1Helper", " Integer v = 1; "),
        **apex("Util", " Integer v = 1; "),
        **field("Account", "S1__c", "Story one"),
        **permission_set("S1_Access", ["Account.S1__c"], ["S1Service"]),
    },
    2: {  # creates a class and a field, changes a class and a permission set
        **apex("S2Service"),
        **apex("Billing", " Integer v = 2; "),
        **field("Account", "S2__c", "Story two"),
        **permission_set("Base_Access", ["Account.Base__c", "Account.S2__c"], ["Billing"]),
    },
    3: {  # changes story 1's permission set and Util again
        **apex("S3Job"),
        **apex("Util", " Integer v = 3; "),
        **field("Account", "S3__c", "Story three"),
        **permission_set("S1_Access", ["Account.S1__c", "Account.S3__c"], ["S1Service"]),
    },
    4: {  # deletes a class, creates one and a field, changes story 1's class
        **{path: None for path in apex("Old4")},
        **apex("S4Api"),
        **apex("S1Helper", " Integer v = 4; "),
        **field("Account", "S4__c", "Story four"),
        **permission_set("Ops_Access", ["Account.S4__c"], ["S4Api"]),
    },
    5: {  # changes story 1's field and permission set, and Util once more
        **apex("S5Batch"),
        **apex("Util", " Integer v = 5; "),
        **field("Account", "S1__c", "Story one, renamed"),
        **permission_set("S1_Access", ["Account.S1__c", "Account.S3__c"], ["S1Service", "S5Batch"]),
    },
}
STORY_2 = ["ApexClass:Billing", "ApexClass:S2Service", "CustomField:Account.S2__c"]
STORY_2 += ["PermissionSet:Base_Access"]


def run_json(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> dict[str, Any]:
    """Run sfsync with --json; check the exit code and the envelope's status."""
    assert main([*args, "--json"]) == code, capsys.readouterr()
    envelope: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert envelope["status"] == code
    return envelope


def retrieve_all(cli: SfCli, alias: str, components: list[str], folder: Path) -> dict[str, bytes]:
    """Every listed component of the org, as the real sf retrieves it: path -> bytes."""
    write_project(folder)
    types: dict[str, list[str]] = {}
    for component in components:
        kind, _, name = component.partition(":")
        types.setdefault(kind, []).append(name)
    (folder / "package.xml").write_bytes(render(types, "62.0"))
    done = cli.run("project", "retrieve", "start", "-x", "package.xml", "-o", alias, cwd=folder)
    assert done.exit_code == 0, done.stdout
    root = folder / "force-app"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert files, done.stdout
    return files


@pytest.fixture
def orgs(sfemu_login: Login, sf_home: Path) -> tuple[OrgHandle, OrgHandle]:
    """rb-int (the env whose stories are rolled back) and rb-ref (1, 3 and 5 only), empty."""
    handles = (sfemu_login("rb-int").handle, sfemu_login("rb-ref").handle)
    for handle in handles:
        handle.reset()
    return handles


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A project whose first commit holds no metadata (what the empty orgs hold)."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    empty = commit(repo, {"sfsync.yml": CONFIG, "sfdx-project.json": SFDX_PROJECT}, "Project")
    git(repo, "branch", "int")
    git(repo, "branch", "ref")
    monkeypatch.chdir(repo)
    return repo, empty


def deploy_story(
    capsys: pytest.CaptureFixture[str],
    repo: Path,
    env: str,
    files: Mapping[str, str | None],
    n: str,
) -> str:
    """Commit a story on the env's branch and deploy it: the deploy event's id."""
    git(repo, "checkout", "-q", env)
    commit(repo, files, f"Story {n}")
    result = run_json(capsys, "deploy", "--env", env, "--yes")["result"]
    event: str = result["event"]
    return event


@pytest.mark.e2e
def test_stories_2_and_4_rolled_back_leave_the_org_as_if_never_deployed(
    project: tuple[Path, str],
    orgs: tuple[OrgHandle, OrgHandle],
    sf_cli: SfCli,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, empty = project
    int_org, ref_org = orgs
    for env in ("int", "ref"):
        git(repo, "checkout", "-q", env)
        commit(repo, BASE, "Base")
        run_json(capsys, "deploy", "--env", env, "--baseline", empty, "--yes")
    base_int = git(repo, "rev-parse", "int")
    events = {n: deploy_story(capsys, repo, "int", STORIES[n], str(n)) for n in STORIES}
    for n in (1, 3, 5):  # the reference: what int would hold had 2 and 4 never been deployed
        deploy_story(capsys, repo, "ref", STORIES[n], str(n))
    tip = git(repo, "rev-parse", "int")
    assert int_org.exists("classes/S4Api.cls") and not int_org.exists("classes/Old4.cls")

    # story 1 is older than what changed its components since: refused, naming them
    refused = run_json(capsys, "rollback", "--env", "int", "--event", events[1][:10],
                       "--only", "ApexClass:Util", "--dry-run", code=1)  # fmt: skip
    assert refused["name"] == "LaterChange"
    assert f"deploy {events[5][:12]}" in refused["message"]
    assert f"deploy {events[3][:12]}" in refused["message"]
    assert "--force" in refused["message"]

    # someone changes story 4's class in Setup: the rollback stops and names her
    deployed_s4 = int_org.read("classes/S4Api.cls")
    int_org.put("classes/S4Api.cls", "public class S4Api { /* hotfix */ }\n", by="Maria Admin")
    files_before, head_before = org_files(int_org), state.read_state(repo, "int").commit
    for part in (["--only", "ApexClass:S4Api"], []):  # part of the story, or all of it
        stopped = run_json(capsys, "rollback", "--env", "int", "--event", events[4], *part,
                           "--yes", code=1)  # fmt: skip
        assert stopped["name"] == "InOrgWork" and "Maria Admin" in stopped["message"]
        assert "ApexClass:S4Api" in stopped["message"] and "--except" in stopped["message"]
        assert org_files(int_org) == files_before
        assert state.read_state(repo, "int").commit == head_before
    int_org.put("classes/S4Api.cls", deployed_s4, by="Maria Admin")  # she takes it back

    # story 4 by event: an older deployment, story 5 stays
    plan = run_json(capsys, "rollback", "--env", "int", "--event", events[4], "--dry-run")
    plan = plan["result"]["plan"]
    assert plan["restore"] == ["ApexClass:Old4", "ApexClass:S1Helper", "PermissionSet:Ops_Access"]
    assert plan["delete"] == ["ApexClass:S4Api", "CustomField:Account.S4__c"]
    assert not plan["partial"] and not plan["resetsState"]
    old4 = next(c for c in plan["changes"] if c["component"] == "ApexClass:Old4")
    assert old4["action"] == "redeploy" and old4["version"]["snapshot"] == plan["snapshot"]
    assert old4["version"]["commit"] == base_int  # the version the base deployment left
    rolled_4 = run_json(capsys, "rollback", "--env", "int", "--event", events[4], "--yes")
    assert rolled_4["result"]["kind"] == "rollback" and rolled_4["result"]["snapshot"]

    # story 2 by component: two of its components, then the rest
    first_part = run_json(capsys, "rollback", "--env", "int", "--event", events[2],
                          "--only", "ApexClass:Billing", "--only", "permissionset:base_access",
                          "--yes")["result"]  # fmt: skip
    assert first_part["plan"]["partial"] and sorted(first_part["deployed"]) == [
        "ApexClass:Billing",
        "PermissionSet:Base_Access",
    ]
    rest = run_json(capsys, "rollback", "--env", "int", "--event", events[2],
                    "--except", "ApexClass:Billing", "--except", "PermissionSet:*",
                    "--yes")["result"]  # fmt: skip
    assert sorted(rest["deleted"]) == ["ApexClass:S2Service", "CustomField:Account.S2__c"]
    again = run_json(capsys, "rollback", "--env", "int", "--event", events[2], "--yes", code=1)
    assert "nothing to roll back" in again["message"]

    # the org holds, byte for byte, what it would hold had 2 and 4 never been deployed
    assert org_files(int_org) == org_files(ref_org)
    everything = sorted({*int_org.components(), *ref_org.components(), *STORY_2})
    everything += ["ApexClass:S4Api", "CustomField:Account.S4__c"]
    assert retrieve_all(sf_cli, "rb-int", everything, tmp_path / "int") == retrieve_all(
        sf_cli, "rb-ref", everything, tmp_path / "ref"
    )
    assert not int_org.exists("classes/S2Service.cls")
    assert "<fullName>S2__c</fullName>" not in int_org.read_text("objects/Account.object")
    assert state.read_state(repo, "int").state.deployed == tip  # int's branch is not rewritten

    # --force: story 1's Util goes back to the base version over stories 3 and 5
    forced = run_json(capsys, "rollback", "--env", "int", "--event", events[1],
                      "--only", "ApexClass:Util", "--force", "--yes")["result"]  # fmt: skip
    assert forced["deployed"] == ["ApexClass:Util"]
    later = forced["plan"]["changes"][0]["overLater"]
    assert [item["event"] for item in later] == [events[5], events[3]]
    assert int_org.read_text("classes/Util.cls") == BASE[f"{CLASSES}/Util.cls"]

    # the ledger: Util's history, and story 1's class rolled back by story 4's rollback
    util = run_json(capsys, "log", "--env", "int", "--component", "ApexClass:Util")["result"]
    assert [(h["kind"], h["action"]) for h in util["history"]] == [
        ("rollback", "restored"),
        ("deploy", "deployed"),
        ("deploy", "deployed"),
        ("deploy", "deployed"),
        ("deploy", "deployed"),
    ]
    assert [h["event"] for h in util["history"][1:4]] == [events[5], events[3], events[1]]
    # forced over stories 3 and 5: their change of Util is undone too, and the log says so
    assert [h["undoneBy"] for h in util["history"][:4]] == [None, *[forced["event"]] * 3]
    assert util["history"][0]["overLater"] == [events[5], events[3]]
    assert util["history"][1]["to"] == tip and util["history"][0]["rolledBack"] == events[1]
    assert all(
        h["who"] == "Test Author <author@example.com>" and h["when"] for h in util["history"]
    )
    helper = run_json(capsys, "log", "--env", "int", "--component", "ApexClass:S1Helper")
    actions = [(h["event"], h["action"], h["undoneBy"]) for h in helper["result"]["history"]]
    assert actions == [
        (rolled_4["result"]["event"], "restored", None),
        (events[4], "deployed", rolled_4["result"]["event"]),
        (events[1], "deployed", None),
    ]

    # a later deployment over a rolled-back component is not mistaken for work in the org
    git(repo, "checkout", "-q", "int")
    commit(repo, apex("Billing", " Integer v = 6; "), "Story 6: Billing fixed")
    sixth = run_json(capsys, "deploy", "--env", "int", "--yes")["result"]
    assert sixth["deployed"] == ["ApexClass:Billing"] and not sixth["forced"]
    assert "v = 6" in int_org.read_text("classes/Billing.cls")


@pytest.mark.e2e
def test_a_refused_rollback_changes_nothing_a_killed_one_is_settled_by_the_next_run(
    project: tuple[Path, str],
    orgs: tuple[OrgHandle, OrgHandle],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, empty = project
    int_org = orgs[0]
    git(repo, "checkout", "-q", "int")
    commit(repo, BASE, "Base")
    run_json(capsys, "deploy", "--env", "int", "--baseline", empty, "--yes")
    story = deploy_story(capsys, repo, "int", STORIES[2], "2")
    before = state.read_state(repo, "int")

    # the org refuses the rollback: no state ref moves, the org is as it was, the snapshot stays
    files = org_files(int_org)
    int_org.fail_next_deploy("ApexClass:Billing", "Variable does not exist: x", line=1)
    failed = run_json(capsys, "rollback", "--env", "int", "--only", "ApexClass:Billing",
                      "--yes", code=1)  # fmt: skip
    assert failed["name"] == "DeployFailed" and "Variable does not exist: x" in failed["message"]
    assert "refs/sfsync/envs/int are unchanged" in failed["message"]
    # the next step is a rollback's (a commit changes nothing a rollback sends)
    assert failed["message"].endswith(
        "(--except Type:Name), or first change in the org what they conflict with, and run the "
        "rollback again."
    )
    assert state.read_state(repo, "int") == before and org_files(int_org) == files
    kept = failed["data"]["snapshot"]
    assert git(repo, "rev-parse", "--verify", "-q", kept)
    assert journal_of(repo) is None

    marker = tmp_path / "paused"
    first = sfsync_process(
        repo,
        "rollback",
        "--env",
        "int",
        "--only",
        "ApexClass:S2Service",
        "--yes",
        env={"SFSYNC_PAUSE_AT": "deploy-started", "SFSYNC_PAUSE_FILE": str(marker)},
    )
    try:
        wait_for(marker, first, timeout=120)
    finally:
        first.kill()  # SIGKILL once the job is started and journaled: nothing recorded
        first.wait()
    assert state.read_state(repo, "int") == before
    assert journal_of(repo) is not None

    # the next rollback finishes the killed one first, records it, and does not redo it
    settled = run_json(capsys, "rollback", "--env", "int", "--yes", code=1)
    assert "that rollback is done" in settled["message"]
    newest = state.log(repo, "int")[0]
    assert newest.event.kind == "rollback" and newest.event.details["rolledBack"] == story
    assert newest.event.details["partial"] and newest.event.details["deleted"] == [
        "ApexClass:S2Service"
    ]
    assert not int_org.exists("classes/S2Service.cls")
    assert int_org.exists("classes/Billing.cls")  # the rest of story 2 stays
    assert newest.state == before.state  # a partial rollback leaves `deployed` alone
    assert journal_of(repo) is None


def journal_of(repo: Path) -> object:
    """The deploy journal a killed run left for int (None: none)."""
    from sfsync.org import jobs

    return jobs.read(gitrepo.common_dir(repo), "int")
