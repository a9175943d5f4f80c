"""The deploy step every workflow shares: lock, snapshot + in-org check, deploy, record.

API::

    from sfsync.org import deploy as orgdeploy
    result = orgdeploy.deploy_step(
        repo,                    # the work tree (or a temporary worktree) the delta was made in
        env,                     # config.Environment: name, org, branch, protected
        delta,                   # sfsync.metadata.compute_delta(repo, from_sha, to_sha, project)
        kind="pull-upstream",    # event kind: pull-upstream | back-promote | deploy | validate
        policy="stop",           # work found only in the org: "stop" | "skip" | "force"
        exclude=("ApexClass:Foo",),          # left out up front (stays behind)
        test_level=None, tests=(),           # None: RunLocalTests if env.protected else NoTestRun
        check_only=False,                    # a validation: no snapshot, nothing changes
        update_state=lambda s: replace(s, synced_to=up_sha),  # default: deployed=to (branch env)
        details={"summary": "..."},          # extra fields of the event
        on_progress=None,                    # Callable[[sf.Progress], None]: polled, for a tty
        on_snapshot=None,                    # Callable[[Snapshot], None]: e.g. write a journal
        command="pull-upstream",             # shown to a second run that meets the lock
        expected_state=read.commit,          # optional: StateConflict if the ref moved since
    )                                         # -> StepResult (to_json() for --json)

`sfsync.workflows.rollback` builds its own `Payload` (a snapshot to redeploy) and runs it
through the same `run_payload`. What a step sends is `sfsync.org.payload`; the snapshot and
the in-org check are `sfsync.org.inorg`.

What `deploy_step` does, for one env and a delta:

1. takes the env's lock (`locks.hold`) and reads `refs/sfsync/envs/<env>`;
2. retrieves the delta's components (deployed and deleted, minus `exclude`) from the org in
   one `sf` call. That is the snapshot (`refs/sfsync/snapshots/<env>/<id>`) and the
   in-org check: a component whose org version differs from its version at `from_sha` and
   at `to_sha` is work that exists only in the org. `stop` raises `InOrgWork` (exit 1, lists
   component, who, when; nothing deployed, no snapshot kept), `skip` leaves it out (recorded
   as skipped), `force` deploys over it. A component already at `to_sha` is fine: a re-run
   after a crash goes through;
3. writes the delta to a temporary folder and deploys it in one `sf` call (manifest and
   post-destructive changes). A refused deploy raises `sf.DeployFailed` (exit 1) listing the
   errors: the snapshot is kept, no state ref moves, the message says how to retry;
4. appends the event to `refs/sfsync/envs/<env>` with a compare-and-swap on the commit read
   in 1 (`state.StateConflict` when someone else recorded in between).

A validation (`check_only`) skips 2 and records a `validate` event without changing state.
`sf` runs 2 times per step (1 for a validation) unless `on_progress` polls the deploy.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sfsync.errors import UsageError
from sfsync.git import locks, state
from sfsync.git import repo as gitrepo
from sfsync.metadata.component import Component
from sfsync.metadata.delta import Delta
from sfsync.org import sf
from sfsync.org.inorg import InOrgWork, OrgChange, snapshot_and_check
from sfsync.org.payload import Payload, from_delta, write_manifests
from sfsync.org.snapshots import Snapshot
from sfsync.org.versions import parse_component
from sfsync.pipeline.config import Environment

__all__ = [
    "DEPLOY_KINDS",
    "POLICIES",
    "UNSET",
    "InOrgWork",
    "OrgChange",
    "StepResult",
    "Unset",
    "default_test_level",
    "deploy_step",
    "run_payload",
]

POLICIES = ("stop", "skip", "force")


class Unset:
    """The type of `UNSET`: no expectation given."""


UNSET = Unset()
DEPLOY_KINDS = frozenset({"pull-upstream", "back-promote", "deploy", "rollback"})


@dataclass(frozen=True)
class StepResult:
    """What one deploy step did."""

    env: str
    org: str
    kind: str
    from_sha: str | None
    to_sha: str | None
    deployed: tuple[str, ...]
    deleted: tuple[str, ...]
    skipped: tuple[OrgChange, ...] = ()
    forced: tuple[OrgChange, ...] = ()
    excluded: tuple[str, ...] = ()
    already: tuple[str, ...] = ()
    job_id: str | None = None
    snapshot: Snapshot | None = None
    record: state.Record | None = None
    check_only: bool = False
    test_level: str | None = None
    sf_invocations: int = 0
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The result as the commands print it with --json."""
        return {
            "env": self.env,
            "org": self.org,
            "kind": self.kind,
            "from": self.from_sha,
            "to": self.to_sha,
            "deployed": list(self.deployed),
            "deleted": list(self.deleted),
            "skipped": [c.to_json() for c in self.skipped],
            "forced": [c.to_json() for c in self.forced],
            "excluded": list(self.excluded),
            "alreadyInOrg": list(self.already),
            "deployId": self.job_id,
            "snapshot": self.snapshot.ref if self.snapshot else None,
            "event": self.record.commit if self.record else None,
            "checkOnly": self.check_only,
            "testLevel": self.test_level,
            "sfInvocations": self.sf_invocations,
            "warnings": list(self.warnings),
        }


