"""pull-upstream: the git side (real repositories) and, marked e2e, the real sf against sfemu."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline import CLASSES, Pipeline, git, write
from sfsync.cli import app
from sfsync.errors import UsageError
from sfsync.git import journal, state
from sfsync.git import repo as gitrepo
from sfsync.pipeline import behind, project
from sfsync.workflows import pull
from wfpipeline import (
    WfPipeline,
    apex,
    class_text,
    last_deployment,
    run,
    sfsync_process,
    wait_for,
)

# --- git side: no org is touched before the merge succeeds --------------------------------


@pytest.fixture
def pipe(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path)


def test_plan_lists_deployments_and_the_predicted_delta(pipe: Pipeline) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", {**apex("Foo"), **apex("Bar")}, "Add Foo and Bar")
    pipe.deploy(
        "int", {f"{CLASSES}/Bar.cls": None, f"{CLASSES}/Bar.cls-meta.xml": None}, "Drop Bar"
    )
    write(dev1, apex("Mine"), "my story")
    head = git(dev1, "rev-parse", "HEAD")

    with pytest.raises(UsageError, match="--exclude ApexClass:Nope: not part of this pull"):
        pull.plan(project.load(dev1), None, ["ApexClass:Nope"])
    p = pull.plan(project.load(dev1), None)

    assert [d.subject for d in p.deployments] == ["Add Foo and Bar"]
    assert p.deploy == ("ApexClass:Foo",)  # Bar came and went: no net difference
    assert p.delete == ()
    assert p.head == head and p.branch == "story-dev1"
    assert git(dev1, "rev-parse", "HEAD") == head  # planning changes nothing
    assert journal.read(gitrepo.common_dir(dev1), "dev1") is None


def test_dry_run_json_prints_the_plan_and_changes_nothing(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", apex("Foo"), "Add Foo")
    head = git(dev1, "rev-parse", "HEAD")
    code, out = run(dev1, "pull-upstream", "--dry-run", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    plan = out["result"]["plan"]
    assert plan["deploy"] == ["ApexClass:Foo"] and plan["env"] == "dev1"
    assert [d["subject"] for d in plan["deployments"]] == ["Add Foo"]
    assert git(dev1, "rev-parse", "HEAD") == head


def test_dry_run_for_a_person(pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", apex("Foo"), "Add Foo")
    monkeypatch.chdir(dev1)
    capsys.readouterr()
    assert app.main(["pull-upstream", "--dry-run"]) == 0
    human = capsys.readouterr().out  # the answer on stdout
    assert "pull int" in human and "Add Foo" in human
    assert "deploy (1): ApexClass:Foo" in human


def test_refuses_uncommitted_changes_in_package_directories(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", apex("Foo"), "Add Foo")
    (dev1 / CLASSES / "Base.cls").write_text("public class Base { edited }\n")
    (dev1 / CLASSES / "New.cls").write_text("public class New {}\n")
    (dev1 / "notes.txt").write_text("outside the package: fine\n")
    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1
    assert "uncommitted changes in force-app" in out["message"]
    # the way out that works: while behind, the hook refuses the commit the old text advised
    assert "(`git stash --include-untracked`, and `git stash pop` after" in out["message"]
    assert sorted(out["data"]["dirty"]) == [f"{CLASSES}/Base.cls", f"{CLASSES}/New.cls"]
    assert (dev1 / CLASSES / "Base.cls").read_text() == "public class Base { edited }\n"


def test_without_a_terminal_and_without_yes_it_refuses(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", apex("Foo"), "Add Foo")
    head = git(dev1, "rev-parse", "HEAD")
    code, out = run(dev1, "pull-upstream", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    assert "--yes" in out["message"]
    assert git(dev1, "rev-parse", "HEAD") == head


def test_on_another_envs_branch_it_refuses_before_merging(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """A fresh clone is on main: pull-upstream there merged int into prod's branch (one
    `git push` from promoting int to production). Refused, naming the way out; the
    upstream's own branch stays allowed (a developer working on int directly)."""
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", apex("Foo"), "Add Foo")
    git(dev1, "switch", "-q", "main")
    head = git(dev1, "rev-parse", "HEAD")
    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2, out
    assert out["message"] == (
        "you are on main, the branch of prod: pull-upstream merges int into the branch you "
        "are on; work on a story branch (`git switch -c my-story origin/int`), then run it again"
    )
    assert git(dev1, "rev-parse", "HEAD") == head
    assert journal.read(gitrepo.common_dir(dev1), "dev1") is None
    git(dev1, "switch", "-q", "int")
    assert pull.plan(project.load(dev1), None).branch == "int"


