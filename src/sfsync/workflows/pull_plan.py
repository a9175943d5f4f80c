"""Planning a `sfsync pull-upstream`; nothing in the work tree, the branch or the org changes.

`plan` fetches, computes what is behind and predicts the merge with `git merge-tree` (the
probe merge is a commit object no ref points to). An unfinished pull-upstream is planned
from its journal instead: `journal_record` is what `sfsync.workflows.pull.execute` journals,
and `plan` reads it back (`--continue`), finding the merge already made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sfsync.errors import Refused, UsageError
from sfsync.git import journal, state, worktree
from sfsync.git import repo as gitrepo
from sfsync.pipeline import behind as behind_mod
from sfsync.pipeline import heldback, tracking
from sfsync.pipeline.config import Environment
from sfsync.pipeline.deployments import Deployment
from sfsync.pipeline.project import Project, resolve_env
from sfsync.workflows import common as workflow
from sfsync.workflows import merging

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
    ignored: tuple[Deployment, ...] = ()
    """Ignored deployments whose components the merge brings in: deployed too, so that the
    sandbox holds what the branch holds (`components` lists only those this pull deploys)."""
    interrupted: tuple[str, ...] = ()
    """What became of a deploy a killed run left (settled before planning)."""
    merge: merging.MergeReport = field(default_factory=merging.MergeReport)
    """The predicted merge, file by file: merged by element, the entries in conflict."""

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
            "ignoredDeployments": [d.to_json() for d in self.ignored],
            "interrupted": list(self.interrupted),
            **self.merge.to_json(),
        }


def plan(
    project: Project,
    env_name: str | None,
    exclude: Sequence[str] = (),
    *,
    fetch: bool = True,
    resume: bool = False,
    settle: bool = True,
) -> PullPlan:
    """Plan a pull-upstream of `env` (the developer's sandbox by default); changes nothing
    but, with `settle`, the record of a deploy a killed run left (see `sfsync.org.jobs`).

    An unfinished pull-upstream (the journal) is resumed; `resume=True` (`--continue`)
    insists on one.
    """
    env = sandbox(project, env_name)
    excluded = _parse_excludes(exclude)
    pending = journal.read(project.paths.common_dir, env.name)
    if pending is not None and pending.get("op") != OP:
        raise Refused(
            f"{env.name} has an unfinished {pending.get('op')}: finish it first "
            f"(run `sfsync {pending.get('op')}` again)"
        )
    workflow.check_unlocked(project, env.name)
    interrupted = workflow.settle_interrupted(project, [env], OP, wait=settle)
    planned = _plan_pull(project, env, pending, excluded, fetch=fetch, resume=resume)
    return replace(planned, interrupted=interrupted) if interrupted else planned


def _plan_pull(
    project: Project,
    env: Environment,
    pending: dict[str, Any] | None,
    excluded: tuple[str, ...],
    *,
    fetch: bool,
    resume: bool,
) -> PullPlan:
    repo = project.root
    if pending is not None:
        found = _resume_plan(project, env, pending)
        if found is not None:
            more = tuple(c for c in excluded if c not in found.excluded)
            if not more:
                return found
            _check_excludes(more, (*found.deploy, *found.delete))
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
    branch = worktree.current_branch(repo)
    if branch is None:
        raise UsageError("HEAD is detached: check out your story branch, then pull-upstream")
    _check_not_an_env_branch(project, env, branch)
    if fetch and state.has_remote(repo, project.config.remote):  # none: branches are local
        tracking.sync_remote(project, [env])
    current = state.read_state(repo, env.name)
    tip = behind_mod.upstream_tip(repo, project.config, env)
    assert tip is not None  # a sandbox always has an upstream
    up_ref, up_sha = tip
    head = gitrepo.rev_parse(repo, "HEAD")
    if head is None:
        raise UsageError("the current branch has no commit yet")
    behind = behind_mod.compute(
        repo, project.config, env, current.state, head="HEAD", cache_dir=project.cache_dir
    )
    base = _plan(env, up_ref, up_sha, head, branch, behind.deployments, excluded)
    # held back by an earlier pull and still behind (not ignored since): deployed now
    held = [*current.state.excluded, *current.state.skipped]
    still = set(behind.components)
    earlier = tuple(dict.fromkeys(c for c in held if c in still and c not in excluded))
    from_sha = _without(project, head, earlier)
    base = replace(base, earlier=earlier, from_sha=from_sha)
    if gitrepo.is_ancestor(repo, up_sha, head):
        deploy, delete = workflow.delta_components(project, from_sha, head)
        _check_excludes(excluded, (*deploy, *delete))
        return replace(
            base,
            up_to_date=not deploy and not delete,
            merged=head if deploy or delete else None,
            deploy=tuple(c for c in deploy if c not in excluded),
            delete=tuple(c for c in delete if c not in excluded),
        )
    tree, conflicts, report = predict_merge(project, head, up_sha, labels(base))
    base = replace(base, merge=report)
    if conflicts:
        # the delta is known once the user has resolved them; until then, what is behind
        _check_excludes(excluded, behind.components)
        return replace(
            base,
            deploy=tuple(c for c in behind.components if c not in excluded),
            conflicts=tuple(conflicts),
        )
    probe = gitrepo.commit_tree(repo, tree, [head, up_sha], "sfsync pull-upstream plan")
    deploy, delete = workflow.delta_components(project, from_sha, probe)
    _check_excludes(excluded, (*deploy, *delete))
    return replace(
        base,
        deploy=tuple(c for c in deploy if c not in excluded),
        delete=tuple(c for c in delete if c not in excluded),
        ignored=_from_ignored(project, current.state, head, up_sha, (*deploy, *delete)),
    )


def _check_not_an_env_branch(project: Project, env: Environment, branch: str) -> None:
    """Refuse to merge the upstream into another env's branch: on `main` (a fresh clone's
    branch) the merge of int would be a promotion of int into prod's branch by accident. The
    upstream's own branch is allowed (working on int directly: a `git pull` plus the deploy)."""
    upstream = project.config.upstream_of(env.name)
    for other in project.config.environments:
        if upstream is not None and other.branch == branch and other.name != upstream.name:
            start = f"{project.config.remote}/{upstream.branch}"
            raise UsageError(
                f"you are on {branch}, the branch of {other.name}: pull-upstream merges "
                f"{upstream.name} into the branch you are on; work on a story branch "
                f"(`git switch -c my-story {start}`), then run it again"
            )


