"""Interim path -> component naming (`Type:FullName`) for the behind report.

Covers the common source-format types; anything else is reported by its file path. The
metadata registry replaces this module: keep its one public function's signature.
"""

from __future__ import annotations

from collections.abc import Sequence

# directory name -> (type, file suffix without "-meta.xml")
_SIMPLE: dict[str, tuple[str, str]] = {
    "classes": ("ApexClass", ".cls"),
    "triggers": ("ApexTrigger", ".trigger"),
    "pages": ("ApexPage", ".page"),
    "components": ("ApexComponent", ".component"),
    "flows": ("Flow", ".flow"),
    "layouts": ("Layout", ".layout"),
    "permissionsets": ("PermissionSet", ".permissionset"),
    "permissionsetgroups": ("PermissionSetGroup", ".permissionsetgroup"),
    "profiles": ("Profile", ".profile"),
    "tabs": ("CustomTab", ".tab"),
    "applications": ("CustomApplication", ".app"),
    "flexipages": ("FlexiPage", ".flexipage"),
    "customMetadata": ("CustomMetadata", ".md"),
    "globalValueSets": ("GlobalValueSet", ".globalValueSet"),
    "standardValueSets": ("StandardValueSet", ".standardValueSet"),
    "remoteSiteSettings": ("RemoteSiteSetting", ".remoteSite"),
    "namedCredentials": ("NamedCredential", ".namedCredential"),
    "customPermissions": ("CustomPermission", ".customPermission"),
    "queues": ("Queue", ".queue"),
    "groups": ("Group", ".group"),
    "roles": ("Role", ".role"),
    "quickActions": ("QuickAction", ".quickAction"),
    "settings": ("Settings", ".settings"),
    "staticresources": ("StaticResource", ".resource"),
    "contentassets": ("ContentAsset", ".asset"),
    "labels": ("CustomLabels", ".labels"),
    "objectTranslations": ("CustomObjectTranslation", ".objectTranslation"),
}

# folder inside objects/<Object>/ -> (type, file suffix)
_CHILDREN: dict[str, tuple[str, str]] = {
    "fields": ("CustomField", ".field"),
    "validationRules": ("ValidationRule", ".validationRule"),
    "recordTypes": ("RecordType", ".recordType"),
    "listViews": ("ListView", ".listView"),
    "compactLayouts": ("CompactLayout", ".compactLayout"),
    "webLinks": ("WebLink", ".webLink"),
    "fieldSets": ("FieldSet", ".fieldSet"),
    "businessProcesses": ("BusinessProcess", ".businessProcess"),
    "sharingReasons": ("SharingReason", ".sharingReason"),
    "indexes": ("Index", ".index"),
}

_BUNDLES = {"lwc": "LightningComponentBundle", "aura": "AuraDefinitionBundle"}
_META = "-meta.xml"


def component_name(path: str, package_dirs: Sequence[str]) -> str:
    """`Type:FullName` of the component a source file belongs to, or the path itself.

    >>> component_name("force-app/main/default/classes/Foo.cls", ["force-app"])
    'ApexClass:Foo'
    """
    parts = _inside(path, package_dirs)
    if parts is None:
        return path
    for index, folder in enumerate(parts[:-1]):
        rest = parts[index + 1 :]
        if folder in _BUNDLES and len(rest) >= 2:
            return f"{_BUNDLES[folder]}:{rest[0]}"
        if folder == "objects" and rest:
            return _object_part(rest) or path
        if folder == "staticresources" and len(rest) >= 2:
            # an unpacked resource folder: staticresources/<Name>/...
            return f"StaticResource:{rest[0]}"
        if folder in _SIMPLE and len(rest) == 1:
            kind, suffix = _SIMPLE[folder]
            name = _strip(rest[0], suffix)
            if name is not None:
                return f"{kind}:{name}"
    return path


def _inside(path: str, package_dirs: Sequence[str]) -> list[str] | None:
    for directory in package_dirs:
        prefix = directory.rstrip("/") + "/"
        if path.startswith(prefix):
            return path[len(prefix) :].split("/")
    return None


def _strip(filename: str, suffix: str) -> str | None:
    for ending in (suffix + _META, suffix):
        if filename.endswith(ending) and len(filename) > len(ending):
            return filename[: -len(ending)]
    return None


def _object_part(rest: list[str]) -> str | None:
    obj = rest[0]
    if len(rest) == 2:
        name = _strip(rest[1], ".object")
        return f"CustomObject:{obj}" if name == obj else None
    if len(rest) == 3 and rest[1] in _CHILDREN:
        kind, suffix = _CHILDREN[rest[1]]
        name = _strip(rest[2], suffix)
        return f"{kind}:{obj}.{name}" if name is not None else None
    return None
