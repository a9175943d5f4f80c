"""Which files merge by element: the metadata types, their file patterns and component names.

Suffixes are those of the pinned `sf` CLI's registry (source-deploy-retrieve
`lib/src/registry/metadataRegistry.json`, and its `presets/decompose*Beta*.json` for the
decomposed permission-set, label, sharing-rule and workflow layouts); the `.profile`-style
names without `-meta.xml` are the Metadata API (mdapi) format of the same types.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    """One kind of file that merges by element."""

    type_name: str  # the metadata type the component is named after ("Profile")
    suffix: str  # the file name ends with this ("profile-meta.xml")
    schema: str  # which key table merges it (a name in `schemas.SCHEMAS`)
    # how the component is named: "file" (the file's stem), "child" (a decomposed child: the
    # parent's folder), "object" (a child of an object: "<Object>.<stem>")
    naming: str = "file"

    @property
    def pattern(self) -> str:
        """The `.gitattributes` pattern of these files."""
        return f"*.{self.suffix}"


def _both(type_name: str, suffix: str, schema: str) -> tuple[FileType, FileType]:
    """The source-format file (`X.suffix-meta.xml`) and the mdapi one (`X.suffix`)."""
    return (
        FileType(type_name, f"{suffix}-meta.xml", schema),
        FileType(type_name, suffix, schema),
    )


# decomposed permission sets (presets decomposePermissionSetBeta and -Beta2): one file per
# child under permissionsets/<Name>/..., or objectSettings/<Object>.objectSettings-meta.xml
_PERMISSION_SET_CHILDREN = (
    "applicationVisibility",
    "classAccess",
    "customMetadataTypeAccess",
    "customPermission",
    "customPermissions",
    "customSettingAccess",
    "externalCredentialPrincipalAccess",
    "externalDataSourceAccess",
    "fieldPermission",
    "flowAccess",
    "objectPermission",
    "objectSettings",
    "pageAccess",
    "recordTypeVisibility",
    "tabSetting",
    "userPermission",
)

FILE_TYPES: tuple[FileType, ...] = (
    *_both("Profile", "profile", "Profile"),
    *_both("PermissionSet", "permissionset", "PermissionSet"),
    *(
        FileType("PermissionSet", f"{child}-meta.xml", "PermissionSet", naming="child")
        for child in _PERMISSION_SET_CHILDREN
    ),
    *_both("PermissionSetGroup", "permissionsetgroup", "PermissionSetGroup"),
    *_both("MutingPermissionSet", "mutingpermissionset", "PermissionSet"),
    *_both("CustomLabels", "labels", "CustomLabels"),
    FileType("CustomLabel", "label-meta.xml", "CustomLabel"),
    *_both("Translations", "translation", "Translations"),
    *_both("CustomObjectTranslation", "objectTranslation", "CustomObjectTranslation"),
    FileType(
        "CustomObjectTranslation", "fieldTranslation-meta.xml", "CustomFieldTranslation", "child"
    ),
    *_both("GlobalValueSet", "globalValueSet", "GlobalValueSet"),
    *_both("StandardValueSet", "standardValueSet", "StandardValueSet"),
    *_both("GlobalValueSetTranslation", "globalValueSetTranslation", "ValueSetTranslation"),
    *_both("StandardValueSetTranslation", "standardValueSetTranslation", "ValueSetTranslation"),
    *_both("SharingRules", "sharingRules", "SharingRules"),
    FileType("SharingRules", "sharingCriteriaRule-meta.xml", "SharingCriteriaRule", "child"),
    FileType("SharingRules", "sharingOwnerRule-meta.xml", "SharingOwnerRule", "child"),
    FileType("SharingRules", "sharingGuestRule-meta.xml", "SharingGuestRule", "child"),
    FileType("SharingRules", "sharingTerritoryRule-meta.xml", "SharingTerritoryRule", "child"),
    *_both("Workflow", "workflow", "Workflow"),
    *(
        FileType("Workflow", f"{child}-meta.xml", schema, naming="child")
        for child, schema in (
            ("workflowAlert", "WorkflowAlert"),
            ("workflowFieldUpdate", "WorkflowFieldUpdate"),
            ("workflowFlowAction", "WorkflowFlowAction"),
            ("workflowKnowledgePublish", "WorkflowKnowledgePublish"),
            ("workflowOutboundMessage", "WorkflowOutboundMessage"),
            ("workflowRule", "WorkflowRule"),
            ("workflowSend", "WorkflowSend"),
            ("workflowTask", "WorkflowTask"),
        )
    ),
    *_both("AssignmentRules", "assignmentRules", "AssignmentRules"),
    *_both("AutoResponseRules", "autoResponseRules", "AutoResponseRules"),
    *_both("EscalationRules", "escalationRules", "EscalationRules"),
    *_both("MatchingRules", "matchingRule", "MatchingRules"),
    FileType("RecordType", "recordType-meta.xml", "RecordType", naming="object"),
    FileType("CustomField", "field-meta.xml", "CustomField", naming="object"),
    FileType("ListView", "listView-meta.xml", "ListView", naming="object"),
    FileType("ValidationRule", "validationRule-meta.xml", "ValidationRule", naming="object"),
    FileType("CompactLayout", "compactLayout-meta.xml", "CompactLayout", naming="object"),
    FileType("FieldSet", "fieldSet-meta.xml", "FieldSet", naming="object"),
    FileType("BusinessProcess", "businessProcess-meta.xml", "BusinessProcess", naming="object"),
    FileType("WebLink", "webLink-meta.xml", "WebLink", naming="object"),
    *_both("CustomObject", "object", "CustomObject"),
    # not the mdapi `X.app`: an Aura application bundle has files named so too
    FileType("CustomApplication", "app-meta.xml", "CustomApplication"),
    *_both("Layout", "layout", "Layout"),
    *_both("Flow", "flow", "Flow"),
)

MANIFEST_PATTERNS = ("package.xml", "destructiveChanges*.xml")
"""Manifests (`package.xml`, `destructiveChanges.xml`, `destructiveChangesPre.xml`,
`destructiveChangesPost.xml`): `types` keyed by `name`, `members` a set."""


def file_type(path: str) -> FileType | None:
    """The supported file type of `path` (a repository path), or None."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    best: FileType | None = None
    for ft in FILE_TYPES:
        fits = name.endswith("." + ft.suffix) and len(name) > len(ft.suffix) + 1
        if fits and (best is None or len(ft.suffix) > len(best.suffix)):
            best = ft
    return best


