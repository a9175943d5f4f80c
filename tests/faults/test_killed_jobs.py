"""The fault matrix, killed-job rows: a command that started a deploy job in an org is
killed (kill -9, with its `sf`) while the job is polled; the same command run again settles
the job as `sfsync deploy` does (`sfsync.org.jobs`): it waits for it, records what it did,
frees the env's lock and its claim on the remote, and then does what is still to do.

Rows: `compare --deploy`; the first `deploy --baseline` followed by a new commit; the other
commands that start a deploy job: pull-upstream, back-promote, rollback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from killing import kill_while_polled, parsed
from pipeline import Pipeline, git
from runs import sfsync
from sfemu.emulator import OrgEmulator
from sfsync.git import lease, locks, state
from sfsync.git import repo as gitrepo
from sfsync.org import jobs
from wfpipeline import WfPipeline, apex, class_text


def _settled_everything(wf: WfPipeline, env: str, repo: Path | None = None) -> None:
    """Nothing of the killed run is left: no journal, no lock, no claim, the remote agrees."""
    repo = repo or wf.admin
    common = gitrepo.common_dir(repo)
    assert jobs.read(common, env) is None
    assert locks.owner(common, env) is None
    assert lease.active_claim(repo, env) is None
    assert git(wf.remote, "rev-parse", f"refs/sfsync/envs/{env}") == git(
        repo, "rev-parse", f"refs/sfsync/envs/{env}"
    )


@pytest.mark.e2e
def test_compare_deploy_killed_while_polled_is_settled_by_the_next_run(
    wf: WfPipeline, sfemu: OrgEmulator
) -> None:
    admin, uat, org = wf.admin, wf.orgs["uat"], wf.orgs["int"]
    log = sfemu.root.path / "requests.log"
    uat.put("classes/Base.cls", class_text("Base", "// hotfix made in uat"))
    command = ("compare", "uat", "int", "--deploy", "ApexClass:Base", "--yes")
    org.stay_in_progress(polls=6)

    kill_while_polled(admin, log, *command)

    assert jobs.read(gitrepo.common_dir(admin), "int") is not None  # what the next run settles
    code, out = sfsync(admin, *command, "--dry-run", "--json")
    assert code == 0, out
    dry = parsed(out)["result"]
    assert "has an unrecorded deploy" in dry["interrupted"][0]

    code, out = sfsync(admin, *command, "--json")

    assert code == 0, out
    result = parsed(out)["result"]
    assert any("succeeded; recorded it" in note for note in result["interrupted"]), result
    assert result["plan"]["done"] == ["ApexClass:Base"]
    assert org.read_text("classes/Base.cls") == class_text("Base", "// hotfix made in uat")
    records = [r for r in state.log(admin, "int") if r.event.kind == "compare-deploy"]
    assert len(records) == 1
    assert records[0].event.details["deployId"] == org.deployments()[-1]["id"]
    assert records[0].event.components == ("ApexClass:Base",)
    _settled_everything(wf, "int")


@pytest.mark.e2e
def test_compare_deploy_killed_job_the_org_refused_is_deployed_again(
    wf: WfPipeline, sfemu: OrgEmulator
) -> None:
    admin, uat, org = wf.admin, wf.orgs["uat"], wf.orgs["int"]
    log = sfemu.root.path / "requests.log"
    uat.put("classes/Base.cls", class_text("Base", "// hotfix made in uat"))
    command = ("compare", "uat", "int", "--deploy", "ApexClass:Base", "--yes")
    org.fail_next_deploy("ApexClass:Base", "Variable does not exist: hotfix", line=1)
    org.stay_in_progress(polls=6)

    kill_while_polled(admin, log, *command)
    code, out = sfsync(admin, *command, "--json")

    assert code == 0, out
    result = parsed(out)["result"]
    assert any("ended Failed; nothing of it was recorded" in n for n in result["interrupted"])
    assert result["step"]["deployed"] == ["ApexClass:Base"]
    assert org.read_text("classes/Base.cls") == class_text("Base", "// hotfix made in uat")
    assert [r.event.kind for r in state.log(admin, "int")][:2] == ["compare-deploy", "claim"]
    _settled_everything(wf, "int")


@pytest.mark.e2e
def test_first_deploy_with_a_baseline_killed_then_a_new_commit(
    wf: WfPipeline, sfemu: OrgEmulator
) -> None:
    admin, org = wf.admin, wf.orgs["int"]
    log = sfemu.root.path / "requests.log"
    start = git(admin, "rev-parse", "origin/int")
    v2 = wf.deploy("int", apex("Base", "// v2"), "Base v2")
    command = ("deploy", "--env", "int", "--baseline", start, "--yes")
    org.stay_in_progress(polls=6)

    kill_while_polled(admin, log, *command)
    v3 = wf.deploy("int", apex("Base", "// v3"), "Base v3")
    code, out = sfsync(admin, *command, "--json")

    assert code == 0, out
    plan = parsed(out)["result"]["plan"]
    assert any("succeeded; recorded it" in note for note in plan["interrupted"]), plan
    assert (plan["from"], plan["to"], plan["baseline"]) == (v2, v3, "recorded")
    assert org.read_text("classes/Base.cls") == wf.git_text("origin/int", "Base")
    deploys = [r for r in state.log(admin, "int") if r.event.kind == "deploy"]
    assert [(r.event.from_sha, r.event.to_sha) for r in deploys] == [(v2, v3), (start, v2)]
    assert state.read_state(admin, "int").state.deployed == v3
    _settled_everything(wf, "int")


@pytest.mark.e2e
def test_pull_upstream_killed_while_polled_is_settled_by_the_next_run(
    wf: WfPipeline, sfemu: OrgEmulator
) -> None:
    dev1, org = wf.developer("dev1"), wf.orgs["dev1"]
    log = sfemu.root.path / "requests.log"
    up = wf.deploy("int", {**apex("Foo"), **apex("Base", "// v2")}, "Foo, Base v2")
    git(dev1, "fetch", "-q", "origin")
    org.stay_in_progress(polls=6)

    kill_while_polled(dev1, log, "pull-upstream", "--yes")
    code, out = sfsync(dev1, "pull-upstream", "--yes", "--json")

    assert code == 0, out
    assert org.read_text("classes/Foo.cls") == wf.git_text("origin/int", "Foo")
    assert org.read_text("classes/Base.cls") == wf.git_text("origin/int", "Base")
    assert state.read_state(dev1, "dev1").state.synced_to == up
    pulls = [r for r in state.log(dev1, "dev1") if r.event.kind == "pull-upstream"]
    assert len(pulls) == 1 and pulls[0].event.details["deployId"] == org.deployments()[-1]["id"]
    _settled_everything(wf, "dev1", dev1)


@pytest.mark.e2e
def test_back_promote_killed_while_polled_is_settled_by_the_next_run(
    wf: WfPipeline, sfemu: OrgEmulator
) -> None:
    admin, uat, int_org = wf.admin, wf.orgs["uat"], wf.orgs["int"]
    log = sfemu.root.path / "requests.log"
    wf.deploy("main", apex("Hotfix"), "prod hotfix")
    uat.stay_in_progress(polls=6)
    command = ("back-promote", "--from", "prod", "--to", "uat", "--to", "int", "--yes")

    kill_while_polled(admin, log, *command)
    code, out = sfsync(admin, *command, "--json")

    assert code == 0, out
    for env, org in (("uat", uat), ("int", int_org)):
        assert org.read_text("classes/Hotfix.cls") == wf.git_text("origin/main", "Hotfix")
        kinds = [r.event.kind for r in state.log(admin, env)]
        assert kinds.count("back-promote") == 1, kinds
        _settled_everything(wf, env)


@pytest.mark.e2e
def test_rollback_killed_while_polled_is_recorded_not_undone_twice(
    wf: WfPipeline, sfemu: OrgEmulator
) -> None:
    admin, org = wf.admin, wf.orgs["int"]
    log = sfemu.root.path / "requests.log"
    start = git(admin, "rev-parse", "origin/int")
    v1 = org.read_text("classes/Base.cls")
    wf.deploy("int", apex("Base", "// v2"), "Base v2")
    code, out = sfsync(admin, "deploy", "--env", "int", "--baseline", start, "--yes", "--json")
    assert code == 0, out
    org.stay_in_progress(polls=6)

    kill_while_polled(admin, log, "rollback", "--env", "int", "--yes")
    code, out = sfsync(admin, "rollback", "--env", "int", "--yes", "--json")

    assert code == 1, out  # the answer is no: that rollback is done, and recorded now
    message = parsed(out)["message"]
    assert "succeeded; recorded it" in message and "that rollback is done" in message
    assert org.read_text("classes/Base.cls") == v1
    kinds = [r.event.kind for r in state.log(admin, "int")]
    assert kinds.count("rollback") == 1 and kinds[0] == "rollback", kinds
    _settled_everything(wf, "int")


@pytest.mark.parametrize("kind", ["compare-deploy", "deploy", "rollback"])
def test_every_event_a_deploy_step_records_ends_its_claim(tmp_path: Path, kind: str) -> None:
    pipe = Pipeline(tmp_path)
    repo = pipe.admin
    held = lease.claim(repo, "int", "origin", command=kind)
    assert held is not None and lease.active_claim(repo, "int") is not None

    state.update(repo, "int", state.Event(kind=kind), lambda s: s)

    assert lease.active_claim(repo, "int") is None
