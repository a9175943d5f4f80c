"""What the Metadata API does with a deployed component, per type: the rules a delta obeys.

- **Replaced whole** (`REPLACED`): a deployed file *replaces* the org's component, so a copy
  pruned to what changed would delete everything it left out. Since API 40.0 a
  PermissionSet is replaced: "when you deploy a permission set, you must include all of its
  metadata to avoid accidentally overwriting the permission set's contents" (Metadata API
  Developer Guide, PermissionSet). PermissionSetGroup, MutingPermissionSet and the
  translation types are listed too: their reference pages promise no merge, and a whole copy
  is never wrong for a type that merges, while a pruned one is data loss for a type that
  replaces. These go whole, in every file of the component.
- **Merged** (`MERGED`): "We designed Profile metadata deployment to overlay the existing
  Profile settings in a target org" (Metadata API Developer Guide, Profile), so a Profile is
  pruned to what changed plus its own simple values. Inside a merged Profile some elements
  are lists the org replaces as a whole (`WHOLE_LISTS`): login IP ranges are sent as one
  set (salesforce.stackexchange.com/questions/146053), so when any range is in the pruned
  copy, all of them are.
- **Compared by meaning** (`MEANING_COMPARED`): XML containers whose formatting-only change
  (indentation, attribute order, escaping) is no change.
- **Containers listed with their children** (`LIST_CONTAINER`): `sf project convert source
  --manifest` of a manifest naming only `WorkflowRule:Case.Escalate` writes
  `workflowRules/Case.workflow` instead of `workflows/Case.workflow` (checked with the pinned
  CLI in `tests/test_oracle_sf.py`), so the container goes in the manifest next to its
  changed children, as `sf project generate manifest` lists them.
- **Children that need their parent's file** (`PARENT_FILE`): a BotVersion converts only
  with its Bot's `.bot-meta.xml`, so the parent is listed and copied.
- **Not deletable by destructive changes**: a standard object (`is_standard_object`), so
  its deleted children are listed one by one; a RecordType (the Metadata API cannot delete
  one). A Flow with an active version refuses deletion ("insufficient access rights on
  cross-reference id"); the deploy step deactivates it first (`sfsync.org.flows`).
- **Case-insensitive names**: Salesforce API names are unique regardless of case (a field
  renamed `ABC__c` -> `abc__c` is the same field: github.com/scolladon/sfdx-git-delta/issues/132),
  so a deletion whose name equals a deployed or kept one of the same type, ignoring case,
  is not a deletion.
"""

from __future__ import annotations

REPLACED = frozenset(
    (
        "PermissionSet",
        "PermissionSetGroup",
        "MutingPermissionSet",
        "Translations",
        "CustomObjectTranslation",
        "GlobalValueSetTranslation",
        "StandardValueSetTranslation",
    )
)
MERGED = frozenset(("Profile",))
WHOLE_LISTS: dict[str, frozenset[str]] = {"Profile": frozenset(("loginIpRanges",))}
MEANING_COMPARED = REPLACED | MERGED
LIST_CONTAINER = frozenset(
    (
        "Workflow",
        "SharingRules",
        "AssignmentRules",
        "AutoResponseRules",
        "EscalationRules",
        "MatchingRules",
    )
)
PARENT_FILE = frozenset(("Bot",))
UNDELETABLE = {
    "RecordType": "the Metadata API cannot delete record types; deactivate it in Setup",
}
# the suffixes of objects a customer creates (custom, metadata, events, big, external, ...)
_CUSTOM_SUFFIXES = ("__c", "__mdt", "__e", "__b", "__x", "__kav", "__ka", "__xo", "__dll", "__dlm")


def is_standard_object(name: str) -> bool:
    """True for a standard object (`Account`), which destructive changes cannot delete."""
    return not name.lower().endswith(_CUSTOM_SUFFIXES)


def deploy_rule(type_name: str) -> str:
    """How a deployed component of `type_name` meets the org's: replaced, merged, or ''."""
    if type_name in REPLACED:
        return "replaced whole"
    if type_name in MERGED:
        return "merged"
    return ""
