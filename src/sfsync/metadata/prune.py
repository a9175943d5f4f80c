"""Containers deployed whole but copied pruned: Profile, PermissionSet, translations.

Deploying a Profile or a translation only adds and updates what its file holds, so the copy
keeps the elements that changed plus the container's own simple values (label, license,
`custom`), which the deployment needs. An unchanged file (formatting only) is no change.
"""

from __future__ import annotations

from collections import Counter

from sfsync.metadata.xmlsafe import fingerprint, is_leaf, parse, serialize

PRUNED_TYPES = frozenset(
    (
        "Profile",
        "PermissionSet",
        "Translations",
        "CustomObjectTranslation",
        "GlobalValueSetTranslation",
        "StandardValueSetTranslation",
    )
)


def changed(old: bytes | None, new: bytes, where: str) -> bool:
    """True when the two revisions differ in meaning (not only in whitespace)."""
    if old is None:
        return True
    return fingerprint(parse(old, where)) != fingerprint(parse(new, where))


def prune(old: bytes | None, new: bytes, where: str) -> bytes:
    """`new` keeping its simple values and only the compound elements not in `old`."""
    root = parse(new, where)
    if old is None:
        return serialize(root)
    before = Counter(fingerprint(e) for e in parse(old, where))
    for element in list(root):
        if is_leaf(element):
            continue
        print_ = fingerprint(element)
        if before[print_] > 0:
            before[print_] -= 1
            root.remove(element)
    return serialize(root)
