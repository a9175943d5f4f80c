"""The local journal of a multi-step workflow: `<git common dir>/sfsync/ops/<env>.json`.

A workflow writes where it is (pre-merge HEAD, merged commit, step) before each step that
changes something, so a run killed between two steps can be finished by the next run. The
file is written atomically (temp file + os.replace) and removed when the workflow ends.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sfsync.errors import ExternalError

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: the hook reads journals (lean imports)
if TYPE_CHECKING:
    from typing import Any

OPS_DIR = ("sfsync", "ops")


def path(common_dir: Path, env: str) -> Path:
    """Where the journal of `env` lives."""
    return common_dir.joinpath(*OPS_DIR, f"{env}.json")


def read(common_dir: Path, env: str) -> dict[str, Any] | None:
    """The journal of an unfinished workflow on `env`, or None."""
    return read_file(path(common_dir, env))


def read_file(file: Path) -> dict[str, Any] | None:
    """A journal file's JSON object, or None when there is none."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:
        raise ExternalError(
            f"{file}: unreadable sfsync journal ({exc}); delete it if no sfsync run is "
            "unfinished on this env"
        ) from exc
    return data if isinstance(data, dict) else None


def write(common_dir: Path, env: str, data: dict[str, Any]) -> None:
    """Replace the journal of `env` atomically."""
    write_file(path(common_dir, env), data)


def write_file(file: Path, data: dict[str, Any]) -> None:
    """Replace a journal file atomically (temp file, fsync, os.replace)."""
    import tempfile  # not on the hook's path (it only reads journals)

    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, file)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def pull_merge_live(cwd: Path | str, git_dir: Path, pending: dict[str, Any]) -> bool:
    """True while the merge a journaled pull-upstream made is still there: git's merge of its
    upstream commit is in progress (`git_dir`'s MERGE_HEAD), or HEAD holds the merge commit.
    False once the developer undid it (`git merge --abort`, a reset): the journal is stale,
    and the pull it records will never be finished."""
    from sfsync.git import repo as gitrepo  # journal.py itself stays free of processes

    up = str(pending.get("upSha") or "")
    head = str(pending.get("head") or "")
    if not up or not head:
        return False
    if up in gitrepo.merge_heads(git_dir):
        return True
    merged = pending.get("merged")
    if isinstance(merged, str) and gitrepo.is_ancestor(cwd, merged, "HEAD"):
        return True
    return gitrepo.find_merge(cwd, head, up) is not None


def clear(common_dir: Path, env: str) -> None:
    """Remove the journal of `env` (the workflow finished or was undone)."""
    try:
        path(common_dir, env).unlink()
    except FileNotFoundError:
        return


def pause_point(step: str) -> None:
    """Test hook: stop here for ever when `SFSYNC_PAUSE_AT` names `step` (kill -9 tests).

    The run writes `<step>` to the file named by `SFSYNC_PAUSE_FILE` first, so a test knows
    the run reached the step.
    """
    if os.environ.get("SFSYNC_PAUSE_AT") != step:
        return
    marker = os.environ.get("SFSYNC_PAUSE_FILE")
    if marker:
        Path(marker).write_text(step, encoding="utf-8")
    import time

    while True:
        time.sleep(3600)
