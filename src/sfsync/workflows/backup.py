"""`sfsync backup`: an org, in git, incrementally, in chunks that resume.

    result = backup.run(project, "prod", backup.Options(full=False), on_progress=print)
    result.commit       # the new commit on refs/sfsync-backups/prod (None: nothing changed)

1. List the org (`sfsync.org.listing`): every component with its lastModifiedDate/ByName.
2. Compare with the manifest of the last backup (`sfsync.org.backups`): components new to
   the org, components whose lastModifiedDate (or id: deleted and created again) moved, and
   components gone. Only those are retrieved (`--full`: everything; `--always-retrieve
   Profile`: a type whose date does not move when it changes, on every run). A child
   (CustomField) comes with its parent when the parent is retrieved; a child kept inside its
   parent's one file (CustomLabel, WorkflowRule) is retrieved through its parent.
3. Pack them into chunks (`sfsync.org.chunks`, sized from the last backup) and retrieve each
   one; after each chunk its files are written to git and the journal records it, so a run
   that dies after chunk 7 of 12 continues at chunk 8 (same options, same last backup).
4. Build the new tree (the last backup's files, minus what was retrieved again or deleted,
   plus what was retrieved) and commit it with the new manifest on
   `refs/sfsync-backups/<env>`; the message lists what was added, changed and deleted, and
   by whom. Nothing changed: no commit.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sfsync.errors import ExternalError, UsageError, plural
from sfsync.git import locks, state
from sfsync.git import repo as gitrepo
from sfsync.git.journal import pause_point
from sfsync.metadata.registry import Registry
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, changes, chunks, listing
from sfsync.org.listing import Listed
from sfsync.pipeline.config import Environment
from sfsync.pipeline.project import Project, metadata_project

DEFAULT_API_VERSION = "62.0"
MESSAGE_LINES = 200


@dataclass(frozen=True)
class Options:
    """What to back up and how."""

    full: bool = False
    types: tuple[str, ...] | None = None
    skip_types: tuple[str, ...] = ()
    include_managed: bool = False
    always: tuple[str, ...] = ()
    """Types retrieved on every run (their lastModifiedDate does not move when they change)."""
    max_files: int = chunks.FILE_LIMIT
    jobs: int = listing.DEFAULT_JOBS
    full_every: int | None = None
    """Days after which a backup is full again (None: only with `full`)."""

    def key(self) -> dict[str, Any]:
        """What a resumed run must match (jobs may differ), as JSON has it."""
        data = asdict(self)
        data.pop("jobs")
        loaded: dict[str, Any] = json.loads(json.dumps(data))
        return loaded


@dataclass(frozen=True)
class Change:
    """A component added, changed or deleted since the last backup."""

    component: str
    by: str = ""
    when: str = ""

    def to_json(self) -> dict[str, str]:
        """`{component, lastModifiedByName, lastModifiedDate}`."""
        return {
            "component": self.component,
            "lastModifiedByName": self.by,
            "lastModifiedDate": self.when,
        }


@dataclass(frozen=True)
class Progress:
    """What a running backup reports: `listed`, `resumed`, `chunk` (one per chunk)."""

    phase: str
    done: int = 0
    total: int = 0
    components: int = 0
    files: int = 0
    retrieves: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Result:
    """What one backup did."""

    env: str
    org: str
    ref: str
    mode: str
    commit: str | None
    previous: str | None
    added: tuple[Change, ...]
    changed: tuple[Change, ...]
    deleted: tuple[Change, ...]
    components: int
    files: int
    chunks: int
    retrieves: int
    splits: int
    retrieved: int
    sf_calls: int
    resumed_at: int | None
    managed_skipped: int
    seconds: float
    pushed: bool = False
    warnings: tuple[str, ...] = ()
    queried: tuple[str, ...] = ()
    """The types a change query answered instead of listMetadata."""
    fallbacks: Mapping[str, str] = field(default_factory=dict)
    """Type -> why its change query could not answer (it was listed)."""

    @property
    def up_to_date(self) -> bool:
        """True when nothing changed since the last backup (no commit was made)."""
        return self.commit is None

    def to_json(self) -> dict[str, Any]:
        """The result as `--json` prints it."""
        return {
            "env": self.env,
            "org": self.org,
            "ref": self.ref,
            "mode": self.mode,
            "commit": self.commit,
            "previous": self.previous,
            "upToDate": self.up_to_date,
            "added": [c.to_json() for c in self.added],
            "changed": [c.to_json() for c in self.changed],
            "deleted": [c.to_json() for c in self.deleted],
            "components": self.components,
            "files": self.files,
            "chunks": self.chunks,
            "retrieves": self.retrieves,
            "splits": self.splits,
            "retrieved": self.retrieved,
            "sfInvocations": self.sf_calls,
            "resumedAtChunk": self.resumed_at,
            "managedSkipped": self.managed_skipped,
            "seconds": round(self.seconds, 1),
            "pushed": self.pushed,
            "warnings": list(self.warnings),
            "changeQueries": list(self.queried),
            "changeQueryFallbacks": dict(self.fallbacks),
        }


_Sizes = dict[str, chunks.Size]


@dataclass
class _Plan:
    """The part of a backup that is decided before the first retrieve (and journaled)."""

    mode: str
    listing: dict[str, Listed]
    scope: tuple[str, ...] | None
    skipped: tuple[str, ...]
    namespace: str
    managed_skipped: int
    added: list[str]
    changed: list[str]
    deleted: list[str]
    retrieve: list[str]
    chunks: list[list[str]]
    sf_calls: int
    done: list[dict[str, Any]] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)
    """Type -> the change signal asked this run (as JSON)."""
    queried: list[str] = field(default_factory=list)
    """The types a change query answered instead of listMetadata."""
    fallbacks: dict[str, str] = field(default_factory=dict)
    """Type -> why its change query could not answer (it was listed)."""
    known: _Sizes | None = None
    """The last backup's sizes of what is retrieved (not journaled: read again on resume)."""


