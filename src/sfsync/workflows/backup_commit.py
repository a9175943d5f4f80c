"""The new backup: its tree (the last backup's files, minus what was retrieved again or
deleted, plus what was retrieved), its manifest and its commit message
(`sfsync.workflows.backup`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sfsync.errors import plural
from sfsync.git import repo as gitrepo
from sfsync.metadata.registry import Registry
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, changes
from sfsync.org.listed import Listed
from sfsync.pipeline.config import Environment
from sfsync.workflows.backup_plan import Options, Plan

MESSAGE_LINES = 200


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


def assemble(
    repo: Path,
    env: Environment,
    previous: backups.Backup | None,
    owned: Mapping[str, list[str]],
    resolver: Resolver,
    plan: Plan,
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
    previous: backups.Backup | None, plan: Plan, covered: Callable[[str], bool]
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


def _has_child_type_in(registry: Registry, key: str, types: set[str]) -> bool:
    mtype = registry.by_name(key.partition(":")[0])
    if mtype is None:
        return False
    children = {registry.types[c].name for c in mtype.children if c in registry.types}
    return bool(children & types)


def _covers(plan: Plan) -> Callable[[str], bool]:
    scope = set(plan.scope) if plan.scope is not None else None
    skipped = set(plan.skipped)

    def covers(type_name: str) -> bool:
        if type_name in skipped:
            return False
        return scope is None or type_name in scope

    return covers


def change(components: Mapping[str, Listed], key: str) -> Change:
    item = components.get(key)
    return Change(key, item.modified_by if item else "", item.modified_date if item else "")


def message(
    env: Environment,
    mode: str,
    first: bool,
    added: Sequence[Change],
    changed: Sequence[Change],
    deleted: Sequence[Change],
    manifest: backups.Manifest,
) -> str:
    if first:
        head = (
            f"backup {env.name}: first backup, "
            f"{plural(len(manifest.components), 'component')} ({mode})"
        )
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
    if lines[-1]:  # one blank line between paragraphs, never two
        lines.append("")
    lines.append(f"org: {env.org}; {plural(len(manifest.components), 'component')}")
    return "\n".join(lines) + "\n"
