"""Killing an sfsync run while the org runs its deploy job, for the kill -9 fault tests:
start `sfsync ... --json` in its own process group, wait until sfemu's request log shows the
job being polled, then kill the group (sfsync and its `sf`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import processes


def parsed(out: str) -> dict[str, Any]:
    """The JSON object in `sfsync --json`'s output (stderr may follow it)."""
    start = out.index("{")
    value, _ = json.JSONDecoder().raw_decode(out[start:])
    assert isinstance(value, dict)
    return value


def wait_until(what: str, check: Callable[[], bool], timeout: float = 120) -> None:
    """Poll `check` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def log_length(log: Path) -> int:
    """Lines in sfemu's request log so far."""
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def polled(log: Path, since: int) -> bool:
    """True once sfemu's request log shows a deploy status poll after line `since`."""
    lines = log.read_text(encoding="utf-8").splitlines()[since:] if log.exists() else []
    return any(line.endswith(" checkDeployStatus") for line in lines)


def kill_while_polled(repo: Path, log: Path, *args: str) -> None:
    """Run `sfsync ARGS --json` and kill -9 it with its `sf` once the deploy job is polled."""
    seen = log_length(log)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfsync", *args, "--json"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until(
            f"sfsync {' '.join(args)} polling its deploy",
            lambda: polled(log, seen) or proc.poll() is not None,
        )
        assert proc.poll() is None, proc.communicate()
        orphans = processes.descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        processes.kill(processes.wait_gone(orphans, timeout=30))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.communicate()
