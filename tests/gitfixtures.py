"""Real git repositories in tmp_path for the metadata tests (no fakes)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` and return its stdout (raises on failure)."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def init_project(
    repo: Path,
    package_dirs: tuple[str, ...] = ("force-app",),
    api_version: str | None = "62.0",
    extra: dict[str, object] | None = None,
) -> Path:
    """An sfdx project in a fresh git repository, with a first commit."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    project: dict[str, object] = {
        "packageDirectories": [{"path": d, "default": i == 0} for i, d in enumerate(package_dirs)]
    }
    if api_version:
        project["sourceApiVersion"] = api_version
    project.update(extra or {})
    (repo / "sfdx-project.json").write_text(json.dumps(project, indent=2), encoding="utf-8")
    commit(repo, "project")
    return repo


def write(repo: Path, files: dict[str, bytes | str]) -> None:
    """Write files (creating folders)."""
    for path, data in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)


def remove(repo: Path, *paths: str) -> None:
    """Delete files from the work tree and the index."""
    git(repo, "rm", "-q", "-r", "--", *paths)


def commit(repo: Path, message: str) -> str:
    """Commit everything and return the new sha."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")
