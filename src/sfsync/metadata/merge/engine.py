"""The element merge (being built): parse three versions, merge by key, write the result."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sfsync.metadata.merge import MergeResult


class Unmergeable(Exception):
    """The files cannot merge by element; the text says why (a line merge follows)."""


def merge_documents(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    path: str,
    *,
    marker_size: int,
    labels: tuple[str, str, str],
    diff3: bool,
) -> MergeResult:
    """Merge three versions of a metadata file by element."""
    raise Unmergeable("the element merge is not built yet")
