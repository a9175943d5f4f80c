"""The org-compare matrix, `ignore` and `mark-synced`: reading and recording env state.

No typer or rich here: functions return records or raise SfsyncError subclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sfsync.errors import UsageError, plural
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.pipeline import behind as behind_mod
from sfsync.pipeline.behind import Behind
from sfsync.pipeline.config import Environment
from sfsync.pipeline.project import Project, developer_env_name, resolve_env

SYNC_KINDS = frozenset({"mark-synced", "pull-upstream", "back-promote", "deploy", "rollback"})


@dataclass(frozen=True)
class EnvStatus:
    """One row of the matrix: the env, how far behind it is, and its last sync event."""

    env: Environment
    behind: Behind
    last_sync: state.Record | None


def sync_remote(project: Project, envs: Sequence[Environment]) -> None:
    """Fetch `refs/sfsync/*` and the branches of `envs` and their upstreams from the remote."""
    config = project.config
    branches: list[str] = []
    for env in envs:
        for name in (env.name, env.upstream):
            branch = config.env(name).branch if name else None
            if branch and branch not in branches:
                branches.append(branch)
    state.fetch(project.root, config.remote, branches)


def status(project: Project, only: str | None = None, *, fetch: bool = False) -> list[EnvStatus]:
    """For each env (root first; or just `only`): deployments and components behind upstream.

    The same few git processes for any number of envs (states, refs, diffs: each one batch).
    """
    config = project.config
    envs = [config.env(only)] if only else list(config.pipeline())
    if fetch:
        sync_remote(project, envs)
    mine = developer_env_name(project.root)
    names = [env.name for env in envs]
    # states are read in the same git process as the refs
    requests = [behind_mod.Request(env, None, "HEAD" if env.name == mine else None) for env in envs]
    results = behind_mod.compute_many(project.root, config, requests, cache_dir=project.cache_dir)
    synced = state.newest_records(project.root, names, _is_sync, limit=50)
    return [
        EnvStatus(env, result, synced[env.name]) for env, result in zip(envs, results, strict=True)
    ]


def last_sync(project: Project, env: str) -> state.Record | None:
    """The newest event that synced the env (not an `ignore`)."""
    return state.newest_records(project.root, [env], _is_sync, limit=50)[env]


def _is_sync(event: state.Event) -> bool:
    return event.kind in SYNC_KINDS


def ignore(
    project: Project,
    env_name: str | None,
    shas: Sequence[str] | None,
    *,
    fetch: bool = False,
    push: bool = False,
) -> tuple[state.Record | None, Behind]:
    """Stop counting deployments as behind (`shas=None`: all that are behind now).

    Returns the recorded event (None when there was nothing to ignore) and the state before.
    """
    env = resolve_env(project, env_name)
    if env.upstream is None:
        raise UsageError(f"{env.name} has no upstream: there is nothing to ignore")
    if push:  # before anything is recorded
        state.require_remote(project.root, project.config.remote, "push to")
    if fetch:
        sync_remote(project, [env])
    repo = project.root
    current = state.read_state(repo, env.name)
    mine = developer_env_name(repo) == env.name
    before = behind_mod.compute(
        repo,
        project.config,
        env,
        current.state,
        head="HEAD" if mine else None,
        cache_dir=project.cache_dir,
    )
    if shas is None:
        chosen = [d.sha for d in before.deployments]
    else:
        chosen = _upstream_commits(project, env, before, shas)
    new = [sha for sha in chosen if sha not in current.state.ignored]
    if not new:
        return None, before
    by_sha = {d.sha: d for d in before.deployments}
    components = sorted({c for sha in new if sha in by_sha for c in by_sha[sha].components})
    event = state.Event(
        kind="ignore",
        org=env.org,
        to_sha=before.up,
        components=tuple(components),
        details={
            "deployments": new,
            "summary": f"ignored {plural(len(new), 'deployment')} of {env.upstream}",
        },
    )
    new_state = replace(current.state, ignored=(*current.state.ignored, *new))
    record = state.append_event(repo, env.name, event, new_state, current.commit)
    if push:
        state.push(repo, project.config.remote, [env.name])
    return record, before


def stale_branch_note(project: Project, ref: str | None) -> str | None:
    """When REF names a local branch that is behind its copy on the remote (`int` not pulled
    since: the usual slip for `origin/int`), one line saying so; None otherwise."""
    if not ref:
        return None
    repo, remote = project.root, project.config.remote
    local = gitrepo.ref_sha(repo, f"refs/heads/{ref}")
    there = gitrepo.ref_sha(repo, f"refs/remotes/{remote}/{ref}")
    if local is None or there is None or local == there:
        return None
    if not gitrepo.is_ancestor(repo, local, there):
        return None
    return (
        f"note: your local branch {ref} is behind {remote}/{ref} (recorded {local[:12]}, "
        f"{remote}/{ref} is at {there[:12]}): if the sandbox holds the newer commit, run "
        f"`sfsync mark-synced` again with {remote}/{ref}"
    )


def mark_synced(
    project: Project,
    env_name: str | None,
    ref: str | None,
    *,
    fetch: bool = False,
    push: bool = False,
) -> state.Record:
    """Record that a sandbox holds its upstream at `ref` (default: the upstream's tip)."""
    env = resolve_env(project, env_name)
    if not env.is_sandbox:
        raise UsageError(
            f"{env.name} has a branch ({env.branch}): its state is its branch tip; "
            "mark-synced is for developer sandboxes"
        )
    if push:  # before anything is recorded
        state.require_remote(project.root, project.config.remote, "push to")
    if fetch:
        sync_remote(project, [env])
    repo = project.root
    tip = behind_mod.upstream_tip(repo, project.config, env)
    assert tip is not None  # a sandbox always has an upstream
    sha = tip[1] if ref is None else gitrepo.rev_parse(repo, ref)
    if sha is None:
        raise UsageError(f"'{ref}' is not a commit in this repository")
    current = state.read_state(repo, env.name)
    still_ahead = tuple(s for s in current.state.ignored if not gitrepo.is_ancestor(repo, s, sha))
    event = state.Event(
        kind="mark-synced",
        org=env.org,
        from_sha=current.state.synced_to,
        to_sha=sha,
        details={
            "ref": ref or tip[0],
            "summary": f"{env.name} holds {env.upstream} at {sha[:12]}",
        },
    )
    new_state = state.EnvState(synced_to=sha, ignored=still_ahead)
    record = state.append_event(repo, env.name, event, new_state, current.commit)
    if push:
        state.push(repo, project.config.remote, [env.name])
    return record


def _upstream_commits(
    project: Project, env: Environment, before: Behind, shas: Sequence[str]
) -> list[str]:
    """The deployments `shas` name; each must be one `env` is behind now (or has ignored)."""
    repo = project.root
    behind_now = {d.sha for d in before.deployments}
    package_dirs = project.config.package_dirs
    chosen = []
    for given in shas:
        sha = gitrepo.rev_parse(repo, given)
        if sha is None:
            raise UsageError(f"'{given}' is not a commit in this repository")
        if sha in behind_now or sha in before.ignored:
            chosen.append(sha)
            continue
        see = f"see `sfsync status --env {env.name}`"
        if not before.known:
            raise UsageError(
                f"{env.name} has no sync point, so nothing is counted as behind yet: run "
                f"`sfsync mark-synced --env {env.name}` first"
            )
        if before.up is None or not gitrepo.is_ancestor(repo, sha, before.up):
            raise UsageError(f"{given} is not a deployment on {env.upstream} ({see})")
        if before.base is not None and gitrepo.is_ancestor(repo, sha, before.base):
            why = f"{env.name} already has it"
        elif developer_env_name(repo) == env.name and gitrepo.is_ancestor(repo, sha, "HEAD"):
            why = "your HEAD already contains it"
        elif not gitrepo.diff_names(repo, _parent_or_empty(repo, sha), sha, package_dirs):
            why = "it changes nothing in the package directories"
        else:
            why = f"its changes are already in {env.name}"
        raise UsageError(
            f"{given} is not a deployment {env.name} is behind: {why}; nothing was recorded ({see})"
        )
    return list(dict.fromkeys(chosen))


def _parent_or_empty(repo: Path, sha: str) -> str:
    """The first parent of `sha`, or the empty tree for a root commit."""
    parents = gitrepo.commit_parents(repo, sha)
    return parents[0] if parents else gitrepo.out(repo, "hash-object", "-t", "tree", "/dev/null")
