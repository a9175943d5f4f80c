"""What a listing holds, and how listMetadata names components.

`Listed` is one component as listMetadata describes it (FileProperties: who changed it and
when, its id, its package state); `Listing` is what `sfsync.org.listing.list_org` found. The
naming functions translate between listMetadata's names (`ReportFolder:Sales`,
`Document:Brand/logo.png`) and the resolver's (`Report:Sales/`, `Document:Brand/logo`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sfsync.metadata.component import Component
from sfsync.metadata.registry import Registry

UNMANAGED = "unmanaged"
# ManageableState values of components that belong to a package (FileProperties in the
# Metadata API; the same list `sf project generate manifest --from-org` excludes by default)
MANAGED_STATES = frozenset(
    {
        "beta",
        "deleted",
        "deprecated",
        "installed",
        "released",
        "deprecatedEditable",
        "installedEditable",
    }
)
DEFAULT_JOBS = 4
UNFILED = "unfiled$public"  # the folder of unfiled reports and templates


@dataclass(frozen=True)
class Listed:
    """One component as listMetadata describes it (FileProperties)."""

    type: str
    full_name: str
    file_name: str = ""
    id: str = ""
    created_by: str = ""
    created_date: str = ""
    modified_by: str = ""
    modified_date: str = ""
    namespace: str = ""
    manageable_state: str = UNMANAGED

    @property
    def key(self) -> str:
        """`Type:FullName`."""
        return f"{self.type}:{self.full_name}"

    @property
    def managed(self) -> bool:
        """True for a component of an installed (or packaged) package."""
        return self.manageable_state in MANAGED_STATES

    def version(self) -> tuple[str, str]:
        """What tells two listings of the component apart: its date and its id (a component
        deleted and created again under the same name gets a new id)."""
        return (self.modified_date, self.id)

    def to_json(self) -> dict[str, str]:
        """The component's entry in a backup manifest (empty optional fields left out)."""
        out = {
            "lastModifiedDate": self.modified_date,
            "lastModifiedByName": self.modified_by,
            "createdDate": self.created_date,
            "createdByName": self.created_by,
            "id": self.id,
            "fileName": self.file_name,
        }
        if self.namespace:
            out["namespacePrefix"] = self.namespace
        if self.manageable_state != UNMANAGED:
            out["manageableState"] = self.manageable_state
        return out

    @classmethod
    def from_json(cls, key: str, data: Mapping[str, Any]) -> Listed:
        """Read a manifest entry written by `to_json`."""
        type_name, _, full_name = key.partition(":")
        return cls(
            type=type_name,
            full_name=full_name,
            file_name=str(data.get("fileName") or ""),
            id=str(data.get("id") or ""),
            created_by=str(data.get("createdByName") or ""),
            created_date=str(data.get("createdDate") or ""),
            modified_by=str(data.get("lastModifiedByName") or ""),
            modified_date=str(data.get("lastModifiedDate") or ""),
            namespace=str(data.get("namespacePrefix") or ""),
            manageable_state=str(data.get("manageableState") or UNMANAGED),
        )

    @classmethod
    def from_file_properties(cls, entry: Mapping[str, Any]) -> Listed | None:
        """One FileProperties entry of `sf org list metadata` or of a retrieve (None: unusable)."""
        type_name = field_text(entry.get("type"))
        full_name = field_text(entry.get("fullName"))
        if not type_name or not full_name or type_name == "Package":
            return None
        return cls(
            type=type_name,
            full_name=full_name,
            file_name=field_text(entry.get("fileName")),
            id=field_text(entry.get("id")),
            created_by=field_text(entry.get("createdByName")),
            created_date=field_text(entry.get("createdDate")),
            modified_by=field_text(entry.get("lastModifiedByName")),
            modified_date=field_text(entry.get("lastModifiedDate")),
            namespace=field_text(entry.get("namespacePrefix")),
            manageable_state=field_text(entry.get("manageableState")) or UNMANAGED,
        )


