"""The real pre-commit framework runs the `sfsync-behind` hook from this repository, at both
of its stages (pre-commit and pre-push)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from pipeline import Pipeline, cls, git
from sfsync.pipeline import project, tracking

Run = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Framework:
    """dev1's clone with the framework's hooks installed (both stages), behind by one."""

    pipe: Pipeline
    dev: Path
    run: Run


@pytest.fixture
def framework(tmp_path: Path, pytestconfig: pytest.Config) -> Framework:
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
        "default_install_hook_types: [pre-commit, pre-push]\n"
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
    assert (dev / ".git" / "hooks" / "pre-push").exists()

    pipe.deploy("int", cls("Foo"), "Add Foo")
    git(dev, "fetch", "-q", "origin")
    return Framework(pipe, dev, run)


def test_pre_commit_framework_blocks_until_ignored(framework: Framework) -> None:
    dev, run = framework.dev, framework.run
    refused = run("git", "commit", "-q", "-m", "story")
    assert refused.returncode == 1
    output = refused.stdout + refused.stderr
    assert "sfsync-behind" in output and "Failed" in output
    assert "dev1 is 1 deployment behind int (1 component):" in output
    assert "SKIP=sfsync-behind git commit" in output
    assert git(dev, "rev-parse", "HEAD") == git(dev, "rev-parse", "origin/int~1")

    tracking.ignore(project.load(dev), None, None)
    accepted = run("git", "commit", "-q", "-m", "story")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(dev, "log", "-1", "--format=%s") == "story"


def test_pre_commit_framework_push_stage(framework: Framework) -> None:
    dev, run = framework.dev, framework.run
    sfsync = str(Path(sys.executable).parent / "sfsync")
    # a push of refs/sfsync/* alone is never blocked, even while behind
    recorded = run(sfsync, "mark-synced", "--push", "HEAD")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    remote = framework.pipe.remote
    assert git(remote, "rev-parse", "refs/sfsync/envs/dev1") == git(
        dev, "rev-parse", "refs/sfsync/envs/dev1"
    )

    # the story's push is refused at the push stage, with the push's bypass hint
    git(dev, "commit", "-q", "--allow-empty", "--no-verify", "-m", "story")
    refused = run("git", "push", "-q", "origin", "HEAD:refs/heads/story-dev1")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "dev1 is 1 deployment behind int (1 component):" in output
    assert "SKIP=sfsync-behind git push" in output
    assert "git commit" not in output
    assert "story-dev1" not in git(remote, "branch", "--list")
