"""What a path resolves to: a component (`Type:FullName`) and where its files live."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sfsync.metadata.registry import MetadataType


def name_key(name: str) -> str:
    """What makes two API names the same name in an org: Salesforce ignores case, and a name
    is the same in any Unicode normalisation (macOS writes file names in NFD, git keeps the
    bytes). Unicode's canonical caseless match: NFD(casefold(NFD(name)))."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def same_name_groups(names: Iterable[str]) -> list[list[str]]:
    """The names that are one name in an org (`name_key`), in groups of two or more."""
    groups: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        groups.setdefault(name_key(name), []).append(name)
    return [group for group in groups.values() if len(group) > 1]


@dataclass(frozen=True, order=True)
class Component:
    """One metadata member, written `Type:FullName` (`CustomField:Account.Tier__c`)."""

    type: str
    full_name: str

    def __str__(self) -> str:
        return f"{self.type}:{self.full_name}"


@dataclass(frozen=True)
class Resolved:
    """A source path resolved: its component, type, container and component folder.

    `parent` is the container of a child component (the CustomObject of a CustomField) or,
    for a child that cannot be deployed alone, the component itself is the container.
    `root` is the folder that holds every file of a folder-shaped component (bundles,
    decomposed objects, static resource folders); None for file-shaped components.
    """

    component: Component
    mtype: MetadataType
    path: str
    package_dir: str
    parent: Component | None = None
    root: str | None = None
