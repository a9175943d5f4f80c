"""Finding the processes a test started, through /proc (Linux): by an environment marker
that every child inherits (even one that detaches into its own session), or by parentage."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

MARKER = "SFSYNC_TEST_RUN"
"""Set for the whole test session; every process the suite starts inherits it."""


@dataclass(frozen=True)
class Proc:
    """A live process: its pid, parent and command line."""

    pid: int
    ppid: int
    cmdline: str


def _read(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    if not fields or fields[0] == "Z":  # a zombie has ended; only its parent's wait is missing
        return None
    return Proc(pid, int(fields[1]), raw.replace(b"\0", b" ").decode(errors="replace").strip())


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def marked(name: str, value: str) -> list[Proc]:
    """Live processes (other than this one) whose environment holds `name=value`."""
    needle = f"{name}={value}".encode()
    found = []
    for pid in _pids():
        if pid == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            proc = _read(pid)
            if proc is not None:
                found.append(proc)
    return found


def descendants(pid: int) -> list[Proc]:
    """The live processes below `pid` (children, their children, ...)."""
    procs = [p for p in (_read(q) for q in _pids()) if p is not None]
    below: list[Proc] = []
    parents = {pid}
    grew = True
    while grew:
        grew = False
        for proc in procs:
            if proc.ppid in parents and proc.pid not in parents:
                parents.add(proc.pid)
                below.append(proc)
                grew = True
    return below


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as ended)."""
    return _read(pid) is not None


def wait_gone(procs: list[Proc], timeout: float) -> list[Proc]:
    """Wait up to `timeout` seconds for the processes to end; those still running."""
    deadline = time.monotonic() + timeout
    left = [p for p in procs if alive(p.pid)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if alive(p.pid)]
    return left


def kill(procs: list[Proc]) -> None:
    """SIGKILL the processes (only ever ones this test run started)."""
    for proc in procs:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
