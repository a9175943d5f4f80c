"""Environment state in git: `refs/sfsync/envs/<env>`, a chain of event commits.

Each commit's tree holds `state.json` (the env's state after the event) and `event.json`
(what happened). The chain is written with git plumbing only and moved with
`git update-ref REF NEW OLD`, a compare-and-swap: of two writers that read the same head,
one wins and the other gets `StateConflict`. `git log refs/sfsync/envs/<env>` is the audit
trail; the refs travel with `git push/fetch <remote> 'refs/sfsync/*:refs/sfsync/*'`.

Workflows append their own events::

    current = state.read_state(repo, "dev1")
    new_state = dataclasses.replace(current.state, synced_to=merged_sha)
    event = state.Event(kind="pull-upstream", org="dev1-sandbox", to_sha=merged_sha,
                        components=("ApexClass:Foo",), details={"deployId": "0Af..."})
    state.append_event(repo, "dev1", event, new_state, expected_old=current.commit)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sfsync.errors import ExternalError, Refused, UsageError
from sfsync.git import repo as gitrepo

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook ~5 ms
if TYPE_CHECKING:
    from typing import Any

REF_PREFIX = "refs/sfsync/envs/"
STATE_FILE = "state.json"
EVENT_FILE = "event.json"
FORMAT = 1


class StateConflict(Refused):
    """Another writer moved the env's state ref between our read and our write (exit 1)."""

    name = "StateConflict"


