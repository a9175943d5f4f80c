"""The fault matrix, error rows (round 2): one clear line (what, where, what to do) and the
documented exit code, never a traceback or git's raw output.

Rows: XML nested 200,000 levels deep; a project file nested as deep; a 300-character env
name; the state ref locked right after the org took a deploy (and the next run recording
it); a read-only `.git`; `ulimit -f`; a lease claim whose `expires` has no time zone; a
shallow clone in pull-upstream; a remote that refuses every push; a 250-byte file name; a
stopped org server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from pipeline import CLASSES, Pipeline, cls, git
from sfemu.emulator import OrgEmulator
from sfemu.testing import SfCli
from sfsync.errors import SfsyncError
from sfsync.git import lease, state
from sfsync.git import repo as gitrepo
from sfsync.metadata import xmlsafe
from wfpipeline import WfPipeline, apex

DEEP = 200_000


def sfsync(
    repo: Path,
    *args: str,
    prefix: Sequence[str] = (),
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """`sfsync ARGS` as a separate process: (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "sfsync", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        preexec_fn=preexec,
    )
    return proc.returncode, proc.stdout, proc.stderr


def one_line(code: int, out: str, err: str, *, exit_code: int | tuple[int, ...] = 3) -> str:
    """Assert the failure is one line of text on stderr with the exit code; return it."""
    codes = exit_code if isinstance(exit_code, tuple) else (exit_code,)
    assert code in codes, (code, out, err)
    assert "Traceback" not in out + err and "unexpected error" not in out + err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def json_failure(code: int, out: str, err: str, exit_code: int = 3) -> str:
    """The message of a `--json` failure envelope, asserted to be one line."""
    assert code == exit_code, (code, out, err)
    assert "Traceback" not in out + err, err
    envelope = json.loads(out)
    assert envelope["status"] == exit_code
    message: str = envelope["message"]
    assert "\n" not in message and "unexpected error" not in message, message
    return message


# --- XML and JSON nested too deeply -----------------------------------------------------------


def _deep_labels() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata"><labels>'
        "<fullName>A</fullName><value>" + "<x>" * DEEP + "</x>" * DEEP + "</value>"
        "</labels></CustomLabels>\n"
    )


def test_xml_nested_200000_deep_is_refused_with_its_name() -> None:
    with pytest.raises(xmlsafe.MalformedXml) as caught:
        xmlsafe.parse(_deep_labels().encode(), "labels/CustomLabels.labels-meta.xml")
    assert caught.value.message.startswith("labels/CustomLabels.labels-meta.xml: elements nested")


def test_delta_over_a_deep_xml_file_warns_instead_of_crashing(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    labels = "force-app/main/default/labels/CustomLabels.labels-meta.xml"
    shallow = _deep_labels().replace("<x>" * DEEP + "</x>" * DEEP, "a")
    (dev / labels).parent.mkdir(parents=True)
    (dev / labels).write_text(shallow)
    git(dev, "add", "-A")
    git(dev, "commit", "-q", "-m", "labels")
    (dev / labels).write_text(_deep_labels())
    git(dev, "commit", "-q", "-am", "deep")

    code, out, err = sfsync(dev, "delta", "--from", "HEAD~1", "--to", "HEAD", "--json")

    assert code == 0, err
    warnings = json.loads(out)["result"]["warnings"]
    assert any(f"{labels} at --to" in w and "nested more than" in w for w in warnings)


def test_a_project_file_nested_too_deeply_is_a_config_error(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    (dev / "sfdx-project.json").write_text("[" * DEEP + "]" * DEEP)

    line = one_line(*sfsync(dev, "check"), exit_code=2)
    status = one_line(*sfsync(dev, "status"), exit_code=2)

    assert "sfdx-project.json" in line and "nested too deeply" in line
    assert "nested too deeply" in status


# --- a 300-character env name ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("check",), id="hook"),
        pytest.param(("mark-synced",), id="mark-synced"),
        pytest.param(("pull-upstream", "--dry-run"), id="pull-upstream"),
        pytest.param(("ignore", "--all"), id="ignore"),
    ],
)
def test_a_300_character_env_name_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    long = "d" * 300
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1", synced=False)
    text = (dev / "sfsync.yml").read_text().replace("  dev2: ", f"  {long}: ")
    (dev / "sfsync.yml").write_text(text)
    git(dev, "config", "sfsync.env", long)

    code, out, err = sfsync(dev, *args)

    # refused as configuration (exit 2) where the name is validated, else by git or the file
    # system (exit 3) where it reaches a file name: one line either way, naming the cause;
    # where it reaches no file name (the hook of a never-synced sandbox), it just works
    assert "Traceback" not in out + err and "unexpected error" not in out + err, err
    if code != 0:
        line = one_line(code, out, err, exit_code=(2, 3))
        assert "long" in line or "at most" in line, line


