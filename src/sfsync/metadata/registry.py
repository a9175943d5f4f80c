"""The metadata types the `sf` CLI knows: directory names, suffixes and strategies.

The data ships in the package (`data/registry.json`), generated from the registry of the pinned
`sf` CLI by `scripts/gen_registry.py`. A project can switch on the CLI's decomposition presets
(`sourceBehaviorOptions` in `sfdx-project.json`) and add its own types (`extra_types`).
Loading is lazy and cached: the hook path pays for it only when it resolves a path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sfsync.errors import ConfigError
from sfsync.metadata import REGISTRY_FILE

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from typing import Any

ADAPTERS = (
    "default",
    "matchingContentFile",
    "bundle",
    "mixedContent",
    "decomposed",
    "partiallyDecomposed",
    "digitalExperience",
    "uiBundles",
)


@dataclass(frozen=True)
class MetadataType:
    """One metadata type (or child type) and how its source files are laid out."""

    id: str
    name: str
    directory_name: str
    suffix: str | None = None
    legacy_suffix: str | None = None
    adapter: str = "default"
    decomposition: str | None = None
    transformer: str | None = None
    in_folder: bool = False
    folder_type: str | None = None
    folder_content_type: str | None = None
    strict_directory_name: bool = False
    meta_file_suffix: str | None = None
    ignore_parsed_full_name: bool = False
    ignore_parent_name: bool = False
    unique_id_element: str | None = None
    xml_element_name: str | None = None
    addressable: bool = True
    unaddressable_without_parent: bool = False
    alias_for: str | None = None
    parent: str | None = None
    children: tuple[str, ...] = ()
    child_suffixes: Mapping[str, str] = field(default_factory=dict, compare=False)
    child_directories: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def in_file_children(self) -> bool:
        """True when children live as elements inside the parent's one file (CustomLabels)."""
        return self.adapter == "default" and bool(self.children)


def _type_from_data(type_id: str, raw: Mapping[str, Any]) -> MetadataType:
    return MetadataType(
        id=type_id,
        name=raw["name"],
        directory_name=raw["directoryName"],
        suffix=raw.get("suffix"),
        legacy_suffix=raw.get("legacySuffix"),
        adapter=raw.get("adapter", "default"),
        decomposition=raw.get("decomposition"),
        transformer=raw.get("transformer"),
        in_folder=bool(raw.get("inFolder", False)),
        folder_type=raw.get("folderType"),
        folder_content_type=raw.get("folderContentType"),
        strict_directory_name=bool(raw.get("strictDirectoryName", False)),
        meta_file_suffix=raw.get("metaFileSuffix"),
        ignore_parsed_full_name=bool(raw.get("ignoreParsedFullName", False)),
        ignore_parent_name=bool(raw.get("ignoreParentName", False)),
        unique_id_element=raw.get("uniqueIdElement"),
        xml_element_name=raw.get("xmlElementName"),
        addressable=raw.get("isAddressable", True) is not False,
        unaddressable_without_parent=bool(raw.get("unaddressableWithoutParent", False)),
        alias_for=raw.get("aliasFor"),
        parent=raw.get("parent"),
        children=tuple(raw.get("children", ())),
        child_suffixes=dict(raw.get("childSuffixes", {})),
        child_directories=dict(raw.get("childDirectories", {})),
    )


class _Types(Mapping[str, MetadataType]):
    """Type id -> MetadataType, each built on first use (the hook resolves few types)."""

    def __init__(self, raw: Mapping[str, Mapping[str, Any]]) -> None:
        self.raw = raw
        self._built: dict[str, MetadataType] = {}

    def __getitem__(self, type_id: str) -> MetadataType:
        built = self._built.get(type_id)
        if built is None:
            built = self._built[type_id] = _type_from_data(type_id, self.raw[type_id])
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __contains__(self, type_id: object) -> bool:
        return type_id in self.raw


