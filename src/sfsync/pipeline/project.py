"""The project a command runs in: the git repository, its validated config, the developer's env.

Every command starts here, so every command validates `sfsync.yml`. The validated config is
cached under the git directory (see `config.load`), which keeps the hook fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.pipeline import config as config_mod
from sfsync.pipeline.config import Config, Environment
from sfsync.pipeline.configfile import CONFIG_FILE

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: this module is on the hook's path
if TYPE_CHECKING:
    from typing import Any

    from sfsync.metadata.project import Project as MetadataProject

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

    @property
    def cache_dir(self) -> Path:
        """Where sfsync keeps its caches: `<git common dir>/sfsync`, shared by all worktrees."""
        return self.paths.common_dir / CACHE_SUBDIR


def open_repo(cwd: Path | str = ".") -> gitrepo.RepoPaths:
    """The repository around `cwd` (UsageError outside one)."""
    return gitrepo.repo_paths(cwd)


def has_config(paths: gitrepo.RepoPaths) -> bool:
    """True when the work tree root holds `sfsync.yml`."""
    return (paths.toplevel / CONFIG_FILE).is_file()


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


def metadata_project(root: Path | str) -> MetadataProject:
    """The sfdx project at `root`, with the extra types of its `sfsync.yml` (if it has one)."""
    from sfsync.metadata.project import Project as MetadataProject

    root = Path(root)
    extra: list[dict[str, Any]] = []
    if (root / CONFIG_FILE).is_file():
        extra = [entry.registry_entry() for entry in config_mod.load(root).extra_types]
    return MetadataProject.load(root, extra_types=extra)
