"""One handler per kind of metadata layout (the registry's `adapter`), behind `Kind`.

A handler names the component a path belongs to and lists the files that make the
component up in a given commit (to decide whether it still exists, and what to copy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sfsync.metadata.kinds.bundle import BundleKind
from sfsync.metadata.kinds.decomposed import DecomposedKind
from sfsync.metadata.kinds.digital_experience import DigitalExperienceKind
from sfsync.metadata.kinds.matching import DefaultKind, MatchingContentKind
from sfsync.metadata.kinds.mixed import MixedContentKind

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


HANDLERS: dict[str, Kind] = {
    "default": DefaultKind(),
    "matchingContentFile": MatchingContentKind(),
    "bundle": BundleKind(),
    "uiBundles": BundleKind(),
    "mixedContent": MixedContentKind(),
    "decomposed": DecomposedKind(),
    "partiallyDecomposed": DecomposedKind(),
    "digitalExperience": DigitalExperienceKind(),
}
