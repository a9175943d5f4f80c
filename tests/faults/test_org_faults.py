"""The fault matrix, org / concurrency / hook rows: each probe replayed against real git
repositories and, where an org is involved, the real `sf` against sfemu.

Rows: the `sf` auto-updater left running; the git hooks at a push under the pre-commit
framework and while a pull-upstream conflict is being resolved; `--exclude` of a component
that is not in the pull; a pull without `sf`; `ignore` of commits that are not deployments;
the components of ignored deployments in a pull plan; kill -9 while a deploy is polled; two
clones deploying one env at once (the lease on the shared state ref); a diverged state ref.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import processes
from conftest import REPO_ROOT
from pipeline import CLASSES, Pipeline, cls, git
from runs import conflicting_story, git_with_hooks, sfsync
from sfemu.emulator import OrgEmulator
from sfemu.testing import SfCli, sf_environment
from sfsync.git import lease, state
from sfsync.git import repo as gitrepo
from sfsync.org import jobs
from sfsync.pipeline import project
from wfpipeline import WfPipeline, apex

# --- the sf auto-updater ---------------------------------------------------------------------

PROBE = "SFSYNC_FAULT_PROBE"


def _sf_version_through(where: str, home: Path, marker: str) -> None:
    """Run `sf --version` the way `where` runs sf, in a fresh HOME (no updater ran there yet),
    with SF_AUTOUPDATE_DISABLE=true in the caller's environment, as many users have it."""
    base = sf_environment(home)
    base.pop("SF_DISABLE_AUTOUPDATE", None)
    base["SF_AUTOUPDATE_DISABLE"] = "true"
    base[PROBE] = marker
    if where == "sfsync":  # the driver users run: sfsync.org.sf
        code = (
            "from sfsync.org import sf; import sys; "
            "sys.exit(0 if sf.version().startswith('@salesforce/cli') else 1)"
        )
        proc = subprocess.run([sys.executable, "-c", code], env=base, check=False, timeout=120)
    elif where == "fixtures":  # sfemu.testing: the tests' and the benchmarks' sf
        cli = SfCli(home)
        cli.env[PROBE] = marker
        proc = subprocess.run([str(cli.sf), "--version"], env=cli.env, check=False, timeout=120)
    elif where == "demo":
        sys.path.insert(0, str(REPO_ROOT / "demo"))
        try:
            import stage
        finally:
            sys.path.pop(0)
        env = {**stage.base_env(home), PROBE: marker, "SF_AUTOUPDATE_DISABLE": "true"}
        proc = subprocess.run(["sf", "--version"], env=env, check=False, timeout=120)
    else:  # the Makefile's exported variables, for every recipe
        proc = subprocess.run(
            ["make", "-s", "--no-print-directory", "--eval=probe-sf: ; @sf --version", "probe-sf"],
            cwd=REPO_ROOT,
            env=base,
            check=False,
            timeout=120,
        )
    assert proc.returncode == 0


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["sfsync", "fixtures", "demo", "makefile"])
def test_sf_leaves_no_auto_updater_running(tmp_path: Path, where: str) -> None:
    marker = f"{where}-{os.getpid()}-{time.monotonic_ns()}"
    _sf_version_through(where, tmp_path / "home", marker)
    # the updater is spawned detached while sf starts; give a slow machine a moment
    time.sleep(1.5)
    left = processes.marked(PROBE, marker)
    processes.kill(left)
    assert left == [], [p.cmdline for p in left]


# --- the hook while the documented conflict flow is followed ----------------------------------


@pytest.fixture
def conflicting(tmp_path: Path) -> tuple[Pipeline, Path]:
    """dev1 changed Base in its story; int then deployed another Base: behind, conflicting."""
    return conflicting_story(tmp_path)


