"""What an org holds, component by component, with who changed each one and when.

`list_org` asks the org for describeMetadata and for listMetadata of every type sfsync knows
(each child type too: CustomField, ValidationRule, ...), then of each folder of the in-folder
types (Report, Dashboard, Document, EmailTemplate; their folders are listed as ReportFolder,
...): FileProperties with lastModifiedDate/ByName, createdDate, id, namespacePrefix and
manageableState (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/
meta_listmetadata.htm). An org knows 500+ types, and one `sf` process per type and folder
would take minutes, so:

- by default all of it runs in one `node` process (twice: types, then folders) that loads the
  installed sf CLI's own library and login (`sf.list_metadata_many`);
- when that library cannot be found (or `SFSYNC_LIST_VIA=sf`), type by type:
  `sf project generate manifest --from-org` (every type in one `sf` process) says which types
  have members, `sf org list metadata-types` checks the names asked for, and one
  `sf org list metadata` per type, folder and child type gives the dates, `jobs` at a time.

Given the last backup's components and change signals, the types `sfsync.org.changes` has a
query for are asked what changed since (SOQL, in the same `node` process) instead of being
listed; a type whose answer cannot be accounted for is listed after all.

A listMetadata call that fails is an error (read as "no components", it would report them all
deleted), except for a type the org does not support. Components of installed packages (a
manageableState other than `unmanaged`: the states `sf project generate manifest` leaves out
unless `--include-packages`) are skipped unless `include_managed`. Components are named as
listMetadata names them: `Type:FullName`, `ReportFolder:Sales` for a report folder and
`Report:Sales/Pipeline` for a report in it.

    listing = list_org("prod", registry, scratch=tmp, types=None, skip_types=("Profile",))
    listing.components["ApexClass:Foo"].modified_date   # '2026-11-21T10:02:11.000Z'
    listing.covers("ApexClass")                           # deletions are known for this type
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from sfsync.errors import UsageError
from sfsync.metadata.component import Component
from sfsync.metadata.registry import MetadataType, Registry
from sfsync.metadata.xmlsafe import child_text, local, parse
from sfsync.org import sf
from sfsync.org.answers import connection_failure

UNMANAGED = "unmanaged"
# ManageableState values of components that belong to a package (FileProperties in the
# Metadata API; the same list `sf project generate manifest --from-org` excludes by default)
MANAGED_STATES = frozenset(
    {
        "beta",
        "deleted",
        "deprecated",
        "installed",
        "released",
        "deprecatedEditable",
        "installedEditable",
    }
)
DEFAULT_JOBS = 4
UNFILED = "unfiled$public"  # the folder of unfiled reports and templates


@dataclass(frozen=True)
class Listed:
    """One component as listMetadata describes it (FileProperties)."""

    type: str
    full_name: str
    file_name: str = ""
    id: str = ""
    created_by: str = ""
    created_date: str = ""
    modified_by: str = ""
    modified_date: str = ""
    namespace: str = ""
    manageable_state: str = UNMANAGED

    @property
    def key(self) -> str:
        """`Type:FullName`."""
        return f"{self.type}:{self.full_name}"

    @property
    def managed(self) -> bool:
        """True for a component of an installed (or packaged) package."""
        return self.manageable_state in MANAGED_STATES

    def version(self) -> tuple[str, str]:
        """What tells two listings of the component apart: its date and its id (a component
        deleted and created again under the same name gets a new id)."""
        return (self.modified_date, self.id)

    def to_json(self) -> dict[str, str]:
        """The component's entry in a backup manifest (empty optional fields left out)."""
        out = {
            "lastModifiedDate": self.modified_date,
            "lastModifiedByName": self.modified_by,
            "createdDate": self.created_date,
            "createdByName": self.created_by,
            "id": self.id,
            "fileName": self.file_name,
        }
        if self.namespace:
            out["namespacePrefix"] = self.namespace
        if self.manageable_state != UNMANAGED:
            out["manageableState"] = self.manageable_state
        return out

    @classmethod
    def from_json(cls, key: str, data: Mapping[str, Any]) -> Listed:
        """Read a manifest entry written by `to_json`."""
        type_name, _, full_name = key.partition(":")
        return cls(
            type=type_name,
            full_name=full_name,
            file_name=str(data.get("fileName") or ""),
            id=str(data.get("id") or ""),
            created_by=str(data.get("createdByName") or ""),
            created_date=str(data.get("createdDate") or ""),
            modified_by=str(data.get("lastModifiedByName") or ""),
            modified_date=str(data.get("lastModifiedDate") or ""),
            namespace=str(data.get("namespacePrefix") or ""),
            manageable_state=str(data.get("manageableState") or UNMANAGED),
        )

    @classmethod
    def from_file_properties(cls, entry: Mapping[str, Any]) -> Listed | None:
        """One FileProperties entry of `sf org list metadata` or of a retrieve (None: unusable)."""
        type_name = _text(entry.get("type"))
        full_name = _text(entry.get("fullName"))
        if not type_name or not full_name or type_name == "Package":
            return None
        return cls(
            type=type_name,
            full_name=full_name,
            file_name=_text(entry.get("fileName")),
            id=_text(entry.get("id")),
            created_by=_text(entry.get("createdByName")),
            created_date=_text(entry.get("createdDate")),
            modified_by=_text(entry.get("lastModifiedByName")),
            modified_date=_text(entry.get("lastModifiedDate")),
            namespace=_text(entry.get("namespacePrefix")),
            manageable_state=_text(entry.get("manageableState")) or UNMANAGED,
        )


