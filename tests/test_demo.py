"""`make demo` end to end: the real demo script, real sf, sfemu in a subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo" / "run.py"


def _server_gone(workspace: Path) -> bool:
    """The emulator removed its server.json and the demo its pid file: it was stopped."""
    return (
        not (workspace / "emulator" / "server.json").exists()
        and not (workspace / "emulator.pid").exists()
    )


@pytest.mark.e2e
def test_demo_runs_and_every_proof_holds(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, str(DEMO), "--workspace", str(workspace)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "PROOF FAILED" not in out
    assert "dev1 is 2 deployments behind int" in out
    assert "20 proofs hold" in out
    assert "not shown" not in out, "a step of the story was not shown"
    assert _server_gone(workspace), "the emulator was left running"


@pytest.mark.e2e
def test_demo_stops_the_emulator_when_interrupted(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, str(DEMO), "--workspace", str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    server = workspace / "emulator" / "server.json"
    deadline = time.monotonic() + 60
    while not server.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.exists(), "the demo never started the emulator"
    proc.send_signal(signal.SIGTERM)
    out = proc.stdout.read()
    assert proc.wait(timeout=30) == 130, out
    assert "interrupted" in out
    assert _server_gone(workspace), "the emulator was left running after SIGTERM"
