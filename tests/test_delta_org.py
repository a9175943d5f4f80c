"""End-to-end: what a delta does to an org, the real sf CLI against sfemu, real git.

A permission set survives a one-entry change (the org replaces it with what is deployed),
a profile keeps what the pruned copy leaves out (the org overlays it), and a deleted active
flow is deactivated, then deleted, in `deploy_step` and through `sfsync deploy`; a re-run
finds it gone and succeeds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sfemu.testing import LoggedInOrg
from sfsync.__main__ import main
from sfsync.metadata import compute_delta
from sfsync.org import deploy as orgdeploy
from sfsync.pipeline import project
from workflows import apex, commit, new_repo

Login = Callable[..., LoggedInOrg]
SRC = "force-app/main/default"
NS = "http://soap.sforce.com/2006/04/metadata"
FIELD = (
    "    <fieldPermissions>\n        <editable>{1}</editable>\n        <field>{0}</field>\n"
    "        <readable>true</readable>\n    </fieldPermissions>\n"
)
IP = (
    "    <loginIpRanges>\n        <endAddress>{0}</endAddress>\n"
    "        <startAddress>{0}</startAddress>\n    </loginIpRanges>\n"
)
FLOW = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<Flow xmlns="{NS}">\n'
    "    <label>Onboard</label>\n    <processType>AutoLaunchedFlow</processType>\n"
    "    <status>Active</status>\n</Flow>\n"
)


def _doc(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'


@pytest.fixture
def int_org(sfemu_login: Login, sf_home: Path) -> LoggedInOrg:
    """Org `delta-int`, emptied for the test (the login is shared by the session)."""
    org = sfemu_login("delta-int")
    org.handle.reset()
    return org


def _setup(
    tmp_path: Path, org: LoggedInOrg, files: dict[str, str], org_files: dict[str, str]
) -> tuple[Path, str]:
    repo, base = new_repo(tmp_path, {"prod": "delta-prod", "int": org.alias}, files)
    org.handle.put_many(org_files, by="Admin User")
    return repo, base


@pytest.mark.e2e
def test_a_permission_set_change_keeps_every_entry_in_the_org(
    tmp_path: Path, int_org: LoggedInOrg
) -> None:
    fields = [f"Account.F{i:02d}__c" for i in range(46)]
    body = "    <label>Sales</label>\n" + "".join(FIELD.format(f, "true") for f in fields)
    path = f"{SRC}/permissionsets/Sales.permissionset-meta.xml"
    repo, base = _setup(
        tmp_path,
        int_org,
        {path: _doc("PermissionSet", body)},
        {"permissionsets/Sales.permissionset": _doc("PermissionSet", body)},
    )
    changed = body.replace(FIELD.format(fields[7], "true"), FIELD.format(fields[7], "false"))
    tip = commit(repo, {path: _doc("PermissionSet", changed)}, "One field permission")
    env = project.load(repo).config.env("int")

    orgdeploy.deploy_step(repo, env, compute_delta(repo, base, tip), kind="deploy")

    held = int_org.handle.read_text("permissionsets/Sales.permissionset")
    assert held.count("<fieldPermissions>") == 46
    assert FIELD.format(fields[7], "false").strip() in held


@pytest.mark.e2e
def test_a_profile_change_keeps_what_the_pruned_copy_leaves_out(
    tmp_path: Path, int_org: LoggedInOrg
) -> None:
    body = (
        "    <custom>true</custom>\n"
        + FIELD.format("Account.A__c", "true")
        + FIELD.format("Account.B__c", "true")
        + IP.format("10.0.0.1")
        + IP.format("10.0.0.2")
        + "    <userLicense>Salesforce</userLicense>\n"
    )
    path = f"{SRC}/profiles/Support.profile-meta.xml"
    repo, base = _setup(
        tmp_path,
        int_org,
        {path: _doc("Profile", body)},
        {"profiles/Support.profile": _doc("Profile", body)},
    )
    changed = body.replace(IP.format("10.0.0.2"), IP.format("10.0.0.3")).replace(
        FIELD.format("Account.B__c", "true"), FIELD.format("Account.B__c", "false")
    )
    tip = commit(repo, {path: _doc("Profile", changed)}, "IP range and B")
    env = project.load(repo).config.env("int")
    delta = compute_delta(repo, base, tip, load_sources=True)
    assert "Account.A__c" not in delta.contents[path].decode()  # pruned ...
    assert "10.0.0.1" in delta.contents[path].decode()  # ... but the IP ranges go whole

    orgdeploy.deploy_step(repo, env, delta, kind="deploy")

    held = int_org.handle.read_text("profiles/Support.profile")
    assert "<field>Account.A__c</field>" in held  # left out of the copy, kept by the org
    assert "10.0.0.1" in held and "10.0.0.3" in held and "10.0.0.2" not in held


@pytest.mark.e2e
def test_a_deleted_active_flow_is_deactivated_then_deleted(
    tmp_path: Path, int_org: LoggedInOrg
) -> None:
    flow = f"{SRC}/flows/Onboard.flow-meta.xml"
    repo, base = _setup(
        tmp_path, int_org, {flow: FLOW, **apex("Keep")}, {"flows/Onboard.flow": FLOW}
    )
    tip = commit(repo, {flow: None}, "Drop the onboarding flow")
    env = project.load(repo).config.env("int")
    delta = compute_delta(repo, base, tip)
    assert delta.destructive == {"Flow": ["Onboard"]}

    result = orgdeploy.deploy_step(repo, env, delta, kind="deploy")

    assert result.deleted == ("Flow:Onboard",)
    assert not int_org.handle.exists("flows/Onboard.flow")
    record = int_org.handle.deployments()[-1]
    assert record["deleted"] == ["Flow:Onboard"]
    assert result.record is not None
    # a re-run (the event lost, say): the flow is gone, nothing is deactivated or deleted
    again = orgdeploy.deploy_step(repo, env, delta, kind="deploy")
    assert again.deleted == () and "Flow:Onboard" in again.already
    assert len(int_org.handle.deployments()) == 1


@pytest.mark.e2e
def test_sfsync_deploy_deletes_an_active_flow(
    tmp_path: Path,
    int_org: LoggedInOrg,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flow = f"{SRC}/flows/Onboard.flow-meta.xml"
    repo, base = _setup(tmp_path, int_org, {flow: FLOW}, {"flows/Onboard.flow": FLOW})
    commit(repo, {flow: None}, "Drop the onboarding flow")
    monkeypatch.chdir(repo)

    code = main(["deploy", "--env", "int", "--baseline", base, "--yes", "--json"])

    envelope = json.loads(capsys.readouterr().out)
    assert code == 0, envelope
    assert envelope["result"]["deleted"] == ["Flow:Onboard"]
    assert not int_org.handle.exists("flows/Onboard.flow")
