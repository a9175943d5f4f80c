"""How far an environment is behind its upstream: content-based, git only, no network.

1. base = the env's sync point (sandbox) or its branch tip (branch env); up = the upstream
   branch (remote-tracking when there is one).
2. paths changed in the package directories between merge-base(base, up) and up;
3. kept: the paths whose content at up differs from base and, for the developer's own env,
   from HEAD (their own promoted work, squash merges and cherry-picks are not behind);
4. deployments behind: the first-parent commits on up that touch a kept path and are not
   ignored; components behind: the kept paths those deployments touch, as `Type:FullName`.

On the hook's import path: imports stay light (no yaml, jsonschema, typer, rich).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.git.state import EnvState
from sfsync.pipeline.config import Config, Environment
from sfsync.pipeline.naming import Namer

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook ~5 ms
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class Deployment:
    """One first-parent commit on the upstream branch that the env has not received."""

    sha: str
    subject: str
    author: str
    date: str
    components: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """`{sha, subject, author, date, components}`."""
        return {
            "sha": self.sha,
            "subject": self.subject,
            "author": self.author,
            "date": self.date,
            "components": list(self.components),
        }


@dataclass(frozen=True)
class Behind:
    """The answer for one env. `known` is False for a sandbox that was never synced."""

    env: str
    upstream: str | None
    base: str | None
    up: str | None
    synced_to: str | None
    deployments: tuple[Deployment, ...] = ()
    components: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    known: bool = True

    @property
    def count(self) -> int:
        """Number of deployments behind."""
        return len(self.deployments)


def branch_refs(remote: str, branch: str) -> list[str]:
    """Where a branch is looked up, in order: remote-tracking first, then local."""
    return [f"refs/remotes/{remote}/{branch}", f"refs/heads/{branch}"]


def branch_ref(repo: Path | str, remote: str, branch: str) -> str | None:
    """The remote-tracking ref of `branch` if present, else the local branch, else None."""
    candidates = branch_refs(remote, branch)
    found = gitrepo.resolve_many(repo, candidates)
    return next((ref for ref in candidates if found.get(ref)), None)


def upstream_tip(repo: Path | str, config: Config, env: Environment) -> tuple[str, str] | None:
    """(ref, sha) of `env`'s upstream branch; None for the root; UsageError when missing."""
    if env.upstream is None:
        return None
    upstream = config.env(env.upstream)
    assert upstream.branch is not None  # config guarantees an upstream has a branch
    candidates = branch_refs(config.remote, upstream.branch)
    found = gitrepo.resolve_many(repo, candidates)
    return _first(found, candidates, config, upstream)


def compute(
    repo: Path | str,
    config: Config,
    env: Environment,
    state: EnvState,
    *,
    head: str | None = None,
) -> Behind:
    """How far `env` is behind its upstream.

    `head` (a rev, e.g. "HEAD") is the developer's work when `env` is their own env: content
    already there is not behind, and a sandbox that was never synced is compared with it.
    """
    if env.upstream is None:
        return Behind(env.name, None, None, None, state.synced_to)
    upstream = config.env(env.upstream)
    assert upstream.branch is not None  # config guarantees an upstream has a branch
    up_refs = branch_refs(config.remote, upstream.branch)
    own_refs = branch_refs(config.remote, env.branch) if env.branch else []
    sync_point = state.synced_to if env.branch is None else None
    extra = [rev for rev in (sync_point, head) if rev]
    found = gitrepo.resolve_many(repo, [*up_refs, *own_refs, *extra])  # one git process
    up = _first(found, up_refs, config, upstream)[1]
    head_sha = found.get(head) if head else None
    if env.branch is not None:
        base: str | None = _first(found, own_refs, config, env)[1]
    elif sync_point is not None:
        base = found.get(sync_point)
        if base is None:
            raise UsageError(
                f"{env.name} is synced to {sync_point[:12]}, which is not in this repository: "
                f"run `git fetch {config.remote}` (or --fetch)"
            )
    else:
        base = head_sha
    if base is None:
        return Behind(env.name, env.upstream, None, up, None, known=False)
    namer = namer_for(config)
    deployments, paths, ignored = behind_between(
        repo,
        base,
        up,
        config.package_dirs,
        namer,
        head=head_sha,
        ignored=state.ignored,
    )
    if env.branch is None and (state.excluded or state.skipped):
        deployments = merge_deployments(
            deployments,
            held_back(
                repo,
                up,
                config.package_dirs,
                namer,
                [*state.excluded, *state.skipped],
                ignored=state.ignored,
            ),
        )
    components = sorted({c for d in deployments for c in d.components})
    return Behind(
        env.name,
        env.upstream,
        base,
        up,
        state.synced_to,
        tuple(deployments),
        tuple(components),
        tuple(sorted(paths)),
        tuple(ignored),
    )


def _first(
    found: dict[str, str | None], refs: list[str], config: Config, env: Environment
) -> tuple[str, str]:
    for ref in refs:
        sha = found.get(ref)
        if sha:
            return ref, sha
    raise UsageError(
        f"branch '{env.branch}' of {env.name} not found locally or as "
        f"{config.remote}/{env.branch}: run `git fetch {config.remote}` (or --fetch)"
    )


