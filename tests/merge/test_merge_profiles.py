"""Profiles and permission sets (with their decomposed files, groups and muting sets) merge
by entry: each case asserts the whole merged file and the conflicts it names."""

# ruff: noqa: E501  (case tables: a case per line where it fits the eye better)

from __future__ import annotations

import pytest
from mergecase import Case, E, Piece, X, check

PROFILE = "force-app/main/default/profiles/Admin.profile-meta.xml"
PERMSET = "force-app/main/default/permissionsets/Sales.permissionset-meta.xml"


def fp(field: str, editable: bool = False, readable: bool = True) -> E:
    return E(
        "fieldPermissions", E("editable", editable), E("field", field), E("readable", readable)
    )


def op(obj: str, create: bool = False, delete: bool = False, edit: bool = False, read: bool = True,
       modify_all: bool = False, view_all: bool = False) -> E:  # fmt: skip
    return E(
        "objectPermissions",
        E("allowCreate", create),
        E("allowDelete", delete),
        E("allowEdit", edit),
        E("allowRead", read),
        E("modifyAllRecords", modify_all),
        E("object", obj),
        E("viewAllRecords", view_all),
    )


def up(name: str, enabled: bool = True) -> E:
    return E("userPermissions", E("enabled", enabled), E("name", name))


def ca(cls: str, enabled: bool = True) -> E:
    return E("classAccesses", E("apexClass", cls), E("enabled", enabled))


def la(layout: str, record_type: str | None = None) -> E:
    if record_type is None:
        return E("layoutAssignments", E("layout", layout))
    return E("layoutAssignments", E("layout", layout), E("recordType", record_type))


def ip(start: str, end: str, description: str | None = None) -> E:
    parts = [E("description", description)] if description is not None else []
    return E("loginIpRanges", *parts, E("endAddress", end), E("startAddress", start))


def hours(**days: int) -> E:
    return E("loginHours", *(E(day, value) for day, value in days.items()))


def tab(name: str, visibility: str = "DefaultOn") -> E:
    return E("tabVisibilities", E("tab", name), E("visibility", visibility))


def rtv(rt: str, visible: bool = True, default: bool = False) -> E:
    return E(
        "recordTypeVisibilities", E("default", default), E("recordType", rt), E("visible", visible)
    )


CUSTOM = E("custom", False)
LICENSE = E("userLicense", "Salesforce")


def profile(id: str, base: list[Piece], ours: list[Piece], theirs: list[Piece],
            merged: list[Piece], *conflicts: str, path: str = PROFILE) -> Case:  # fmt: skip
    return Case(id, path, "Profile", base, ours, theirs, merged, list(conflicts))


def permset(id: str, base: list[Piece] | None, ours: list[Piece], theirs: list[Piece],
            merged: list[Piece], *conflicts: str, path: str = PERMSET, root: str = "PermissionSet") -> Case:  # fmt: skip
    return Case(id, path, root, base, ours, theirs, merged, list(conflicts))


A, B, C, D = "Account.A__c", "Account.B__c", "Account.C__c", "Account.D__c"
RATING = "Account.Rating__c"