def default_test_level(env: Environment) -> str:
    """RunLocalTests for protected envs (production), NoTestRun otherwise."""
    return "RunLocalTests" if env.protected else "NoTestRun"


def deploy_step(
    repo: Path | str,
    env: Environment,
    delta: Delta,
    *,
    kind: str,
    policy: str = "stop",
    exclude: Sequence[str] = (),
    test_level: str | None = None,
    tests: Sequence[str] = (),
    check_only: bool = False,
    update_state: Callable[[state.EnvState], state.EnvState] | None = None,
    details: Mapping[str, Any] | None = None,
    on_progress: Callable[[sf.Progress], None] | None = None,
    on_snapshot: Callable[[Snapshot], None] | None = None,
    command: str | None = None,
    expected_state: str | Unset | None = UNSET,
) -> StepResult:
    """Deploy `delta` to `env`'s org with a snapshot first and the event recorded.

    `expected_state`: the `refs/sfsync/envs/<env>` commit the caller planned from (None: no
    event yet); when the ref has moved since, `state.StateConflict` is raised before
    anything is retrieved or deployed.
    """
    repo = Path(repo)
    return run_payload(
        repo,
        env,
        from_delta(repo, delta),
        kind=kind,
        policy=policy,
        exclude=exclude,
        test_level=test_level,
        tests=tests,
        check_only=check_only,
        update_state=update_state,
        details=details,
        on_progress=on_progress,
        on_snapshot=on_snapshot,
        command=command or kind,
        expected_state=expected_state,
    )


# --- internals -------------------------------------------------------------------------


