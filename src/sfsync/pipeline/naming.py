"""Path -> `Type:FullName` for the behind report, through the metadata registry.

The resolver (and its registry) is built on first use, so a check that finds nothing behind
never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from typing import Any

    from sfsync.metadata import Resolver


class Namer:
    """Names the component a project file belongs to; a path outside any component keeps
    its own name (a file `.forceignore` hides, or one no metadata type claims)."""

    def __init__(self, root: Path | str, extra_types: Sequence[Mapping[str, Any]] = ()) -> None:
        self._root = Path(root)
        self._extra_types = list(extra_types)
        self._resolver: Resolver | None = None

    def __call__(self, path: str) -> str:
        if self._resolver is None:
            from sfsync.metadata import Project, Resolver

            project = Project.load(self._root, extra_types=self._extra_types)
            self._resolver = Resolver(project)
        component = self._resolver.component(path)
        return str(component) if component is not None else path

    def names(self, paths: Iterable[str]) -> set[str]:
        """`Type:FullName` of each path."""
        return {self(path) for path in paths}
