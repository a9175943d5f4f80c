"""back-promote: the walk and its plan (real git), and, marked e2e, the real sf against sfemu."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline import CLASSES, Pipeline, git
from sfsync.cli import app
from sfsync.errors import UsageError
from sfsync.git import journal, state
from sfsync.git import repo as gitrepo
from sfsync.pipeline import project
from sfsync.workflows import backpromote
from wfpipeline import (
    CONFIG,
    WfPipeline,
    apex,
    class_text,
    last_deployment,
    run,
    sfsync_process,
    wait_for,
)


@pytest.fixture
def pipe(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path, CONFIG)


def _names(p: backpromote.Plan) -> list[str]:
    return [s.env.name for s in p.steps]


def test_walk_goes_down_level_by_level(pipe: Pipeline) -> None:
    proj = project.load(pipe.admin)
    assert _names(backpromote.plan(proj, "prod", fetch=False)) == ["uat", "int"]
    every = backpromote.plan(proj, "prod", sandboxes=True, fetch=False)
    assert _names(every) == ["uat", "int", "dev1", "dev2"]
    # a lower target brings the envs between it and --from along
    assert _names(backpromote.plan(proj, "prod", ["int"], fetch=False)) == ["uat", "int"]
    assert _names(backpromote.plan(proj, "uat", ["dev2"], fetch=False)) == ["int", "dev2"]
    with pytest.raises(UsageError, match="not below int"):
        backpromote.plan(proj, "int", ["uat"], fetch=False)
    with pytest.raises(UsageError, match="add --sandboxes"):
        backpromote.plan(proj, "int", fetch=False)


def test_plan_predicts_each_merge_through_the_chain(pipe: Pipeline) -> None:
    pipe.deploy("main", apex("Hotfix"), "prod hotfix")
    pipe.deploy("int", apex("Story"), "a story on int")
    user_head = git(pipe.admin, "rev-parse", "HEAD")
    p = backpromote.plan(project.load(pipe.admin), "prod", sandboxes=True, fetch=False)
    by_env = {s.env.name: s for s in p.steps}
    assert by_env["uat"].deploy == ("ApexClass:Hotfix",)
    assert by_env["int"].deploy == ("ApexClass:Hotfix",)  # what uat will hold, not uat today
    # dev1/dev2 were never synced: skipped with the way out
    assert "mark-synced" in (by_env["dev1"].skip_reason or "")
    assert git(pipe.admin, "rev-parse", "HEAD") == user_head
    assert git(pipe.admin, "worktree", "list").count("\n") == 0


def test_dry_run_json(pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    pipe.deploy("main", apex("Hotfix"), "prod hotfix")
    code, out = run(
        pipe.admin,
        "back-promote",
        "--from",
        "prod",
        "--dry-run",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0
    steps = out["result"]["plan"]["steps"]
    assert [(s["env"], s["deploy"]) for s in steps] == [
        ("uat", ["ApexClass:Hotfix"]),
        ("int", ["ApexClass:Hotfix"]),
    ]


def test_dry_run_for_a_person(pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    pipe.deploy("main", apex("Hotfix"), "prod hotfix")
    pipe.deploy("int", apex("Base", "// int"), "int changes Base")
    pipe.deploy("main", apex("Base", "// prod"), "prod changes Base")
    monkeypatch.chdir(pipe.admin)
    capsys.readouterr()
    assert app.main(["back-promote", "--from", "prod", "--sandboxes", "--dry-run"]) == 0
    human = capsys.readouterr().out
    assert "uat (uat) <- prod: ApexClass:Base, ApexClass:Hotfix" in human
    assert f"int (int) <- uat: merge conflicts in {CLASSES}/Base.cls" in human
    assert "dev1 (sandbox) <- int: skip, never synced" in human


def test_jobs_must_be_at_least_one(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, out = run(
        pipe.admin, "back-promote", "--from", "prod", "--jobs", "0", "--dry-run",
        monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert code == 2 and "--jobs" in out["message"]
    with pytest.raises(UsageError, match="at least 1"):
        backpromote.execute(
            project.load(pipe.admin), backpromote.plan(project.load(pipe.admin), "prod"), jobs=0
        )


# --- end to end ---------------------------------------------------------------------------


@pytest.mark.e2e
def test_from_prod_walks_to_uat_int_and_the_sandboxes(
    wf: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    wf.deploy("int", apex("Story"), "a story already on int (and in the sandboxes)")
    dev1 = wf.developer("dev1", synced=False)  # never synced: skipped, with the way out
    wf.developer("dev2")
    hotfix = wf.deploy("main", {**apex("Hotfix"), **apex("Base", "// hotfix")}, "prod hotfix")
    edit = class_text("Base", "// dev2 is working on it")
    wf.orgs["dev2"].put("classes/Base.cls", edit, by="Dana Dev")
    user_head = git(wf.admin, "rev-parse", "HEAD")

    code, out = run(
        dev1,
        "back-promote",
        "--from",
        "prod",
        "--sandboxes",
        "--yes",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert code == 0, out
    envs = {e["env"]: e for e in out["result"]["envs"]}
    assert [e["env"] for e in out["result"]["envs"]] == ["uat", "int", "dev1", "dev2"]
    assert [e["status"] for e in envs.values()] == ["done", "done", "skipped", "done"]
    # retrieve, deploy --async, deploy resume
    assert [envs[e]["sfInvocations"] for e in ("uat", "int", "dev2")] == [3, 3, 3]
    assert "mark-synced --env dev1" in envs["dev1"]["reason"]
    git(wf.admin, "fetch", "-q", "origin")
    for branch in ("uat", "int"):
        assert gitrepo.is_ancestor(wf.admin, hotfix, f"origin/{branch}")
    hotfix_base = wf.git_text("origin/main", "Base")
    for env in ("uat", "int"):
        org = wf.orgs[env]
        assert org.read_text("classes/Base.cls") == hotfix_base, env
        assert org.read_text("classes/Hotfix.cls") == wf.git_text("origin/main", "Hotfix")
        assert sorted(last_deployment(org)["deployed"]) == ["ApexClass:Base", "ApexClass:Hotfix"]
    # dev2 changed Base in its sandbox: skipped and reported, never overwritten
    assert wf.orgs["dev2"].read_text("classes/Base.cls") == edit
    assert last_deployment(wf.orgs["dev2"])["deployed"] == ["ApexClass:Hotfix"]
    assert [s["component"] for s in envs["dev2"]["skipped"]] == ["ApexClass:Base"]
    assert "Dana Dev" in envs["dev2"]["skipped"][0]["lastModifiedByName"]
    int_tip = git(wf.admin, "rev-parse", "origin/int")
    dev2_state = state.read_state(dev1, "dev2").state
    assert dev2_state.synced_to == int_tip and dev2_state.skipped == ("ApexClass:Base",)
    assert state.read_state(dev1, "dev1").state.synced_to is None
    assert wf.orgs["dev1"].deployments() == []
    assert state.read_state(dev1, "int").state.deployed == int_tip
    # the user's own working tree was never touched, and no temporary worktree is left
    assert git(wf.admin, "rev-parse", "HEAD") == user_head
    assert git(dev1, "worktree", "list").count("\n") == 0
    assert git(dev1, "status", "--porcelain") == ""
    # dev2 stays behind on the component it kept
    code, status = run(dev1, "status", "--env", "dev2", monkeypatch=monkeypatch, capsys=capsys)
    assert status["result"]["environments"][0]["componentsBehind"] == ["ApexClass:Base"]


@pytest.mark.e2e
def test_a_conflict_stops_at_that_env_and_names_the_envs_done(
    wf: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    wf.deploy("main", apex("Base", "// prod"), "prod changes Base")
    git(wf.admin, "checkout", "-q", "uat")  # uat has it already: nothing to deploy there
    git(wf.admin, "merge", "-q", "--ff-only", "main")
    git(wf.admin, "push", "-q", "origin", "uat")
    int_before = wf.deploy("int", apex("Base", "// int"), "int changes Base too")
    int_org = wf.orgs["int"]
    deployments_before = len(int_org.deployments())

    code, out = run(
        wf.admin,
        "back-promote",
        "--from",
        "prod",
        "--yes",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert code == 1, out
    assert "stopped at int (done: uat)" in out["message"]
    assert f"{CLASSES}/Base.cls" in out["message"]
    assert out["data"]["failed"] == "int"
    assert [e["status"] for e in out["data"]["done"]] == ["up-to-date"]
    assert len(int_org.deployments()) == deployments_before
    assert git(wf.admin, "rev-parse", "origin/int") == int_before
    assert git(wf.admin, "worktree", "list").count("\n") == 0


@pytest.mark.e2e
def test_parallel_sandboxes_a_failure_does_not_stop_the_others(
    wf: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = wf.developer("dev1")
    wf.developer("dev2")
    synced = state.read_state(dev1, "dev1").state.synced_to
    wf.deploy("int", apex("Story", "// v2"), "a story on int")
    wf.orgs["dev1"].fail_next_deploy("ApexClass:Story", "Variable does not exist: x", line=3)

    code, out = run(
        dev1,
        "back-promote",
        "--from",
        "int",
        "--sandboxes",
        "--jobs",
        "2",
        "--yes",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert code == 1, out
    assert out["name"] == "SandboxesFailed"
    assert out["message"].startswith("back-promote from int: 1 of 2 sandboxes failed")
    assert "dev1: deploy to org 'wf-dev1' failed" in out["message"]
    envs = {e["env"]: e for e in out["data"]["envs"]}
    assert [e["env"] for e in out["data"]["envs"]] == ["dev1", "dev2"]
    assert (envs["dev1"]["status"], envs["dev2"]["status"]) == ("failed", "done")
    assert envs["dev1"]["error"]["name"] == "DeployFailed"
    assert envs["dev1"]["error"]["data"]["failures"][0]["component"] == "ApexClass:Story"
    # dev2 got the story; dev1's org and sync point are as they were
    story = wf.git_text("origin/int", "Story")
    assert wf.orgs["dev2"].read_text("classes/Story.cls") == story
    assert not wf.orgs["dev1"].exists("classes/Story.cls")
    assert state.read_state(dev1, "dev1").state.synced_to == synced
    git(dev1, "fetch", "-q", "origin", "refs/sfsync/*:refs/sfsync/*")
    int_tip = git(dev1, "rev-parse", "origin/int")
    assert state.read_state(dev1, "dev2").state.synced_to == int_tip
    # the same command again finishes dev1; dev2 is already up to date
    code, out = run(
        dev1,
        "back-promote",
        "--from",
        "int",
        "--sandboxes",
        "--yes",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0, out
    assert [(e["env"], e["status"]) for e in out["result"]["envs"]] == [
        ("dev1", "done"),
        ("dev2", "up-to-date"),
    ]
    assert wf.orgs["dev1"].read_text("classes/Story.cls") == story


def test_kill_9_after_the_merge_resumes_with_the_same_merge(pipe: Pipeline, tmp_path: Path) -> None:
    pipe.deploy("main", apex("Hotfix"), "prod hotfix")
    uat_before = git(pipe.admin, "rev-parse", "origin/uat")
    marker = tmp_path / "paused"
    first = sfsync_process(
        pipe.admin,
        "back-promote",
        "--from",
        "prod",
        "--yes",
        env={"SFSYNC_PAUSE_AT": "back-promote-deploy", "SFSYNC_PAUSE_FILE": str(marker)},
    )
    try:
        wait_for(marker, first)
    finally:
        first.kill()
        first.wait()
    # nothing pushed, the temporary worktree is gone, the merge is journaled
    assert git(pipe.admin, "rev-parse", "origin/uat") == uat_before
    assert git(pipe.admin, "worktree", "list").count("\n") == 0
    pending = journal.read(gitrepo.common_dir(pipe.admin), "uat")
    assert pending is not None
    merged = pending["merged"]
    assert gitrepo.commit_parents(pipe.admin, merged) == [
        uat_before,
        git(pipe.admin, "rev-parse", "origin/main"),
    ]
    again = backpromote.plan(project.load(pipe.admin), "prod")
    uat = again.steps[0]
    assert uat.resume_merged == merged and uat.deploy == ("ApexClass:Hotfix",)
    assert again.steps[1].upper_sha == merged  # int is planned on top of the same merge
