"""Component versions: a comparable value per component, from git or from retrieved files.

Two versions are equal when the component means the same: XML files are compared as
elements (whitespace between tags ignored), other files byte for byte, and an in-file child
(`CustomLabel:Greeting`) is compared as its own element of the container file. A component
absent from a source has no version (it is missing from the returned mapping). A file is the
wanted component's whatever the case or Unicode normalisation of its name (`Foo.cls` is
`ApexClass:foo`: one name in an org), so a case-only rename is compared with what the org
holds under the old spelling, and its snapshot knows the component was there.

    versions_in_files({path: bytes}, project, wanted) -> {Component: Version}
    versions_at(repo, commit, project, wanted, prefix="") -> {Component: Version}
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path, PurePosixPath

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata.component import Component, Resolved, name_key
from sfsync.metadata.project import Project
from sfsync.metadata.registry import MetadataType, Registry
from sfsync.metadata.resolver import Resolver
from sfsync.metadata.xmlsafe import Fingerprint, child_text, fingerprint, local, parse

Version = tuple[object, ...]


def parse_component(text: str) -> Component:
    """`Type:FullName` -> Component (UsageError when malformed)."""
    type_name, sep, member = text.partition(":")
    if not sep or not type_name or not member:
        raise UsageError(f"'{text}' is not a component: write Type:FullName (ApexClass:Foo)")
    return Component(type_name, member)


def versions_in_files(
    files: Mapping[str, bytes], project: Project, wanted: Collection[Component]
) -> dict[Component, Version]:
    """The versions of the `wanted` components found among `files` (project-relative paths)."""
    resolver = Resolver(project)
    registry = resolver.registry
    wanted_as = _by_name_key(wanted)
    in_file = _in_file_parents(registry, wanted)
    parts: dict[Component, list[tuple[str, object]]] = {}
    for path in sorted(files):
        resolved = resolver.resolve(path)
        if resolved is None:
            continue
        for component in wanted_as(resolved.component):
            parts.setdefault(component, []).append(
                (_key(path, resolved), _file_print(path, files[path]))
            )
        if resolved.mtype.name in in_file:
            for child, element in _children(registry, resolved, files[path], path):
                for component in wanted_as(child):
                    parts.setdefault(component, []).append(("", element))
    out: dict[Component, Version] = {}
    for component, items in parts.items():
        ordered: list[tuple[str, object]] = sorted(items, key=_first)
        out[component] = tuple(ordered)
    return out


def relevant_paths(
    paths: Collection[str], project: Project, wanted: Collection[Component]
) -> list[str]:
    """The paths among `paths` whose contents the versions of `wanted` depend on."""
    resolver = Resolver(project)
    wanted_as = _by_name_key(wanted)
    in_file = _in_file_parents(resolver.registry, wanted)
    keep = []
    for path in paths:
        resolved = resolver.resolve(path)
        if resolved is not None and (
            wanted_as(resolved.component) or resolved.mtype.name in in_file
        ):
            keep.append(path)
    return keep


def versions_at(
    repo: Path | str,
    commit: str,
    project: Project,
    wanted: Collection[Component],
    prefix: str = "",
) -> dict[Component, Version]:
    """The versions of the `wanted` components in `commit` (`prefix`: project folder)."""
    if not wanted:
        return {}
    base = f"{prefix}/" if prefix else ""
    roots = [f"{base}{d}".rstrip("/") for d in project.package_dirs if d or base]
    blobs = gitrepo.ls_tree_blobs(repo, commit, roots)
    by_path = {p[len(base) :]: sha for p, sha in blobs.items() if p.startswith(base)}
    keep = relevant_paths(list(by_path), project, wanted)
    contents = gitrepo.cat_file_batch(repo, [by_path[p] for p in keep])
    files = {p: data for p in keep if (data := contents.get(by_path[p])) is not None}
    return versions_in_files(files, project, wanted)


def files_under(root: Path) -> dict[str, bytes]:
    """Every regular file under `root` (a retrieved project): relative path -> bytes."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(root).as_posix()
            if not rel.startswith((".sf/", ".sfdx/")):
                out[rel] = path.read_bytes()
    return out


# --- internals -------------------------------------------------------------------------


def _first(item: tuple[str, object]) -> str:
    return item[0]


def _by_name_key(wanted: Collection[Component]) -> Callable[[Component], list[Component]]:
    """Which of `wanted` a component found in files is: the same type and the same name in an
    org (`name_key`: case and Unicode normalisation ignored)."""
    keyed: dict[tuple[str, str], list[Component]] = {}
    for component in sorted(set(wanted)):
        keyed.setdefault((component.type, name_key(component.full_name)), []).append(component)

    def find(found: Component) -> list[Component]:
        return keyed.get((found.type, name_key(found.full_name)), [])

    return find


def _in_file_parents(registry: Registry, wanted: Collection[Component]) -> set[str]:
    """Container type names (CustomLabels) whose children are among `wanted`."""
    names = set()
    for component in wanted:
        mtype = registry.by_name(component.type)
        parent = registry.parent_of(mtype) if mtype is not None else None
        if parent is not None and parent.in_file_children and mtype and mtype.xml_element_name:
            names.add(parent.name)
    return names


def _children(
    registry: Registry, resolved: Resolved, data: bytes, where: str
) -> list[tuple[Component, Fingerprint]]:
    """(child component, element fingerprint) for each child element of an in-file container."""
    types: dict[str, MetadataType] = {}
    for child_id in resolved.mtype.children:
        child = registry.types.get(child_id)
        if child is not None and child.xml_element_name:
            types[child.xml_element_name] = child
    try:
        root = parse(data, where)
    except UsageError:
        return []
    parent = resolved.component.full_name
    out = []
    for element in root:
        child = types.get(local(element.tag))
        if child is None:
            continue
        key = child_text(element, child.unique_id_element or "fullName")
        if not key:
            continue
        member = key if child.ignore_parent_name else f"{parent}.{key}"
        out.append((Component(child.name, member), fingerprint(element)))
    return out


def _key(path: str, resolved: Resolved) -> str:
    """The file's name inside its component, the same wherever the project keeps it."""
    if resolved.root is not None:
        root = PurePosixPath(resolved.root)
        try:
            return PurePosixPath(path).relative_to(root.parent).as_posix()
        except ValueError:
            pass
    return PurePosixPath(path).name


def _file_print(path: str, data: bytes) -> object:
    if path.endswith(".xml"):
        try:
            return fingerprint(parse(data, path))
        except UsageError:
            return data
    return data
