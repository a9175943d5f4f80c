"""Layouts, objects and their children (fields, record types, list views...), applications and
manifests merge by entry; what is ordered on screen stays ordered. Each case asserts the
whole merged file."""

# ruff: noqa: E501  (case tables: a case per line where it fits the eye better)

from __future__ import annotations

import pytest
from mergecase import Case, E, Piece, X, check

OBJ = "force-app/main/default/objects/Account"


def it(field: str, behavior: str = "Edit") -> E:
    return E("layoutItems", E("behavior", behavior), E("field", field))


BLANK = E("layoutItems", E("emptySpace", True))


def col(*items: Piece) -> E:
    return E("layoutColumns", *items)


def sec(label: str, *cols: Piece, style: str = "TwoColumnsTopToBottom") -> E:
    return E(
        "layoutSections",
        E("customLabel", False),
        E("detailHeading", True),
        E("editHeading", True),
        E("label", label),
        *cols,
        E("style", style),
    )


def rel(name: str, *fields: str, sort: str | None = None) -> E:
    parts: list[Piece] = [E("fields", f) for f in fields]
    parts.append(E("relatedList", name))
    if sort is not None:
        parts.append(E("sortField", sort))
    return E("relatedLists", *parts)


def qal(*names: str) -> E:
    return E(
        "quickActionList", *(E("quickActionListItems", E("quickActionName", n)) for n in names)
    )


def info(*cols: Piece) -> E:
    return sec("Information", *cols)


def opt(tag: str, value: str) -> E:
    return E(tag, value)


def override(
    action: str, content: str | None = None, form: str | None = None, kind: str = "Default"
) -> E:
    parts: list[Piece] = [E("actionName", action)]
    if content is not None:
        parts.append(E("content", content))
    if form is not None:
        parts.append(E("formFactor", form))
    parts += [E("skipRecordTypeSelect", False), E("type", kind)]
    return E("actionOverrides", *parts)


def value(name: str, label: str | None = None, default: bool = False) -> E:
    return E("value", E("fullName", name), E("default", default), E("label", label or name))


def picklist(*values: Piece, settings: tuple[Piece, ...] = (), restricted: bool = True) -> E:
    return E(
        "valueSet",
        E("restricted", restricted),
        E("valueSetDefinition", E("sorted", False), *values),
        *settings,
    )


def setting(name: str, *controlling: str) -> E:
    return E(
        "valueSettings", *(E("controllingFieldValue", c) for c in controlling), E("valueName", name)
    )


def filt(field: str, op: str, val: str) -> E:
    return E("filterItems", E("field", field), E("operation", op), E("value", val))


def sfilt(field: str, op: str, val: str) -> E:
    return E("summaryFilterItems", E("field", field), E("operation", op), E("value", val))


def rtp(picklist_name: str, *values: tuple[str, bool]) -> E:
    return E(
        "picklistValues",
        E("picklist", picklist_name),
        *(E("values", E("fullName", v), E("default", d)) for v, d in values),
    )


def tabs(*names: str) -> list[E]:
    return [E("tabs", n) for n in names]


def pao(profile: str, content: str, record_type: str = "Account.Business") -> E:
    return E(
        "profileActionOverrides",
        E("actionName", "View"),
        E("content", content),
        E("formFactor", "Large"),
        E("pageOrSobjectType", "Account"),
        E("recordType", record_type),
        E("type", "Flexipage"),
        E("profile", profile),
    )


def types(name: str, *members: str) -> E:
    return E("types", *(E("members", m) for m in members), E("name", name))


def mk(root: str, path: str):  # type: ignore[no-untyped-def]
    def make(id: str, base: list[Piece] | None, ours: list[Piece], theirs: list[Piece],
             merged: list[Piece], *conflicts: str) -> Case:  # fmt: skip
        return Case(id, path, root, base, ours, theirs, merged, list(conflicts))

    return make


layout = mk("Layout", "force-app/main/default/layouts/Account-Account Layout.layout-meta.xml")
obj = mk("CustomObject", f"{OBJ}/Account.object-meta.xml")
mdapi_obj = mk("CustomObject", "src/objects/Account.object")
field = mk("CustomField", f"{OBJ}/fields/Rating__c.field-meta.xml")
rtype = mk("RecordType", f"{OBJ}/recordTypes/Business.recordType-meta.xml")
listview = mk("ListView", f"{OBJ}/listViews/All.listView-meta.xml")
compact = mk("CompactLayout", f"{OBJ}/compactLayouts/Short.compactLayout-meta.xml")
fieldset = mk("FieldSet", f"{OBJ}/fieldSets/Summary.fieldSet-meta.xml")
process = mk("BusinessProcess", f"{OBJ}/businessProcesses/Sales.businessProcess-meta.xml")
vrule = mk("ValidationRule", f"{OBJ}/validationRules/Need_Name.validationRule-meta.xml")
weblink = mk("WebLink", f"{OBJ}/webLinks/Search.webLink-meta.xml")
app = mk("CustomApplication", "force-app/main/default/applications/Sales.app-meta.xml")
package = mk("Package", "manifest/package.xml")
destructive = mk("Package", "manifest/destructiveChangesPost.xml")

