"""The objects a SOQL query can read, built from the org's metadata store, and query paging.

Every row comes from a component's name and its properties (``OrgStore.props``): its ``Id``
is the id listMetadata reports for the same component, its dates and users are the ones
listMetadata and retrieve report. Rows are built once per org generation (and state
document) and reused: a query over an org of 50,000 components only filters them.

Which object answers on which API, and the object-specific fields:

- both APIs: ApexClass, ApexTrigger, ApexPage, ApexComponent, StaticResource (``Name``);
- Tooling API only: LightningComponentBundle, AuraDefinitionBundle (``DeveloperName``,
  ``ManageableState``), CustomField (``DeveloperName``, ``TableEnumOrId``, ``ManageableState``),
  Layout (``Name``, ``TableEnumOrId``, ``ManageableState``);
- data API only: Report (``DeveloperName``, ``OwnerId``, ``FolderName``), EmailTemplate and
  Dashboard (``DeveloperName``, ``FolderId``).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sfemu import safexml, soql
from sfemu.soql import Field, Row, Schema
from sfemu.store import FileProps, OrgInfo, OrgStore, StoreError
from sfemu.types import Component

# https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
# "up to 2,000 records can be returned at a time"; the Sforce-Query-Options header asks for
# fewer: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/api/sforce_api_calls_soql_changing_batch_size.htm
BATCH_MAX = 2000
BATCH_MIN = 200
CURSORS_PER_ORG = 50  # the platform no longer limits open cursors; the emulator keeps the newest

COMMON = (
    Field("Id", "id"),
    Field("CreatedDate", "datetime"),
    Field("CreatedById", "id"),
    Field("CreatedBy.Name", "string", via="CreatedById", target="User"),
    Field("LastModifiedDate", "datetime"),
    Field("LastModifiedById", "id"),
    Field("LastModifiedBy.Name", "string", via="LastModifiedById", target="User"),
    Field("SystemModstamp", "datetime"),
    Field("NamespacePrefix", "string"),
)
NAME = Field("Name", "string")
DEVELOPER_NAME = Field("DeveloperName", "string")
MANAGEABLE_STATE = Field("ManageableState", "string")
# https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm
# (DeveloperName "CF" for CF__c; TableEnumOrId: the standard object's name or the custom
# object's id, as queried in https://github.com/SalesforceLabs/OrgCheck/issues/59)
TABLE_ENUM_OR_ID = Field("TableEnumOrId", "string")
UNFILED = "unfiled$public"
_CUSTOM_OBJECT = re.compile(r".+__[A-Za-z]+")  # Widget__c, Setting__mdt, Event__e, Big__b...

Builder = Callable[[OrgStore, OrgInfo, dict[str, Any]], list[Row]]


@dataclass(frozen=True)
class SObject:
    """A queryable object: its fields, the APIs that know it, and how its rows are built."""

    schema: Schema
    data: bool
    tooling: bool
    build: Builder


@lru_cache(maxsize=65536)
def _instant(text: str) -> datetime:
    return soql.parse_datetime(text)


def _common(p: FileProps, user_id: str) -> dict[str, Any]:
    modified = _instant(p.last_modified_date)
    return {
        "Id": p.id,
        "CreatedDate": _instant(p.created_date),
        "CreatedById": user_id,
        "CreatedBy.Name": p.created_by_name,
        "LastModifiedDate": modified,
        "LastModifiedById": user_id,
        "LastModifiedBy.Name": p.last_modified_by_name,
        "SystemModstamp": modified,
        "NamespacePrefix": p.namespace_prefix or None,
        "ManageableState": p.manageable_state,  # a field of the Tooling API's objects only
    }


def without_namespace(name: str, namespace: str) -> str:
    """``ns__Foo`` -> ``Foo`` when ``ns`` is the component's namespace."""
    prefix = namespace + "__"
    return name[len(prefix) :] if namespace and name.startswith(prefix) else name


def developer_name(field: str) -> str:
    """A custom field's DeveloperName: ``F02__c`` -> ``F02``, ``ns__F02__c`` -> ``F02``."""
    parts = field.split("__")
    return parts[-2] if len(parts) >= 2 else field


def _table(store: OrgStore, state: dict[str, Any], obj: str) -> str:
    if _CUSTOM_OBJECT.fullmatch(obj):
        return store.props(Component("CustomObject", obj), state).id
    return obj


def _named(type_name: str, field: str) -> Builder:
    """Rows of a top-level type whose name field is the full name without the namespace."""

    def build(store: OrgStore, info: OrgInfo, state: dict[str, Any]) -> list[Row]:
        rows: list[Row] = []
        for comp in store.components_of_type(type_name):
            p = store.props(comp, state)
            row = _common(p, info.user_id)
            row[field] = without_namespace(comp.full_name, p.namespace_prefix)
            rows.append(row)
        return rows

    return build