def behind_between(
    repo: Path | str,
    base: str,
    up: str,
    package_dirs: Sequence[str],
    name: Callable[[str], str],
    *,
    head: str | None = None,
    ignored: Iterable[str] = (),
) -> tuple[list[Deployment], set[str], list[str]]:
    """Deployments on `up` that `base` (and `head`) lack, the paths they bring, ignored shas.

    Returns (deployments newest first, the paths behind, shas skipped because ignored).
    """
    if base == up:
        return [], set(), []
    merge_base = gitrepo.merge_base(repo, base, up)
    if merge_base == up:
        return [], set(), []
    start = merge_base or _empty_tree(repo)
    kept = gitrepo.diff_names(repo, start, up, package_dirs)
    if kept and merge_base != base:
        kept &= gitrepo.diff_names(repo, base, up, package_dirs)
    if kept and head is not None and head != base:
        kept &= gitrepo.diff_names(repo, head, up, package_dirs)
    if not kept:
        return [], set(), []
    skip = set(ignored)
    deployments: list[Deployment] = []
    skipped: list[str] = []
    behind_paths: set[str] = set()
    for entry in gitrepo.first_parent_log(repo, merge_base, up, package_dirs):
        touched = [p for p in entry.paths if p in kept]
        if not touched:
            continue
        if entry.sha in skip:
            skipped.append(entry.sha)
            continue
        behind_paths.update(touched)
        components = sorted({name(p) for p in touched})
        deployments.append(
            Deployment(entry.sha, entry.subject, entry.author, entry.date, tuple(components))
        )
    return deployments, behind_paths, skipped


def components_of(paths: Iterable[str], config: Config) -> set[str]:
    """`Type:FullName` of each path inside the package directories."""
    prefixes = tuple(d.rstrip("/") + "/" for d in config.package_dirs)
    return namer_for(config).names(p for p in paths if p.startswith(prefixes))


def namer_for(config: Config) -> Namer:
    """The component namer of the project `config` belongs to."""
    return Namer(config.root, [extra.registry_entry() for extra in config.extra_types])


def _empty_tree(repo: Path | str) -> str:
    return gitrepo.out(repo, "hash-object", "-t", "tree", "/dev/null")


# --- components a workflow held back (pull-upstream --exclude, back-promote skips) ---------


def component_paths(
    repo: Path | str,
    rev: str,
    package_dirs: Sequence[str],
    name: Callable[[str], str],
    components: Iterable[str],
) -> dict[str, list[str]]:
    """The files of each of `components` in commit `rev` (components without files left out)."""
    wanted = set(components)
    found: dict[str, list[str]] = {}
    if not wanted:
        return found
    paths = list(gitrepo.ls_tree_blobs(repo, rev, package_dirs))
    # naming every file costs ~250 ms for 20,000 files (the hook runs this): first name only
    # the files whose path mentions a wanted member's last name part, then, for what is
    # still missing (e.g. a label inside its labels file), every other file
    tokens = {_leaf(c) for c in wanted}
    likely = [p for p in paths if any(t in p.lower() for t in tokens)]
    chosen = set(likely)
    for group in (likely, [p for p in paths if p not in chosen]):
        for path in group:
            component = name(path)
            if component in wanted:
                found.setdefault(component, []).append(path)
        if len(found) == len(wanted):
            break
    return found


def _leaf(component: str) -> str:
    """`ApexClass:Foo` -> `foo`, `CustomField:Account.Tier__c` -> `tier__c` (lower case)."""
    member = component.partition(":")[2]
    return member.replace("/", ".").rsplit(".", 1)[-1].lower() or member.lower()


def held_back(
    repo: Path | str,
    up: str,
    package_dirs: Sequence[str],
    name: Callable[[str], str],
    components: Sequence[str],
    *,
    ignored: Iterable[str] = (),
) -> list[Deployment]:
    """For components an env holds back (excluded, skipped): the newest deployment on `up`
    that changed each of them, unless that deployment is ignored.

    They stay behind until pulled or ignored, whatever the env's sync point says.
    """
    paths = component_paths(repo, up, package_dirs, name, components)
    by_path = {path: component for component, files in paths.items() for path in files}
    if not by_path:
        return []
    newest: dict[str, gitrepo.LogEntry] = {}
    for entry in gitrepo.first_parent_log(repo, None, up, sorted(by_path)):
        for path in entry.paths:
            component = by_path.get(path)
            if component is not None and component not in newest:
                newest[component] = entry
        if len(newest) == len(paths):
            break
    skip = set(ignored)
    grouped: dict[str, tuple[gitrepo.LogEntry, list[str]]] = {}
    for component, entry in newest.items():
        if entry.sha not in skip:
            grouped.setdefault(entry.sha, (entry, []))[1].append(component)
    return [
        Deployment(e.sha, e.subject, e.author, e.date, tuple(sorted(c)))
        for e, c in grouped.values()
    ]


def merge_deployments(first: Sequence[Deployment], extra: Sequence[Deployment]) -> list[Deployment]:
    """`first` then the deployments of `extra` it lacks; one entry per sha, components merged."""
    merged = {d.sha: d for d in first}
    order = [d.sha for d in first]
    for d in extra:
        if d.sha in merged:
            old = merged[d.sha]
            components = tuple(sorted({*old.components, *d.components}))
            merged[d.sha] = Deployment(d.sha, d.subject, d.author, d.date, components)
        else:
            merged[d.sha] = d
            order.append(d.sha)
    return [merged[sha] for sha in order]
