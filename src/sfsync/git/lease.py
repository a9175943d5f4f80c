"""The lease on an env across clones: the shared state ref on the remote says who deploys it.

The per-clone lock (`sfsync.git.locks`) cannot see a run in another clone or on another
machine. So before a deploy step changes an env's org it appends a `claim` event (who, host,
clone, pid, command, since, expires) on top of the remote's `refs/sfsync/envs/<env>` and
pushes it fast-forward only: a compare-and-swap on the remote. Of two clones that claim at
once, one push wins and the other is rejected, fetches, finds the winner's claim and stops
with `Locked` (exit 1) naming the holder. The holder's next event (its deploy, or a
`release` when it changed nothing) ends the claim.

A claim is active until a later deploy-kind event or `release` on the chain (an `ignore` or
`mark-synced` recorded meanwhile does not end it). It is stale when it expired (older than
`lease.ttl_minutes` of `sfsync.yml`, default 120: longer than `sf` waits for a deploy) and
then taken over only with `--take-over`; a claim made by this very clone whose process is
gone (a killed run, whose job the deploy step settled first) is taken over at once.

    held = lease.claim(repo, "int", "origin", command="deploy", ttl_minutes=120,
                       take_over=False, expected=current.state)   # -> Lease | None (no remote)
    ...deploy, append the event on top of held.commit, push...
    lease.release(repo, held, "nothing deployed")                 # when nothing changed
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfsync.errors import ExternalError
from sfsync.git import locks, state
from sfsync.git import repo as gitrepo

DEFAULT_TTL_MINUTES = 120
ENDS_A_CLAIM = frozenset(
    {"release", "pull-upstream", "back-promote", "deploy", "rollback", "compare-deploy"}
)
"""The events that end a claim: a release, and every event a deploy step records."""
_ATTEMPTS = 3
_WALK = 50  # events looked at, newest first, to find an active claim


@dataclass(frozen=True)
class Holder:
    """Who claimed an env."""

    who: str
    host: str
    clone: str
    pid: int
    command: str
    since: str
    expires: str
    commit: str

    def describe(self) -> str:
        """`Ana <ana@x> (sfsync deploy, pid 42 on ci-7, since T; the claim expires at T2)`."""
        return (
            f"{self.who} (sfsync {self.command}, pid {self.pid} on {self.host}, since "
            f"{self.since}; the claim expires at {self.expires})"
        )

    def expired(self, now: dt.datetime) -> bool:
        """True once the claim's TTL has passed. The claim comes from the remote and may have
        been written by hand: a time without a zone is UTC (sfsync writes UTC), one that is
        not a time at all counts as expired."""
        try:
            expires = dt.datetime.fromisoformat(self.expires)
        except ValueError:
            return True
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)
        return now >= expires


@dataclass(frozen=True)
class Lease:
    """A claim this run pushed: the event goes on top of `commit`."""

    env: str
    remote: str
    commit: str
    took_over: str | None = None

    def to_json(self) -> dict[str, Any]:
        """For the deploy journal."""
        return {"env": self.env, "remote": self.remote, "commit": self.commit}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Lease:
        """Read what `to_json` wrote."""
        return cls(str(data["env"]), str(data["remote"]), str(data["commit"]))


def has_remote(repo: Path | str, remote: str) -> bool:
    """True when `remote` is a configured git remote of the repository."""
    return state.has_remote(repo, remote)


def clone_id(repo: Path | str) -> str:
    """This clone, as a claim names it: host and git directory."""
    return f"{socket.gethostname()}:{gitrepo.common_dir(repo)}"


def active_claim(repo: Path | str, env: str) -> Holder | None:
    """The claim in force on the env's state ref (local copy), or None."""
    for record in state.log(repo, env, limit=_WALK):
        kind = record.event.kind
        if kind == "claim":
            return _holder(record)
        if kind in ENDS_A_CLAIM:
            return None
    return None


