"""Single-file types (`Name.suffix-meta.xml`) and content + `-meta.xml` pairs (`Foo.cls`)."""

from __future__ import annotations

from sfsync.metadata.kinds.base import (
    calculate_name,
    content_metadata,
    existing,
    make,
    root_metadata,
)
from sfsync.metadata.paths import META_XML, parse_metadata_xml

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from sfsync.metadata.component import Resolved
    from sfsync.metadata.kinds.protocol import Context
    from sfsync.metadata.registry import MetadataType
    from sfsync.metadata.tree import Tree


class DefaultKind:
    """The whole component is one `-meta.xml` file (or a folder's `Name-meta.xml`)."""

    def resolve(
        self,
        resolver: Context,
        mtype: MetadataType,
        path: str,
        parts: list[str],
        package_dir: str,
    ) -> Resolved | None:
        root = (
            root_metadata(mtype, parts)
            or parse_metadata_xml(parts[-1])
            or content_metadata(mtype, parts)
        )
        if root is None:
            return None
        name = calculate_name(resolver.registry, mtype, parts, root[0])
        return make(resolver, mtype, name, path, package_dir) if name else None

    def files(self, resolver: Context, resolved: Resolved, tree: Tree) -> list[str]:
        # `Name.suffix-meta.xml`, or `Name.suffix` standing alone (`wave/MyApp.wapp`)
        path = resolved.path
        other = path[: -len(META_XML)] if path.endswith(META_XML) else path + META_XML
        return existing(tree, [path, other])

    def exists(self, resolver: Context, resolved: Resolved, tree: Tree) -> bool:
        return bool(self.files(resolver, resolved, tree))


class MatchingContentKind:
    """A content file and its `-meta.xml` partner: `Foo.cls` + `Foo.cls-meta.xml`."""

    def resolve(
        self,
        resolver: Context,
        mtype: MetadataType,
        path: str,
        parts: list[str],
        package_dir: str,
    ) -> Resolved | None:
        meta = path if path.endswith(META_XML) else path + META_XML
        meta_parts = meta.split("/")
        parsed = parse_metadata_xml(meta_parts[-1])
        if parsed is None:
            return None
        name = calculate_name(resolver.registry, mtype, meta_parts, parsed[0])
        return make(resolver, mtype, name, meta, package_dir) if name else None

    def files(self, resolver: Context, resolved: Resolved, tree: Tree) -> list[str]:
        meta = resolved.path
        return existing(tree, [meta[: -len(META_XML)], meta])

    def exists(self, resolver: Context, resolved: Resolved, tree: Tree) -> bool:
        return bool(self.files(resolver, resolved, tree))
