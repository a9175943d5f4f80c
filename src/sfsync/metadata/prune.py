"""Pruned copies of the containers the Metadata API merges on deploy (Profile).

Deploying a Profile overlays the org's: what its file holds is added or updated, what it
leaves out stays as it is (`sfsync.metadata.rules`). So the copy keeps the elements that
changed plus the container's own simple values (`custom`, `userLicense`), which the
deployment needs, and every element of a list the org replaces as a whole
(`loginIpRanges`) as soon as that list changed. An element removed in git cannot be
expressed by an overlay: `removed` counts them so the delta can say so.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass

from sfsync.metadata.rules import MERGED, WHOLE_LISTS
from sfsync.metadata.xmlsafe import Fingerprint, fingerprint, is_leaf, local, parse, serialize

PRUNED_TYPES = MERGED


@dataclass(frozen=True)
class Pruned:
    """A pruned copy and the compound elements it could not remove from the org."""

    data: bytes
    removed: tuple[str, ...] = ()


def changed(old: bytes | None, new: bytes, where: str) -> bool:
    """True when the two revisions differ in meaning (not only in formatting)."""
    if old is None:
        return True
    return fingerprint(parse(old, where)) != fingerprint(parse(new, where))


def prune(old: bytes | None, new: bytes, where: str, type_name: str = "Profile") -> Pruned:
    """`new` keeping its simple values and only the compound elements not in `old`."""
    root = parse(new, where)
    if old is None:
        return Pruned(serialize(root))
    old_root = parse(old, where)
    whole = WHOLE_LISTS.get(type_name, frozenset())
    before = Counter(fingerprint(e) for e in old_root)
    lists_changed = {tag for tag in whole if _prints(old_root, tag) != _prints(root, tag)}
    for element in list(root):
        if is_leaf(element) or local(element.tag) in lists_changed:
            continue
        print_ = fingerprint(element)
        if before[print_] > 0:
            before[print_] -= 1
            root.remove(element)
    kept = {element_key(e) for e in parse(new, where) if not is_leaf(e)}
    removed = sorted(
        {
            " ".join(key)
            for e in old_root
            if not is_leaf(e) and local(e.tag) not in whole
            for key in [element_key(e)]
            if key not in kept
        }
    )
    emptied = [f"every {tag}" for tag in sorted(lists_changed) if not _prints(root, tag)]
    return Pruned(serialize(root), tuple(removed + emptied))


def element_key(element: ET.Element) -> tuple[str, ...]:
    """What an entry of a Profile is about: its tag and naming values (`fieldPermissions
    Account.Tier__c`), so that a changed entry is not taken for a removed one."""
    names = tuple(
        (child.text or "").strip() for child in element if local(child.tag) in _KEY_CHILDREN
    )
    return (
        (local(element.tag), *names) if names else (local(element.tag), repr(fingerprint(element)))
    )


def _prints(root: ET.Element, tag: str) -> Counter[Fingerprint]:
    return Counter(fingerprint(e) for e in root if local(e.tag) == tag)


# the children that name a Profile entry (fieldPermissions/field, classAccesses/apexClass, ...)
_KEY_CHILDREN = frozenset(
    (
        "actionName",
        "apexClass",
        "apexPage",
        "application",
        "dataCategoryGroup",
        "externalCredentialPrincipal",
        "externalDataSource",
        "field",
        "flow",
        "layout",
        "name",
        "object",
        "recordType",
        "tab",
    )
)
