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
   post-destructive changes). A Flow to delete is deactivated in the same deployment
   (a FlowDefinition with `activeVersionNumber` 0 in the package, `sfsync.org.flows`), and
   one the org no longer has is not deleted again. A refused deploy raises
   `sf.DeployFailed` (exit 1) listing the
   errors: the snapshot is kept, no state ref moves, the message says how to retry;
4. appends the event to `refs/sfsync/envs/<env>` with a compare-and-swap on the commit read
   in 1 (`state.StateConflict` when someone else recorded in between).

A validation (`check_only`) skips 2 and records a `validate` event without changing state.
`sf` runs 2 times per step (1 for a validation) unless `on_progress` polls the deploy.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sfsync.errors import ExternalError, SfsyncError, UsageError, from_os_error
from sfsync.git import lease, locks, state
from sfsync.git import repo as gitrepo
from sfsync.metadata.component import Component
from sfsync.metadata.delta import Delta
from sfsync.org import flows as orgflows
from sfsync.org import jobs, sf
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
    pushed: bool = False
    """The state ref (and snapshot) were pushed: the step claimed the env on the remote."""
    tests_run: int = 0
    """Apex test methods the org ran (`numberTestsCompleted`)."""

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
            "testsRun": self.tests_run,
            "sfInvocations": self.sf_invocations,
            "warnings": list(self.warnings),
            "statePushed": self.pushed,
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
    take_over: bool = False,
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
        take_over=take_over,
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
    take_over: bool = False,
) -> StepResult:
    """Run one deploy step for `payload` (see the module doc); `deploy_step` for a delta."""
    if policy not in POLICIES:
        raise UsageError(f"policy '{policy}' is not one of {', '.join(POLICIES)}")
    sf.require()  # before the lock, the lease or the snapshot: nothing happens without sf
    level = test_level or ("RunSpecifiedTests" if tests else default_test_level(env))
    excluded_set = {parse_component(c) for c in exclude}
    calls_before = sf.invocations()
    common = gitrepo.common_dir(repo)
    with locks.hold(common, env.name, command):
        if not check_only:
            _settle_first(repo, env)
        current = state.read_state(repo, env.name)
        if not isinstance(expected_state, Unset) and current.commit != expected_state:
            raise state.StateConflict(
                f"refs/sfsync/envs/{env.name} changed since this run read it (someone else "
                f"updated {env.name}); nothing was deployed: run the command again"
            )
        held = None if check_only else _claim(repo, env, command, current.state, take_over)
        base = held.commit if held else current.commit  # the event goes on top of the claim
        deploy = [c for c in payload.deploy if c not in excluded_set]
        delete = [c for c in payload.delete if c not in excluded_set]
        excluded = sorted(c for c in (*payload.deploy, *payload.delete) if c in excluded_set)
        removed: set[Component] = set(excluded)
        skipped: list[OrgChange] = []
        forced: list[OrgChange] = []
        already: list[str] = []
        snap: Snapshot | None = None
        job_id: str | None = None
        tests_run = 0
        try:
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
                # flows are deactivated, then deleted; one the org no longer has is left alone
                absent = set(snap.absent) if snap is not None else None
                delete, deactivated = orgflows.plan(delete, absent)
                new_state = current.state
                if not check_only:
                    new_state = (update_state or _default_update(env, payload.to_sha))(
                        current.state
                    )
                    new_state = _track_skips(new_state, deploy, delete, skipped)
                event_details: dict[str, Any] = {
                    "deployId": None,
                    "snapshot": snap.ref if snap else None,
                    "deleted": [str(c) for c in delete],
                    "deactivatedFlows": [str(c) for c in deactivated],
                    "skipped": [c.to_json() for c in skipped],
                    "forced": [c.to_json() for c in forced],
                    "excluded": [str(c) for c in excluded],
                    "alreadyInOrg": already,
                    "testLevel": level,
                    "checkOnly": check_only,
                    "sfInvocations": sf.invocations() - calls_before,
                }
                event_details.update(details or {})
                event_details.setdefault(
                    "summary",
                    f"{kind} {env.name}: {len(deploy)} deployed, {len(delete)} deleted"
                    + (f", {len(skipped)} skipped" if skipped else ""),
                )
                event = state.Event(
                    kind="validate" if check_only and kind == "deploy" else kind,
                    who=state.who(repo),
                    org=env.org,
                    from_sha=payload.from_sha,
                    to_sha=payload.to_sha,
                    components=tuple(str(c) for c in deploy),
                    details=event_details,
                )
                if deploy or delete:
                    out = work / "payload"
                    payload.write(out, removed)
                    package = [*deploy, *orgflows.definitions(deactivated)]
                    write_manifests(out, package, delete, payload.api_version)
                    orgflows.write_definitions(out, _package_dir(out), deactivated)
                    post = out / "destructiveChanges" / "destructiveChanges.xml"
                    on_started = None
                    if not check_only:
                        on_started = jobs.start(
                            common,
                            env,
                            kind=kind,
                            command=command,
                            expected=base,
                            event=event,
                            before=current.state,
                            after=new_state,
                            lease=held.to_json() if held else None,
                        )
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
                            on_started=on_started,
                        )
                    except sf.DeployFailed as exc:
                        jobs.clear(common, env.name)  # the org refused: it is as before
                        raise _failed(exc, env, snap, kind, check_only) from exc
                    job_id = done.job_id
                    tests_run = done.tests_run
            calls = sf.invocations() - calls_before
            event_details.update({"deployId": job_id, "sfInvocations": calls})
            if level != sf.ORG_DEFAULT and level != "NoTestRun":
                event_details["testsRun"] = tests_run
            try:
                record = state.append_event(
                    repo, env.name, replace(event, details=event_details), new_state, base
                )
            except (SfsyncError, OSError) as exc:
                if job_id is None or check_only:
                    raise
                raise _not_recorded(env, job_id, command, exc) from exc
            jobs.clear(common, env.name)
        except BaseException as exc:
            _abandon(repo, env, held, exc)
            raise
    result = StepResult(
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
        warnings=(*payload.warnings, *_relevant_ran_nothing(level, tests_run, deploy)),
        tests_run=tests_run,
    )
    if held is None:
        return result
    # the claim on the remote ends with this event: push it (and the snapshot) now
    refs = [state.ref_name(env.name), *([snap.ref] if snap else [])]
    error = state.push_refs(repo, held.remote, refs, [env.name])
    if error is None:
        return replace(result, pushed=True)
    return replace(
        result,
        warnings=(
            *result.warnings,
            f"{env.name} was deployed and recorded here, but not on {held.remote}, where "
            f"its claim stays until then: {error}",
        ),
    )


