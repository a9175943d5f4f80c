"""The project a command runs in: the git repository, its validated config, the developer's env.

Every command starts here, so every command validates `sfsync.yml`. The validated config is
cached under the git directory (see `config.load`), which keeps the hook fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sfsync import config as config_mod
from sfsync import gitrepo
from sfsync.config import Config, Environment
from sfsync.errors import UsageError

ENV_KEY = "sfsync.env"
CACHE_SUBDIR = "sfsync"


@dataclass(frozen=True)
class Project:
    """A repository with a valid `sfsync.yml`."""

    paths: gitrepo.RepoPaths
    config: Config

    @property
    def root(self) -> Path:
        """The work tree root."""
        return self.paths.toplevel


def open_repo(cwd: Path | str = ".") -> gitrepo.RepoPaths:
    """The repository around `cwd` (UsageError outside one)."""
    return gitrepo.repo_paths(cwd)


def has_config(paths: gitrepo.RepoPaths) -> bool:
    """True when the work tree root holds `sfsync.yml`."""
    return (paths.toplevel / config_mod.CONFIG_FILE).is_file()


def load(cwd: Path | str = ".", paths: gitrepo.RepoPaths | None = None) -> Project:
    """Open the repository and load its validated config (ConfigError when invalid/missing)."""
    paths = paths or open_repo(cwd)
    cache = paths.common_dir / CACHE_SUBDIR
    return Project(paths, config_mod.load(paths.toplevel, cache_dir=cache))


def developer_env_name(repo: Path | str) -> str | None:
    """`git config sfsync.env`, or None when unset."""
    value = gitrepo.config_get(repo, ENV_KEY)
    return value or None


def resolve_env(
    project: Project, explicit: str | None, *, configured: str | None = None
) -> Environment:
    """The env named with --env, else the developer's env; UsageError when neither is set.

    `configured` is `git config sfsync.env` when the caller has read it already.
    """
    name = explicit or configured or developer_env_name(project.root)
    if name is None:
        raise UsageError(
            f"no environment given: pass --env, or set yours once with "
            f"`git config {ENV_KEY} <name>` (environments: {', '.join(project.config.names)})"
        )
    try:
        return project.config.env(name)
    except UsageError as exc:
        if explicit is None:
            raise UsageError(f"git config {ENV_KEY}: {exc.message}") from exc
        raise
