"""Merging by element end to end: the real `sf` against sfemu, through back-promote and
pull-upstream. Two sides changing different entries of one permission set is no conflict
any more, and the org then holds both changes; both changing one entry stops and names it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

import mergesamples as ms
from pipeline import git, write
from sfemu.emulator import OrgHandle
from sfsync.cli import reports
from wfpipeline import WfPipeline, last_deployment, run

pytestmark = pytest.mark.e2e

IN_ORG = "permissionsets/Sales.permissionset"  # the Metadata API's path
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}


def editable(org: OrgHandle) -> dict[str, bool]:
    """The org's Sales permission set: field -> editable."""
    root = ET.fromstring(org.read(IN_ORG))
    return {
        str(fp.findtext("md:field", namespaces=NS)): fp.findtext("md:editable", namespaces=NS)
        == "true"
        for fp in root.findall("md:fieldPermissions", NS)
    }


@pytest.fixture
def sales(wf: WfPipeline) -> WfPipeline:
    """The pipeline with the Sales permission set (BASE) on every branch and in every org."""
    wf.deploy("main", {ms.PATH: ms.permset(ms.BASE)}, "Add Sales")
    for branch in ("uat", "int"):
        git(wf.admin, "checkout", "-q", branch)
        git(wf.admin, "merge", "-q", "--ff-only", "main")
        git(wf.admin, "push", "-q", "origin", branch)
    for handle in wf.orgs.values():
        handle.put(IN_ORG, ms.permset(ms.BASE))
    return wf


def test_back_promote_merges_one_permission_set_changed_on_both_sides(
    sales: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    wf = sales
    wf.deploy("main", {ms.PATH: ms.permset(ms.THEIRS)}, "prod: Tier editable")
    wf.orgs["prod"].put(IN_ORG, ms.permset(ms.THEIRS))
    wf.deploy("int", {ms.PATH: ms.permset(ms.OURS)}, "int: Rating editable")
    wf.orgs["int"].put(IN_ORG, ms.permset(ms.OURS))  # what int's own deploy left there

    code, out = run(
        wf.admin, "back-promote", "--from", "prod", "--yes", monkeypatch=monkeypatch, capsys=capsys
    )

    assert code == 0, out
    envs = {e["env"]: e for e in out["result"]["envs"]}
    assert [envs[e]["status"] for e in ("uat", "int")] == ["done", "done"]
    assert envs["int"]["mergedByElement"] == [ms.PATH] and envs["int"]["conflictEntries"] == []
    assert f"**int: Merged by element (1)**\n\n- `{ms.PATH}`" in reports.back_promote(out["result"])
    assert last_deployment(wf.orgs["int"])["deployed"] == ["PermissionSet:Sales"]
    assert editable(wf.orgs["int"]) == ms.BOTH  # the org holds both changes
    assert editable(wf.orgs["uat"]) == ms.THEIRS  # a fast-forward there
    git(wf.admin, "fetch", "-q", "origin")
    assert git(wf.admin, "show", f"origin/int:{ms.PATH}") + "\n" == ms.permset(ms.BOTH)


def test_back_promote_stops_when_both_changed_one_entry_and_names_it(
    sales: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    wf = sales
    wf.deploy("main", {ms.PATH: ms.permset(ms.ADD_THEIRS)}, "prod adds Region read-only")
    int_before = wf.deploy("int", {ms.PATH: ms.permset(ms.ADD_OURS)}, "int adds Region editable")
    wf.orgs["int"].put(IN_ORG, ms.permset(ms.ADD_OURS))
    deployments_before = len(wf.orgs["int"].deployments())

    code, out = run(
        wf.admin, "back-promote", "--from", "prod", "--yes", monkeypatch=monkeypatch, capsys=capsys
    )

    assert code == 1, out
    assert "stopped at int (done: uat)" in out["message"]
    assert ms.REGION_CONFLICT in out["message"]
    assert [c["text"] for c in out["data"]["conflictEntries"]] == [ms.REGION_CONFLICT]
    assert len(wf.orgs["int"].deployments()) == deployments_before
    assert editable(wf.orgs["int"]) == ms.ADD_OURS
    assert git(wf.admin, "rev-parse", "origin/int") == int_before
    assert git(wf.admin, "worktree", "list").count("\n") == 0


def test_the_hint_of_a_back_promote_conflict_gets_the_merge_into_the_org(
    sales: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """The message says what to run, and running it works: the upper branch as the remote
    has it (a local branch of that name may be stale), then `sfsync deploy` (back-promote run
    again would find int up to date and deploy nothing)."""
    wf = sales
    wf.deploy("main", {ms.PATH: ms.permset(ms.ADD_THEIRS)}, "prod adds Region read-only")
    int_before = wf.deploy("int", {ms.PATH: ms.permset(ms.ADD_OURS)}, "int adds Region editable")
    wf.orgs["int"].put(IN_ORG, ms.permset(ms.ADD_OURS))

    code, out = run(
        wf.admin, "back-promote", "--from", "prod", "--yes", monkeypatch=monkeypatch, capsys=capsys
    )

    assert code == 1, out
    message = out["message"]
    assert "`git switch int && git merge --ff-only origin/int && git merge origin/uat`" in message
    assert "`sfsync deploy --env int`" in message and "run the same back-promote" not in message
    code, _ = run(
        wf.admin,
        *("install-hooks", "--merge-driver", "--no-hooks"),
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0
    bin_dir = str(Path(sys.executable).parent)  # the driver's `sfsync`, as a shell finds it
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    git(wf.admin, "switch", "-q", "int")
    git(wf.admin, "merge", "-q", "--ff-only", "origin/int")
    with pytest.raises(AssertionError, match="conflict: PermissionSet Sales: fieldPermissions"):
        git(wf.admin, "merge", "origin/uat")  # by element: the one entry named
    (wf.admin / ms.PATH).write_text(ms.permset(ms.ADD_THEIRS))  # prod's value wins
    git(wf.admin, "commit", "-qam", "Merge uat into int, Region read-only")
    git(wf.admin, "push", "-q", "origin", "int")
    code, out = run(
        wf.admin,
        *("deploy", "--env", "int", "--baseline", int_before, "--yes"),  # int's first deploy
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0, out
    assert editable(wf.orgs["int"]) == ms.ADD_THEIRS


def test_pull_upstream_merges_the_story_with_int_by_element(
    sales: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    wf = sales
    dev1 = wf.developer("dev1")
    wf.deploy("int", {ms.PATH: ms.permset(ms.THEIRS)}, "int: Tier editable")
    write(dev1, {ms.PATH: ms.permset(ms.OURS)}, "my story: Rating editable")
    wf.orgs["dev1"].put(IN_ORG, ms.permset(ms.OURS), by="Dana Dev")  # the story, deployed

    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)

    assert code == 0, out
    assert out["result"]["mergedByElement"] == [ms.PATH]
    assert last_deployment(wf.orgs["dev1"])["deployed"] == ["PermissionSet:Sales"]
    assert editable(wf.orgs["dev1"]) == ms.BOTH
    assert (dev1 / ms.PATH).read_text() == ms.permset(ms.BOTH)
    assert not (Path(dev1) / ".gitattributes").exists()