def claim(
    repo: Path | str,
    env: str,
    remote: str,
    *,
    command: str,
    ttl_minutes: int = DEFAULT_TTL_MINUTES,
    take_over: bool = False,
    expected: state.EnvState | None = None,
) -> Lease | None:
    """Claim `env` on `remote` (see the module doc); None when there is no such remote.

    `expected`: the env state the caller planned from; `state.StateConflict` when the
    remote's says otherwise (someone recorded meanwhile: the run should plan again).
    """
    repo = Path(repo)
    if not has_remote(repo, remote):
        return None
    me = clone_id(repo)
    refused = "no output"
    for _attempt in range(_ATTEMPTS):
        _fetch_env(repo, remote, env)
        current = state.read_state(repo, env)
        holder = active_claim(repo, env) if current.commit else None
        took_over = None
        if holder is not None:
            took_over = _check_holder(env, holder, me, take_over)
        if expected is not None and current.state != expected:
            raise state.StateConflict(
                f"refs/sfsync/envs/{env} on {remote} holds events this run had not seen "
                f"(fetched now); nothing was deployed: run the command again to plan from them"
            )
        now = dt.datetime.now(dt.timezone.utc)
        expires = (now + dt.timedelta(minutes=ttl_minutes)).isoformat(timespec="seconds")
        event = state.Event(
            kind="claim",
            details={
                "host": socket.gethostname(),
                "clone": me,
                "pid": os.getpid(),
                "command": command,
                "since": now.isoformat(timespec="seconds"),
                "expires": expires,
                "ttlMinutes": ttl_minutes,
                "takesOver": took_over,
                "summary": f"{command} claims {env} until {expires}",
            },
        )
        record = state.append_event(repo, env, event, current.state, current.commit)
        ref = state.ref_name(env)
        proc = state.push_specs(repo, remote, [f"{ref}:{ref}"])
        if proc.returncode == 0:
            return Lease(env, remote, record.commit, took_over)
        # lost the race: put the local ref back where it was, fetch, look again
        if current.commit is None:
            gitrepo.run(repo, "update-ref", "-d", ref, record.commit, check=False)
        else:
            gitrepo.update_ref_cas(repo, ref, current.commit, record.commit, "sfsync claim lost")
        refused = gitrepo.reason(proc.stdout, proc.stderr)
        if not gitrepo.push_lost_race(proc.stdout, proc.stderr):
            # the remote refuses the push itself, or it never got there: no race to retry
            raise ExternalError(
                f"{env}: could not claim it on {remote}: git push failed: {refused}; nothing "
                "was deployed: fix the remote (or its permissions), then run the command again"
            )
    raise locks.Locked(
        f"{env}: could not claim it on {remote}: git push was refused {_ATTEMPTS} times "
        f"(last: {refused}); nothing was deployed: run the command again"
    )


def release(repo: Path | str, lease: Lease, reason: str) -> str | None:
    """End the claim with a `release` event and push it; the error text, or None."""
    current = state.read_state(repo, lease.env)
    if current.commit != lease.commit:
        return None  # an event was recorded on top of the claim: it ended the claim
    event = state.Event(kind="release", details={"summary": f"released {lease.env}: {reason}"})
    state.append_event(repo, lease.env, event, current.state, current.commit)
    return state.push_refs(repo, lease.remote, [state.ref_name(lease.env)], [lease.env])


# --- internals -------------------------------------------------------------------------


def _holder(record: state.Record) -> Holder:
    d = record.event.details
    return Holder(
        who=record.event.who or "someone",
        host=str(d.get("host", "")),
        clone=str(d.get("clone", "")),
        pid=_number(d.get("pid")),
        command=str(d.get("command", "")),
        since=str(d.get("since", record.event.when)),
        expires=str(d.get("expires", "")),
        commit=record.commit,
    )


def _number(value: object) -> int:
    """A pid from a claim (written by another clone, perhaps by hand): 0 when not a number."""
    try:
        return int(str(value))
    except ValueError:
        return 0


def _check_holder(env: str, holder: Holder, me: str, take_over: bool) -> str | None:
    """The commit of a claim this run may take over; `Locked` when it may not."""
    if holder.clone == me and not _alive_here(holder.pid):
        return holder.commit  # this clone's killed run: its job was settled first
    if holder.clone == me and holder.pid == os.getpid():
        return holder.commit  # claimed earlier by this very run
    now = dt.datetime.now(dt.timezone.utc)
    if not holder.expired(now):
        raise locks.Locked(
            f"{env} is being deployed by {holder.describe()}: wait for it to finish, then run "
            "the command again"
        )
    if not take_over:
        raise locks.Locked(
            f"{env} was claimed by {holder.describe()} and the claim has expired "
            "(lease.ttl_minutes in sfsync.yml): if that run is gone, run the command again "
            "with --take-over"
        )
    return holder.commit


def _alive_here(pid: int) -> bool:
    if not 0 < pid < 2**31:
        return True  # not a process id (a claim written by hand): unknown, so not taken over
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not locks.is_zombie(pid)


# back-promote claims several sandboxes at once, from threads of one process: git would refuse
# two fetches updating the same tracking ref ("cannot lock ref"), so they take turns
_FETCHING = threading.Lock()


def _fetch_env(repo: Path, remote: str, env: str) -> None:
    # only this env's ref (the glob also matches an env that does not exist on the remote yet)
    spec = f"+refs/sfsync/envs/{env}*:{state.TRACKING_PREFIX}{remote}/envs/{env}*"
    with _FETCHING:
        proc = gitrepo.run(
            repo, "fetch", "--quiet", "--prune", "--end-of-options", remote, spec, check=False
        )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise ExternalError(
            f"cannot claim {env} on {remote} before deploying: git fetch failed "
            f"({detail[-1] if detail else 'no output'}); nothing was deployed"
        )
    state.reconcile(repo, remote, only=[env])
