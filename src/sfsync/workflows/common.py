"""What pull-upstream and back-promote share: the delta's components, the deploy step, the lock.

The deploy step itself (snapshot, in-progress check, deploy, event) lives in
`sfsync.org.deploy`; this module adapts it to the two workflows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sfsync.git import state
from sfsync.pipeline.config import Environment
from sfsync.pipeline.project import Project

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sfsync.metadata import Delta
    from sfsync.metadata import Project as MetadataProject
    from sfsync.org import sf

ProgressCallback = Callable[["sf.Progress"], None]
"""Fed with the deploy's progress while it runs (a progress bar at a terminal)."""


@dataclass(frozen=True)
class Outcome:
    """What the deploy step did for one env."""

    env: str
    deployed: tuple[str, ...]
    deleted: tuple[str, ...]
    skipped: tuple[str, ...]
    deploy_id: str | None
    snapshot: str | None
    event: str | None
    step: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The deploy step's own JSON (`deployed`, `skipped`, `deployId`, `snapshot`, ...)."""
        return dict(self.step)


def metadata_project(project: Project, rev: str) -> MetadataProject:
    """The metadata view of the project as of commit `rev` (with the config's extra types)."""
    from sfsync.metadata import Project as MetadataProject

    extra = [t.registry_entry() for t in project.config.extra_types]
    return MetadataProject.at_revision(project.root, rev, extra_types=extra)


def compute(project: Project, from_sha: str, to_sha: str) -> Delta:
    """The net difference between two commits of the project."""
    from sfsync.metadata import compute_delta

    return compute_delta(project.root, from_sha, to_sha, metadata_project(project, to_sha))


def delta_components(project: Project, from_sha: str, to_sha: str) -> tuple[list[str], list[str]]:
    """(components to deploy, components to delete) between two commits, as `Type:FullName`."""
    if from_sha == to_sha:
        return [], []
    delta = compute(project, from_sha, to_sha)
    return (
        [str(c) for c in delta.components],
        [str(c) for c in delta.destructive_components],
    )


def push_state(project: Project, env: str, snapshot: str | None = None) -> str | None:
    """Push `refs/sfsync/envs/<env>` (and the snapshot ref, so a teammate can roll back) to
    the remote, fast-forward only (a state ref someone else moved meanwhile is fetched and
    merged first); the error text, with a command that finishes it, when that failed (the
    org is done)."""
    from sfsync.git import repo as gitrepo

    wanted = [state.ref_name(env), *([snapshot] if snapshot else [])]
    refs = [ref for ref in wanted if gitrepo.ref_sha(project.root, ref) is not None]
    if not refs or not state.has_remote(project.root, project.config.remote):
        return None  # a repository without the remote shares nothing: the refs stay here
    return state.push_refs(project.root, project.config.remote, refs, [env])


def deploy(
    project: Project,
    env: Environment,
    *,
    from_sha: str,
    to_sha: str,
    kind: str,
    exclude: Sequence[str],
    policy: str,
    new_state: Callable[[state.EnvState], state.EnvState],
    details: Mapping[str, Any],
    progress: ProgressCallback | None = None,
    on_snapshot: Callable[[str], None] | None = None,
    take_over: bool = False,
) -> Outcome:
    """Deploy the net difference `from_sha -> to_sha` (minus `exclude`) to `env`'s org.

    The shared deploy step (`sfsync.org.deploy`) snapshots first; `policy` says what to do
    with a component the org changed on its own (its version differs from `from_sha` and
    from `to_sha`): "stop" (list them, who and when), "skip" (leave them, report them) or
    "force". On success the event is appended to `refs/sfsync/envs/<env>` with the state
    `new_state(old state)` (skipped components are tracked by the deploy step).
    `on_snapshot` gets the snapshot's ref once it is stored, before the deploy starts.
    """
    from sfsync.org import deploy as orgdeploy
    from sfsync.workflows import apextests

    delta = compute(project, from_sha, to_sha)
    left_out = set(exclude)
    choice = apextests.choose(
        env,
        [str(c) for c in delta.components if str(c) not in left_out],
        api_version=delta.project.api_version,
        files=lambda: apextests.delta_sources(project.config.package_dirs, delta),
    )
    step = orgdeploy.deploy_step(
        project.root,
        env,
        delta,
        kind=kind,
        policy=policy,
        exclude=exclude,
        test_level=choice.level,
        tests=choice.tests,
        update_state=new_state,
        details=details,
        on_progress=progress,
        on_snapshot=(lambda snap: on_snapshot(snap.ref)) if on_snapshot is not None else None,
        command=kind,
        take_over=take_over,
    )
    return Outcome(
        env=env.name,
        deployed=step.deployed,
        deleted=step.deleted,
        skipped=tuple(c.component for c in step.skipped),
        deploy_id=step.job_id,
        snapshot=step.snapshot.ref if step.snapshot else None,
        event=step.record.commit if step.record else None,
        step={**step.to_json(), "testPlan": choice.to_json()},
    )


def settle_interrupted(
    project: Project, envs: Sequence[Environment], command: str, *, wait: bool = True
) -> tuple[str, ...]:
    """Finish the deploys killed runs left on `envs` before planning (see `sfsync.org.jobs`):
    one line per env that had one. `wait=False` (a dry run) only names them."""
    from sfsync.org import jobs

    notes: list[str] = []
    for env in envs:
        if wait:
            settled = jobs.settle(project.root, env, command)
            note = settled.message if settled is not None else None
        else:
            note = jobs.pending_note(project.paths.common_dir, env.name)
        if note:
            notes.append(note)
    return tuple(notes)


def require_tools() -> None:
    """Stop (ExecutableNotFound, exit 3) before anything moves when `sf` is not installed."""
    from sfsync.org import sf

    sf.require()


@contextmanager
def env_lock(project: Project, env: str, command: str) -> Iterator[None]:
    """Hold the per-env lock for the whole workflow (re-entrant: the deploy step takes it too)."""
    from sfsync.git import locks

    with locks.hold(project.paths.common_dir, env, command):
        yield


def check_unlocked(project: Project, env: str) -> None:
    """Refuse early, with who holds it, when another sfsync run is updating `env`."""
    with env_lock(project, env, "check"):
        pass
