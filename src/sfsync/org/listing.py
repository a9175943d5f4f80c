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
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sfsync.metadata.registry import Registry
from sfsync.org import changes, listing_by_type, sf
from sfsync.org.answers import connection_failure
from sfsync.org.listed import DEFAULT_JOBS, UNFILED, Listed, Listing, as_list, field_text
from sfsync.org.listscope import check_names, top_level, with_related


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
    return listing_by_type.list_type_by_type(
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
    candidates = [
        t
        for t in top_level(registry)
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
        for o in as_list((described or {}).get("metadataObjects"))
        if isinstance(o, dict) and o.get("xmlName")
    }
    wanted = check_names(types, org_types, registry, "--types")
    skipped = set(check_names(skip_types, org_types, registry, "--skip-types") or ())
    scope = with_related(registry, wanted) if wanted is not None else None
    out_of_scope = with_related(registry, skipped)

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
    namespace = field_text((described or {}).get("organizationNamespace"))
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
        for entry in as_list(result.get("entries")):
            if isinstance(entry, dict):
                item = Listed.from_file_properties(entry)
                if item is not None:
                    out.append(item)
    return out
