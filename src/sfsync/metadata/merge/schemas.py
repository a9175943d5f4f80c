"""The key tables: for each kind of file, how every list in it is keyed.

Sources: the Metadata API Developer Guide, one page per type
(https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_<type>.htm,
e.g. meta_profile.htm, meta_permissionset.htm, meta_layout.htm, meta_flow.htm) and its WSDL,
which says which fields are lists (`[]`) and which are single; and the `sf` CLI's registry
(source-deploy-retrieve `metadataRegistry.json`: `uniqueIdElement` names the key of a
decomposed child, e.g. `field` for FieldPermission, `fullName` for CustomLabel and
WorkflowRule). Where the guide gives no key, the key is the field that names the entry in
the org (an IP range is its start and end address); what has no name at all is an ordered
sequence compared whole (`seq`).

The same tag can mean different things under different parents, so every rule belongs to its
parent: `picklistValues` is keyed by `picklist` in a RecordType but by `masterLabel` in a
field translation; `sections` by `section` in a layout translation but by `name` in a report
type translation; `inputAssignments` by `field` in a record create but by `name` in a subflow.
"""

from __future__ import annotations

from collections.abc import Mapping

from sfsync.metadata.merge.rules import (
    COSMETIC_LEAF,
    Rule,
    Schema,
    keyed,
    leaves,
    positional,
    seq,
    single,
)

# --- shared pieces ------------------------------------------------------------------------

# FilterItem (field, operation, value, valueField): criteria whose order numbers the
# `booleanFilter` ("1 AND (2 OR 3)"), so an ordered sequence without a key
FILTER_ITEMS = seq()

# SharedTo: who a sharing rule or list view shares with; every member list is a set
SHARED_TO = single(
    {
        tag: leaves()
        for tag in (
            "channelProgramGroup",
            "channelProgramGroups",
            "group",
            "groups",
            "guestUser",
            "managerSubordinates",
            "managers",
            "portalRole",
            "portalRoleAndSubordinates",
            "queue",
            "role",
            "roleAndSubordinates",
            "roleAndSubordinatesInternal",
            "roles",
            "rolesAndSubordinates",
            "territories",
            "territoriesAndSubordinates",
            "territory",
            "territoryAndSubordinates",
        )
    }
)

# --- Profile, PermissionSet, MutingPermissionSet, PermissionSetGroup ----------------------

# meta_permissionset.htm; the keys are the registry's uniqueIdElement of each decomposed child
# (presets/decomposePermissionSetBeta.json): application, apexClass, name, field, flow,
# object, apexPage, recordType, tab, externalDataSource, externalCredentialPrincipal
_PERMISSION_LISTS: Mapping[str, Rule] = {
    "applicationVisibilities": keyed("application"),
    "classAccesses": keyed("apexClass"),
    "customMetadataTypeAccesses": keyed("name"),
    "customPermissions": keyed("name"),
    "customSettingAccesses": keyed("name"),
    "emailRoutingAddressAccesses": keyed("name"),
    "externalCredentialPrincipalAccesses": keyed("externalCredentialPrincipal"),
    "externalDataSourceAccesses": keyed("externalDataSource"),
    "fieldPermissions": keyed("field"),
    "flowAccesses": keyed("flow"),
    "objectPermissions": keyed("object"),
    "pageAccesses": keyed("apexPage"),
    "recordTypeVisibilities": keyed("recordType"),
    "servicePresenceStatusAccesses": keyed("servicePresenceStatus"),
    "tabSettings": keyed("tab"),
    "userPermissions": keyed("name"),
    "dataspaceScopes": keyed("dataspaceScope"),
}

PERMISSION_SET = Schema(_PERMISSION_LISTS)

