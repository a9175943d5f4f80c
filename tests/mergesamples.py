"""Small permission sets for the merge driver's and the workflows' tests.

`permset(entries)` writes a PermissionSet in Salesforce's own formatting with one
`fieldPermissions` per (field, editable) pair, fields sorted as Salesforce retrieves them.
"""

from __future__ import annotations

from collections.abc import Mapping

PERMSETS = "force-app/main/default/permissionsets"
PATH = f"{PERMSETS}/Sales.permissionset-meta.xml"


def permset(fields: Mapping[str, bool], label: str = "Sales") -> str:
    """A PermissionSet granting read on each field, edit where the value is True."""
    entries = "".join(
        "    <fieldPermissions>\n"
        f"        <editable>{str(editable).lower()}</editable>\n"
        f"        <field>{field}</field>\n"
        "        <readable>true</readable>\n"
        "    </fieldPermissions>\n"
        for field, editable in sorted(fields.items())
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        f"{entries}"
        "    <hasActivationRequired>false</hasActivationRequired>\n"
        f"    <label>{label}</label>\n"
        "</PermissionSet>\n"
    )


BASE = {"Account.Rating__c": False, "Account.Tier__c": False}
# each side adds a different entry at the same place: git's line merge conflicts there, the
# element merge keeps both
OURS = {**BASE, "Account.Region__c": True}
THEIRS = {**BASE, "Account.Segment__c": True}
BOTH = {**BASE, "Account.Region__c": True, "Account.Segment__c": True}
# both add the same entry, with different values: one conflict, in that entry only (git's
# line merge "merges" it cleanly into two Region entries)
ADD_OURS = {**BASE, "Account.Region__c": True}
ADD_THEIRS = {**BASE, "Account.Region__c": False}
REGION_CONFLICT = "PermissionSet Sales: fieldPermissions Account.Region__c: editable true vs false"
