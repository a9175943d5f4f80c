"""The sfdx-git-delta options that choose which changed paths count, with the same meaning.

- `--ignore-file`: gitignore-style patterns; a matching added or modified path is left out
  (and a deleted one too, unless `--ignore-destructive-file` is given);
- `--ignore-destructive-file`: patterns for deleted paths only;
- `--include-file`: every file of `--to` matching is treated as added, unchanged or not
  (in-file containers: all their elements);
- `--include-destructive-file`: every file of `--to` matching is treated as deleted;
- `--ignore-whitespace`: a file whose change is only whitespace (spaces, tabs, line ends,
  blank lines; `git diff --ignore-all-space --ignore-blank-lines --ignore-cr-at-eol`) is
  not a change.

Patterns match paths relative to the repository root, ignoring case, as sfdx-git-delta's
`ignore` library does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.metadata.forceignore import ForceIgnore

_WHITESPACE = re.compile(rb"\s+")


@dataclass(frozen=True)
class PathFilters:
    """Which changed paths count (see the module doc); the default keeps every path."""

    ignore: ForceIgnore | None = None
    ignore_destructive: ForceIgnore | None = None
    include: ForceIgnore | None = None
    include_destructive: ForceIgnore | None = None
    ignore_whitespace: bool = False

    def skips(self, repo_path: str, status: str) -> bool:
        """True when the change of `repo_path` (status A, M or D) is left out."""
        rules = self.ignore
        if status == "D" and self.ignore_destructive is not None:
            rules = self.ignore_destructive
        return rules is not None and rules.denies(repo_path)

    def included(self, repo_path: str) -> bool:
        """True when `--include-file` treats the file as added."""
        return self.include is not None and self.include.denies(repo_path)

    def included_destructive(self, repo_path: str) -> bool:
        """True when `--include-destructive-file` treats the file as deleted."""
        return self.include_destructive is not None and self.include_destructive.denies(repo_path)

    @property
    def includes(self) -> bool:
        """True when an include file was given (every file of `--to` is looked at)."""
        return self.include is not None or self.include_destructive is not None


def same_but_whitespace(old: bytes, new: bytes) -> bool:
    """True when the two contents differ only in whitespace."""
    return _WHITESPACE.sub(b"", old) == _WHITESPACE.sub(b"", new)


def load_patterns(path: Path, option: str) -> ForceIgnore:
    """Read a gitignore-style pattern file given to `option` (one clear error when unusable)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{option} {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{option} {path}: is a folder; give a file of patterns") from None
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot be read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(
            f"{option} {path}: not a text file (not UTF-8); give a file of gitignore-style "
            "patterns, one a line"
        ) from None
    if "\0" in text:
        raise UsageError(
            f"{option} {path}: not a text file (it holds NUL bytes); give a file of "
            "gitignore-style patterns, one a line"
        )
    return ForceIgnore(text, defaults=False)
