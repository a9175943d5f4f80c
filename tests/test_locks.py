"""Per-env locks: one run per env, stale locks of dead processes taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sfsync.git import locks


def write_lock(common: Path, env: str, pid: int, host: str | None = None) -> Path:
    path = locks.lock_path(common, env)
    path.parent.mkdir(parents=True, exist_ok=True)
    owner = {
        "pid": pid,
        "host": host or socket.gethostname(),
        "command": "pull-upstream",
        "since": "2026-11-21T22:00:00+00:00",
    }
    path.write_text(json.dumps(owner), encoding="utf-8")
    return path


def test_held_lock_names_the_run_and_is_released(tmp_path: Path) -> None:
    with locks.hold(tmp_path, "dev1", "deploy") as path:
        owner = locks.owner(tmp_path, "dev1")
        assert owner is not None and owner.pid == os.getpid() and owner.command == "deploy"
        with locks.hold(tmp_path, "dev1", "deploy"):  # re-entrant in one process
            assert path.exists()
        assert path.exists()
    assert not path.exists()


def test_a_live_run_elsewhere_stops_the_second_one(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        path = write_lock(tmp_path, "dev1", sleeper.pid)
        with pytest.raises(locks.Locked) as caught, locks.hold(tmp_path, "dev1", "deploy"):
            pass
        message = caught.value.message
        assert message.startswith(f"dev1 is being updated by another sfsync run (pid {sleeper.pid}")
        assert "pull-upstream" in message and caught.value.exit_code == 1
        assert path.exists()  # not ours to remove
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_lock(tmp_path, "dev1", dead.pid)
    with locks.hold(tmp_path, "dev1", "deploy"):
        owner = locks.owner(tmp_path, "dev1")
        assert owner is not None and owner.pid == os.getpid()


def test_a_lock_from_another_host_is_never_taken_over(tmp_path: Path) -> None:
    write_lock(tmp_path, "int", 1, host="some-other-host")
    with pytest.raises(locks.Locked, match="some-other-host"), locks.hold(tmp_path, "int", "x"):
        pass
