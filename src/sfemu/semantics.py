"""What an org does with particular types on deploy, beyond writing the files it is sent.

- **Profile: overlaid.** "We designed Profile metadata deployment to overlay the existing
  Profile settings in a target org" (Metadata API Developer Guide, Profile): each entry of
  the deployed file (a field permission, a class access, ...) is added or replaced by its
  name, simple values are replaced, and entries the file leaves out stay. Login IP ranges
  are the exception: deployed, they replace the profile's ranges as a set
  (salesforce.stackexchange.com/questions/146053). Every other type is replaced by what is
  deployed: a PermissionSet since API 40.0 ("when you deploy a permission set, you must
  include all of its metadata", Metadata API Developer Guide, PermissionSet).
- **Flow: an active flow cannot be deleted.** Destructive changes naming a flow whose
  version is active fail with "insufficient access rights on cross-reference id"
  (docs.gearset.com, "Changes to Flows in v44 of the Metadata API"). Deploying a
  FlowDefinition with `activeVersionNumber` 0 deactivates it; destructiveChangesPost is
  applied after the package, so a deployment that does both succeeds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sfemu import safexml
from sfemu.types import Component

OVERLAID = frozenset(("Profile",))
WHOLE_LISTS = frozenset(("loginIpRanges",))
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
FLOW_IN_USE = "insufficient access rights on cross-reference id"


def _key(element: ET.Element) -> tuple[str, ...]:
    names = tuple((c.text or "").strip() for c in element if safexml.local(c.tag) in _KEY_CHILDREN)
    return (safexml.local(element.tag), *names) if names else (safexml.local(element.tag),)


def overlay(stored: bytes, incoming: bytes) -> bytes:
    """The profile an org holds after `incoming` is deployed over `stored`."""
    current = safexml.parse(stored)
    new = safexml.parse(incoming)
    lists = {safexml.local(e.tag) for e in new if safexml.local(e.tag) in WHOLE_LISTS}
    kept = [e for e in current if safexml.local(e.tag) not in lists]
    index = {_key(e): i for i, e in enumerate(kept)}
    for element in new:
        key = _key(element)
        if safexml.local(element.tag) not in lists and key in index:
            kept[index[key]] = element
        else:
            index[key] = len(kept)
            kept.append(element)
    merged = ET.Element(current.tag, current.attrib)
    merged.extend(kept)
    return safexml.to_bytes(merged)


def flow_is_active(data: bytes) -> bool:
    """True when a stored flow's version is active."""
    try:
        return safexml.child_text(safexml.parse(data), "status") == "Active"
    except safexml.XmlError:
        return False


def deactivating(definition: bytes) -> bool | None:
    """What a deployed FlowDefinition does: True deactivates, False activates, None neither."""
    try:
        number = safexml.child_text(safexml.parse(definition), "activeVersionNumber")
    except safexml.XmlError:
        return None
    if not number.strip().isdigit():
        return None
    return int(number) == 0


def with_status(flow: bytes, status: str) -> bytes:
    """The flow file with its `<status>` set (the org's view after (de)activation)."""
    root = safexml.parse(flow)
    for child in root:
        if safexml.local(child.tag) == "status":
            child.text = status
            break
    else:
        ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else None
        element = ET.SubElement(root, f"{{{ns}}}status" if ns else "status")
        element.text = status
    return safexml.to_bytes(root)


def flow_of(definition: Component) -> Component:
    """The Flow a FlowDefinition controls."""
    return Component("Flow", definition.full_name)
