"""`sfsync back-promote`: walk the pipeline down from one env (prod -> uat -> int -> sandboxes).

For each branch env, top first: merge the upper env's branch into its branch in a temporary
`git worktree` (the user's working tree is never touched), deploy the net difference to its
org through the shared deploy step (snapshot + in-progress check), push the branch, record
the event and push the state ref. With `--sandboxes`, then deploy to each developer sandbox
the upstream changes it lacks (its sync point -> its upstream's new tip), skipping and
reporting the components the sandbox changed since its sync point. The first conflict or
failure of a branch env stops the walk; the error names the envs that were done. Sandboxes
are independent leaves: they run `jobs` at a time in threads (each has its own org and
lock), and a failed one is reported at the end (`SandboxesFailed`) without stopping the rest.

Collect, then act: `plan` predicts every merge with `git merge-tree` (chained through
in-memory commits, so the plan for int already includes what uat will receive) and changes
nothing but dangling git objects.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sfsync.errors import EXIT_EXTERNAL, ExternalError, Refused, SfsyncError, UsageError
from sfsync.git import journal, state, worktree
from sfsync.git import repo as gitrepo
from sfsync.pipeline import behind as behind_mod
from sfsync.pipeline import tracking
from sfsync.pipeline.config import Environment
from sfsync.pipeline.project import Project
from sfsync.workflows import common as workflow
from sfsync.workflows import merging

OP = "back-promote"
DEFAULT_JOBS = 4  # developer sandboxes updated at once (each has its own org and lock)


@dataclass(frozen=True)
class Step:
    """One env of the walk: a branch env to merge and deploy, or a sandbox to deploy to."""

    env: Environment
    upper: str
    old: str | None
    """Branch env: its branch tip before the merge. Sandbox: its sync point."""
    upper_sha: str
    """The upper env's tip (for a lower branch env: as predicted after its own merge)."""
    predicted: str | None
    """The predicted merge result (branch env) or the commit the sandbox receives."""
    deploy: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    skip_reason: str | None = None
    resume_merged: str | None = None
    merge: merging.MergeReport = field(default_factory=merging.MergeReport)
    """The predicted merge (branch env), file by file: merged by element, entries in conflict."""

    @property
    def is_sandbox(self) -> bool:
        """True for a developer sandbox (no branch)."""
        return self.env.branch is None

    def to_json(self) -> dict[str, Any]:
        """One row of the plan."""
        return {
            "env": self.env.name,
            "org": self.env.org,
            "branch": self.env.branch,
            "from": self.upper,
            "kind": "sandbox" if self.is_sandbox else "branch",
            "old": self.old,
            "upperSha": self.upper_sha,
            "deploy": list(self.deploy),
            "delete": list(self.delete),
            "conflicts": list(self.conflicts),
            "skip": self.skip_reason,
            **self.merge.to_json(),
        }


@dataclass(frozen=True)
class Plan:
    """The walk, top first."""

    source: Environment
    steps: tuple[Step, ...]
    interrupted: tuple[str, ...] = ()
    """What became of the deploys killed runs left on the walk's envs (settled first)."""

    def to_json(self) -> dict[str, Any]:
        """The plan as printed by `--dry-run --json`."""
        return {
            "from": self.source.name,
            "steps": [s.to_json() for s in self.steps],
            "interrupted": list(self.interrupted),
        }


@dataclass(frozen=True)
class StepResult:
    """What happened to one env."""

    env: str
    status: str
    """done | up-to-date | skipped | failed (a sandbox; the others went on)"""
    merged: str | None = None
    outcome: workflow.Outcome | None = None
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    """A failed sandbox: the error's name (DeployFailed, InOrgWork, SfError...)."""
    exit_code: int | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False)
    merge: merging.MergeReport = field(default_factory=merging.MergeReport)
    """The branch env's merge, file by file (files merged by element)."""

    def to_json(self) -> dict[str, Any]:
        """One env's result."""
        data: dict[str, Any] = {"env": self.env, "status": self.status, "merged": self.merged}
        if self.reason:
            data["reason"] = self.reason
        if self.error:
            data["error"] = {"name": self.error, "exitCode": self.exit_code, "data": self.data}
        if self.warnings:
            data["warnings"] = list(self.warnings)
        if self.merge.files:
            data.update(self.merge.to_json())
        if self.outcome is not None:
            data.update(self.outcome.to_json())
        return data


