"""What a backup retrieves, decided before the first retrieve, and the journal that lets a
run killed after chunk 7 of 12 continue at chunk 8 (`sfsync.workflows.backup`).

The plan lists the org, compares it with the last backup's manifest (added, changed,
deleted), and packs what to retrieve into chunks sized from the last backup's files; after
each chunk, the sizes learned repack the chunks still to come.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sfsync.metadata.registry import Registry
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, chunks, listed, listing
from sfsync.org.listed import Listed
from sfsync.pipeline.config import Environment

DEFAULT_API_VERSION = "62.0"


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
    jobs: int = listed.DEFAULT_JOBS
    full_every: int | None = None
    """Days after which a backup is full again (None: only with `full`)."""

    def key(self) -> dict[str, Any]:
        """What a resumed run must match (jobs may differ), as JSON has it."""
        data = asdict(self)
        data.pop("jobs")
        loaded: dict[str, Any] = json.loads(json.dumps(data))
        return loaded


Sizes = dict[str, chunks.Size]


@dataclass
class Plan:
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
    known: Sizes | None = None
    """The last backup's sizes of what is retrieved (not journaled: read again on resume)."""


def plan(
    repo: Path,
    env: Environment,
    registry: Registry,
    previous: backups.Backup | None,
    owned: Mapping[str, list[str]],
    options: Options,
    scratch: Path,
    api_version: str,
) -> Plan:
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
    known = known_sizes(repo, registry, previous, owned, None if full else set(retrieve))
    planned = chunks.plan_chunks(registry, retrieve, known, max_files=options.max_files)
    return Plan(
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


def replan(
    plan: Plan,
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
            key = listed.listing_key(registry, component)
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


def known_sizes(
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


def journal(
    common: Path,
    env: Environment,
    base: str | None,
    options: Options,
    plan: Plan,
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


def resume(
    common: Path, env: Environment, base: str | None, options: Options
) -> tuple[Plan | None, int | None]:
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
    plan = Plan(
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


def owned(previous: backups.Backup | None, resolver: Resolver) -> dict[str, list[str]]:
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