# meta_profile.htm. Hard cases:
# - layoutAssignments: a profile assigns one layout per object and record type (an entry
#   without a record type: the object's default). The object is where the layout name starts
#   ("Case-Case Layout"); the Case and CaseClose layouts are two kinds of layout for one record
#   type, so the key is the layout's object (Case, CaseClose) AND the record type. Assigning
#   another layout to a record type changes that entry's `layout` (both sides doing it
#   differently is a conflict, never two layouts for one record type);
# - loginIpRanges (ProfileLoginIpRange: startAddress, endAddress, description) have no name:
#   a range is its two addresses, the description a value;
# - loginHours is one element whose children (mondayStart, mondayEnd...) merge one by one;
# - profileActionOverrides (ProfileActionOverride, meta_profileactionoverride.htm): one per
#   action, page, record type and form factor;
# - categoryGroupVisibilities: per dataCategoryGroup, its dataCategories a set.
PROFILE = Schema(
    {
        **_PERMISSION_LISTS,
        "tabVisibilities": keyed("tab"),
        "layoutAssignments": keyed("layout|object", "recordType"),
        "loginIpRanges": keyed("startAddress", "endAddress"),
        "loginHours": single(),
        "loginFlows": keyed("friendlyName", "flow"),
        "profileActionOverrides": keyed(
            "actionName", "pageOrSobjectType", "recordType", "formFactor"
        ),
        "categoryGroupVisibilities": keyed(
            "dataCategoryGroup", children={"dataCategories": leaves()}
        ),
    }
)

# meta_permissionsetgroup.htm: the permission sets in the group are sets of names
PERMISSION_SET_GROUP = Schema(
    {"permissionSets": leaves(), "mutingPermissionSets": leaves(), "tags": leaves()}
)

# --- labels and translations ----------------------------------------------------------------

# meta_customlabels.htm; registry: CustomLabel uniqueIdElement fullName
CUSTOM_LABELS = Schema({"labels": keyed("fullName")})
CUSTOM_LABEL = Schema({})  # decomposed (decomposeCustomLabelsBeta2): one label per file

# meta_customobjecttranslation.htm. ObjectNameCaseValue has no name: a form is its case,
# number, possessive and article.
_CASE_VALUES = keyed("caseType", "plural", "possessive", "article")

# CustomFieldTranslation: picklistValues (PicklistValueTranslation) by masterLabel
_FIELD_TRANSLATION: Mapping[str, Rule] = {
    "picklistValues": keyed("masterLabel"),
    "caseValues": _CASE_VALUES,
    "lookupFilter": single(),
}

CUSTOM_OBJECT_TRANSLATION = Schema(
    {
        "caseValues": _CASE_VALUES,
        "fields": keyed("name", children=_FIELD_TRANSLATION),
        "fieldSets": keyed("name"),
        # LayoutTranslation: a layout (and its layoutType) with its sections by `section`
        "layouts": keyed("layout", "layoutType", children={"sections": keyed("section")}),
        "quickActions": keyed("name"),
        "recordTypes": keyed("name"),
        "sharingReasons": keyed("name"),
        "standardFields": keyed("name"),
        "validationRules": keyed("name"),
        "webLinks": keyed("name"),
        "workflowTasks": keyed("name"),
    }
)
CUSTOM_FIELD_TRANSLATION = Schema(_FIELD_TRANSLATION)  # the decomposed fieldTranslation file