@dataclass(frozen=True)
class Result:
    """The whole walk."""

    plan: Plan
    steps: tuple[StepResult, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """`--json` result."""
        return {"from": self.plan.source.name, "envs": [s.to_json() for s in self.steps]}


def plan(
    project: Project,
    source: str,
    targets: Sequence[str] = (),
    *,
    sandboxes: bool = False,
    fetch: bool = True,
    settle: bool = True,
) -> Plan:
    """The envs below `source` to bring up to date, top first, with their predicted deltas.

    `settle`: first finish the deploys killed runs left on those envs (see
    `sfsync.org.jobs`); a dry run only names them.
    """
    config = project.config
    top = config.env(source)
    if top.branch is None:
        raise UsageError(f"--from {source}: a developer sandbox has no branch to promote from")
    walk = _walk(project, top, targets, sandboxes)
    if not walk:
        raise UsageError(
            f"nothing below {source} to back-promote to"
            + ("" if sandboxes else " (add --sandboxes for developer sandboxes)")
        )
    if fetch and state.has_remote(project.root, config.remote):  # none: branches are local
        tracking.sync_remote(project, [top, *walk])
    interrupted = workflow.settle_interrupted(project, walk, OP, wait=settle)
    tips: dict[str, str] = {top.name: _branch_tip(project, top)}
    steps: list[Step] = []
    for env in walk:
        assert env.upstream is not None
        upper_sha = tips.get(env.upstream) or _branch_tip(project, config.env(env.upstream))
        if env.branch is not None:
            step = _plan_branch(project, env, upper_sha)
            tips[env.name] = step.predicted or step.old or upper_sha
        else:
            step = _plan_sandbox(project, env, upper_sha)
        steps.append(step)
    return Plan(top, tuple(steps), interrupted)


def execute(
    project: Project,
    the_plan: Plan,
    *,
    progress: workflow.ProgressCallback | None = None,
    jobs: int = DEFAULT_JOBS,
    take_over: bool = False,
) -> Result:
    """Run the walk: branch envs one after the other (the first conflict or failure stops
    the walk), then the developer sandboxes, `jobs` at a time.

    Each sandbox has its own org and lock, so they run in parallel threads; a failed sandbox
    does not stop the others. When some failed, `SandboxesFailed` is raised once all are done,
    with every env's result in its data. `take_over`: take over other clones' claims on the
    envs once they have expired.
    """
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: run at least 1 sandbox at a time")
    if any(step.skip_reason is None for step in the_plan.steps):
        workflow.require_tools()  # before the first merge
    done: list[StepResult] = []
    tips: dict[str, str] = {the_plan.source.name: _branch_tip(project, the_plan.source)}
    sandboxes: list[tuple[Step, str]] = []
    for step in the_plan.steps:
        assert step.env.upstream is not None
        upper_sha = tips.get(step.env.upstream, step.upper_sha)
        if step.is_sandbox and step.skip_reason is None:
            sandboxes.append((step, upper_sha))
            continue
        try:
            if step.skip_reason is not None:
                result = StepResult(step.env.name, "skipped", reason=step.skip_reason)
            else:
                result = _run_branch(project, step, upper_sha, progress, take_over)
        except SfsyncError as exc:
            names = [r.env for r in done if r.status != "skipped"]
            where = f"done: {', '.join(names)}" if names else "no env was changed"
            exc.message = f"back-promote stopped at {step.env.name} ({where}): {exc.message}"
            if "conflicts" not in exc.data:  # a conflict's message says what to run instead
                exc.message += (
                    "\nonce fixed, run the same back-promote again: envs already done are up "
                    "to date and an interrupted merge is reused"
                )
            exc.data = {**exc.data, "done": [r.to_json() for r in done], "failed": step.env.name}
            raise
        if result.merged and step.env.branch is not None:
            tips[step.env.name] = result.merged
        done.append(result)
    finished = _run_sandboxes(project, sandboxes, progress, jobs, take_over)
    order = {s.env.name: i for i, s in enumerate(the_plan.steps)}
    results = sorted([*done, *finished], key=lambda r: order[r.env])
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise SandboxesFailed(the_plan, tuple(results), len(sandboxes))
    return Result(the_plan, tuple(results))


class SandboxesFailed(SfsyncError):
    """Some developer sandboxes could not be updated; the others were (exit code of the
    worst failure: 1 refused by the org or found changed there, 3 `sf`/git failed)."""

    name = "SandboxesFailed"

    def __init__(self, the_plan: Plan, results: tuple[StepResult, ...], tried: int) -> None:
        failed = [r for r in results if r.status == "failed"]
        sandboxes = "sandbox" if tried == 1 else "sandboxes"
        lines = [
            f"back-promote from {the_plan.source.name}: {len(failed)} of {tried} {sandboxes} "
            f"failed, the other envs were updated; fix them, then run the same back-promote "
            "again (envs already done are up to date):"
        ]
        lines += [f"  {r.env}: {(r.reason or '').splitlines()[0]}" for r in failed]
        super().__init__(
            "\n".join(lines),
            data={
                "envs": [r.to_json() for r in results],
                "failed": [r.env for r in failed],
            },
        )
        self.exit_code = max(r.exit_code or EXIT_EXTERNAL for r in failed)
        self.results = results


def _run_sandboxes(
    project: Project,
    sandboxes: Sequence[tuple[Step, str]],
    progress: workflow.ProgressCallback | None,
    jobs: int,
    take_over: bool,
) -> list[StepResult]:
    """Every sandbox step, `jobs` at a time; a failure becomes that sandbox's result."""

    def one(step: Step, upper_sha: str) -> StepResult:
        try:
            return _run_sandbox(project, step, upper_sha, progress, take_over)
        except SfsyncError as exc:
            return StepResult(
                step.env.name,
                "failed",
                reason=exc.message,
                error=exc.name,
                exit_code=exc.exit_code,
                data=dict(exc.data),
            )

    if jobs == 1 or len(sandboxes) <= 1:
        return [one(step, sha) for step, sha in sandboxes]
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="sfsync-sandbox") as pool:
        futures = [pool.submit(one, step, sha) for step, sha in sandboxes]
        return [future.result() for future in futures]


