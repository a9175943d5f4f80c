"""The file list of one commit, indexed for the lookups the delta needs (no contents)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable


class Tree:
    """Sorted project-relative file paths with folder and prefix queries."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = sorted(set(paths))
        self._set = frozenset(self.paths)

    def has(self, path: str) -> bool:
        """True when the file exists."""
        return path in self._set

    def under(self, folder: str) -> list[str]:
        """Every file below `folder`, at any depth."""
        start = folder + "/"
        end = folder + "0"  # '0' sorts right after '/'
        lo = bisect.bisect_left(self.paths, start)
        hi = bisect.bisect_left(self.paths, end, lo)
        return self.paths[lo:hi]

    def starting_with(self, prefix: str) -> list[str]:
        """Every path starting with `prefix` (a folder and file-name start)."""
        lo = bisect.bisect_left(self.paths, prefix)
        hi = lo
        while hi < len(self.paths) and self.paths[hi].startswith(prefix):
            hi += 1
        return self.paths[lo:hi]
