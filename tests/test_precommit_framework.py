"""The real pre-commit framework runs the `sfsync-behind` hook from this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from pipeline import Pipeline, cls, git
from sfsync.pipeline import project, tracking


def test_pre_commit_framework_blocks_until_ignored(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    # pre-commit installs the hook repository at a commit: a clone of this checkout's HEAD.
    # The clone's path, pre-commit's home and pip's cache persist in .pytest_cache, so a
    # re-run at the same commit reuses the hook's virtualenv instead of building it again.
    assert pytestconfig.cache is not None
    cache = pytestconfig.cache.mkdir("sfsync-pre-commit")
    source = cache / "sfsync-src"
    shutil.rmtree(source, ignore_errors=True)
    git(tmp_path, "clone", "-q", "--no-local", str(REPO_ROOT), str(source))
    rev = git(REPO_ROOT, "rev-parse", "HEAD")
    (tmp_path / "pipeline").mkdir()
    pipe = Pipeline(tmp_path / "pipeline")
    dev = pipe.developer("dev1")
    (dev / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source}\n    rev: {rev}\n    hooks:\n      - id: sfsync-behind\n"
    )
    git(dev, "add", ".pre-commit-config.yaml")
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(cache / "home")
    env["PIP_CACHE_DIR"] = str(cache / "pip")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=dev, env=env, capture_output=True, text=True, check=False)

    installed = run(sys.executable, "-m", "pre_commit", "install", "--install-hooks")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    pipe.deploy("int", cls("Foo"), "Add Foo")
    git(dev, "fetch", "-q", "origin")
    refused = run("git", "commit", "-q", "-m", "story")
    assert refused.returncode == 1
    output = refused.stdout + refused.stderr
    assert "sfsync-behind" in output and "Failed" in output
    assert "dev1 is 1 deployment behind int (1 component):" in output
    assert git(dev, "rev-parse", "HEAD") == git(dev, "rev-parse", "origin/int~1")

    tracking.ignore(project.load(dev), None, None)
    accepted = run("git", "commit", "-q", "-m", "story")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(dev, "log", "-1", "--format=%s") == "story"
