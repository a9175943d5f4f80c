"""`sfsync.yml`: the configuration's types, and loading it (validated, cached).

Validation (YAML, the JSON Schema, the pipeline's shape; errors at their line, `ConfigError`,
exit 2) is `sfsync.pipeline.config_validation`.

The hook runs on every commit, and importing yaml + jsonschema costs far more than the rest of
the check, so a validated configuration is cached under the git directory keyed by the
content hash of `sfsync.yml`, `sfdx-project.json` and the schema: those modules are only
imported when one of the files changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from sfsync import __version__
from sfsync.errors import ConfigError, SfsyncError, UsageError
from sfsync.pipeline.configfile import (
    CONFIG_FILE,
    PROJECT_FILE,
    SCHEMA_PATH,
    did_you_mean,
    secret_key,
)

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook ~5 ms
if TYPE_CHECKING:
    from typing import Any


CACHE_FILE = "config-cache.json"


@dataclass(frozen=True)
class TestPolicy:
    """`tests:` of an env: which Apex tests its deployments run.

    `mode` is `auto` (sfsync picks the test classes that reach the deployed Apex, see
    `sfsync.workflows.apextests`) or a Metadata API test level. `depth`, `always` and
    `allow_uncovered` tune `auto`.
    """

    mode: str
    depth: int = 2
    always: tuple[str, ...] = ()
    allow_uncovered: bool = False


TEST_MODES = ("auto", "NoTestRun", "RunLocalTests", "RunAllTestsInOrg", "RunRelevantTests")


@dataclass(frozen=True)
class Environment:
    """One org in the pipeline. A developer sandbox has no branch of its own."""

    name: str
    org: str
    branch: str | None = None
    upstream: str | None = None
    protected: bool = False
    tests: TestPolicy | None = None
    """`tests:`; None: RunLocalTests for protected envs, NoTestRun otherwise."""

    @property
    def is_sandbox(self) -> bool:
        """True for a developer sandbox (no env branch: its state is its sync point)."""
        return self.branch is None

    @property
    def secret_key(self) -> str:
        """The suffix of its CI secrets' names: `dev-1` -> `DEV_1` (SFSYNC_AUTH_URL_DEV_1)."""
        return secret_key(self.name)


@dataclass(frozen=True)
class HookPolicy:
    """What the hooks block: `behind` (any deployment) or `overlap` (only touched components)."""

    block: str = "behind"
    max_behind: int = 0


@dataclass(frozen=True)
class ExtraType:
    """A metadata type the user adds to the delta engine's registry (shape only)."""

    name: str
    directory_name: str
    suffix: str
    strategy: str | None = None
    in_folder: bool | None = None
    strict_directory_name: bool | None = None

    def registry_entry(self) -> dict[str, Any]:
        """The entry as the metadata registry takes it (the keys of `sfsync.yml`)."""
        entry: dict[str, Any] = {
            "name": self.name,
            "directoryName": self.directory_name,
            "suffix": self.suffix,
        }
        for key, value in (
            ("strategy", self.strategy),
            ("inFolder", self.in_folder),
            ("strictDirectoryName", self.strict_directory_name),
        ):
            if value is not None:
                entry[key] = value
        return entry


@dataclass(frozen=True)
class NotifyConfig:
    """`notify:`: where results go (Slack or Teams), the variable holding the URL, when."""

    service: str
    url_env: str = "SFSYNC_WEBHOOK_URL"
    events: tuple[str, ...] = ("success", "failure", "drift")


