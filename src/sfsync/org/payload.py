"""What a deploy step sends: the `Payload`, built from a delta, and the manifests it deploys.

A `Payload` names the components to deploy and delete, reads their versions at `from` and
`to` (for the in-org check, `sfsync.org.inorg`) and writes a deployable project. `from_delta`
builds one for a git delta; a component left out (excluded, or skipped as work only in the
org) is dropped from the written files, down to its elements inside a parent file.
`sfsync.workflows.rollback` builds its own `Payload` from a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sfsync.metadata.component import Component
from sfsync.metadata.delta import Delta
from sfsync.metadata.manifest import render
from sfsync.metadata.resolver import Resolver
from sfsync.metadata.writer import write_delta
from sfsync.metadata.xmlsafe import child_text, local, parse, serialize
from sfsync.org.versions import Version, versions_at


@dataclass(frozen=True)
class Payload:
    """What a step sends: components, and how to read versions and write the files.

    `expected` gives the versions sfsync believes the org holds (git at `from`), `target`
    the versions it is about to deploy; `write(out, removed)` writes a deployable project
    into `out` without the `removed` components.
    """

    deploy: list[Component]
    delete: list[Component]
    api_version: str
    from_sha: str | None
    to_sha: str | None
    expected: Callable[[Collection[Component]], dict[Component, Version]]
    target: Callable[[Collection[Component]], dict[Component, Version]]
    write: Callable[[Path, set[Component]], None]
    extra_types: Sequence[Mapping[str, Any]] = ()
    warnings: list[str] = field(default_factory=list)


def from_delta(repo: Path, delta: Delta) -> Payload:
    """The payload of a git delta: versions read at its two commits, files from the delta."""
    project = delta.project

    def expected(wanted: Collection[Component]) -> dict[Component, Version]:
        return versions_at(repo, delta.from_sha, project, wanted, delta.prefix)

    def target(wanted: Collection[Component]) -> dict[Component, Version]:
        return versions_at(repo, delta.to_sha, project, wanted, delta.prefix)

    def write(out: Path, removed: set[Component]) -> None:
        write_delta(_without(delta, removed), out, generate_source=True)

    return Payload(
        deploy=delta.components,
        delete=delta.destructive_components,
        api_version=delta.api_version,
        from_sha=delta.from_sha,
        to_sha=delta.to_sha,
        expected=expected,
        target=target,
        write=write,
        extra_types=project.extra_types,
        warnings=list(delta.warnings),
    )


def by_type(components: Sequence[Component]) -> dict[str, list[str]]:
    """`{type: [full name, ...]}`, as a manifest lists them."""
    types: dict[str, list[str]] = {}
    for component in components:
        types.setdefault(component.type, []).append(component.full_name)
    return types


def write_manifests(
    out: Path, deploy: Sequence[Component], delete: Sequence[Component], api_version: str
) -> None:
    """The manifests of a payload folder: `package/` and the (post) destructive changes."""
    for rel, types in (
        ("package/package.xml", by_type(deploy)),
        ("destructiveChanges/destructiveChanges.xml", by_type(delete)),
        ("destructiveChanges/package.xml", {}),
    ):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(render(types, api_version))


def _without(delta: Delta, removed: set[Component]) -> Delta:
    """The delta without `removed` components (their files and in-file elements dropped)."""
    if not removed:
        return delta
    resolver = Resolver(delta.project)
    registry = resolver.registry
    names = {str(c) for c in removed}
    package = {
        t: [m for m in members if f"{t}:{m}" not in names] for t, members in delta.package.items()
    }
    destructive = {
        t: [m for m in members if f"{t}:{m}" not in names]
        for t, members in delta.destructive.items()
    }
    files = []
    contents = dict(delta.contents)
    for path in delta.files:
        resolved = resolver.resolve(path)
        if resolved is not None and resolved.component in removed:
            continue
        if resolved is not None and resolved.mtype.in_file_children and path in contents:
            contents[path] = _drop_elements(registry, resolved.mtype, contents[path], path, names)
        files.append(path)
    return replace(
        delta,
        package={t: m for t, m in package.items() if m},
        destructive={t: m for t, m in destructive.items() if m},
        files=files,
        contents=contents,
    )


def _drop_elements(registry: Any, mtype: Any, data: bytes, where: str, names: set[str]) -> bytes:
    root = parse(data, where)
    children = {}
    for child_id in mtype.children:
        child = registry.types.get(child_id)
        if child is not None and child.xml_element_name:
            children[child.xml_element_name] = child
    parent = Path(where).name.split(".", 1)[0]
    for element in list(root):
        child = children.get(local(element.tag))
        if child is None:
            continue
        key = child_text(element, child.unique_id_element or "fullName") or ""
        member = key if child.ignore_parent_name else f"{parent}.{key}"
        if f"{child.name}:{member}" in names:
            root.remove(element)
    return serialize(root)
