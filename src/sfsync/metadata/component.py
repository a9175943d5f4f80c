"""What a path resolves to: a component (`Type:FullName`) and where its files live."""

from __future__ import annotations

from dataclasses import dataclass

from sfsync.metadata.registry import MetadataType


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