# --- planning ---------------------------------------------------------------------------


def _walk(
    project: Project, top: Environment, targets: Sequence[str], sandboxes: bool
) -> list[Environment]:
    """The envs below `top`, level by level; narrowed to `targets` (and their way down)."""
    config = project.config
    below: list[Environment] = []
    queue = [top]
    while queue:
        current = queue.pop(0)
        for child in config.downstream_of(current.name):
            below.append(child)
            queue.append(child)
    names = {e.name for e in below}
    for target in targets:
        config.env(target)  # a clear error for an unknown name
        if target not in names:
            raise UsageError(f"--to {target}: not below {top.name} in the pipeline")
    if not targets:
        return [e for e in below if e.branch is not None or sandboxes]
    wanted = set(targets)
    # a lower target needs the envs between it and `top` to carry the change down
    for target in targets:
        env = config.env(target)
        while env.upstream is not None and env.upstream != top.name:
            wanted.add(env.upstream)
            env = config.env(env.upstream)
    if sandboxes:
        wanted |= {e.name for e in below if e.branch is None and e.upstream in wanted | {top.name}}
    return [e for e in below if e.name in wanted]


def _branch_tip(project: Project, env: Environment) -> str:
    assert env.branch is not None
    ref = behind_mod.branch_ref(project.root, project.config.remote, env.branch)
    sha = gitrepo.rev_parse(project.root, ref) if ref else None
    if sha is None:
        raise UsageError(
            f"branch '{env.branch}' of {env.name} not found locally or on "
            f"{project.config.remote}: run `git fetch {project.config.remote}`"
        )
    return sha