# --- the state ref locked right after the org took the deploy ---------------------------------


def _deploy_journal(repo: Path) -> dict[str, Any] | None:
    path = gitrepo.common_dir(repo) / "sfsync" / "deploys" / "int.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data


@pytest.mark.e2e
def test_a_state_ref_locked_after_the_deploy_says_it_was_deployed_and_the_next_run_records_it(
    wf: WfPipeline,
) -> None:
    admin, org = wf.admin, wf.orgs["int"]
    start = git(admin, "rev-parse", "origin/int")
    v13 = wf.deploy("int", apex("Base", "// v13"), "Base v13")
    org.stay_in_progress(polls=3)
    run = subprocess.Popen(
        [sys.executable, "-m", "sfsync", "deploy", "--env", "int", "--baseline", start, "--yes"],
        cwd=admin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    lock = gitrepo.common_dir(admin) / "refs" / "sfsync" / "envs" / "int.lock"
    try:
        deadline = time.monotonic() + 120
        while not (_deploy_journal(admin) or {}).get("jobId"):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the deploy never started"
            time.sleep(0.05)
        job = str((_deploy_journal(admin) or {})["jobId"])
        lock.write_text("")  # another git process holds the ref while the job runs
        out, err = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()

    assert run.returncode == 3 and "Traceback" not in err, err
    line = err.strip().splitlines()[-1]  # after the progress lines
    assert line.startswith(f"error: int WAS deployed (job {job}), but recording it on ")
    assert str(lock) in line and "run `sfsync deploy` again" in line
    assert org.deployments()[-1]["status"] == "Succeeded"
    assert state.read_state(admin, "int").state.deployed != v13  # not recorded yet

    lock.unlink()
    code, out, err = sfsync(admin, "deploy", "--env", "int", "--yes", "--json")

    assert code == 0, out + err
    interrupted = json.loads(out)["result"]["plan"]["interrupted"]
    assert any(job in note and "succeeded" in note for note in interrupted), interrupted
    assert state.read_state(admin, "int").state.deployed == v13
    deploys = [r for r in state.log(admin, "int") if r.event.kind == "deploy"]
    assert deploys[0].event.details["deployId"] == job
    assert _deploy_journal(admin) is None


# --- a read-only .git, and `ulimit -f` ---------------------------------------------------------


def _without_write_rights() -> list[str]:
    """A command prefix under which the file modes hold (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: modes cannot be enforced")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable"]


def _set_mode(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        path.chmod(mode | 0o200 if writable else mode & ~0o222)


@pytest.fixture
def behind(tmp_path: Path) -> Path:
    """dev1 is one deployment behind int."""
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    pipe.deploy("int", cls("Foo"), "Foo on int")
    git(dev, "fetch", "-q", "origin")
    return dev


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("mark-synced",), id="mark-synced"),
        pytest.param(("ignore", "--all"), id="ignore"),
        pytest.param(("pull-upstream", "--yes"), id="pull-upstream"),
    ],
)
def test_a_read_only_git_dir_is_one_line(behind: Path, args: tuple[str, ...]) -> None:
    prefix = _without_write_rights()
    _set_mode(behind / ".git", writable=False)
    try:
        code, out, err = sfsync(behind, *args, prefix=prefix)
        hook = sfsync(behind, "check", prefix=prefix)
    finally:
        _set_mode(behind / ".git", writable=True)

    line = one_line(code, out, err)
    assert ".git" in line and "permission denied" in line.lower(), line
    assert hook[0] == 1 and "behind int" in hook[2], hook  # the hook still answers


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("mark-synced",), id="git-killed-by-SIGXFSZ"),
        pytest.param(("delta", "--from", "HEAD", "--to", "origin/int", "-o", "out"), id="EFBIG"),
    ],
)
def test_ulimit_f_is_one_line(behind: Path, args: tuple[str, ...]) -> None:
    # under `make test`, coverage.py would measure the child too and fail to save its data
    # at exit (the limit is 0 bytes), printing its own traceback: the child runs unmeasured
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS")}

    code, out, err = sfsync(behind, *args, preexec=_limit_file_size, env=env)

    line = one_line(code, out, err)
    assert "ulimit -f" in line and str(behind) in line, line


# --- a lease claim whose `expires` has no time zone --------------------------------------------


def test_a_claim_without_a_time_zone_is_read_as_utc(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    other = pipe.developer("dev1", "other-clone")
    naive = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).replace(tzinfo=None)
    claim = state.Event(
        kind="claim",
        details={
            "host": "elsewhere",
            "clone": "elsewhere:/repo/.git",
            "pid": "not-a-pid",
            "command": "deploy",
            "since": naive.isoformat(timespec="seconds"),
            "expires": naive.isoformat(timespec="seconds"),  # no zone: written by hand
        },
    )
    state.update(other, "int", claim, lambda s: s)
    git(other, "push", "-q", "origin", "refs/sfsync/envs/int")
    mine = pipe.developer("dev1", "mine")

    with pytest.raises(SfsyncError) as caught:
        lease.claim(mine, "int", "origin", command="deploy")

    assert caught.value.exit_code == 1
    assert "the claim has expired" in caught.value.message and "--take-over" in caught.value.message
    assert lease.claim(mine, "int", "origin", command="deploy", take_over=True) is not None


# --- a shallow clone in pull-upstream ----------------------------------------------------------


def test_pull_upstream_in_a_shallow_clone_names_it(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    git(pipe.admin, "checkout", "-q", "-b", "story", "main")
    (pipe.admin / "notes.txt").write_text("story\n")
    git(pipe.admin, "add", "notes.txt")
    git(pipe.admin, "commit", "-q", "-m", "story")
    git(pipe.admin, "push", "-q", "origin", "story")
    pipe.deploy("int", cls("Foo"), "Foo on int")
    clone = tmp_path / "ci-checkout"
    git(tmp_path, "clone", "-q", "--depth", "1", "-b", "story", f"file://{pipe.remote}", str(clone))
    git(clone, "fetch", "-q", "--depth", "1", "origin", "int:refs/remotes/origin/int")
    git(clone, "config", "sfsync.env", "dev1")

    code, out, err = sfsync(clone, "pull-upstream", "--yes")

    line = one_line(code, out, err)
    assert "shallow clone" in line and "git fetch --unshallow" in line, line
    assert gitrepo.merge_head(clone) is None


# --- a remote that refuses every push ----------------------------------------------------------

REFUSE = """#!/bin/sh
echo "pushes to this repository are frozen until Monday" >&2
exit 1
"""


def _refuse_pushes(remote: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(REFUSE)
    hook.chmod(0o755)


def test_a_remote_refusing_every_push_is_exit_3_with_its_reason(behind: Path) -> None:
    remote = Path(git(behind, "remote", "get-url", "origin"))
    _refuse_pushes(remote)

    message = json_failure(*sfsync(behind, "mark-synced", "--push", "--json"))

    assert "pushes to this repository are frozen until Monday" in message
    assert "pre-receive hook declined" in message


def test_a_claim_the_remote_refuses_is_not_retried_as_a_race(behind: Path) -> None:
    remote = Path(git(behind, "remote", "get-url", "origin"))
    _refuse_pushes(remote)

    with pytest.raises(SfsyncError) as caught:
        lease.claim(behind, "int", "origin", command="deploy")

    assert caught.value.exit_code == 3
    assert "frozen until Monday" in caught.value.message
    assert "refused 3 times" not in caught.value.message
    assert gitrepo.ref_sha(behind, "refs/sfsync/envs/int") is None  # the claim is undone here


# --- a 250-byte file name ----------------------------------------------------------------------


def test_a_250_byte_file_name_is_written(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    name = "A" * 237  # + ".cls-meta.xml": 250 bytes, the longest a folder entry nearly allows
    (dev / CLASSES / f"{name}.cls").write_text(f"public class {name} {{}}\n")
    (dev / CLASSES / f"{name}.cls-meta.xml").write_text("<ApexClass/>\n")
    git(dev, "add", "-A")
    git(dev, "commit", "-q", "-m", "long")

    code, _out, err = sfsync(dev, "delta", "--from", "HEAD~1", "--to", "HEAD", "-d", "-o", "out")

    assert code == 0, err
    assert (dev / "out" / CLASSES / f"{name}.cls-meta.xml").is_file()


# --- a stopped org server ----------------------------------------------------------------------


@pytest.mark.e2e
def test_a_stopped_org_server_is_named_with_its_address(
    tmp_path: Path, sf_cli: SfCli, sf_home: Path
) -> None:
    config = (
        "version: 1\nremote: origin\nenvironments:\n"
        "  prod: {org: gone-prod, branch: main}\n"
        "  uat:  {org: gone-uat,  branch: uat,  upstream: prod}\n"
        "  int:  {org: gone-int,  branch: int,  upstream: uat}\n"
    )
    (tmp_path / "git").mkdir()
    pipe = Pipeline(tmp_path / "git", config)
    with OrgEmulator(tmp_path / "emu", progress_polls=0) as emu:
        org = emu.create_org("gone", sandbox=True)
        sf_cli.login(org, "gone-int")
        address = org.instance_url.split("://", 1)[-1].rstrip("/")
    git(pipe.admin, "checkout", "-q", "int")

    code, out, err = sfsync(pipe.admin, "drift", "--env", "int", "--json")

    message = json_failure(code, out, err)
    assert f"the connection to {address} was refused" in message, message
    assert "sf " in message and "--target-org=gone-int" in message
    assert "check the network" not in message and "by hand" not in message
