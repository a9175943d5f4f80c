"""Everything sfemu knows about metadata types, in one place.

The table (``types_data.json``) is generated from the pinned CLI's registry by
``python -m sfemu.gen_types``. This module answers the questions the emulator asks of it: which
component a file in a Metadata API zip belongs to, which types live in folders, which allow the
``*`` wildcard, and which child types (CustomField, ValidationRule, ...) live inside a parent file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

META = "-meta.xml"


NOT_MODELLED = frozenset(
    (
        # territory2Models/Model/territories/T.territory2 and .../rules/R.territory2Rule:
        # components inside another component's folder
        "Territory2Model",
        "Territory2",
        "Territory2Rule",
        # uiBundles/App/...: built by the CLI's uiBundle transformer from a web app's sources
        "UIBundle",
    )
)
"""Types the emulator does not model: a deploy naming one is refused as an org refuses a type
it does not offer ("Not available for deploy for this organization"), never accepted and
dropped."""
FOLDER_CHILDREN = frozenset(("DigitalExperience",))
"""Child types whose entries are folders of files inside their container's folder rather than
XML entries of its file: an LWR site (DigitalExperienceBundle ``site/Store1``) keeps each
view, route, theme... as ``digitalExperiences/site/Store1/sfdc_cms__view/home/*.json``, the
component ``DigitalExperience:site/Store1.sfdc_cms__view/home`` (the CLI's registry,
``digitalExperience`` strategy). They are modelled as components of their own with their
files; ``MetadataType.container`` names the bundle."""
NOT_AVAILABLE = "Not available for deploy for this organization"


@dataclass(frozen=True)
class MetadataType:
    """One metadata type as the Metadata API lays it out in a zip."""

    name: str
    directory: str
    suffix: str | None
    in_folder: bool
    folder_type: str | None
    adapter: str
    parent: str | None = None
    element: str | None = None
    ignore_parent_name: bool = False
    children: tuple[tuple[str, str], ...] = ()
    container: str | None = None
    """For a ``FOLDER_CHILDREN`` type: the bundle type whose folder holds it."""
    id_element: str = "fullName"
    """For a child type: the element that names an entry (CustomFieldTranslation: ``name``)."""

    @property
    def is_child(self) -> bool:
        """True for types stored inside their parent's file (CustomField in an .object)."""
        return self.parent is not None

    @property
    def allows_wildcard(self) -> bool:
        """Salesforce refuses ``*`` for in-folder types (reports, dashboards, documents, email)."""
        return not self.in_folder

    def id_elements(self) -> dict[str, str]:
        """For a parent type: the naming element of each child element's entries."""
        out: dict[str, str] = {}
        for child, element in self.children:
            ctype = registry().get(child)
            out[element] = ctype.id_element if ctype is not None else "fullName"
        return out

    def child_element(self, child_type: str) -> str | None:
        """The XML element of this parent type that holds ``child_type`` entries."""
        return dict(self.children).get(child_type)


@dataclass(frozen=True)
class Component:
    """A metadata component: its type name and full name (``ApexClass``, ``Foo``)."""

    type: str
    full_name: str

    def __str__(self) -> str:
        return f"{self.type}:{self.full_name}"


@cache
def registry() -> dict[str, MetadataType]:
    """All known types by name."""
    raw = json.loads(resources.files("sfemu").joinpath("types_data.json").read_text("utf-8"))
    out: dict[str, MetadataType] = {}
    for name, t in raw["types"].items():
        out[name] = MetadataType(
            name=name,
            directory=t["dir"],
            suffix=t.get("suffix"),
            in_folder=bool(t.get("in_folder")),
            folder_type=t.get("folder_type"),
            adapter=t.get("adapter", "default"),
            parent=None if name in FOLDER_CHILDREN else t.get("parent"),
            container=t.get("parent") if name in FOLDER_CHILDREN else None,
            id_element=t.get("id_element", "fullName"),
            element=t.get("element"),
            ignore_parent_name=bool(t.get("ignore_parent_name")),
            children=tuple(sorted(t.get("children", {}).items())),
        )
    return out


def get(name: str) -> MetadataType | None:
    """The type called ``name``, or None when Salesforce would not know it."""
    return registry().get(name)


@cache
def _by_directory() -> dict[str, tuple[MetadataType, ...]]:
    out: dict[str, list[MetadataType]] = {}
    for t in registry().values():
        if t.is_child:
            continue
        out.setdefault(t.directory, []).append(t)
    # folder types are reached through their content type (reports/Sales-meta.xml is a Report)
    return {
        d: tuple(sorted(ts, key=lambda t: (t.folder_type is None, t.name))) for d, ts in out.items()
    }


def _strip_suffix(name: str, suffix: str | None) -> str | None:
    if suffix and name.endswith("." + suffix):
        return name[: -len(suffix) - 1]
    return None


def component_of(path: str) -> Component | None:
    """The component that owns a file at Metadata API path ``path`` (``classes/Foo.cls``).

    Returns None for paths no type claims (package.xml, unknown directories).
    """
    parts = path.split("/")
    if len(parts) < 2 or not all(parts):
        return None
    candidates = _by_directory().get(parts[0])
    if not candidates:
        return None
    rest = "/".join(parts[1:])
    for t in candidates:
        if t.adapter == "digitalExperience":
            return _digital_experience(t, parts)
        if t.adapter in ("bundle", "uiBundles"):
            return Component(t.name, parts[1])
    base = rest[: -len(META)] if rest.endswith(META) else rest
    folder_types = [t for t in candidates if t.in_folder]
    if folder_types:
        content = folder_types[0]
        if len(parts) == 2 and rest.endswith(META):
            return Component(content.name, base)  # the folder itself: reports/Sales-meta.xml
        if len(parts) >= 3:
            for t in folder_types:
                stripped = _strip_suffix(base, t.suffix)
                if stripped is not None:
                    return Component(t.name, stripped)
            return Component(content.name, base)  # mixed content: documents/F/logo.png
    if len(parts) != 2:
        # an Experience Cloud site: experiences/Site1.site-meta.xml and the folder
        # experiences/Site1/ (config/, views/, routes/... as JSON) are one ExperienceBundle
        # (the "mixedContent" strategy of the CLI's registry; a static resource or document
        # of that strategy is one file in a Metadata API zip)
        for t in candidates:
            if t.adapter == "mixedContent":
                return Component(t.name, parts[1])
        return None
    for t in candidates:
        stripped = _strip_suffix(base, t.suffix)
        if stripped is not None:
            return Component(t.name, stripped)
    for t in candidates:
        if t.adapter == "mixedContent":
            return Component(t.name, base.split(".", 1)[0])
    return None


def _digital_experience(bundle: MetadataType, parts: list[str]) -> Component | None:
    """digitalExperiences/site/Store1/Store1.digitalExperience-meta.xml is the bundle
    ``site/Store1``; digitalExperiences/site/Store1/sfdc_cms__view/home/content.json is its
    ``DigitalExperience:site/Store1.sfdc_cms__view/home``."""
    if len(parts) == 4 and parts[3] == f"{parts[2]}.{bundle.suffix}{META}":
        return Component(bundle.name, f"{parts[1]}/{parts[2]}")
    if len(parts) >= 6:
        child = next((t for t in registry().values() if t.container == bundle.name), None)
        if child is not None:
            return Component(child.name, f"{parts[1]}/{parts[2]}.{parts[3]}/{parts[4]}")
    return None


def contents_of(comp: Component) -> tuple[str, str] | None:
    """(type, name prefix) of the ``FOLDER_CHILDREN`` components inside bundle ``comp``."""
    for t in registry().values():
        if t.container == comp.type:
            return t.name, comp.full_name + "."
    return None


@cache
def _content_by_folder_type() -> dict[str, MetadataType]:
    return {t.folder_type: t for t in registry().values() if t.folder_type}


def content_of_folder_type(name: str) -> MetadataType | None:
    """The in-folder type whose folders ``name`` lists (``ReportFolder`` -> ``Report``)."""
    return _content_by_folder_type().get(name)


def is_folder_member(mtype: MetadataType, full_name: str) -> bool:
    """True when ``full_name`` names a folder of an in-folder type (``Sales`` of Report)."""
    return mtype.in_folder and "/" not in full_name


def reported_type(comp: Component) -> str:
    """The type name Salesforce reports for ``comp``: folders of Report are ReportFolder."""
    mtype = get(comp.type)
    if mtype is not None and mtype.folder_type and is_folder_member(mtype, comp.full_name):
        return mtype.folder_type
    return comp.type


def split_child(full_name: str) -> tuple[str, str]:
    """``Account.Tier__c`` -> (``Account``, ``Tier__c``)."""
    parent, _, child = full_name.partition(".")
    return parent, child


def is_custom_object_name(name: str) -> bool:
    """Custom objects (and other suffixed ones) have ``__`` in their names; standard ones do not."""
    return "__" in name


def type_of_directory(directory: str) -> str | None:
    """The (first) top-level type whose Metadata API folder is `directory`."""
    found = _by_directory().get(directory)
    return found[0].name if found else None


def is_modelled(type_name: str) -> bool:
    """False for a type the emulator refuses to deploy (`NOT_MODELLED`)."""
    return type_name not in NOT_MODELLED