def run_payload(
    repo: Path,
    env: Environment,
    payload: Payload,
    *,
    kind: str,
    policy: str,
    exclude: Sequence[str],
    test_level: str | None,
    tests: Sequence[str],
    check_only: bool,
    update_state: Callable[[state.EnvState], state.EnvState] | None,
    details: Mapping[str, Any] | None,
    on_progress: Callable[[sf.Progress], None] | None,
    on_snapshot: Callable[[Snapshot], None] | None,
    command: str,
    expected_state: str | Unset | None = UNSET,
) -> StepResult:
    """Run one deploy step for `payload` (see the module doc); `deploy_step` for a delta."""
    if policy not in POLICIES:
        raise UsageError(f"policy '{policy}' is not one of {', '.join(POLICIES)}")
    level = test_level or ("RunSpecifiedTests" if tests else default_test_level(env))
    excluded_set = {parse_component(c) for c in exclude}
    calls_before = sf.invocations()
    common = gitrepo.common_dir(repo)
    with locks.hold(common, env.name, command):
        current = state.read_state(repo, env.name)
        if not isinstance(expected_state, Unset) and current.commit != expected_state:
            raise state.StateConflict(
                f"refs/sfsync/envs/{env.name} changed since this run read it (someone else "
                f"updated {env.name}); nothing was deployed: run the command again"
            )
        deploy = [c for c in payload.deploy if c not in excluded_set]
        delete = [c for c in payload.delete if c not in excluded_set]
        excluded = sorted(c for c in (*payload.deploy, *payload.delete) if c in excluded_set)
        removed: set[Component] = set(excluded)
        skipped: list[OrgChange] = []
        forced: list[OrgChange] = []
        already: list[str] = []
        snap: Snapshot | None = None
        job_id: str | None = None
        with tempfile.TemporaryDirectory(prefix="sfsync-deploy-") as scratch:
            work = Path(scratch)
            if (deploy or delete) and not check_only:
                snap, changes, already = snapshot_and_check(
                    repo, env, payload, deploy, delete, work / "retrieved", kind, policy
                )
                if policy == "skip":
                    skipped = changes
                    gone = {parse_component(c.component) for c in changes}
                    removed |= gone
                    deploy = [c for c in deploy if c not in gone]
                    delete = [c for c in delete if c not in gone]
                else:
                    forced = changes
                if on_snapshot is not None:
                    on_snapshot(snap)
            if deploy or delete:
                out = work / "payload"
                payload.write(out, removed)
                write_manifests(out, deploy, delete, payload.api_version)
                post = out / "destructiveChanges" / "destructiveChanges.xml"
                try:
                    done = sf.deploy(
                        env.org,
                        out,
                        out / "package" / "package.xml",
                        post_destructive=post if delete else None,
                        test_level=level,
                        tests=tests,
                        check_only=check_only,
                        on_progress=_for_env(on_progress, env.name, check_only),
                    )
                except sf.DeployFailed as exc:
                    raise _failed(exc, env, snap, kind, check_only) from exc
                job_id = done.job_id
        calls = sf.invocations() - calls_before
        new_state = current.state
        if not check_only:
            new_state = (update_state or _default_update(env, payload.to_sha))(current.state)
            new_state = _track_skips(new_state, deploy, delete, skipped)
        event_details: dict[str, Any] = {
            "deployId": job_id,
            "snapshot": snap.ref if snap else None,
            "deleted": [str(c) for c in delete],
            "skipped": [c.to_json() for c in skipped],
            "forced": [c.to_json() for c in forced],
            "excluded": [str(c) for c in excluded],
            "alreadyInOrg": already,
            "testLevel": level,
            "checkOnly": check_only,
            "sfInvocations": calls,
        }
        event_details.update(details or {})
        event_details.setdefault(
            "summary",
            f"{kind} {env.name}: {len(deploy)} deployed, {len(delete)} deleted"
            + (f", {len(skipped)} skipped" if skipped else ""),
        )
        event = state.Event(
            kind="validate" if check_only and kind == "deploy" else kind,
            org=env.org,
            from_sha=payload.from_sha,
            to_sha=payload.to_sha,
            components=tuple(str(c) for c in deploy),
            details=event_details,
        )
        record = state.append_event(repo, env.name, event, new_state, current.commit)
    return StepResult(
        env=env.name,
        org=env.org,
        kind=event.kind,
        from_sha=payload.from_sha,
        to_sha=payload.to_sha,
        deployed=tuple(str(c) for c in deploy),
        deleted=tuple(str(c) for c in delete),
        skipped=tuple(skipped),
        forced=tuple(forced),
        excluded=tuple(str(c) for c in excluded),
        already=tuple(already),
        job_id=job_id,
        snapshot=snap,
        record=record,
        check_only=check_only,
        test_level=level,
        sf_invocations=calls,
        warnings=tuple(payload.warnings),
    )


def _for_env(
    on_progress: Callable[[sf.Progress], None] | None, env: str, check_only: bool
) -> Callable[[sf.Progress], None] | None:
    """`on_progress`, fed with progress that names the env (several may deploy at once)."""
    if on_progress is None:
        return None
    report = on_progress

    def named(progress: sf.Progress) -> None:
        report(replace(progress, env=env, check_only=check_only or progress.check_only))

    return named


def _default_update(
    env: Environment, to_sha: str | None
) -> Callable[[state.EnvState], state.EnvState]:
    def update(current: state.EnvState) -> state.EnvState:
        if env.branch is not None and to_sha:
            return replace(current, deployed=to_sha)
        return current

    return update


def _track_skips(
    current: state.EnvState,
    deploy: Sequence[Component],
    delete: Sequence[Component],
    skipped: Sequence[OrgChange],
) -> state.EnvState:
    done = {str(c) for c in (*deploy, *delete)}
    kept = [c for c in current.skipped if c not in done]
    kept += [c.component for c in skipped if c.component not in kept]
    return replace(current, skipped=tuple(kept))


def _failed(
    exc: sf.DeployFailed, env: Environment, snap: Snapshot | None, kind: str, check_only: bool
) -> sf.DeployFailed:
    kept = f" The snapshot {snap.ref} is kept." if snap else ""
    what = "validation" if check_only else kind
    message = (
        f"{exc.message}\n{env.name}: the org refused the {what}, so the org, the branch and "
        f"refs/sfsync/envs/{env.name} are unchanged.{kept} Fix the errors, commit, and run "
        "the command again."
    )
    failed = sf.DeployFailed(message, failures=exc.failures, job_id=exc.job_id, org=exc.org)
    failed.data.update({"env": env.name, "snapshot": snap.ref if snap else None})
    return failed
