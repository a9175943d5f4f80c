"""`sfsync install-hooks` and the plain git hooks, driven by real `git commit` / `git push`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from pipeline import Pipeline, cls, git
from sfsync.__main__ import main
from sfsync.hooks import install


def hook_env() -> dict[str, str]:
    """The environment of a developer's shell: sfsync on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_git(repo: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**hook_env(), **extra},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("name", install.HOOKS)
def test_repo_hooks_match_generated(name: str) -> None:
    path = REPO_ROOT / "hooks" / name
    assert path.read_text(encoding="utf-8") == install.hook_script(name)
    assert os.access(path, os.X_OK)


def test_install_refuses_foreign_hook_then_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    foreign = tmp_path / ".git" / "hooks" / "pre-commit"
    foreign.write_text("#!/bin/sh\necho mine\n")
    assert main(["install-hooks"]) == 1
    assert "is not what sfsync wrote" in capsys.readouterr().err
    assert foreign.read_text() == "#!/bin/sh\necho mine\n"
    assert not (tmp_path / ".git" / "hooks" / "pre-push").exists()
    assert main(["install-hooks", "--force", "--json"]) == 0
    hooks = json.loads(capsys.readouterr().out)["result"]["hooks"]
    assert [h["name"] for h in hooks] == ["pre-commit", "pre-push"]
    assert hooks[0]["backup"].endswith("pre-commit.sfsync-backup")
    assert foreign.read_text() == install.hook_script("pre-commit")
    assert (tmp_path / ".git/hooks/pre-commit.sfsync-backup").read_text().endswith("mine\n")
    # our own hooks are replaced without --force
    assert main(["install-hooks"]) == 0


def test_install_honours_core_hooks_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "core.hooksPath", ".githooks")
    monkeypatch.chdir(tmp_path)
    assert main(["install-hooks"]) == 0
    assert (tmp_path / ".githooks" / "pre-push").read_text() == install.hook_script("pre-push")


def test_plain_hooks_block_commit_and_push_until_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    monkeypatch.chdir(dev)
    assert main(["install-hooks"]) == 0
    (dev / "story.txt").write_text("work\n")
    git(dev, "add", "story.txt")
    assert run_git(dev, "commit", "-q", "-m", "story").returncode == 0  # not behind: allowed

    pipe.deploy("int", cls("Foo"), "Add Foo")
    git(dev, "fetch", "-q", "origin")
    (dev / "story.txt").write_text("more work\n")
    git(dev, "add", "story.txt")
    refused = run_git(dev, "commit", "-q", "-m", "more")
    assert refused.returncode == 1
    assert "dev1 is 1 deployment behind int (1 component):" in refused.stderr
    assert run_git(dev, "commit", "-q", "-m", "more", SKIP="sfsync-behind").returncode == 0

    push = run_git(dev, "push", "-q", "origin", "story-dev1")
    assert push.returncode != 0
    assert "bypass once: SKIP=sfsync-behind git push" in push.stderr
    assert run_git(pipe.remote, "rev-parse", "--verify", "-q", "story-dev1").returncode != 0

    assert main(["ignore", "--all"]) == 0
    pushed = run_git(dev, "push", "-q", "origin", "story-dev1")
    assert pushed.returncode == 0, pushed.stderr
    assert git(pipe.remote, "rev-parse", "story-dev1") == git(dev, "rev-parse", "HEAD")


def test_a_remote_named_like_an_option_does_not_steer_the_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git passes the remote's name to pre-push: `--env=dev2` must not make the hook check
    # dev2 (never synced: nothing to block) instead of dev1
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    monkeypatch.chdir(dev)
    assert main(["install-hooks"]) == 0
    git(dev, "remote", "add", "--", "--env=dev2", str(pipe.remote))
    pipe.deploy("int", cls("Foo"), "Add Foo")
    git(dev, "fetch", "-q", "origin")
    push = run_git(dev, "push", "-q", "--", "--env=dev2", "story-dev1")
    assert push.returncode != 0
    assert "dev1 is 1 deployment behind int" in push.stderr
    assert run_git(pipe.remote, "rev-parse", "--verify", "-q", "story-dev1").returncode != 0


@pytest.mark.parametrize("name", install.HOOKS)
def test_a_hook_without_sfsync_says_how_to_install_it(tmp_path: Path, name: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SFSYNC", "SKIP")}
    env["PATH"] = "/usr/bin:/bin"
    proc = subprocess.run(
        ["sh", str(REPO_ROOT / "hooks" / name)],
        cwd=tmp_path,
        env=env,
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    # sfsync is not on PyPI: the README's Install section is the way, or SFSYNC=<path>
    assert "install sfsync (see its README: Install) or set SFSYNC=/path/to/sfsync" in proc.stderr
    assert "pip install sfsync" not in proc.stderr
