"""Naming rules every kind handler shares (how the `sf` CLI computes a full name)."""

from __future__ import annotations

from sfsync.metadata.component import Component, Resolved
from sfsync.metadata.paths import (
    last_index,
    nested_full_name,
    parse_folder_xml,
    parse_metadata_xml,
)
from sfsync.metadata.registry import MetadataType, Registry

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from sfsync.metadata.kinds.protocol import Context
    from sfsync.metadata.tree import Tree


_SLASHED_FOLDERS = frozenset(("DashboardFolder", "ReportFolder", "EmailTemplateFolder"))


def calculate_name(
    registry: Registry, mtype: MetadataType, parts: list[str], parsed_name: str
) -> str | None:
    """The name of a component from its root metadata file's path parts."""
    if mtype.folder_content_type or mtype.in_folder:
        return nested_full_name(parts, mtype.directory_name)
    if not mtype.folder_type:
        return parsed_name
    grandparent = registry.types.get(mtype.folder_type)
    if grandparent is None:
        return None
    if grandparent.folder_type and grandparent.folder_type != mtype.id:
        if grandparent.directory_name not in parts:
            return None
        index = parts.index(grandparent.directory_name)
        if index + 1 >= len(parts):
            return None
        return f"{parts[index + 1]}.{parsed_name}"
    if grandparent.folder_type == mtype.id:
        return parsed_name
    return None


def manifest_type(registry: Registry, mtype: MetadataType) -> str:
    """The type a component is listed under: folders go under their content type."""
    if mtype.folder_content_type:
        content = registry.types.get(mtype.folder_content_type)
        if content is not None:
            return content.name
    return mtype.name


def full_name(mtype: MetadataType, name: str, parent: Component | None) -> str:
    """A component's full name: the type name, the bare name, or `Parent.Name`."""
    if mtype.ignore_parsed_full_name:
        return mtype.name
    if parent is not None and not mtype.ignore_parent_name:
        return f"{parent.full_name}.{name}"
    return name


def make(
    resolver: Context,
    mtype: MetadataType,
    name: str,
    path: str,
    package_dir: str,
    parent: Component | None = None,
    root: str | None = None,
) -> Resolved:
    """Build the resolution record for a component named `name` of type `mtype`."""
    member = full_name(mtype, name, parent)
    if mtype.name in _SLASHED_FOLDERS and not member.endswith("/"):
        member += "/"  # the Metadata API tells these folders from their contents by the slash
    component = Component(manifest_type(resolver.registry, mtype), member)
    return Resolved(component, mtype, path, package_dir, parent, root)


def root_metadata(mtype: MetadataType, parts: list[str]) -> tuple[str, str | None] | None:
    """(fullName, suffix) when the path is the component's root `-meta.xml`, else None."""
    basename = parts[-1]
    parsed = parse_metadata_xml(basename)
    if parsed:
        name, suffix = parsed
        if not mtype.strict_directory_name:
            return parsed
        parent_dir = parts[-2] if len(parts) > 1 else ""
        type_dir = (parts[-3] if len(parts) > 2 else "") if mtype.in_folder else parent_dir
        if suffix in (mtype.suffix, mtype.legacy_suffix) and (
            parent_dir == name or type_dir == mtype.directory_name
        ):
            return parsed
        return None
    folder = parse_folder_xml(basename)
    if folder and len(parts) > 1:
        return folder, None
    return None


def content_metadata(mtype: MetadataType, parts: list[str]) -> tuple[str, str] | None:
    """(fullName, suffix) of a file that is its own metadata (`wave/MyApp.wapp`), or None.

    The CLI reads a single-file type's `Name.suffix` without `-meta.xml` when it sits
    right in the type's folder (in a folder of it for in-folder types).
    """
    if not mtype.suffix:
        return None
    if mtype.in_folder:
        name = nested_full_name(parts, mtype.directory_name)
        return (name, mtype.suffix) if name else None
    allowed = len(parts) - (3 if mtype.folder_type == mtype.id else 2)
    if last_index(parts[:-1], mtype.directory_name) != allowed:
        return None
    name, dot, suffix = parts[-1].rpartition(".")
    return (name, suffix) if dot and name and suffix == mtype.suffix else None


def existing(tree: Tree, paths: list[str]) -> list[str]:
    """The paths that exist in `tree`."""
    return [p for p in paths if tree.has(p)]
