"""The metadata delta engine: types, path -> component, deltas between commits, manifests.

Public API (imported lazily, so `from sfsync.metadata import Resolver` stays cheap):

- `Project.load(root)` / `Project.at_revision(repo, rev)`: sfdx-project.json + .forceignore
- `Resolver(project).component(path) -> Component | None`
- `compute_delta(repo, from_ref, to_ref, project, ...) -> Delta`
- `write_delta(delta, out_dir, generate_source=True) -> Path`
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

# what names depend on, readable without importing the engine (the hook keys a cache on them)
PROJECT_FILE = "sfdx-project.json"
FORCEIGNORE_FILE = ".forceignore"
REGISTRY_FILE = Path(__file__).parent / "data" / "registry.json"
"""The registry of the pinned `sf` CLI, as shipped."""

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from typing import Any

    from sfsync.metadata.component import Component, Resolved
    from sfsync.metadata.delta import Delta, compute_delta
    from sfsync.metadata.project import Project
    from sfsync.metadata.registry import MetadataType, Registry, load_registry
    from sfsync.metadata.resolver import Resolver
    from sfsync.metadata.writer import write_delta

_EXPORTS = {
    "Component": "sfsync.metadata.component",
    "Resolved": "sfsync.metadata.component",
    "Delta": "sfsync.metadata.delta",
    "compute_delta": "sfsync.metadata.delta",
    "Project": "sfsync.metadata.project",
    "MetadataType": "sfsync.metadata.registry",
    "Registry": "sfsync.metadata.registry",
    "load_registry": "sfsync.metadata.registry",
    "Resolver": "sfsync.metadata.resolver",
    "write_delta": "sfsync.metadata.writer",
}

__all__ = [
    "Component",
    "Delta",
    "MetadataType",
    "Project",
    "Registry",
    "Resolved",
    "Resolver",
    "compute_delta",
    "load_registry",
    "write_delta",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sfsync.metadata' has no attribute {name!r}")
    return getattr(import_module(module), name)
