"""One sfsync run per environment at a time: a lock file under the git common dir.

`<git common dir>/sfsync/locks/<env>.lock` is created with O_EXCL and holds the pid, host,
command and start time of the run that owns it. A second run stops with
"dev1 is being updated by another sfsync run (pid N, pull-upstream, since T)". A lock left
by a process that died on this host (kill -9) is taken over. The lock is re-entrant inside
one process, so a workflow that holds it can call the deploy step, which takes it too::

    with locks.hold(common_dir, "dev1", "pull-upstream"):
        ...
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import Refused

LOCK_DIR = ("sfsync", "locks")
_UNREADABLE = -1
_WRITING = -2
_held: dict[Path, int] = {}  # lock path -> nesting depth, for this process


class Locked(Refused):
    """Another sfsync run is updating the environment (exit 1)."""

    name = "Locked"


@dataclass(frozen=True)
class Owner:
    """Who holds a lock."""

    pid: int
    host: str
    command: str
    since: str


def lock_path(common_dir: Path, env: str) -> Path:
    """Where the env's lock file lives."""
    return common_dir.joinpath(*LOCK_DIR, f"{env}.lock")


def owner(common_dir: Path, env: str) -> Owner | None:
    """The run holding the env's lock, or None."""
    return _read(lock_path(common_dir, env))


@contextmanager
def hold(common_dir: Path, env: str, command: str) -> Iterator[Path]:
    """Hold the env's lock for the block; raise `Locked` when another live run holds it."""
    path = lock_path(common_dir, env)
    if path in _held:
        _held[path] += 1
        try:
            yield path
        finally:
            _held[path] -= 1
        return
    _acquire(path, env, command)
    _held[path] = 1
    try:
        yield path
    finally:
        del _held[path]
        _release(path)


def _acquire(path: Path, env: str, command: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    me = Owner(
        os.getpid(),
        socket.gethostname(),
        command,
        dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    )
    payload = json.dumps(me.__dict__).encode("utf-8")
    for _attempt in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            current = _read(path)
            if current is not None and not _stale(current):
                raise Locked(
                    f"{env} is being updated by another sfsync run (pid {current.pid} on "
                    f"{current.host}, {current.command}, since {current.since}); wait for it "
                    f"to finish, or if that run is gone, delete {path}"
                ) from None
            _take_over(path, current)
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        return
    raise Locked(f"{env}: could not take the lock {path}; run the command again")


def _take_over(path: Path, stale: Owner | None) -> None:
    """Remove a stale lock (dead pid on this host, or unreadable) unless it changed meanwhile."""
    if stale is not None and _read(path) != stale:
        return
    with suppress(FileNotFoundError):
        path.unlink()


def _stale(current: Owner) -> bool:
    if current.host != socket.gethostname():
        return False  # cannot tell whether a process on another host is alive
    if current.pid <= 0:
        return current.pid == _UNREADABLE
    if current.pid == os.getpid():
        return True  # left behind by this process (nothing holds it: see _held)
    try:
        os.kill(current.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return is_zombie(current.pid)


def is_zombie(pid: int) -> bool:
    """A killed child not yet reaped still answers kill(pid, 0); Linux says it is a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _release(path: Path) -> None:
    current = _read(path)
    if current is not None and current.pid == os.getpid():
        with suppress(FileNotFoundError):
            path.unlink()


def _read(path: Path) -> Owner | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Owner(int(data["pid"]), str(data["host"]), str(data["command"]), str(data["since"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # half-written: its writer is writing right now, or was killed between open and write
        try:
            young = time.time() - path.stat().st_mtime < 5
        except OSError:
            young = False
        return Owner(_WRITING if young else _UNREADABLE, socket.gethostname(), "unknown", "now")
