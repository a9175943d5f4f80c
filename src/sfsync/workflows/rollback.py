"""`sfsync rollback`'s logic: undo a recorded deployment, or part of it, from its snapshot.

    plan = rollback.plan(project, "int", event=None, only=(), leave_out=(), force=False)
    result = rollback.run(project, plan, force=False)          # -> orgdeploy.StepResult

A rollback redeploys the event's snapshot for the chosen components (the versions the org
held just before the event: what the event changed or deleted) and deletes the chosen
components the event created. `--only`/`--except` choose among the components the event
changed; an older event can be rolled back while later ones stay, for the components no
later event changed since: for one a later event changed, the plan refuses (`LaterChange`,
naming that event) unless forced. A component a later rollback already put back is left
as it is.

It runs as a deploy step (`orgdeploy.run_payload`): its own snapshot first, the in-org
check against what the ledger says the org holds (so a change made in Setup since stops it
and names who made it), the event `rollback` recorded (with the events and components it
undid), so a rollback is undone the same way. State: rolling back the whole event whose
result the env records as `deployed` (the newest deployment, typically) moves `deployed`
(and a sandbox's sync point) back to what it was before the event, so the next
`sfsync deploy` deploys the branch again; rolling back part of an event, or an older event,
leaves `deployed` as it is: those components stay as rolled back until the branch changes
them again (`sfsync log --component`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sfsync.errors import Refused, UsageError, plural
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.metadata import rules
from sfsync.metadata.component import Component
from sfsync.metadata.project import Project as MetadataProject
from sfsync.org import left, sf, snapshots
from sfsync.org.deploy import DEPLOY_KINDS, StepResult, default_test_level, run_payload
from sfsync.org.payload import Payload, write_manifests
from sfsync.org.snapshots import Snapshot
from sfsync.org.versions import Version, parse_component, versions_at
from sfsync.pipeline import ledger
from sfsync.pipeline.config import Environment
from sfsync.pipeline.project import Project, metadata_project
from sfsync.workflows import common as workflow


class LaterChange(Refused):
    """A component to roll back was changed by a later event (exit 1; `--force` overrides)."""

    name = "LaterChange"


@dataclass(frozen=True)
class Later:
    """A component this rollback puts back that later events changed since."""

    component: str
    events: tuple[state.Record, ...]
    """Newest first."""

    def describe(self) -> str:
        """`ApexClass:Foo: deploy 1a2b3c4d5e6f (Ana <ana@...>, 2026-..., commit 9f8e7d6)`."""
        return f"{self.component}: " + "; ".join(_event_line(r) for r in self.events)

    def to_json(self) -> dict[str, Any]:
        """`{component, events: [{event, kind, who, when, to}]}`."""
        return {"component": self.component, "events": [_event_json(r) for r in self.events]}


@dataclass(frozen=True)
class Change:
    """One line of the plan: what the rollback does to one component in the org."""

    component: str
    action: str
    """`redeploy` (the snapshot's version), `delete` (the event created it) or `unchanged`
    (a later rollback already put it back)."""
    snapshot: str
    """The snapshot whose version is redeployed."""
    before: Mapping[str, str] = field(default_factory=dict)
    """Who last changed the snapshot's version in the org before the event, and when."""
    origin: state.Record | None = None
    """The earlier event that left the version redeployed (None: no recorded event did)."""
    over: tuple[state.Record, ...] = ()
    """Later events whose change of the component this rollback undoes too (forced)."""
    already_by: state.Record | None = None

    def describe(self, event: str) -> str:
        """The plan line for a person."""
        if self.action == "delete":
            line = f"delete    {self.component}  (created by {event})"
        elif self.action == "unchanged":
            by = self.already_by.commit[:12] if self.already_by else "a later rollback"
            line = f"unchanged {self.component}  (already put back by rollback {by})"
        else:
            source = ""
            if self.origin is not None:
                kind, to = self.origin.event.kind, self.origin.event.to_sha
                commit = f"commit {to[:7]} of " if to and kind != "rollback" else ""
                source = f"{commit}{kind} {self.origin.commit[:12]}; "
            who = self.before.get("lastModifiedByName") or "someone"
            when = self.before.get("lastModifiedDate") or ""
            line = (
                f"redeploy  {self.component}  (the org's version before {event}: {source}"
                f"last changed by {who}{' on ' + when if when else ''})"
            )
        if self.over:
            line += " over " + ", ".join(f"{r.event.kind} {r.commit[:12]}" for r in self.over)
        return line

    def to_json(self) -> dict[str, Any]:
        """The plan item as `--json` shows it."""
        version = None
        if self.action == "redeploy":
            origin = self.origin
            version = {
                "snapshot": self.snapshot,
                "lastModifiedByName": self.before.get("lastModifiedByName"),
                "lastModifiedDate": self.before.get("lastModifiedDate"),
                "event": origin.commit if origin else None,
                "eventKind": origin.event.kind if origin else None,
                "commit": origin.event.to_sha
                if origin and origin.event.kind != "rollback"
                else None,
            }
        return {
            "component": self.component,
            "action": self.action,
            "version": version,
            "overLater": [_event_json(r) for r in self.over],
            "alreadyBy": self.already_by.commit if self.already_by else None,
        }


@dataclass(frozen=True)
class RollbackPlan:
    """What `sfsync rollback` would do."""

    env: Environment
    event: state.Record
    snapshot: Snapshot
    changes: tuple[Change, ...]
    changed: tuple[str, ...]
    """Every component the event changed (what `--only`/`--except` choose from)."""
    partial: bool
    resets_state: bool
    """True: `deployed` (a sandbox's sync point) goes back to before the event."""
    only: tuple[str, ...] = ()
    leave_out: tuple[str, ...] = ()
    interrupted: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def restore(self) -> tuple[str, ...]:
        """The components redeployed from the snapshot."""
        return tuple(c.component for c in self.changes if c.action == "redeploy")

    @property
    def delete(self) -> tuple[str, ...]:
        """The components deleted (the event created them)."""
        return tuple(c.component for c in self.changes if c.action == "delete")

    @property
    def test_level(self) -> str:
        """The tests the rollback runs: RunLocalTests on a protected env, else NoTestRun (an
        env's `tests:` in sfsync.yml chooses for deployments, not for rollbacks)."""
        return default_test_level(self.env)

    @property
    def forced(self) -> tuple[Change, ...]:
        """The changes that undo later events too."""
        return tuple(c for c in self.changes if c.over)

    def to_json(self) -> dict[str, Any]:
        """The plan as `--json` shows it."""
        return {
            "interrupted": list(self.interrupted),
            "env": self.env.name,
            "org": self.env.org,
            "event": self.event.commit,
            "eventKind": self.event.event.kind,
            "eventWhen": self.event.event.when,
            "eventWho": self.event.event.who,
            "eventTo": self.event.event.to_sha,
            "snapshot": self.snapshot.ref,
            "restore": list(self.restore),
            "delete": list(self.delete),
            "unchanged": [c.component for c in self.changes if c.action == "unchanged"],
            "changes": [c.to_json() for c in self.changes],
            "partial": self.partial,
            "only": list(self.only),
            "except": list(self.leave_out),
            "resetsState": self.resets_state,
            "testLevel": self.test_level,
            "warnings": list(self.warnings),
        }


def deployable_events(repo: Path | str, env: str) -> list[state.Record]:
    """The env's events that changed its org and kept a snapshot, newest first."""
    return [r for r in state.log(repo, env) if _deployable(r)]


def find_event(records: Sequence[state.Record], env: str, event: str | None) -> state.Record:
    """The event to roll back: `event` (a commit of the env's chain, or a prefix) or the
    newest deployment; when the newest is a rollback, only by its id. `records` is the env's
    chain, newest first."""
    if event is None:
        for record in records:
            if _deployable(record):
                if record.event.kind == "rollback":
                    # run twice (a CI retry, a second terminal), "undo the newest" would put
                    # back what the first run took out: say which, or name it
                    undid = str(record.event.details.get("rolledBack") or "")[:12]
                    raise UsageError(
                        f"the newest event of {env} is rollback {record.commit[:12]}"
                        + (f" (of {undid})" if undid else "")
                        + ": rolling back without --event would undo it and deploy again "
                        f"what it took out; to undo that rollback give --event "
                        f"{record.commit[:12]}, for another event its id "
                        f"(see `sfsync log --env {env}`)"
                    )
                return record
        raise UsageError(
            f"{env} has no recorded deployment with a snapshot to roll back "
            f"(see `sfsync log --env {env}`)"
        )
    if not event.strip():
        raise UsageError(
            f"--event is empty: give an event id, or leave --event out for the newest "
            f"(see `sfsync log --env {env}`)"
        )
    found = [r for r in records if r.commit.startswith(event.lower())]
    if not found:
        raise UsageError(
            f"no event {event} in refs/sfsync/envs/{env} (see `sfsync log --env {env}`)"
        )
    if len(found) > 1:
        raise UsageError(
            f"event id {event} is ambiguous in refs/sfsync/envs/{env}: give more digits"
        )
    record = found[0]
    if not _deployable(record):
        kind = record.event.kind
        why = "it kept no snapshot"
        if kind not in DEPLOY_KINDS:
            why = f"sfsync rolls back only {', '.join(sorted(DEPLOY_KINDS))} events"
        raise UsageError(
            f"event {record.commit[:12]} of {env} ({kind}) cannot be rolled back: {why} "
            f"(see `sfsync log --env {env}`)"
        )
    return record


def plan(
    project: Project,
    env_name: str,
    event: str | None = None,
    *,
    only: Sequence[str] = (),
    leave_out: Sequence[str] = (),
    force: bool = False,
    settle: bool = True,
) -> RollbackPlan:
    """What rolling back `event` (default: the newest deployment) does, component by
    component. Raises `LaterChange` when a chosen component was changed by a later event
    and `force` is not given; `Refused` when nothing is left to change.

    `settle`: first finish a deploy a killed run left on the env (a dry run only names it).
    A rollback that a killed run started and that landed is recorded, not undone again.
    """
    env = project.config.env(env_name)
    repo = project.root
    before = state.last_event(repo, env.name)
    interrupted = workflow.settle_interrupted(project, [env], "rollback", wait=settle)
    records = state.log(repo, env.name)
    after = next((r for r in records if r.event.kind not in state.BOOKKEEPING), None)
    if event is None and after is not None and after != before and after.event.kind == "rollback":
        raise Refused(
            f"{interrupted[0]}: that rollback is done; run `sfsync rollback --env {env.name}` "
            "again only to undo it"
        )
    for pattern in (*only, *leave_out):
        parse_component(pattern)  # Type:FullName (patterns too), or a usage error
    record = find_event(records, env.name, event)
    where = f"{record.event.kind} {record.commit[:12]}"
    snap = _snapshot_of(repo, env.name, record)
    changed = _changed(record)
    try:
        chosen = ledger.select(changed, only, leave_out, where)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if not chosen:
        raise UsageError(f"--except leaves nothing of {where} to roll back")
    meta = metadata_project(repo)
    changes = _changes(repo, env.name, record, snap, records, chosen, meta)
    later = [Later(c.component, c.over) for c in changes if c.over]
    if later and not force:
        raise _later_change(env, where, later)
    if not any(c.action != "unchanged" for c in changes):
        raise Refused(
            f"nothing to roll back: later rollbacks already put back what {where} changed "
            f"on {env.name} ({', '.join(c.component for c in changes)})"
        )
    partial = len(chosen) < len(changed)
    warnings = tuple(
        f"{c.component}: the org overlays a deployed {c.component.split(':', 1)[0]} on what "
        "it holds (Metadata API Developer Guide, Profile), so what the event added to it "
        "stays after the rollback; take that out in git and deploy, or in Setup"
        for c in changes
        if c.action == "redeploy" and c.component.split(":", 1)[0] in rules.MERGED
    )
    current = records[0].state if records else state.EnvState()
    resets = not partial and _holds_event_result(env, record, current)
    return RollbackPlan(
        env=env,
        event=record,
        snapshot=snap,
        changes=tuple(changes),
        changed=tuple(changed),
        partial=partial,
        resets_state=resets,
        only=tuple(only),
        leave_out=tuple(leave_out),
        interrupted=interrupted,
        warnings=warnings,
    )


def run(
    project: Project,
    rollback: RollbackPlan,
    *,
    force: bool = False,
    test_level: str | None = None,
    on_progress: Callable[[sf.Progress], None] | None = None,
    on_snapshot: Callable[[Snapshot], None] | None = None,
    take_over: bool = False,
) -> StepResult:
    """Redeploy the planned snapshot versions and delete what the event created, as one
    deploy step: snapshot first, the in-org check, the `rollback` event recorded."""
    repo = project.root
    env = rollback.env
    record = rollback.event
    meta = metadata_project(repo)
    extra = meta.extra_types
    snap = rollback.snapshot
    restore = [parse_component(c) for c in rollback.restore]
    delete = [parse_component(c) for c in rollback.delete]
    snap_project = left.snapshot_project(repo, snap, extra, meta)
    api_version = snap_project.api_version or meta.api_version or "62.0"

    def target(wanted: Collection[Component]) -> dict[Component, Version]:
        return versions_at(repo, snap.commit, snap_project, wanted)

    def expected(wanted: Collection[Component]) -> dict[Component, Version]:
        """What the ledger says the org holds now (the event's result, or a later one's)."""
        found = left.now(repo, env.name, wanted, extra)
        return {c: v for c, v in found.items() if v is not None}

    def write(out: Path, removed: set[Component]) -> None:
        snapshots.materialize(repo, snap, out)
        keep = [c for c in restore if c not in removed]
        gone = [c for c in delete if c not in removed]
        write_manifests(out, keep, gone, api_version)

    parent = _parent_state(repo, record)
    back_to = parent.deployed
    if back_to is None and env.branch is not None and record.event.kind != "rollback":
        back_to = record.event.from_sha  # the baseline the first deployment started from

    def update(current: state.EnvState) -> state.EnvState:
        if not rollback.resets_state:
            return current
        return replace(current, deployed=back_to, synced_to=parent.synced_to)

    if rollback.resets_state:
        from_sha = record.state.deployed or record.event.to_sha
        to_sha = back_to or record.event.from_sha
    else:
        from_sha, to_sha = record.event.to_sha, record.event.from_sha
    payload = Payload(
        deploy=restore,
        delete=delete,
        api_version=api_version,
        from_sha=from_sha,
        to_sha=to_sha,
        expected=expected,
        target=target,
        write=write,
        extra_types=extra,
        warnings=list(rollback.warnings),
    )
    where = f"{record.event.kind} {record.commit[:12]}"
    what = (
        f"{plural(len(restore) + len(delete), 'component')} of {where}"
        if rollback.partial
        else where
    )
    details: dict[str, Any] = {
        "rolledBack": record.commit,
        "rolledBackKind": record.event.kind,
        "restored": snap.ref,
        "partial": rollback.partial,
        "only": list(rollback.only),
        "except": list(rollback.leave_out),
        "resetsState": rollback.resets_state,
        "overLater": [Later(c.component, c.over).to_json() for c in rollback.forced],
        "unchanged": [c.component for c in rollback.changes if c.action == "unchanged"],
        "summary": f"rollback of {what} on {env.name}",
    }
    return run_payload(
        repo,
        env,
        payload,
        kind="rollback",
        policy="force" if force else "stop",
        exclude=(),
        test_level=test_level,
        tests=(),
        check_only=False,
        update_state=update,
        details=details,
        on_progress=on_progress,
        on_snapshot=on_snapshot,
        command="rollback",
        take_over=take_over,
    )


# --- internals -------------------------------------------------------------------------


def _deployable(record: state.Record) -> bool:
    return record.event.kind in DEPLOY_KINDS and bool(record.event.details.get("snapshot"))


def _snapshot_of(repo: Path | str, env: str, record: state.Record) -> Snapshot:
    ref = str(record.event.details.get("snapshot") or "")
    return snapshots.read(repo, env, ref.rsplit("/", 1)[-1])


def _changed(record: state.Record) -> list[str]:
    """Every component the event changed in the org, sorted."""
    return sorted(ledger.changes(record.event), key=parse_component)


def _changes(
    repo: Path,
    env: str,
    record: state.Record,
    snap: Snapshot,
    records: Sequence[state.Record],
    chosen: Sequence[str],
    meta: MetadataProject,
) -> list[Change]:
    """The plan's lines: each chosen component against the later events that changed it,
    and the earlier event whose version the snapshot holds."""
    extra = meta.extra_types
    present = {ledger.key(c) for c in snap.present}
    components = [parse_component(c) for c in chosen]
    at_snap = left.snapshot_project(repo, snap, extra, meta)
    snap_versions = versions_at(repo, snap.commit, at_snap, components)
    later = ledger.later_changes(records, record, chosen)
    versions_now: dict[Component, Version | None] = {}
    event_versions: dict[Component, Version] = {}
    if later:
        touched = [parse_component(c) for c in later]
        versions_now = left.now(repo, env, touched, extra, records)
        reader = left.by_event(repo, env, record, extra)
        event_versions = reader(touched) if reader is not None else {}
    older = list(records[[r.commit for r in records].index(record.commit) + 1 :])
    origins = _origins(repo, env, older, snap_versions, extra)
    out: list[Change] = []
    for name, component in zip(chosen, components, strict=True):
        action = "redeploy" if ledger.key(name) in present else "delete"
        base = Change(
            name,
            action,
            snap.ref,
            dict(snap.properties.get(name) or {}) if action == "redeploy" else {},
            origins.get(component) if action == "redeploy" else None,
        )
        events = tuple(later.get(name, ()))
        if not events:
            out.append(base)
            continue
        known = component in versions_now
        current = versions_now.get(component)
        if known and current == snap_versions.get(component):
            newest_rollback = next((r for r in events if r.event.kind == "rollback"), None)
            out.append(replace(base, action="unchanged", already_by=newest_rollback or events[0]))
        elif known and current == event_versions.get(component):
            out.append(base)  # later changes that cancel out
        else:
            out.append(replace(base, over=events))
    return out


def _origins(
    repo: Path,
    env: str,
    older: Sequence[state.Record],
    versions: Mapping[Component, Version],
    extra: Sequence[Mapping[str, Any]],
) -> dict[Component, state.Record]:
    """For each snapshot version: the earlier event that left exactly it in the org."""
    last = ledger.last_change(older, [str(c) for c in versions])
    by_record: dict[str, list[Component]] = {}
    for component in versions:
        found = last.get(str(component))
        if found is not None:
            by_record.setdefault(found.commit, []).append(component)
    out: dict[Component, state.Record] = {}
    for wanted in by_record.values():
        source = last[str(wanted[0])]
        reader = left.by_event(repo, env, source, extra)
        left_there = reader(wanted) if reader is not None else {}
        out.update({c: source for c in wanted if left_there.get(c) == versions[c]})
    return out


def _holds_event_result(env: Environment, record: state.Record, current: state.EnvState) -> bool:
    """True when the env's recorded state is still what the event left (its `deployed`, or
    a sandbox's sync point): undoing the whole event then moves that state back."""
    if env.branch is not None:
        return current.deployed is not None and current.deployed == record.state.deployed
    return current.synced_to == record.state.synced_to


def _later_change(env: Environment, where: str, later: Sequence[Later]) -> LaterChange:
    if len(later) == 1:
        message = (
            f"rollback of {where} on {env.name} would undo a later change of "
            f"{later[0].describe()}: roll that back first, leave it out "
            f"(--except {later[0].component}), or roll back over it with --force"
        )
    else:
        lines = [
            f"rollback of {where} on {env.name} would undo later changes of "
            f"{plural(len(later), 'component')}:"
        ]
        lines += [f"  {item.describe()}" for item in later]
        lines.append(
            "Roll those back first, leave the components out (--except Type:Name), "
            "or roll back over them with --force."
        )
        message = "\n".join(lines)
    return LaterChange(message, data={"later": [item.to_json() for item in later]})


def _event_line(record: state.Record) -> str:
    event = record.event
    commit = f", commit {event.to_sha[:7]}" if event.to_sha and event.kind != "rollback" else ""
    return f"{event.kind} {record.commit[:12]} ({event.who}, {event.when}{commit})"


def _event_json(record: state.Record) -> dict[str, Any]:
    event = record.event
    return {
        "event": record.commit,
        "kind": event.kind,
        "who": event.who,
        "when": event.when,
        "to": event.to_sha,
    }


def _parent_state(repo: Path, record: state.Record) -> state.EnvState:
    found = gitrepo.cat_file_objects(repo, [f"{record.commit}^:{state.STATE_FILE}"])
    blob = found.get(f"{record.commit}^:{state.STATE_FILE}")
    if blob is None:
        return state.EnvState()
    return state.EnvState.from_json(json.loads(blob.data))
