"""Bundles: every file below `<type dir>/<name>/` is one component (lwc, aura, ...)."""

from __future__ import annotations

from sfsync.metadata.kinds.base import make
from sfsync.metadata.paths import last_index

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from sfsync.metadata.component import Resolved
    from sfsync.metadata.kinds.protocol import Context
    from sfsync.metadata.registry import MetadataType
    from sfsync.metadata.tree import Tree


class BundleKind:
    """A component folder: its name is the folder's name; any file in it changes it."""

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
        # the file must be inside the bundle folder, not next to it
        if index < 0 or len(parts) <= index + depth:
            return None
        name = "/".join(parts[index + 1 : index + depth])
        root = "/".join(parts[: index + depth])
        return make(resolver, mtype, name, path, package_dir, root=root)

    def files(self, resolver: Context, resolved: Resolved, tree: Tree) -> list[str]:
        assert resolved.root is not None
        return [p for p in tree.under(resolved.root) if not resolver.is_ignored(p)]

    def exists(self, resolver: Context, resolved: Resolved, tree: Tree) -> bool:
        return bool(self.files(resolver, resolved, tree))
