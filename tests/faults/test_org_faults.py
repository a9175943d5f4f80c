"""The fault matrix, org / concurrency / hook rows: each probe replayed against real git
repositories and, where an org is involved, the real `sf` against sfemu.

Rows: the `sf` auto-updater left running; the git hooks at a push under the pre-commit
framework and while a pull-upstream conflict is being resolved; `--exclude` of a component
that is not in the pull; a pull without `sf`; `ignore` of commits that are not deployments;
the components of ignored deployments in a pull plan; kill -9 while a deploy is polled; two
clones deploying one env at once (the lease on the shared state ref); a diverged state ref.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import processes
from conftest import REPO_ROOT
from pipeline import CLASSES, Pipeline, cls, git
from sfemu.testing import SfCli, find_sf, sf_environment

# --- the sf auto-updater ---------------------------------------------------------------------

PROBE = "SFSYNC_FAULT_PROBE"


def _sf_version_through(where: str, home: Path, marker: str) -> None:
    """Run `sf --version` the way `where` runs sf, in a fresh HOME (no updater ran there yet),
    with SF_AUTOUPDATE_DISABLE=true in the caller's environment, as many users have it."""
    base = sf_environment(home)
    base.pop("SF_DISABLE_AUTOUPDATE", None)
    base["SF_AUTOUPDATE_DISABLE"] = "true"
    base[PROBE] = marker
    if where == "sfsync":  # the driver users run: sfsync.org.sf
        code = (
            "from sfsync.org import sf; import sys; "
            "sys.exit(0 if sf.version().startswith('@salesforce/cli') else 1)"
        )
        proc = subprocess.run([sys.executable, "-c", code], env=base, check=False, timeout=120)
    elif where == "fixtures":  # sfemu.testing: the tests' and the benchmarks' sf
        cli = SfCli(home)
        cli.env[PROBE] = marker
        proc = subprocess.run([str(cli.sf), "--version"], env=cli.env, check=False, timeout=120)
    elif where == "demo":
        sys.path.insert(0, str(REPO_ROOT / "demo"))
        try:
            import stage
        finally:
            sys.path.pop(0)
        env = {**stage.base_env(home), PROBE: marker, "SF_AUTOUPDATE_DISABLE": "true"}
        proc = subprocess.run(["sf", "--version"], env=env, check=False, timeout=120)
    else:  # the Makefile's exported variables, for every recipe
        proc = subprocess.run(
            ["make", "-s", "--no-print-directory", "--eval=probe-sf: ; @sf --version", "probe-sf"],
            cwd=REPO_ROOT,
            env=base,
            check=False,
            timeout=120,
        )
    assert proc.returncode == 0


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["sfsync", "fixtures", "demo", "makefile"])
def test_sf_leaves_no_auto_updater_running(tmp_path: Path, where: str) -> None:
    marker = f"{where}-{os.getpid()}-{time.monotonic_ns()}"
    _sf_version_through(where, tmp_path / "home", marker)
    # the updater is spawned detached while sf starts; give a slow machine a moment
    time.sleep(1.5)
    left = processes.marked(PROBE, marker)
    processes.kill(left)
    assert left == [], [p.cmdline for p in left]


# --- the hook while the documented conflict flow is followed ----------------------------------


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


def git_with_hooks(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """git with the plain hooks that `sfsync install-hooks` wrote, running this sfsync."""
    env = {**os.environ, "SFSYNC": str(Path(sys.executable).parent / "sfsync")}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def sf_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pinned sf first on PATH (pull-upstream checks for it before it merges)."""
    found = find_sf()
    assert found is not None, "the pinned sf CLI is missing: run `make setup`"
    monkeypatch.setenv("PATH", f"{found.parent}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def conflicting(tmp_path: Path, sf_on_path: None) -> tuple[Pipeline, Path]:
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


def _resolve(dev: Path) -> None:
    (dev / CLASSES / "Base.cls").write_text("public class Base { /* story + int */ }\n")
    git(dev, "add", "-A")


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("pull-upstream", id="pull-upstream-conflict"),
        pytest.param("git-merge", id="hand-merge-of-upstream"),
    ],
)
def test_hook_lets_the_commit_that_concludes_an_upstream_merge_through(
    conflicting: tuple[Pipeline, Path], how: str
) -> None:
    _pipe, dev = conflicting
    if how == "pull-upstream":
        code, out = sfsync(dev, "pull-upstream", "--yes")
        assert code == 1 and "stopped on conflicts" in out, out
    else:
        assert git_with_hooks(dev, "merge", "-q", "origin/int").returncode == 1  # conflicts
    _resolve(dev)

    done = git_with_hooks(dev, "commit", "-q", "--no-edit")

    assert done.returncode == 0, done.stderr
    assert "concludes a merge" in done.stderr or "pull-upstream of dev1 is unfinished" in (
        done.stderr
    )
    assert git(dev, "rev-parse", "HEAD^2") == git(dev, "rev-parse", "origin/int")


def test_hook_still_blocks_a_merge_that_is_not_upstream(
    conflicting: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = conflicting
    git(dev, "branch", "side", "HEAD~1")
    git(dev, "checkout", "-q", "side")
    (dev / "side.txt").write_text("side\n")
    git(dev, "add", "side.txt")
    git(dev, "commit", "-q", "--no-verify", "-m", "side")
    git(dev, "checkout", "-q", "story-dev1")
    git_with_hooks(dev, "merge", "-q", "--no-commit", "side")

    refused = git_with_hooks(dev, "commit", "-q", "--no-edit")

    assert refused.returncode == 1
    assert "dev1 is 1 deployment behind int" in refused.stderr