NAME, PHONE, TYPE, WEB, OWNER, RATING = "Name", "Phone", "Type", "Website", "OwnerId", "Rating__c"
SYS = sec(
    "System Information",
    col(it("CreatedById", "Readonly")),
    col(it("LastModifiedById", "Readonly")),
)
LABEL = E("label", "Rating")
TYPE_PICK = E("type", "Picklist")

CASES = [
    # --- layouts: sections in order by label, columns by position, items in order by field
    layout("items-added-different-columns", [info(col(it(NAME)), col(it(OWNER)))], [info(col(it(NAME), it(PHONE)), col(it(OWNER)))], [info(col(it(NAME)), col(it(OWNER), it(TYPE)))], [info(col(it(NAME), it(PHONE)), col(it(OWNER), it(TYPE)))]),
    layout("items-added-different-sections", [info(col(it(NAME)), col()), SYS], [info(col(it(NAME), it(PHONE)), col()), SYS], [info(col(it(NAME)), col()), sec("System Information", col(it("CreatedById", "Readonly"), it("CreatedDate", "Readonly")), col(it("LastModifiedById", "Readonly")))], [info(col(it(NAME), it(PHONE)), col()), sec("System Information", col(it("CreatedById", "Readonly"), it("CreatedDate", "Readonly")), col(it("LastModifiedById", "Readonly")))]),
    layout("behavior-ours-new-item-theirs", [info(col(it(NAME), it(PHONE)))], [info(col(it(NAME, "Required"), it(PHONE)))], [info(col(it(NAME), it(PHONE), it(WEB)))], [info(col(it(NAME, "Required"), it(PHONE), it(WEB)))]),
    layout(
        "behavior-conflict",
        [info(col(it(NAME), it(PHONE)))],
        [info(col(it(NAME, "Required"), it(PHONE)))],
        [info(col(it(NAME, "Readonly"), it(PHONE)))],
        [info(col(X([it(NAME, "Required")], [it(NAME, "Readonly")]), it(PHONE)))],
        "Layout Account-Account Layout: layoutSections Information > layoutColumns #1 > layoutItems Name: "
        "behavior Required vs Readonly",
    ),
    layout(
        "items-inserted-same-place",
        [info(col(it(NAME), it(OWNER)))],
        [info(col(it(NAME), it(PHONE), it(OWNER)))],
        [info(col(it(NAME), it(WEB), it(OWNER)))],
        [info(col(it(NAME), X([it(PHONE)], [it(WEB)]), it(OWNER)))],
        "Layout Account-Account Layout: layoutSections Information > layoutColumns #1 > layoutItems: Phone vs Website",
    ),
    layout(
        "same-field-added-in-two-columns",
        [info(col(it(NAME)), col(it(OWNER)))],
        [info(col(it(NAME), it(PHONE)), col(it(OWNER)))],
        [info(col(it(NAME)), col(it(OWNER), it(PHONE)))],
        [info(col(it(NAME), X([it(PHONE)], [])), col(it(OWNER), X([], [it(PHONE)])))],
        "Layout Account-Account Layout: layoutItems Phone: ours and theirs put it in different places",
    ),
    layout(
        "same-field-moved-to-different-sections",
        [info(col(it(NAME), it(PHONE)), col(it(OWNER))), SYS],
        [info(col(it(NAME)), col(it(OWNER), it(PHONE))), SYS],
        [info(col(it(NAME)), col(it(OWNER))), sec("System Information", col(it("CreatedById", "Readonly"), it(PHONE)), col(it("LastModifiedById", "Readonly")))],
        [info(col(it(NAME)), col(it(OWNER), X([it(PHONE)], []))), sec("System Information", col(it("CreatedById", "Readonly"), X([], [it(PHONE)])), col(it("LastModifiedById", "Readonly")))],
        "Layout Account-Account Layout: layoutItems Phone: ours and theirs put it in different places",
    ),
    layout(
        "field-moved-ours-behavior-theirs",
        [info(col(it(NAME), it(PHONE)), col(it(OWNER)))],
        [info(col(it(NAME)), col(it(OWNER), it(PHONE)))],
        [info(col(it(NAME), it(PHONE, "Required")), col(it(OWNER)))],
        [info(col(it(NAME)), col(it(OWNER), it(PHONE, "Required")))],
    ),
    layout(
        "item-removed-ours-changed-theirs",
        [info(col(it(NAME), it(PHONE)))],
        [info(col(it(NAME)))],
        [info(col(it(NAME), it(PHONE, "Required")))],
        [info(col(it(NAME), X([], [it(PHONE, "Required")])))],
        "Layout Account-Account Layout: layoutSections Information > layoutColumns #1 > layoutItems Phone: "
        "deleted in ours, changed in theirs",
    ),
    layout("section-added-theirs-item-ours", [info(col(it(NAME)))], [info(col(it(NAME, "Required")))], [info(col(it(NAME))), SYS], [info(col(it(NAME, "Required"))), SYS]),
    layout(
        "sections-inserted-same-place",
        [info(col(it(NAME))), SYS],
        [info(col(it(NAME))), sec("Address", col(it("BillingAddress"))), SYS],
        [info(col(it(NAME))), sec("Contact", col(it(PHONE))), SYS],
        [info(col(it(NAME))), X([sec("Address", col(it("BillingAddress")))], [sec("Contact", col(it(PHONE)))]), SYS],
        "Layout Account-Account Layout: layoutSections: Address vs Contact",
    ),
    layout(
        "section-style-conflict",
        [info(col(it(NAME)))],
        [sec("Information", col(it(NAME)), style="OneColumn")],
        [sec("Information", col(it(NAME)), style="CustomLinks")],
        [X([sec("Information", col(it(NAME)), style="OneColumn")], [sec("Information", col(it(NAME)), style="CustomLinks")])],
        "Layout Account-Account Layout: layoutSections Information: style OneColumn vs CustomLinks",
    ),
    layout("blank-space-and-field", [info(col(it(NAME)), col(it(OWNER)))], [info(col(it(NAME), BLANK), col(it(OWNER)))], [info(col(it(NAME)), col(it(OWNER), it(TYPE)))], [info(col(it(NAME), BLANK), col(it(OWNER), it(TYPE)))]),
    layout("blank-space-added-same-place-both", [info(col(it(NAME), it(PHONE)))], [info(col(it(NAME), BLANK, it(PHONE)))], [info(col(it(NAME), BLANK, it(PHONE)))], [info(col(it(NAME), BLANK, it(PHONE)))]),
    layout("third-column-ours-item-theirs", [info(col(it(NAME)), col(it(OWNER)))], [info(col(it(NAME)), col(it(OWNER)), col(it(TYPE)))], [info(col(it(NAME), it(PHONE)), col(it(OWNER)))], [info(col(it(NAME), it(PHONE)), col(it(OWNER)), col(it(TYPE)))]),
    layout("related-fields-ours-list-theirs", [rel("Contacts", "FULL_NAME")], [rel("Contacts", "FULL_NAME", "EMAIL")], [rel("Contacts", "FULL_NAME"), rel("Opportunities", "NAME")], [rel("Contacts", "FULL_NAME", "EMAIL"), rel("Opportunities", "NAME")]),
    layout(
        "related-lists-inserted-same-place",
        [rel("Contacts", "FULL_NAME")],
        [rel("Contacts", "FULL_NAME"), rel("Cases", "CASE_NUMBER")],
        [rel("Contacts", "FULL_NAME"), rel("Notes", "TITLE")],
        [rel("Contacts", "FULL_NAME"), X([rel("Cases", "CASE_NUMBER")], [rel("Notes", "TITLE")])],
        "Layout Account-Account Layout: relatedLists: Cases vs Notes",
    ),
    layout(
        "related-list-removed-ours-changed-theirs",
        [rel("Contacts", "FULL_NAME"), rel("Notes", "TITLE")],
        [rel("Notes", "TITLE")],
        [rel("Contacts", "FULL_NAME", "PHONE"), rel("Notes", "TITLE")],
        [X([], [rel("Contacts", "FULL_NAME", "PHONE")]), rel("Notes", "TITLE")],
        "Layout Account-Account Layout: relatedLists Contacts: deleted in ours, changed in theirs",
    ),
    layout(
        "related-sort-field-conflict",
        [rel("Contacts", "FULL_NAME", sort="FULL_NAME")],
        [rel("Contacts", "FULL_NAME", sort="EMAIL")],
        [rel("Contacts", "FULL_NAME", sort="PHONE")],
        [X([rel("Contacts", "FULL_NAME", sort="EMAIL")], [rel("Contacts", "FULL_NAME", sort="PHONE")])],
        "Layout Account-Account Layout: relatedLists Contacts: sortField EMAIL vs PHONE",
    ),
    layout("quick-actions-appended-and-removed", [qal("New", "Edit", "Log")], [qal("New", "Edit", "Log", "Email")], [qal("New", "Log")], [qal("New", "Log", "Email")]),
    layout(
        "quick-action-added-at-two-places",
        [qal("New", "Edit")],
        [qal("Call", "New", "Edit")],
        [qal("New", "Edit", "Call")],
        [E("quickActionList", X([E("quickActionListItems", E("quickActionName", "Call"))], []), E("quickActionListItems", E("quickActionName", "New")), E("quickActionListItems", E("quickActionName", "Edit")), X([], [E("quickActionListItems", E("quickActionName", "Call"))]))],
        "Layout Account-Account Layout: quickActionList > quickActionListItems Call: ours and theirs put it in different places",
    ),
    layout("exclude-buttons-each-side", [E("excludeButtons", "Delete"), info(col(it(NAME)))], [E("excludeButtons", "Delete"), E("excludeButtons", "Share"), info(col(it(NAME)))], [E("excludeButtons", "Clone"), E("excludeButtons", "Delete"), info(col(it(NAME)))], [E("excludeButtons", "Clone"), E("excludeButtons", "Delete"), E("excludeButtons", "Share"), info(col(it(NAME)))]),
    layout(
        "custom-buttons-appended-both",
        [E("customButtons", "A")],
        [E("customButtons", "A"), E("customButtons", "B")],
        [E("customButtons", "A"), E("customButtons", "C")],
        [E("customButtons", "A"), X([E("customButtons", "B")], [E("customButtons", "C")])],
        "Layout Account-Account Layout: customButtons: B vs C",
    ),
    layout("mini-layout-fields", [E("miniLayout", E("fields", NAME), E("fields", PHONE))], [E("miniLayout", E("fields", NAME), E("fields", PHONE), E("fields", WEB))], [E("miniLayout", E("fields", TYPE), E("fields", NAME), E("fields", PHONE))], [E("miniLayout", E("fields", TYPE), E("fields", NAME), E("fields", PHONE), E("fields", WEB))]),
    layout("show-flags-each-side", [E("showEmailCheckbox", False), E("showRunAssignmentRulesCheckbox", False)], [E("showEmailCheckbox", True), E("showRunAssignmentRulesCheckbox", False)], [E("showEmailCheckbox", False), E("showRunAssignmentRulesCheckbox", True)], [E("showEmailCheckbox", True), E("showRunAssignmentRulesCheckbox", True)]),
    # --- objects
    obj("override-changed-and-added", [override("View", "Account_Page", "Large", "Flexipage")], [override("View", "Account_Record", "Large", "Flexipage")], [override("Edit"), override("View", "Account_Page", "Large", "Flexipage")], [override("Edit"), override("View", "Account_Record", "Large", "Flexipage")]),
    obj("overrides-per-form-factor", [override("View", "A", "Large", "Flexipage"), override("View", "A", "Small", "Flexipage")], [override("View", "B", "Large", "Flexipage"), override("View", "A", "Small", "Flexipage")], [override("View", "A", "Large", "Flexipage"), override("View", "C", "Small", "Flexipage")], [override("View", "B", "Large", "Flexipage"), override("View", "C", "Small", "Flexipage")]),
    obj(
        "search-results-fields-appended-both",
        [E("searchLayouts", E("searchResultsAdditionalFields", "ACCOUNT.NAME"))],
        [E("searchLayouts", E("searchResultsAdditionalFields", "ACCOUNT.NAME"), E("searchResultsAdditionalFields", "ACCOUNT.PHONE1"))],
        [E("searchLayouts", E("searchResultsAdditionalFields", "ACCOUNT.NAME"), E("searchResultsAdditionalFields", "ACCOUNT.TYPE"))],
        [E("searchLayouts", E("searchResultsAdditionalFields", "ACCOUNT.NAME"), X([E("searchResultsAdditionalFields", "ACCOUNT.PHONE1")], [E("searchResultsAdditionalFields", "ACCOUNT.TYPE")]))],
        "CustomObject Account: searchLayouts > searchResultsAdditionalFields: ACCOUNT.PHONE1 vs ACCOUNT.TYPE",
    ),
    obj("search-excluded-buttons-set", [E("searchLayouts", E("excludedStandardButtons", "New"))], [E("searchLayouts", E("excludedStandardButtons", "Accept"), E("excludedStandardButtons", "New"))], [E("searchLayouts", E("excludedStandardButtons", "ChangeOwner"), E("excludedStandardButtons", "New"))], [E("searchLayouts", E("excludedStandardButtons", "Accept"), E("excludedStandardButtons", "ChangeOwner"), E("excludedStandardButtons", "New"))]),
    obj(
        "sharing-model-conflict-labels-each-side",
        [E("label", "Account"), E("pluralLabel", "Accounts"), E("sharingModel", "Read")],
        [E("label", "Client"), E("pluralLabel", "Accounts"), E("sharingModel", "ReadWrite")],
        [E("label", "Account"), E("pluralLabel", "Clients"), E("sharingModel", "Private")],
        [E("label", "Client"), E("pluralLabel", "Clients"), X([E("sharingModel", "ReadWrite")], [E("sharingModel", "Private")])],
        "CustomObject Account: sharingModel: ReadWrite vs Private",
    ),
    obj("name-field-each-side", [E("nameField", E("label", "Name"), E("trackHistory", False), E("type", "Text"))], [E("nameField", E("label", "Account Name"), E("trackHistory", False), E("type", "Text"))], [E("nameField", E("label", "Name"), E("trackHistory", True), E("type", "Text"))], [E("nameField", E("label", "Account Name"), E("trackHistory", True), E("type", "Text"))]),
    obj("history-and-reports", [E("enableHistory", False), E("enableReports", False)], [E("enableHistory", True), E("enableReports", False)], [E("enableHistory", False), E("enableReports", True)], [E("enableHistory", True), E("enableReports", True)]),
    mdapi_obj(
        "mdapi-object-fields",
        [E("fields", E("fullName", "A__c"), E("label", "A")), E("label", "Account")],
        [E("fields", E("fullName", "A__c"), E("label", "Alpha")), E("fields", E("fullName", "B__c"), E("label", "B")), E("label", "Account")],
        [E("fields", E("fullName", "A__c"), E("label", "A")), E("fields", E("fullName", "C__c"), E("label", "C")), E("label", "Account")],
        [E("fields", E("fullName", "A__c"), E("label", "Alpha")), E("fields", E("fullName", "B__c"), E("label", "B")), E("fields", E("fullName", "C__c"), E("label", "C")), E("label", "Account")],
    ),
    mdapi_obj(
        "mdapi-object-field-label-conflict",
        [E("fields", E("fullName", "A__c"), E("label", "A"))],
        [E("fields", E("fullName", "A__c"), E("label", "Alpha"))],
        [E("fields", E("fullName", "A__c"), E("label", "Apple"))],
        [X([E("fields", E("fullName", "A__c"), E("label", "Alpha"))], [E("fields", E("fullName", "A__c"), E("label", "Apple"))])],
        "CustomObject Account: fields A__c: label Alpha vs Apple",
    ),
    mdapi_obj(
        "mdapi-object-list-view-columns",
        [E("listViews", E("fullName", "All"), E("columns", "NAME"), E("filterScope", "Everything"), E("label", "All"))],
        [E("listViews", E("fullName", "All"), E("columns", "NAME"), E("columns", "PHONE"), E("filterScope", "Everything"), E("label", "All"))],
        [E("listViews", E("fullName", "All"), E("columns", "NAME"), E("filterScope", "Mine"), E("label", "All"))],
        [E("listViews", E("fullName", "All"), E("columns", "NAME"), E("columns", "PHONE"), E("filterScope", "Mine"), E("label", "All"))],
    ),
    # --- fields
    field("field-label-ours-help-theirs", [E("fullName", RATING), E("inlineHelpText", "h"), LABEL, TYPE_PICK], [E("fullName", RATING), E("inlineHelpText", "h"), E("label", "Account Rating"), TYPE_PICK], [E("fullName", RATING), E("inlineHelpText", "How hot"), LABEL, TYPE_PICK], [E("fullName", RATING), E("inlineHelpText", "How hot"), E("label", "Account Rating"), TYPE_PICK]),
    field(
        "field-label-conflict",
        [E("fullName", RATING), LABEL],
        [E("fullName", RATING), E("label", "Account Rating")],
        [E("fullName", RATING), E("label", "Temperature")],
        [E("fullName", RATING), X([E("label", "Account Rating")], [E("label", "Temperature")])],
        "CustomField Account.Rating__c: label: Account Rating vs Temperature",
    ),
    field("picklist-values-inserted-different-places", [E("fullName", RATING), picklist(value("Hot"), value("Cold"))], [E("fullName", RATING), picklist(value("Hot"), value("Warm"), value("Cold"))], [E("fullName", RATING), picklist(value("Hot"), value("Cold"), value("Frozen"))], [E("fullName", RATING), picklist(value("Hot"), value("Warm"), value("Cold"), value("Frozen"))]),
    field(
        "picklist-value-label-conflict",
        [E("fullName", RATING), picklist(value("Hot"), value("Cold"))],
        [E("fullName", RATING), picklist(value("Hot", "Very hot"), value("Cold"))],
        [E("fullName", RATING), picklist(value("Hot", "Burning"), value("Cold"))],
        [E("fullName", RATING), picklist(X([value("Hot", "Very hot")], [value("Hot", "Burning")]), value("Cold"))],
        "CustomField Account.Rating__c: valueSet > valueSetDefinition > value Hot: label Very hot vs Burning",
    ),
    field(
        "picklist-value-deleted-ours-default-theirs",
        [E("fullName", RATING), picklist(value("Hot"), value("Cold"))],
        [E("fullName", RATING), picklist(value("Hot"))],
        [E("fullName", RATING), picklist(value("Hot"), value("Cold", default=True))],
        [E("fullName", RATING), picklist(value("Hot"), X([], [value("Cold", default=True)]))],
        "CustomField Account.Rating__c: valueSet > valueSetDefinition > value Cold: deleted in ours, changed in theirs",
    ),
    field("picklist-dependencies-each-side", [E("fullName", RATING), picklist(value("Hot"), settings=(setting("Hot", "Energy"),))], [E("fullName", RATING), picklist(value("Hot"), settings=(setting("Hot", "Energy", "Retail"),))], [E("fullName", RATING), picklist(value("Hot"), settings=(setting("Hot", "Banking", "Energy"),))], [E("fullName", RATING), picklist(value("Hot"), settings=(setting("Hot", "Banking", "Energy", "Retail"),))]),
    field("picklist-restricted-ours-value-theirs", [E("fullName", RATING), picklist(value("Hot"))], [E("fullName", RATING), picklist(value("Hot"), restricted=False)], [E("fullName", RATING), picklist(value("Hot"), value("Cold"))], [E("fullName", RATING), picklist(value("Hot"), value("Cold"), restricted=False)]),
    field("lookup-filter-neighbours", [E("fullName", "Parent__c"), E("lookupFilter", E("active", True), filt("Account.Type", "equals", "Customer"), filt("Account.Active__c", "equals", "Yes"))], [E("fullName", "Parent__c"), E("lookupFilter", E("active", True), filt("Account.Type", "equals", "Partner"), filt("Account.Active__c", "equals", "Yes"))], [E("fullName", "Parent__c"), E("lookupFilter", E("active", True), filt("Account.Type", "equals", "Customer"), filt("Account.Active__c", "equals", "No"))], [E("fullName", "Parent__c"), E("lookupFilter", E("active", True), filt("Account.Type", "equals", "Partner"), filt("Account.Active__c", "equals", "No"))]),
    field(
        "summary-filters-appended-both",
        [E("fullName", "Total__c"), sfilt("Opportunity.IsWon", "equals", "true")],
        [E("fullName", "Total__c"), sfilt("Opportunity.IsWon", "equals", "true"), sfilt("Opportunity.Type", "equals", "New")],
        [E("fullName", "Total__c"), sfilt("Opportunity.IsWon", "equals", "true"), sfilt("Opportunity.Amount", "greaterThan", "0")],
        [E("fullName", "Total__c"), sfilt("Opportunity.IsWon", "equals", "true"), X([sfilt("Opportunity.Type", "equals", "New")], [sfilt("Opportunity.Amount", "greaterThan", "0")])],
        "CustomField Account.Rating__c: summaryFilterItems: Opportunity.Type equals New vs Opportunity.Amount greaterThan 0",
    ),
    field(
        "formula-conflict",
        [E("fullName", "Score__c"), E("formula", "A + B")],
        [E("fullName", "Score__c"), E("formula", "A + B + C")],
        [E("fullName", "Score__c"), E("formula", "A * B")],
        [E("fullName", "Score__c"), X([E("formula", "A + B + C")], [E("formula", "A * B")])],
        "CustomField Account.Rating__c: formula: A + B + C vs A * B",
    ),
    field(
        "description-removed-ours-changed-theirs",
        [E("fullName", RATING), E("description", "d"), LABEL],
        [E("fullName", RATING), LABEL],
        [E("fullName", RATING), E("description", "described"), LABEL],
        [E("fullName", RATING), X([], [E("description", "described")]), LABEL],
        "CustomField Account.Rating__c: description: deleted in ours, changed in theirs",
    ),
    # --- record types
    rtype("record-type-values-per-picklist", [rtp("Industry", ("Energy", False)), rtp("Rating", ("Hot", False))], [rtp("Industry", ("Energy", False), ("Retail", False)), rtp("Rating", ("Hot", False))], [rtp("Industry", ("Energy", False)), rtp("Rating", ("Cold", False), ("Hot", False))], [rtp("Industry", ("Energy", False), ("Retail", False)), rtp("Rating", ("Cold", False), ("Hot", False))]),
    rtype("record-type-values-same-picklist", [rtp("Industry", ("Energy", False))], [rtp("Industry", ("Banking", False), ("Energy", False))], [rtp("Industry", ("Energy", False), ("Retail", False))], [rtp("Industry", ("Banking", False), ("Energy", False), ("Retail", False))]),
    rtype(
        "record-type-default-conflict",
        [rtp("Industry", ("Energy", False))],
        [rtp("Industry", ("Energy", True))],
        [E("picklistValues", E("picklist", "Industry"), E("values", E("fullName", "Energy"), E("default", "maybe")))],
        [E("picklistValues", E("picklist", "Industry"), X([E("values", E("fullName", "Energy"), E("default", True))], [E("values", E("fullName", "Energy"), E("default", "maybe"))]))],
        "RecordType Account.Business: picklistValues Industry > values Energy: default true vs maybe",
    ),
    rtype("record-type-active-and-new-picklist", [E("active", True), rtp("Industry", ("Energy", False))], [E("active", False), rtp("Industry", ("Energy", False))], [E("active", True), rtp("Industry", ("Energy", False)), rtp("Rating", ("Hot", True))], [E("active", False), rtp("Industry", ("Energy", False)), rtp("Rating", ("Hot", True))]),
    rtype(
        "record-type-description-conflict",
        [E("description", "B2B")],
        [E("description", "Business accounts")],
        [E("description", "Companies")],
        [X([E("description", "Business accounts")], [E("description", "Companies")])],
        "RecordType Account.Business: description: Business accounts vs Companies",
    ),
    # --- list views, compact layouts, field sets, business processes, rules, links
    listview("list-view-columns", [E("columns", "NAME"), E("columns", "PHONE"), E("columns", "TYPE")], [E("columns", "NAME"), E("columns", "PHONE"), E("columns", "TYPE"), E("columns", "OWNER")], [E("columns", "NAME"), E("columns", "TYPE")], [E("columns", "NAME"), E("columns", "TYPE"), E("columns", "OWNER")]),
    listview(
        "list-view-columns-inserted-same-place",
        [E("columns", "NAME"), E("columns", "TYPE")],
        [E("columns", "NAME"), E("columns", "PHONE"), E("columns", "TYPE")],
        [E("columns", "NAME"), E("columns", "OWNER"), E("columns", "TYPE")],
        [E("columns", "NAME"), X([E("columns", "PHONE")], [E("columns", "OWNER")]), E("columns", "TYPE")],
        "ListView Account.All: columns: PHONE vs OWNER",
    ),
    listview("list-view-filters-neighbours", [E("filters", E("field", "TYPE"), E("operation", "equals"), E("value", "A")), E("filters", E("field", "OWNER"), E("operation", "equals"), E("value", "me"))], [E("filters", E("field", "TYPE"), E("operation", "equals"), E("value", "B")), E("filters", E("field", "OWNER"), E("operation", "equals"), E("value", "me"))], [E("filters", E("field", "TYPE"), E("operation", "equals"), E("value", "A")), E("filters", E("field", "OWNER"), E("operation", "equals"), E("value", "you"))], [E("filters", E("field", "TYPE"), E("operation", "equals"), E("value", "B")), E("filters", E("field", "OWNER"), E("operation", "equals"), E("value", "you"))]),
    compact("compact-fields", [E("fields", NAME), E("fields", PHONE), E("label", "Short")], [E("fields", NAME), E("fields", PHONE), E("fields", TYPE), E("label", "Short")], [E("fields", OWNER), E("fields", NAME), E("fields", PHONE), E("label", "Short")], [E("fields", OWNER), E("fields", NAME), E("fields", PHONE), E("fields", TYPE), E("label", "Short")]),
    fieldset("field-set-each-side", [E("displayedFields", E("field", NAME), E("isFieldManaged", False), E("isRequired", False)), E("label", "S")], [E("displayedFields", E("field", NAME), E("isFieldManaged", False), E("isRequired", True)), E("label", "S")], [E("displayedFields", E("field", NAME), E("isFieldManaged", False), E("isRequired", False)), E("displayedFields", E("field", PHONE), E("isFieldManaged", False), E("isRequired", False)), E("label", "S")], [E("displayedFields", E("field", NAME), E("isFieldManaged", False), E("isRequired", True)), E("displayedFields", E("field", PHONE), E("isFieldManaged", False), E("isRequired", False)), E("label", "S")]),
    process("business-process-values", [E("isActive", True), E("values", E("fullName", "Prospect"), E("default", False))], [E("isActive", True), E("values", E("fullName", "Closed"), E("default", False)), E("values", E("fullName", "Prospect"), E("default", False))], [E("isActive", False), E("values", E("fullName", "Prospect"), E("default", True))], [E("isActive", False), E("values", E("fullName", "Closed"), E("default", False)), E("values", E("fullName", "Prospect"), E("default", True))]),
    vrule(
        "validation-formula-conflict-message-ours",
        [E("fullName", "Need_Name"), E("active", True), E("errorConditionFormula", "ISBLANK(Name)"), E("errorMessage", "Name")],
        [E("fullName", "Need_Name"), E("active", True), E("errorConditionFormula", "ISBLANK(TRIM(Name))"), E("errorMessage", "Name is required")],
        [E("fullName", "Need_Name"), E("active", False), E("errorConditionFormula", "LEN(Name) = 0"), E("errorMessage", "Name")],
        [E("fullName", "Need_Name"), E("active", False), X([E("errorConditionFormula", "ISBLANK(TRIM(Name))")], [E("errorConditionFormula", "LEN(Name) = 0")]), E("errorMessage", "Name is required")],
        "ValidationRule Account.Need_Name: errorConditionFormula: ISBLANK(TRIM(Name)) vs LEN(Name) = 0",
    ),
    weblink(
        "web-link-url-conflict",
        [E("fullName", "Search"), E("url", "https://example.com/?q={!Account.Name}")],
        [E("fullName", "Search"), E("url", "https://example.com/s?q={!Account.Name}")],
        [E("fullName", "Search"), E("url", "https://example.org/?q={!Account.Name}")],
        [E("fullName", "Search"), X([E("url", "https://example.com/s?q={!Account.Name}")], [E("url", "https://example.org/?q={!Account.Name}")])],
        "WebLink Account.Search: url: https://example.com/s?q={!Account.Name} vs https://example.org/?q={!Account.Name}",
    ),
    # --- applications: tabs in navigation order
    app("tabs-appended-and-inserted", [E("label", "Sales"), *tabs("standard-Account", "standard-Contact")], [E("label", "Sales"), *tabs("standard-Account", "standard-Contact", "standard-Case")], [E("label", "Sales"), *tabs("standard-Account", "standard-Lead", "standard-Contact")], [E("label", "Sales"), *tabs("standard-Account", "standard-Lead", "standard-Contact", "standard-Case")]),
    app(
        "tabs-inserted-same-place",
        [*tabs("standard-Account", "standard-Contact")],
        [*tabs("standard-Account", "standard-Case", "standard-Contact")],
        [*tabs("standard-Account", "standard-Lead", "standard-Contact")],
        [E("tabs", "standard-Account"), X([E("tabs", "standard-Case")], [E("tabs", "standard-Lead")]), E("tabs", "standard-Contact")],
        "CustomApplication Sales: tabs: standard-Case vs standard-Lead",
    ),
    app(
        "tab-added-at-two-places",
        [*tabs("standard-Account", "standard-Contact")],
        [*tabs("standard-Case", "standard-Account", "standard-Contact")],
        [*tabs("standard-Account", "standard-Contact", "standard-Case")],
        [X([E("tabs", "standard-Case")], []), *tabs("standard-Account", "standard-Contact"), X([], [E("tabs", "standard-Case")])],
        "CustomApplication Sales: tabs standard-Case: ours and theirs put it in different places",
    ),
    app("profile-overrides-each-side", [pao("Admin", "A_Page")], [pao("Admin", "A_Page"), pao("Sales", "S_Page")], [pao("Admin", "A_Page"), pao("Support", "X_Page")], [pao("Admin", "A_Page"), pao("Sales", "S_Page"), pao("Support", "X_Page")]),
    app(
        "profile-override-content-conflict",
        [pao("Admin", "A_Page")],
        [pao("Admin", "B_Page")],
        [pao("Admin", "C_Page")],
        [X([pao("Admin", "B_Page")], [pao("Admin", "C_Page")])],
        "CustomApplication Sales: profileActionOverrides View, Account, Account.Business, Admin, Large: content B_Page vs C_Page",
    ),
    app("brand-colors-each-side", [E("brand", E("footerColor", "#000"), E("headerColor", "#111"))], [E("brand", E("footerColor", "#222"), E("headerColor", "#111"))], [E("brand", E("footerColor", "#000"), E("headerColor", "#333"))], [E("brand", E("footerColor", "#222"), E("headerColor", "#333"))]),
    app("form-factors-set", [E("formFactors", "Large")], [E("formFactors", "Large"), E("formFactors", "Small")], [E("formFactors", "Large"), E("formFactors", "Medium")], [E("formFactors", "Large"), E("formFactors", "Medium"), E("formFactors", "Small")]),
    app(
        "nav-type-conflict-utility-bar",
        [E("navType", "Standard")],
        [E("navType", "Console"), E("utilityBar", "Sales_UtilityBar")],
        [E("navType", "Classic")],
        [X([E("navType", "Console")], [E("navType", "Classic")]), E("utilityBar", "Sales_UtilityBar")],
        "CustomApplication Sales: navType: Console vs Classic",
    ),
    app("workspace-mappings", [E("workspaceConfig", E("mappings", E("tab", "standard-Account")))], [E("workspaceConfig", E("mappings", E("fieldName", "ParentId"), E("tab", "standard-Account")))], [E("workspaceConfig", E("mappings", E("tab", "standard-Account")), E("mappings", E("tab", "standard-Case")))], [E("workspaceConfig", E("mappings", E("fieldName", "ParentId"), E("tab", "standard-Account")), E("mappings", E("tab", "standard-Case")))]),
    # --- manifests: types by name, members as sets
    package("package-members-each-side", [types("ApexClass", "A", "C"), E("version", "60.0")], [types("ApexClass", "A", "B", "C"), E("version", "60.0")], [types("ApexClass", "A", "C", "D"), E("version", "60.0")], [types("ApexClass", "A", "B", "C", "D"), E("version", "60.0")]),
    package("package-types-each-side", [types("ApexClass", "A"), E("version", "60.0")], [types("ApexClass", "A"), types("CustomObject", "Account"), E("version", "60.0")], [types("ApexClass", "A"), types("ApexTrigger", "T"), E("version", "60.0")], [types("ApexClass", "A"), types("ApexTrigger", "T"), types("CustomObject", "Account"), E("version", "60.0")]),
    package("package-member-removed-added", [types("ApexClass", "A", "B")], [types("ApexClass", "B")], [types("ApexClass", "A", "B", "C")], [types("ApexClass", "B", "C")]),
    package(
        "package-version-conflict",
        [types("ApexClass", "A"), E("version", "59.0")],
        [types("ApexClass", "A"), E("version", "60.0")],
        [types("ApexClass", "A"), E("version", "61.0")],
        [types("ApexClass", "A"), X([E("version", "60.0")], [E("version", "61.0")])],
        "Manifest package.xml: version: 60.0 vs 61.0",
    ),
    destructive("destructive-members", [types("ApexClass", "Old")], [types("ApexClass", "Old", "Older")], [types("ApexClass", "Obsolete", "Old")], [types("ApexClass", "Obsolete", "Old", "Older")]),
]  # fmt: skip


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_layouts_objects_and_applications(case: Case) -> None:
    check(case)


def test_enough_cases() -> None:
    assert len(CASES) >= 60
