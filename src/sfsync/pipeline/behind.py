"""How far an environment is behind its upstream: content-based, git only, no network.

1. base = the env's sync point (sandbox) or its branch tip (branch env); up = the upstream
   branch (remote-tracking when there is one).
2. paths changed in the package directories between merge-base(base, up) and up;
3. kept: the paths whose content at up differs from base and, for the developer's own env,
   from HEAD (their own promoted work, squash merges and cherry-picks are not behind);
4. deployments behind: the first-parent commits on up that touch a kept path of a component
   and are not ignored; components behind: those components, as `Type:FullName`. A file that
   is not part of a component (`.forceignore`d, or no metadata type's) is not behind, and a
   commit touching only such files is not a deployment.

What each upstream commit changed comes from `sfsync.pipeline.history` (each commit is diffed
once, ever); step 2 is composed from those answers when the base is on the upstream's
first-parent chain (a sandbox's sync point always is), so a warm run diffs one tree at most
(HEAD against up). `compute_many` answers for many envs with the same few git processes.

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
from sfsync.pipeline.history import History
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


@dataclass(frozen=True)
class Request:
    """One env to compute, with its state; `head` (a rev such as "HEAD") when it is the
    developer's own env: content already there is not behind, and a sandbox that was never
    synced is compared with it."""

    env: Environment
    state: EnvState
    head: str | None = None


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
    cache_dir: Path | None = None,
) -> Behind:
    """How far `env` is behind its upstream (see `Request` for `head`).

    `cache_dir` (`<git common dir>/sfsync`) keeps what each commit changed and each path's
    component name for the next run; without it, nothing is remembered.
    """
    return compute_many(repo, config, [Request(env, state, head)], cache_dir=cache_dir)[0]


@dataclass(frozen=True)
class _Span:
    """Where one env stands: its base, the upstream tip, HEAD, and the chain between."""

    request: Request
    base: str
    up: str
    head: str | None
    merge_base: str | None
    chain: tuple[tuple[str, str | None], ...]  # (sha, first parent), newest first


def compute_many(
    repo: Path | str,
    config: Config,
    requests: Sequence[Request],
    *,
    cache_dir: Path | None = None,
) -> list[Behind]:
    """`compute` for many envs at once: one git process resolves every ref, one diffs the
    commits not seen before, one compares the trees that need it (and one `merge-base` per
    env whose base is not on its upstream's first-parent chain)."""
    revs: list[str] = []
    for request in requests:
        revs += _revs(config, request)
    found = gitrepo.resolve_many(repo, list(dict.fromkeys(revs)))  # one git process
    history = History(repo, config.package_dirs, cache_dir)
    answers: list[Behind | _Span] = []
    for request in requests:
        start = _start(config, request, found)
        answers.append(start if isinstance(start, Behind) else _span(repo, history, *start))
    spans = [a for a in answers if isinstance(a, _Span)]
    history.load(dict(pair for span in spans for pair in span.chain).items())
    kept = {
        id(span): history.composed_diff(sha for sha, _ in reversed(span.chain)) for span in spans
    }
    # content already at the base (merges from elsewhere) or in HEAD is not behind
    compare: dict[tuple[str, str], set[str]] = {}
    for span in spans:
        if kept[id(span)]:
            for other in _others(span):
                compare[(span.up, other)] = set()
    if compare:
        diffs = gitrepo.diff_tree_many(repo, list(compare), config.package_dirs)
        for pair, diff in zip(list(compare), diffs, strict=True):
            compare[pair] = {change.path for change in diff.changes}
    for span in spans:
        for other in _others(span):
            kept[id(span)] &= compare.get((span.up, other), set())
    namer = namer_for(config, cache_dir)
    results = [
        a if isinstance(a, Behind) else _behind(repo, config, history, namer, a, kept[id(a)])
        for a in answers
    ]
    history.save()
    namer.save()
    return results


def _revs(config: Config, request: Request) -> list[str]:
    env = request.env
    if env.upstream is None:
        return []
    upstream = config.env(env.upstream)
    assert upstream.branch is not None  # config guarantees an upstream has a branch
    revs = branch_refs(config.remote, upstream.branch)
    if env.branch is not None:
        revs += branch_refs(config.remote, env.branch)
    elif request.state.synced_to:
        revs.append(request.state.synced_to)
    if request.head:
        revs.append(request.head)
    return revs


def _start(
    config: Config, request: Request, found: dict[str, str | None]
) -> Behind | tuple[Request, str, str, str | None]:
    """(request, base, up, head sha), or the answer when there is nothing to compare."""
    env, state = request.env, request.state
    if env.upstream is None:
        return Behind(env.name, None, None, None, state.synced_to)
    upstream = config.env(env.upstream)
    assert upstream.branch is not None  # config guarantees an upstream has a branch
    up = _first(found, branch_refs(config.remote, upstream.branch), config, upstream)[1]
    head = found.get(request.head) if request.head else None
    sync_point = state.synced_to if env.branch is None else None
    if env.branch is not None:
        base: str | None = _first(found, branch_refs(config.remote, env.branch), config, env)[1]
    elif sync_point is not None:
        base = found.get(sync_point)
        if base is None:
            raise UsageError(
                f"{env.name} is synced to {sync_point[:12]}, which is not in this repository: "
                f"run `git fetch {config.remote}` (or --fetch)"
            )
    else:
        base = head
    if base is None:
        return Behind(env.name, env.upstream, None, up, None, known=False)
    return request, base, up, head


def _span(
    repo: Path | str, history: History, request: Request, base: str, up: str, head: str | None
) -> _Span:
    """The first-parent chain from `up` down to merge-base(base, up): from the cache when the
    base is on it (no git process), else `git merge-base` and `git rev-list`."""
    if base == up:
        return _Span(request, base, up, head, up, ())
    if request.env.is_sandbox:
        walked = history.walk(up, base)
        if walked is not None:
            return _Span(request, base, up, head, base, tuple(walked))
    merge_base = gitrepo.merge_base(repo, base, up)
    if merge_base == up:
        return _Span(request, base, up, head, up, ())
    chain = history.walk(up, merge_base) if merge_base else None
    if chain is None:
        chain = gitrepo.first_parent_chain(repo, up, merge_base)
    return _Span(request, base, up, head, merge_base, tuple(chain))


def _others(span: _Span) -> list[str]:
    """The commits whose content is not behind either: the base when it is not the
    merge-base, HEAD when it is not the base."""
    others = [] if span.merge_base == span.base else [span.base]
    if span.head is not None and span.head != span.base and span.head not in others:
        others.append(span.head)
    return others


def _behind(
    repo: Path | str,
    config: Config,
    history: History,
    namer: Namer,
    span: _Span,
    kept: set[str],
) -> Behind:
    request = span.request
    env, state = request.env, request.state
    skip = set(state.ignored)
    deployments: list[Deployment] = []
    skipped: list[str] = []
    behind_paths: set[str] = set()
    for sha, _ in span.chain if kept else ():
        named = {path: namer(path) for path, _, _ in history.changes(sha) if path in kept}
        touched = {name for name in named.values() if name is not None}
        if not touched:
            continue  # nothing kept, or only files that are not part of a component
        if sha in skip:
            skipped.append(sha)
            continue
        behind_paths.update(path for path, name in named.items() if name is not None)
        author, date, subject = history.info(sha)
        deployments.append(Deployment(sha, subject, author, date, tuple(sorted(touched))))
    if env.branch is None and (state.excluded or state.skipped):
        deployments = merge_deployments(
            deployments,
            held_back(
                repo,
                span.up,
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
        span.base,
        span.up,
        state.synced_to,
        tuple(deployments),
        tuple(components),
        tuple(sorted(behind_paths)),
        tuple(skipped),
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


def components_of(paths: Iterable[str], config: Config, cache_dir: Path | None = None) -> set[str]:
    """`Type:FullName` of the components the paths inside the package directories belong to."""
    prefixes = tuple(d.rstrip("/") + "/" for d in config.package_dirs)
    namer = namer_for(config, cache_dir)
    names = namer.names(p for p in paths if p.startswith(prefixes))
    namer.save()
    return names


def namer_for(config: Config, cache_dir: Path | None = None) -> Namer:
    """The component namer of the project `config` belongs to."""
    return Namer(config.root, [extra.registry_entry() for extra in config.extra_types], cache_dir)


# --- components a workflow held back (pull-upstream --exclude, back-promote skips) ---------


def component_paths(
    repo: Path | str,
    rev: str,
    package_dirs: Sequence[str],
    name: Callable[[str], str | None],
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
    name: Callable[[str], str | None],
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
