"""The deployments an environment is behind: one record each, and a lazy sequence of them.

On the hook's import path: imports stay light (no typing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook ~5 ms
if TYPE_CHECKING:
    from typing import Any, overload


@dataclass(frozen=True)
class Deployment:
    """One first-parent commit on the upstream branch that the env has not received."""

    sha: str
    subject: str
    author: str
    date: str
    components: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """`{sha, subject, author, date, components}`."""
        return {
            "sha": self.sha,
            "subject": self.subject,
            "author": self.author,
            "date": self.date,
            "components": list(self.components),
        }


class Deployments(Sequence[Deployment]):
    """The deployments behind, newest first, each built the first time it is looked at: the
    hook shows ten, and a sandbox a year behind has thousands."""

    def __init__(
        self,
        items: Iterable[Deployment | tuple[str, Iterable[tuple[str, str]]]] = (),
        info: Callable[[str], tuple[str, str, str]] | None = None,
    ) -> None:
        """`items`: deployments, or (sha, its (path, component name) pairs) that `info`
        (sha -> author, date, subject) completes on demand."""
        self._items = list(items)
        self._info = info

    def __len__(self) -> int:
        return len(self._items)

    if TYPE_CHECKING:

        @overload
        def __getitem__(self, index: int) -> Deployment: ...
        @overload
        def __getitem__(self, index: slice) -> Sequence[Deployment]: ...

    def __getitem__(self, index: int | slice) -> Deployment | Sequence[Deployment]:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self._items)))]
        return self._at(index)

    def __iter__(self) -> Iterator[Deployment]:
        return (self._at(i) for i in range(len(self._items)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # equal to a list, like a list

    def __repr__(self) -> str:
        return f"Deployments({list(self)!r})"

    def shas(self) -> list[str]:
        """The deployments' shas (nothing else is built)."""
        return [i.sha if isinstance(i, Deployment) else i[0] for i in self._items]

    def _at(self, index: int) -> Deployment:
        item = self._items[index]
        if isinstance(item, Deployment):
            return item
        assert self._info is not None  # given with every (sha, names) item
        sha, touched = item
        author, date, subject = self._info(sha)
        names = tuple(sorted({name for _, name in touched}))
        built = Deployment(sha, subject, author, date, names)
        self._items[index] = built
        return built
