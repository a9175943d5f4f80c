"""The interface every kind handler implements (imported for type checking only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sfsync.metadata.component import Resolved
    from sfsync.metadata.registry import MetadataType, Registry
    from sfsync.metadata.tree import Tree


class Context(Protocol):
    """What a handler may ask of the resolver that calls it (`sfsync.metadata.resolver`):
    the handlers never import the resolver, which imports them."""

    @property
    def registry(self) -> Registry:
        """The metadata types of the project."""
        ...

    def resolve(self, path: str) -> Resolved | None:
        """The component a path belongs to."""
        ...

    def is_ignored(self, path: str) -> bool:
        """True for a path .forceignore excludes."""
        ...


class Kind(Protocol):
    """How one layout of source files maps to components."""

    def resolve(
        self,
        resolver: Context,
        mtype: MetadataType,
        path: str,
        parts: list[str],
        package_dir: str,
    ) -> Resolved | None:
        """The component `path` belongs to, or None when the path names none."""
        ...

    def files(self, resolver: Context, resolved: Resolved, tree: Tree) -> list[str]:
        """The files of the component in `tree` that a deployment needs."""
        ...

    def exists(self, resolver: Context, resolved: Resolved, tree: Tree) -> bool:
        """True when the component still has any file in `tree`."""
        ...
