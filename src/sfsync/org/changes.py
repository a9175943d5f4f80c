"""What changed in an org since the last backup, without listing every component again.

listMetadata has no "changed since": an incremental backup that lists the whole org reads
every component's FileProperties (50,000 of them in a large org) to find the 100 whose date
moved. For the types that hold most components, the org also answers SOQL over an object
with one row per component (the Tooling API's ApexClass, CustomField, Layout, ...; the data
API's Report, EmailTemplate, Dashboard), whose `Id` is the component's listMetadata id and
whose `LastModifiedDate` moves when it changes. For those types a backup records a `Signal`
(how many rows the object had, and when it asked) and the next backup asks only

    SELECT COUNT() FROM ApexClass
    SELECT Id, Name, ... FROM ApexClass WHERE LastModifiedDate >= <a day before that>

Every row returned is a component added or changed since; the last backup's other
components of the type are unchanged. A deletion shows in the count: when the count is not
the last count plus the rows that are new, a component went away (or the count cannot be
explained: a managed component that was skipped, a row that cannot be named), and the type
is listed with listMetadata as before. Anything unexpected (a query the org refuses, a row
that names no component, an incomplete answer) falls back to listMetadata too, so the
signal can only make a backup faster, never miss a change listMetadata would have seen.

Sources: the Tooling API objects
(https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/
tooling_api_objects_customfield.htm: `DeveloperName` without `__c`, `TableEnumOrId`,
`ManageableState`; ApexClass, ApexTrigger, ApexPage, ApexComponent, StaticResource, Layout,
LightningComponentBundle, AuraDefinitionBundle), the data API's Report (`OwnerId` is the
folder's id: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/
sforce_api_objects_report.htm), EmailTemplate and Dashboard (`FolderId`), and SOQL's date
literals (`2026-11-30T23:47:19Z`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sfsync.org.listed import MANAGED_STATES, UNMANAGED, Listed

COMMON = ("Id", "NamespacePrefix", "CreatedDate", "CreatedBy.Name", "LastModifiedDate",
          "LastModifiedBy.Name")  # fmt: skip


# A change is visible to a query only once its transaction commits, and a deployment dates
# its components as it processes them: one still running while the last backup asked could
# commit components dated before that. The next backup therefore asks from this long before
# the last one asked (a window of changes read twice, compared by date, never retrieved twice).
WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Signal:
    """What a type's object said at the last backup: its rows, when it was asked (this
    machine's UTC clock, a SOQL literal) and the managed components skipped."""

    count: int
    asked: str
    managed: int = 0

    def since(self) -> str:
        """Where the next change query starts: `WINDOW` before the last one was asked (by
        this machine's clock: the window also covers an org clock that runs behind it)."""
        return (_instant(self.asked) - WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "asked": self.asked,
            "managed": self.managed,
        }

    @classmethod
    def from_json(cls, data: Any) -> Signal | None:
        """A signal read from a manifest (None: unusable, the type is listed instead)."""
        if not isinstance(data, Mapping):
            return None
        count, asked = data.get("count"), data.get("asked")
        if not isinstance(count, int) or not isinstance(asked, str) or not _literal(asked):
            return None
        managed = data.get("managed")
        return cls(count, asked, managed if isinstance(managed, int) else 0)


@dataclass(frozen=True)
class Context:
    """What naming a row needs from the same run's listing: ids of objects and folders."""

    objects: Mapping[str, str]  # CustomObject id -> its full name
    folders: Mapping[str, Mapping[str, str]]  # folder type -> folder id -> its full name
    namespace: str = ""  # the org's own namespace (its components are not managed)


@dataclass(frozen=True)
class Spec:
    """How the rows of one object name the components of one metadata type."""

    type: str
    sobject: str
    tooling: bool
    fields: tuple[str, ...]
    name: Callable[[Mapping[str, Any], Context], str | None]
    file: Callable[[str], str]


def _own(field: str) -> Callable[[Mapping[str, Any], Context], str | None]:
    def name(row: Mapping[str, Any], _ctx: Context) -> str | None:
        value = _text(row.get(field))
        ns = _text(row.get("NamespacePrefix"))
        return f"{ns}__{value}" if value and ns else value or None

    return name


def _object(row: Mapping[str, Any], ctx: Context) -> str | None:
    """The object a field or layout belongs to: a custom object's id, or a standard name."""
    table = _text(row.get("TableEnumOrId"))
    if not table:
        return None
    if table in ctx.objects:
        return ctx.objects[table]
    if len(table) in (15, 18) and table[:3].isalnum() and any(c.isdigit() for c in table[:3]):
        return None  # an id of no object this run listed
    return table