def _plan_branch(project: Project, env: Environment, upper_sha: str) -> Step:
    repo = project.root
    old = _branch_tip(project, env)
    assert env.upstream is not None
    pending = journal.read(project.paths.common_dir, env.name)
    if pending is not None and pending.get("op") == OP and pending.get("old") == old:
        merged = str(pending["merged"])
        deploy, delete = workflow.delta_components(project, old, merged)
        return Step(
            env,
            env.upstream,
            old,
            upper_sha,
            merged,
            tuple(deploy),
            tuple(delete),
            resume_merged=merged,
        )
    if gitrepo.is_ancestor(repo, upper_sha, old):
        return Step(env, env.upstream, old, upper_sha, old)
    if gitrepo.is_ancestor(repo, old, upper_sha):
        deploy, delete = workflow.delta_components(project, old, upper_sha)
        return Step(env, env.upstream, old, upper_sha, upper_sha, tuple(deploy), tuple(delete))
    with merging.element_merge(repo, _labels(project, env)) as how:
        tree, conflicts = gitrepo.merge_tree(repo, old, upper_sha, config=how.config, env=how.env)
        report = how.report()
    if conflicts:
        return Step(
            env, env.upstream, old, upper_sha, None, conflicts=tuple(conflicts), merge=report
        )
    probe = gitrepo.commit_tree(repo, tree, [old, upper_sha], "sfsync back-promote plan")
    deploy, delete = workflow.delta_components(project, old, probe)
    return Step(
        env, env.upstream, old, upper_sha, probe, tuple(deploy), tuple(delete), merge=report
    )


def _labels(project: Project, env: Environment) -> tuple[str, str, str]:
    """The conflict markers' labels: merge base, the env's branch, the upper env's branch."""
    assert env.upstream is not None and env.branch is not None
    upper = project.config.env(env.upstream).branch or env.upstream
    return ("merge-base", env.branch, upper)


def _plan_sandbox(project: Project, env: Environment, upper_sha: str) -> Step:
    assert env.upstream is not None
    synced = state.read_state(project.root, env.name).state.synced_to
    if synced is None:
        return Step(
            env,
            env.upstream,
            None,
            upper_sha,
            None,
            skip_reason=(
                f"never synced: run `sfsync mark-synced --env {env.name}` once the sandbox "
                "holds a known commit"
            ),
        )
    if gitrepo.rev_parse(project.root, synced) is None:
        return Step(
            env,
            env.upstream,
            synced,
            upper_sha,
            None,
            skip_reason=f"its sync point {synced[:12]} is not in this repository",
        )
    deploy, delete = workflow.delta_components(project, synced, upper_sha)
    return Step(env, env.upstream, synced, upper_sha, upper_sha, tuple(deploy), tuple(delete))


# --- execution --------------------------------------------------------------------------