@dataclass(frozen=True)
class Config:
    """A validated `sfsync.yml` plus the package directories of `sfdx-project.json`."""

    root: Path
    version: int
    remote: str
    environments: tuple[Environment, ...]
    hooks: HookPolicy
    extra_types: tuple[ExtraType, ...]
    package_dirs: tuple[str, ...]
    lease_ttl_minutes: int = 120
    """`lease.ttl_minutes`: when another clone may take over a deploy's claim on an env."""
    notify: NotifyConfig | None = None
    """`notify:`: the chat message deploy, pull-upstream, back-promote and drift send."""
    package_dir_warnings: tuple[str, ...] = ()
    """What is wrong with a package directory on this disk (`sfsync.metadata.packagedirs`)."""

    _by_name: dict[str, Environment] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[Environment, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # lookups by name and downwards, so walking thousands of envs stays linear
        children: dict[str, list[Environment]] = {}
        for environment in self.environments:
            if environment.upstream is not None:
                children.setdefault(environment.upstream, []).append(environment)
        by_name = {e.name: e for e in self.environments}
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})

    @property
    def path(self) -> Path:
        """The configuration file."""
        return self.root / CONFIG_FILE

    @property
    def names(self) -> tuple[str, ...]:
        """Environment names in file order."""
        return tuple(e.name for e in self.environments)

    def env(self, name: str) -> Environment:
        """The environment called `name`; a UsageError with a suggestion when there is none."""
        found = self._by_name.get(name)
        if found is not None:
            return found
        raise UsageError(
            f"'{name}' is not an environment in {CONFIG_FILE}{did_you_mean(name, self.names)}"
            f" (environments: {', '.join(self.names)})"
        )

    def upstream_of(self, name: str) -> Environment | None:
        """The env above `name`, or None for the root."""
        upstream = self.env(name).upstream
        return None if upstream is None else self.env(upstream)

    def downstream_of(self, name: str) -> tuple[Environment, ...]:
        """The envs whose upstream is `name`, in file order."""
        return self._children.get(name, ())

    def pipeline(self) -> tuple[Environment, ...]:
        """All envs, root first, then each level downwards (file order within a level)."""
        ordered: list[Environment] = [e for e in self.environments if e.upstream is None]
        index = 0
        while index < len(ordered):
            ordered.extend(self.downstream_of(ordered[index].name))
            index += 1
        return tuple(ordered)


def find_root(cwd: Path | str = ".") -> Path | None:
    """The nearest directory from `cwd` upwards that holds `sfsync.yml`, within the repo."""
    here = Path(cwd).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
        if (folder / ".git").exists():
            return None
    return None


def load(root: Path | str, *, cache_dir: Path | None = None) -> Config:
    """Load and validate `root/sfsync.yml` and `root/sfdx-project.json`.

    With `cache_dir`, a configuration validated before (same file contents) is read back
    without importing yaml or jsonschema; a fresh validation is written there.
    """
    root = Path(root)
    if not (root / CONFIG_FILE).is_file() and (elsewhere := elsewhere_hint(root)):
        raise ConfigError(f"{CONFIG_FILE} is not on this branch: {elsewhere}")
    config_bytes = _read(
        root / CONFIG_FILE,
        f"run `sfsync init`, or create {CONFIG_FILE} at the repository root "
        "(see docs/configuration.md)",
    )
    project_bytes = _read(
        root / PROJECT_FILE, "sfsync needs the Salesforce project file at the repository root"
    )
    key = ""
    if cache_dir is not None:
        digest = hashlib.sha256(__version__.encode())
        for blob in (SCHEMA_PATH.read_bytes(), config_bytes, project_bytes):
            digest.update(len(blob).to_bytes(8, "big"))
            digest.update(blob)
        key = digest.hexdigest()
        cached = _read_cache(cache_dir, key)
        if cached is not None:
            return _build(root, cached)
    # only on a cache miss: validating imports yaml and jsonschema
    from sfsync.pipeline.config_validation import validate_text

    data = validate_text(config_bytes, CONFIG_FILE)  # bytes: anything not UTF-8 is refused
    data["packageDirectories"] = list(parse_package_dirs(project_bytes, PROJECT_FILE))
    if cache_dir is not None:
        _write_cache(cache_dir, key, data)
    return _build(root, data)


