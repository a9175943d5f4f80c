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
- **API names ignore case; the org keeps the spelling it holds.** An org holds one component
  per name whatever its case (field, class and object names are unique without regard to
  case), and a deploy is an upsert by name: a component deployed as `AccountId__c` over the
  held `accountId__c` updates that field, which keeps its name. Renaming is a call of its
  own (renameMetadata(), Metadata API Developer Guide) or an edit in Setup; a deploy does
  not rename. Tools meet this as a project and an org that disagree on case after such a
  deploy: the server keeps its spelling while the local files have another
  (RoseSilverSoftware/IlluminatedCloud#2455, forcedotcom/cli#1362), which is why Gearset
  rewrites a package to the target's case before deploying ("Items with names in different
  cases", docs.gearset.com). Destructive changes name a component in any case.
- **What destructive changes cannot delete.** A standard object (no `__` suffix) and an
  object translation are standard: "The CustomObjectTranslation called 'X__c-fr' is standard
  and cannot be deleted" (scolladon/sfdx-git-delta#57; amtrack/force-dev-tool's
  lib/manifest.js keeps CustomObject, CustomObjectTranslation, SharingRules and the rules
  types of standard objects out of destructive manifests for that reason). A Workflow is
  the container of an object's rules and actions: "Cannot delete a workflow object;
  Workflow Rules and Actions must be deleted individually" (scolladon/sfdx-git-delta#38).
- **An Apex class that other Apex uses cannot be deleted.** The org keeps its code
  consistent: "if a custom object is referenced in an Apex class, you can't delete it unless
  you modify the Apex class first to remove the dependency" (Metadata API Developer Guide,
  "Deleting Components from an Organization"), and deleting a class that another class or
  trigger still names fails with "This apex class is referenced elsewhere in salesforce.com.
  Remove the usage and try again." ("Salesforce attempt to enforce referential integrity by
  preventing deletion of components used elsewhere in your org", certinia/apex-mdapi#209).
  The model: a class deleted while a class or trigger the org holds after the deploy (not
  deleted by it; as deployed, when the deploy changes it) names it in its code (comments
  and strings aside, the reading of `sfemu.coverage`).
