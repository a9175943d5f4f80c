"""The ledger of an env: which recorded event changed which component in its org.

An org keeps its deploy history for about 30 days (deployment status in Setup, the Setup
audit trail); `refs/sfsync/envs/<env>` keeps every event sfsync recorded, for as long as the
repository lives. This module reads that chain (one git process, `state.log`) and answers,
per component, what each event did to it:

    ledger.changes(record.event)            # {"ApexClass:Foo": "deployed", ...}
    ledger.history(repo, "int", "ApexClass:Foo")   # [Entry], newest first
    ledger.later_changes(records, record, ["ApexClass:Foo"])   # {name: [Record, ...]}

Component names are compared the way Salesforce compares API names: without case.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfsync.git import state

ORG_CHANGES = frozenset({"pull-upstream", "back-promote", "deploy", "rollback", "compare-deploy"})
"""Event kinds that changed an org (a `validate` changes nothing; a `rollback` puts back)."""

DEPLOYED, DELETED, RESTORED, REMOVED, SKIPPED = (
    "deployed",
    "deleted",
    "restored",
    "removed",
    "skipped",
)
"""What an event did to a component: deployed or deleted it (a deployment), put back its
earlier version or removed it again (a rollback), or left it alone because someone had
changed it in the org (skipped, the org unchanged)."""


def key(component: str) -> str:
    """The name a component is compared by (API names ignore case)."""
    return component.casefold()


def changes(event: state.Event) -> dict[str, str]:
    """What `event` changed in its org: component -> action (empty for bookkeeping)."""
    if event.kind not in ORG_CHANGES or event.details.get("checkOnly"):
        return {}
    put, gone = (RESTORED, REMOVED) if event.kind == "rollback" else (DEPLOYED, DELETED)
    out = dict.fromkeys(event.components, put)
    out.update(dict.fromkeys(_strings(event.details.get("deleted")), gone))
    return out


def skipped(event: state.Event) -> list[str]:
    """The components `event` left alone because they were changed in the org."""
    found = event.details.get("skipped") or ()
    out = []
    for item in found if isinstance(found, list) else ():
        name = item.get("component") if isinstance(item, Mapping) else item
        if isinstance(name, str):
            out.append(name)
    return out


@dataclass(frozen=True)
class Entry:
    """One event in a component's history."""

    component: str
    """The name as this event recorded it."""
    action: str
    record: state.Record
    undone_by: str | None = None
    """The rollback event that later undid this change of the component, if any."""

    @property
    def changed_in_org_by(self) -> str | None:
        """Who had changed the component in the org: the change a `skipped` entry left
        alone, or the one a forced step (`--force`) overwrote."""
        found = self.record.event.details.get("skipped" if self.action == SKIPPED else "forced")
        for item in found if isinstance(found, list) else ():
            if isinstance(item, Mapping) and key(str(item.get("component"))) == key(self.component):
                by = item.get("lastModifiedByName")
                return str(by) if by else "someone"
        return None

    @property
    def over(self) -> list[str]:
        """The later events whose change of the component this (forced) rollback undid too."""
        return over_later(self.record.event, self.component)

    def to_json(self) -> dict[str, Any]:
        """The entry as `sfsync log --component --json` prints it."""
        event = self.record.event
        details = event.details
        return {
            "event": self.record.commit,
            "kind": event.kind,
            "when": event.when,
            "who": event.who,
            "org": event.org,
            "component": self.component,
            "action": self.action,
            "from": event.from_sha,
            "to": event.to_sha,
            "deployId": details.get("deployId"),
            "snapshot": details.get("snapshot"),
            "rolledBack": details.get("rolledBack"),
            "undoneBy": self.undone_by,
            "overLater": self.over,
            "changedInOrgBy": self.changed_in_org_by,
        }


def history(
    repo: Path | str, env: str, component: str, records: Sequence[state.Record] | None = None
) -> list[Entry]:
    """Every event of `env` that changed `component` (or left it alone), newest first.

    Reads only the events that name the component (`state.log(mentioning=...)`): one git
    process, and the JSON of the other events is not parsed.
    """
    chain = state.log(repo, env, mentioning=component, states=False) if records is None else records
    wanted = key(component)
    entries: list[Entry] = []
    undone: dict[str, str] = {}  # event commit -> the rollback that undid `component` in it
    for record in chain:  # newest first: a rollback is met before the event it undid
        action = None
        name = component
        for changed, what in changes(record.event).items():
            if key(changed) == wanted:
                name, action = changed, what
        if action is None:
            for left in skipped(record.event):
                if key(left) == wanted:
                    name, action = left, SKIPPED
        if action is None:
            continue
        entries.append(Entry(name, action, record, undone.get(record.commit)))
        target = record.event.details.get("rolledBack")
        if record.event.kind == "rollback" and action != SKIPPED:
            # the event it rolled back, and the later ones it rolled back over (--force)
            for undid in [target, *over_later(record.event, component)]:
                if isinstance(undid, str):
                    undone.setdefault(undid, record.commit)
    return entries


def over_later(event: state.Event, component: str) -> list[str]:
    """The events whose change of `component` a forced rollback undid besides the one it
    rolled back (`overLater` in its details), newest first."""
    found = event.details.get("overLater") if event.kind == "rollback" else None
    for item in found if isinstance(found, list) else ():
        if isinstance(item, Mapping) and key(str(item.get("component"))) == key(component):
            events = item.get("events")
            return [
                str(e["event"])
                for e in (events if isinstance(events, list) else ())
                if isinstance(e, Mapping) and isinstance(e.get("event"), str)
            ]
    return []


def later_changes(
    records: Sequence[state.Record], record: state.Record, components: Iterable[str]
) -> dict[str, list[state.Record]]:
    """For each of `components`: the events recorded after `record` (newest first) that
    changed it in the org. `records` is the env's chain, newest first."""
    wanted = {key(c): c for c in components}
    out: dict[str, list[state.Record]] = {}
    for later in records:
        if later.commit == record.commit:
            break
        for changed in changes(later.event):
            name = wanted.get(key(changed))
            if name is not None:
                out.setdefault(name, []).append(later)
    return out


def last_change(
    records: Sequence[state.Record], components: Iterable[str]
) -> dict[str, state.Record]:
    """For each of `components`, the newest event that changed it (absent: none did)."""
    wanted = {key(c): c for c in components}
    out: dict[str, state.Record] = {}
    for record in records:
        for changed in changes(record.event):
            name = wanted.get(key(changed))
            if name is not None and name not in out:
                out[name] = record
        if len(out) == len(wanted):
            break
    return out


def select(
    changed: Sequence[str], only: Sequence[str], leave_out: Sequence[str], where: str
) -> list[str]:
    """The components of `changed` that `--only` patterns pick, or all but `--except` ones.

    Patterns are `Type:FullName`, with `*` and `?` as in a shell (`CustomField:Account.*`),
    matched without case. A pattern that matches none of `changed` is an error
    (`ValueError` with the text to show): a typo must not roll back more, or less, than meant.
    """
    if only and leave_out:
        raise ValueError("--only and --except cannot be combined: use one of them")
    for pattern in (*only, *leave_out):
        if not any(_matches(pattern, name) for name in changed):
            raise ValueError(
                f"{pattern} matches none of the components {where} changed: {_listing(changed)}"
            )
    if only:
        return [name for name in changed if any(_matches(p, name) for p in only)]
    return [name for name in changed if not any(_matches(p, name) for p in leave_out)]


def _matches(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(key(name), key(pattern))


def _listing(names: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
