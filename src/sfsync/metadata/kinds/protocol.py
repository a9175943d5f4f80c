"""The interface every kind handler implements (imported for type checking only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sfsync.metadata.component import Resolved
    from sfsync.metadata.registry import MetadataType
    from sfsync.metadata.resolver import Resolver
    from sfsync.metadata.tree import Tree


class Kind(Protocol):
    """How one layout of source files maps to components."""

    def resolve(
        self, resolver: Resolver, mtype: MetadataType, path: str, parts: list[str], package_dir: str
    ) -> Resolved | None:
        """The component `path` belongs to, or None when the path names none."""
        ...

    def files(self, resolver: Resolver, resolved: Resolved, tree: Tree) -> list[str]:
        """The files of the component in `tree` that a deployment needs."""
        ...

    def exists(self, resolver: Resolver, resolved: Resolved, tree: Tree) -> bool:
        """True when the component still has any file in `tree`."""
        ...
