"""sfsync and git run as separate processes, the way a developer's shell and git's hooks run
them, for the tests that need a real process (hooks, signals, exit codes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline import CLASSES, Pipeline, cls, git


def sfsync(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`sfsync ARGS` as a separate process in `repo`: (exit code, stdout + stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "sfsync", *args],
        cwd=repo,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return proc.returncode, proc.stdout + proc.stderr


def git_with_hooks(
    repo: Path, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """git with the plain hooks that `sfsync install-hooks` wrote, running this sfsync."""
    env = {**os.environ, "SFSYNC": str(Path(sys.executable).parent / "sfsync")}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, input=input, capture_output=True, text=True, check=False
    )


def conflicting_story(tmp_path: Path) -> tuple[Pipeline, Path]:
    """dev1 changed Base in its story; int then deployed another Base: behind, conflicting."""
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    assert sfsync(dev, "install-hooks")[0] == 0
    (dev / CLASSES / "Base.cls").write_text("public class Base { /* story */ }\n")
    git(dev, "add", "-A")
    assert git_with_hooks(dev, "commit", "-q", "-m", "story").returncode == 0  # not behind yet
    pipe.deploy("int", cls("Base", "/* int */"), "Base on int")
    git(dev, "fetch", "-q", "origin")
    return pipe, dev