def run(
    project: Project,
    env_name: str,
    options: Options,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    push: bool = False,
) -> Result:
    """Back up `env_name`'s org onto `refs/sfsync-backups/<env>` (see the module doc)."""
    env = project.config.env(env_name)
    if options.max_files < 1:
        raise UsageError("--max-files must be at least 1")
    if options.full_every is not None and options.full_every < 0:
        raise UsageError(f"--full-every {options.full_every}: give a number of days, 0 or more")
    started = time.monotonic()
    repo = project.root
    common = project.paths.common_dir
    registry = backups.project().registry
    api_version = metadata_project(repo).api_version or DEFAULT_API_VERSION
    notify = on_progress or (lambda _p: None)
    with locks.hold(common, f"backup-{env.name}", "backup"):
        previous = backups.latest(repo, env.name)
        base = previous.commit if previous else None
        if options.full_every is not None and not options.full and previous is not None:
            age = backups.days_since_full(repo, env.name)
            if age is None or age >= options.full_every:
                options = replace(options, full=True)
        resolver = Resolver(backups.project())  # one for the run: it caches what it resolved
        owned = _owned(previous, resolver)
        warnings: list[str] = []
        with tempfile.TemporaryDirectory(prefix="sfsync-backup-") as scratch_name:
            scratch = Path(scratch_name)
            plan, resumed_at = _resume(common, env, base, options)
            if plan is None:
                plan = _plan(repo, env, registry, previous, owned, options, scratch, api_version)
                if len(plan.chunks) > 1:  # one chunk: nothing to continue, nothing to journal
                    _journal(common, env, base, options, plan, with_listing=True)
            notify(
                Progress(
                    "resumed" if resumed_at else "listed",
                    len(plan.done),
                    len(plan.chunks),
                    len(plan.listing),
                )
            )
            retrieves = sum(int(d.get("retrieves", 0)) for d in plan.done)
            splits = sum(int(d.get("splits", 0)) for d in plan.done)
            calls = plan.sf_calls + retrieves + splits
            wanted = set(plan.retrieve)
            known = plan.known
            if known is None:  # a resumed plan: the sizes of what it still retrieves
                known = _known_sizes(repo, registry, previous, owned, set(plan.retrieve))
            learned: dict[str, list[int]] = {}
            index = len(plan.done)
            while index < len(plan.chunks):
                t0 = time.monotonic()
                keys = plan.chunks[index]
                got = chunks.retrieve_chunk(
                    env.org, registry, keys, scratch / f"chunk-{index + 1}", api_version=api_version
                )
                accepted = chunks.accepted(got.files, wanted, registry, resolver)
                shas = gitrepo.hash_files(repo, [got.files[p] for p in accepted])
                tree = backups.write_tree(repo, dict(zip(accepted, shas, strict=True)))
                plan.done.append(
                    {
                        "tree": tree,
                        "properties": {k: list(v) for k, v in got.properties.items()},
                        "missing": sorted(got.missing),
                        "retrieves": got.retrieves,
                        "splits": got.splits,
                    }
                )
                if index + 1 < len(plan.chunks):
                    _replan(plan, index, registry, resolver, accepted, known, learned, options)
                if len(plan.chunks) > 1:
                    _journal(common, env, base, options, plan, with_listing=False)
                retrieves += got.retrieves
                splits += got.splits
                calls += got.retrieves + got.splits
                notify(
                    Progress(
                        "chunk",
                        index + 1,
                        len(plan.chunks),
                        len(keys),
                        len(accepted),
                        got.retrieves,
                        time.monotonic() - t0,
                    )
                )
                pause_point(f"backup-chunk-{index + 1}")
                index += 1
        blobs, manifest, changed_content, stray = _assemble(
            repo, env, previous, owned, resolver, plan, api_version, options
        )
        if stray:
            warnings.append(
                f"{plural(stray, 'retrieved file')} that belong to no component sfsync knows "
                "are kept"
            )
        added = [_change(plan.listing, k) for k in plan.added]
        changed = [_change(plan.listing, k) for k in sorted({*plan.changed, *changed_content})]
        deleted = [
            _change(previous.manifest.components if previous else {}, k) for k in plan.deleted
        ]
        same_files = previous is not None and previous.source() == blobs
        commit: str | None = None
        if previous is None or not same_files or added or changed or deleted:
            message = _message(env, plan.mode, previous is None, added, changed, deleted, manifest)
            commit = backups.store(
                repo, env.name, blobs, manifest, base, message, previous.files if previous else None
            )
        backups.clear_journal(common, env.name)
        pushed = False
        if push:  # also when nothing changed: an earlier push may have failed
            push_backup(project, env.name)
            pushed = True
    return Result(
        env=env.name,
        org=env.org,
        ref=backups.ref_name(env.name),
        mode=plan.mode,
        commit=commit,
        previous=base,
        added=tuple(added),
        changed=tuple(changed),
        deleted=tuple(deleted),
        components=len(manifest.components),
        files=len(blobs),
        chunks=len(plan.chunks),
        retrieves=retrieves,
        splits=splits,
        retrieved=len(plan.retrieve),
        sf_calls=calls,
        resumed_at=resumed_at,
        managed_skipped=plan.managed_skipped,
        seconds=time.monotonic() - started,
        pushed=pushed,
        warnings=tuple(warnings),
        queried=tuple(plan.queried),
        fallbacks=dict(plan.fallbacks),
    )