def _resolve(dev: Path) -> None:
    (dev / CLASSES / "Base.cls").write_text("public class Base { /* story + int */ }\n")
    git(dev, "add", "-A")


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("pull-upstream", id="pull-upstream-conflict"),
        pytest.param("git-merge", id="hand-merge-of-upstream"),
    ],
)
def test_hook_lets_the_commit_that_concludes_an_upstream_merge_through(
    conflicting: tuple[Pipeline, Path], how: str
) -> None:
    _pipe, dev = conflicting
    if how == "pull-upstream":
        code, out = sfsync(dev, "pull-upstream", "--yes")
        assert code == 1 and "stopped on conflicts" in out, out
    else:
        assert git_with_hooks(dev, "merge", "-q", "origin/int").returncode == 1  # conflicts
    _resolve(dev)

    done = git_with_hooks(dev, "commit", "-q", "--no-edit")

    assert done.returncode == 0, done.stderr
    assert "concludes a merge" in done.stderr or "pull-upstream of dev1 is unfinished" in (
        done.stderr
    )
    assert git(dev, "rev-parse", "HEAD^2") == git(dev, "rev-parse", "origin/int")


def test_hook_still_blocks_a_merge_that_is_not_upstream(
    conflicting: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = conflicting
    git(dev, "branch", "side", "HEAD~1")
    git(dev, "checkout", "-q", "side")
    (dev / "side.txt").write_text("side\n")
    git(dev, "add", "side.txt")
    git(dev, "commit", "-q", "--no-verify", "-m", "side")
    git(dev, "checkout", "-q", "story-dev1")
    git_with_hooks(dev, "merge", "-q", "--no-commit", "side")

    refused = git_with_hooks(dev, "commit", "-q", "--no-edit")

    assert refused.returncode == 1
    assert "dev1 is 1 deployment behind int" in refused.stderr


# --- bad input to pull-upstream and ignore ----------------------------------------------------


def _json(out: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "yes"])
def test_exclude_of_a_component_not_in_the_pull_is_refused(tmp_path: Path, dry_run: bool) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    pipe.deploy("int", cls("Foo"), "Add Foo")
    head = git(dev, "rev-parse", "HEAD")
    before = git(dev, "rev-parse", "refs/sfsync/envs/dev1")
    mode = "--dry-run" if dry_run else "--yes"

    code, out = sfsync(dev, "pull-upstream", mode, "--exclude", "ApexClass:Fooo", "--json")

    assert code == 2, out
    message = _json(out)["message"]
    assert "--exclude ApexClass:Fooo: not part of this pull" in message
    assert "did you mean ApexClass:Foo?" in message
    assert git(dev, "rev-parse", "HEAD") == head
    assert git(dev, "rev-parse", "refs/sfsync/envs/dev1") == before  # nothing stored
    code, out = sfsync(dev, "status", "--env", "dev1", "--json")
    assert _json(out)["result"]["environments"][0]["componentsBehind"] == ["ApexClass:Foo"]


@pytest.mark.parametrize("command", ["pull-upstream", "back-promote", "deploy"])
def test_a_missing_sf_is_found_before_anything_moves(tmp_path: Path, command: str) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    pipe.deploy("main", cls("Foo"), "Hotfix Foo on main")
    pipe.deploy("int", cls("Bar"), "Add Bar")
    git(dev, "fetch", "-q", "origin")
    tools = tmp_path / "tools"  # git, and no sf
    tools.mkdir()
    git_exe = shutil.which("git")
    assert git_exe is not None
    (tools / "git").symlink_to(git_exe)
    args = {
        "pull-upstream": ["pull-upstream", "--yes"],
        "back-promote": ["back-promote", "--from", "prod", "--yes"],
        "deploy": ["deploy", "--env", "int", "--baseline", "origin/int~1", "--yes"],
    }[command]
    heads = git(dev, "rev-parse", "HEAD")
    remote_refs = git(pipe.remote, "for-each-ref")

    code, out = sfsync(dev, *args, "--json", env={"PATH": str(tools)})

    assert code == 3, out
    assert "Executable `sf` not found" in _json(out)["message"]
    assert git(dev, "rev-parse", "HEAD") == heads  # no merge
    assert git(dev, "status", "--porcelain") == ""
    assert git(pipe.remote, "for-each-ref") == remote_refs  # no branch, claim or state pushed
    assert not (dev / ".git" / "sfsync" / "ops" / "dev1.json").exists()


