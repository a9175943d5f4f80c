"""Mixed content: a `-meta.xml` next to a content file or folder of the same base name.

Static resources (`foo.resource` or `foo/...` with `foo.resource-meta.xml`), documents in
folders, Experience bundles (`experiences/site1/...` with `experiences/site1.site-meta.xml`).
"""

from __future__ import annotations

from sfsync.metadata.kinds.base import calculate_name, make, root_metadata
from sfsync.metadata.paths import base_name, last_index

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from sfsync.metadata.component import Resolved
    from sfsync.metadata.kinds.protocol import Context
    from sfsync.metadata.registry import MetadataType
    from sfsync.metadata.tree import Tree


class MixedContentKind:
    """Name = the content's base name (folders kept for in-folder types)."""

    def resolve(
        self,
        resolver: Context,
        mtype: MetadataType,
        path: str,
        parts: list[str],
        package_dir: str,
    ) -> Resolved | None:
        index = last_index(parts, mtype.directory_name)
        depth = 3 if mtype.in_folder else 2
        if index < 0 or len(parts) < index + depth:
            return None
        content_parts = parts[: index + depth]
        root = root_metadata(mtype, parts) if len(parts) == index + depth else None
        stem = root[0] if root else base_name(content_parts[-1])
        name = calculate_name(resolver.registry, mtype, [*content_parts[:-1], stem], stem)
        if not name:
            return None
        # the folder that holds the component's files: its content folder and meta siblings
        holder = "/".join(content_parts[:-1])
        return make(resolver, mtype, name, path, package_dir, root=f"{holder}/{stem}")

    def files(self, resolver: Context, resolved: Resolved, tree: Tree) -> list[str]:
        assert resolved.root is not None
        stem = resolved.root
        found = [p for p in tree.starting_with(stem + ".") if "/" not in p[len(stem) :]]
        found += tree.under(stem)
        return [p for p in found if not resolver.is_ignored(p)]

    def exists(self, resolver: Context, resolved: Resolved, tree: Tree) -> bool:
        return bool(self.files(resolver, resolved, tree))
