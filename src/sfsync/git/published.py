"""Whether a checkout can be installed from elsewhere: its HEAD on a remote, its tracked
files unchanged (for `sfsync ci init`, when sfsync runs from a local checkout).

    found = published.checkout(folder)   # Published(url, commit), or why not (a phrase)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import CommandFailed, UsageError
from sfsync.git import repo


@dataclass(frozen=True)
class Published:
    """A commit and the URL of a remote that holds it."""

    url: str
    commit: str
    subdirectory: str = ""
    """Where the folder is inside the repository ("" at its root)."""


def checkout(folder: Path) -> Published | str:
    """The remote URL and HEAD commit of the checkout at `folder`, or why there is none:
    "is not a git checkout", "has uncommitted changes", "has a commit on no remote"..."""
    if not folder.is_dir():
        return "is not a folder"
    top = repo.run(folder, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0:
        return "is not a git checkout"
    root = Path(top.stdout.decode("utf-8", errors="replace").strip())
    head = repo.rev_parse(folder, "HEAD")
    if head is None:
        return "has no commit"
    try:
        dirty = repo.out(folder, "status", "--porcelain", "--untracked-files=no")
        holders = repo.out(
            folder, "for-each-ref", "--format=%(refname)", "--contains", head, "refs/remotes"
        ).split()
    except (CommandFailed, UsageError):
        return "is not a git checkout git can read"
    if dirty.strip():
        return "has uncommitted changes"
    inside = folder.resolve().relative_to(root.resolve()).as_posix()
    for ref in holders:
        remote = ref.split("/")[2]
        url = repo.config_get(folder, f"remote.{remote}.url")
        if url:
            return Published(url, head, "" if inside == "." else inside)
    if not repo.config_regexp(folder, r"^remote\..*\.url$"):
        return "has no remote"
    return f"has a commit ({head[:12]}) that is on no remote (push it)"