@dataclass(frozen=True)
class Listing:
    """Everything `list_org` found, and the types whose complete membership it knows."""

    org: str
    components: Mapping[str, Listed]
    scope: frozenset[str] | None
    """The types listed in full (None: every type but `skipped`)."""
    skipped: frozenset[str] = frozenset()
    managed_skipped: int = 0
    namespace: str = ""
    sf_calls: int = 0
    queries: tuple[str, ...] = field(default=(), compare=False)
    signals: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """Type -> `changes.Signal` asked this run (the next run's change query starts there)."""
    queried: tuple[str, ...] = field(default=(), compare=False)
    """The types whose changes a query answered (not listed with listMetadata)."""
    fallbacks: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Type -> why its signal could not answer (it was listed instead)."""

    def covers(self, type_name: str) -> bool:
        """True when a component of this type missing from the listing is not in the org."""
        if type_name in self.skipped:
            return False
        return self.scope is None or type_name in self.scope


def package_member(registry: Registry, key: str) -> tuple[str, str]:
    """(manifest type, member) to retrieve a listed component: a folder (`ReportFolder:Sales`)
    is retrieved as a member of its content type (`Report`, `Sales`)."""
    type_name, _, full_name = key.partition(":")
    mtype = registry.by_name(type_name)
    if mtype is not None and mtype.folder_content_type:
        content = registry.types.get(mtype.folder_content_type)
        if content is not None:
            return content.name, full_name
    return type_name, full_name


def listing_key(registry: Registry, component: Component) -> str:
    """The listMetadata name of a component the resolver named (`Report:Sales/` ->
    `ReportFolder:Sales`; an in-folder type's name without a folder is a folder too:
    `Document:Brand` -> `DocumentFolder:Brand`)."""
    name = component.full_name
    if name.endswith("/") or "/" not in name:
        mtype = registry.by_name(component.type)
        if mtype is not None and mtype.folder_type:
            folder = registry.types.get(mtype.folder_type)
            if folder is not None:
                return f"{folder.name}:{name.rstrip('/')}"
    return str(component)


def path_keys(
    registry: Registry, resolve: Callable[[str], Component | None], paths: Iterable[str]
) -> dict[str, str]:
    """`listing_key` of the component of each path that has one. A document is named by
    listMetadata with its file's extension (`Document:Brand/logo.png`) and by sf without it
    (`Brand/logo`): the extension is the one of its content file among `paths`."""
    keys: dict[str, str] = {}
    extension: dict[str, str] = {}  # Document:Brand/logo -> .png
    for path in paths:
        component = resolve(path)
        if component is None:
            continue
        keys[path] = listing_key(registry, component)
        if component.type == "Document" and "/" in component.full_name:
            base = path.rsplit("/", 1)[-1]
            stem = component.full_name.rsplit("/", 1)[-1]
            if not base.endswith("-meta.xml") and base.startswith(stem + "."):
                extension[keys[path]] = base[len(stem) :]
    return {p: k + extension.get(k, "") for p, k in keys.items()}


def resolver_component(registry: Registry, key: str) -> Component:
    """The component as sfsync's resolver names it (`ReportFolder:Sales` -> `Report:Sales/`);
    the inverse of `listing_key`."""
    type_name, _, full_name = key.partition(":")
    mtype = registry.by_name(type_name)
    if mtype is not None and mtype.folder_content_type:
        content = registry.types.get(mtype.folder_content_type)
        if content is not None:
            return Component(content.name, f"{full_name}/")
    return Component(type_name, full_name)


def parent_key(registry: Registry, key: str) -> str | None:
    """The container of a child component (`CustomField:Account.Tier__c` ->
    `CustomObject:Account`), or None."""
    type_name, _, full_name = key.partition(":")
    mtype = registry.by_name(type_name)
    parent = registry.parent_of(mtype) if mtype is not None else None
    if parent is None or mtype is None or mtype.ignore_parent_name or "." not in full_name:
        return None
    return f"{parent.name}:{full_name.split('.', 1)[0]}"


def as_list(value: Any) -> list[Any]:
    """A JSON value that may be one item or a list, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def field_text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""  # a nil element (`{"$": {"xsi:nil": "true"}}`) is no value
    return str(value)
