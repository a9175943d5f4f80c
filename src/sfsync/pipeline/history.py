"""What each upstream commit changed in the package directories, remembered across runs.

Counting what is behind needs, for every first-parent commit between a sync point and the
upstream tip, the files it changed against its first parent. Git answers with a tree diff per
commit: about 5 ms with 20,000 files in one folder, 10 s for 2,000 deployments. A commit never
changes, so each answer (first parent, author, date, subject, and every changed file with its
blob before and after) is kept by sha in `<git common dir>/sfsync/behind-commits.json`, and
a run diffs only the commits it has not seen: after a fetch of N upstream commits, N diffs, in
one `git diff-tree --stdin` process.

The file's key covers the sfsync version, this format and the package directories (answers
are limited to them). A rewritten branch has new shas, so it is never served an old answer.
Cached first parents also walk the chain from the upstream tip down to a sync point without
asking git.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from sfsync import __version__
from sfsync.git import repo as gitrepo
from sfsync.git import walk
from sfsync.pipeline import cachefile

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from typing import Any, TypeGuard

FILE = "behind-commits.json"
FORMAT = "1"
MAX_COMMITS = 50_000  # beyond this, the commits cached first are forgotten first


class History:
    """The commits of one repository's package directories, from the cache or from git.

    What a commit changed is a list of `[path, blob before, blob after]` ("" when absent),
    kept as read from the cache: a year of deployments is thousands of entries, and the hook
    reads them on every commit.
    """

    def __init__(
        self, repo: Path | str, package_dirs: Sequence[str], cache_dir: Path | None
    ) -> None:
        self._repo = repo
        self._package_dirs = list(package_dirs)
        self._file = cache_dir / FILE if cache_dir is not None else None
        self._key = cachefile.key_of(__version__, FORMAT, *self._package_dirs)
        self._entries: dict[str, Any] | None = None
        self._added = False
        self._checked: set[str] = set()  # entries `walk` found whole
        self.diffed: list[str] = []
        """The shas this run asked git about (a warm run asks about none)."""

    def _cached(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = cachefile.read(self._file, self._key) if self._file else {}
        return self._entries

    def walk(self, tip: str, stop: str) -> list[tuple[str, str | None]] | None:
        """The first-parent chain from `tip` down to `stop` (excluded), newest first, as
        (sha, first parent) pairs, from the cache alone; None when a commit on the way was
        never cached or `stop` is not on the chain."""
        chain, depths = self.chain_to(tip, (stop,))
        return chain[: depths[stop]] if stop in depths else None

    def chain_to(
        self, tip: str, stops: Iterable[str]
    ) -> tuple[list[tuple[str, str | None]], dict[str, int]]:
        """Walk the cached first-parent chain from `tip` until every one of `stops` is met
        (or the cache or the history ends): the (sha, first parent) pairs walked, newest
        first, and for each stop met, how many commits lie above it (one walk serves every
        sandbox of an upstream)."""
        entries = self._cached()
        wanted = set(stops)
        chain: list[tuple[str, str | None]] = []
        depths: dict[str, int] = {}
        sha: str | None = tip
        while sha is not None:
            if sha in wanted:
                depths[sha] = len(chain)
                if len(depths) == len(wanted):
                    break
            raw = entries.get(sha)
            if not _valid(raw):
                break
            parent = raw[0] or None
            chain.append((sha, parent))
            sha = parent
        self._checked.update(sha for sha, _ in chain)
        return chain, depths

    def walk_down(
        self, tip: str, stops: Iterable[str]
    ) -> tuple[list[tuple[str, str | None]], dict[str, int]]:
        """`chain_to`, asking git for the stretches the cache does not know: a `rev-list`
        that stops at the first commit the cache knows, or above the next stop. After a fetch
        of N upstream commits, N lines of git, then the cache again. The chain ends at the
        deepest stop met; a stop that is not on the chain is not looked for past the commits
        it shares with `tip`."""
        wanted = set(stops)
        chain: list[tuple[str, str | None]] = []
        depths: dict[str, int] = {}
        sha: str | None = tip
        for _ in range(2 * len(wanted) + 8):  # each round passes a stop or a stretch
            assert sha is not None
            more, found = self.chain_to(sha, wanted - depths.keys())
            depths.update({stop: depth + len(chain) for stop, depth in found.items()})
            chain += more
            left = wanted - depths.keys()
            resume = chain[-1][1] if chain else sha  # the first commit the cache lacks
            if not left or resume is None:
                break
            fresh, sha = walk.first_parent_until(self._repo, resume, self.known, sorted(left))
            chain += fresh
            if sha is None:  # git stopped above a stop (excluded, so not listed), or for good
                end = chain[-1][1] if chain else None
                if end is None or end not in left:
                    break
                sha = end
        return chain[: max(depths.values(), default=0)], depths

    def known(self, sha: str) -> bool:
        """True when the commit is cached (or was diffed by this run)."""
        return _valid(self._cached().get(sha))

    def load(
        self, chain: Iterable[tuple[str, str | None]], also: Sequence[tuple[str, str]] = ()
    ) -> dict[tuple[str, str], list[gitrepo.RawChange]]:
        """Make sure every commit of `chain` ((sha, first parent) pairs) is known: the ones
        not cached are diffed against their first parent, all in one git process.

        When git has to run, it also compares each (new, old) pair of `also` (HEAD with a
        sync point, say): their changes are returned, else {} (nothing ran).
        """
        entries, checked = self._cached(), self._checked
        missing = [
            (sha, parent)
            for sha, parent in chain
            if sha not in checked and not _valid(entries.get(sha))
        ]
        if not missing:
            return {}
        extra = [pair for pair in dict.fromkeys(also) if pair not in missing]
        answers = walk.diff_tree_many(self._repo, [*missing, *extra], self._package_dirs)
        for (sha, parent), answer in zip(missing, answers, strict=False):
            changes = [
                [c.path, blob_id(c.old_mode, c.old_sha), blob_id(c.new_mode, c.new_sha)]
                for c in answer.changes
            ]
            entries[sha] = [parent or "", answer.author, answer.date, answer.subject, changes]
        self._added = True
        self.diffed.extend(sha for sha, _ in missing)
        return {
            pair: list(answer.changes)
            for pair, answer in zip(extra, answers[len(missing) :], strict=True)
        }

    def changes(self, sha: str) -> list[list[str]]:
        """`[path, blob before, blob after]` of each file the (loaded) commit changed."""
        changes: list[list[str]] = self._cached()[sha][4]
        return changes

    def info(self, sha: str) -> tuple[str, str, str]:
        """The (loaded) commit's author, date and subject."""
        _, author, date, subject, _ = self._cached()[sha]
        return author, date, subject

    def composed_diff(self, shas: Iterable[str]) -> dict[str, str]:
        """The files whose content differs between the first commit's parent and the last
        commit, each with its blob in the last commit ("" when absent), for consecutive
        first-parent commits given oldest first: a tree diff's answer from the commits' own
        changes."""
        entries = self._cached()
        before: dict[str, str] = {}
        after: dict[str, str] = {}
        for sha in shas:
            for path, old, new in entries[sha][4]:
                if path not in before:
                    before[path] = old
                after[path] = new
        return {path: blob for path, blob in after.items() if before[path] != blob}

    def save(self) -> None:
        """Write what this run learned (merged with what other runs wrote meanwhile)."""
        if not self._added or self._file is None:
            return
        merged = cachefile.read(self._file, self._key)
        merged.update(self._cached())
        if len(merged) > MAX_COMMITS:
            merged = dict(list(merged.items())[-MAX_COMMITS:])
        cachefile.write(self._file, self._key, merged)
        self._added = False


def _valid(raw: object) -> TypeGuard[list[Any]]:
    """True for an entry as `load` writes it (the file's checksum vouches for the rest)."""
    return (
        isinstance(raw, list)
        and len(raw) == 5
        and isinstance(raw[0], str)
        and isinstance(raw[4], list)
    )


def blob_id(mode: str, sha: str) -> str:
    """A file's content and mode as one comparable string ("" when absent)."""
    if sha.strip("0") == "":
        return ""
    return sha if mode == "100644" else f"{mode}:{sha}"