def _field(row: Mapping[str, Any], ctx: Context) -> str | None:
    obj, dev = _object(row, ctx), _text(row.get("DeveloperName"))
    ns = _text(row.get("NamespacePrefix"))
    if not obj or not dev:
        return None
    return f"{obj}.{ns + '__' if ns else ''}{dev}__c"


def _layout(row: Mapping[str, Any], ctx: Context) -> str | None:
    obj, name = _object(row, ctx), _text(row.get("Name"))
    if not obj or not name or _text(row.get("NamespacePrefix")):
        return None  # a packaged layout's name carries its namespace where: list the type
    if not all(c.isalnum() or c in " _-" for c in name):
        return None  # listMetadata escapes some characters of a layout's name: list the type
    return f"{obj}-{name}"


def _in_folder(folder_type: str, folder_field: str) -> Callable[..., str | None]:
    def name(row: Mapping[str, Any], ctx: Context) -> str | None:
        folder = ctx.folders.get(folder_type, {}).get(_text(row.get(folder_field)))
        dev = _text(row.get("DeveloperName"))
        ns = _text(row.get("NamespacePrefix"))
        if not folder or not dev:
            return None
        return f"{folder}/{ns + '__' if ns else ''}{dev}"

    return name


SPECS: dict[str, Spec] = {
    s.type: s
    for s in (
        Spec("ApexClass", "ApexClass", True, ("Name",), _own("Name"), "classes/{}.cls".format),
        Spec("ApexTrigger", "ApexTrigger", True, ("Name",), _own("Name"),
             "triggers/{}.trigger".format),
        Spec("ApexPage", "ApexPage", True, ("Name",), _own("Name"), "pages/{}.page".format),
        Spec("ApexComponent", "ApexComponent", True, ("Name",), _own("Name"),
             "components/{}.component".format),
        Spec("StaticResource", "StaticResource", True, ("Name",), _own("Name"),
             "staticresources/{}.resource".format),
        Spec("LightningComponentBundle", "LightningComponentBundle", True, ("DeveloperName",),
             _own("DeveloperName"), "lwc/{}".format),
        Spec("AuraDefinitionBundle", "AuraDefinitionBundle", True, ("DeveloperName",),
             _own("DeveloperName"), "aura/{}".format),
        Spec("CustomField", "CustomField", True, ("DeveloperName", "TableEnumOrId"), _field,
             lambda n: f"objects/{n.split('.', 1)[0]}.object"),
        Spec("Layout", "Layout", True, ("Name", "TableEnumOrId"), _layout,
             "layouts/{}.layout".format),
        Spec("Report", "Report", False, ("DeveloperName", "OwnerId"),
             _in_folder("ReportFolder", "OwnerId"), "reports/{}.report".format),
        Spec("EmailTemplate", "EmailTemplate", False, ("DeveloperName", "FolderId"),
             _in_folder("EmailFolder", "FolderId"), "email/{}.email".format),
        Spec("Dashboard", "Dashboard", False, ("DeveloperName", "FolderId"),
             _in_folder("DashboardFolder", "FolderId"), "dashboards/{}.dashboard".format),
    )
}  # fmt: skip


def count_query(spec: Spec) -> dict[str, Any]:
    """How many rows the type's object has."""
    return {"q": f"SELECT COUNT() FROM {spec.sobject}", "tooling": spec.tooling}


def changes_query(spec: Spec, since: str) -> dict[str, Any]:
    """Every row modified at or after `since` (a literal the org wrote: safe to inline)."""
    if not _literal(since):
        raise ValueError(f"not a SOQL datetime literal: {since!r}")
    fields = ", ".join((*COMMON, *spec.fields))
    q = f"SELECT {fields} FROM {spec.sobject} WHERE LastModifiedDate >= {since}"
    return {"q": q, "tooling": spec.tooling}


@dataclass(frozen=True)
class Outcome:
    """What the signal of one type found: the type's components now (None: it could not
    tell, list the type), and its new signal (with `components` None, the signal to record
    once the type is listed: its `managed` is then counted from the listing)."""

    components: dict[str, Listed] | None
    signal: Signal | None
    managed: int = 0
    why: str = ""
    deletions: bool = False
    """The count says components went away: `components` holds the changes, and which ids
    are gone is asked with `ids_query` and settled by `settle_deletions`."""


