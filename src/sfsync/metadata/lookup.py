"""Find a component's files anywhere in a commit, ignoring case where Salesforce does.

A component can have files in more than one place (a CustomObject in two package
directories), and a deleted file can leave its component alive under another spelling
(`customerServices.cls` deleted, `CustomerServices.cls` kept). Both are found by name: the
commit's files are indexed by the lower-cased stem of their file name (built on first use,
only when a delta needs it), and the candidates are resolved to compare components.
"""

from __future__ import annotations

from collections.abc import Iterable

from sfsync.metadata.component import Component
from sfsync.metadata.resolver import Resolver
from sfsync.metadata.tree import Tree


def stem(path: str) -> str:
    """The lower-cased file name up to its first dot (`classes/Foo.cls-meta.xml` -> `foo`)."""
    return path.rpartition("/")[2].split(".", 1)[0].lower()


def folded(component: Component) -> tuple[str, str]:
    """A component's identity as Salesforce compares names: type and lower-cased name."""
    return component.type, component.full_name.casefold()


class TreeLookup:
    """The files of one commit, searchable by component (see the module doc)."""

    def __init__(self, resolver: Resolver, tree: Tree) -> None:
        self.resolver = resolver
        self.tree = tree
        self._by_stem: dict[str, list[str]] | None = None

    def _index(self) -> dict[str, list[str]]:
        if self._by_stem is None:
            index: dict[str, list[str]] = {}
            for path in self.tree.paths:
                index.setdefault(stem(path), []).append(path)
            self._by_stem = index
        return self._by_stem

    def files_of(self, component: Component, hints: Iterable[str]) -> dict[Component, list[str]]:
        """Components named like `component` (same type, any case), with their files.

        `hints` are paths the component had (its changed files): their stems say where to
        look.
        """
        wanted = folded(component)
        index = self._index()
        found: dict[Component, list[str]] = {}
        for key in {stem(p) for p in hints}:
            for path in index.get(key, ()):
                resolved = self.resolver.resolve(path)
                if resolved is not None and folded(resolved.component) == wanted:
                    found.setdefault(resolved.component, []).append(path)
        return found