def push_backup(project: Project, env: str) -> str:
    """Push `refs/sfsync-backups/<env>` to the remote (fast-forward only)."""
    ref = backups.ref_name(env)
    remote = project.config.remote
    proc = state.push_specs(project.root, remote, [f"{ref}:{ref}"])  # after --end-of-options
    if proc.returncode != 0:
        last = gitrepo.reason(proc.stdout, proc.stderr)
        raise ExternalError(
            f"the backup of {env} is committed here, but git push {remote} failed: {last}; "
            f"push it later with: git push {remote} {ref}:{ref}"
        )
    return ref


# --- planning ------------------------------------------------------------------------------


def _plan(
    repo: Path,
    env: Environment,
    registry: Registry,
    previous: backups.Backup | None,
    owned: Mapping[str, list[str]],
    options: Options,
    scratch: Path,
    api_version: str,
) -> _Plan:
    before = dict(previous.manifest.components) if previous else {}
    full = options.full or previous is None
    # the change queries stand in for listMetadata only over a last backup of the same kind
    use_signals = (
        previous is not None
        and not full
        and previous.manifest.include_managed == options.include_managed
    )
    found = listing.list_org(
        env.org,
        registry,
        scratch=scratch / "listing",
        types=options.types,
        skip_types=options.skip_types,
        include_managed=options.include_managed,
        jobs=options.jobs,
        api_version=api_version,
        previous=before if use_signals else None,
        signals=previous.manifest.signals if previous and use_signals else {},
    )
    now = found.components
    always = set(options.always)
    added = sorted(k for k in now if k not in before)
    changed = sorted(k for k in now if k in before and now[k].version() != before[k].version())
    # a managed component of the last backup is not looked at without --include-managed
    deleted = sorted(
        k
        for k in before
        if k not in now
        and found.covers(k.partition(":")[0])
        and (options.include_managed or not before[k].managed)
    )
    if full:
        wanted = list(now)
    else:
        wanted = [*added, *changed, *(k for k in now if k.partition(":")[0] in always)]
    retrieve = chunks.retrieval_set(registry, wanted, list(now))
    known = _known_sizes(repo, registry, previous, owned, None if full else set(retrieve))
    planned = chunks.plan_chunks(registry, retrieve, known, max_files=options.max_files)
    return _Plan(
        mode="full" if full else "incremental",
        listing=dict(now),
        scope=tuple(sorted(found.scope)) if found.scope is not None else None,
        skipped=tuple(sorted(found.skipped)),
        namespace=found.namespace,
        managed_skipped=found.managed_skipped,
        added=added,
        changed=changed,
        deleted=deleted,
        retrieve=retrieve,
        chunks=planned,
        sf_calls=found.sf_calls,
        known=known,
        signals={t: sig.to_json() for t, sig in found.signals.items()},
        queried=list(found.queried),
        fallbacks=dict(found.fallbacks),
    )