def labels(p: PullPlan) -> tuple[str, str, str]:
    """The conflict markers' labels: (base, ours, theirs) = merge base, the branch, upstream."""
    return ("merge-base", p.branch, p.upstream)


def predict_merge(
    project: Project, head: str, up_sha: str, names: tuple[str, str, str]
) -> tuple[str, list[str], merging.MergeReport]:
    """The merge of `up_sha` into `head` in memory, metadata merged by element: (tree,
    conflicted paths, what the driver did)."""
    with merging.element_merge(project.root, names) as how:
        tree, conflicts = gitrepo.merge_tree(
            project.root, head, up_sha, config=how.config, env=how.env
        )
        return tree, conflicts, how.report()


def sandbox(project: Project, env_name: str | None) -> Environment:
    """The developer sandbox to pull into (`env_name`, or the developer's env)."""
    env = resolve_env(project, env_name)
    if env.upstream is None:
        raise UsageError(f"{env.name} is the top of the pipeline: it has no upstream to pull")
    if env.branch is not None:
        raise UsageError(
            f"{env.name} is a branch env ({env.branch}): bring {env.upstream} into it with "
            f"`sfsync back-promote --from {env.upstream} --to {env.name}`"
        )
    return env


def journal_record(p: PullPlan) -> dict[str, Any]:
    """What the journal of a running pull-upstream holds (`_resume_plan` reads it back)."""
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
    heads = gitrepo.merge_heads(project.paths.git_dir)
    if up_sha in heads:
        conflicts = worktree.unmerged_paths(repo)
        still = (
            f"still has conflicts in {short_list(conflicts)}" if conflicts else "is not committed"
        )
        raise Refused(
            f"the merge of {env.upstream} into {pending.get('branch')} {still}: resolve, "
            "`git add` and `git commit`, then `sfsync pull-upstream --continue` (or `--abort`)",
            data={"conflicts": conflicts},
        )
    merged = pending.get("merged") or find_merge(project, head, up_sha)
    if merged is None:
        branch = str(pending.get("branch") or "")
        elsewhere = branch and worktree.current_branch(repo) != branch
        if elsewhere and gitrepo.find_merge(repo, head, up_sha, f"refs/heads/{branch}"):
            raise Refused(
                f"the journaled pull-upstream of {env.name} merged {up_sha[:12]} into "
                f"{branch}, which is not checked out: check out {branch} and run "
                "`sfsync pull-upstream --continue` (or `--abort`)"
            )
        # the merge was undone (`git merge --abort`, a reset) before anything was deployed:
        # the journal is stale, the pull starts afresh
        return None
    if heads:
        raise Refused(
            "a git merge is in progress in this work tree: finish it (`git commit`) or "
            f"`git merge --abort` first, then `sfsync pull-upstream --continue` to finish the "
            f"pull of {env.upstream}"
        )
    from_sha = str(pending.get("from") or head)
    deploy, delete = workflow.delta_components(project, from_sha, merged)
    excluded = tuple(str(c) for c in pending.get("excluded") or ())
    parents = gitrepo.commit_parents(repo, merged)
    names = ("merge-base", str(pending.get("branch") or "HEAD"), str(env.upstream))
    _tree, sfsync_conflicts, _report = predict_merge(project, head, up_sha, names)
    by_user = bool(sfsync_conflicts) or parents != [head, up_sha]
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


