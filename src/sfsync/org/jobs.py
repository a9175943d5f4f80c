"""A deploy job between its start and its record, journaled so that a killed run is finished
by the next one instead of leaving a job in the org that nobody records.

`<git common dir>/sfsync/deploys/<env>.json` is written by the deploy step just before
`sf project deploy start --async` (no job id yet), again with the job id as soon as `sf`
answers (before the job is polled), and removed once the event is recorded or the org
refused the deploy. It holds the event and the env state the step would record.

Every command that deploys to an env calls `settle` first (under the env's lock): a job left
by a killed run is waited for (`sf project deploy report --wait`); when it succeeded, its
event is recorded on `refs/sfsync/envs/<env>`, so the new run plans from what the org
really holds; when it failed or was canceled, the org is as before and nothing is recorded.

    settled = jobs.settle(repo, env, "deploy")   # -> Settled | None (None: nothing pending)
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sfsync.errors import SfsyncError
from sfsync.git import journal, lease, locks, state
from sfsync.git import repo as gitrepo
from sfsync.org import sf
from sfsync.pipeline.config import Environment

DEPLOYS_DIR = ("sfsync", "deploys")
SUCCEEDED = ("Succeeded",)


@dataclass(frozen=True)
class Pending:
    """A deploy a run started and has not recorded yet."""

    env: str
    org: str
    kind: str
    command: str
    job_id: str | None
    pid: int
    host: str
    started: str
    expected: str | None
    """The `refs/sfsync/envs/<env>` commit the event goes on top of."""
    event: Mapping[str, Any] = field(default_factory=dict)
    before: Mapping[str, Any] = field(default_factory=dict)
    """The env's state.json when the step read it."""
    after: Mapping[str, Any] = field(default_factory=dict)
    """The env's state.json once the deploy succeeded."""
    lease: Mapping[str, Any] | None = None
    """The claim pushed for this deploy (`sfsync.git.lease.Lease.to_json`), if any."""

    def to_json(self) -> dict[str, Any]:
        """The journal document."""
        return {
            "env": self.env,
            "org": self.org,
            "kind": self.kind,
            "command": self.command,
            "jobId": self.job_id,
            "pid": self.pid,
            "host": self.host,
            "started": self.started,
            "expected": self.expected,
            "event": dict(self.event),
            "before": dict(self.before),
            "after": dict(self.after),
            "lease": dict(self.lease) if self.lease else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Pending:
        """Read a journal document."""
        return cls(
            env=str(data.get("env", "")),
            org=str(data.get("org", "")),
            kind=str(data.get("kind", "")),
            command=str(data.get("command", "")),
            job_id=str(data["jobId"]) if data.get("jobId") else None,
            pid=int(data.get("pid") or 0),
            host=str(data.get("host", "")),
            started=str(data.get("started", "")),
            expected=str(data["expected"]) if data.get("expected") else None,
            event=dict(data.get("event") or {}),
            before=dict(data.get("before") or {}),
            after=dict(data.get("after") or {}),
            lease=dict(data["lease"]) if data.get("lease") else None,
        )

    def describe(self) -> str:
        """`job 0Af..., a deploy started by pid 42 on ci-7 at T`."""
        job = f"job {self.job_id}" if self.job_id else "no job id yet"
        return f"{job}, a {self.kind} started by pid {self.pid} on {self.host} at {self.started}"


@dataclass(frozen=True)
class Settled:
    """What became of a job a killed run left behind."""

    env: str
    job_id: str | None
    status: str
    """The job's final status (Succeeded, Failed, Canceled), or `unknown` (no job id)."""
    record: state.Record | None
    message: str

    def to_json(self) -> dict[str, Any]:
        """For `--json` results."""
        return {
            "env": self.env,
            "jobId": self.job_id,
            "status": self.status,
            "event": self.record.commit if self.record else None,
            "message": self.message,
        }


def path(common_dir: Path, env: str) -> Path:
    """Where the pending deploy of `env` is journaled."""
    return common_dir.joinpath(*DEPLOYS_DIR, f"{env}.json")


def read(common_dir: Path, env: str) -> Pending | None:
    """The deploy a run started on `env` and did not record, or None."""
    data = journal.read_file(path(common_dir, env))
    return Pending.from_json(data) if data else None


def write(common_dir: Path, pending: Pending) -> None:
    """Journal `pending` (atomically)."""
    journal.write_file(path(common_dir, pending.env), pending.to_json())


def clear(common_dir: Path, env: str) -> None:
    """Forget the pending deploy of `env` (recorded, or refused by the org)."""
    path(common_dir, env).unlink(missing_ok=True)


def start(
    common_dir: Path,
    env: Environment,
    *,
    kind: str,
    command: str,
    expected: str | None,
    event: state.Event,
    before: state.EnvState,
    after: state.EnvState,
    lease: Mapping[str, Any] | None = None,
) -> Callable[[str], None]:
    """Journal a deploy about to start; returns the `on_started(job_id)` that adds its id."""
    pending = Pending(
        env=env.name,
        org=env.org,
        kind=kind,
        command=command,
        job_id=None,
        pid=os.getpid(),
        host=socket.gethostname(),
        started=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        expected=expected,
        event=event.to_json(),
        before=before.to_json(),
        after=after.to_json(),
        lease=lease,
    )
    write(common_dir, pending)

    def started(job_id: str) -> None:
        write(common_dir, replace(pending, job_id=job_id))
        journal.pause_point("deploy-started")

    return started


def pending_note(common_dir: Path, env: str) -> str | None:
    """For a `--dry-run`: the pending deploy a real run would settle first, or None."""
    pending = read(common_dir, env)
    if pending is None:
        return None
    return (
        f"{env} has an unrecorded deploy ({pending.describe()}): the run waits for it and "
        "records it before it plans; this plan may change"
    )


def settle(repo: Path | str, env: Environment, command: str) -> Settled | None:
    """Finish what a killed run left: wait for its job, record it if it succeeded.

    Takes the env's lock (a live run's job is its own business: `locks.Locked`). Returns
    None when nothing is pending.
    """
    repo = Path(repo)
    common = gitrepo.common_dir(repo)
    if read(common, env.name) is None:
        return None
    with locks.hold(common, env.name, command):
        pending = read(common, env.name)
        if pending is None:
            return None
        return settle_locked(repo, env, pending)


def settle_locked(repo: Path, env: Environment, pending: Pending) -> Settled:
    """`settle` for a caller that holds the env's lock.

    The claim the killed run held on the remote ends here too: the recorded event is pushed
    on top of it, or a `release` when the job changed nothing.
    """
    common = gitrepo.common_dir(repo)
    held = lease.Lease.from_json(pending.lease) if pending.lease else None
    if pending.job_id is None:
        # killed before `sf` answered with the job id: whether a job started is unknown
        clear(common, env.name)
        if held is not None:
            lease.release(repo, held, "the run that claimed it was killed")
        return Settled(
            env.name,
            None,
            "unknown",
            None,
            f"{env.name}: a run was killed while it started a deploy ({pending.describe()}); "
            "if the org's Deployment Status lists a deploy started then, its changes are in "
            "the org, and the in-org check stops a deploy over them",
        )
    try:
        status = sf.deploy_final_status(env.org, pending.job_id)
    except SfsyncError as exc:
        exc.message = (
            f"{env.name} has a deploy a killed run left ({pending.describe()}) that could not "
            f"be checked: {exc.message}"
        )
        raise
    if status not in SUCCEEDED:
        clear(common, env.name)
        if held is not None:
            lease.release(repo, held, f"the deploy of the run that claimed it ended {status}")
        return Settled(
            env.name,
            pending.job_id,
            status,
            None,
            f"{env.name}: the deploy a killed run left ({pending.describe()}) ended {status}; "
            "nothing of it was recorded",
        )
    record = _record(repo, env.name, pending)
    clear(common, env.name)
    warning = ""
    if held is not None:
        refs = [state.ref_name(env.name)]
        snapshot = pending.event.get("details", {}).get("snapshot")
        refs += [str(snapshot)] if snapshot else []
        error = state.push_refs(repo, held.remote, refs, [env.name])
        warning = f" (not pushed: {error})" if error else ""
    return Settled(
        env.name,
        pending.job_id,
        status,
        record,
        f"{env.name}: the deploy a killed run left ({pending.describe()}) succeeded; recorded "
        f"it as {record.commit[:12]} on refs/sfsync/envs/{env.name}{warning}",
    )


def _record(repo: Path, env: str, pending: Pending) -> state.Record:
    """Append the journaled event on the env's state (on top of a head that moved since, the
    state changes the event made are applied to the newer state)."""
    event = state.Event.from_json(pending.event)
    details = {
        **event.details,
        "deployId": pending.job_id,
        "recordedLater": "the run that started the deploy was killed; a later run recorded it",
    }
    event = replace(event, details=details)
    after = state.EnvState.from_json(pending.after)
    current = state.read_state(repo, env)
    if current.commit != pending.expected:
        before = state.EnvState.from_json(pending.before)
        after = state.apply_change(current.state, before, after)
    return state.append_event(repo, env, event, after, current.commit)
