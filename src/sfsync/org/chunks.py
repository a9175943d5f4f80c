"""Retrieve many components in chunks that fit the Metadata API's limits.

A retrieve may hold up to 10,000 files, a zip of about 39 MB and 600 MB unzipped
(https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_retrieve.htm).
`plan_chunks` packs components into chunks by their estimated size: the files they bring
into the retrieve's zip (Metadata API format: an Apex class is 2 files, a custom object with
its fields 1, a bundle all of its files) and their bytes, from the last backup when it holds
the component, else from its type. `retrieve_chunk` retrieves one chunk with one
`sf project retrieve start`; when the org still answers LIMIT_EXCEEDED, the chunk is split
in half and each half retrieved (and so on), so an estimate that is too low costs a retrieve,
never the backup.

    sizes = {key: Size(files=2, size=1800)}          # what the last backup knows
    chunks = plan_chunks(registry, keys, sizes)        # -> [[key, ...], ...]
    got = retrieve_chunk("prod", registry, chunks[0], scratch, api_version="62.0")
    got.files          # {"force-app/main/default/classes/Foo.cls": Path(...)}
    got.properties     # {key: (lastModifiedByName, lastModifiedDate)}
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sfsync.errors import ExternalError
from sfsync.metadata.manifest import render
from sfsync.metadata.registry import MetadataType, Registry
from sfsync.metadata.resolver import Resolver
from sfsync.org import sf
from sfsync.org.listed import package_member, parent_key, path_keys

FILE_LIMIT = 10_000
ZIP_BUDGET = 36 * 1024 * 1024  # the limit is ~39 MB; estimates are estimates
UNZIPPED_BUDGET = 550 * 1024 * 1024  # the limit is 600 MB
TEXT_RATIO = 4  # metadata XML and code compress about 4 to 10 times in a zip
DEFAULT_FILE_SIZE = 4096
BUNDLE_FILES = 6  # files of a bundle (LWC, Aura, ...) before one was seen
BINARY_TYPES = frozenset({"StaticResource", "Document", "ContentAsset", "EmailTemplate"})
SKIP_DIRS = frozenset({".sf", ".sfdx", ".git"})
_MISSING = re.compile(r"Entity of type '([^']+)' named '([^']+)' cannot be found")


@dataclass(frozen=True)
class Size:
    """What a component weighs in a retrieve: files in its zip, bytes (source format)."""

    files: int
    size: int


@dataclass
class Retrieval:
    """What one chunk's retrieve(s) brought back."""

    files: dict[str, Path] = field(default_factory=dict)
    """Source-format path (`force-app/main/default/...`) -> the retrieved file."""
    properties: dict[str, tuple[str, str]] = field(default_factory=dict)
    """`Type:FullName` -> (lastModifiedByName, lastModifiedDate) at retrieve time."""
    missing: set[str] = field(default_factory=set)
    """Components the org no longer has (deleted since they were listed)."""
    retrieves: int = 0
    splits: int = 0


def estimate(
    registry: Registry,
    key: str,
    known: Mapping[str, Size],
    type_files: Mapping[str, int] | None = None,
) -> Size:
    """The size of a component in a retrieve: from the last backup, else from its type
    (`type_files`: files per component of a type, learned earlier in the run)."""
    type_name = key.partition(":")[0]
    mtype = registry.by_name(type_name)
    files = _zip_files(mtype)
    if type_files and mtype is not None and mtype.name in type_files:
        files = max(1, type_files[mtype.name])
    seen = known.get(key)
    if seen is not None:
        if mtype is not None and mtype.adapter in ("bundle", "digitalExperience", "uiBundles"):
            files = max(1, seen.files)
        return Size(files, seen.size)
    if files < 0:
        files = BUNDLE_FILES
    return Size(files, files * DEFAULT_FILE_SIZE)


def zipped(registry: Registry, key: str, size: Size) -> int:
    """Estimated compressed bytes of a component (binary content barely compresses)."""
    type_name = key.partition(":")[0]
    return size.size if type_name in BINARY_TYPES else size.size // TEXT_RATIO


def plan_chunks(
    registry: Registry,
    keys: Sequence[str],
    known: Mapping[str, Size],
    *,
    max_files: int = FILE_LIMIT,
    max_zip: int = ZIP_BUDGET,
    max_unzipped: int = UNZIPPED_BUDGET,
    type_files: Mapping[str, int] | None = None,
) -> list[list[str]]:
    """Pack `keys` (sorted by type, then name) into chunks within the limits."""
    chunks: list[list[str]] = []
    current: list[str] = []
    files = zip_bytes = raw = 0
    parents_in_chunk: set[str] = set()
    for key in sorted(keys, key=_order):
        size = estimate(registry, key, known, type_files)
        weight = size.files
        parent = parent_key(registry, key)
        if parent is not None:  # children of one parent share its one file in the zip
            weight = 0 if parent in parents_in_chunk else 1
        packed = zipped(registry, key, size)
        over = (
            files + weight > max_files
            or zip_bytes + packed > max_zip
            or raw + size.size > max_unzipped
        )
        if current and over:
            chunks.append(current)
            current, files, zip_bytes, raw = [], 0, 0, 0
            parents_in_chunk = set()
            weight = size.files if parent is None else 1
        current.append(key)
        files += weight
        zip_bytes += packed
        raw += size.size
        parents_in_chunk.add(parent if parent is not None else key)
    if current:
        chunks.append(current)
    return chunks