def apply(
    spec: Spec,
    previous: Signal,
    before: Mapping[str, Listed],
    count_answer: Mapping[str, Any],
    changes_answer: Mapping[str, Any],
    ctx: Context,
    include_managed: bool,
    asked: str,
) -> Outcome:
    """The type's components now: the last backup's (`before`: its components of this type)
    with the rows that changed since, when the count says nothing else happened."""
    count = _count(count_answer)
    rows = _records(changes_answer)
    if count is None or rows is None:
        return Outcome(None, None, why="the org did not answer the query")
    dates = [listing_date(_text(row.get("LastModifiedDate"))) for row in rows]
    if not all(dates) or not all(_text(row.get("Id")) for row in rows):
        return Outcome(None, None, why="a row without an id or a date")
    # when the type has to be listed after all, this is still its signal (asked first)
    fallback = Signal(count, asked)
    by_id = {item.id: key for key, item in before.items() if item.id}
    now = dict(before)
    new = 0
    managed_new = 0
    for row, when in zip(rows, dates, strict=True):
        row_id = _text(row.get("Id"))
        known = by_id.get(row_id)
        if known is None:
            new += 1
        name = spec.name(row, ctx)
        state = _text(row.get("ManageableState"))
        ns = _text(row.get("NamespacePrefix"))
        managed = state in MANAGED_STATES or (not state and bool(ns) and ns != ctx.namespace)
        if managed and not include_managed:
            if known is None:
                managed_new += 1
                continue
            return Outcome(None, fallback, why="a component became managed")
        if name is None:
            return Outcome(None, fallback, why=f"a row of {spec.sobject} names no component")
        key = f"{spec.type}:{name}"
        if known is not None and known != key:
            now.pop(known, None)  # renamed: the old name is gone
        old = before.get(key)
        now[key] = Listed(
            type=spec.type,
            full_name=name,
            file_name=old.file_name if old else spec.file(name),
            id=row_id,
            created_by=_text((row.get("CreatedBy") or {}).get("Name"))
            or (old.created_by if old else ""),
            created_date=listing_date(_text(row.get("CreatedDate")))
            or (old.created_date if old else ""),
            modified_by=_text((row.get("LastModifiedBy") or {}).get("Name")),
            modified_date=when,
            namespace=ns,
            manageable_state=state or (old.manageable_state if old else UNMANAGED),
        )
    signal = Signal(count, asked, previous.managed + managed_new)
    deletions = count != previous.count + new
    return Outcome(now, signal, previous.managed + managed_new, deletions=deletions)


def ids_query(spec: Spec) -> dict[str, Any]:
    """Every row's id (after a count that says components went away)."""
    return {"q": f"SELECT Id FROM {spec.sobject}", "tooling": spec.tooling}


def settle_deletions(outcome: Outcome, ids_answer: Mapping[str, Any]) -> Outcome:
    """Remove the components whose id the org no longer has (a component deleted after the
    count was asked goes too; one created since is found by the next run's query)."""
    rows = _records(ids_answer)
    if rows is None or outcome.components is None:
        return replace(outcome, components=None, why="the org did not answer the id query")
    ids = {_text(row.get("Id")) for row in rows}
    kept = {k: v for k, v in outcome.components.items() if not v.id or v.id in ids}
    return replace(outcome, components=kept, deletions=False)


def first_signal(count_answer: Mapping[str, Any], managed: int, asked: str) -> Signal | None:
    """The signal of a type that was listed this run (its count asked before it was listed)."""
    count = _count(count_answer)
    return Signal(count, asked, managed) if count is not None else None


def listing_date(value: str) -> str:
    """A REST datetime (`2026-11-30T23:47:19.000+0000`) as listMetadata writes it
    (`2026-11-30T23:47:19.000Z`); '' when it is not one."""
    if len(value) < 19 or value[10] != "T":
        return ""
    if value.endswith("+0000"):
        return value[:-5] + "Z"
    return value if value.endswith("Z") else ""


def now_literal() -> str:
    """This machine's UTC clock as a SOQL literal (when a signal is asked)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(literal: str) -> dt.datetime:
    return dt.datetime.strptime(literal, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def _literal(value: str) -> bool:
    return (
        len(value) == 20
        and value.endswith("Z")
        and value[4] == "-"
        and value[10] == "T"
        and all(c.isdigit() for i, c in enumerate(value[:19]) if i not in (4, 7, 10, 13, 16))
    )


def _count(answer: Mapping[str, Any]) -> int | None:
    if "error" in answer:
        return None
    size = answer.get("totalSize")
    return size if isinstance(size, int) else None


def _records(answer: Mapping[str, Any]) -> Sequence[Mapping[str, Any]] | None:
    """Every row of an answer (None: an error or an incomplete answer)."""
    if "error" in answer:
        return None
    records = answer.get("records")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return None
    if answer.get("totalSize") != len(records):
        return None
    return records


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