class Registry:
    """Lookups over the metadata types: by id, name, suffix and strict directory name."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        raw: Mapping[str, Mapping[str, Any]] = data["types"]
        self.types = _Types(raw)
        self.suffixes: dict[str, str] = dict(data["suffixes"])
        self.strict_directory_names: dict[str, str] = dict(data["strictDirectoryNames"])
        self.child_types: dict[str, str] = dict(data["childTypes"])
        self.source: dict[str, str] = dict(data.get("source", {}))
        self._by_name = {t["name"].lower(): type_id for type_id, t in raw.items()}
        self._strict: list[MetadataType] | None = None
        self._strict_by_dir: dict[str, list[tuple[int, str]]] | None = None
        self._folder_content_dirs: list[str] | None = None

    def get(self, type_id: str) -> MetadataType:
        """The type with this id (lower-case name); KeyError when unknown."""
        return self.types[type_id]

    def by_name(self, name: str) -> MetadataType | None:
        """The type called `name` (case-insensitive), or None."""
        type_id = self._by_name.get(name.lower())
        return self.types[type_id] if type_id is not None else None

    def by_suffix(self, suffix: str) -> MetadataType | None:
        """The type whose source files end in `.suffix` (or `.suffix-meta.xml`), or None."""
        type_id = self.suffixes.get(suffix)
        return self.types.get(type_id) if type_id else None

    def strict_folder_types(self) -> list[MetadataType]:
        """Types that must live in their own directory, in the CLI's lookup order."""
        if self._strict is None:
            self._strict = [
                self.types[type_id]
                for type_id in self.strict_directory_names.values()
                if type_id in self.types
            ]
        return self._strict

    def strict_types_in(self, parts: Iterable[str]) -> list[MetadataType]:
        """The strict-folder types whose directory is one of `parts`, in lookup order."""
        if self._strict_by_dir is None:
            by_dir: dict[str, list[tuple[int, str]]] = {}
            for order, type_id in enumerate(self.strict_directory_names.values()):
                if type_id in self.types:
                    directory = self.types.raw[type_id]["directoryName"]
                    by_dir.setdefault(directory, []).append((order, type_id))
            self._strict_by_dir = by_dir
        found: list[tuple[int, str]] = []
        for part in set(parts):
            hits = self._strict_by_dir.get(part)
            if hits:
                found.extend(hits)
        return [self.types[type_id] for _, type_id in sorted(found)]

    def folder_content_directories(self) -> list[str]:
        """Directory names of the types that have folders (reports, dashboards, ...)."""
        if self._folder_content_dirs is None:
            self._folder_content_dirs = [
                t["directoryName"]
                for t in self.types.raw.values()
                if t.get("folderContentType") and not t.get("aliasFor") and not t.get("parent")
            ]
        return self._folder_content_dirs

    def find_non_folder_type_in(self, directory: str) -> MetadataType | None:
        """The first top-level, not in-folder type using `directory` (a folder's own type)."""
        for type_id, t in self.types.raw.items():
            if not t.get("parent") and t["directoryName"] == directory and not t.get("inFolder"):
                return self.types[type_id]
        return None

    def parent_of(self, t: MetadataType) -> MetadataType | None:
        """The parent type of a child type, or None."""
        return self.types.get(t.parent) if t.parent else None


@lru_cache(maxsize=1)
def _shipped_data() -> dict[str, Any]:
    text = REGISTRY_FILE.read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def preset_names() -> list[str]:
    """The decomposition presets the pinned CLI knows (`sourceBehaviorOptions` values)."""
    return sorted(_shipped_data()["presets"])


def extra_type_data(entry: Mapping[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    """Validate one `extra_types` entry and return (type id, compact type data)."""
    missing = [key for key in ("name", "directoryName", "suffix") if not entry.get(key)]
    if missing:
        raise ConfigError(
            f"{where}: extra type is missing {', '.join(missing)} "
            "(each needs name, directoryName and suffix)"
        )
    strategy = entry.get("strategy", "default")
    if strategy not in ADAPTERS:
        raise ConfigError(f"{where}: strategy {strategy!r} is not one of {', '.join(ADAPTERS)}")
    raw: dict[str, Any] = {
        "name": str(entry["name"]),
        "directoryName": str(entry["directoryName"]),
        "suffix": str(entry["suffix"]),
        "adapter": strategy,
        "inFolder": bool(entry.get("inFolder", False)),
        "strictDirectoryName": bool(entry.get("strictDirectoryName", False)),
    }
    return raw["name"].lower(), raw


def _merge(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    # same first-level merge the CLI applies; an empty string removes an entry
    merged: dict[str, Any] = {}
    for key in ("types", "suffixes", "strictDirectoryNames", "childTypes"):
        combined = {**data[key], **overrides.get(key, {})}
        merged[key] = {k: v for k, v in combined.items() if v != ""}
    merged["source"] = data.get("source", {})
    return merged


@lru_cache(maxsize=32)
def _load(presets: tuple[str, ...], extra: str) -> Registry:
    shipped = _shipped_data()
    data: dict[str, Any] = {
        key: shipped[key] for key in ("types", "suffixes", "strictDirectoryNames", "childTypes")
    }
    data["source"] = shipped.get("source", {})
    for preset in presets:
        if preset not in shipped["presets"]:
            raise ConfigError(
                f"sfdx-project.json: sourceBehaviorOptions: unknown option {preset!r} "
                f"(known: {', '.join(sorted(shipped['presets']))})"
            )
        data = _merge(data, shipped["presets"][preset])
    entries: list[dict[str, Any]] = json.loads(extra)
    if entries:
        overrides: dict[str, Any] = {"types": {}, "suffixes": {}, "strictDirectoryNames": {}}
        for index, entry in enumerate(entries):
            type_id, raw = extra_type_data(entry, f"sfsync.yml: metadata.extra_types[{index}]")
            overrides["types"][type_id] = raw
            overrides["suffixes"][raw["suffix"]] = type_id
            if raw["strictDirectoryName"]:
                overrides["strictDirectoryNames"][raw["directoryName"]] = type_id
        data = _merge(data, overrides)
    return Registry(data)


def load_registry(
    presets: Sequence[str] = (), extra_types: Iterable[Mapping[str, Any]] = ()
) -> Registry:
    """The registry with the given decomposition presets and user types applied (cached)."""
    extra = json.dumps([dict(e) for e in extra_types], sort_keys=True, default=str)
    return _load(tuple(presets), extra)
