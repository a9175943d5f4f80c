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

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.git import state as state_mod
from sfsync.git import walk
from sfsync.git.state import EnvState
from sfsync.pipeline.config import Config, Environment
from sfsync.pipeline.deployments import Deployment, Deployments
from sfsync.pipeline.heldback import held_back, merge_deployments
from sfsync.pipeline.history import History, blob_id
from sfsync.pipeline.naming import Namer


@dataclass(frozen=True)
class Behind:
    """The answer for one env. `known` is False for a sandbox that was never synced."""

    env: str
    upstream: str | None
    base: str | None
    up: str | None
    synced_to: str | None
    deployments: Sequence[Deployment] = ()
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
    """One env to compute, with its state (None: read it in the same git process as the
    refs); `head` (a rev such as "HEAD") when it is the developer's own env: content already
    there is not behind, and a sandbox that was never synced is compared with it."""

    env: Environment
    state: EnvState | None = None
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
    return _first(found, candidates, config, upstream, repo)


def compute(
    repo: Path | str,
    config: Config,
    env: Environment,
    state: EnvState | None,
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
    names: list[str] = []
    for request in requests:
        if request.state is None:
            names += state_mod.state_objects(request.env.name)
        names += [f"{rev}^{{commit}}" for rev in _revs(config, request)]
    objects = gitrepo.cat_file_objects(repo, names)  # one git process: states and refs
    found = {
        name.removesuffix("^{commit}"): obj.sha if obj and obj.type == "commit" else None
        for name, obj in objects.items()
    }
    history = History(repo, config.package_dirs, cache_dir)
    starts: list[Behind | tuple[Request, str, str, str | None]] = []
    for request in requests:
        if request.state is None:
            request = replace(request, state=state_mod.state_from(objects, request.env.name).state)
        starts.append(_start(repo, config, request, found))
    # a sandbox's sync point is on its upstream's chain: one walk per upstream, through the
    # cache (git only for the commits it does not know yet)
    bases: dict[str, set[str]] = {}
    for start in starts:
        if not isinstance(start, Behind) and _synced_sandbox(*start):
            bases.setdefault(start[2], set()).add(start[1])
    walks = {up: history.walk_down(up, stops) for up, stops in bases.items()}
    answers = [
        start if isinstance(start, Behind) else _span(repo, config, history, walks, *start)
        for start in starts
    ]
    spans = [a for a in answers if isinstance(a, _Span)]
    # when git diffs new commits anyway, the same process compares HEAD with the sync point
    also = [pair for span in spans for pair in _comparisons(span)]
    compared = history.load(dict(pair for span in spans for pair in span.chain).items(), also)
    namer = namer_for(config, cache_dir)
    named = _Components(history, namer)
    shared: dict[str, _Shared] = {}
    scans: dict[int, _Scan] = {}
    for span in spans:
        scan = _scan_shared(span, walks, shared, history, named)
        if scan is not None:
            scans[id(span)] = scan
    rest = [span for span in spans if id(span) not in scans]
    for span, kept in zip(rest, _kept(repo, config, history, rest, compared), strict=True):
        scans[id(span)] = _scan(span, kept, named)
    results = [
        a if isinstance(a, Behind) else _behind(repo, config, history, named, a, scans[id(a)])
        for a in answers
    ]
    history.save()
    namer.save()
    return results


def _kept(
    repo: Path | str,
    config: Config,
    history: History,
    spans: Sequence[_Span],
    compared: dict[tuple[str, str], list[gitrepo.RawChange]],
) -> list[set[str]]:
    """For each span, the files behind: changed between the merge-base and up, and not
    already at the base (merged from elsewhere) nor in HEAD. `compared`: the comparisons
    (`_comparisons`) git made already."""
    # path -> its blob at up, for the paths whose content differs from the merge-base
    at_up = [history.composed_diff(sha for sha, _ in reversed(s.chain)) for s in spans]
    # compare the base with up (a tree diff, only when the base is not on up's chain) and
    # HEAD with the base (the developer's own changes: small), in one git process
    pairs = dict(compared)
    needed = [
        pair
        for span, differs in zip(spans, at_up, strict=True)
        if differs
        for pair in _comparisons(span)
        if pair not in pairs
    ]
    if needed:
        needed = list(dict.fromkeys(needed))
        diffs = walk.diff_tree_many(repo, needed, config.package_dirs)
        for pair, diff in zip(needed, diffs, strict=True):
            pairs[pair] = list(diff.changes)
    kept: list[set[str]] = []
    for span, differs in zip(spans, at_up, strict=True):
        keep = set(differs)
        if keep and span.merge_base != span.base:
            keep &= {change.path for change in pairs[(span.up, span.base)]}
        if keep and span.head is not None and span.head != span.base:
            for change in pairs[(span.head, span.base)]:
                if (
                    change.path in keep
                    and blob_id(change.new_mode, change.new_sha) == differs[change.path]
                ):
                    keep.discard(change.path)  # HEAD has up's content already
        kept.append(keep)
    return kept


@dataclass(frozen=True)
class _Scan:
    """What one env is behind: (sha, (path, component) pairs) of each deployment, newest
    first, the ignored deployments, and the components and files of the deployments."""

    found: list[tuple[str, list[tuple[str, str]]]]
    skipped: list[str]
    components: set[str]
    paths: set[str]


def _scan(span: _Span, kept: set[str], named: _Components) -> _Scan:
    skip = set((span.request.state or EnvState()).ignored)
    found: list[tuple[str, list[tuple[str, str]]]] = []
    skipped: list[str] = []
    memo, name_all = named.memo, named.of
    for sha, _ in span.chain if kept else ():
        pairs = memo.get(sha)
        if pairs is None:
            pairs = name_all(sha)
        touched = [pair for pair in pairs if pair[0] in kept]
        if not touched:
            continue  # nothing kept, or only files that are not part of a component
        if sha in skip:
            skipped.append(sha)
        else:
            found.append((sha, touched))
    paths = {path for _, touched in found for path, _ in touched}
    components = {name for _, touched in found for _, name in touched}
    return _Scan(found, skipped, components, paths)


class _Shared:
    """What the sandboxes of one upstream share: its chain, walked once from the tip, and
    for each depth whether every file changed above it still differs from it there. Then
    (the usual case) what is behind a sync point at that depth is every deployment above it,
    read off running lists instead of a walk and a scan per sandbox (`sfsync status` of 50
    environments)."""

    def __init__(
        self, chain: Sequence[tuple[str, str | None]], history: History, named: _Components
    ) -> None:
        self.depth_of = {sha: depth for depth, (sha, _) in enumerate(chain)}
        self.clean = [True]
        self.items: list[tuple[str, list[tuple[str, str]]]] = []  # deployments, newest first
        self.depths: list[int] = []  # each one's depth in the chain
        self.ends = [0]  # how many names and paths the first k deployments have
        self.names: list[str] = []
        self.paths: list[str] = []
        before: dict[str, str] = {}
        after: dict[str, str] = {}
        differs = 0  # files whose content before the walked commits differs from up's
        for depth, (sha, _) in enumerate(chain):
            for path, old, new in history.changes(sha):
                if path in after:
                    differs += (old != after[path]) - (before[path] != after[path])
                else:
                    after[path] = new
                    differs += old != new
                before[path] = old
            self.clean.append(differs == len(after))
            pairs = named.of(sha)
            if pairs:
                self.items.append((sha, pairs))
                self.depths.append(depth)
                self.names.extend(name for _, name in pairs)
                self.paths.extend(path for path, _ in pairs)
                self.ends.append(len(self.names))

    def scan(self, depth: int, ignored: Iterable[str]) -> _Scan | None:
        """What a sync point `depth` commits below the tip is behind; None when a file
        changed above it is back to its content there, or a deployment above it is ignored
        (then the env is scanned on its own)."""
        if not self.clean[depth] or any(self.depth_of.get(s, depth) < depth for s in ignored):
            return None
        count = bisect.bisect_left(self.depths, depth)
        end = self.ends[count]
        return _Scan(self.items[:count], [], set(self.names[:end]), set(self.paths[:end]))


def _scan_shared(
    span: _Span,
    walks: dict[str, tuple[list[tuple[str, str | None]], dict[str, int]]],
    shared: dict[str, _Shared],
    history: History,
    named: _Components,
) -> _Scan | None:
    """The span's scan from its upstream's `_Shared`, when nothing but the sync point
    decides what is behind (no HEAD to compare, the base on the chain)."""
    if span.head not in (None, span.base) or span.merge_base != span.base:
        return None
    walked = walks.get(span.up)
    if walked is None or span.base not in walked[1]:
        return None
    if span.up not in shared:
        shared[span.up] = _Shared(walked[0], history, named)
    ignored = (span.request.state or EnvState()).ignored
    return shared[span.up].scan(walked[1][span.base], ignored)


class _Components:
    """(path, `Type:FullName`) of each file a commit changed that is part of a component,
    worked out once per commit however many envs' chains hold it."""

    def __init__(self, history: History, namer: Namer) -> None:
        self.history = history
        self.namer = namer
        self.memo: dict[str, list[tuple[str, str]]] = {}

    def of(self, sha: str) -> list[tuple[str, str]]:
        """The (path, name) pairs of the commit's files that belong to a component."""
        named = self.memo.get(sha)
        if named is None:
            namer = self.namer
            named = []
            for path, _, _ in self.history.changes(sha):
                name = namer(path)
                if name is not None:
                    named.append((path, name))
            self.memo[sha] = named
        return named


def _revs(config: Config, request: Request) -> list[str]:
    """The refs to resolve for `request` (its sync point is a sha, checked on use)."""
    env = request.env
    if env.upstream is None:
        return []
    upstream = config.env(env.upstream)
    assert upstream.branch is not None  # config guarantees an upstream has a branch
    revs = branch_refs(config.remote, upstream.branch)
    if env.branch is not None:
        revs += branch_refs(config.remote, env.branch)
    if request.head:
        revs.append(request.head)
    return revs


def _start(
    repo: Path | str, config: Config, request: Request, found: dict[str, str | None]
) -> Behind | tuple[Request, str, str, str | None]:
    """(request, base, up, head sha), or the answer when there is nothing to compare."""
    env, state = request.env, request.state or EnvState()
    if env.upstream is None:
        return Behind(env.name, None, None, None, state.synced_to)
    upstream = config.env(env.upstream)
    assert upstream.branch is not None  # config guarantees an upstream has a branch
    up = _first(found, branch_refs(config.remote, upstream.branch), config, upstream, repo)[1]
    head = found.get(request.head) if request.head else None
    sync_point = state.synced_to if env.branch is None else None
    if env.branch is not None:
        refs = branch_refs(config.remote, env.branch)
        base: str | None = _first(found, refs, config, env, repo)[1]
    elif sync_point is not None:
        base = sync_point if _is_sha(sync_point) else gitrepo.rev_parse(repo, sync_point)
        if base is None:
            raise _missing_sync_point(repo, config, env, sync_point)
    else:
        base = head
    if base is None:
        return Behind(env.name, env.upstream, None, up, None, known=False)
    return request, base, up, head


def _synced_sandbox(request: Request, base: str, up: str, head: str | None) -> bool:
    """True for a sandbox compared from its sync point (on its upstream's chain, usually)."""
    return request.env.is_sandbox and request.state is not None and base == request.state.synced_to


def _span(
    repo: Path | str,
    config: Config,
    history: History,
    walks: dict[str, tuple[list[tuple[str, str | None]], dict[str, int]]],
    request: Request,
    base: str,
    up: str,
    head: str | None,
) -> _Span:
    """The first-parent chain from `up` down to merge-base(base, up): from the cache when the
    base is on it (`walks`: no git process), else `git merge-base` and `git rev-list`."""
    if base == up:
        return _Span(request, base, up, head, up, ())
    chain_walked, depths = walks.get(up, ([], {}))
    if base in depths:
        return _Span(request, base, up, head, base, tuple(chain_walked[: depths[base]]))
    merge_base = gitrepo.merge_base(repo, base, up)
    if merge_base is None and gitrepo.rev_parse(repo, base) is None:
        raise _missing_sync_point(repo, config, request.env, base)  # only a sync point can be
    if merge_base == up:
        return _Span(request, base, up, head, up, ())
    chain = history.walk(up, merge_base) if merge_base else None
    if chain is None:
        chain = walk.first_parent_chain(repo, up, merge_base)
    return _Span(request, base, up, head, merge_base, tuple(chain))


def _is_sha(rev: str) -> bool:
    return len(rev) == 40 and all(c in "0123456789abcdef" for c in rev)


def _missing_sync_point(
    repo: Path | str, config: Config, env: Environment, sync_point: str
) -> UsageError:
    if gitrepo.is_shallow(repo):
        return UsageError(
            f"{env.name} is synced to {sync_point[:12]}, which this shallow clone (git clone "
            f"--depth) does not have: {gitrepo.SHALLOW_ADVICE}"
        )
    return UsageError(
        f"{env.name} is synced to {sync_point[:12]}, which is not in this repository: "
        f"run `git fetch {config.remote}` (or --fetch)"
    )


def _comparisons(span: _Span) -> list[tuple[str, str]]:
    """(new, old) commits to compare for what is not behind: up with the base when the base
    is not the merge-base, HEAD with the base when they differ."""
    pairs = [] if span.merge_base == span.base else [(span.up, span.base)]
    if span.head is not None and span.head != span.base:
        pairs.append((span.head, span.base))
    return pairs


def _behind(
    repo: Path | str,
    config: Config,
    history: History,
    named: _Components,
    span: _Span,
    scan: _Scan,
) -> Behind:
    request = span.request
    env, state = request.env, request.state or EnvState()
    deployments: Sequence[Deployment] = Deployments(scan.found, history.info)
    components = set(scan.components)
    if env.branch is None and (state.excluded or state.skipped):
        extra = held_back(
            repo,
            span.up,
            config.package_dirs,
            named.namer,
            [*state.excluded, *state.skipped],
            ignored=state.ignored,
            history=history,
        )
        if extra:
            deployments = Deployments(merge_deployments(deployments, extra))
            components.update(c for d in extra for c in d.components)
    return Behind(
        env.name,
        env.upstream,
        span.base,
        span.up,
        state.synced_to,
        deployments,
        tuple(sorted(components)),
        tuple(sorted(scan.paths)),
        tuple(scan.skipped),
    )


class BranchMissing(UsageError):
    """An env's branch is neither a local branch nor a remote-tracking one. `no_remote`:
    the repository has no such remote either, so there is nothing to fetch it from (a new
    repository: the branch is created locally, or the remote is added later)."""

    name = "BranchMissing"

    def __init__(self, message: str, *, env: str, branch: str, no_remote: bool) -> None:
        super().__init__(message, data={"env": env, "branch": branch})
        self.env = env
        self.branch = branch
        self.no_remote = no_remote


def _first(
    found: dict[str, str | None],
    refs: list[str],
    config: Config,
    env: Environment,
    repo: Path | str,
) -> tuple[str, str]:
    for ref in refs:
        sha = found.get(ref)
        if sha:
            return ref, sha
    branch, remote = str(env.branch), config.remote
    if not state_mod.has_remote(repo, remote):
        raise BranchMissing(
            f"branch '{branch}' of {env.name} does not exist, and this repository has no "
            f"remote '{remote}' (sfsync.yml: remote) to fetch it from: create it "
            f"(`git branch {branch} <commit {env.name} holds>`) or add the remote "
            f"(`git remote add {remote} <url>`)",
            env=env.name,
            branch=branch,
            no_remote=True,
        )
    raise BranchMissing(
        f"branch '{branch}' of {env.name} not found locally or as {remote}/{branch}: "
        f"run `git fetch {remote}` (or --fetch)",
        env=env.name,
        branch=branch,
        no_remote=False,
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
