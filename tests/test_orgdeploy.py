"""End-to-end: the shared deploy step, the real sf CLI against sfemu, real git."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sfemu.testing import LoggedInOrg
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.metadata import compute_delta
from sfsync.org import deploy as orgdeploy
from sfsync.org import sf, snapshots
from sfsync.pipeline import project
from workflows import apex, commit, expected_org, new_repo, org_files, seed

Login = Callable[..., LoggedInOrg]
BASE = {**apex("Foo", " Integer v = 1; "), **apex("Bar"), **apex("Keep")}
TIP = {**apex("Foo", " Integer v = 2; "), **apex("Baz"), **apex("Keep")}


@pytest.fixture
def int_org(sfemu_login: Login, sf_home: Path) -> LoggedInOrg:
    """Org `core-int`, emptied for the test (the login is shared by the session)."""
    org = sfemu_login("core-int")
    org.handle.reset()
    return org


def _repo(tmp_path: Path, org: LoggedInOrg) -> tuple[Path, str, str]:
    repo, base = new_repo(tmp_path, {"prod": "core-prod", "int": org.alias}, BASE)
    tip = commit(repo, {**TIP, **{p: None for p in apex("Bar")}}, "Change Foo, add Baz, drop Bar")
    return repo, base, tip


@pytest.mark.e2e
def test_step_deploys_exactly_the_delta_and_records_it(
    tmp_path: Path, int_org: LoggedInOrg
) -> None:
    repo, base, tip = _repo(tmp_path, int_org)
    seed(int_org.handle, BASE)
    proj = project.load(repo)
    env = proj.config.env("int")
    delta = compute_delta(repo, base, tip)

    result = orgdeploy.deploy_step(repo, env, delta, kind="deploy")

    assert org_files(int_org.handle) == expected_org(TIP)
    record = int_org.handle.deployments()[-1]
    assert sorted(record["deployed"]) == ["ApexClass:Baz", "ApexClass:Foo"]
    assert record["deleted"] == ["ApexClass:Bar"]
    assert result.sf_invocations == 3  # retrieve, deploy --async, deploy resume
    assert result.deployed == ("ApexClass:Baz", "ApexClass:Foo")
    assert result.deleted == ("ApexClass:Bar",)
    # the event, compare-and-swapped onto the env's chain
    current = state.read_state(repo, "int")
    assert current.commit == result.record.commit if result.record else False
    assert current.state.deployed == tip
    event = state.log(repo, "int")[0].event
    assert event.kind == "deploy" and event.from_sha == base and event.to_sha == tip
    assert event.details["deployId"] == record["id"]
    # the snapshot holds what the org had: Foo v1 and Bar, and knows Baz was absent
    assert result.snapshot is not None
    snap = snapshots.read(repo, "int", result.snapshot.id)
    assert snap.present == ("ApexClass:Bar", "ApexClass:Foo")
    assert snap.absent == ("ApexClass:Baz",)
    kept = snapshots.files(repo, snap)
    assert (
        kept["force-app/main/default/classes/Foo.cls"]
        == BASE["force-app/main/default/classes/Foo.cls"].encode()
    )


@pytest.mark.e2e
def test_work_only_in_the_org_stops_the_step(tmp_path: Path, int_org: LoggedInOrg) -> None:
    repo, base, tip = _repo(tmp_path, int_org)
    seed(int_org.handle, BASE)
    int_org.handle.put("classes/Foo.cls", "public class Foo { /* hotfix */ }\n", by="Jane Admin")
    before = org_files(int_org.handle)
    env = project.load(repo).config.env("int")
    calls = sf.invocations()

    with pytest.raises(orgdeploy.InOrgWork) as caught:
        orgdeploy.deploy_step(repo, env, compute_delta(repo, base, tip), kind="deploy")

    assert "ApexClass:Foo (changed in the org by Jane Admin" in caught.value.message
    assert sf.invocations() - calls == 1  # the retrieve only
    assert org_files(int_org.handle) == before
    assert state.read_state(repo, "int").commit is None
    assert snapshots.list_snapshots(repo, "int") == []


@pytest.mark.e2e
def test_skip_leaves_org_work_alone_and_deploys_the_rest(
    tmp_path: Path, int_org: LoggedInOrg
) -> None:
    repo, base, tip = _repo(tmp_path, int_org)
    seed(int_org.handle, BASE)
    hotfix = "public class Foo { /* hotfix */ }\n"
    int_org.handle.put("classes/Foo.cls", hotfix, by="Jane Admin")
    env = project.load(repo).config.env("int")

    result = orgdeploy.deploy_step(
        repo, env, compute_delta(repo, base, tip), kind="back-promote", policy="skip"
    )

    assert [c.component for c in result.skipped] == ["ApexClass:Foo"]
    assert int_org.handle.read_text("classes/Foo.cls") == hotfix
    assert int_org.handle.deployments()[-1]["deployed"] == ["ApexClass:Baz"]
    assert state.read_state(repo, "int").state.skipped == ("ApexClass:Foo",)


@pytest.mark.e2e
def test_rerun_after_a_crash_finds_the_org_already_deployed(
    tmp_path: Path, int_org: LoggedInOrg
) -> None:
    repo, base, tip = _repo(tmp_path, int_org)
    seed(int_org.handle, {**TIP, **apex("Bar")})  # Foo v2 and Baz arrived, no event recorded
    env = project.load(repo).config.env("int")

    result = orgdeploy.deploy_step(repo, env, compute_delta(repo, base, tip), kind="deploy")

    assert sorted(result.already) == ["ApexClass:Baz", "ApexClass:Foo"]
    assert org_files(int_org.handle) == expected_org(TIP)


@pytest.mark.e2e
def test_deletion_only_step_with_a_progress_bar(tmp_path: Path, int_org: LoggedInOrg) -> None:
    repo, base = new_repo(tmp_path, {"prod": "core-prod", "int": int_org.alias}, BASE)
    tip = commit(repo, {p: None for p in apex("Bar")}, "Drop Bar")
    seed(int_org.handle, BASE)
    env = project.load(repo).config.env("int")
    seen: list[sf.Progress] = []

    result = orgdeploy.deploy_step(
        repo, env, compute_delta(repo, base, tip), kind="deploy", on_progress=seen.append
    )

    assert result.deployed == () and result.deleted == ("ApexClass:Bar",)
    assert "ApexClass:Bar" not in int_org.handle.components()
    assert int_org.handle.deployments()[-1]["deleted"] == ["ApexClass:Bar"]
    assert seen and seen[-1].status == "Succeeded" and seen[-1].total == 1
    assert result.sf_invocations == 2 + len(seen)  # retrieve, deploy --async, one report per poll


def test_a_state_ref_moved_since_planning_stops_before_any_sf_call(tmp_path: Path) -> None:
    repo, base = new_repo(tmp_path, {"prod": "core-prod", "int": "core-int"}, BASE)
    tip = commit(repo, apex("Baz"), "Add Baz")
    env = project.load(repo).config.env("int")
    state.append_event(repo, "int", state.Event(kind="deploy"), state.EnvState(), None)
    calls = sf.invocations()

    with pytest.raises(state.StateConflict, match="changed since this run read it"):
        orgdeploy.deploy_step(
            repo, env, compute_delta(repo, base, tip), kind="deploy", expected_state=None
        )

    assert sf.invocations() == calls
    assert not (gitrepo.common_dir(repo) / "sfsync" / "locks" / "int.lock").exists()


SITE = "force-app/main/default/experiences"


def _site(home_title: str) -> dict[str, str]:
    ns = "http://soap.sforce.com/2006/04/metadata"
    return {
        f"{SITE}/Partners1.site-meta.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ExperienceBundle xmlns="{ns}">\n'
            "    <label>Partners</label>\n    <type>customSite</type>\n</ExperienceBundle>\n"
        ),
        f"{SITE}/Partners1/config/partners.json": '{\n  "type": "site"\n}\n',
        f"{SITE}/Partners1/views/home.json": f'{{\n  "label": "{home_title}"\n}}\n',
    }


@pytest.mark.e2e
def test_a_change_to_an_experience_site_is_snapshotted_and_deployed(
    tmp_path: Path, int_org: LoggedInOrg
) -> None:
    # the snapshot retrieve of a site used to fail ("Expected source files for type
    # 'ExperienceBundle'"): the org kept the .site-meta.xml and dropped the site's folder
    repo, base = new_repo(tmp_path, {"prod": "core-prod", "int": int_org.alias}, _site("Home"))
    tip = commit(repo, _site("Welcome"), "Rename the home view")
    seed(int_org.handle, _site("Home"))
    env = project.load(repo).config.env("int")

    result = orgdeploy.deploy_step(repo, env, compute_delta(repo, base, tip), kind="deploy")

    assert result.deployed == ("ExperienceBundle:Partners1",)
    assert '"Welcome"' in int_org.handle.read_text("experiences/Partners1/views/home.json")
    assert int_org.handle.exists("experiences/Partners1/config/partners.json")
    assert result.snapshot is not None
    snap = snapshots.read(repo, "int", result.snapshot.id)
    kept = snapshots.files(repo, snap)
    assert '"Home"' in kept[f"{SITE}/Partners1/views/home.json"].decode()
