"""Shared test isolation: no test sees the developer's HOME, git identity or GIT_* variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

import processes

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def nothing_outlives_the_suite() -> Iterator[None]:
    """Fail the session when a process it started (sf, node, git, sfsync...) still runs at
    the end: every child inherits a marker in its environment, even one that detaches."""
    token = secrets.token_hex(8)
    os.environ[processes.MARKER] = token
    try:
        yield
    finally:
        del os.environ[processes.MARKER]
    if not Path("/proc/self/environ").exists():
        return
    left = processes.wait_gone(processes.marked(processes.MARKER, token), timeout=10)
    if left:
        processes.kill(left)
        listing = "\n".join(f"  pid {p.pid}: {p.cmdline}" for p in left)
        pytest.fail(f"processes started by the test session outlived it (killed now):\n{listing}")


@pytest.fixture(autouse=True)
def isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point HOME at a temp dir, pin the git identity and strip GIT_* (a hook exports GIT_DIR)."""
    home = tmp_path_factory.mktemp("home")
    for key in list(os.environ):
        if key.startswith("GIT_") or key.startswith("SF_") or key.startswith("SFDX_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("PRE_COMMIT_HOOK_STAGE", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "author@example.com")
    monkeypatch.setenv("SF_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("SF_DISABLE_AUTOUPDATE", "true")
    monkeypatch.setenv("SF_USE_GENERIC_UNIX_KEYCHAIN", "true")
    from sfemu.testing import find_sf  # a plugin (below): imported once pytest registered it

    pinned = find_sf()  # the pinned sf on PATH, as `make test` has it (workflows check for it)
    if pinned is not None:
        monkeypatch.setenv("PATH", f"{pinned.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n"
        "[user]\n\tname = Test Author\n\temail = author@example.com\n"
        '[commit]\n\tgpgsign = false\n[protocol "file"]\n\tallow = always\n',
        encoding="utf-8",
    )
    yield home


# sfemu's fixtures (a running emulator, orgs logged in with the real sf CLI): see sfemu/testing.py
pytest_plugins = ["sfemu.testing", "wfpipeline", "webhook"]  # wfpipeline: a pipeline of orgs