def _run_branch(
    project: Project,
    step: Step,
    upper_sha: str,
    progress: workflow.ProgressCallback | None,
    take_over: bool = False,
) -> StepResult:
    env = step.env
    assert env.branch is not None and step.old is not None
    repo = project.root
    common = project.paths.common_dir
    with workflow.env_lock(project, env.name, OP):
        old = _branch_tip(project, env)
        if old != step.old:
            raise Refused(
                f"{env.branch} moved since the plan ({step.old[:12]} -> {old[:12]}): "
                "run back-promote again"
            )
        if gitrepo.is_ancestor(repo, upper_sha, old):
            journal.clear(common, env.name)
            push_error = workflow.push_state(project, env.name)  # a killed run may not have
            warn = (f"refs/sfsync/envs/{env.name} not pushed: {push_error}",) if push_error else ()
            return StepResult(env.name, "up-to-date", merged=old, warnings=warn)
        record = {
            "op": OP,
            "env": env.name,
            "branch": env.branch,
            "old": old,
            "upperSha": upper_sha,
        }
        merged = step.resume_merged
        report = merging.MergeReport()
        if merged is None or not gitrepo.is_ancestor(repo, upper_sha, merged):
            merged, report = _merge_in_worktree(project, env, old, upper_sha)
        journal.write(common, env.name, {**record, "step": "deploy", "merged": merged})
        journal.pause_point("back-promote-deploy")
        outcome = _deploy_unless_recorded(project, env, old, merged, upper_sha, progress, take_over)
        journal.write(common, env.name, {**record, "step": "push", "merged": merged})
        journal.pause_point("back-promote-push")
        ok, detail, race = worktree.push_ref(
            repo, project.config.remote, merged, f"refs/heads/{env.branch}"
        )
        if not ok and not race:
            raise ExternalError(
                f"{env.name}'s org now holds {merged[:12]}, but git push "
                f"{project.config.remote} {env.branch} failed: {detail}; fix the remote (or "
                "your permissions on it), then run back-promote again to push it"
            )
        if not ok:
            raise Refused(
                f"{env.name}'s org now holds {merged[:12]}, but pushing it to "
                f"{project.config.remote}/{env.branch} was rejected ({detail}): someone pushed "
                f"to {env.branch} meanwhile; `git fetch` and run back-promote again"
            )
        _advance_local_branch(project, env.branch, old, merged)
        journal.clear(common, env.name)
    warnings = []
    push_error = workflow.push_state(project, env.name, outcome.snapshot if outcome else None)
    if push_error:
        warnings.append(f"refs/sfsync/envs/{env.name} not pushed: {push_error}")
    warnings += report.warnings
    return StepResult(env.name, "done", merged, outcome, warnings=tuple(warnings), merge=report)


def _merge_in_worktree(
    project: Project, env: Environment, old: str, upper_sha: str
) -> tuple[str, merging.MergeReport]:
    """Merge `upper_sha` into `old` in a temporary worktree, metadata by element: the merge
    commit's sha and what the merge driver did."""
    repo = project.root
    assert env.upstream is not None and env.branch is not None
    upper_branch = project.config.env(env.upstream).branch
    with tempfile.TemporaryDirectory(prefix=f"sfsync-{env.name}-") as tmp:
        tree = Path(tmp) / "worktree"
        worktree.worktree_add(repo, tree, old)
        try:
            message = (
                f"Merge {upper_branch} into {env.branch}\n\n"
                f"sfsync back-promote from {env.upstream} to {env.name}: {upper_sha}\n"
            )
            with merging.element_merge(repo, _labels(project, env)) as how:
                clean = worktree.merge(tree, upper_sha, message, config=how.config, env=how.env)
                report = how.report()
            if not clean:
                conflicts = worktree.unmerged_paths(tree)
                worktree.merge_abort(tree)
                raise Refused(
                    f"merging {upper_branch} into {env.branch} conflicts in "
                    f"{report.conflicts_in(conflicts)}: merge it by hand "
                    f"(`{_hand_merge(project, env.branch, upper_branch)}`; with `sfsync "
                    "install-hooks --merge-driver` git merges metadata by element as here) "
                    f"and push; then `sfsync deploy --env {env.name}` deploys the merge to its "
                    f"org (back-promote would find {env.branch} up to date and deploy nothing) "
                    f"and `sfsync back-promote --from {env.name}` carries it to the envs below",
                    data={"conflicts": conflicts, **report.to_json()},
                )
            merged = gitrepo.rev_parse(tree, "HEAD")
            assert merged is not None
            return merged, report
        finally:
            worktree.worktree_remove(repo, tree)