# meta_translations.htm: every translated component by `name`, with the nested lists of flow
# definitions (flows by fullName, their screens, fields, choices, stages and text templates
# by name) and report types (sections, then columns, by name)
_FLOW_TRANSLATION: Mapping[str, Rule] = {
    "choices": keyed("name"),
    "screens": keyed("name", children={"fields": keyed("name")}),
    "stages": keyed("name"),
    "textTemplates": keyed("name"),
    "conditions": keyed("name"),
    "customErrors": keyed("name", children={"customErrorMessages": keyed("name")}),
}
TRANSLATIONS = Schema(
    {
        "customApplications": keyed("name"),
        "customDataTypeTranslations": keyed(
            "customDataTypeName", children={"components": keyed("developerSuffix")}
        ),
        "customLabels": keyed("name"),
        "customPageWebLinks": keyed("name"),
        "customTabs": keyed("name"),
        "flowDefinitions": keyed(
            "fullName", children={"flows": keyed("fullName", children=_FLOW_TRANSLATION)}
        ),
        "quickActions": keyed("name"),
        "reportTypes": keyed(
            "name", children={"sections": keyed("name", children={"columns": keyed("name")})}
        ),
        "scontrols": keyed("name"),
        "reports": keyed("name"),
        "prompts": keyed("name", children={"promptVersions": keyed("versionNumber")}),
        "pipelineInspMetricConfigs": keyed("name"),
        "identityVerificationCustomFieldLabels": keyed("name"),
        "desFieldTemplateMessages": keyed("name"),
        "conversationMessageDefinitions": keyed("name"),
        "bots": keyed("fullName"),
    }
)

# --- value sets -------------------------------------------------------------------------------

# meta_globalvalueset.htm / meta_standardvalueset.htm: the values in their order (the order is
# what users see unless `sorted`), by fullName
GLOBAL_VALUE_SET = Schema({"customValue": keyed("fullName", ordered=True)})
STANDARD_VALUE_SET = Schema({"standardValue": keyed("fullName", ordered=True)})
# meta_globalvaluesettranslation.htm: ValueTranslation by masterLabel
VALUE_SET_TRANSLATION = Schema({"valueTranslation": keyed("masterLabel")})

# --- sharing rules, workflows, assignment/auto-response/escalation/matching rules ----------

# meta_sharingrules.htm; registry: every sharing rule child keyed by fullName
_SHARING_RULE: Mapping[str, Rule] = {
    "criteriaItems": FILTER_ITEMS,
    "sharedTo": SHARED_TO,
    "sharedFrom": SHARED_TO,
    "accountSettings": single(),
}
SHARING_RULES = Schema(
    {
        "sharingCriteriaRules": keyed("fullName", children=_SHARING_RULE),
        "sharingGuestRules": keyed("fullName", children=_SHARING_RULE),
        "sharingOwnerRules": keyed("fullName", children=_SHARING_RULE),
        "sharingTerritoryRules": keyed("fullName", children=_SHARING_RULE),
    }
)
SHARING_RULE = Schema(_SHARING_RULE)  # a decomposed sharing rule file

# meta_workflow.htm; registry: every workflow child keyed by fullName. Inside: an alert's
# recipients by type and who (WorkflowEmailRecipient has no name), its ccEmails a set; a
# rule's actions by name and type, criteria in order, time triggers compared whole.
_ACTIONS = keyed("name", "type")
_WORKFLOW_ALERT: Mapping[str, Rule] = {
    "recipients": keyed("type", "recipient", "field"),
    "ccEmails": leaves(),
}
_WORKFLOW_RULE: Mapping[str, Rule] = {
    "actions": _ACTIONS,
    "criteriaItems": FILTER_ITEMS,
    "workflowTimeTriggers": seq({"actions": _ACTIONS}),
}
_WORKFLOW_FLOW_ACTION: Mapping[str, Rule] = {"flowInputs": keyed("name")}
_WORKFLOW_OUTBOUND: Mapping[str, Rule] = {"fields": leaves()}
WORKFLOW = Schema(
    {
        "alerts": keyed("fullName", children=_WORKFLOW_ALERT),
        "fieldUpdates": keyed("fullName"),
        "flowActions": keyed("fullName", children=_WORKFLOW_FLOW_ACTION),
        "knowledgePublishes": keyed("fullName"),
        "outboundMessages": keyed("fullName", children=_WORKFLOW_OUTBOUND),
        "rules": keyed("fullName", children=_WORKFLOW_RULE),
        "send": keyed("fullName"),
        "tasks": keyed("fullName"),
    }
)
WORKFLOW_ALERT = Schema(_WORKFLOW_ALERT)
WORKFLOW_RULE = Schema(_WORKFLOW_RULE)
WORKFLOW_FLOW_ACTION = Schema(_WORKFLOW_FLOW_ACTION)
WORKFLOW_OUTBOUND = Schema(_WORKFLOW_OUTBOUND)
WORKFLOW_LEAVES = Schema({})  # field updates, tasks, sends, knowledge publishes