def _replan(
    plan: _Plan,
    index: int,
    registry: Registry,
    resolver: Resolver,
    accepted: Sequence[str],
    known: Mapping[str, chunks.Size],
    learned: dict[str, list[int]],
    options: Options,
) -> None:
    """After chunk `index`, learn how many files a bundle of each type really has (the first
    backup can only guess) and pack the chunks still to come again with it."""
    counts: dict[str, int] = {}
    for path in accepted:
        component = resolver.component(path)
        if component is not None:
            key = listing.listing_key(registry, component)
            counts[key] = counts.get(key, 0) + 1
    changed = False
    for key, files in counts.items():
        mtype = registry.by_name(key.partition(":")[0])
        if mtype is None or mtype.adapter not in ("bundle", "digitalExperience", "uiBundles"):
            continue
        total = learned.setdefault(mtype.name, [0, 0])
        total[0] += files
        total[1] += 1
        changed = True
    if not changed:
        return
    averages = {t: -(-files // n) for t, (files, n) in learned.items()}  # rounded up
    rest = [k for chunk in plan.chunks[index + 1 :] for k in chunk]
    plan.chunks[index + 1 :] = chunks.plan_chunks(
        registry, rest, known, max_files=options.max_files, type_files=averages
    )


def _known_sizes(
    repo: Path,
    registry: Registry,
    previous: backups.Backup | None,
    owned: Mapping[str, list[str]],
    wanted: Collection[str] | None = None,
) -> dict[str, chunks.Size]:
    """Files and bytes of each component in the last backup (a parent weighs its children);
    with `wanted`, only of those components (the sizes are read from git for their files
    only)."""
    if previous is None:
        return {}
    parents: dict[str, str | None] = {}  # type -> its parent type (None: not a child type)

    def parent_of(key: str) -> str | None:
        type_name, _, full_name = key.partition(":")
        if type_name not in parents:
            parents[type_name] = None
            mtype = registry.by_name(type_name)
            parent = registry.parent_of(mtype) if mtype is not None else None
            if parent is not None and mtype is not None and not mtype.ignore_parent_name:
                parents[type_name] = parent.name
        parent_type = parents[type_name]
        if parent_type is None or "." not in full_name:
            return None
        return f"{parent_type}:{full_name.split('.', 1)[0]}"

    picked: list[tuple[str, list[str], str | None]] = []
    for key, paths in owned.items():
        if not key:
            continue
        parent = parent_of(key)
        if wanted is None or key in wanted or (parent is not None and parent in wanted):
            picked.append((key, paths, parent))
    size_of = previous.sizes(repo, (p for _, paths, _ in picked for p in paths))
    sizes: dict[str, list[int]] = {}
    for key, paths, parent in picked:
        total = sum(size_of.get(p, 0) for p in paths)
        entry = sizes.setdefault(key, [0, 0])
        entry[0] += len(paths)
        entry[1] += total
        if parent is not None:
            sizes.setdefault(parent, [0, 0])[1] += total
    return {k: chunks.Size(files, size) for k, (files, size) in sizes.items()}


# --- resume --------------------------------------------------------------------------------


def _journal(
    common: Path,
    env: Environment,
    base: str | None,
    options: Options,
    plan: _Plan,
    *,
    with_listing: bool,
) -> None:
    data = {
        "format": 1,
        "env": env.name,
        "org": env.org,
        "base": base,
        "options": options.key(),
        "mode": plan.mode,
        "scope": plan.scope,
        "skipped": plan.skipped,
        "namespace": plan.namespace,
        "managedSkipped": plan.managed_skipped,
        "added": plan.added,
        "changed": plan.changed,
        "deleted": plan.deleted,
        "retrieve": plan.retrieve,
        "chunks": plan.chunks,
        "sfCalls": plan.sf_calls,
        "signals": plan.signals,
        "queried": plan.queried,
        "fallbacks": plan.fallbacks,
        "done": plan.done,
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    comps = {k: v.to_json() for k, v in plan.listing.items()} if with_listing else None
    backups.write_journal(common, env.name, data, comps)


def _resume(
    common: Path, env: Environment, base: str | None, options: Options
) -> tuple[_Plan | None, int | None]:
    """The unfinished backup to continue, and the chunk it continues at; else (None, None)."""
    data = backups.read_journal(common, env.name)
    if data is None:
        return None, None
    same = (
        data.get("org") == env.org
        and data.get("base") == base
        and data.get("options") == options.key()
    )
    if not same:
        backups.clear_journal(common, env.name)
        return None, None
    raw = data["listing"]
    plan = _Plan(
        mode=str(data.get("mode")),
        listing={k: Listed.from_json(k, v) for k, v in raw.items()},
        scope=tuple(data["scope"]) if data.get("scope") is not None else None,
        skipped=tuple(data.get("skipped") or ()),
        namespace=str(data.get("namespace") or ""),
        managed_skipped=int(data.get("managedSkipped") or 0),
        added=list(data.get("added") or ()),
        changed=list(data.get("changed") or ()),
        deleted=list(data.get("deleted") or ()),
        retrieve=list(data.get("retrieve") or ()),
        chunks=[list(c) for c in data.get("chunks") or ()],
        sf_calls=0,
        done=list(data.get("done") or ()),
        signals=dict(data.get("signals") or {}),
        queried=list(data.get("queried") or ()),
        fallbacks=dict(data.get("fallbacks") or {}),
    )
    return plan, len(plan.done) + 1


# --- the new backup ------------------------------------------------------------------------


def _assemble(
    repo: Path,
    env: Environment,
    previous: backups.Backup | None,
    owned: Mapping[str, list[str]],
    resolver: Resolver,
    plan: _Plan,
    api_version: str,
    options: Options,
) -> tuple[dict[str, str], backups.Manifest, list[str], int]:
    """The new tree's files, its manifest, the components whose content changed, and the
    number of files no component claims."""
    registry = resolver.registry
    old = previous.source() if previous else {}
    blobs = dict(old)
    covered = _covers(plan)
    before = previous.manifest.components if previous else {}
    kept_managed = set() if options.include_managed else {k for k, v in before.items() if v.managed}
    gone: set[str] = set(plan.deleted) | set(plan.retrieve)
    if plan.mode == "full":
        gone |= {k for k in owned if k and covered(k.partition(":")[0]) and k not in kept_managed}
    for key in gone:
        for path in owned.get(key, ()):
            blobs.pop(path, None)
    props: dict[str, tuple[str, str]] = {}
    missing: set[str] = set()
    fresh: dict[str, str] = {}
    for done in plan.done:
        fresh.update(gitrepo.ls_tree_blobs(repo, str(done["tree"])))
        props.update({k: (v[0], v[1]) for k, v in done.get("properties", {}).items()})
        missing.update(done.get("missing") or ())
    blobs.update(fresh)
    components = {
        k: v for k, v in before.items() if not covered(k.partition(":")[0]) or k in kept_managed
    }
    for key, item in plan.listing.items():
        if key in missing:
            continue
        by, when = props.get(key, ("", ""))
        if (by and by != item.modified_by) or (when and when != item.modified_date):
            item = replace(
                item, modified_by=by or item.modified_by, modified_date=when or item.modified_date
            )
        components[key] = item
    # who owns which file now: the old map, minus what left, plus what was retrieved
    new_owned: dict[str, list[str]] = {}
    for key, paths in owned.items():
        kept = [p for p in paths if p in blobs and p not in fresh]
        if kept:
            new_owned[key] = kept
    for key, paths in backups.attribute(fresh, resolver).items():
        new_owned[key] = sorted({*new_owned.get(key, ()), *paths})
    # a container whose file changed because a child of it changed is not news of its own
    moved = {k.partition(":")[0] for k in (*plan.added, *plan.changed, *plan.deleted)}
    content = sorted(
        k
        for k in set(plan.retrieve) & set(owned)
        if sorted(old[p] for p in owned[k]) != sorted(blobs[p] for p in new_owned.get(k, ()))
        and k not in plan.added
        and not _has_child_type_in(registry, k, moved)
    )
    manifest = backups.Manifest(
        env=env.name,
        org=env.org,
        taken=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        mode=plan.mode,
        api_version=api_version,
        components=components,
        scope=plan.scope,
        skipped=plan.skipped,
        include_managed=options.include_managed,
        files=new_owned,
        signals=_signals(previous, plan, covered),
        lines=previous.manifest.lines if previous else {},
    )
    return blobs, manifest, content, len(new_owned.get("", ()))


def _signals(
    previous: backups.Backup | None, plan: _Plan, covered: Callable[[str], bool]
) -> dict[str, changes.Signal]:
    """This run's change signals, and the last backup's for the types this run left alone
    (their components are kept as it had them)."""
    out = {
        t: sig
        for t, sig in (previous.manifest.signals.items() if previous else ())
        if not covered(t)
    }
    for type_name, raw in plan.signals.items():
        signal = changes.Signal.from_json(raw)
        if signal is not None:
            out[type_name] = signal
    return out


def _owned(previous: backups.Backup | None, resolver: Resolver) -> dict[str, list[str]]:
    """Component -> its files in the last backup: from its manifest, or attributed again with
    the resolver when the manifest has no file map or it does not match the tree."""
    if previous is None:
        return {}
    source = previous.source()
    mapped = previous.manifest.files
    if (
        mapped is not None
        and sum(len(v) for v in mapped.values()) == len(source)
        and all(p in source for paths in mapped.values() for p in paths)
    ):
        return {k: list(v) for k, v in mapped.items()}
    return backups.attribute(source, resolver)


def _has_child_type_in(registry: Registry, key: str, types: set[str]) -> bool:
    mtype = registry.by_name(key.partition(":")[0])
    if mtype is None:
        return False
    children = {registry.types[c].name for c in mtype.children if c in registry.types}
    return bool(children & types)


def _covers(plan: _Plan) -> Callable[[str], bool]:
    scope = set(plan.scope) if plan.scope is not None else None
    skipped = set(plan.skipped)

    def covers(type_name: str) -> bool:
        if type_name in skipped:
            return False
        return scope is None or type_name in scope

    return covers


def _change(components: Mapping[str, Listed], key: str) -> Change:
    item = components.get(key)
    return Change(key, item.modified_by if item else "", item.modified_date if item else "")


def _message(
    env: Environment,
    mode: str,
    first: bool,
    added: Sequence[Change],
    changed: Sequence[Change],
    deleted: Sequence[Change],
    manifest: backups.Manifest,
) -> str:
    if first:
        head = f"backup {env.name}: first backup, {len(manifest.components)} components ({mode})"
    else:
        head = (
            f"backup {env.name}: {len(added)} added, {len(changed)} changed, "
            f"{len(deleted)} deleted ({mode})"
        )
    lines = [head, ""]
    authors = Counter(c.by for c in (*added, *changed) if c.by)
    if authors:
        ranked = sorted(authors.items(), key=lambda item: (-item[1], item[0]))
        lines.append("Changed by: " + ", ".join(f"{who} ({n})" for who, n in ranked))
        lines.append("")
    rows = [("added", c) for c in added] + [("changed", c) for c in changed]
    rows += [("deleted", c) for c in deleted]
    if first:
        rows = []
    for what, change in rows[:MESSAGE_LINES]:
        who = f"  ({change.by}, {change.when})" if change.by and what != "deleted" else ""
        lines.append(f"{what:<8} {change.component}{who}")
    if len(rows) > MESSAGE_LINES:
        lines.append(f"... and {len(rows) - MESSAGE_LINES} more (see {backups.MANIFEST})")
    lines.append("")
    lines.append(f"org: {env.org}; {len(manifest.components)} components")
    return "\n".join(lines) + "\n"
