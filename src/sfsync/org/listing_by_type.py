"""Listing an org type by type, one `sf` process per call: the fallback of
`sfsync.org.listing.list_org` when the sf CLI's library cannot be loaded (or
`SFSYNC_LIST_VIA=sf`).

The org's manifest (`sf project generate manifest --from-org`) says which types have members;
then one `sf org list metadata` runs per type, folder and child type, `jobs` at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sfsync.metadata.registry import Registry
from sfsync.metadata.xmlsafe import child_text, local, parse
from sfsync.org import sf
from sfsync.org.listed import UNFILED, Listed, Listing, as_list, field_text
from sfsync.org.listscope import check_names, with_related


def list_type_by_type(
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
            for o in as_list(described.get("metadataObjects"))
            if isinstance(o, dict) and o.get("xmlName")
        }
        wanted = check_names(types, org_types, registry, "--types")
        skipped = set(check_names(skip_types, org_types, registry, "--skip-types") or ())
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
    scope = None if wanted is None else frozenset(with_related(registry, wanted))
    return Listing(
        org=org,
        components=dict(sorted(found.items())),
        scope=scope,
        skipped=frozenset(with_related(registry, skipped)),
        managed_skipped=managed,
        namespace=field_text(described.get("organizationNamespace")),
        sf_calls=calls.count,
        queries=tuple(f"{t}{'/' + f if f else ''}" for t, f in queries),
    )


class _Counter:
    """Counts the sf processes started (from several threads)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def run(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.count += 1
        return func(*args, **kwargs)


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