# meta_assignmentrules.htm / meta_autoresponserules.htm / meta_escalationrules.htm: rules by
# fullName; a rule's entries (RuleEntry) have no name and are evaluated in order, so they
# merge as a sequence; an escalation entry's actions likewise
_RULE_ENTRY: Mapping[str, Rule] = {
    "criteriaItems": FILTER_ITEMS,
    "team": leaves(),
    "escalationAction": seq({"notifyEmail": leaves()}),
}
ASSIGNMENT_RULES = Schema(
    {"assignmentRule": keyed("fullName", children={"ruleEntry": seq(_RULE_ENTRY)})}
)
AUTO_RESPONSE_RULES = Schema(
    {"autoResponseRule": keyed("fullName", children={"ruleEntry": seq(_RULE_ENTRY)})}
)
ESCALATION_RULES = Schema(
    {"escalationRule": keyed("fullName", children={"ruleEntry": seq(_RULE_ENTRY)})}
)
# meta_matchingrule.htm: MatchingRuleItem (fieldName, matchingMethod, blankValueBehavior) in
# the order the booleanFilter numbers them; one item per field
MATCHING_RULES = Schema(
    {
        "matchingRules": keyed(
            "fullName", children={"matchingRuleItems": keyed("fieldName", ordered=True)}
        )
    }
)

# --- objects: CustomObject, CustomField, RecordType and the other object children -----------

# meta_customfield.htm: a picklist's values (CustomValue) by fullName, in order; its
# dependencies (ValueSettings) by valueName with the controlling values a set; lookup
# filter and roll-up summary criteria in order. The pre-38.0 `picklist` the same way.
_PICKLIST_VALUES = keyed("fullName", ordered=True)
_CUSTOM_FIELD: Mapping[str, Rule] = {
    "valueSet": single(
        {
            "valueSetDefinition": single({"value": _PICKLIST_VALUES}),
            "valueSettings": keyed("valueName", children={"controllingFieldValue": leaves()}),
        }
    ),
    "lookupFilter": single({"filterItems": FILTER_ITEMS}),
    "summaryFilterItems": FILTER_ITEMS,
    "picklist": single(
        {
            "picklistValues": keyed(
                "fullName", ordered=True, children={"controllingFieldValues": leaves()}
            )
        }
    ),
}
CUSTOM_FIELD = Schema(_CUSTOM_FIELD)

# meta_recordtype.htm: RecordTypePicklistValue by `picklist` (not by masterLabel as in a
# translation), its values (PicklistValue) by fullName
_RECORD_TYPE: Mapping[str, Rule] = {
    "picklistValues": keyed(
        "picklist",
        children={"values": keyed("fullName", children={"controllingFieldValues": leaves()})},
    ),
}
RECORD_TYPE = Schema(_RECORD_TYPE)

# meta_listview.htm: columns in order, filters in order (numbered by booleanFilter)
_LIST_VIEW: Mapping[str, Rule] = {
    "columns": leaves(ordered=True),
    "filters": FILTER_ITEMS,
    "sharedTo": SHARED_TO,
}
LIST_VIEW = Schema(_LIST_VIEW)
# meta_compactlayout.htm: the fields in display order
_COMPACT_LAYOUT: Mapping[str, Rule] = {"fields": leaves(ordered=True)}
COMPACT_LAYOUT = Schema(_COMPACT_LAYOUT)
# meta_fieldset.htm: FieldSetItem by field; the displayed ones in order
_FIELD_SET: Mapping[str, Rule] = {
    "displayedFields": keyed("field", ordered=True),
    "availableFields": keyed("field"),
}
FIELD_SET = Schema(_FIELD_SET)
# meta_businessprocess.htm: the stage values (PicklistValue) by fullName
_BUSINESS_PROCESS: Mapping[str, Rule] = {"values": keyed("fullName")}
BUSINESS_PROCESS = Schema(_BUSINESS_PROCESS)
OBJECT_LEAVES = Schema({})  # ValidationRule, WebLink: leaves only