def find_merge(project: Project, head: str, up_sha: str) -> str | None:
    """The commit on the current branch that merged `up_sha` into `head`."""
    return gitrepo.find_merge(project.root, head, up_sha)


def short_list(paths: Sequence[str], limit: int = 5) -> str:
    """The first `limit` paths, and how many more."""
    shown = ", ".join(paths[:limit])
    more = len(paths) - limit
    return shown + (f" (+{more} more)" if more > 0 else "")


# --- internals --------------------------------------------------------------------------


def _parse_excludes(values: Sequence[str]) -> tuple[str, ...]:
    result: list[str] = []
    for value in values:
        kind, sep, name = value.partition(":")
        if not sep or not kind or not name:
            raise UsageError(f"--exclude {value!r}: expected Type:FullName, e.g. ApexClass:Foo")
        result.append(f"{kind}:{name}")
    return tuple(dict.fromkeys(result))


def _check_excludes(excluded: Sequence[str], pulled: Sequence[str]) -> None:
    """Refuse an `--exclude` that names no component of this pull (a typo would otherwise be
    recorded and reported as "still behind" for ever, while the component meant is deployed)."""
    known = set(pulled)
    for component in excluded:
        if component in known:
            continue
        import difflib

        close = difflib.get_close_matches(component, sorted(known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        listed = f"it brings {short_list(sorted(known))}" if known else "it brings no component"
        raise UsageError(
            f"--exclude {component}: not part of this pull{hint}; {listed}; nothing was changed"
        )


def _check_clean(project: Project) -> None:
    repo = project.root
    if gitrepo.merge_head(repo) is not None:
        raise Refused(
            "a git merge is in progress in this work tree: finish it (`git commit`) or "
            "`git merge --abort` first"
        )
    dirty = worktree.dirty_paths(repo, [f":(literal){d}" for d in project.config.package_dirs])
    if dirty:
        raise Refused(
            f"uncommitted changes in {', '.join(project.config.package_dirs)}: "
            f"{short_list(dirty)}; set them aside first (`git stash --include-untracked`, "
            "and `git stash pop` after the pull: while you are behind, the hook refuses a "
            "commit), then run it again (nothing was changed)",
            data={"dirty": dirty},
        )


def _from_ignored(
    project: Project, current: state.EnvState, head: str, up_sha: str, pulled: Sequence[str]
) -> tuple[Deployment, ...]:
    """The ignored deployments the merge brings, with the components of theirs it deploys."""
    if not current.ignored or not pulled:
        return ()
    wanted = set(pulled)
    ignored = set(current.ignored)
    config = project.config
    found = []
    for entry in gitrepo.first_parent_log(project.root, head, up_sha, config.package_dirs):
        if entry.sha not in ignored:
            continue
        components = sorted(behind_mod.components_of(entry.paths, config) & wanted)
        if components:
            found.append(
                Deployment(entry.sha, entry.subject, entry.author, entry.date, tuple(components))
            )
    return tuple(found)


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


def _without(project: Project, head: str, components: Sequence[str]) -> str:
    """`head`, or a commit on top of it without the files of `components` (so a delta from
    it deploys them again)."""
    if not components:
        return head
    repo = project.root
    config = project.config
    found = heldback.component_paths(
        repo, head, config.package_dirs, behind_mod.namer_for(config), components
    )
    paths = sorted(p for files in found.values() for p in files)
    if not paths:
        return head
    tree = gitrepo.tree_without(repo, head, paths)
    message = "sfsync pull-upstream: components held back earlier, as absent\n"
    # a sibling of `head` (same parents), so it is older than neither head nor the merge
    return gitrepo.commit_tree(repo, tree, gitrepo.commit_parents(repo, head), message)