def _hand_merge(project: Project, branch: str, upper_branch: str | None) -> str:
    """The git commands that merge `upper_branch` into `branch` by hand: the upper branch as
    the remote has it (what back-promote merged; a local branch of that name may be stale)."""
    assert upper_branch is not None  # an env with a branch below has an upstream with one
    remote = project.config.remote
    commands = [f"git switch {branch}"]
    for name in (branch, upper_branch):
        ref = behind_mod.branch_ref(project.root, remote, name) or ""
        short = ref[len("refs/remotes/") :] if ref.startswith("refs/remotes/") else name
        commands.append(f"git merge --ff-only {short}" if name == branch else f"git merge {short}")
    if commands[1] == f"git merge --ff-only {branch}":  # no remote: the local branch is it
        del commands[1]
    return " && ".join(commands)


def _deploy_unless_recorded(
    project: Project,
    env: Environment,
    old: str,
    merged: str,
    upper_sha: str,
    progress: workflow.ProgressCallback | None,
    take_over: bool = False,
) -> workflow.Outcome | None:
    """Deploy `old -> merged` to the env, unless a crashed run already recorded it."""
    last = state.last_event(project.root, env.name)
    if last is not None and last.event.kind == OP and last.event.to_sha == merged:
        return None
    return workflow.deploy(
        project,
        env,
        from_sha=old,
        to_sha=merged,
        kind=OP,
        exclude=(),
        policy="stop",
        new_state=lambda s: _deployed_after(s, old, merged),
        details={
            "upstream": env.upstream,
            "upstreamSha": upper_sha,
            "summary": f"back-promoted {env.upstream} {upper_sha[:12]} into {env.name}",
        },
        progress=progress,
        take_over=take_over,
    )


def _deployed_after(current: state.EnvState, old: str, merged: str) -> state.EnvState:
    """`deployed` moves to the merge when the org held the branch tip (or nothing was known);
    a branch with commits the org never received keeps its `deployed`, so `sfsync deploy`
    still promotes them."""
    if current.deployed in (None, old):
        return replace(current, deployed=merged)
    return current


def _run_sandbox(
    project: Project,
    step: Step,
    upper_sha: str,
    progress: workflow.ProgressCallback | None,
    take_over: bool = False,
) -> StepResult:
    env = step.env
    assert step.old is not None
    with workflow.env_lock(project, env.name, OP):
        current = state.read_state(project.root, env.name).state
        if current.synced_to != step.old:
            raise Refused(
                f"{env.name}'s sync point moved since the plan (it was pulled meanwhile): "
                "run back-promote again"
            )
        if gitrepo.is_ancestor(project.root, upper_sha, step.old):
            return StepResult(env.name, "up-to-date", merged=step.old)
        outcome = workflow.deploy(
            project,
            env,
            from_sha=step.old,
            to_sha=upper_sha,
            kind=OP,
            exclude=(),
            policy="skip",
            new_state=lambda s: replace(s, synced_to=upper_sha),
            details={
                "upstream": env.upstream,
                "upstreamSha": upper_sha,
                "summary": f"back-promoted {env.upstream} {upper_sha[:12]} into {env.name}",
            },
            progress=progress,
            take_over=take_over,
        )
    warnings = []
    push_error = workflow.push_state(project, env.name, outcome.snapshot)
    if push_error:
        warnings.append(f"refs/sfsync/envs/{env.name} not pushed: {push_error}")
    return StepResult(env.name, "done", upper_sha, outcome, warnings=tuple(warnings))


def _advance_local_branch(project: Project, branch: str, old: str, merged: str) -> None:
    """Fast-forward a local branch of that name when it is at `old` and not checked out."""
    repo = project.root
    ref = f"refs/heads/{branch}"
    local = gitrepo.ref_sha(repo, ref)
    if local is None or local != old:
        return
    checked_out = gitrepo.out(repo, "worktree", "list", "--porcelain")
    if f"branch {ref}" in checked_out.splitlines():
        return
    gitrepo.update_ref_cas(repo, ref, merged, old, "sfsync back-promote")
