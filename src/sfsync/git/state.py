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
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sfsync.errors import ExternalError, Refused, UsageError
from sfsync.git import chain, refnames
from sfsync.git import repo as gitrepo

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook ~5 ms
if TYPE_CHECKING:
    from typing import Any

REF_PREFIX = "refs/sfsync/envs/"
TRACKING_PREFIX = "refs/sfsync-remote/"
"""`refs/sfsync-remote/<remote>/...`: the remote's refs/sfsync/* as last fetched."""
STATE_FILE = "state.json"
EVENT_FILE = "event.json"
FORMAT = 1
BOOKKEEPING = frozenset({"claim", "release", "merge"})
"""Event kinds that record no change to the org: the lease (`sfsync.git.lease`) and the
merge of two histories of one env that diverged."""


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
    why = refnames.component_problem(env)
    if why is not None:
        raise UsageError(
            f"'{env}' cannot be an environment name: it {why} (it names the git ref "
            f"{REF_PREFIX}<env>); rename it in sfsync.yml"
        )
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


def apply_change(current: EnvState, before: EnvState, after: EnvState) -> EnvState:
    """`current` with the changes that turned `before` into `after`: a field that changed
    takes its new value; lists gain the members added and lose the ones removed."""

    def members(
        now: tuple[str, ...], old: tuple[str, ...], new: tuple[str, ...]
    ) -> tuple[str, ...]:
        gone = set(old) - set(new)
        kept = [c for c in now if c not in gone]
        return tuple(kept + [c for c in new if c not in old and c not in kept])

    return EnvState(
        synced_to=after.synced_to if after.synced_to != before.synced_to else current.synced_to,
        ignored=members(current.ignored, before.ignored, after.ignored),
        skipped=members(current.skipped, before.skipped, after.skipped),
        excluded=members(current.excluded, before.excluded, after.excluded),
        deployed=after.deployed if after.deployed != before.deployed else current.deployed,
    )


def log(
    repo: Path | str,
    env: str,
    limit: int | None = None,
    *,
    mentioning: str | None = None,
    states: bool = True,
) -> list[Record]:
    """The env's events, newest first (both sides of a merged divergence included).

    One `git cat-file --batch` process reads the whole chain, however long: each commit
    with its `event.json` and `state.json`. The order is `git rev-list --date-order`'s: no
    event before the events recorded on top of it, otherwise newest first.

    `mentioning`: only the events whose `event.json` holds this text, compared without
    case (a component's name: its history), read without parsing the others. `states`:
    False leaves `state.json` unread (each record then has an empty state).
    """
    files = (EVENT_FILE, STATE_FILE) if states else (EVENT_FILE,)
    keep = None
    if mentioning is not None:
        needle = mentioning

        def keep(event: bytes | None) -> bool:
            return chain.mentions(event or b"", needle)

    records = []
    for sha, blobs in chain.read(repo, ref_name(env), files, limit, keep):
        event_data = _load(blobs[0], f"{sha}:{EVENT_FILE}")
        state_blob = blobs[1] if len(blobs) > 1 else None
        records.append(Record(sha, Event.from_json(event_data), _parse_state(state_blob, sha)))
    return records


def logs(repo: Path | str, envs: Sequence[str]) -> dict[str, list[Record]]:
    """`log` of every env in `envs` (no event yet: an empty list), in three git processes
    for any number of envs: the heads, one walk of all the chains, one read of their files.

    Each env's records are newest first, in the order of one `rev-list --date-order` over
    all chains (a parent never before its children); both sides of a merged divergence are
    included, as in `log`.
    """
    names = list(dict.fromkeys(envs))
    refs = {ref_name(env): env for env in names}  # checks every name first
    heads = {
        refs[ref]: sha for ref, sha in gitrepo.refs_under(repo, REF_PREFIX).items() if ref in refs
    }
    found: dict[str, list[Record]] = {env: [] for env in names}
    if not heads:
        return found
    walk = gitrepo.out(
        repo,
        "rev-list",
        "--date-order",
        "--parents",
        "--end-of-options",
        *dict.fromkeys(heads.values()),
    )
    order: list[str] = []
    parents: dict[str, list[str]] = {}
    for line in walk.splitlines():
        sha, *rest = line.split()
        order.append(sha)
        parents[sha] = rest
    blobs = gitrepo.cat_file_batch(
        repo, [f"{sha}:{name}" for sha in order for name in (STATE_FILE, EVENT_FILE)]
    )
    records = {
        sha: Record(
            sha,
            Event.from_json(_load(blobs.get(f"{sha}:{EVENT_FILE}"), f"{sha}:{EVENT_FILE}")),
            _parse_state(blobs.get(f"{sha}:{STATE_FILE}"), sha),
        )
        for sha in order
    }
    position = {sha: index for index, sha in enumerate(order)}
    for env, head in heads.items():
        seen: set[str] = set()
        stack = [head]
        while stack:
            sha = stack.pop()
            if sha in seen or sha not in parents:
                continue
            seen.add(sha)
            stack.extend(parents[sha])
        found[env] = [records[sha] for sha in sorted(seen, key=position.__getitem__)]
    return found


