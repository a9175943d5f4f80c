"""Shared test isolation: no test sees the developer's HOME, git identity or GIT_* variables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


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
    monkeypatch.setenv("SF_AUTOUPDATE_DISABLE", "true")
    monkeypatch.setenv("SF_USE_GENERIC_UNIX_KEYCHAIN", "true")
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n"
        "[user]\n\tname = Test Author\n\temail = author@example.com\n"
        '[commit]\n\tgpgsign = false\n[protocol "file"]\n\tallow = always\n',
        encoding="utf-8",
    )
    yield home


# sfemu's fixtures (a running emulator, orgs logged in with the real sf CLI): see sfemu/testing.py
pytest_plugins = ["sfemu.testing", "wfpipeline", "webhook"]  # wfpipeline: a pipeline of orgs