def test_branch_env_is_pointed_at_back_promote(pipe: Pipeline) -> None:
    with pytest.raises(Exception, match="back-promote --from uat --to int"):
        pull.plan(project.load(pipe.admin), "int")


def test_conflict_stops_with_git_state_then_abort_undoes(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", apex("Base", "int"), "int changes Base")
    head = write(dev1, apex("Base", "mine"), "I change Base")

    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1 and out["name"] == "Refused"
    assert "conflicts" in out["message"] and "--continue" in out["message"]
    assert out["data"]["conflicts"] == [f"{CLASSES}/Base.cls"]
    assert gitrepo.merge_head(dev1) is not None  # git's own conflict state is left
    assert "<<<<<<<" in (dev1 / CLASSES / "Base.cls").read_text()

    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1 and "still has conflicts" in out["message"]

    code, out = run(dev1, "pull-upstream", "--abort", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and out["result"]["undone"] == "the merge in progress"
    assert gitrepo.merge_head(dev1) is None
    assert git(dev1, "rev-parse", "HEAD") == head
    assert (dev1 / CLASSES / "Base.cls").read_text() == class_text("Base", "mine")
    assert journal.read(gitrepo.common_dir(dev1), "dev1") is None

    code, out = run(dev1, "pull-upstream", "--continue", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "no pull-upstream of dev1 to continue" in out["message"]


def test_excluded_components_stay_behind_until_ignored(pipe: Pipeline) -> None:
    dev1 = pipe.developer("dev1")
    add = pipe.deploy("int", {**apex("Foo"), **apex("Bar")}, "Add Foo and Bar")
    proj = project.load(dev1)
    env = proj.config.env("dev1")
    current = state.read_state(dev1, "dev1")
    # what a pull with --exclude ApexClass:Bar records
    synced = state.EnvState(synced_to=add, excluded=("ApexClass:Bar",))
    state.append_event(dev1, "dev1", state.Event(kind="pull-upstream"), synced, current.commit)
    git(dev1, "fetch", "-q")
    git(dev1, "merge", "-q", "--no-edit", "origin/int")

    found = behind.compute(dev1, proj.config, env, synced, head="HEAD")
    assert found.components == ("ApexClass:Bar",)
    assert [d.sha for d in found.deployments] == [add]

    # the next pull brings it back, even with nothing new upstream
    again = pull.plan(proj, None, fetch=False)
    assert again.earlier == ("ApexClass:Bar",) and again.deploy == ("ApexClass:Bar",)
    assert not again.up_to_date and again.merged == git(dev1, "rev-parse", "HEAD")

    ignored = state.EnvState(synced_to=add, excluded=("ApexClass:Bar",), ignored=(add,))
    assert behind.compute(dev1, proj.config, env, ignored, head="HEAD").count == 0
    head = state.read_state(dev1, "dev1").commit
    state.append_event(dev1, "dev1", state.Event(kind="ignore"), ignored, head)
    assert pull.plan(proj, None, fetch=False).up_to_date  # ignored: not brought back


# --- end to end: the real sf CLI against sfemu ----------------------------------------------


def _synced(wf: WfPipeline, name: str = "dev1") -> Path:
    return wf.developer(name)


@pytest.mark.e2e
def test_pull_deploys_exactly_the_net_difference_through_a_dropped_connection(
    wf: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = _synced(wf)
    write(dev1, apex("Mine", "wip"), "my story, not deployed by a pull")
    wf.deploy("int", {**apex("Foo"), **apex("Base", "// v2")}, "Foo, Base v2")
    wf.deploy("int", {**apex("Tmp")}, "Tmp")
    up = wf.deploy(
        "int", {f"{CLASSES}/Tmp.cls": None, f"{CLASSES}/Tmp.cls-meta.xml": None}, "no Tmp"
    )
    pre = git(dev1, "rev-parse", "HEAD")
    org = wf.orgs["dev1"]
    before = len(org.deployments())
    org.drop_connection("checkDeployStatus")  # the job goes on; sfsync resumes it

    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)

    assert code == 0, out
    result = out["result"]
    assert result["sfInvocations"] == 4  # retrieve, deploy --async, resume (dropped), resume
    assert result["syncedTo"] == up and result["preMerge"] == pre
    assert sorted(result["deployed"]) == ["ApexClass:Base", "ApexClass:Foo"]
    record = last_deployment(org)
    assert len(org.deployments()) == before + 1
    assert sorted(record["deployed"]) == ["ApexClass:Base", "ApexClass:Foo"]
    assert org.read_text("classes/Base.cls") == wf.git_text("origin/int", "Base")
    assert org.read_text("classes/Foo.cls") == wf.git_text("origin/int", "Foo")
    assert not org.exists("classes/Mine.cls") and not org.exists("classes/Tmp.cls")
    assert gitrepo.commit_parents(dev1, "HEAD") == [pre, up]
    assert state.read_state(dev1, "dev1").state.synced_to == up
    # the event travelled to the remote, and nothing is behind any more
    assert git(wf.admin, "ls-remote", "origin", "refs/sfsync/envs/dev1")
    assert result["snapshot"].startswith("refs/sfsync/snapshots/dev1/")
    assert git(wf.admin, "ls-remote", "origin", result["snapshot"])  # for a teammate's rollback
    code, status = run(dev1, "status", "--env", "dev1", monkeypatch=monkeypatch, capsys=capsys)
    assert status["result"]["environments"][0]["deploymentsBehind"] == 0
    assert journal.read(gitrepo.common_dir(dev1), "dev1") is None


@pytest.mark.e2e
def test_unretrieved_sandbox_edit_stops_the_pull_until_excluded(
    wf: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = _synced(wf)
    up = wf.deploy("int", {**apex("Foo"), **apex("Base", "// v2")}, "Foo, Base v2")
    org = wf.orgs["dev1"]
    edit = class_text("Base", "// work in progress in the sandbox")
    org.put("classes/Base.cls", edit, by="Dana Dev")
    pre = git(dev1, "rev-parse", "HEAD")
    event_before = gitrepo.ref_sha(dev1, "refs/sfsync/envs/dev1")
    deployments_before = len(org.deployments())

    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)

    assert code == 1 and out["name"] == "InOrgWork"
    assert "ApexClass:Base" in out["message"] and "Dana Dev" in out["message"]
    assert org.read_text("classes/Base.cls") == edit  # never overwritten
    assert not org.exists("classes/Foo.cls")
    assert len(org.deployments()) == deployments_before
    assert git(dev1, "rev-parse", "HEAD") == pre  # the merge was undone
    assert_only_bookkeeping_since(dev1, "dev1", event_before)

    code, out = run(
        dev1,
        "pull-upstream",
        "--yes",
        "--exclude",
        "ApexClass:Base",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0, out
    assert out["result"]["deployed"] == ["ApexClass:Foo"]
    assert last_deployment(org)["deployed"] == ["ApexClass:Foo"]
    assert org.read_text("classes/Base.cls") == edit
    assert state.read_state(dev1, "dev1").state.synced_to == up
    code, status = run(dev1, "status", "--env", "dev1", monkeypatch=monkeypatch, capsys=capsys)
    row = status["result"]["environments"][0]
    assert row["componentsBehind"] == ["ApexClass:Base"] and row["deploymentsBehind"] == 1
    # the next pull that does not exclude it brings it (and checks the sandbox again)
    code, out = run(dev1, "pull-upstream", "--dry-run", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    plan = out["result"]["plan"]
    assert plan["earlier"] == ["ApexClass:Base"] and plan["deploy"] == ["ApexClass:Base"]


@pytest.mark.e2e
def test_conflict_then_continue_deploys_the_resolution(
    wf: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = _synced(wf)
    up = wf.deploy("int", {**apex("Base", "// int"), **apex("Foo")}, "int: Base, Foo")
    write(dev1, apex("Base", "// mine"), "mine: Base")
    # the developer's work lives in their sandbox and in their branch
    wf.orgs["dev1"].put("classes/Base.cls", class_text("Base", "// mine"), by="Dev One")
    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1 and gitrepo.merge_head(dev1) == up, out

    resolved = class_text("Base", "// int + mine")
    (dev1 / CLASSES / "Base.cls").write_text(resolved)
    git(dev1, "add", "-A")
    git(dev1, "commit", "-q", "--no-edit")
    monkeypatch.chdir(dev1)
    capsys.readouterr()
    code = app.main(["pull-upstream", "--continue", "--yes"])  # as a person sees it
    human, err = capsys.readouterr()
    assert code == 0, err
    assert "finish pulling int" in human and f"dev1 synced to int {up[:12]}" in human
    org = wf.orgs["dev1"]
    assert sorted(last_deployment(org)["deployed"]) == ["ApexClass:Base", "ApexClass:Foo"]
    assert org.read_text("classes/Base.cls") == resolved
    assert state.read_state(dev1, "dev1").state.synced_to == up


@pytest.mark.e2e
def test_failed_deploy_leaves_everything_as_it_was_and_a_rerun_finishes(
    wf: WfPipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = _synced(wf)
    up = wf.deploy("int", {**apex("Foo"), **apex("Base", "// v2")}, "Foo, Base v2")
    org = wf.orgs["dev1"]
    org.fail_next_deploy("ApexClass:Foo", "Variable does not exist: x", line=3)
    pre = git(dev1, "rev-parse", "HEAD")
    event_before = gitrepo.ref_sha(dev1, "refs/sfsync/envs/dev1")

    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)

    assert code == 1, out
    assert "Variable does not exist" in out["message"]
    assert git(dev1, "rev-parse", "HEAD") == pre
    assert_only_bookkeeping_since(dev1, "dev1", event_before)
    assert not org.exists("classes/Foo.cls")
    assert org.read_text("classes/Base.cls") == wf.git_text("origin/main", "Base")

    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    assert org.read_text("classes/Foo.cls") == wf.git_text("origin/int", "Foo")
    assert state.read_state(dev1, "dev1").state.synced_to == up


@pytest.mark.parametrize("step", ["merge", "deploy"])
def test_kill_9_before_the_deploy_step_resumes_with_the_same_merge(
    pipe: Pipeline, tmp_path: Path, step: str
) -> None:
    dev1 = pipe.developer("dev1")
    up = pipe.deploy("int", apex("Foo"), "Add Foo")
    pre = git(dev1, "rev-parse", "HEAD")
    marker = tmp_path / "paused"
    first = sfsync_process(
        dev1,
        "pull-upstream",
        "--yes",
        env={"SFSYNC_PAUSE_AT": step, "SFSYNC_PAUSE_FILE": str(marker)},
    )
    try:
        wait_for(marker, first)
    finally:
        first.kill()
        first.wait()
    proj = project.load(dev1)
    again = pull.plan(proj, None)  # the dead run's lock is taken over
    if step == "merge":  # killed before merging: nothing happened, start afresh
        assert not again.resuming and again.merged is None and again.head == pre
        assert journal.read(gitrepo.common_dir(dev1), "dev1") is None
    else:
        merged = git(dev1, "rev-parse", "HEAD")
        assert gitrepo.commit_parents(dev1, merged) == [pre, up]
        assert again.resuming and again.merged == merged and again.head == pre
        assert again.deploy == ("ApexClass:Foo",)


@pytest.mark.e2e
def test_kill_9_inside_the_deploy_step_and_a_second_run_at_once(
    wf: WfPipeline, tmp_path: Path
) -> None:
    step = "snapshot"  # the sandbox was read and backed up, nothing deployed yet
    dev1 = _synced(wf)
    up = wf.deploy("int", {**apex("Foo"), **apex("Base", "// v2")}, "Foo, Base v2")
    pre = git(dev1, "rev-parse", "HEAD")
    marker = tmp_path / "paused"
    first = sfsync_process(
        dev1,
        "pull-upstream",
        "--yes",
        env={"SFSYNC_PAUSE_AT": step, "SFSYNC_PAUSE_FILE": str(marker)},
    )
    try:
        wait_for(marker, first)
        # a second run on the same env while the first holds it
        second = sfsync_process(dev1, "pull-upstream", "--yes")
        out, _err = second.communicate(timeout=120)
        assert second.returncode == 1, out
        message = json.loads(out)["message"]
        assert "dev1 is being updated by another sfsync run" in message
        assert f"pid {first.pid}" in message and "pull-upstream" in message
    finally:
        first.kill()  # SIGKILL: no clean-up runs
        first.wait()
    assert gitrepo.commit_parents(dev1, "HEAD") == [pre, up]  # merged, not recorded
    assert state.read_state(dev1, "dev1").state.synced_to != up
    assert journal.read(gitrepo.common_dir(dev1), "dev1") is not None

    again = sfsync_process(dev1, "pull-upstream", "--yes")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, (out, err)
    org = wf.orgs["dev1"]
    assert org.read_text("classes/Foo.cls") == wf.git_text("origin/int", "Foo")
    assert org.read_text("classes/Base.cls") == wf.git_text("origin/int", "Base")
    assert state.read_state(dev1, "dev1").state.synced_to == up
    assert gitrepo.commit_parents(dev1, "HEAD") == [pre, up]  # the same merge, not a second
    assert journal.read(gitrepo.common_dir(dev1), "dev1") is None


def assert_only_bookkeeping_since(repo: Path, env: str, before: str | None) -> None:
    """The env's state is what it was at `before`: a claim and its release (the lease on the
    remote) are the only events recorded since."""
    records = state.log(repo, env)
    shas = [r.commit for r in records]
    newer = records[: shas.index(before)] if before in shas else records
    assert {r.event.kind for r in newer} <= {"claim", "release"}, [r.event.kind for r in newer]
    at_before = records[shas.index(before)].state if before in shas else state.EnvState()
    assert state.read_state(repo, env).state == at_before