- **A custom field or object that others use cannot be deleted.** "You can't delete a custom
  field that's referenced elsewhere. For example, you can't delete a custom field that's
  referenced by a field update or Apex" (Salesforce Help, "Delete Fields"); a formula field,
  an Apex class or trigger, a flow and an active validation rule block it, a report, list
  view or page layout does not (simplysfdc.com, "Salesforce: Delete Custom Field"). The
  org's words name each user: "This custom field is referenced elsewhere in salesforce.com.
  : Custom Formula Field - OpportunityLineItem.Use_Opp_Close_Date__c."
  (SFDO-Tooling/CumulusCI#142), "... : Visualforce Page - Spatula."
  (salesforce.stackexchange.com/questions/16777). An object: "This custom object is used by
  another feature. Remove the usage and try again. : Apex Class - ApprovalProcessSelector."
  once per user, the sentences joined (RoseSilverSoftware/IlluminatedCloud#1822). The model
  reads Apex and formulas only: a field is used by a class or trigger whose code names both
  the field and its object (`Account` and `Tier__c`: Apex names a field through its object,
  and a field name alone could be another object's), and by a formula field of its own
  object naming it; an object by a class or trigger naming it (a trigger *on* the object is
  not counted: what an org does with it was not found). The label of a trigger, "Apex
  Trigger", follows the class's. Flows, validation rules, pages and cross-object formulas
  are not read (kinder than an org; docs/sfemu.md).
- **Which org a deletion is checked against.** destructiveChangesPost is applied after the
  package, so its deletions see the org as deployed; destructiveChangesPre (and
  destructiveChanges.xml) before it ("To delete components before adding or updating other
  components, create a manifest file that's named destructiveChangesPre.xml", Metadata API
  Developer Guide, "Deleting Components from an Organization"), so they see the org as it
  is, less what they delete: a class changed by the package to stop naming a field still
  names it when a pre-deletion runs.
- **Standard fields and record types cannot be deleted.** "The CustomField called
  'ContactPointAddress.ActiveFromDate' is standard and cannot be deleted"
  (scolladon/sfdx-git-delta#98). "The API can add or change record types, but cannot delete
  them ... you will get the Salesforce error Cannot delete record type through API"
  (docs.gearset.com, "Which destructive changes does the metadata API not handle?"; the same
  words in hardisgroupcom/sfdx-hardis's deployment tips).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable

from sfemu import safexml, types
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
APEX_IN_USE = (
    "This apex class is referenced elsewhere in salesforce.com. Remove the usage and try again."
)
FIELD_IN_USE = "This custom field is referenced elsewhere in salesforce.com."
OBJECT_IN_USE = "This custom object is used by another feature. Remove the usage and try again."
RECORD_TYPE = "Cannot delete record type through API"
_FORMULA_NOISE = re.compile(r'"(?:[^"\\]|\\.)*"?|\'(?:[^\'\\]|\\.)*\'?|/\*.*?(?:\*/|\Z)', re.S)
_FORMULA_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def in_use(sentence: str, users: Iterable[tuple[str, str]]) -> str:
    """The org's refusal naming each `(kind, name)` user: `<sentence> : Apex Class - Foo.`,
    once per user, joined by a space (RoseSilverSoftware/IlluminatedCloud#1822)."""
    return " ".join(f"{sentence} : {kind} - {name}." for kind, name in users)


def formula_words(formula: str) -> frozenset[str]:
    """The names a formula uses, lower case (text literals and comments aside)."""
    return frozenset(w.lower() for w in _FORMULA_WORD.findall(_FORMULA_NOISE.sub(" ", formula)))


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


def held_as(comp: Component, pool: Collection[Component]) -> Component:
    """The component of `pool` that `comp` names ignoring case (the org's spelling), else
    `comp` itself. For many lookups in one pool, use `HeldNames`."""
    return HeldNames(pool).held(comp)


class HeldNames:
    """Components looked up by name ignoring case (the index is built on the first miss)."""

    def __init__(self, pool: Collection[Component]) -> None:
        self._pool = pool
        self._folded: dict[tuple[str, str], Component] | None = None

    def held(self, comp: Component) -> Component:
        """The held component `comp` names (its own spelling first), else `comp`."""
        if comp in self._pool:
            return comp
        if self._folded is None:
            self._folded = {(c.type, c.full_name.casefold()): c for c in self._pool}
        return self._folded.get((comp.type, comp.full_name.casefold()), comp)


def respelled(path: str, comp: Component, held: Component) -> str:
    """`comp`'s file `path` under the name the org holds (`classes/foo.cls` ->
    `classes/Foo.cls`; a bundle's own files inside its folder too)."""
    mtype = types.get(comp.type)
    if mtype is None or comp.full_name == held.full_name:
        return path
    head = f"{mtype.directory}/{comp.full_name}"
    if not path.startswith(head):
        return path
    rest = path[len(head) :]
    short, held_short = comp.full_name.rsplit("/", 1)[-1], held.full_name.rsplit("/", 1)[-1]
    parts = rest.split("/")
    for i, part in enumerate(parts[1:], start=1):
        if part == short or part.startswith(short + "."):
            parts[i] = held_short + part[len(short) :]
    return f"{mtype.directory}/{held.full_name}" + "/".join(parts)


# the containers an org keeps for every object (amtrack/force-dev-tool lib/manifest.js)
_STANDARD_UNLESS_CUSTOM = frozenset(
    ("CustomObject", "SharingRules", "EscalationRules", "AutoResponseRules", "AssignmentRules")
)


def undeletable(comp: Component) -> str | None:
    """The org's refusal of a destructive change naming `comp`, or None when it may go."""
    if comp.type == "RecordType":
        return RECORD_TYPE
    if comp.type == "CustomField" and not types.is_custom_object_name(
        types.split_child(comp.full_name)[1]
    ):
        return f"The CustomField called '{comp.full_name}' is standard and cannot be deleted"
    if comp.type == "Workflow":
        return (
            "Cannot delete a workflow object; Workflow Rules and Actions must be deleted "
            "individually"
        )
    standard = comp.type == "CustomObjectTranslation" or (
        comp.type in _STANDARD_UNLESS_CUSTOM and not types.is_custom_object_name(comp.full_name)
    )
    if standard:
        return f"The {comp.type} called '{comp.full_name}' is standard and cannot be deleted"
    return None
