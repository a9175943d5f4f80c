"""Which types a listing asks for: `--types`/`--skip-types` checked against the org's and
the registry's types, and the types listed together with a type (children, folders)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from difflib import get_close_matches

from sfsync.errors import UsageError
from sfsync.metadata.registry import MetadataType, Registry


def type_names(values: Iterable[str]) -> list[str]:
    """`--types A,B --types C` -> [A, B, C] (blanks dropped, order kept)."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(out))


def check_names(
    names: Collection[str] | None, org_types: set[str], registry: Registry, option: str
) -> list[str] | None:
    """The registry names of `names` (None: every type); an unknown name is a usage error."""
    if names is None:
        return None
    out = []
    known = sorted(org_types | {t.name for t in top_level(registry)})
    for name in names:
        mtype = registry.by_name(name)
        is_top = mtype is not None and mtype.parent is None and not mtype.folder_content_type
        if mtype is None or (org_types and is_top and mtype.name not in org_types):
            close = get_close_matches(name, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(
                f"{option} {name}: not a metadata type of this org{hint}; "
                "see `sf org list metadata-types`"
            )
        out.append(mtype.name)
    return out


def top_level(registry: Registry) -> list[MetadataType]:
    """The types that are not the child of another."""
    return [registry.types[t] for t in registry.types if not registry.types.raw[t].get("parent")]


def with_related(registry: Registry, names: Iterable[str]) -> set[str]:
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