def is_manifest(path: str) -> bool:
    """True for `package.xml` and `destructiveChanges*.xml`."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name == "package.xml" or (
        name.startswith("destructiveChanges") and name.endswith(".xml")
    )


def component(path: str) -> str:
    """The component a file belongs to, "Type:Name" ("Profile:Admin",
    "CustomField:Account.Rating__c", "PermissionSet:Sales" for a decomposed child)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    name = parts[-1] if parts else path
    if is_manifest(path):
        return f"Manifest:{name}"
    ft = file_type(path)
    if ft is None:
        return f"File:{name}"
    stem = name[: -len(ft.suffix) - 1]
    if ft.naming == "child" and len(parts) >= 2:
        # permissionsets/<Set>/<Set>.userPermission-meta.xml, or one folder deeper:
        # permissionsets/<Set>/objectSettings/<Object>.objectSettings-meta.xml,
        # sharingRules/<Object>/sharingCriteriaRules/<Rule>.sharingCriteriaRule-meta.xml
        if parts[-2] in _CHILD_FOLDERS and len(parts) >= 3:
            return f"{ft.type_name}:{parts[-3]}"
        return f"{ft.type_name}:{parts[-2]}"
    if ft.naming == "object" and len(parts) >= 3:
        # objects/<Object>/fields/<Field>.field-meta.xml
        return f"{ft.type_name}:{parts[-3]}.{stem}"
    return f"{ft.type_name}:{stem}"


# the folders of decomposed children one level below their parent's folder (the presets'
# "folderPerType" decompositions, and decomposePermissionSetBeta2's objectSettings)
_CHILD_FOLDERS = frozenset(
    {
        "objectSettings",
        "sharingCriteriaRules",
        "sharingOwnerRules",
        "sharingGuestRules",
        "sharingTerritoryRules",
        "workflowAlerts",
        "workflowFieldUpdates",
        "workflowFlowActions",
        "workflowKnowledgePublishes",
        "workflowOutboundMessages",
        "workflowRules",
        "workflowSends",
        "workflowTasks",
        "applicationVisibilities",
        "classAccesses",
        "customMetadataTypeAccesses",
        "customPermissions",
        "customSettingAccesses",
        "externalCredentialPrincipalAccesses",
        "externalDataSourceAccesses",
        "fieldPermissions",
        "flowAccesses",
        "objectPermissions",
        "pageAccesses",
        "recordTypeVisibilities",
        "tabSettings",
        "userPermissions",
    }
)
