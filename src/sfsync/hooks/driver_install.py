"""`sfsync install-hooks --merge-driver`: git merges Salesforce metadata with `sfsync merge-driver`.

Two things make git use a merge driver (gitattributes(5)): a `merge=sfsync` attribute on the
files, and the driver's command in the config. The attribute lines go into the repository's
`.gitattributes` (committed: the whole team gets them) inside a delimited block; the command
goes into `.git/config` (`merge.sfsync.driver`, `merge.sfsync.name`). The command names
`sfsync` without a path, so upgrading sfsync or moving its virtualenv does not break it; when
git cannot find `sfsync` on PATH, the command falls back to git's own line merge instead of
leaving the file as ours alone.

`uninstall` removes exactly what `install` added: the block's markers and its
`PATTERN merge=sfsync` lines (a line the user wrote, inside the block or out of it, stays),
and the config values only while they are still the ones sfsync wrote.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import Refused, UsageError
from sfsync.git import repo as gitrepo
from sfsync.git.mergedriver import (
    DRIVER,
    DRIVER_COMMAND,
    EARLIER_COMMANDS,
    NAME,
    attribute_lines,
)

ATTRIBUTES = ".gitattributes"
BEGIN = "# >>> sfsync merge driver (sfsync install-hooks --merge-driver; --uninstall removes it)"
END = "# <<< sfsync merge driver"
CREATED_KEY = "sfsync.mergeDriverCreatedAttributes"
"""Set when install created `.gitattributes`: uninstall then removes the file once empty."""
_OUR_LINE = re.compile(rf"^\S+ merge={DRIVER}$")


@dataclass(frozen=True)
class DriverChange:
    """What install or uninstall changed (or found left alone)."""

    attributes: Path
    lines: tuple[str, ...]
    """The attribute lines written (install) or removed (uninstall)."""
    config: tuple[str, ...]
    """The config keys set (install) or removed (uninstall)."""
    kept: tuple[str, ...] = ()
    """What was left alone, and why (uninstall: lines and values sfsync did not write)."""
    removed_file: bool = False
    replaced: str | None = None
    """install --force: the `merge.sfsync.driver` sfsync did not write, now overwritten."""

    def to_json(self) -> dict[str, object]:
        """The `--json` record."""
        return {
            "attributes": str(self.attributes),
            "lines": list(self.lines),
            "config": list(self.config),
            "kept": list(self.kept),
            "removedFile": self.removed_file,
            "replaced": self.replaced,
        }


def supported_patterns() -> tuple[str, ...]:
    """The file patterns the driver merges by element."""
    from sfsync.metadata.merge import gitattributes_patterns

    return tuple(gitattributes_patterns())


def install(repo: Path | str, *, force: bool = False) -> DriverChange:
    """Write the block into `.gitattributes` and the driver into `.git/config`.

    Run again, it rewrites the block with the patterns of the installed sfsync. A
    `merge.sfsync.driver` sfsync did not write is refused (nothing changed) unless `force`.
    """
    root = gitrepo.toplevel(repo)
    current = gitrepo.config_get_local(root, f"merge.{DRIVER}.driver")
    replaced = current if current not in (None, DRIVER_COMMAND, *EARLIER_COMMANDS) else None
    if replaced is not None and not force:
        raise Refused(
            f"git config merge.{DRIVER}.driver is already set to {current!r}, not by sfsync; "
            "nothing was changed: rerun with --force to replace it"
        )
    lines = attribute_lines(supported_patterns())
    path = root / ATTRIBUTES
    if path.is_symlink():
        raise UsageError(
            f"{path} is a symbolic link: git ignores a symlinked .gitattributes (git 2.32 "
            "release notes) and sfsync writes no file outside the repository; nothing was "
            "changed: replace it with a regular file, then run again"
        )
    existed = path.exists()
    text = _read(path)
    rows, cr = _rows(text)
    block = _find_block(rows)
    ours = [row + cr for row in (BEGIN, *lines, END)]
    if block is None:
        rows += ours
    else:
        start, end = block
        foreign = [r for r in rows[start + 1 : end] if not _is_ours(r)]
        rows[start : end + 1] = [*ours, *foreign]
    _write(path, _join(rows, text))
    if not existed:
        gitrepo.config_set(root, CREATED_KEY, "true")
    gitrepo.config_set(root, f"merge.{DRIVER}.name", NAME)
    gitrepo.config_set(root, f"merge.{DRIVER}.driver", DRIVER_COMMAND)
    return DriverChange(
        path,
        tuple(lines),
        (f"merge.{DRIVER}.name", f"merge.{DRIVER}.driver"),
        replaced=replaced,
    )


def uninstall(repo: Path | str) -> DriverChange:
    """Remove what `install` added, and only that."""
    root = gitrepo.toplevel(repo)
    path = root / ATTRIBUTES
    removed: list[str] = []
    kept: list[str] = []
    removed_file = False
    if path.is_symlink():  # its target is outside what sfsync may change (install refuses it)
        kept.append(f"{ATTRIBUTES}: a symbolic link, left alone")
    text = "" if path.is_symlink() else _read(path)
    rows, _cr = _rows(text)
    block = _find_block(rows)
    if block is not None:
        start, end = block
        inside = rows[start + 1 : end]
        removed = [r.strip() for r in inside if _is_ours(r)]
        foreign = [r for r in inside if not _is_ours(r)]
        kept += [
            f"{ATTRIBUTES}: {r.strip()!r} (inside the block, not written by sfsync)"
            for r in foreign
        ]
        rows[start : end + 1] = foreign
        created = gitrepo.config_get_local(root, CREATED_KEY) == "true"
        if not rows and created:
            path.unlink()
            removed_file = True
        else:
            _write(path, _join(rows, text))
    gitrepo.config_unset_local(root, CREATED_KEY)
    config: list[str] = []
    for key, value in ((f"merge.{DRIVER}.driver", None), (f"merge.{DRIVER}.name", NAME)):
        current = gitrepo.config_get_local(root, key)
        if current is None:
            continue
        ours = (DRIVER_COMMAND, *EARLIER_COMMANDS) if value is None else (value,)
        if current in ours:
            gitrepo.config_unset_local(root, key)
            config.append(key)
        else:
            kept.append(f"git config {key} {current!r} (not written by sfsync)")
    return DriverChange(path, tuple(removed), tuple(config), tuple(kept), removed_file)


# --- internals --------------------------------------------------------------------------


def _is_ours(row: str) -> bool:
    return bool(_OUR_LINE.match(row.strip()))


def _find_block(rows: Sequence[str]) -> tuple[int, int] | None:
    """The indexes of the block's first and last marker lines (None: no complete block)."""
    start = None
    for i, row in enumerate(rows):
        if row.strip() == BEGIN:
            start = i
        elif row.strip() == END and start is not None:
            return start, i
    return None


def _rows(text: str) -> tuple[list[str], str]:
    """The file's lines (a line's `\\r` kept) and the `\\r` its lines end with (CRLF files)."""
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    cr = "\r" if rows and all(r.endswith("\r") for r in rows) else ""
    return rows, cr


def _join(rows: Sequence[str], before: str) -> str:
    """The file's text: its last line ends with a newline only when it did `before` (a file
    whose last line had none gets the block after a newline, and loses both on uninstall)."""
    text = "".join(f"{row}\n" for row in rows)
    return text[:-1] if before and not before.endswith("\n") and text else text


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ""
    return data.decode("utf-8", errors="surrogateescape")


def _write(path: Path, text: str) -> None:
    """Replace the file through a temporary file (its mode kept; never a symlink: refused)."""
    target = path.resolve()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8", errors="surrogateescape"))
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
