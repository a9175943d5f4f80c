"""An sfdx project: package directories, API version, decomposition presets, `.forceignore`."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sfsync.errors import ConfigError
from sfsync.metadata import FORCEIGNORE_FILE, PROJECT_FILE
from sfsync.metadata.forceignore import ForceIgnore
from sfsync.metadata.registry import Registry, load_registry

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from typing import Any


def _normalise_dir(path: str) -> str:
    norm = posixpath.normpath(path.replace("\\", "/")) if path else ""
    return "" if norm in ("", ".") else norm.lstrip("/")


@dataclass(frozen=True)
class Project:
    """What sfsync needs from `sfdx-project.json` and `.forceignore`.

    Paths are project-relative and `/`-separated. `package_dirs` keeps the file's order
    (the default directory first when it is marked so).
    """

    package_dirs: tuple[str, ...]
    api_version: str | None = None
    presets: tuple[str, ...] = ()
    forceignore_text: str = ""
    extra_types: tuple[Mapping[str, Any], ...] = ()
    root: Path | None = None
    dir_warnings: tuple[str, ...] = field(default=(), compare=False)
    """What is wrong with a package directory on this disk (`as_found_on_disk`)."""
    forceignore: ForceIgnore = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "forceignore", ForceIgnore(self.forceignore_text))

    @classmethod
    def from_texts(
        cls,
        project_json: str,
        forceignore: str = "",
        extra_types: Sequence[Mapping[str, Any]] = (),
        root: Path | None = None,
        where: str = PROJECT_FILE,
    ) -> Project:
        """Build from the text of `sfdx-project.json` (and of `.forceignore`)."""
        try:
            data = json.loads(project_json)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{where}: not valid JSON (line {exc.lineno}: {exc.msg}); fix the file"
            ) from exc
        except RecursionError:
            raise ConfigError(f"{where}: nested too deeply to be a project file; fix it") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a JSON object")
        raw_dirs = data.get("packageDirectories")
        if not isinstance(raw_dirs, list) or not raw_dirs:
            raise ConfigError(f"{where}: packageDirectories must list at least one directory")
        dirs: list[str] = []
        for index, entry in enumerate(raw_dirs):
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                raise ConfigError(f"{where}: packageDirectories[{index}].path must be a string")
            norm = _normalise_dir(entry["path"])
            if norm.startswith("../") or norm == "..":
                raise ConfigError(
                    f"{where}: packageDirectories[{index}].path {entry['path']!r} "
                    "is outside the project"
                )
            dirs.append(norm)
        api = data.get("sourceApiVersion")
        if api is not None and not isinstance(api, str):
            api = str(api)
        presets = data.get("sourceBehaviorOptions") or []
        if not isinstance(presets, list) or not all(isinstance(p, str) for p in presets):
            raise ConfigError(f"{where}: sourceBehaviorOptions must be a list of strings")
        return cls(
            package_dirs=tuple(dict.fromkeys(dirs)),
            api_version=api,
            presets=tuple(presets),
            forceignore_text=forceignore,
            extra_types=tuple(extra_types),
            root=root,
        )

    @classmethod
    def load(cls, root: Path | str, extra_types: Sequence[Mapping[str, Any]] = ()) -> Project:
        """Read the project at `root` from disk.

        `extra_types` are registry entries for types the pinned registry lacks; the pipeline
        reads them from `sfsync.yml` (`sfsync.pipeline.project.metadata_project`).
        """
        root = Path(root)
        path = root / PROJECT_FILE
        if not path.is_file():
            raise ConfigError(
                f"{path}: not found; run sfsync from an sfdx project "
                f"(the folder with {PROJECT_FILE})"
            )
        ignore = root / FORCEIGNORE_FILE
        return cls.from_texts(
            _text(path.read_bytes(), str(path)),
            _text(ignore.read_bytes(), str(ignore)) if ignore.is_file() else "",
            extra_types,
            root=root,
            where=str(path),
        ).as_found_on_disk()

    def as_found_on_disk(self) -> Project:
        """This project with its package directories spelled as the disk at `root` has them,
        as `sf` finds them there (`sfsync.metadata.packagedirs`: `Force-App` is the folder
        `force-app` on a case-insensitive disk)."""
        if self.root is None:
            return self
        from dataclasses import replace

        from sfsync.metadata import packagedirs

        found = packagedirs.resolve(self.root, self.package_dirs)
        if found.dirs == self.package_dirs and not found.warnings:
            return self
        return replace(self, package_dirs=found.dirs, dir_warnings=found.warnings)

    @classmethod
    def at_revision(
        cls,
        repo: Path | str,
        rev: str,
        prefix: str = "",
        extra_types: Sequence[Mapping[str, Any]] = (),
    ) -> Project:
        """Read the project as commit `rev` has it (`prefix`: the project's folder in the repo)."""
        from sfsync.git import repo as gitrepo

        base = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        names = [f"{rev}:{base}{PROJECT_FILE}", f"{rev}:{base}{FORCEIGNORE_FILE}"]
        blobs = gitrepo.cat_file_batch(repo, names)
        project_json = blobs.get(names[0])
        if project_json is None:
            raise ConfigError(f"{base}{PROJECT_FILE}: not found in commit {rev}")
        ignore = blobs.get(names[1])
        return cls.from_texts(
            _text(project_json, names[0]),
            _text(ignore, names[1]) if ignore is not None else "",
            extra_types,
            root=Path(repo) / prefix if prefix else Path(repo),
            where=f"{rev}:{base}{PROJECT_FILE}",
        ).as_found_on_disk()

    @property
    def registry(self) -> Registry:
        """The metadata registry with this project's presets and extra types (cached)."""
        return load_registry(self.presets, self.extra_types)

    def package_dir_of(self, path: str) -> str | None:
        """The package directory that holds `path` (the deepest one), or None."""
        best: str | None = None
        for pkg in self.package_dirs:
            inside = pkg == "" or path == pkg or path.startswith(pkg + "/")
            if inside and (best is None or len(pkg) > len(best)):
                best = pkg
        return best


def _text(data: bytes, where: str) -> str:
    """A project file's text; one clear error when it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not a UTF-8 text file; save it as UTF-8") from None
