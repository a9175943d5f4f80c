from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from sfemu import open_root
from sfemu.cli import main


def test_create_org_and_arm_a_fault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-org", "--root", str(tmp_path), "dev1", "--sandbox"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "dev1" and info["sandbox"] is True and "!" in info["accessToken"]
    argv = ["fault", "--root", str(tmp_path), "dev1", "component_error",
            "--component", "ApexClass:Foo", "--problem", "Boom"]  # fmt: skip
    assert main(argv) == 0
    (fault,) = open_root(tmp_path)["dev1"].faults()
    assert (fault.kind, fault.operation, fault.component) == (
        "component_error",
        "deploy",
        "ApexClass:Foo",
    )


def test_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deployments", "--root", str(tmp_path), "ghost"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sfemu: no org named 'ghost'") and err.count("\n") == 1
    main(["create-org", "--root", str(tmp_path), "dev1"])
    assert main(["fault", "--root", str(tmp_path), "dev1", "component_error"]) == 2


def test_serve_prints_its_url_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfemu", "serve", "--root", str(tmp_path), "--org", "dev1:sandbox"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/services/data", timeout=5) as resp:
            assert resp.status == 200
        assert "dev1" in open_root(tmp_path)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
