"""What an env's recorded events left in its org: per component, the version the org should
hold according to the ledger (`sfsync.pipeline.ledger`).

A deployment left its branch commit's version (`to`); a rollback left the version of the
snapshot it restored (or nothing, for what it removed). A `compare-deploy` left another
org's version, which git does not hold: unknown.

    reader = left.by_event(repo, "int", record, extra_types)  # None: unknown
    reader([Component("ApexClass", "Foo")])  -> {Component: Version} (absent: not in the org)
    left.now(repo, "int", components, extra_types)  -> {Component: Version | None}

The in-org check (`sfsync.org.inorg`) asks `now` about the components whose org version
is neither git's at `from` nor the target: one that matches what the last event put there
(a component a rollback put back) is not work done in the org.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from sfsync.errors import ConfigError, UsageError
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.metadata.component import Component
from sfsync.metadata.project import Project
from sfsync.org import snapshots
from sfsync.org.versions import Version, versions_at
from sfsync.pipeline import ledger

Reader = Callable[[Collection[Component]], dict[Component, Version]]


def by_event(
    repo: Path | str,
    env: str,
    record: state.Record,
    extra_types: Sequence[Mapping[str, Any]] = (),
) -> Reader | None:
    """Reads the versions `record`'s event left in the org; None when they are unknown."""
    event = record.event
    if event.kind == "rollback":
        restored = str(event.details.get("restored") or "")
        if not restored:
            return None
        try:
            snap = snapshots.read(repo, env, restored.rsplit("/", 1)[-1])
        except UsageError:
            return None  # the snapshot ref was not fetched into this clone
        at_snap = snapshot_project(repo, snap, extra_types)
        removed = {
            ledger.key(c) for c, what in ledger.changes(event).items() if what == ledger.REMOVED
        }

        def restored_versions(wanted: Collection[Component]) -> dict[Component, Version]:
            found = versions_at(repo, snap.commit, at_snap, wanted)
            return {c: v for c, v in found.items() if ledger.key(str(c)) not in removed}

        return restored_versions
    if event.kind not in ledger.ORG_CHANGES or event.kind == "compare-deploy":
        return None
    to_sha = event.to_sha
    if not to_sha or gitrepo.rev_parse(repo, to_sha) is None:
        return None
    at_to = Project.at_revision(repo, to_sha, extra_types=extra_types)
    gone = {ledger.key(c) for c, what in ledger.changes(event).items() if what == ledger.DELETED}

    def deployed_versions(wanted: Collection[Component]) -> dict[Component, Version]:
        found = versions_at(repo, to_sha, at_to, wanted)
        return {c: v for c, v in found.items() if ledger.key(str(c)) not in gone}

    return deployed_versions


def snapshot_project(
    repo: Path | str,
    snap: snapshots.Snapshot,
    extra_types: Sequence[Mapping[str, Any]] = (),
    fallback: Project | None = None,
) -> Project:
    """The project a snapshot's files are laid out in: its own `sfdx-project.json` (`sf`
    writes one into every retrieve), else `fallback` or the work tree's."""
    try:
        return Project.at_revision(repo, snap.commit, extra_types=extra_types)
    except ConfigError:
        return fallback or Project.load(repo, extra_types=extra_types)


def now(
    repo: Path | str,
    env: str,
    components: Collection[Component],
    extra_types: Sequence[Mapping[str, Any]] = (),
    records: Sequence[state.Record] | None = None,
) -> dict[Component, Version | None]:
    """What the ledger says the org holds for each component (None: nothing, absent from
    the answer: no event changed it, or the last one that did left an unknown version)."""
    chain = state.log(repo, env) if records is None else records
    last = ledger.last_change(chain, [str(c) for c in components])
    by_record: dict[str, list[Component]] = {}
    records_by_commit: dict[str, state.Record] = {}
    for component in components:
        record = last.get(str(component))
        if record is not None:
            by_record.setdefault(record.commit, []).append(component)
            records_by_commit[record.commit] = record
    out: dict[Component, Version | None] = {}
    for commit, wanted in by_record.items():
        reader = by_event(repo, env, records_by_commit[commit], extra_types)
        if reader is None:
            continue
        found = reader(wanted)
        for component in wanted:
            out[component] = found.get(component)
    return out
