"""Path -> `Type:FullName` for the behind report, through the metadata registry.

A file that is not part of a component (one `.forceignore` hides, such as
`lwc/x/__tests__/x.test.js`, or one no metadata type claims) has no name: the deploy does
not send it, so it is not behind either.

Names are remembered in `<git common dir>/sfsync/behind-names.json`, keyed by everything a
name depends on: the sfsync version, the shipped registry, `sfdx-project.json` (package
directories, decomposition presets), `.forceignore` and the extra types of `sfsync.yml`.
The resolver (and its registry) is built only for paths not named before, so a warm hook
never pays for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from sfsync import __version__
from sfsync.pipeline import cachefile

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from typing import Any

    from sfsync.metadata import Resolver

FILE = "behind-names.json"
MAX_NAMES = 200_000  # beyond this, the names cached first are forgotten first


class Namer:
    """Names the component a project file belongs to (None: not part of a component)."""

    def __init__(
        self,
        root: Path | str,
        extra_types: Sequence[Mapping[str, Any]] = (),
        cache_dir: Path | None = None,
    ) -> None:
        self._root = Path(root)
        self._extra_types = list(extra_types)
        self._file = cache_dir / FILE if cache_dir is not None else None
        self._resolver: Resolver | None = None
        self._key = ""
        self._names: dict[str, Any] | None = None
        self._added = False

    def __call__(self, path: str) -> str | None:
        names = self._cached()
        if path in names:
            name = names[path]
            if name is None or isinstance(name, str):
                return name
        if self._resolver is None:
            from sfsync.metadata import Project, Resolver

            project = Project.load(self._root, extra_types=self._extra_types)
            self._resolver = Resolver(project)
        component = self._resolver.component(path)
        found = str(component) if component is not None else None
        names[path] = found
        self._added = True
        return found

    def names(self, paths: Iterable[str]) -> set[str]:
        """`Type:FullName` of the components `paths` belong to."""
        return {name for name in map(self, paths) if name is not None}

    def save(self) -> None:
        """Write the names resolved by this run (merged with what other runs wrote)."""
        if not self._added or self._file is None:
            return
        merged = cachefile.read(self._file, self._key)
        merged.update(self._cached())
        if len(merged) > MAX_NAMES:
            merged = dict(list(merged.items())[-MAX_NAMES:])
        cachefile.write(self._file, self._key, merged)
        self._added = False

    def _cached(self) -> dict[str, Any]:
        if self._names is None:
            self._names = {}
            if self._file is not None:
                self._key = self._cache_key()
                self._names = cachefile.read(self._file, self._key)
        return self._names

    def _cache_key(self) -> str:
        from sfsync.metadata import FORCEIGNORE_FILE, PROJECT_FILE, REGISTRY_FILE

        def read(path: Path) -> bytes:
            try:
                return b"1" + path.read_bytes()
            except OSError:
                return b"0"  # absent (or unreadable: then the resolver reports it)

        return cachefile.key_of(
            __version__,
            read(REGISTRY_FILE),
            read(self._root / PROJECT_FILE),
            read(self._root / FORCEIGNORE_FILE),
            json.dumps(self._extra_types, sort_keys=True, default=str),
        )