# meta_customobject.htm: ActionOverride per action and form factor (an override without a
# formFactor is the default one); the search layouts' field lists in display order; in the
# mdapi format, the children (fields, list views...) are inline, by fullName
_SEARCH_LAYOUTS = single(
    {
        "customTabListAdditionalFields": leaves(ordered=True),
        "excludedStandardButtons": leaves(),
        "listViewButtons": leaves(ordered=True),
        "lookupDialogsAdditionalFields": leaves(ordered=True),
        "lookupFilterFields": leaves(ordered=True),
        "lookupPhoneDialogsAdditionalFields": leaves(ordered=True),
        "massQuickActions": leaves(ordered=True),
        "searchFilterFields": leaves(ordered=True),
        "searchResultsAdditionalFields": leaves(ordered=True),
        "searchResultsCustomButtons": leaves(ordered=True),
    }
)
CUSTOM_OBJECT = Schema(
    {
        "actionOverrides": keyed("actionName", "formFactor", "profile", "recordType"),
        "searchLayouts": _SEARCH_LAYOUTS,
        "profileSearchLayouts": keyed("profileName", children={"fields": leaves(ordered=True)}),
        "nameField": single(),
        "fields": keyed("fullName", children=_CUSTOM_FIELD),
        "recordTypes": keyed("fullName", children=_RECORD_TYPE),
        "listViews": keyed("fullName", children=_LIST_VIEW),
        "compactLayouts": keyed("fullName", children=_COMPACT_LAYOUT),
        "fieldSets": keyed("fullName", children=_FIELD_SET),
        "businessProcesses": keyed("fullName", children=_BUSINESS_PROCESS),
        "validationRules": keyed("fullName"),
        "webLinks": keyed("fullName"),
        "sharingReasons": keyed("fullName"),
        "indexes": keyed("fullName", children={"fields": keyed("name", ordered=True)}),
        "sharingRecalculations": keyed("className"),
    }
)

# --- CustomApplication ----------------------------------------------------------------------

# meta_customapplication.htm: tabs in navigation order; AppActionOverride per action, page or
# object and form factor; AppProfileActionOverride (meta_profileactionoverride.htm) per
# action, page or object, record type, profile and form factor; the console workspace
# mappings by tab
CUSTOM_APPLICATION = Schema(
    {
        "tabs": leaves(ordered=True),
        "subscriberTabs": leaves(ordered=True),
        "formFactors": leaves(),
        "actionOverrides": keyed("actionName", "pageOrSobjectType", "formFactor"),
        "profileActionOverrides": keyed(
            "actionName", "pageOrSobjectType", "recordType", "profile", "formFactor"
        ),
        "workspaceConfig": single({"mappings": keyed("tab")}),
        "brand": single(),
        "preferences": single(),
        "consoleConfig": single(
            {
                "whitelistedDomains": leaves(),
                "pushNotifications": keyed("objectName", children={"fieldNames": leaves()}),
                "keyboardShortcuts": single(
                    {"defaultShortcuts": keyed("action"), "customShortcuts": keyed("action")}
                ),
            }
        ),
    }
)

# --- Layout ----------------------------------------------------------------------------------