def _not_recorded(
    env: Environment, job_id: str, command: str, exc: SfsyncError | OSError
) -> ExternalError:
    """The error when the org took the deploy but its event could not be recorded: the job
    stays journaled (`sfsync.org.jobs`), so the next run on the env records it."""
    if isinstance(exc, SfsyncError):
        why = exc.message.splitlines()[0] if exc.message else exc.name
    else:
        known = from_os_error(exc)
        why = known.message if known is not None else f"{type(exc).__name__}: {exc}"
    return ExternalError(
        f"{env.name} WAS deployed (job {job_id}), but recording it on "
        f"refs/sfsync/envs/{env.name} failed: {why}; the deploy is journaled: once that is "
        f"fixed, run `sfsync {command}` again: it records this deploy before anything else",
        data={"env": env.name, "deployId": job_id, "recorded": False},
    )


def _relevant_ran_nothing(
    level: str, tests_run: int, deployed: Sequence[Component]
) -> tuple[str, ...]:
    """A RunRelevantTests deploy that ran no test while it held Apex: Salesforce's beta
    selection found nothing to run (reported: forcedotcom/cli issue 3565), so nothing tested
    the deployed Apex. Said loudly, as a warning of the result."""
    apex = [str(c) for c in deployed if c.type in ("ApexClass", "ApexTrigger")]
    if level != "RunRelevantTests" or tests_run > 0 or not apex:
        return ()
    more = f" and {len(apex) - 5} more" if len(apex) > 5 else ""
    return (
        f"RUNRELEVANTTESTS RAN NO TESTS although the deployment holds Apex "
        f"({', '.join(apex[:5])}{more}): Salesforce's beta selection found nothing to run, "
        "so no test checked this code; run its tests (e.g. sfsync deploy --validate "
        "--tests auto) before trusting it",
    )


def _settle_first(repo: Path, env: Environment) -> None:
    """A deploy a killed run left in the org is finished (and recorded) before a new one."""
    common = gitrepo.common_dir(repo)
    pending = jobs.read(common, env.name)
    if pending is None:
        return
    settled = jobs.settle_locked(repo, env, pending)
    if settled.record is not None:
        raise state.StateConflict(
            f"{settled.message}; nothing new was deployed: run the command again to plan "
            "from what the org holds now"
        )


def _claim(
    repo: Path, env: Environment, command: str, planned: state.EnvState, take_over: bool
) -> lease.Lease | None:
    """Claim the env on the remote of `sfsync.yml` (None: no such remote, no lease)."""
    from sfsync.pipeline import project

    config = project.load(repo).config
    return lease.claim(
        repo,
        env.name,
        config.remote,
        command=command,
        ttl_minutes=config.lease_ttl_minutes,
        take_over=take_over,
        expected=planned,
    )


def _abandon(repo: Path, env: Environment, held: lease.Lease | None, exc: BaseException) -> None:
    """After a failed step: a job journaled with its id may still land, so its journal and
    its claim stay for the next run to settle; otherwise the claim is released."""
    common = gitrepo.common_dir(repo)
    pending = jobs.read(common, env.name)
    if pending is not None and (pending.job_id or not isinstance(exc, SfsyncError)):
        return  # a job may be running (or sf was interrupted while starting it)
    jobs.clear(common, env.name)
    if held is not None:
        lease.release(repo, held, f"nothing deployed ({type(exc).__name__})")


def _package_dir(project_dir: Path) -> str:
    """The first package directory of the payload project sfsync wrote."""
    try:
        data = json.loads((project_dir / "sfdx-project.json").read_text(encoding="utf-8"))
        path = data["packageDirectories"][0]["path"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return "force-app"
    return str(path) if path not in (".", "") else ""


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
    # a rollback redeploys a snapshot: a commit changes nothing it sends
    fix = (
        "Leave the refused components out (--except Type:Name), or first change in the org "
        "what they conflict with, and run the rollback again."
        if kind == "rollback"
        else "Fix the errors, commit, and run the command again."
    )
    message = (
        f"{exc.message}\n{env.name}: the org refused the {what}, so the org, the branch and "
        f"the state recorded in refs/sfsync/envs/{env.name} are unchanged.{kept} {fix}"
    )
    failed = sf.DeployFailed(message, failures=exc.failures, job_id=exc.job_id, org=exc.org)
    failed.data.update({"env": env.name, "snapshot": snap.ref if snap else None})
    return failed