@dataclass(frozen=True)
class Listing:
    """Everything `list_org` found, and the types whose complete membership it knows."""

    org: str
    components: Mapping[str, Listed]
    scope: frozenset[str] | None
    """The types listed in full (None: every type but `skipped`)."""
    skipped: frozenset[str] = frozenset()
    managed_skipped: int = 0
    namespace: str = ""
    sf_calls: int = 0
    queries: tuple[str, ...] = field(default=(), compare=False)
    signals: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """Type -> `changes.Signal` asked this run (the next run's change query starts there)."""
    queried: tuple[str, ...] = field(default=(), compare=False)
    """The types whose changes a query answered (not listed with listMetadata)."""
    fallbacks: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Type -> why its signal could not answer (it was listed instead)."""

    def covers(self, type_name: str) -> bool:
        """True when a component of this type missing from the listing is not in the org."""
        if type_name in self.skipped:
            return False
        return self.scope is None or type_name in self.scope


def type_names(values: Iterable[str]) -> list[str]:
    """`--types A,B --types C` -> [A, B, C] (blanks dropped, order kept)."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(out))


def list_org(
    org: str,
    registry: Registry,
    *,
    scratch: Path,
    types: Collection[str] | None = None,
    skip_types: Collection[str] = (),
    include_managed: bool = False,
    jobs: int = DEFAULT_JOBS,
    api_version: str | None = None,
    on_query: Callable[[int, int], None] | None = None,
    previous: Mapping[str, Listed] | None = None,
    signals: Mapping[str, Any] | None = None,
) -> Listing:
    """List the org's components (see the module doc); `types` None: every type.

    With the last backup's components (`previous`) and signals (type -> `changes.Signal`),
    the types that have one are answered by a change query instead of listMetadata
    (`sfsync.org.changes`); with `signals` (even empty), every type that has a query gets a
    new signal either way (`Listing.signals`).

    In one process when the sf CLI's library can be loaded (`sf.list_metadata_many`: two
    `node` runs, whatever the number of types and folders); else type by type, one `sf`
    process each (`SFSYNC_LIST_VIA=sf` forces that). `on_query(done, total)` is called as
    the per-type listMetadata calls finish.
    """
    if os.environ.get("SFSYNC_LIST_VIA") != "sf":
        try:
            return _list_at_once(
                org,
                registry,
                types,
                skip_types,
                include_managed,
                jobs,
                api_version,
                previous or {},
                signals,
            )
        except sf.ListerUnavailable:
            pass  # an sf CLI laid out differently: list type by type
    return _list_type_by_type(
        org, registry, scratch, types, skip_types, include_managed, jobs, api_version, on_query
    )


