"""In-file children: CustomLabels, Workflow, SharingRules and the other rule containers.

Their children are elements of one file (`<labels><fullName>X</fullName>...`). Two revisions
are compared element by element: a changed or new element is a member to deploy
(`CustomLabel:X`, `WorkflowRule:Case.Escalate`), a vanished one a member to delete. The copy
keeps only the elements to deploy.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field

from sfsync.metadata.component import name_key
from sfsync.metadata.registry import MetadataType, Registry
from sfsync.metadata.xmlsafe import Fingerprint, child_text, fingerprint, local, serialize


@dataclass(frozen=True)
class ElementDiff:
    """Per child type name: members changed or added (`added`: new ones), members removed."""

    changed: dict[str, set[str]] = field(default_factory=dict)
    removed: dict[str, set[str]] = field(default_factory=dict)
    added: dict[str, set[str]] = field(default_factory=dict)
    container_changed: bool = False
    twins: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    """In the new revision: (child type, names) of elements that are one component in an org
    (the same name twice, or names that differ only in case or normalisation)."""


def child_types(registry: Registry, mtype: MetadataType) -> dict[str, MetadataType]:
    """Element name -> child type, for children that live inside the file."""
    out = {}
    for child_id in mtype.children:
        child = registry.types.get(child_id)
        if child is not None and child.xml_element_name:
            out[child.xml_element_name] = child
    return out


def _elements(
    root: ET.Element | None, children: Mapping[str, MetadataType]
) -> tuple[dict[tuple[str, str], tuple[Fingerprint, ...]], list[Fingerprint]]:
    """Keyed children ({(type, name): their fingerprints, in order: a name may be there
    twice, and a change to either counts}) and the container's other elements."""
    keyed: dict[tuple[str, str], tuple[Fingerprint, ...]] = {}
    other: list[Fingerprint] = []
    if root is None:
        return keyed, other
    for element in root:
        name = local(element.tag)
        child = children.get(name)
        key = child_text(element, child.unique_id_element or "fullName") if child else None
        if child is not None and key:
            keyed[(child.name, key)] = (*keyed.get((child.name, key), ()), fingerprint(element))
        else:
            other.append(fingerprint(element))
    return keyed, other


def _twins(
    keyed: Mapping[tuple[str, str], tuple[Fingerprint, ...]],
) -> list[tuple[str, tuple[str, ...]]]:
    groups: dict[tuple[str, str], list[str]] = {}
    for (type_name, key), prints in sorted(keyed.items()):
        groups.setdefault((type_name, name_key(key)), []).extend([key] * len(prints))
    return [(t, tuple(names)) for (t, _), names in groups.items() if len(names) > 1]


def diff_elements(
    registry: Registry, mtype: MetadataType, old: ET.Element | None, new: ET.Element | None
) -> ElementDiff:
    """Compare two parsed revisions of an in-file container (None = the file is absent)."""
    children = child_types(registry, mtype)
    old_keyed, old_other = _elements(old, children)
    new_keyed, new_other = _elements(new, children)
    result = ElementDiff(
        container_changed=new is not None
        and sorted(map(repr, old_other)) != sorted(map(repr, new_other)),
        twins=_twins(new_keyed),
    )
    for (type_name, key), value in new_keyed.items():
        before = old_keyed.get((type_name, key))
        if before != value:
            result.changed.setdefault(type_name, set()).add(key)
            if before is None:
                result.added.setdefault(type_name, set()).add(key)
    for type_name, key in old_keyed:
        if (type_name, key) not in new_keyed:
            result.removed.setdefault(type_name, set()).add(key)
    return result


def keep_elements(
    registry: Registry, mtype: MetadataType, root: ET.Element, keep: ElementDiff
) -> bytes:
    """The file with only the changed children (and the container's own elements).

    `root` is changed in place.
    """
    children = child_types(registry, mtype)
    for element in list(root):
        child = children.get(local(element.tag))
        if child is None:
            continue
        key = child_text(element, child.unique_id_element or "fullName")
        if key not in keep.changed.get(child.name, set()):
            root.remove(element)
    return serialize(root)