@pytest.mark.parametrize("which", ["notes-only", "already-synced", "own-story"])
def test_ignore_refuses_commits_that_are_not_deployments_behind(tmp_path: Path, which: str) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    initial = git(dev, "rev-parse", "origin/int")
    notes = pipe.deploy("int", {"NOTES.md": "release notes\n"}, "Notes only")
    pipe.deploy("int", cls("Foo"), "Add Foo")  # dev1 is 1 deployment behind
    git(dev, "fetch", "-q", "origin")
    (dev / "story.txt").write_text("story\n")
    git(dev, "add", "story.txt")
    git(dev, "commit", "-q", "-m", "my story")
    sha = {"notes-only": notes, "already-synced": initial, "own-story": "HEAD"}[which]
    before = git(dev, "rev-parse", "refs/sfsync/envs/dev1")

    code, out = sfsync(dev, "ignore", sha, "--json")

    assert code == 2, out
    message = _json(out)["message"]
    expected = {
        "notes-only": "it changes nothing in the package directories",
        "already-synced": "dev1 already has it",
        "own-story": "is not a deployment on int",
    }[which]
    assert expected in message
    assert git(dev, "rev-parse", "refs/sfsync/envs/dev1") == before  # nothing recorded


def test_pull_plan_names_the_ignored_deployments_it_deploys(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    skipped = pipe.deploy("int", cls("Foo"), "Add Foo")
    pipe.deploy("int", cls("Bar"), "Add Bar")
    git(dev, "fetch", "-q", "origin")
    assert sfsync(dev, "ignore", skipped)[0] == 0

    code, out = sfsync(dev, "pull-upstream", "--dry-run", "--json")

    assert code == 0, out
    plan = _json(out)["result"]["plan"]
    assert [d["subject"] for d in plan["deployments"]] == ["Add Bar"]  # 1 behind
    assert plan["deploy"] == ["ApexClass:Bar", "ApexClass:Foo"]  # the merge brings Foo too
    assert [(d["sha"], d["components"]) for d in plan["ignoredDeployments"]] == [
        (skipped, ["ApexClass:Foo"])
    ]
    code, text = sfsync(dev, "pull-upstream", "--dry-run")
    assert f"also deployed, from ignored deployment {skipped[:7]} (Add Foo): ApexClass:Foo" in (
        text
    )


# --- kill -9 while a deploy is polled ---------------------------------------------------------


def wait_until(what: str, check: Callable[[], bool], timeout: float = 120) -> None:
    """Poll `check` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def start_sfsync(repo: Path, *args: str) -> subprocess.Popen[str]:
    """`sfsync ARGS --json` in its own process group (so a test can kill it with its sf)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sfsync", *args, "--json"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _polled(log: Path, since: int) -> bool:
    """True once the emulator's request log shows a deploy status poll after line `since`."""
    lines = log.read_text(encoding="utf-8").splitlines()[since:]
    return any(line.endswith(" checkDeployStatus") for line in lines)


def _log_length(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


@pytest.mark.e2e
@pytest.mark.parametrize(
    "kill",
    [
        pytest.param("sfsync", id="sfsync-only-its-sf-keeps-polling"),
        pytest.param("group", id="sfsync-and-its-sf"),
    ],
)
def test_kill_9_while_a_deploy_is_polled_then_a_new_deploy(
    wf: WfPipeline, sfemu: OrgEmulator, kill: str
) -> None:
    admin, org = wf.admin, wf.orgs["int"]
    log = sfemu.root.path / "requests.log"
    start = git(admin, "rev-parse", "origin/int")
    v12 = wf.deploy("int", apex("Base", "// v12"), "Base v12")
    code, out = sfsync(admin, "deploy", "--env", "int", "--baseline", start, "--yes", "--json")
    assert code == 0, out
    v13 = wf.deploy("int", apex("Base", "// v13"), "Base v13")
    org.stay_in_progress(polls=6)
    seen = _log_length(log)
    first = start_sfsync(admin, "deploy", "--env", "int", "--yes")
    orphans: list[processes.Proc] = []
    try:
        wait_until("sf polling the deploy", lambda: _polled(log, seen))
        orphans = processes.descendants(first.pid)
        if kill == "group":
            os.killpg(first.pid, signal.SIGKILL)
        else:
            os.kill(first.pid, signal.SIGKILL)  # its sf keeps polling, as after a crash
        first.wait()
        v14 = wf.deploy("int", apex("Base", "// v14"), "Base v14")

        code, out = sfsync(admin, "deploy", "--env", "int", "--yes", "--json")

        assert code == 0, out
        result = _json(out)["result"]
        assert result["plan"]["from"] == v13 and result["plan"]["to"] == v14
        assert any("succeeded" in note for note in result["plan"]["interrupted"])
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        processes.kill(processes.wait_gone(orphans, timeout=60))
    # the org and refs/sfsync/envs/int agree, now that every job has ended
    assert org.read_text("classes/Base.cls") == wf.git_text("origin/int", "Base")
    current = state.read_state(admin, "int")
    assert current.state.deployed == v14
    deploys = [r for r in state.log(admin, "int") if r.event.kind == "deploy"]
    assert [(r.event.from_sha, r.event.to_sha) for r in deploys] == [
        (v13, v14),
        (v12, v13),
        (start, v12),
    ]
    records = org.deployments()
    assert [r["status"] for r in records[-2:]] == ["Succeeded", "Succeeded"]
    assert [r["id"] for r in records[-2:]] == [d.event.details["deployId"] for d in deploys[1::-1]]
    assert not (gitrepo.common_dir(admin) / "sfsync" / "deploys" / "int.json").exists()
    assert git(wf.remote, "rev-parse", "refs/sfsync/envs/int") == current.commit


# --- two clones, one env: the lease on the shared state ref -----------------------------------


def _second_clone(wf: WfPipeline, tmp_path: Path) -> Path:
    """Another release manager's clone of the same remote, on int."""
    other = tmp_path / "release-2"
    git(tmp_path, "clone", "-q", str(wf.remote), str(other))
    git(other, "checkout", "-q", "int")
    return other


def _kinds(repo: Path, env: str) -> list[str]:
    return [r.event.kind for r in state.log(repo, env)]


@pytest.mark.e2e
def test_two_clones_deploying_one_env_at_once_one_waits(
    wf: WfPipeline, sfemu: OrgEmulator, tmp_path: Path
) -> None:
    a, org = wf.admin, wf.orgs["int"]
    b = _second_clone(wf, tmp_path)
    log = sfemu.root.path / "requests.log"
    start = git(a, "rev-parse", "origin/int")
    v13 = wf.deploy("int", apex("Base", "// v13"), "Base v13")
    git(b, "fetch", "-q", "origin")
    deploys_before = len(org.deployments())
    org.stay_in_progress(polls=6)
    seen = _log_length(log)
    first = start_sfsync(a, "deploy", "--env", "int", "--baseline", start, "--yes")
    try:
        wait_until("a's deploy being polled", lambda: _polled(log, seen))

        code, out = sfsync(b, "deploy", "--env", "int", "--baseline", start, "--yes", "--json")

        assert code == 1, out
        refused = _json(out)
        assert refused["name"] == "Locked"
        assert refused["message"].startswith(
            "int is being deployed by Test Author <author@example.com> (sfsync deploy, "
            f"pid {first.pid} on "
        )
        out_a, err_a = first.communicate(timeout=300)
        assert first.returncode == 0, (out_a, err_a)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert len(org.deployments()) == deploys_before + 1  # b started no job
    assert state.read_state(a, "int").state.deployed == v13

    # b catches up (status --fetch) and deploys the next version; one history, no fork
    code, out = sfsync(b, "status", "--env", "int", "--fetch", "--json")
    assert code == 0, out
    v14 = wf.deploy("int", apex("Base", "// v14"), "Base v14")
    git(b, "fetch", "-q", "origin")
    code, out = sfsync(b, "deploy", "--env", "int", "--yes", "--json")
    assert code == 0, out
    assert _json(out)["result"]["plan"]["from"] == v13
    assert sfsync(a, "status", "--env", "int", "--fetch", "--json")[0] == 0
    head = git(wf.remote, "rev-parse", "refs/sfsync/envs/int")
    assert state.read_state(a, "int").commit == state.read_state(b, "int").commit == head
    assert _kinds(a, "int") == ["deploy", "claim", "deploy", "claim"]
    assert state.read_state(a, "int").state.deployed == v14
    assert org.read_text("classes/Base.cls") == wf.git_text("origin/int", "Base")


@pytest.mark.e2e
def test_an_expired_claim_is_taken_over_only_with_take_over(wf: WfPipeline, tmp_path: Path) -> None:
    a = wf.admin
    b = _second_clone(wf, tmp_path)
    start = git(a, "rev-parse", "origin/int")
    v13 = wf.deploy("int", apex("Base", "// v13"), "Base v13")
    git(b, "fetch", "-q", "origin")
    deploy = ("deploy", "--env", "int", "--baseline", start, "--yes", "--json")

    live = lease.claim(a, "int", "origin", command="deploy")  # a run of a that is still on
    assert live is not None
    code, out = sfsync(b, *deploy, "--take-over")
    assert code == 1 and "int is being deployed by" in _json(out)["message"], out
    assert git(wf.remote, "rev-parse", "refs/sfsync/envs/int") == live.commit

    state.update(a, "int", state.Event(kind="release"), lambda s: s)
    git(a, "push", "-q", "origin", "refs/sfsync/envs/int")
    stale = lease.claim(a, "int", "origin", command="deploy", ttl_minutes=0)  # expired
    assert stale is not None
    code, out = sfsync(b, *deploy)
    assert code == 1, out
    message = _json(out)["message"]
    assert "the claim has expired" in message and "--take-over" in message

    code, out = sfsync(b, *deploy, "--take-over")

    assert code == 0, out
    assert state.read_state(b, "int").state.deployed == v13
    claim = next(r for r in state.log(b, "int") if r.event.kind == "claim")
    assert claim.event.details["takesOver"] == stale.commit
    assert git(wf.remote, "rev-parse", "refs/sfsync/envs/int") == state.read_state(b, "int").commit


REJECT_PUSHES = """#!/bin/sh
# refuses every push while the file `closed` exists next to this remote's hooks folder
if [ -e "$(dirname "$0")/../closed" ]; then echo "remote closed for the test" >&2; exit 1; fi
"""


@pytest.mark.e2e
def test_a_rejected_push_after_a_deploy_prints_a_command_that_works(
    wf: WfPipeline, sfemu: OrgEmulator, tmp_path: Path
) -> None:
    a, org = wf.admin, wf.orgs["int"]
    b = _second_clone(wf, tmp_path)
    log = sfemu.root.path / "requests.log"
    hook = wf.remote / "hooks" / "pre-receive"
    hook.write_text(REJECT_PUSHES)
    hook.chmod(0o755)
    start = git(a, "rev-parse", "origin/int")
    wf.deploy("int", apex("Base", "// v13"), "Base v13")
    org.stay_in_progress(polls=6)
    seen = _log_length(log)
    first = start_sfsync(a, "deploy", "--env", "int", "--baseline", start, "--yes", "--push")
    try:
        wait_until("a's deploy being polled", lambda: _polled(log, seen))
        # meanwhile b records an event on int and pushes it; then the remote refuses pushes
        state.fetch(b, "origin")
        state.update(b, "int", state.Event(kind="note"), lambda s: s)
        state.push(b, "origin", ["int"])
        (wf.remote / "closed").write_text("")
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode == 3, (out, err)  # --push failed: an external tool failed
    message = _json(out)["message"]
    assert message.startswith("int was deployed and recorded here, but git push origin")
    assert "\n" not in message
    command = re.split(r"push (?:them|the refs) later with: ", message)[1]

    (wf.remote / "closed").unlink()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran = subprocess.run(
        ["sh", "-c", command], cwd=a, env=env, capture_output=True, text=True, check=False
    )

    assert ran.returncode == 0, ran.stdout + ran.stderr
    head = git(wf.remote, "rev-parse", "refs/sfsync/envs/int")
    assert state.read_state(a, "int").commit == head
    assert {"deploy", "note", "merge"} <= set(_kinds(a, "int"))
    assert sfsync(b, "status", "--env", "int", "--fetch", "--json")[0] == 0  # not 3, ever
    assert state.read_state(b, "int") == state.read_state(a, "int")


def test_status_fetch_merges_a_diverged_state_ref(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")  # mark-synced, pushed by the pipeline's helper below
    git(dev, "push", "-q", "origin", "refs/sfsync/envs/dev1")
    laptop = pipe.developer("dev1", "dev1-laptop", synced=False)
    state.fetch(laptop, "origin")
    foo = pipe.deploy("int", cls("Foo"), "Add Foo")
    bar = pipe.deploy("int", cls("Bar"), "Add Bar")
    git(dev, "fetch", "-q", "origin")
    git(laptop, "fetch", "-q", "origin")
    assert sfsync(dev, "ignore", foo, "--push")[0] == 0
    assert sfsync(laptop, "ignore", bar)[0] == 0  # recorded on the laptop, not pushed

    code, out = sfsync(laptop, "status", "--env", "dev1", "--fetch", "--json")

    assert code == 0, out  # used to exit 3 on every --fetch from now on
    assert _json(out)["result"]["environments"][0]["deploymentsBehind"] == 0
    assert set(state.read_state(laptop, "dev1").state.ignored) == {foo, bar}
    git(laptop, "push", "-q", "origin", "refs/sfsync/envs/dev1")  # a fast-forward now
    assert git(pipe.remote, "rev-parse", "refs/sfsync/envs/dev1") == git(
        laptop, "rev-parse", "refs/sfsync/envs/dev1"
    )


@pytest.mark.e2e
def test_a_killed_runs_job_that_the_org_refused_is_not_recorded(
    wf: WfPipeline, sfemu: OrgEmulator
) -> None:
    admin, org = wf.admin, wf.orgs["int"]
    log = sfemu.root.path / "requests.log"
    start = git(admin, "rev-parse", "origin/int")
    v13 = wf.deploy("int", apex("Base", "// v13"), "Base v13")
    before = org.read_text("classes/Base.cls")
    org.fail_next_deploy("ApexClass:Base", "Variable does not exist: v13", line=1)
    org.stay_in_progress(polls=4)
    seen = _log_length(log)
    first = start_sfsync(admin, "deploy", "--env", "int", "--baseline", start, "--yes")
    try:
        wait_until("sf polling the deploy", lambda: _polled(log, seen))
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    dry = ("deploy", "--env", "int", "--baseline", start, "--dry-run", "--json")
    code, out = sfsync(admin, *dry)
    assert code == 0, out
    assert "has an unrecorded deploy" in _json(out)["result"]["plan"]["interrupted"][0]

    code, out = sfsync(admin, "deploy", "--env", "int", "--baseline", start, "--yes", "--json")

    assert code == 0, out
    assert (
        "ended Failed; nothing of it was recorded"
        in (_json(out)["result"]["plan"]["interrupted"][0])
    )
    assert before != org.read_text("classes/Base.cls") == wf.git_text("origin/int", "Base")
    deploys = [r for r in state.log(admin, "int") if r.event.kind == "deploy"]
    assert [(r.event.from_sha, r.event.to_sha) for r in deploys] == [(start, v13)]
    assert _kinds(admin, "int") == ["deploy", "claim", "release", "claim"]


def test_a_run_killed_before_sf_named_its_job_leaves_a_warning_and_frees_the_env(
    tmp_path: Path,
) -> None:
    pipe = Pipeline(tmp_path)
    repo = pipe.admin
    env = project.load(repo).config.env("int")
    current = state.read_state(repo, "int")
    held = lease.claim(repo, "int", "origin", command="deploy", expected=current.state)
    assert held is not None
    event = state.Event(kind="deploy", to_sha=git(repo, "rev-parse", "HEAD"))
    # what a run leaves when it is killed while `sf project deploy start` runs
    jobs.start(
        gitrepo.common_dir(repo),
        env,
        kind="deploy",
        command="deploy",
        expected=held.commit,
        event=event,
        before=current.state,
        after=current.state,
        lease=held.to_json(),
    )

    settled = jobs.settle(repo, env, "deploy")

    assert settled is not None and settled.status == "unknown" and settled.record is None
    assert "was killed while it started a deploy" in settled.message
    assert jobs.read(gitrepo.common_dir(repo), "int") is None
    assert _kinds(repo, "int")[:2] == ["release", "claim"]  # the env is free again
    assert git(pipe.remote, "rev-parse", "refs/sfsync/envs/int") == git(
        repo, "rev-parse", "refs/sfsync/envs/int"
    )
    assert lease.active_claim(repo, "int") is None