def retrieve_chunk(
    org: str,
    registry: Registry,
    keys: Sequence[str],
    scratch: Path,
    *,
    api_version: str,
    on_retrieve: Callable[[int, int], None] | None = None,
) -> Retrieval:
    """Retrieve `keys` into folders under `scratch`, splitting the chunk on LIMIT_EXCEEDED.

    `on_retrieve(components, files)` is called after each successful `sf` retrieve.
    """
    out = Retrieval()
    _retrieve(org, registry, list(keys), scratch, api_version, out, on_retrieve)
    return out


def retrieval_set(registry: Registry, wanted: Sequence[str], listed: Sequence[str]) -> list[str]:
    """What to ask the org for to get `wanted`: a child kept inside its parent's one file
    (CustomLabel in CustomLabels, WorkflowRule in Workflow) is asked for through its parent,
    since a retrieve of the child alone brings a file holding only that child; a child whose
    parent is asked for comes with it (`listed`: every listed key, to find the containers of
    a child whose name does not say it)."""
    keys: set[str] = set()
    for key in wanted:
        mtype = registry.by_name(key.partition(":")[0])
        parent_type = registry.parent_of(mtype) if mtype is not None else None
        if mtype is None or parent_type is None or not parent_type.in_file_children:
            keys.add(key)
            continue
        parent = parent_key(registry, key)
        if parent is not None:
            keys.add(parent)
        else:  # the child's name does not say its container (CustomLabel): all of them
            keys.update(k for k in listed if k.partition(":")[0] == parent_type.name)
    return sorted(k for k in keys if parent_key(registry, k) not in keys)


def accepted(
    files: Mapping[str, Path], wanted: set[str], registry: Registry, resolver: Resolver
) -> list[str]:
    """The retrieved files that belong to what was asked for (a retrieve of one field may
    write a stub of its object: that stub is not the object). Files no component claims are
    kept."""
    out = []
    keys = path_keys(registry, resolver.component, files)
    for path in sorted(files):
        key = keys.get(path)
        if key is None or key in wanted or parent_key(registry, key) in wanted:
            out.append(path)
    return out


def manifest_for(registry: Registry, keys: Sequence[str]) -> dict[str, list[str]]:
    """`{type: [members]}` to retrieve `keys` (folders as members of their content type)."""
    types: dict[str, list[str]] = {}
    for key in keys:
        type_name, member = package_member(registry, key)
        types.setdefault(type_name, []).append(member)
    return types


def source_files(root: Path) -> dict[str, Path]:
    """The files `sf` wrote under a retrieve project (relative path -> file), no symlinks,
    nothing outside `root`, without `sfdx-project.json` and sf's own folders."""
    found: dict[str, Path] = {}
    real_root = os.path.realpath(root)
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            real = os.path.realpath(path)
            if not real.startswith(real_root + os.sep):
                continue
            rel = path.relative_to(root).as_posix()
            if rel != "sfdx-project.json" and "/" in rel:
                found[rel] = path
    return found


# --- internals -------------------------------------------------------------------------


def _order(key: str) -> tuple[str, str]:
    type_name, _, name = key.partition(":")
    return (type_name, name)


def _listed_name(registry: Registry, type_name: str, member: str) -> str:
    """A manifest member as listMetadata names it (a folder of Report is a ReportFolder)."""
    mtype = registry.by_name(type_name)
    if mtype is not None and mtype.in_folder and mtype.folder_type and "/" not in member:
        folder = registry.types.get(mtype.folder_type)
        if folder is not None:
            return f"{folder.name}:{member}"
    return f"{type_name}:{member}"


def _zip_files(mtype: MetadataType | None) -> int:
    """Files a component of this type brings into a Metadata API zip (-1: it depends)."""
    if mtype is None:
        return 2
    if mtype.adapter in ("bundle", "digitalExperience", "uiBundles"):
        return -1
    if mtype.adapter in ("matchingContentFile", "mixedContent"):
        return 2
    return 1


def _retrieve(
    org: str,
    registry: Registry,
    keys: list[str],
    scratch: Path,
    api_version: str,
    out: Retrieval,
    on_retrieve: Callable[[int, int], None] | None,
) -> None:
    folder = scratch / f"r{out.retrieves + out.splits:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "package.xml"
    manifest.write_bytes(render(manifest_for(registry, keys), api_version))
    project = folder / "project"
    try:
        got = sf.retrieve(org, manifest, project, api_version=api_version)
    except sf.RetrieveLimitExceeded as exc:
        if len(keys) == 1:
            raise ExternalError(
                f"{keys[0]} alone is over the org's retrieve limits ({exc.message}); "
                f"leave its type out with --skip-types {keys[0].partition(':')[0]}"
            ) from exc
        out.splits += 1
        half = len(keys) // 2
        _retrieve(org, registry, keys[:half], scratch, api_version, out, on_retrieve)
        _retrieve(org, registry, keys[half:], scratch, api_version, out, on_retrieve)
        return
    out.retrieves += 1
    files = source_files(project)
    out.files.update(files)
    for name, props in got.properties.items():
        out.properties[name] = (props.last_modified_by, props.last_modified_date)
    for message in got.missing:
        found = _MISSING.search(message)
        if found:
            out.missing.add(_listed_name(registry, found.group(1), found.group(2)))
    if on_retrieve is not None:
        on_retrieve(len(keys), len(files))
