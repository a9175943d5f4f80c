"""`sfsync rollback`'s logic: undo a recorded deployment from its snapshot.

    rollback.deployable_events(repo, "int") -> [state.Record] (newest first)
    rollback.plan_rollback(repo, env, event=None) -> (record, snapshot, restore, delete)
    rollback.rollback_step(repo, env, project, event=None, policy="stop") -> StepResult

A rollback redeploys the event's snapshot (the components it changed or deleted, as the org
had them) and deletes the components the event created. It runs as a deploy step
(`orgdeploy.run_payload`): its own snapshot first, the in-org check against what the event
left in the org, the event `rollback` recorded, so a rollback can be undone the same way.
For branch envs `deployed` goes back to what it was before the event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.metadata.component import Component
from sfsync.metadata.project import Project
from sfsync.org import sf, snapshots
from sfsync.org.deploy import DEPLOY_KINDS, StepResult, run_payload
from sfsync.org.payload import Payload, write_manifests
from sfsync.org.snapshots import Snapshot
from sfsync.org.versions import Version, parse_component, versions_at
from sfsync.pipeline.config import Environment


def deployable_events(repo: Path | str, env: str) -> list[state.Record]:
    """The env's events that changed its org and kept a snapshot, newest first."""
    return [
        r
        for r in state.log(repo, env)
        if r.event.kind in DEPLOY_KINDS and r.event.details.get("snapshot")
    ]


def find_event(repo: Path | str, env: str, event: str | None) -> state.Record:
    """The event to roll back: `event` (a commit of the env's chain, or a prefix) or the newest."""
    records = deployable_events(repo, env)
    if event is None:
        if not records:
            raise UsageError(
                f"{env} has no recorded deployment with a snapshot to roll back "
                f"(see `sfsync log --env {env}`)"
            )
        return records[0]
    found = [r for r in state.log(repo, env) if r.commit.startswith(event.lower())]
    if not found:
        raise UsageError(
            f"no event {event} in refs/sfsync/envs/{env} (see `sfsync log --env {env}`)"
        )
    if len(found) > 1:
        raise UsageError(
            f"event id {event} is ambiguous in refs/sfsync/envs/{env}: give more digits"
        )
    record = found[0]
    if record not in records:
        raise UsageError(
            f"event {record.commit[:12]} of {env} is a '{record.event.kind}' without a "
            "snapshot: nothing to roll back"
        )
    return record


def rollback_step(
    repo: Path | str,
    env: Environment,
    project: Project,
    event: str | None = None,
    *,
    policy: str = "stop",
    test_level: str | None = None,
    on_progress: Callable[[sf.Progress], None] | None = None,
    on_snapshot: Callable[[Snapshot], None] | None = None,
    take_over: bool = False,
) -> StepResult:
    """Undo a recorded deployment: redeploy its snapshot, delete what it created.

    The rollback is itself snapshotted and recorded (kind `rollback`), so it can be undone.
    """
    repo = Path(repo)
    record = find_event(repo, env.name, event)
    return _run_rollback(
        repo, env, project, record, policy, test_level, on_progress, on_snapshot, take_over
    )


def plan_rollback(
    repo: Path | str, env: Environment, event: str | None = None
) -> tuple[state.Record, Snapshot, list[str], list[str]]:
    """(event, its snapshot, components to redeploy, components to delete)."""
    record = find_event(repo, env.name, event)
    snap = _snapshot_of(repo, env.name, record)
    restore, delete = _rollback_sets(record, snap)
    return record, snap, [str(c) for c in restore], [str(c) for c in delete]


# --- internals -------------------------------------------------------------------------


def _snapshot_of(repo: Path | str, env: str, record: state.Record) -> Snapshot:
    ref = str(record.event.details.get("snapshot") or "")
    return snapshots.read(repo, env, ref.rsplit("/", 1)[-1])


def _rollback_sets(record: state.Record, snap: Snapshot) -> tuple[list[Component], list[Component]]:
    details = record.event.details
    touched = {*record.event.components, *(details.get("deleted") or ())}
    present = set(snap.present)
    restore = sorted(parse_component(c) for c in touched if c in present)
    delete = sorted(parse_component(c) for c in touched if c not in present)
    return restore, delete


def _run_rollback(
    repo: Path,
    env: Environment,
    project: Project,
    record: state.Record,
    policy: str,
    test_level: str | None,
    on_progress: Callable[[sf.Progress], None] | None,
    on_snapshot: Callable[[Snapshot], None] | None,
    take_over: bool = False,
) -> StepResult:
    snap = _snapshot_of(repo, env.name, record)
    restore, delete = _rollback_sets(record, snap)
    snap_project = Project.at_revision(repo, snap.commit, extra_types=project.extra_types)
    api_version = snap_project.api_version or project.api_version or "62.0"
    left = _left_by(repo, env.name, record, project)

    def target(wanted: Collection[Component]) -> dict[Component, Version]:
        return versions_at(repo, snap.commit, snap_project, wanted)

    def write(out: Path, removed: set[Component]) -> None:
        snapshots.materialize(repo, snap, out)
        keep = [c for c in restore if c not in removed]
        gone = [c for c in delete if c not in removed]
        write_manifests(out, keep, gone, api_version)

    parent = _parent_state(repo, record)
    after = record.state

    back_to = parent.deployed
    if back_to is None and env.branch is not None and record.event.kind != "rollback":
        back_to = record.event.from_sha  # the baseline the first deployment started from

    def update(current: state.EnvState) -> state.EnvState:
        return replace(current, deployed=back_to, synced_to=parent.synced_to)

    payload = Payload(
        deploy=restore,
        delete=delete,
        api_version=api_version,
        from_sha=after.deployed or record.event.to_sha,
        to_sha=back_to or record.event.from_sha,
        expected=left,
        target=target,
        write=write,
        extra_types=project.extra_types,
    )
    details = {
        "rolledBack": record.commit,
        "rolledBackKind": record.event.kind,
        "restored": snap.ref,
        "summary": f"rollback of {record.event.kind} {record.commit[:12]} on {env.name}",
    }
    return run_payload(
        repo,
        env,
        payload,
        kind="rollback",
        policy=policy,
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


def _left_by(
    repo: Path, env: str, record: state.Record, project: Project
) -> Callable[[Collection[Component]], dict[Component, Version]]:
    """What the event left in the org: the restored snapshot (rollback) or git at `to`."""
    restored = str(record.event.details.get("restored") or "")
    if record.event.kind == "rollback" and restored:
        snap = snapshots.read(repo, env, restored.rsplit("/", 1)[-1])
        snap_project = Project.at_revision(repo, snap.commit, extra_types=project.extra_types)
        return lambda wanted: versions_at(repo, snap.commit, snap_project, wanted)
    to_sha = record.event.to_sha
    if not to_sha or gitrepo.rev_parse(repo, to_sha) is None:
        return lambda wanted: {}
    at_to = Project.at_revision(repo, to_sha, extra_types=project.extra_types)
    return lambda wanted: versions_at(repo, to_sha, at_to, wanted)


def _parent_state(repo: Path, record: state.Record) -> state.EnvState:
    found = gitrepo.cat_file_objects(repo, [f"{record.commit}^:{state.STATE_FILE}"])
    blob = found.get(f"{record.commit}^:{state.STATE_FILE}")
    if blob is None:
        return state.EnvState()
    return state.EnvState.from_json(json.loads(blob.data))
