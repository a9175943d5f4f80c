"""Writing the site into a directory, never over what sfsync did not write.

sfsync remembers, in the git directory (`<git common dir>/sfsync/report-sites.json`), the
content hash of every file it wrote into each site directory. A file in the directory is
sfsync's only when it still has the content sfsync wrote (a marker or a name proves
nothing): such a file is replaced, or removed when the new site no longer has it. Any
other file with the name of a page stops the run (`--force` replaces it); any other file
is left alone. Symbolic links are never followed: one in the way stops the run.

Each file is written to a temporary file beside it and moved into place (`os.replace`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sfsync.cli.html.common import Page
from sfsync.errors import UsageError

RECORD = "report-sites.json"


@dataclass(frozen=True)
class Written:
    """What was written: where, how many files and bytes, the largest page, what went."""

    directory: Path
    pages: int
    bytes: int
    largest: tuple[str, int]
    removed: tuple[str, ...]


def write(directory: Path, pages: Sequence[Page], state_dir: Path, *, force: bool) -> Written:
    """Write `pages` into `directory` (see the module doc); `state_dir` keeps the record."""
    if directory.is_symlink():
        raise UsageError(
            f"--html {directory}: is a symbolic link; sfsync does not write through links: "
            "name the directory itself, or a new or empty one"
        )
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--html {directory}: not a directory: name a new or empty one")
    root = directory.resolve()
    record_file = state_dir / RECORD
    records = _read(record_file)
    before = records.get(str(root), {})
    wanted = {page.path: page.html.encode("utf-8") for page in pages}
    mine, theirs = _existing(root, before)
    clash = sorted(p for p in wanted if p in theirs)
    if clash and not force:
        more = f" and {len(clash) - 1} more" if len(clash) > 1 else ""
        raise UsageError(
            f"--html {directory}: {clash[0]}{more} exists and sfsync did not write it (or it "
            "changed since): name a new or empty directory, or pass --force to replace it"
        )
    links = sorted(p for p in wanted if _through_link(root, p))
    if links:
        raise UsageError(
            f"--html {directory}: {links[0]} is or lies under a symbolic link; sfsync does not "
            "write through links: name a new or empty directory"
        )
    removed = []
    for rel in sorted(set(mine) - set(wanted)):
        (root / rel).unlink()
        removed.append(rel)
    written: dict[str, str] = {}
    for rel, data in wanted.items():
        _replace(root / rel, data)
        written[rel] = hashlib.sha256(data).hexdigest()
    for rel in removed:
        _prune(root, Path(rel).parent)
    records[str(root)] = written
    _save(record_file, records)
    largest = max(wanted.items(), key=lambda item: len(item[1]))
    return Written(
        root,
        len(wanted),
        sum(len(d) for d in wanted.values()),
        (largest[0], len(largest[1])),
        tuple(removed),
    )


def _existing(root: Path, before: dict[str, str]) -> tuple[set[str], set[str]]:
    """Files under `root`: those sfsync wrote and nobody changed since, and the others."""
    mine: set[str] = set()
    theirs: set[str] = set()
    if not root.is_dir():
        return mine, theirs
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if (Path(folder) / d).is_symlink()]:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            expected = before.get(rel)
            if expected is not None and not path.is_symlink() and _digest(path) == expected:
                mine.add(rel)
            else:
                theirs.add(rel)
    return mine, theirs


def _through_link(root: Path, rel: str) -> bool:
    path = root
    for part in Path(rel).parts:
        path = path / part
        if path.is_symlink():
            return True
    return False


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _replace(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sfsync-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune(root: Path, folder: Path) -> None:
    """Remove `folder` (relative) when removing sfsync's files left it empty."""
    path = root / folder
    if folder != Path(".") and path.is_dir() and not any(path.iterdir()):
        path.rmdir()


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k): {str(p): str(h) for p, h in v.items()}
        for k, v in data.items()
        if isinstance(v, dict)
    }


def _save(path: Path, records: dict[str, dict[str, str]]) -> None:
    _replace(path, (json.dumps(records, indent=1, sort_keys=True) + "\n").encode("utf-8"))