def _custom_fields(store: OrgStore, info: OrgInfo, state: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    fields = sorted((c for c in store.child_owners() if c.type == "CustomField"), key=str)
    for comp in fields:
        obj, _, name = comp.full_name.partition(".")
        if "__" not in name:
            continue  # a standard field (Account.Name) is not a CustomField row
        p = store.props(comp, state)
        row = _common(p, info.user_id)
        row["DeveloperName"] = developer_name(name)
        row["TableEnumOrId"] = _table(store, state, obj)
        rows.append(row)
    return rows


def _layouts(store: OrgStore, info: OrgInfo, state: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for comp in store.components_of_type("Layout"):
        obj, _, name = comp.full_name.partition("-")  # object names have no "-"
        p = store.props(comp, state)
        row = _common(p, info.user_id)
        row["Name"] = without_namespace(name, p.namespace_prefix)
        row["TableEnumOrId"] = _table(store, state, obj)
        rows.append(row)
    return rows


def _folder_label(store: OrgStore, type_name: str, folder: str) -> str:
    """The folder's label (``<name>`` of ``reports/Sales-meta.xml``), else its name."""
    for file in store.components().get(Component(type_name, folder), []):
        try:
            label = safexml.child_text(safexml.parse(store.read(file)), "name")
        except (safexml.XmlError, StoreError):
            label = ""
        return label or folder
    return "Unfiled Public Reports" if folder == UNFILED else folder


def _in_folders(type_name: str, suffix: str) -> Builder:
    """Rows of an in-folder type (Report, EmailTemplate, Dashboard), each with its folder."""

    def build(store: OrgStore, info: OrgInfo, state: dict[str, Any]) -> list[Row]:
        rows: list[Row] = []
        files = store.components()
        folders: dict[str, tuple[str, str]] = {}
        for comp in store.components_of_type(type_name):
            if not any(f.endswith(suffix) for f in files.get(comp, [])):
                continue  # a folder (reports/Sales-meta.xml), not an item
            folder, _, name = comp.full_name.rpartition("/")
            if folder not in folders:
                holder = Component(type_name, folder)
                # unfiled$public has no folder component: its items belong to the org
                unfiled = folder == UNFILED and holder not in files
                fid = info.org_id if unfiled else store.props(holder, state).id
                folders[folder] = (fid, _folder_label(store, type_name, folder))
            p = store.props(comp, state)
            row = _common(p, info.user_id)
            row["DeveloperName"] = without_namespace(name, p.namespace_prefix)
            fid, label = folders[folder]
            if type_name == "Report":
                row["OwnerId"], row["FolderName"] = fid, label
            else:
                row["FolderId"] = fid
            rows.append(row)
        return rows

    return build


def _object(
    name: str, extra: tuple[Field, ...], data: bool, tooling: bool, build: Builder
) -> SObject:
    return SObject(Schema(name, COMMON + extra), data, tooling, build)


# The Report object: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_report.htm
# (FolderName: "Name of the folder that contains the report"); EmailTemplate: "FolderId: ID
# of the folder that contains the template",
# http://www.salesforce.com/us/developer/docs/api/Content/sforce_api_objects_emailtemplate.htm
OBJECTS: dict[str, SObject] = {
    o.schema.name.lower(): o
    for o in (
        *(
            _object(t, (NAME,), True, True, _named(t, "Name"))
            for t in ("ApexClass", "ApexTrigger", "ApexPage", "ApexComponent", "StaticResource")
        ),
        *(
            _object(t, (DEVELOPER_NAME, MANAGEABLE_STATE), False, True, _named(t, "DeveloperName"))
            for t in ("LightningComponentBundle", "AuraDefinitionBundle")
        ),
        _object(
            "CustomField",
            (DEVELOPER_NAME, TABLE_ENUM_OR_ID, MANAGEABLE_STATE),
            False,
            True,
            _custom_fields,
        ),
        _object("Layout", (NAME, TABLE_ENUM_OR_ID, MANAGEABLE_STATE), False, True, _layouts),
        _object(
            "Report",
            (DEVELOPER_NAME, Field("OwnerId", "id"), Field("FolderName", "string")),
            True,
            False,
            _in_folders("Report", ".report"),
        ),
        _object(
            "EmailTemplate",
            (DEVELOPER_NAME, Field("FolderId", "id")),
            True,
            False,
            _in_folders("EmailTemplate", ".email"),
        ),
        _object(
            "Dashboard",
            (DEVELOPER_NAME, Field("FolderId", "id")),
            True,
            False,
            _in_folders("Dashboard", ".dashboard"),
        ),
    )
}

_ROWS_LOCK = threading.Lock()
# (org folder, object) -> (generation token, the state document read, rows)
_ROWS: dict[tuple[str, str], tuple[str, object, list[Row]]] = {}


def rows(store: OrgStore, sobject: SObject) -> list[Row]:
    """Every row of ``sobject`` in the org (cached while its files and state are unchanged:
    do not change the list)."""
    with store.locked():
        state = store.state_for_reading()
        token = store.generation()
        key = (str(store.folder), sobject.schema.name)
        with _ROWS_LOCK:
            hit = _ROWS.get(key)
        # the state document is cached (same object) while state.json is unchanged
        if token and hit is not None and hit[0] == token and hit[1] is state:
            return hit[2]
        built = sobject.build(store, store.info, state)
        if token:
            with _ROWS_LOCK:
                _ROWS[key] = (token, state, built)
        return built


def find(query: soql.Query, tooling: bool) -> SObject:
    """The object the query reads on this API; INVALID_TYPE when the API has no such object."""
    found = OBJECTS.get(query.sobject.text.lower())
    if found is None or not (found.tooling if tooling else found.data):
        raise soql.unsupported_type(query)
    return found


@dataclass(frozen=True)
class Outcome:
    """A query's result: the plan (for rendering) and the matching rows."""

    plan: soql.Plan
    rows: list[Row]


def run(store: OrgStore, text: str, tooling: bool) -> Outcome:
    """Parse, bind and run ``text`` against the org; raises :class:`soql.SoqlError`."""
    query = soql.parse(text)
    sobject = find(query, tooling)
    plan = soql.bind(query, sobject.schema)
    return Outcome(plan, plan.run(rows(store, sobject)))


def columns(plan: soql.Plan) -> dict[str, Any]:
    """What ``query?q=...&columns=true`` answers: ``sf data query`` asks it for the columns of
    its table (``retrieveColumns`` in the CLI's plugin-data); a relationship field is a column
    of its relationship with a join column."""
    metadata: list[dict[str, Any]] = []
    joins: dict[str, dict[str, Any]] = {}
    for f in plan.fields:
        if not f.via:
            metadata.append(_column(f.name, f.name, f.kind))
            continue
        rel = joins.get(f.relationship)
        if rel is None:
            rel = joins[f.relationship] = _column(f.relationship, f.relationship, "id")
            rel["foreignKeyName"] = f.via
            metadata.append(rel)
        rel["joinColumns"].append(_column(f.name.split(".", 1)[1], f.name, f.kind))
    return {
        "columnMetadata": metadata,
        "entityName": plan.schema.name,
        "groupBy": False,
        "idSelected": any(f.name == "Id" for f in plan.fields),
        "keyPrefix": None,
    }


def _column(name: str, display: str, kind: str) -> dict[str, Any]:
    return {
        "aggregate": False,
        "apexType": {"id": "Id", "string": "String", "datetime": "Datetime"}[kind],
        "booleanType": False,
        "columnName": name,
        "custom": False,
        "displayName": display,
        "foreignKeyName": None,
        "insertable": False,
        "joinColumns": [],
        "numberType": False,
        "textType": kind == "string",
        "updatable": False,
    }


# ----- paging ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """What is left to hand out of a query: the next batches are ``rows[offset:]``."""

    org: str
    outcome: Outcome
    base: str
    batch: int


class Cursors:
    """Server-side cursors by locator, kept in memory (the newest few per org)."""

    def __init__(self, per_org: int = CURSORS_PER_ORG) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, Cursor] = OrderedDict()
        self._per_org = per_org

    def open(self, cursor: Cursor) -> str:
        """Store ``cursor``; returns its locator (``01g...``, 18 characters)."""
        locator = ("01g" + secrets.token_hex(8).upper())[:15] + "AAA"
        with self._lock:
            self._items[locator] = cursor
            mine = [k for k, c in self._items.items() if c.org == cursor.org]
            for old in mine[: max(0, len(mine) - self._per_org)]:
                del self._items[old]
        return locator

    def get(self, locator: str, org: str) -> Cursor | None:
        """The cursor of ``org`` under ``locator`` (None when unknown or released)."""
        with self._lock:
            cursor = self._items.get(locator)
        return cursor if cursor is not None and cursor.org == org else None


def batch_size(header: str) -> int:
    """The batch size an ``Sforce-Query-Options: batchSize=N`` header asks for (200..2000)."""
    m = re.search(r"batchSize\s*=\s*(\d+)", header or "", re.IGNORECASE)
    return BATCH_MAX if m is None else max(BATCH_MIN, min(BATCH_MAX, int(m.group(1))))


def page(cursors: Cursors, cursor: Cursor, offset: int, locator: str = "") -> dict[str, Any]:
    """One answer of a query or of its ``nextRecordsUrl``: ``totalSize``, ``done``,
    ``nextRecordsUrl`` while rows are left, ``records`` (``[]`` for ``SELECT COUNT()``)."""
    outcome = cursor.outcome
    total = len(outcome.rows)
    if outcome.plan.query.count:
        return {"totalSize": total, "done": True, "records": []}
    chunk = outcome.rows[offset : offset + cursor.batch]
    end = offset + len(chunk)
    answer: dict[str, Any] = {"totalSize": total, "done": end >= total}
    if end < total:
        locator = locator or cursors.open(cursor)
        answer["nextRecordsUrl"] = f"{cursor.base}/query/{locator}-{end}"
    answer["records"] = [outcome.plan.record(row, cursor.base) for row in chunk]
    return answer
