"""One handler per kind of metadata layout (the registry's `adapter`), behind `Kind`.

A handler names the component a path belongs to and lists the files that make the
component up in a given commit (to decide whether it still exists, and what to copy).
"""

from __future__ import annotations

from sfsync.metadata.kinds.bundle import BundleKind
from sfsync.metadata.kinds.decomposed import DecomposedKind
from sfsync.metadata.kinds.digital_experience import DigitalExperienceKind
from sfsync.metadata.kinds.matching import DefaultKind, MatchingContentKind
from sfsync.metadata.kinds.mixed import MixedContentKind

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from sfsync.metadata.kinds.protocol import Kind

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