@dataclass(frozen=True)
class EnvState:
    """What sfsync knows about one environment, as of its newest event."""

    synced_to: str | None = None
    """Upstream commit the env was last synced to (a sandbox's sync point), or None."""
    ignored: tuple[str, ...] = ()
    """Upstream deployment shas that are not counted as behind."""
    skipped: tuple[str, ...] = ()
    """Components (`Type:FullName`) a workflow skipped because the env changed them."""
    excluded: tuple[str, ...] = ()
    """Components the user excluded from a pull; they stay behind until pulled or ignored."""
    deployed: str | None = None
    """Branch envs: the commit whose package-directory content the org holds (or None)."""

    def to_json(self) -> dict[str, Any]:
        """The `state.json` document."""
        return {
            "format": FORMAT,
            "syncedTo": self.synced_to,
            "ignored": list(self.ignored),
            "skipped": list(self.skipped),
            "excluded": list(self.excluded),
            "deployed": self.deployed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EnvState:
        """Read a `state.json` document (unknown keys are ignored)."""
        return cls(
            synced_to=data.get("syncedTo"),
            ignored=tuple(data.get("ignored") or ()),
            skipped=tuple(data.get("skipped") or ()),
            excluded=tuple(data.get("excluded") or ()),
            deployed=data.get("deployed"),
        )


@dataclass(frozen=True)
class Event:
    """One thing that happened to an env: `who` and `when` are filled in when appended."""

    kind: str
    """mark-synced, ignore, pull-upstream, deploy, back-promote, rollback, ..."""
    who: str = ""
    when: str = ""
    org: str | None = None
    from_sha: str | None = None
    to_sha: str | None = None
    components: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The `event.json` document."""
        return {
            "format": FORMAT,
            "kind": self.kind,
            "who": self.who,
            "when": self.when,
            "org": self.org,
            "from": self.from_sha,
            "to": self.to_sha,
            "components": list(self.components),
            "details": dict(self.details),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        """Read an `event.json` document."""
        return cls(
            kind=str(data.get("kind", "")),
            who=str(data.get("who", "")),
            when=str(data.get("when", "")),
            org=data.get("org"),
            from_sha=data.get("from"),
            to_sha=data.get("to"),
            components=tuple(data.get("components") or ()),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class StateAt:
    """An env's state and the event commit it was read from (None: no event yet)."""

    state: EnvState
    commit: str | None


@dataclass(frozen=True)
class Record:
    """One event commit of the chain, with the state after it."""

    commit: str
    event: Event
    state: EnvState


def ref_name(env: str) -> str:
    """`refs/sfsync/envs/<env>`."""
    if not env or "/" in env or env.startswith(".") or ".." in env:
        raise UsageError(f"'{env}' is not a valid environment name for a git ref")
    return REF_PREFIX + env


def read_state(repo: Path | str, env: str) -> StateAt:
    """The env's current state (empty when it has no event yet) and its head commit."""
    # one process: if the ref moves between the two reads, a later compare-and-swap on the
    # returned commit fails, so a caller never writes on top of a state it did not see
    return state_from(gitrepo.cat_file_objects(repo, state_objects(env)), env)


def read_states(repo: Path | str, envs: Sequence[str]) -> dict[str, StateAt]:
    """`read_state` for many envs, in one git process."""
    found = gitrepo.cat_file_objects(repo, [name for env in envs for name in state_objects(env)])
    return {env: state_from(found, env) for env in envs}


def state_objects(env: str) -> list[str]:
    """The objects `read_state` reads (`cat_file_objects` names): to batch with other reads."""
    ref = ref_name(env)
    return [ref, f"{ref}:{STATE_FILE}"]


def state_from(found: Mapping[str, gitrepo.GitObject | None], env: str) -> StateAt:
    """The env's state out of a `cat_file_objects` answer that read its `state_objects`."""
    ref, blob_name = state_objects(env)
    head = found.get(ref)
    if head is None or head.type != "commit":
        return StateAt(EnvState(), None)
    blob = found.get(blob_name)
    return StateAt(_parse_state(blob.data if blob else None, head.sha), head.sha)


def newest_records(
    repo: Path | str, envs: Sequence[str], accept: Callable[[Event], bool], limit: int = 50
) -> dict[str, Record | None]:
    """For each env, its newest event that `accept`s among its last `limit` (else None).

    One git process per step back along the chains, for all envs at once: the newest event
    usually answers.
    """
    newest: dict[str, Record | None] = dict.fromkeys(envs)
    pending = list(dict.fromkeys(envs))
    for depth in range(limit):
        if not pending:
            break
        revs = {env: ref_name(env) + (f"~{depth}" if depth else "") for env in pending}
        names = [f"{rev}{part}" for rev in revs.values() for part in ("", f":{EVENT_FILE}")]
        names += [f"{rev}:{STATE_FILE}" for rev in revs.values()]
        found = gitrepo.cat_file_objects(repo, names)
        pending = []
        for env, rev in revs.items():
            commit = found.get(rev)
            if commit is None or commit.type != "commit":
                continue  # the chain is shorter
            raw = found.get(f"{rev}:{EVENT_FILE}")
            event = Event.from_json(_load(raw.data if raw else None, f"{commit.sha}:{EVENT_FILE}"))
            if not accept(event):
                pending.append(env)
                continue
            blob = found.get(f"{rev}:{STATE_FILE}")
            newest[env] = Record(
                commit.sha, event, _parse_state(blob.data if blob else None, commit.sha)
            )
    return newest


def append_event(
    repo: Path | str,
    env: str,
    event: Event,
    state: EnvState,
    expected_old: str | None,
) -> Record:
    """Record `event` with the env's new `state` as one commit on top of `expected_old`.

    `expected_old` is the head you read (`read_state(...).commit`; None for a first event).
    Raises StateConflict when the ref has moved since: re-read, re-plan, retry.
    """
    import datetime as dt  # not needed on the hook's read-only path

    ref = ref_name(env)
    if not event.kind:
        raise UsageError("an event needs a kind")
    filled = replace(
        event,
        who=event.who or who(repo),
        when=event.when or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    )
    state_blob = gitrepo.hash_blob(repo, _dump(state.to_json()))
    event_blob = gitrepo.hash_blob(repo, _dump(filled.to_json()))
    tree = gitrepo.make_tree(repo, {STATE_FILE: state_blob, EVENT_FILE: event_blob})
    parents = [expected_old] if expected_old else []
    commit = gitrepo.commit_tree(repo, tree, parents, _message(env, filled))
    if not gitrepo.update_ref_cas(repo, ref, commit, expected_old, f"sfsync {filled.kind}"):
        raise StateConflict(
            f"{ref} changed while sfsync was recording '{filled.kind}' (someone else updated "
            f"{env} at the same time); nothing was recorded: run the command again"
        )
    return Record(commit, filled, state)


def update(
    repo: Path | str, env: str, event: Event, change: Callable[[EnvState], EnvState]
) -> Record:
    """Read the env's state, apply `change`, and append `event` (compare-and-swap)."""
    current = read_state(repo, env)
    return append_event(repo, env, event, change(current.state), current.commit)


def log(repo: Path | str, env: str, limit: int | None = None) -> list[Record]:
    """The env's events, newest first."""
    ref = ref_name(env)
    if gitrepo.ref_sha(repo, ref) is None:
        return []
    shas = gitrepo.first_parent_shas(repo, ref, limit)
    names = [f"{sha}:{name}" for sha in shas for name in (STATE_FILE, EVENT_FILE)]
    blobs = gitrepo.cat_file_batch(repo, names)
    records = []
    for sha in shas:
        event_data = _load(blobs.get(f"{sha}:{EVENT_FILE}"), f"{sha}:{EVENT_FILE}")
        records.append(
            Record(
                sha,
                Event.from_json(event_data),
                _parse_state(blobs.get(f"{sha}:{STATE_FILE}"), sha),
            )
        )
    return records


def envs_with_state(repo: Path | str) -> list[str]:
    """Names of the envs that have a state ref."""
    text = gitrepo.out(repo, "for-each-ref", "--format=%(refname)", REF_PREFIX)
    return [line[len(REF_PREFIX) :] for line in text.splitlines() if line]


def fetch(repo: Path | str, remote: str, branches: Sequence[str] = ()) -> None:
    """Fetch `refs/sfsync/*` (fast-forward only) and the given branches from `remote`."""
    specs = ["refs/sfsync/*:refs/sfsync/*"]
    specs += [f"+refs/heads/{b}:refs/remotes/{remote}/{b}" for b in branches]
    proc = gitrepo.run(repo, "fetch", "--quiet", remote, *specs, check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise ExternalError(
            f"git fetch {remote} failed: {detail[-1] if detail else 'no output'} "
            f"(a local refs/sfsync ref that diverged from {remote} is never overwritten)"
        )


def push(repo: Path | str, remote: str, envs: Sequence[str]) -> None:
    """Push the envs' state refs to `remote` (fast-forward only)."""
    specs = [f"{ref_name(e)}:{ref_name(e)}" for e in envs]
    if not specs:
        return
    proc = gitrepo.run(repo, "push", "--quiet", "--porcelain", remote, *specs, check=False)
    if proc.returncode != 0:
        detail = (proc.stdout + proc.stderr).decode("utf-8", errors="replace").strip()
        last = detail.splitlines()[-1] if detail else "no output"
        raise ExternalError(
            f"git push {remote} of {', '.join(ref_name(e) for e in envs)} failed: {last} "
            "(if someone else updated it: sfsync ... --fetch, then retry)"
        )


def who(repo: Path | str) -> str:
    """`Name <email>` from git config (the person recording an event)."""
    values = gitrepo.config_regexp(repo, r"^user\.(name|email)$")
    name = values.get("user.name", "").strip()
    email = values.get("user.email", "").strip()
    if name and email:
        return f"{name} <{email}>"
    return name or email or "unknown"


def _message(env: str, event: Event) -> str:
    summary = event.details.get("summary") if isinstance(event.details, Mapping) else None
    head = f"{event.kind} {env}"
    if event.to_sha:
        head += f" -> {event.to_sha[:12]}"
    body = f"\n\n{summary}\n" if summary else "\n"
    return head + body


def _dump(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _load(raw: bytes | None, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ExternalError(f"{where} is not valid JSON: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _parse_state(raw: bytes | None, where: str) -> EnvState:
    return EnvState.from_json(_load(raw, f"{where}:{STATE_FILE}"))