def last_event(repo: Path | str, env: str, limit: int = 50) -> Record | None:
    """The newest event that is not bookkeeping (a claim, a release, a merge), or None."""
    for record in log(repo, env, limit):
        if record.event.kind not in BOOKKEEPING:
            return record
    return None


def envs_with_state(repo: Path | str) -> list[str]:
    """Names of the envs that have a state ref."""
    text = gitrepo.out(repo, "for-each-ref", "--format=%(refname)", "--end-of-options", REF_PREFIX)
    return [line[len(REF_PREFIX) :] for line in text.splitlines() if line]


def has_remote(repo: Path | str, remote: str) -> bool:
    """True when `remote` is a configured git remote of the repository."""
    return remote in gitrepo.out(repo, "remote").split()


class NoRemote(UsageError):
    """The remote of `sfsync.yml` is not a git remote of this repository."""

    name = "NoRemote"


def require_remote(repo: Path | str, remote: str, doing: str) -> None:
    """`NoRemote` naming what needed it (`doing`: "fetch from") when `remote` is missing."""
    if not has_remote(repo, remote):
        raise NoRemote(
            f"this repository has no git remote '{remote}' (sfsync.yml: remote) to {doing}: "
            f"add it (`git remote add {remote} <url>`), or run without --fetch/--push"
        )


def fetch(repo: Path | str, remote: str, branches: Sequence[str] = ()) -> list[str]:
    """Fetch `refs/sfsync/*` and the given branches from `remote`; returns what was merged.

    The remote's refs land in `refs/sfsync-remote/<remote>/`; a local ref that is behind is
    fast-forwarded, one that is ahead is kept (not pushed yet), and an env's ref whose history
    diverged from the remote's (two clones recorded events at once) gets a `merge` event
    with both histories as parents (see `merge_histories`): never overwritten, never stuck.
    """
    require_remote(repo, remote, "fetch from")
    specs = [f"+refs/sfsync/*:{TRACKING_PREFIX}{remote}/*"]
    specs += [f"+refs/heads/{b}:refs/remotes/{remote}/{b}" for b in branches]
    proc = gitrepo.run(
        repo, "fetch", "--quiet", "--prune", "--end-of-options", remote, *specs, check=False
    )
    if proc.returncode != 0:
        raise ExternalError(
            f"git fetch {remote} failed: {gitrepo.reason(proc.stdout, proc.stderr)}; "
            "check the remote and the network, then run the command again"
        )
    return reconcile(repo, remote)


def remote_head(repo: Path | str, remote: str, env: str) -> str | None:
    """The env's state ref on `remote` as last fetched, or None."""
    return gitrepo.ref_sha(repo, f"{TRACKING_PREFIX}{remote}/envs/{env}")


def reconcile(repo: Path | str, remote: str, only: Sequence[str] | None = None) -> list[str]:
    """Bring the local `refs/sfsync/*` up to the fetched remote ones (see `fetch`).

    `only`: just these envs' refs. Returns one line per env whose histories were merged.
    """
    prefix = f"{TRACKING_PREFIX}{remote}/"
    fetched = gitrepo.refs_under(repo, prefix)
    local = gitrepo.refs_under(repo, "refs/sfsync/")
    merged: list[str] = []
    for tracking, theirs in fetched.items():
        name = "refs/sfsync/" + tracking[len(prefix) :]
        if only is not None and name not in {ref_name(e) for e in only}:
            continue
        ours = local.get(name)
        if ours == theirs:
            continue
        if ours is None or gitrepo.is_ancestor(repo, ours, theirs):
            gitrepo.update_ref_cas(repo, name, theirs, ours, f"sfsync fetch {remote}")
        elif gitrepo.is_ancestor(repo, theirs, ours):
            continue  # local events not pushed yet
        elif name.startswith(REF_PREFIX):
            env = name[len(REF_PREFIX) :]
            record = merge_histories(repo, env, ours, theirs, remote)
            merged.append(
                f"refs/sfsync/envs/{env} had diverged from {remote}: merged both histories "
                f"as {record.commit[:12]} (push it with `git push {remote} {name}:{name}`)"
            )
    return merged