# meta_layout.htm. Sections in order, named by their label (duplicated or missing labels fall
# back to comparing the section whole); a section's columns by position (one to three, left
# to right); a column's items in order, named by what they show (a field, a custom link, a
# Visualforce page, an s-control, a canvas app, a component, a report chart), and a field is
# on a layout once; a blank space has no name. Related lists by relatedList, in order, their
# columns in order; quick and platform actions by name, in order.
_LAYOUT_ITEM_KEYS = (
    "field",
    "customLink",
    "page",
    "scontrol",
    "canvas",
    "component",
    "reportChartComponent/reportName",
    "analyticsCloudComponent/devName",
)
_LAYOUT_ITEMS = keyed(*_LAYOUT_ITEM_KEYS, first=True, ordered=True, unique_in_file=True)
_RELATED_LIST: Mapping[str, Rule] = {
    "fields": leaves(ordered=True),
    "customButtons": leaves(ordered=True),
    "excludeButtons": leaves(),
}
LAYOUT = Schema(
    {
        "layoutSections": keyed(
            "label",
            ordered=True,
            children={"layoutColumns": positional({"layoutItems": _LAYOUT_ITEMS})},
        ),
        "relatedLists": keyed("relatedList", ordered=True, children=_RELATED_LIST),
        "customButtons": leaves(ordered=True),
        "excludeButtons": leaves(),
        "headers": leaves(),
        "multilineLayoutFields": leaves(),
        "relatedObjects": leaves(ordered=True),
        "miniLayout": single(
            {
                "fields": leaves(ordered=True),
                "relatedLists": keyed("relatedList", ordered=True, children=_RELATED_LIST),
            }
        ),
        "quickActionList": single({"quickActionListItems": keyed("quickActionName", ordered=True)}),
        "platformActionList": single(
            {"platformActionListItems": keyed("actionName", "actionType", ordered=True)}
        ),
        "relatedContent": single(
            {
                "relatedContentItems": keyed(
                    *(f"layoutItem/{k}" for k in _LAYOUT_ITEM_KEYS), first=True, ordered=True
                )
            }
        ),
        "summaryLayout": single({"summaryLayoutItems": seq()}),
        "feedLayout": single(
            {"feedFilters": seq(), "leftComponents": seq(), "rightComponents": seq()}
        ),
    }
)

# --- Flow -------------------------------------------------------------------------------------

# meta_flow.htm. Every element (action calls, assignments, decisions, screens, variables...)
# has a unique `name`; the elements are found by name, not by place, so the lists at the root
# are keyed and their order does not matter. Inside an element, what runs or shows in order
# stays ordered: a decision's rules (FlowRule) by name, a rule's conditions and an
# assignment's items (no name) as sequences, a screen's fields by name, record filters in
# order (numbered by filterLogic). Parameters and field assignments are by name (a record
# create or update assigns by `field`, a subflow or action by `name`). processMetadataValues
# by name and the canvas position (locationX, locationY: never a conflict) anywhere.
_CONDITIONS = seq()
_IO: Mapping[str, Rule] = {
    "inputParameters": keyed("name"),
    "outputParameters": keyed("name", "assignToReference"),
    "inputAssignments": keyed("field", "name", first=True),
    "outputAssignments": keyed("field", "name", first=True),
}
_SCREEN_FIELD_CHILDREN: dict[str, Rule] = {
    **_IO,
    "choiceReferences": leaves(ordered=True),
    "visibilityRule": single({"conditions": _CONDITIONS}),
    "styleProperties": single(),
}
_SCREEN_FIELDS = keyed("name", ordered=True, children=_SCREEN_FIELD_CHILDREN)
_SCREEN_FIELD_CHILDREN["fields"] = _SCREEN_FIELDS  # sections and columns hold fields
_FLOW_ELEMENT: Mapping[str, Rule] = {
    **_IO,
    "filters": FILTER_ITEMS,
    "queriedFields": leaves(),
    "conditions": _CONDITIONS,
    "assignmentItems": seq(),
    "rules": keyed(
        "name", ordered=True, children={"conditions": _CONDITIONS, "ruleActions": seq()}
    ),
    "fields": _SCREEN_FIELDS,
    "waitEvents": keyed("name", ordered=True, children={**_IO, "conditions": _CONDITIONS}),
    "scheduledPaths": keyed("name", "pathType", first=True),
    "connectors": seq(),
    "sortOptions": seq(),
    "stageSteps": keyed("name", ordered=True, children=_IO),
    "transformValues": seq(),
    "capabilityTypes": keyed("name"),
}
FLOW = Schema(
    {
        **{
            tag: keyed("name", children=_FLOW_ELEMENT)
            for tag in (
                "actionCalls",
                "apexPluginCalls",
                "assignments",
                "choices",
                "collectionProcessors",
                "constants",
                "customErrors",
                "decisions",
                "dynamicChoiceSets",
                "exitRules",
                "experimentPaths",
                "formulas",
                "loops",
                "orchestratedStages",
                "recordCreates",
                "recordDeletes",
                "recordLookups",
                "recordRollbacks",
                "recordUpdates",
                "screens",
                "stages",
                "steps",
                "subflows",
                "textTemplates",
                "transforms",
                "variables",
                "waits",
                "customProperties",
            )
        },
        "start": single(_FLOW_ELEMENT),
        "environments": leaves(),
    },
    anywhere={
        "processMetadataValues": keyed("name"),
        "locationX": COSMETIC_LEAF,
        "locationY": COSMETIC_LEAF,
    },
)