def parse_package_dirs(raw: bytes, filename: str = PROJECT_FILE) -> tuple[str, ...]:
    """`packageDirectories[].path` of `sfdx-project.json`, normalised (`force-app`)."""
    try:
        project = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 1)
        raise ConfigError(f"{filename}:{line}: not valid JSON: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"{filename}: nested too deeply to be a project file; fix it") from None
    entries = project.get("packageDirectories") if isinstance(project, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            f"{filename}: packageDirectories is missing or empty: "
            'add e.g. "packageDirectories": [{"path": "force-app", "default": true}]'
        )
    paths: list[str] = []
    for index, entry in enumerate(entries):
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not path.strip():
            raise ConfigError(f"{filename}: packageDirectories[{index}].path is missing")
        clean = path.strip().replace("\\", "/")
        while clean.startswith("./"):
            clean = clean[2:]
        clean = clean.rstrip("/")
        if not clean or clean.startswith("/") or ".." in clean.split("/"):
            raise ConfigError(
                f"{filename}: packageDirectories[{index}].path '{path}' must be a relative "
                "path inside the project"
            )
        if clean not in paths:
            paths.append(clean)
    return tuple(paths)


def elsewhere_hint(root: Path) -> str | None:
    """When the work tree has no sfsync.yml but other branches do (it was committed to one
    env branch and has not reached this one yet), what to do about it; None otherwise."""
    from sfsync.git import repo as gitrepo

    try:
        branches = gitrepo.branches_with_file(root, CONFIG_FILE)
    except SfsyncError:  # only a hint: the plain "not found" error stands
        return None
    if not branches:
        return None
    listed = ", ".join(branches)
    return (
        f"{listed} {'has' if len(branches) == 1 else 'have'} it: merge it in "
        f"(`git merge {branches[0]}`), or work on a branch that has it"
    )


# --- internals -------------------------------------------------------------------------


def _read(path: Path, hint: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"{path.name} not found in {path.parent}: {hint}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc


def _build(root: Path, data: dict[str, Any]) -> Config:
    from sfsync.metadata import packagedirs

    # as sf finds them on this disk (not cached: the folders may change, the file not)
    dirs = packagedirs.resolve(root, data["packageDirectories"])
    environments = tuple(
        Environment(
            name=name,
            org=str(env["org"]),
            branch=env.get("branch"),
            upstream=env.get("upstream"),
            protected=bool(env.get("protected", False)),
            tests=_tests(env.get("tests")),
        )
        for name, env in data["environments"].items()
    )
    hooks = data.get("hooks") or {}
    extra = (data.get("metadata") or {}).get("extra_types") or []
    return Config(
        root=root,
        version=int(data["version"]),
        remote=str(data.get("remote", "origin")),
        environments=environments,
        hooks=HookPolicy(
            block=str(hooks.get("block", "behind")), max_behind=int(hooks.get("max_behind", 0))
        ),
        extra_types=tuple(
            ExtraType(
                name=t["name"],
                directory_name=t["directoryName"],
                suffix=t["suffix"],
                strategy=t.get("strategy"),
                in_folder=t.get("inFolder"),
                strict_directory_name=t.get("strictDirectoryName"),
            )
            for t in extra
        ),
        package_dirs=dirs.dirs,
        package_dir_warnings=dirs.warnings,
        lease_ttl_minutes=int((data.get("lease") or {}).get("ttl_minutes", 120)),
        notify=_notify(data.get("notify")),
    )


def _tests(data: str | dict[str, Any] | None) -> TestPolicy | None:
    if data is None:
        return None
    if isinstance(data, str):
        return TestPolicy(data)
    return TestPolicy(
        mode=str(data["mode"]),
        depth=int(data.get("depth", 2)),
        always=tuple(str(name) for name in data.get("always") or ()),
        allow_uncovered=bool(data.get("allow_uncovered", False)),
    )


def _notify(data: dict[str, Any] | None) -> NotifyConfig | None:
    if not data:
        return None
    defaults = NotifyConfig(str(data["service"]))
    return NotifyConfig(
        service=defaults.service,
        url_env=str(data.get("url_env", defaults.url_env)),
        events=tuple(data.get("events", defaults.events)),
    )


def _read_cache(cache_dir: Path, key: str) -> dict[str, Any] | None:
    try:
        cached = json.loads((cache_dir / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(cached, dict) or cached.get("key") != key:
        return None
    data = cached.get("config")
    return data if isinstance(data, dict) else None


def _write_cache(cache_dir: Path, key: str, data: dict[str, Any]) -> None:
    """Best effort: a read-only git dir only costs speed, never correctness."""
    import tempfile

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".config-cache.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"key": key, "config": data}, handle, default=str)
        os.replace(tmp, cache_dir / CACHE_FILE)
    except OSError:
        return