def merge_histories(repo: Path | str, env: str, ours: str, theirs: str, remote: str) -> Record:
    """Join two histories of one env in a `merge` event (parents: the remote's, then ours).

    The state is the remote's, with the changes our own events made since the common
    ancestor applied on top (`apply_change`): e.g. our deploy's `deployed` and our ignores.
    """
    base = gitrepo.merge_base(repo, ours, theirs)
    found = gitrepo.cat_file_batch(
        repo, [f"{sha}:{STATE_FILE}" for sha in (ours, theirs, base) if sha is not None]
    )

    def at(sha: str | None) -> EnvState:
        if sha is None:
            return EnvState()
        return _parse_state(found.get(f"{sha}:{STATE_FILE}"), sha)

    merged_state = apply_change(at(theirs), at(base), at(ours))
    event = Event(
        kind="merge",
        details={
            "remote": remote,
            "theirs": theirs,
            "ours": ours,
            "summary": f"merged the histories of {env} on {remote} and in this clone",
        },
    )
    import datetime as dt

    filled = replace(
        event,
        who=who(repo),
        when=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    )
    state_blob = gitrepo.hash_blob(repo, _dump(merged_state.to_json()))
    event_blob = gitrepo.hash_blob(repo, _dump(filled.to_json()))
    tree = gitrepo.make_tree(repo, {STATE_FILE: state_blob, EVENT_FILE: event_blob})
    commit = gitrepo.commit_tree(repo, tree, [theirs, ours], _message(env, filled))
    if not gitrepo.update_ref_cas(repo, ref_name(env), commit, ours, "sfsync merge"):
        raise StateConflict(
            f"{ref_name(env)} changed while sfsync was merging it with {remote}: run the "
            "command again"
        )
    return Record(commit, filled, merged_state)


def push(repo: Path | str, remote: str, envs: Sequence[str]) -> None:
    """Push the envs' state refs to `remote` (fast-forward only).

    A push refused because someone else recorded meanwhile is fetched, merged
    (`reconcile`) and pushed once more; when that fails too, the error names a command that
    finishes it.
    """
    refs = [ref_name(e) for e in envs]
    if not refs:
        return
    require_remote(repo, remote, "push to")
    error = push_refs(repo, remote, refs, envs)
    if error is not None:
        raise ExternalError(error)


def push_specs(
    repo: Path | str, remote: str, specs: Sequence[str]
) -> subprocess.CompletedProcess[bytes]:
    """One `git push` of `specs` (`src:dst`), fast-forward only, never raising: the process."""
    return gitrepo.run(
        repo, "push", "--quiet", "--porcelain", "--end-of-options", remote, *specs, check=False
    )


def push_refs(
    repo: Path | str, remote: str, refs: Sequence[str], envs: Sequence[str]
) -> str | None:
    """Push `refs` (state refs of `envs`, snapshot refs) fast-forward only; on a rejection,
    fetch and merge the envs' refs and try once more. The error text, or None when pushed."""
    specs = [f"{r}:{r}" for r in refs]
    proc = push_specs(repo, remote, specs)
    if proc.returncode != 0 and envs and gitrepo.push_lost_race(proc.stdout, proc.stderr):
        again = gitrepo.run(
            repo,
            "fetch",
            "--quiet",
            "--end-of-options",
            remote,
            *(f"+{ref_name(e)}:{TRACKING_PREFIX}{remote}/envs/{e}" for e in envs),
            check=False,
        )
        if again.returncode == 0:
            reconcile(repo, remote, only=envs)
            proc = push_specs(repo, remote, specs)
    if proc.returncode == 0:
        return None
    why = gitrepo.reason(proc.stdout, proc.stderr)
    where = f"--env {envs[0]} " if len(envs) == 1 else ""
    return (
        f"git push {remote} of {', '.join(refs)} failed: {why}; push them later with: "
        f"sfsync status {where}--fetch && git push {remote} {' '.join(specs)}"
    )


def who(repo: Path | str) -> str:
    """`Name <email>` of the person recording an event, as git would author a commit
    (`git var GIT_AUTHOR_IDENT`: GIT_AUTHOR_* variables, then git config)."""
    proc = gitrepo.run(repo, "var", "GIT_AUTHOR_IDENT", check=False)
    ident = proc.stdout.decode("utf-8", errors="replace").strip()
    if proc.returncode == 0 and ">" in ident:
        return ident[: ident.rindex(">") + 1]
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
    except (ValueError, RecursionError) as exc:
        raise ExternalError(f"{where} is not valid JSON: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _parse_state(raw: bytes | None, where: str) -> EnvState:
    return EnvState.from_json(_load(raw, f"{where}:{STATE_FILE}"))