# --- manifests ----------------------------------------------------------------------------------

# package.xml / destructiveChanges*.xml (meta_package... "Sample package.xml Manifest Files"):
# PackageTypeMembers by name, their members a set
MANIFEST = Schema({"types": keyed("name", children={"members": leaves()})})

SCHEMAS: Mapping[str, Schema] = {
    "Profile": PROFILE,
    "PermissionSet": PERMISSION_SET,
    "PermissionSetGroup": PERMISSION_SET_GROUP,
    "CustomLabels": CUSTOM_LABELS,
    "CustomLabel": CUSTOM_LABEL,
    "Translations": TRANSLATIONS,
    "CustomObjectTranslation": CUSTOM_OBJECT_TRANSLATION,
    "CustomFieldTranslation": CUSTOM_FIELD_TRANSLATION,
    "GlobalValueSet": GLOBAL_VALUE_SET,
    "StandardValueSet": STANDARD_VALUE_SET,
    "ValueSetTranslation": VALUE_SET_TRANSLATION,
    "SharingRules": SHARING_RULES,
    "SharingCriteriaRule": SHARING_RULE,
    "SharingOwnerRule": SHARING_RULE,
    "SharingGuestRule": SHARING_RULE,
    "SharingTerritoryRule": SHARING_RULE,
    "Workflow": WORKFLOW,
    "WorkflowAlert": WORKFLOW_ALERT,
    "WorkflowFieldUpdate": WORKFLOW_LEAVES,
    "WorkflowFlowAction": WORKFLOW_FLOW_ACTION,
    "WorkflowKnowledgePublish": WORKFLOW_LEAVES,
    "WorkflowOutboundMessage": WORKFLOW_OUTBOUND,
    "WorkflowRule": WORKFLOW_RULE,
    "WorkflowSend": WORKFLOW_LEAVES,
    "WorkflowTask": WORKFLOW_LEAVES,
    "AssignmentRules": ASSIGNMENT_RULES,
    "AutoResponseRules": AUTO_RESPONSE_RULES,
    "EscalationRules": ESCALATION_RULES,
    "MatchingRules": MATCHING_RULES,
    "RecordType": RECORD_TYPE,
    "CustomField": CUSTOM_FIELD,
    "ListView": LIST_VIEW,
    "ValidationRule": OBJECT_LEAVES,
    "CompactLayout": COMPACT_LAYOUT,
    "FieldSet": FIELD_SET,
    "BusinessProcess": BUSINESS_PROCESS,
    "WebLink": OBJECT_LEAVES,
    "CustomObject": CUSTOM_OBJECT,
    "CustomApplication": CUSTOM_APPLICATION,
    "Layout": LAYOUT,
    "Flow": FLOW,
    "Manifest": MANIFEST,
}