def _list_at_once(
    org: str,
    registry: Registry,
    types: Collection[str] | None,
    skip_types: Collection[str],
    include_managed: bool,
    jobs: int,
    api_version: str | None,
    previous: Mapping[str, Listed],
    signals: Mapping[str, Any] | None,
) -> Listing:
    """describeMetadata, every type (or its change query), then every folder: two processes
    in all."""
    from sfsync.org import changes  # changes names components as this module lists them

    candidates = [
        t
        for t in _top_level(registry)
        if t.addressable and not t.alias_for and not t.folder_content_type
    ]
    asked: set[str] = set()
    wanted_early = set(types) if types is not None else None
    skipped_early = set(skip_types)
    # the change queries: a type with a signal from the last backup is asked what changed,
    # every other type with a query is asked for its signal (before it is listed)
    by_signal = {
        t: sig
        for t, sig in (signals or {}).items()
        if t in changes.SPECS
        and (wanted_early is None or t in wanted_early)
        and t not in skipped_early
    }
    soql: list[dict[str, Any]] = []
    soql_of: dict[str, tuple[int, int]] = {}
    for name, spec in changes.SPECS.items() if signals is not None else ():
        if (wanted_early is not None and name not in wanted_early) or name in skipped_early:
            continue
        soql_of[name] = (len(soql), len(soql) + 1)
        soql.append(changes.count_query(spec))
        if name in by_signal:
            since = by_signal[name].since()
            rows = changes.changes_query(spec, since)
            # the ids too, in the same process, when the count says something was deleted
            rows["ids"] = {
                **changes.ids_query(spec),
                "countIndex": soql_of[name][0],
                "count": by_signal[name].count,
                "since": since,
            }
            soql.append(rows)
    queries: list[dict[str, Any]] = []
    for mtype in candidates:
        for t in (mtype, *(registry.types.get(c) for c in mtype.children)):
            if t is None or not t.addressable or t.name in by_signal or t.name in asked:
                continue
            asked.add(t.name)
            queries.append({"type": t.name})
        folder = registry.types.get(mtype.folder_type) if mtype.folder_type else None
        if folder is not None:
            queries.append({"type": folder.name, "always": True})
    # the folders the last backup saw are asked in the same process (a second one asks only
    # for folders new since); the answers of folders gone since are dropped
    guessed: list[dict[str, Any]] = []
    for mtype in candidates:
        folder = registry.types.get(mtype.folder_type) if mtype.folder_type else None
        if folder is None or mtype.name in by_signal or not previous:
            continue
        if (wanted_early is not None and mtype.name not in wanted_early) or (
            mtype.name in skipped_early
        ):
            continue
        seen = sorted(v.full_name for v in previous.values() if v.type == folder.name)
        guessed += [{"type": mtype.name, "folder": f} for f in [*seen, UNFILED]]
    queries += guessed
    asked_at = changes.now_literal()  # before the queries: the next run's window starts here
    described, results, answers = sf.list_and_query(
        org, queries, soql, describe=True, api_version=api_version, concurrency=max(2, jobs * 4)
    )
    org_types = {
        str(o.get("xmlName"))
        for o in _as_list((described or {}).get("metadataObjects"))
        if isinstance(o, dict) and o.get("xmlName")
    }
    wanted = _check_names(types, org_types, registry, "--types")
    skipped = set(_check_names(skip_types, org_types, registry, "--skip-types") or ())
    scope = _with_related(registry, wanted) if wanted is not None else None
    out_of_scope = _with_related(registry, skipped)

    def keep(type_name: str) -> bool:
        return (scope is None or type_name in scope) and type_name not in out_of_scope

    entries = _entries(
        org, [r for r in results if keep(str(r.get("type"))) and not r.get("folder")]
    )
    folders_now = {(e.type, e.full_name) for e in entries}
    answered_folders: set[tuple[str, str]] = set()
    for result in results:
        type_name, folder_name = str(result.get("type")), str(result.get("folder") or "")
        rtype = registry.by_name(type_name)
        folder_type = rtype.folder_type if rtype is not None else None
        if not folder_name or not keep(type_name) or folder_type is None:
            continue
        folder_name_type = registry.types[folder_type].name if folder_type in registry.types else ""
        if folder_name != UNFILED and (folder_name_type, folder_name) not in folders_now:
            continue  # a folder gone since the last backup
        entries += _entries(org, [result])
        answered_folders.add((type_name, folder_name))
    namespace = _text((described or {}).get("organizationNamespace"))
    ctx = changes.Context(
        objects={e.id: e.full_name for e in entries if e.type == "CustomObject" and e.id},
        folders={
            t: {e.id: e.full_name for e in entries if e.type == t and e.id}
            for t in ("ReportFolder", "EmailFolder", "DashboardFolder")
        },
        namespace=namespace,
    )
    answered: dict[str, Listed] = {}
    new_signals: dict[str, Any] = {}
    fallbacks: dict[str, str] = {}
    managed_answered = 0
    relisted: dict[str, Any] = {}  # type -> the signal to record once it is listed
    deleting: dict[str, Any] = {}  # type -> its outcome, waiting for the ids still there
    for name, sig in by_signal.items():
        if not keep(name):
            continue
        at_count, at_rows = soql_of[name]
        before = {k: v for k, v in previous.items() if v.type == name}
        spec = changes.SPECS[name]
        outcome = changes.apply(
            spec, sig, before, answers[at_count], answers[at_rows], ctx, include_managed, asked_at
        )
        if outcome.components is None:
            fallbacks[name] = outcome.why
            relisted[name] = outcome.signal
            continue
        if outcome.deletions:
            ids = answers[at_rows].get("ids")
            if not isinstance(ids, dict):  # not asked (the count looked whole there): ask now
                deleting[name] = outcome
                continue
            outcome = changes.settle_deletions(outcome, ids)
            if outcome.components is None:  # list it in the next process
                fallbacks[name] = outcome.why
                relisted[name] = outcome.signal
                continue
        answered.update(outcome.components or {})
        managed_answered += outcome.managed
        new_signals[name] = outcome.signal
    relist = [
        {"type": name}
        for name in fallbacks
        if not (registry.by_name(name) and registry.by_name(name).folder_type)  # type: ignore[union-attr]
    ]

    def listed_by_folder(type_names: Collection[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for mtype in candidates:
            folder = registry.types.get(mtype.folder_type) if mtype.folder_type else None
            if folder is None or mtype.name not in type_names:
                continue
            names = sorted(e.full_name for e in entries if e.type == folder.name)
            out += [{"type": mtype.name, "folder": f} for f in [*names, UNFILED]]
        return out

    answering = {n for n in by_signal if n not in fallbacks}
    folder_queries = [
        q
        for q in listed_by_folder(
            {t.name for t in candidates if keep(t.name) and t.name not in answering}
        )
        if (q["type"], q["folder"]) not in answered_folders
    ]
    calls = 1
    id_queries = [changes.ids_query(changes.SPECS[name]) for name in deleting]
    if folder_queries or relist or id_queries:
        _, more, id_answers = sf.list_and_query(
            org,
            [*relist, *folder_queries],
            id_queries,
            api_version=api_version,
            concurrency=max(2, jobs * 4),
        )
        entries += _entries(org, more)
        calls += 1
        late: list[dict[str, Any]] = []
        for index, (name, outcome) in enumerate(deleting.items()):
            ids = id_answers[index] if index < len(id_answers) else {"error": {}}
            settled = changes.settle_deletions(outcome, ids)
            if settled.components is None:  # list it after all (a third process, rarely)
                fallbacks[name] = settled.why
                relisted[name] = settled.signal
                late += listed_by_folder({name}) or [{"type": name}]
                continue
            answered.update(settled.components)
            managed_answered += settled.managed
            new_signals[name] = settled.signal
        if late:
            _, more = sf.list_metadata_many(
                org, late, api_version=api_version, concurrency=max(2, jobs * 4)
            )
            entries += _entries(org, more)
            calls += 1
    queried = tuple(sorted(n for n in by_signal if n not in fallbacks and n in new_signals))
    found: dict[str, Listed] = {}
    managed = managed_answered
    managed_by_type: dict[str, int] = {}
    for item in entries:
        if item.managed and not include_managed:
            managed += 1
            managed_by_type[item.type] = managed_by_type.get(item.type, 0) + 1
            continue
        found[item.key] = item
    found.update(answered)
    for name in changes.SPECS:
        if name in new_signals or name not in soql_of or not keep(name):
            continue
        if name in by_signal:  # its signal could not answer: it was listed
            was = relisted.get(name)
            if was is not None:
                new_signals[name] = replace(was, managed=managed_by_type.get(name, 0))
            continue
        signal = changes.first_signal(
            answers[soql_of[name][0]], managed_by_type.get(name, 0), asked_at
        )
        if signal is not None:
            new_signals[name] = signal
    return Listing(
        org=org,
        components=dict(sorted(found.items())),
        scope=frozenset(scope) if scope is not None else None,
        skipped=frozenset(out_of_scope),
        managed_skipped=managed,
        namespace=namespace,
        sf_calls=calls,
        queries=tuple(
            f"{q['type']}{'/' + q['folder'] if q.get('folder') else ''}" for q in queries
        ),
        signals=new_signals,
        queried=queried,
        fallbacks=fallbacks,
    )


def _entries(org: str, results: Sequence[Mapping[str, Any]]) -> list[Listed]:
    """The listed components of `list_metadata_many` results; a failed query is an error
    (reading it as "no components" would report them deleted), except a type the org does
    not support."""
    out: list[Listed] = []
    for result in results:
        error = result.get("error")
        if isinstance(error, dict):
            text = f"{error.get('name')}: {error.get('message')}"
            if "INVALID_TYPE" in text or "Unknown type" in text:
                continue
            connection = connection_failure(error, org)
            if connection is not None:
                said, hint = connection
                text = f"{text} ({said})"
            raise sf.SfError(
                f"listMetadata of {result.get('type')} on org '{org}' failed: {text}; "
                + (hint if connection is not None else "run the command again")
            )
        for entry in _as_list(result.get("entries")):
            if isinstance(entry, dict):
                item = Listed.from_file_properties(entry)
                if item is not None:
                    out.append(item)
    return out


def _list_type_by_type(
    org: str,
    registry: Registry,
    scratch: Path,
    types: Collection[str] | None,
    skip_types: Collection[str],
    include_managed: bool,
    jobs: int,
    api_version: str | None,
    on_query: Callable[[int, int], None] | None,
) -> Listing:
    """The org's manifest (`sf project generate manifest --from-org`) says which types have
    members; then one `sf org list metadata` per type, folder and child type."""
    calls = _Counter()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        # describeMetadata checks the names asked for; without any, it would only cost a call
        describe = (
            pool.submit(calls.run, sf.list_metadata_types, org, api_version=api_version)
            if types is not None or skip_types
            else None
        )
        manifest = pool.submit(
            calls.run,
            sf.manifest_from_org,
            org,
            scratch / "discover",
            include_managed=include_managed,
            api_version=api_version,
        )
        described: dict[str, Any] = describe.result() if describe is not None else {}
        org_types = {
            str(o.get("xmlName"))
            for o in _as_list(described.get("metadataObjects"))
            if isinstance(o, dict) and o.get("xmlName")
        }
        wanted = _check_names(types, org_types, registry, "--types")
        skipped = set(_check_names(skip_types, org_types, registry, "--skip-types") or ())
        present = _manifest_members(manifest.result().read_bytes())
        queries = _queries(registry, present, wanted, skipped)
        total = len(queries)
        done = 0
        lock = threading.Lock()
        found: dict[str, Listed] = {}
        managed = 0

        def one(query: tuple[str, str | None]) -> list[dict[str, Any]]:
            type_name, folder = query
            entries: list[dict[str, Any]] = calls.run(
                sf.list_metadata, org, type_name, folder=folder, api_version=api_version
            )
            return entries

        for entries in pool.map(one, queries):
            for entry in entries:
                item = Listed.from_file_properties(entry)
                if item is None:
                    continue
                if item.managed and not include_managed:
                    managed += 1
                    continue
                found[item.key] = item
            with lock:
                done += 1
            if on_query is not None:
                on_query(done, total)
    scope = None if wanted is None else frozenset(_with_related(registry, wanted))
    return Listing(
        org=org,
        components=dict(sorted(found.items())),
        scope=scope,
        skipped=frozenset(_with_related(registry, skipped)),
        managed_skipped=managed,
        namespace=_text(described.get("organizationNamespace")),
        sf_calls=calls.count,
        queries=tuple(f"{t}{'/' + f if f else ''}" for t, f in queries),
    )


def package_member(registry: Registry, key: str) -> tuple[str, str]:
    """(manifest type, member) to retrieve a listed component: a folder (`ReportFolder:Sales`)
    is retrieved as a member of its content type (`Report`, `Sales`)."""
    type_name, _, full_name = key.partition(":")
    mtype = registry.by_name(type_name)
    if mtype is not None and mtype.folder_content_type:
        content = registry.types.get(mtype.folder_content_type)
        if content is not None:
            return content.name, full_name
    return type_name, full_name


def listing_key(registry: Registry, component: Component) -> str:
    """The listMetadata name of a component the resolver named (`Report:Sales/` ->
    `ReportFolder:Sales`; an in-folder type's name without a folder is a folder too:
    `Document:Brand` -> `DocumentFolder:Brand`)."""
    name = component.full_name
    if name.endswith("/") or "/" not in name:
        mtype = registry.by_name(component.type)
        if mtype is not None and mtype.folder_type:
            folder = registry.types.get(mtype.folder_type)
            if folder is not None:
                return f"{folder.name}:{name.rstrip('/')}"
    return str(component)


def path_keys(
    registry: Registry, resolve: Callable[[str], Component | None], paths: Iterable[str]
) -> dict[str, str]:
    """`listing_key` of the component of each path that has one. A document is named by
    listMetadata with its file's extension (`Document:Brand/logo.png`) and by sf without it
    (`Brand/logo`): the extension is the one of its content file among `paths`."""
    keys: dict[str, str] = {}
    extension: dict[str, str] = {}  # Document:Brand/logo -> .png
    for path in paths:
        component = resolve(path)
        if component is None:
            continue
        keys[path] = listing_key(registry, component)
        if component.type == "Document" and "/" in component.full_name:
            base = path.rsplit("/", 1)[-1]
            stem = component.full_name.rsplit("/", 1)[-1]
            if not base.endswith("-meta.xml") and base.startswith(stem + "."):
                extension[keys[path]] = base[len(stem) :]
    return {p: k + extension.get(k, "") for p, k in keys.items()}


def resolver_component(registry: Registry, key: str) -> Component:
    """The component as sfsync's resolver names it (`ReportFolder:Sales` -> `Report:Sales/`);
    the inverse of `listing_key`."""
    type_name, _, full_name = key.partition(":")
    mtype = registry.by_name(type_name)
    if mtype is not None and mtype.folder_content_type:
        content = registry.types.get(mtype.folder_content_type)
        if content is not None:
            return Component(content.name, f"{full_name}/")
    return Component(type_name, full_name)


def parent_key(registry: Registry, key: str) -> str | None:
    """The container of a child component (`CustomField:Account.Tier__c` ->
    `CustomObject:Account`), or None."""
    type_name, _, full_name = key.partition(":")
    mtype = registry.by_name(type_name)
    parent = registry.parent_of(mtype) if mtype is not None else None
    if parent is None or mtype is None or mtype.ignore_parent_name or "." not in full_name:
        return None
    return f"{parent.name}:{full_name.split('.', 1)[0]}"


# --- internals -------------------------------------------------------------------------


class _Counter:
    """Counts the sf processes started (from several threads)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def run(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.count += 1
        return func(*args, **kwargs)


def _check_names(
    names: Collection[str] | None, org_types: set[str], registry: Registry, option: str
) -> list[str] | None:
    if names is None:
        return None
    out = []
    known = sorted(org_types | {t.name for t in _top_level(registry)})
    for name in names:
        mtype = registry.by_name(name)
        top_level = mtype is not None and mtype.parent is None and not mtype.folder_content_type
        if mtype is None or (org_types and top_level and mtype.name not in org_types):
            close = get_close_matches(name, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(
                f"{option} {name}: not a metadata type of this org{hint}; "
                "see `sf org list metadata-types`"
            )
        out.append(mtype.name)
    return out


def _top_level(registry: Registry) -> list[MetadataType]:
    return [registry.types[t] for t in registry.types if not registry.types.raw[t].get("parent")]


def _manifest_members(data: bytes) -> dict[str, list[str]]:
    root = parse(data, "package.xml from the org")
    out: dict[str, list[str]] = {}
    for types in root:
        if local(types.tag) != "types":
            continue
        name = child_text(types, "name") or ""
        members = [(m.text or "").strip() for m in types if local(m.tag) == "members"]
        if name:
            out.setdefault(name, []).extend(m for m in members if m)
    return out


def _queries(
    registry: Registry,
    present: Mapping[str, Sequence[str]],
    wanted: Collection[str] | None,
    skipped: Collection[str],
) -> list[tuple[str, str | None]]:
    """The listMetadata calls: (type, folder) for each type, folder and child type needed."""
    queries: list[tuple[str, str | None]] = []
    wanted_set = set(wanted) if wanted is not None else None
    for type_name in sorted(present):
        mtype = registry.by_name(type_name)
        if mtype is None or not present[type_name]:
            continue
        parent = registry.parent_of(mtype)
        top = parent.name if parent is not None else mtype.name
        if mtype.folder_content_type:  # a folder type: listed with its content type
            continue
        if wanted_set is not None and top not in wanted_set and mtype.name not in wanted_set:
            continue
        if top in skipped or mtype.name in skipped:
            continue
        if mtype.in_folder and mtype.folder_type:
            folder_type = registry.types.get(mtype.folder_type)
            if folder_type is not None:
                queries.append((folder_type.name, None))
            folders = sorted({m.split("/", 1)[0] for m in present[type_name]} - {UNFILED})
            queries.extend((mtype.name, f) for f in folders)
            continue
        queries.append((mtype.name, None))
    return queries


def _with_related(registry: Registry, names: Iterable[str]) -> set[str]:
    """Types and the types listed with them: their child types and folder types."""
    out: set[str] = set()
    for name in names:
        mtype = registry.by_name(name)
        if mtype is None:
            continue
        out.add(mtype.name)
        for child in mtype.children:
            child_type = registry.types.get(child)
            if child_type is not None:
                out.add(child_type.name)
        if mtype.folder_type:
            folder = registry.types.get(mtype.folder_type)
            if folder is not None:
                out.add(folder.name)
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""  # a nil element (`{"$": {"xsi:nil": "true"}}`) is no value
    return str(value)
