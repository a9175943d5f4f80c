"""A chain of commits and some files of each, read in one git process.

`sfsync.git.state.log` reads an env's event chain (`refs/sfsync/envs/<env>`: each commit
with its `event.json` and `state.json`) through this, however long the chain: one
`git cat-file --batch` process (`repo.CatFile`), never one per event.

    for sha, blobs in chain.read(repo, "refs/sfsync/envs/int", ("event.json",)):
        ...   # newest first; blobs[i]: the bytes of files[i] in that commit, or None

The order is `git rev-list --date-order`'s: no commit before the commits on top of it,
otherwise newest first. A straight chain is read a stretch at a time: one question asks
for the files of the commits in hand and for the next `AHEAD` commits (`<sha>~1`,
`<sha>~2`, ...). From the first merge (two histories of one env joined) down, the graph is
read whole and then ordered.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from pathlib import Path

from sfsync.git import repo as gitrepo

AHEAD = 16
"""Commits of a straight chain asked for at once (git walks 1 + 2 + ... + 16 parents)."""

Blobs = list[bytes | None]
Keep = Callable[[bytes | None], bool]


def read(
    repo: Path | str,
    ref: str,
    files: Sequence[str],
    limit: int | None = None,
    keep: Keep | None = None,
) -> list[tuple[str, Blobs]]:
    """(commit, its `files`' contents) from `ref` down, newest first, at most `limit`.

    `keep(first file's bytes)`: False leaves that commit out (it does not count for `limit`).
    """
    with gitrepo.CatFile(repo) as cat:
        head = cat.get(ref)
        if head is None or head.type != "commit":
            return []
        return _Walk(cat, tuple(files), limit, keep).run(head)


def mentions(raw: bytes, text: str) -> bool:
    """Whether a JSON document holds `text` (any case) in one of its strings. Text that JSON
    escapes, or that is not ASCII, cannot be looked for in the raw bytes: then True."""
    needle = text.casefold()
    if not needle.isascii() or any(c in needle for c in '"\\') or not needle.isprintable():
        return True
    return needle.encode("ascii") in raw.lower()


class _Walk:
    def __init__(
        self, cat: gitrepo.CatFile, files: tuple[str, ...], limit: int | None, keep: Keep | None
    ) -> None:
        self.cat = cat
        self.files = files
        self.limit = limit
        self.keep = keep
        self.out: list[tuple[str, Blobs]] = []

    def full(self) -> bool:
        return self.limit is not None and len(self.out) >= self.limit

    def add(self, sha: str, found: Sequence[gitrepo.GitObject | None]) -> None:
        blobs: Blobs = [f.data if f is not None else None for f in found]
        if not self.full() and (self.keep is None or self.keep(blobs[0])):
            self.out.append((sha, blobs))

    def names(self, sha: str) -> list[str]:
        return [f"{sha}:{name}" for name in self.files]

    def run(self, head: gitrepo.GitObject) -> list[tuple[str, Blobs]]:
        width = len(self.files)
        stretch: list[gitrepo.GitObject] = [head]
        while stretch and not self.full():
            if self.limit is not None and self.keep is None:
                stretch = stretch[: self.limit - len(self.out)]
            merge = None
            for index, commit in enumerate(stretch):
                if len(_header(commit.data)[0]) > 1:
                    stretch, merge = stretch[:index], commit
                    break
            names = [name for commit in stretch for name in self.names(commit.sha)]
            ahead = bool(stretch) and merge is None and len(_header(stretch[-1].data)[0]) == 1
            if ahead:
                names += [f"{stretch[-1].sha}~{n}" for n in range(1, AHEAD + 1)]
            found = self.cat.get_many(names)
            for index, commit in enumerate(stretch):
                self.add(commit.sha, found[width * index : width * (index + 1)])
            if merge is not None:
                self.ordered(merge)
                break
            following = found[width * len(stretch) :] if ahead else []
            stretch = []
            for parent in following:
                if parent is None:
                    break  # past the first commit, or a shallow clone's boundary
                stretch.append(parent)
        return self.out

    def ordered(self, top: gitrepo.GitObject) -> None:
        """Every commit below `top` (a merge), children before parents, newest first."""
        info: dict[str, tuple[list[str], int]] = {}  # sha -> (parents, committer time)
        waiting: dict[str, int] = {}  # sha -> children not taken yet
        todo = [top]
        queued = {top.sha}
        while todo:
            current = todo.pop()
            parents, when = _header(current.data)
            info[current.sha] = (parents, when)
            for parent in parents:
                waiting[parent] = waiting.get(parent, 0) + 1
                if parent in queued:
                    continue
                queued.add(parent)
                got = self.cat.get(parent)
                if got is not None:
                    todo.append(got)
        # git's topological sort by date: a commit is ready once all its children are taken;
        # the newest ready one goes first, and of equally new ones the one ready first
        ready = [(-info[top.sha][1], 0, top.sha)]
        added = 1
        while ready and not self.full():
            _, _, sha = heapq.heappop(ready)
            self.add(sha, self.cat.get_many(self.names(sha)))
            for parent in info[sha][0]:
                if parent not in info:
                    continue
                waiting[parent] -= 1
                if waiting[parent] == 0:
                    heapq.heappush(ready, (-info[parent][1], added, parent))
                    added += 1


def _header(data: bytes) -> tuple[list[str], int]:
    """(parents, committer time) of a commit object."""
    parents: list[str] = []
    when = 0
    for line in data.split(b"\n"):
        if not line:
            break
        if line.startswith(b"parent "):
            parents.append(line[7:].decode("ascii"))
        elif line.startswith(b"committer "):
            parts = line.rsplit(b" ", 2)
            when = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0
    return parents, when
