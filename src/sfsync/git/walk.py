"""First-parent walks and batched diffs: what "behind" reads from git.

Through `sfsync.git.repo` (the one place that starts git): a walk that stops git as soon as
it reaches a commit the caller knows, and many diffs in one `git diff-tree --stdin`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import CommandFailed
from sfsync.git import repo


def first_parent_chain(
    cwd: Path | str, tip: str, exclude: str | None
) -> list[tuple[str, str | None]]:
    """First-parent commits of `tip` not reachable from `exclude` (newest first), each with
    its first parent (None for a root commit). Reads no trees: cheap at any length."""
    args = ["rev-list", "--first-parent", "--parents", tip]
    if exclude:
        args.append(f"^{exclude}")
    chain: list[tuple[str, str | None]] = []
    for line in repo.out(cwd, *args).splitlines():
        shas = line.split()
        if shas:
            chain.append((shas[0], shas[1] if len(shas) > 1 else None))
    return chain


def first_parent_until(
    cwd: Path | str, tip: str, known: Callable[[str], bool], exclude: Sequence[str] = ()
) -> tuple[list[tuple[str, str | None]], str | None]:
    """First-parent commits from `tip` (newest first, with their first parents) down to the
    first one `known` accepts, which is returned apart (None when git stopped first: at the
    end of the history, or at what `exclude` reaches; a missing `exclude` is left out).

    git stops as soon as that commit is read: after a fetch of N commits, N lines.
    """
    chain: list[tuple[str, str | None]] = []
    met: list[str] = []

    def done(line: bytes) -> bool:
        shas = line.decode().split()
        if not shas:
            return False
        if known(shas[0]):
            met.append(shas[0])
            return True
        chain.append((shas[0], shas[1] if len(shas) > 1 else None))
        return False

    args = ["rev-list", "--first-parent", "--parents", "--ignore-missing", tip]
    repo.read_until(cwd, [*args, *(f"^{sha}" for sha in exclude)], done)
    return chain, met[0] if met else None


@dataclass(frozen=True)
class CommitDiff:
    """One answer of `diff_tree_many`: the commit's author, date, subject and its changes."""

    sha: str
    author: str
    date: str
    subject: str
    changes: tuple[repo.RawChange, ...]


def diff_tree_many(
    cwd: Path | str, pairs: Sequence[tuple[str, str | None]], paths: Sequence[str] = ()
) -> list[CommitDiff]:
    """What changed from each `old` to each `new` commit of `pairs` (`(new, old)`; old None:
    from the empty tree), in one `git diff-tree --stdin` process, in the order given.

    The commits need not be parent and child: any two commits compare. No renames, no blob
    reads; below `paths` when given.
    """
    if not pairs:
        return []
    lines = "".join(f"{new} {old}\n" if old else f"{new}\n" for new, old in pairs)
    args = [
        "diff-tree",
        "--stdin",
        "--always",  # one record per line, also when nothing changed
        "--root",  # a line without `old` compares with the empty tree
        "-r",
        "-z",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "--format=%x01%H%x00%an%x00%aI%x00%s",
    ]
    if paths:
        args += ["--", *paths]
    tokens = repo.run(cwd, *args, input=lines.encode()).stdout.split(b"\0")
    diffs: list[CommitDiff] = []
    head: list[bytes] = []
    changes: list[repo.RawChange] = []
    i = 0

    def close() -> None:
        if head:
            sha, author, date, subject = (f.decode("utf-8", errors="replace") for f in head)
            diffs.append(CommitDiff(sha, author, date, subject, tuple(changes)))

    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        if token.startswith(b"\x01"):  # a header: sha, author, date, subject
            close()
            head = [token[1:], *tokens[i + 1 : i + 4]]
            changes = []
            i += 4
        elif token.startswith(b":") and i + 1 < len(tokens):  # `:modes shas status`, path
            old_mode, new_mode, old_sha, new_sha, status = token[1:].decode().split(" ")
            path = tokens[i + 1].decode("utf-8", errors="surrogateescape")
            changes.append(repo.RawChange(status[0], path, old_sha, new_sha, old_mode, new_mode))
            i += 2
        else:
            i += 1
    close()
    if len(diffs) != len(pairs):
        raise CommandFailed(("git", *args), 0, f"{len(diffs)} answers to {len(pairs)}", "")
    return diffs
