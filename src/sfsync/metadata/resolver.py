"""Path -> component, from file names alone (no file contents), as the `sf` CLI resolves them.

The type comes from the path (strict type folders, then `-meta.xml` suffixes, folder
metadata, file extensions, then experience folders); the component's name comes from the
type's kind handler in `sfsync.metadata.kinds`.
"""

from __future__ import annotations

from sfsync.metadata.component import Component, Resolved
from sfsync.metadata.kinds import HANDLERS
from sfsync.metadata.paths import META_XML, ext_name, parse_folder_xml, parse_metadata_xml
from sfsync.metadata.project import Project
from sfsync.metadata.registry import MetadataType, Registry

# types whose any file under their folder is metadata (the CLI's last resort)
_CONTENT_FOLDER_TYPES = (
    "DigitalExperience",
    "ExperiencePropertyTypeBundle",
    "LightningTypeBundle",
    "ContentTypeBundle",
    "UiWidgetBundle",
)


class Resolver:
    """Resolves project-relative, `/`-separated paths to components (results cached)."""

    def __init__(self, project: Project, registry: Registry | None = None) -> None:
        self.project = project
        self.registry = registry or project.registry
        self._cache: dict[str, Resolved | None] = {}
        self._strict_suffixes: dict[str, tuple[str, ...]] = {}

    def component(self, path: str) -> Component | None:
        """The component `path` belongs to, or None (not metadata, ignored, outside packages)."""
        resolved = self.resolve(path)
        return resolved.component if resolved else None

    def resolve(self, path: str) -> Resolved | None:
        """Full resolution of `path`: component, type, container and component folder."""
        try:
            return self._cache[path]
        except KeyError:
            pass
        result = self._resolve(path)
        self._cache[path] = result
        return result

    def is_ignored(self, path: str) -> bool:
        """True when `.forceignore` (with the CLI's defaults) excludes `path`."""
        return self.project.forceignore.denies(path)

    def _resolve(self, path: str) -> Resolved | None:
        package_dir = self.project.package_dir_of(path)
        if package_dir is None or path == package_dir or self.is_ignored(path):
            return None
        parts = path.split("/")
        mtype = self.resolve_type(path, parts)
        if mtype is None:
            return None
        return HANDLERS[mtype.adapter].resolve(self, mtype, path, parts, package_dir)

    # -- type inference ---------------------------------------------------------------

    def resolve_type(self, path: str, parts: list[str]) -> MetadataType | None:
        """The metadata type of a path, in the order the `sf` CLI tries."""
        registry = self.registry
        mtype = self._type_from_strict_folder(path, parts)
        basename = parts[-1]
        if mtype is None:
            parsed = parse_metadata_xml(basename)
            if parsed:
                mtype = registry.by_suffix(parsed[1])
        if mtype is None and parse_folder_xml(basename) and len(parts) > 1:
            folder_dir = None
            for directory in registry.folder_content_directories():
                if directory in parts[:-1]:
                    folder_dir = directory
            if folder_dir is not None:
                mtype = registry.find_non_folder_type_in(folder_dir)
        if mtype is None:
            mtype = registry.by_suffix(ext_name(basename))
            if (
                mtype is not None
                and mtype.strict_directory_name
                and mtype.directory_name not in parts
            ):
                mtype = None
        if mtype is None:
            for name in _CONTENT_FOLDER_TYPES:
                candidate = registry.by_name(name)
                if candidate is not None and candidate.directory_name in parts[:-1]:
                    mtype = candidate
                    break
        return mtype

    def _type_from_strict_folder(self, path: str, parts: list[str]) -> MetadataType | None:
        parent_name = parts[-2] if len(parts) > 1 else ""
        for mtype in self.registry.strict_types_in(parts):
            if mtype.in_folder and parent_name == mtype.directory_name:
                continue
            if mtype.adapter in ("mixedContent", "bundle", "uiBundles"):
                return mtype
            if path.endswith(self._suffix_endings(mtype)):
                return mtype
        return None

    def _suffix_endings(self, mtype: MetadataType) -> tuple[str, ...]:
        """The endings of the type's and its children's files (`cls`, `cls-meta.xml`, ...)."""
        endings = self._strict_suffixes.get(mtype.id)
        if endings is None:
            types = [mtype] + [
                self.registry.types[c] for c in mtype.children if c in self.registry.types
            ]
            suffixes = [s for t in types for s in (t.suffix, t.legacy_suffix) if s]
            endings = tuple(e for s in suffixes for e in (s, s + META_XML))
            self._strict_suffixes[mtype.id] = endings
        return endings