CASES = [
    # --- fieldPermissions, keyed by field
    profile("field-changed-ours", [fp(A)], [fp(A, True)], [fp(A)], [fp(A, True)]),
    profile("field-changed-theirs", [fp(A)], [fp(A)], [fp(A, True)], [fp(A, True)]),
    profile("field-same-change-both", [fp(A)], [fp(A, True)], [fp(A, True)], [fp(A, True)]),
    profile(
        "field-editable-ours-readable-theirs",
        [fp(RATING, False)],
        [fp(RATING, True)],
        [fp(RATING, False, False)],
        [fp(RATING, True, False)],
    ),
    profile(
        "field-editable-both-differ",
        [fp(A)],
        [fp(A), fp(RATING, True, True)],
        [fp(A), fp(RATING, False, True)],
        [fp(A), X([fp(RATING, True, True)], [fp(RATING, False, True)])],
        "Profile Admin: fieldPermissions Account.Rating__c: editable true vs false",
    ),
    profile(
        "field-booleans-both-changed-agree",
        [fp(A, False, False), fp(B)],
        [fp(A, True, True), fp(B)],
        [fp(A, False, True), fp(B, True)],
        [fp(A, True, True), fp(B, True)],
    ),
    profile(
        "field-two-leaves-conflict",
        [fp(B)],
        [fp(A, True, True), fp(B)],
        [fp(A, False, False), fp(B, True)],
        [X([fp(A, True, True)], [fp(A, False, False)]), fp(B, True)],
        "Profile Admin: fieldPermissions Account.A__c: editable true vs false",
        "Profile Admin: fieldPermissions Account.A__c: readable true vs false",
    ),
    profile(
        "field-added-each-side",
        [fp(A), fp(D)],
        [fp(A), fp(B), fp(D)],
        [fp(A), fp(C), fp(D)],
        [fp(A), fp(B), fp(C), fp(D)],
    ),
    profile(
        "field-added-each-side-sorted-other-way",
        [fp(A), fp(D)],
        [fp(A), fp(C), fp(D)],
        [fp(A), fp(B), fp(D)],
        [fp(A), fp(B), fp(C), fp(D)],
    ),
    profile("field-added-same-both", [fp(A)], [fp(A), fp(B)], [fp(A), fp(B)], [fp(A), fp(B)]),
    profile(
        "field-added-both-differently",
        [fp(A)],
        [fp(A), fp(B, True)],
        [fp(A), fp(B, False)],
        [fp(A), X([fp(B, True)], [fp(B, False)])],
        "Profile Admin: fieldPermissions Account.B__c: editable true vs false",
    ),
    profile("field-removed-ours", [fp(A), fp(B)], [fp(A)], [fp(A), fp(B)], [fp(A)]),
    profile("field-removed-theirs", [fp(A), fp(B)], [fp(A), fp(B)], [fp(B)], [fp(B)]),
    profile("field-removed-both", [fp(A), fp(B)], [fp(A)], [fp(A)], [fp(A)]),
    profile(
        "field-removed-ours-changed-theirs",
        [fp(A), fp(B)],
        [fp(A)],
        [fp(A), fp(B, True)],
        [fp(A), X([], [fp(B, True)])],
        "Profile Admin: fieldPermissions Account.B__c: deleted in ours, changed in theirs",
    ),
    profile(
        "field-changed-ours-removed-theirs",
        [fp(A), fp(B)],
        [fp(A), fp(B, True)],
        [fp(A)],
        [fp(A), X([fp(B, True)], [])],
        "Profile Admin: fieldPermissions Account.B__c: changed in ours, deleted in theirs",
    ),
    profile(
        "field-removed-ours-added-theirs",
        [fp(A), fp(B)],
        [fp(B)],
        [fp(A), fp(B), fp(C)],
        [fp(B), fp(C)],
    ),
    profile(
        "different-lists-changed",
        [fp(A), op("Account")],
        [fp(A, True), op("Account")],
        [fp(A), op("Account", edit=True)],
        [fp(A, True), op("Account", edit=True)],
    ),
    # --- objectPermissions, keyed by object
    profile(
        "object-different-leaves",
        [op("Account")],
        [op("Account", edit=True)],
        [op("Account", delete=True)],
        [op("Account", delete=True, edit=True)],
    ),
    profile(
        "object-modify-all-one-side",
        [op("Case")],
        [op("Case", modify_all=True, view_all=True)],
        [op("Case", view_all=False, edit=True)],
        [op("Case", edit=True, modify_all=True, view_all=True)],
    ),
    profile(
        "object-added-both-differently",
        [op("Account")],
        [op("Account"), op("Case", edit=True)],
        [op("Account"), op("Case", delete=True)],
        [op("Account"), X([op("Case", edit=True)], [op("Case", delete=True)])],
        "Profile Admin: objectPermissions Case: allowDelete false vs true",
        "Profile Admin: objectPermissions Case: allowEdit true vs false",
    ),
    profile(
        "object-added-both-same",
        [op("Account")],
        [op("Account"), op("Case")],
        [op("Account"), op("Case")],
        [op("Account"), op("Case")],
    ),
    # --- userPermissions, keyed by name
    profile(
        "user-permission-ours-single-value-theirs",
        [up("ApiEnabled", False)],
        [up("ApiEnabled", True)],
        [CUSTOM, up("ApiEnabled", False)],
        [CUSTOM, up("ApiEnabled", True)],
    ),
    profile(
        "user-permission-disabled-ours",
        [up("ViewSetup", True)],
        [up("ViewSetup", False)],
        [E("userPermissions", E("enabled", True), E("name", "ViewSetup"))],
        [up("ViewSetup", False)],
    ),
    profile(
        "user-permissions-added-both",
        [up("ApiEnabled"), up("ViewSetup")],
        [up("ApiEnabled"), up("EditTask"), up("ViewSetup")],
        [up("ApiEnabled"), up("RunReports"), up("ViewSetup")],
        [up("ApiEnabled"), up("EditTask"), up("RunReports"), up("ViewSetup")],
    ),
    # --- lists of different tags: a list appears where Salesforce puts it
    profile(
        "new-list-theirs-in-place",
        [ca("Alpha"), fp(A), up("ApiEnabled")],
        [ca("Alpha"), fp(A, True), up("ApiEnabled")],
        [ca("Alpha"), fp(A), la("Account-Account Layout"), up("ApiEnabled")],
        [ca("Alpha"), fp(A, True), la("Account-Account Layout"), up("ApiEnabled")],
    ),
    profile(
        "new-lists-both-sides",
        [fp(A)],
        [ca("Beta"), fp(A)],
        [fp(A), up("ApiEnabled")],
        [ca("Beta"), fp(A), up("ApiEnabled")],
    ),
    profile(
        "whole-list-removed-ours-added-to-theirs",
        [ca("Alpha"), fp(A)],
        [fp(A)],
        [ca("Alpha"), ca("Beta"), fp(A)],
        [ca("Beta"), fp(A)],
    ),
    # --- layoutAssignments: keyed by the layout's object and the record type
    profile(
        "layout-case-and-caseclose-share-record-type",
        [la("Case-Case Layout", "Case.Support"), la("CaseClose-Close Case Layout", "Case.Support")],
        [
            la("Case-Support Layout", "Case.Support"),
            la("CaseClose-Close Case Layout", "Case.Support"),
        ],
        [la("Case-Case Layout", "Case.Support"), la("CaseClose-Support Close", "Case.Support")],
        [la("Case-Support Layout", "Case.Support"), la("CaseClose-Support Close", "Case.Support")],
    ),
    profile(
        "layout-same-record-type-reassigned-differently",
        [la("Case-Case Layout", "Case.Support")],
        [la("Case-Support Layout", "Case.Support")],
        [la("Case-Service Layout", "Case.Support")],
        [
            X(
                [la("Case-Support Layout", "Case.Support")],
                [la("Case-Service Layout", "Case.Support")],
            )
        ],
        "Profile Admin: layoutAssignments Case-Support Layout, Case.Support: "
        "layout Case-Support Layout vs Case-Service Layout",
    ),
    profile(
        "layout-new-record-types-both",
        [la("Account-Account Layout")],
        [la("Account-Account Layout"), la("Account-Business", "Account.Business")],
        [la("Account-Account Layout"), la("Account-Person", "Account.Person")],
        [
            la("Account-Account Layout"),
            la("Account-Business", "Account.Business"),
            la("Account-Person", "Account.Person"),
        ],
    ),
    profile(
        "layout-default-and-record-type-differ",
        [la("Account-Account Layout"), la("Account-Account Layout", "Account.Business")],
        [la("Account-New Layout"), la("Account-Account Layout", "Account.Business")],
        [la("Account-Account Layout"), la("Account-Business", "Account.Business")],
        [la("Account-New Layout"), la("Account-Business", "Account.Business")],
    ),
    # --- loginIpRanges: a range is its two addresses
    profile(
        "ip-description-and-new-range",
        [ip("10.0.0.0", "10.0.0.255", "office")],
        [ip("10.0.0.0", "10.0.0.255", "head office")],
        [ip("10.0.0.0", "10.0.0.255", "office"), ip("192.168.0.0", "192.168.0.255")],
        [ip("10.0.0.0", "10.0.0.255", "head office"), ip("192.168.0.0", "192.168.0.255")],
    ),
    profile(
        "ip-range-narrowed-ours-described-theirs",
        [ip("10.0.0.0", "10.0.0.255", "office")],
        [ip("10.0.0.0", "10.0.0.127", "office")],
        [ip("10.0.0.0", "10.0.0.255", "main office")],
        [
            ip("10.0.0.0", "10.0.0.127", "office"),
            X([], [ip("10.0.0.0", "10.0.0.255", "main office")]),
        ],
        "Profile Admin: loginIpRanges 10.0.0.0, 10.0.0.255: deleted in ours, changed in theirs",
    ),
    profile(
        "ip-same-range-added-different-descriptions",
        [],
        [ip("1.1.1.1", "1.1.1.9", "vpn")],
        [ip("1.1.1.1", "1.1.1.9", "VPN")],
        [X([ip("1.1.1.1", "1.1.1.9", "vpn")], [ip("1.1.1.1", "1.1.1.9", "VPN")])],
        "Profile Admin: loginIpRanges 1.1.1.1, 1.1.1.9: description vpn vs VPN",
    ),
    profile(
        "ip-ranges-removed-and-added",
        [ip("1.0.0.0", "1.0.0.9"), ip("2.0.0.0", "2.0.0.9")],
        [ip("2.0.0.0", "2.0.0.9")],
        [ip("1.0.0.0", "1.0.0.9"), ip("2.0.0.0", "2.0.0.9"), ip("3.0.0.0", "3.0.0.9")],
        [ip("2.0.0.0", "2.0.0.9"), ip("3.0.0.0", "3.0.0.9")],
    ),
    # --- loginHours: one element, merged day by day
    profile(
        "login-hours-different-days",
        [hours(mondayEnd=1020, mondayStart=480)],
        [hours(mondayEnd=1080, mondayStart=480)],
        [hours(mondayEnd=1020, mondayStart=480, tuesdayEnd=1020, tuesdayStart=480)],
        [hours(mondayEnd=1080, mondayStart=480, tuesdayEnd=1020, tuesdayStart=480)],
    ),
    profile(
        "login-hours-same-day-conflict",
        [hours(mondayEnd=1020, mondayStart=480)],
        [hours(mondayEnd=1080, mondayStart=480)],
        [hours(mondayEnd=960, mondayStart=480)],
        [X([hours(mondayEnd=1080, mondayStart=480)], [hours(mondayEnd=960, mondayStart=480)])],
        "Profile Admin: loginHours: mondayEnd 1080 vs 960",
    ),
    profile(
        "login-hours-added-ours",
        [fp(A)],
        [fp(A), hours(fridayEnd=1020, fridayStart=480)],
        [fp(A, True)],
        [fp(A, True), hours(fridayEnd=1020, fridayStart=480)],
    ),
    profile(
        "login-hours-removed-theirs-changed-ours",
        [hours(sundayEnd=600, sundayStart=0)],
        [hours(sundayEnd=660, sundayStart=0)],
        [],
        [X([hours(sundayEnd=660, sundayStart=0)], [])],
        "Profile Admin: loginHours: changed in ours, deleted in theirs",
    ),
    # --- single values of the profile
    profile(
        "description-conflict",
        [E("description", "Admins")],
        [E("description", "All admins")],
        [E("description", "System admins")],
        [X([E("description", "All admins")], [E("description", "System admins")])],
        "Profile Admin: description: All admins vs System admins",
    ),
    profile(
        "license-and-custom-each-side",
        [CUSTOM, fp(A), LICENSE],
        [E("custom", True), fp(A), LICENSE],
        [CUSTOM, fp(A), E("userLicense", "Salesforce Platform")],
        [E("custom", True), fp(A), E("userLicense", "Salesforce Platform")],
    ),
    profile(
        "description-deleted-ours-changed-theirs",
        [E("description", "x"), fp(A)],
        [fp(A)],
        [E("description", "y"), fp(A)],
        [X([], [E("description", "y")]), fp(A)],
        "Profile Admin: description: deleted in ours, changed in theirs",
    ),
    profile(
        "tab-visibility-conflict",
        [tab("Account", "DefaultOn")],
        [tab("Account", "DefaultOff")],
        [tab("Account", "Hidden")],
        [X([tab("Account", "DefaultOff")], [tab("Account", "Hidden")])],
        "Profile Admin: tabVisibilities Account: visibility DefaultOff vs Hidden",
    ),
    profile(
        "record-type-visibility-each-side",
        [rtv("Account.A"), rtv("Account.B")],
        [rtv("Account.A", visible=False), rtv("Account.B")],
        [rtv("Account.A"), rtv("Account.B"), rtv("Account.C")],
        [rtv("Account.A", visible=False), rtv("Account.B"), rtv("Account.C")],
    ),
    profile(
        "category-group-data-categories-set",
        [
            E(
                "categoryGroupVisibilities",
                E("dataCategories", "Europe"),
                E("dataCategoryGroup", "Geo"),
                E("visibility", "CUSTOM"),
            )
        ],
        [
            E(
                "categoryGroupVisibilities",
                E("dataCategories", "Asia"),
                E("dataCategories", "Europe"),
                E("dataCategoryGroup", "Geo"),
                E("visibility", "CUSTOM"),
            )
        ],
        [
            E(
                "categoryGroupVisibilities",
                E("dataCategories", "Europe"),
                E("dataCategories", "Oceania"),
                E("dataCategoryGroup", "Geo"),
                E("visibility", "CUSTOM"),
            )
        ],
        [
            E(
                "categoryGroupVisibilities",
                E("dataCategories", "Asia"),
                E("dataCategories", "Europe"),
                E("dataCategories", "Oceania"),
                E("dataCategoryGroup", "Geo"),
                E("visibility", "CUSTOM"),
            )
        ],
    ),
    profile(
        "class-access-added-removed",
        [ca("Alpha"), ca("Gamma")],
        [ca("Alpha"), ca("Beta"), ca("Gamma")],
        [ca("Gamma")],
        [ca("Beta"), ca("Gamma")],
    ),
    profile(
        "many-changes-no-conflict",
        [ca("Alpha"), fp(A), fp(C), op("Account"), up("ApiEnabled")],
        [ca("Alpha"), fp(A), fp(B), fp(C, True), op("Account"), up("ApiEnabled", False)],
        [ca("Alpha"), ca("Beta"), fp(C), fp(D), op("Account", edit=True), up("ApiEnabled")],
        [
            ca("Alpha"),
            ca("Beta"),
            fp(B),
            fp(C, True),
            fp(D),
            op("Account", edit=True),
            up("ApiEnabled", False),
        ],
    ),
    profile(
        "mdapi-format-profile",
        [fp(A)],
        [fp(A, True)],
        [fp(A), fp(B)],
        [fp(A, True), fp(B)],
        path="src/profiles/Admin.profile",
    ),
    # --- lists interleaved by hand: merged as one sequence of entries named by tag and key
    profile(
        "interleaved-lists",
        [fp(A), op("Account"), fp(B)],
        [fp(A, True), op("Account"), fp(B)],
        [fp(A), op("Account"), fp(B), fp(C)],
        [fp(A, True), op("Account"), fp(B), fp(C)],
    ),
    profile(
        "interleaved-lists-conflict",
        [fp(A), op("Account"), fp(B)],
        [fp(A), op("Account"), fp(B, True)],
        [fp(A), op("Account"), fp(B, False, False)],
        [fp(A), op("Account"), fp(B, True, False)],
    ),
    # --- a duplicated key: a conflict, never a dropped entry
    profile(
        "duplicate-key-added-ours-changed-theirs",
        [fp(A)],
        [fp(A), fp(A, True)],
        [fp(A, False, False)],
        [X([fp(A), fp(A, True)], [fp(A, False, False)])],
        "Profile Admin: fieldPermissions Account.A__c: duplicated key, changed on both sides "
        "(2 vs 1 entries)",
    ),
    profile(
        "duplicate-key-untouched-kept",
        [fp(A), fp(A, True), fp(B)],
        [fp(A), fp(A, True), fp(B, True)],
        [fp(A), fp(A, True), fp(B), fp(C)],
        [fp(A), fp(A, True), fp(B, True), fp(C)],
    ),
    profile(
        "duplicate-key-fixed-one-side",
        [fp(A), fp(A, True)],
        [fp(A, True)],
        [fp(A), fp(A, True), fp(B)],
        [fp(A, True), fp(B)],
    ),
    # --- permission sets
    permset(
        "permset-label-conflict",
        [E("label", "Sales")],
        [E("label", "Sales Team")],
        [E("label", "Sales Users")],
        [X([E("label", "Sales Team")], [E("label", "Sales Users")])],
        "PermissionSet Sales: label: Sales Team vs Sales Users",
    ),
    permset(
        "permset-fields-and-objects",
        [fp(A), E("label", "Sales"), op("Account")],
        [fp(A), fp(B), E("label", "Sales"), op("Account", edit=True)],
        [fp(A, True), E("label", "Sales"), op("Account"), op("Case")],
        [fp(A, True), fp(B), E("label", "Sales"), op("Account", edit=True), op("Case")],
    ),
    permset(
        "permset-tab-settings",
        [E("tabSettings", E("tab", "Account"), E("visibility", "Visible"))],
        [E("tabSettings", E("tab", "Account"), E("visibility", "Available"))],
        [
            E("tabSettings", E("tab", "Account"), E("visibility", "Visible")),
            E("tabSettings", E("tab", "Case"), E("visibility", "Visible")),
        ],
        [
            E("tabSettings", E("tab", "Account"), E("visibility", "Available")),
            E("tabSettings", E("tab", "Case"), E("visibility", "Visible")),
        ],
    ),
    permset(
        "permset-has-activation-required-one-side",
        [E("hasActivationRequired", False), E("label", "Sales")],
        [E("hasActivationRequired", True), E("label", "Sales")],
        [E("hasActivationRequired", False), E("label", "Sales Users")],
        [E("hasActivationRequired", True), E("label", "Sales Users")],
    ),
    permset(
        "permset-custom-permissions-same-added",
        [E("label", "S")],
        [E("customPermissions", E("enabled", True), E("name", "Export")), E("label", "S")],
        [E("customPermissions", E("enabled", True), E("name", "Export")), E("label", "S")],
        [E("customPermissions", E("enabled", True), E("name", "Export")), E("label", "S")],
    ),
    permset(
        "permset-description-removed-both",
        [E("description", "old"), E("label", "S")],
        [E("label", "S")],
        [E("label", "S")],
        [E("label", "S")],
    ),
    permset(
        "permset-external-credential-principals",
        [
            E(
                "externalCredentialPrincipalAccesses",
                E("enabled", True),
                E("externalCredentialPrincipal", "Cred-One"),
            )
        ],
        [
            E(
                "externalCredentialPrincipalAccesses",
                E("enabled", False),
                E("externalCredentialPrincipal", "Cred-One"),
            )
        ],
        [
            E(
                "externalCredentialPrincipalAccesses",
                E("enabled", True),
                E("externalCredentialPrincipal", "Cred-One"),
            ),
            E(
                "externalCredentialPrincipalAccesses",
                E("enabled", True),
                E("externalCredentialPrincipal", "Cred-Two"),
            ),
        ],
        [
            E(
                "externalCredentialPrincipalAccesses",
                E("enabled", False),
                E("externalCredentialPrincipal", "Cred-One"),
            ),
            E(
                "externalCredentialPrincipalAccesses",
                E("enabled", True),
                E("externalCredentialPrincipal", "Cred-Two"),
            ),
        ],
    ),
    permset(
        "muting-permission-set",
        [fp(A), E("label", "Mute")],
        [fp(A), fp(B), E("label", "Mute")],
        [fp(A), fp(C), E("label", "Mute")],
        [fp(A), fp(B), fp(C), E("label", "Mute")],
        path="force-app/main/default/mutingpermissionsets/Mute.mutingpermissionset-meta.xml",
        root="MutingPermissionSet",
    ),
    # --- decomposed permission sets (sf's decomposePermissionSetBeta2 layout)
    permset(
        "decomposed-object-settings",
        [fp("Account.Name"), op("Account")],
        [fp("Account.Name", True), fp("Account.Rating"), op("Account")],
        [fp("Account.Name"), op("Account", create=True)],
        [fp("Account.Name", True), fp("Account.Rating"), op("Account", create=True)],
        path="force-app/main/default/permissionsets/Sales/objectSettings/Account.objectSettings-meta.xml",
    ),
    permset(
        "decomposed-object-settings-conflict",
        [fp("Account.Name")],
        [fp("Account.Name", True)],
        [fp("Account.Name", False, False)],
        [fp("Account.Name", True, False)],
        path="force-app/main/default/permissionsets/Sales/objectSettings/Account.objectSettings-meta.xml",
    ),
    permset(
        "decomposed-user-permission-file",
        [up("ApiEnabled")],
        [up("ApiEnabled", False)],
        [up("ViewSetup", True)],
        [X([up("ApiEnabled", False)], []), up("ViewSetup", True)],
        "PermissionSet Sales: userPermissions ApiEnabled: changed in ours, deleted in theirs",
        path="force-app/main/default/permissionsets/Sales/Sales.userPermission-meta.xml",
    ),
    permset(
        "decomposed-field-permission-child",
        [E("editable", False), E("field", "Account.Name"), E("readable", True)],
        [E("editable", True), E("field", "Account.Name"), E("readable", True)],
        [E("editable", False), E("field", "Account.Name"), E("readable", False)],
        [E("editable", True), E("field", "Account.Name"), E("readable", False)],
        path="force-app/main/default/permissionsets/Sales/fieldPermissions/Account.Name.fieldPermission-meta.xml",
        root="FieldPermission",
    ),
    permset(
        "decomposed-field-permission-child-added-both",
        None,
        [E("editable", True), E("field", "Account.Name"), E("readable", True)],
        [E("editable", False), E("field", "Account.Name"), E("readable", True)],
        [
            X([E("editable", True)], [E("editable", False)]),
            E("field", "Account.Name"),
            E("readable", True),
        ],
        "PermissionSet Sales: editable: true vs false",
        path="force-app/main/default/permissionsets/Sales/fieldPermissions/Account.Name.fieldPermission-meta.xml",
        root="FieldPermission",
    ),
    # --- permission set groups: the sets in the group are a set
    permset(
        "group-permission-sets-added-each-side",
        [E("label", "G"), E("permissionSets", "Alpha"), E("permissionSets", "Delta")],
        [
            E("label", "G"),
            E("permissionSets", "Alpha"),
            E("permissionSets", "Beta"),
            E("permissionSets", "Delta"),
        ],
        [
            E("label", "G"),
            E("permissionSets", "Alpha"),
            E("permissionSets", "Charlie"),
            E("permissionSets", "Delta"),
        ],
        [
            E("label", "G"),
            E("permissionSets", "Alpha"),
            E("permissionSets", "Beta"),
            E("permissionSets", "Charlie"),
            E("permissionSets", "Delta"),
        ],
        path="force-app/main/default/permissionsetgroups/G.permissionsetgroup-meta.xml",
        root="PermissionSetGroup",
    ),
    permset(
        "group-permission-set-removed-and-added",
        [E("label", "G"), E("permissionSets", "Alpha"), E("permissionSets", "Beta")],
        [E("label", "G"), E("permissionSets", "Beta")],
        [
            E("label", "G"),
            E("permissionSets", "Alpha"),
            E("permissionSets", "Beta"),
            E("permissionSets", "Gamma"),
        ],
        [E("label", "G"), E("permissionSets", "Beta"), E("permissionSets", "Gamma")],
        path="force-app/main/default/permissionsetgroups/G.permissionsetgroup-meta.xml",
        root="PermissionSetGroup",
    ),
    permset(
        "group-status-conflict-muting-added",
        [E("label", "G"), E("status", "Updated")],
        [E("label", "G"), E("mutingPermissionSets", "M"), E("status", "Outdated")],
        [E("label", "G"), E("status", "Failed")],
        [
            E("label", "G"),
            E("mutingPermissionSets", "M"),
            X([E("status", "Outdated")], [E("status", "Failed")]),
        ],
        "PermissionSetGroup G: status: Outdated vs Failed",
        path="force-app/main/default/permissionsetgroups/G.permissionsetgroup-meta.xml",
        root="PermissionSetGroup",
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_profiles_and_permission_sets(case: Case) -> None:
    check(case)


def test_enough_cases() -> None:
    assert len(CASES) >= 60
