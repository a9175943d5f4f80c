"""`sfsync pull-upstream`: bring what was deployed upstream into your branch and your sandbox.

Collect, then act. `plan` fetches, computes what is behind and predicts the merge with
`git merge-tree` (nothing in the work tree changes); `execute` merges the upstream branch into
the current branch, then hands the net difference (pre-merge HEAD -> merged HEAD, minus the
excluded components) to the shared deploy step, which snapshots, checks for work that only
exists in the sandbox, deploys and records the event. A local journal (`sfsync.journal`)
makes every step resumable: a run killed at any point is finished by the next
`sfsync pull-upstream`; a merge that stops on conflicts is finished with `--continue` after
the user commits the resolution, or undone with `--abort`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sfsync import behind as behind_mod
from sfsync import gitrepo, journal, state, tracking, workflow
from sfsync.behind import Deployment
from sfsync.config import Environment
from sfsync.errors import Refused, SfsyncError, UsageError
from sfsync.project import Project, resolve_env

OP = "pull-upstream"


@dataclass(frozen=True)
class PullPlan:
    """What a pull-upstream would do: merge `up_sha` into `branch`, deploy the delta."""

    env: Environment
    upstream: str
    up_ref: str
    up_sha: str
    head: str
    branch: str
    deployments: tuple[Deployment, ...]
    deploy: tuple[str, ...]
    delete: tuple[str, ...]
    excluded: tuple[str, ...]
    conflicts: tuple[str, ...] = ()
    earlier: tuple[str, ...] = ()
    """Components held back by an earlier pull (excluded, skipped) that this one deploys."""
    from_sha: str | None = None
    """What the deploy compares with: `head`, minus the files of `earlier` (they count as new)."""
    merged: str | None = None
    """Set when resuming: the merge commit already made (by sfsync or by the user)."""
    resolved_by_user: bool = False
    resuming: bool = False
    up_to_date: bool = False
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The plan as printed by `--dry-run --json`."""
        return {
            "env": self.env.name,
            "org": self.env.org,
            "upstream": self.upstream,
            "upstreamRef": self.up_ref,
            "upstreamSha": self.up_sha,
            "branch": self.branch,
            "head": self.head,
            "upToDate": self.up_to_date,
            "resuming": self.resuming,
            "merged": self.merged,
            "deployments": [d.to_json() for d in self.deployments],
            "deploy": list(self.deploy),
            "delete": list(self.delete),
            "excluded": list(self.excluded),
            "earlier": list(self.earlier),
            "conflicts": list(self.conflicts),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class PullResult:
    """What a pull-upstream did."""

    plan: PullPlan
    merged: str
    outcome: workflow.Outcome | None
    push_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """`--json` result."""
        data: dict[str, Any] = {
            "env": self.plan.env.name,
            "upstream": self.plan.upstream,
            "syncedTo": self.plan.up_sha,
            "preMerge": self.plan.head,
            "merged": self.merged,
            "excluded": list(self.plan.excluded),
            "statePushed": self.outcome is not None and self.push_error is None,
        }
        if self.push_error:
            data["pushError"] = self.push_error
        if self.outcome is not None:
            data.update(self.outcome.to_json())
        return data


def plan(
    project: Project,
    env_name: str | None,
    exclude: Sequence[str] = (),
    *,
    fetch: bool = True,
    resume: bool = False,
) -> PullPlan:
    """Plan a pull-upstream of `env` (the developer's sandbox by default); changes nothing.

    An unfinished pull-upstream (the journal) is resumed; `resume=True` (`--continue`)
    insists on one.
    """
    env = _sandbox(project, env_name)
    repo = project.root
    excluded = _parse_excludes(exclude)
    pending = journal.read(project.paths.common_dir, env.name)
    if pending is not None and pending.get("op") != OP:
        raise Refused(
            f"{env.name} has an unfinished {pending.get('op')}: finish it first "
            f"(run `sfsync {pending.get('op')}` again)"
        )
    workflow.check_unlocked(project, env.name)
    if pending is not None:
        found = _resume_plan(project, env, pending)
        if found is not None:
            more = tuple(c for c in excluded if c not in found.excluded)
            if not more:
                return found
            # e.g. a component found changed in the sandbox: leave it out on the retry
            return replace(
                found,
                excluded=(*found.excluded, *more),
                deploy=tuple(c for c in found.deploy if c not in more),
                delete=tuple(c for c in found.delete if c not in more),
            )
        journal.clear(project.paths.common_dir, env.name)  # the merge never happened
    if resume:
        raise UsageError(f"no pull-upstream of {env.name} to continue (run without --continue)")
    _check_clean(project)
    branch = gitrepo.current_branch(repo)
    if branch is None:
        raise UsageError("HEAD is detached: check out your story branch, then pull-upstream")
    if fetch:
        tracking.sync_remote(project, [env])
    current = state.read_state(repo, env.name)
    tip = behind_mod.upstream_tip(repo, project.config, env)
    assert tip is not None  # a sandbox always has an upstream
    up_ref, up_sha = tip
    head = gitrepo.rev_parse(repo, "HEAD")
    if head is None:
        raise UsageError("the current branch has no commit yet")
    behind = behind_mod.compute(repo, project.config, env, current.state, head="HEAD")
    base = _plan(env, up_ref, up_sha, head, branch, behind.deployments, excluded)
    # held back by an earlier pull and still behind (not ignored since): deployed now
    held = [*current.state.excluded, *current.state.skipped]
    still = set(behind.components)
    earlier = tuple(dict.fromkeys(c for c in held if c in still and c not in excluded))
    from_sha = _without(project, head, earlier)
    base = replace(base, earlier=earlier, from_sha=from_sha)
    if gitrepo.is_ancestor(repo, up_sha, head):
        deploy, delete = workflow.delta_components(project, from_sha, head)
        return replace(
            base,
            up_to_date=not deploy and not delete,
            merged=head if deploy or delete else None,
            deploy=tuple(c for c in deploy if c not in excluded),
            delete=tuple(c for c in delete if c not in excluded),
            warnings=_unknown_excludes(excluded, ()),
        )
    tree, conflicts = gitrepo.merge_tree(repo, head, up_sha)
    if conflicts:
        # the delta is known once the user has resolved them; until then, what is behind
        return replace(
            base,
            deploy=tuple(c for c in behind.components if c not in excluded),
            conflicts=tuple(conflicts),
        )
    probe = gitrepo.commit_tree(repo, tree, [head, up_sha], "sfsync pull-upstream plan")
    deploy, delete = workflow.delta_components(project, from_sha, probe)
    return replace(
        base,
        deploy=tuple(c for c in deploy if c not in excluded),
        delete=tuple(c for c in delete if c not in excluded),
        warnings=_unknown_excludes(excluded, (*deploy, *delete)),
    )


def execute(
    project: Project,
    the_plan: PullPlan,
    *,
    force: bool = False,
    progress: workflow.ProgressCallback | None = None,
) -> PullResult:
    """Merge (unless resuming), deploy the delta to the sandbox, record the event."""
    env = the_plan.env
    repo = project.root
    common = project.paths.common_dir
    if the_plan.up_to_date:
        return PullResult(the_plan, the_plan.head, None)
    with workflow.env_lock(project, env.name, OP):
        record = _journal_record(the_plan)
        merged = the_plan.merged
        if merged is None:
            journal.write(common, env.name, {**record, "step": "merge"})
            journal.pause_point("merge")
            message = (
                f"Merge {env.upstream} ({the_plan.up_ref}) into {the_plan.branch}\n\n"
                f"sfsync pull-upstream of {env.name}: {the_plan.up_sha}\n"
            )
            if not gitrepo.merge(repo, the_plan.up_sha, message):
                conflicts = gitrepo.unmerged_paths(repo)
                journal.write(common, env.name, {**record, "step": "conflict"})
                raise Refused(
                    f"merging {env.upstream} into {the_plan.branch} stopped on conflicts in "
                    f"{_names(conflicts)}: resolve them, `git add` and `git commit`, then run "
                    "`sfsync pull-upstream --continue` (or `--abort` to undo); nothing was "
                    f"deployed to {env.name}",
                    data={"conflicts": conflicts},
                )
            merged = gitrepo.rev_parse(repo, "HEAD")
            assert merged is not None
        user_merge = the_plan.resolved_by_user
        journal.write(common, env.name, {**record, "step": "deploy", "merged": merged})
        journal.pause_point("deploy")
        if the_plan.resuming and _already_recorded(project, env.name, the_plan, merged):
            # a killed run deployed and recorded, then died before cleaning up
            journal.clear(common, env.name)
            return PullResult(the_plan, merged, None, workflow.push_state(project, env.name))
        try:
            outcome = workflow.deploy(
                project,
                env,
                from_sha=the_plan.from_sha or the_plan.head,
                to_sha=merged,
                kind=OP,
                exclude=the_plan.excluded,
                policy="force" if force else "stop",
                new_state=lambda s: replace(
                    s, synced_to=the_plan.up_sha, excluded=the_plan.excluded, skipped=()
                ),
                details={
                    "upstream": env.upstream,
                    "upstreamSha": the_plan.up_sha,
                    "preMerge": the_plan.head,
                    "merged": merged,
                    "excluded": list(the_plan.excluded),
                    "summary": f"pulled {env.upstream} {the_plan.up_sha[:12]} into {env.name}",
                },
                progress=progress,
                on_snapshot=lambda ref: _snapshot_taken(common, env.name, record, merged, ref),
            )
        except Refused as exc:
            if not user_merge and gitrepo.rev_parse(repo, "HEAD") == merged:
                # an automatic merge is cheap to redo: leave the branch as it was
                journal.clear(common, env.name)
                undone = ""
                if merged != the_plan.head:
                    gitrepo.reset_keep(repo, the_plan.head)
                    undone = f"{the_plan.branch} is back at {the_plan.head[:12]} (merge undone); "
                exc.message += (
                    f"\n{undone}the sandbox and refs/sfsync/envs/{env.name} are unchanged"
                )
            else:
                exc.message += (
                    f"\nyour merge {merged[:12]} is kept: fix the cause, then run "
                    "`sfsync pull-upstream --continue` (or `--abort`)"
                )
            raise
        except SfsyncError as exc:
            # sf or the network failed mid-way: the journal lets the next run finish the job
            exc.message += (
                f"\nthe merge {merged[:12]} is kept and journaled: run `sfsync pull-upstream` "
                "again to finish (or `--abort`)"
            )
            raise
        journal.clear(common, env.name)
    push_error = workflow.push_state(project, env.name, outcome.snapshot)
    return PullResult(the_plan, merged, outcome, push_error)


def abort(project: Project, env_name: str | None) -> dict[str, Any]:
    """Undo an unfinished pull-upstream: the merge (in progress or made), and the journal."""
    env = _sandbox(project, env_name)
    repo = project.root
    common = project.paths.common_dir
    pending = journal.read(common, env.name)
    in_merge = gitrepo.merge_head(repo) is not None
    if pending is None or pending.get("op") != OP:
        raise UsageError(f"no pull-upstream of {env.name} to abort")
    workflow.check_unlocked(project, env.name)
    head = str(pending["head"])
    merged = pending.get("merged")
    undone = "nothing"
    if in_merge:
        gitrepo.merge_abort(repo)
        undone = "the merge in progress"
    else:
        current = gitrepo.rev_parse(repo, "HEAD")
        made = merged or _find_merge(project, head, str(pending["upSha"]))
        if made is not None and current == made:
            gitrepo.reset_keep(repo, head)
            undone = f"the merge {made[:12]}"
        elif made is not None and current != head:
            raise Refused(
                f"HEAD moved on after the merge {made[:12]}: sfsync will not rewrite it; undo "
                f"by hand (e.g. `git revert -m 1 {made[:12]}`), then `sfsync pull-upstream "
                "--abort` again"
            )
    journal.clear(common, env.name)
    deploy_started = pending.get("step") == "deploy"
    return {
        "env": env.name,
        "undone": undone,
        "head": gitrepo.rev_parse(repo, "HEAD"),
        "deployMayHaveRun": deploy_started,
    }


# --- internals --------------------------------------------------------------------------


def _sandbox(project: Project, env_name: str | None) -> Environment:
    env = resolve_env(project, env_name)
    if env.upstream is None:
        raise UsageError(f"{env.name} is the top of the pipeline: it has no upstream to pull")
    if env.branch is not None:
        raise UsageError(
            f"{env.name} is a branch env ({env.branch}): bring {env.upstream} into it with "
            f"`sfsync back-promote --from {env.upstream} --to {env.name}`"
        )
    return env


def _parse_excludes(values: Sequence[str]) -> tuple[str, ...]:
    result: list[str] = []
    for value in values:
        kind, sep, name = value.partition(":")
        if not sep or not kind or not name:
            raise UsageError(f"--exclude {value!r}: expected Type:FullName, e.g. ApexClass:Foo")
        result.append(f"{kind}:{name}")
    return tuple(dict.fromkeys(result))


def _unknown_excludes(excluded: Sequence[str], delta: Sequence[str]) -> tuple[str, ...]:
    known = set(delta)
    return tuple(
        f"--exclude {c}: not part of this pull (nothing to exclude)"
        for c in excluded
        if c not in known
    )


def _check_clean(project: Project) -> None:
    repo = project.root
    if gitrepo.merge_head(repo) is not None:
        raise Refused(
            "a git merge is in progress in this work tree: finish it (`git commit`) or "
            "`git merge --abort` first"
        )
    dirty = gitrepo.dirty_paths(repo, [f":(literal){d}" for d in project.config.package_dirs])
    if dirty:
        raise Refused(
            f"uncommitted changes in {', '.join(project.config.package_dirs)}: "
            f"{_names(dirty)}; commit or stash them first (nothing was changed)",
            data={"dirty": dirty},
        )


def _plan(
    env: Environment,
    up_ref: str,
    up_sha: str,
    head: str,
    branch: str,
    deployments: Sequence[Deployment],
    excluded: tuple[str, ...],
) -> PullPlan:
    assert env.upstream is not None
    return PullPlan(
        env=env,
        upstream=env.upstream,
        up_ref=up_ref,
        up_sha=up_sha,
        head=head,
        branch=branch,
        deployments=tuple(deployments),
        deploy=(),
        delete=(),
        excluded=excluded,
    )


def _journal_record(p: PullPlan) -> dict[str, Any]:
    return {
        "op": OP,
        "env": p.env.name,
        "branch": p.branch,
        "head": p.head,
        "upSha": p.up_sha,
        "upRef": p.up_ref,
        "excluded": list(p.excluded),
        "earlier": list(p.earlier),
        "from": p.from_sha or p.head,
    }


def _resume_plan(project: Project, env: Environment, pending: dict[str, Any]) -> PullPlan | None:
    """The plan of the journaled pull (None: its merge never happened, start afresh)."""
    repo = project.root
    head, up_sha = str(pending["head"]), str(pending["upSha"])
    if gitrepo.merge_head(repo) is not None:
        conflicts = gitrepo.unmerged_paths(repo)
        still = f"still has conflicts in {_names(conflicts)}" if conflicts else "is not committed"
        raise Refused(
            f"the merge of {env.upstream} into {pending.get('branch')} {still}: resolve, "
            "`git add` and `git commit`, then `sfsync pull-upstream --continue` (or `--abort`)",
            data={"conflicts": conflicts},
        )
    merged = pending.get("merged") or _find_merge(project, head, up_sha)
    if merged is None:
        if gitrepo.rev_parse(repo, "HEAD") == head:
            return None
        raise Refused(
            f"the journaled pull-upstream of {env.name} merged {up_sha[:12]} into "
            f"{head[:12]}, but that merge is not on the current branch: check out "
            f"{pending.get('branch')} or run `sfsync pull-upstream --abort`"
        )
    from_sha = str(pending.get("from") or head)
    deploy, delete = workflow.delta_components(project, from_sha, merged)
    excluded = tuple(str(c) for c in pending.get("excluded") or ())
    parents = gitrepo.commit_parents(repo, merged)
    tree_of_plain_merge = gitrepo.merge_tree(repo, head, up_sha)
    by_user = bool(tree_of_plain_merge[1]) or parents != [head, up_sha]
    return PullPlan(
        env=env,
        upstream=str(env.upstream),
        up_ref=str(pending.get("upRef") or ""),
        up_sha=up_sha,
        head=head,
        branch=str(pending.get("branch") or ""),
        deployments=(),
        deploy=tuple(c for c in deploy if c not in excluded),
        delete=tuple(c for c in delete if c not in excluded),
        excluded=excluded,
        earlier=tuple(str(c) for c in pending.get("earlier") or ()),
        from_sha=from_sha,
        merged=merged,
        resolved_by_user=by_user,
        resuming=True,
    )


def _find_merge(project: Project, head: str, up_sha: str) -> str | None:
    """The commit on the current branch that merged `up_sha` into `head`."""
    repo = project.root
    current = gitrepo.rev_parse(repo, "HEAD")
    if current is None or current == head or not gitrepo.is_ancestor(repo, head, current):
        return None
    for line in gitrepo.out(repo, "rev-list", "--parents", f"{head}..{current}").splitlines():
        sha, *parents = line.split()
        if parents[:1] == [head] and up_sha in parents:
            return sha
    return None


def _without(project: Project, head: str, components: Sequence[str]) -> str:
    """`head`, or a commit on top of it without the files of `components` (so a delta from
    it deploys them again)."""
    if not components:
        return head
    repo = project.root
    config = project.config
    found = behind_mod.component_paths(
        repo, head, config.package_dirs, behind_mod.namer_for(config), components
    )
    paths = sorted(p for files in found.values() for p in files)
    if not paths:
        return head
    tree = gitrepo.tree_without(repo, head, paths)
    message = "sfsync pull-upstream: components held back earlier, as absent\n"
    # a sibling of `head` (same parents), so it is older than neither head nor the merge
    return gitrepo.commit_tree(repo, tree, gitrepo.commit_parents(repo, head), message)


def _snapshot_taken(
    common: Path, env: str, record: dict[str, Any], merged: str, snapshot: str
) -> None:
    journal.write(common, env, {**record, "step": "deploy", "merged": merged, "snapshot": snapshot})
    journal.pause_point("snapshot")


def _already_recorded(project: Project, env: str, p: PullPlan, merged: str) -> bool:
    last = state.log(project.root, env, limit=1)
    if not last:
        return False
    event = last[0].event
    return event.kind == OP and event.to_sha == merged and event.from_sha == (p.from_sha or p.head)


def _names(paths: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(paths[:limit])
    more = len(paths) - limit
    return shown + (f" (+{more} more)" if more > 0 else "")
