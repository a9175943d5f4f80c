"""A small sfdx project, written by the test, with the shape of each type public sample apps
use (Experience Cloud sites, Apex, custom metadata, labels and translations, flows,
permission set groups, named credentials, static resources, LWC and Aura bundles)."""

from __future__ import annotations

import json
from pathlib import Path

from sfemu.sfcli import write_project

NS = "http://soap.sforce.com/2006/04/metadata"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _xml(root: str, body: str, extra: str = "") -> str:
    return f'{HEAD}<{root} xmlns="{NS}"{extra}>\n{body}</{root}>\n'


def _json(data: object) -> str:
    return json.dumps(data, indent=4) + "\n"


def _field(name: str, label: str, kind: str = "Text") -> str:
    length = "    <length>80</length>\n" if kind == "Text" else ""
    scale = "    <precision>18</precision>\n    <scale>0</scale>\n" if kind == "Number" else ""
    return _xml(
        "CustomField",
        f"    <fullName>{name}</fullName>\n    <label>{label}</label>\n{length}{scale}"
        f"    <required>false</required>\n    <type>{kind}</type>\n",
    )


def shape_files() -> dict[str, str]:
    """Every file of the project under `force-app/main/default`, by path."""
    cls_meta = _xml("ApexClass", "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n")
    files: dict[str, str] = {
        # Apex
        "classes/WidgetService.cls": "public with sharing class WidgetService {\n"
        "    public static Integer count() { return [SELECT COUNT() FROM Widget__c]; }\n}\n",
        "classes/WidgetService.cls-meta.xml": cls_meta,
        "classes/WidgetServiceTest.cls": "@IsTest\nprivate class WidgetServiceTest {\n"
        "    @IsTest static void counts() { System.assertEquals(0, WidgetService.count()); }\n}\n",
        "classes/WidgetServiceTest.cls-meta.xml": cls_meta,
        "triggers/WidgetTrigger.trigger": "trigger WidgetTrigger on Widget__c (before insert) {}\n",
        "triggers/WidgetTrigger.trigger-meta.xml": _xml(
            "ApexTrigger", "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n"
        ),
        # a custom object with fields and a list view, a field on a standard object
        "objects/Widget__c/Widget__c.object-meta.xml": _xml(
            "CustomObject",
            "    <deploymentStatus>Deployed</deploymentStatus>\n    <label>Widget</label>\n"
            "    <nameField>\n        <label>Widget Name</label>\n        <type>Text</type>\n"
            "    </nameField>\n    <pluralLabel>Widgets</pluralLabel>\n"
            "    <sharingModel>ReadWrite</sharingModel>\n",
        ),
        "objects/Widget__c/fields/Size__c.field-meta.xml": _field("Size__c", "Size", "Number"),
        "objects/Widget__c/fields/Colour__c.field-meta.xml": _field("Colour__c", "Colour"),
        "objects/Widget__c/listViews/All.listView-meta.xml": _xml(
            "ListView",
            "    <fullName>All</fullName>\n    <filterScope>Everything</filterScope>\n"
            "    <label>All</label>\n",
        ),
        "objects/Account/fields/Tier__c.field-meta.xml": _field("Tier__c", "Tier"),
        "objects/Account/listViews/Gold.listView-meta.xml": _xml(
            "ListView",
            "    <fullName>Gold</fullName>\n    <filterScope>Everything</filterScope>\n"
            "    <label>Gold</label>\n",
        ),
        # custom metadata: a type (an object ending in __mdt) and a record
        "objects/Setting__mdt/Setting__mdt.object-meta.xml": _xml(
            "CustomObject",
            "    <label>Setting</label>\n    <pluralLabel>Settings</pluralLabel>\n"
            "    <visibility>Public</visibility>\n",
        ),
        "objects/Setting__mdt/fields/Limit__c.field-meta.xml": _field(
            "Limit__c", "Limit", "Number"
        ),
        "customMetadata/Setting.Default.md-meta.xml": _xml(
            "CustomMetadata",
            "    <label>Default</label>\n    <protected>false</protected>\n    <values>\n"
            "        <field>Limit__c</field>\n"
            '        <value xsi:type="xsd:double">5.0</value>\n    </values>\n',
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"',
        ),
        # labels and translations
        "labels/CustomLabels.labels-meta.xml": _xml(
            "CustomLabels",
            "".join(
                f"    <labels>\n        <fullName>{n}</fullName>\n"
                "        <language>en_US</language>\n        <protected>false</protected>\n"
                f"        <shortDescription>{n}</shortDescription>\n"
                f"        <value>{n} text</value>\n    </labels>\n"
                for n in ("Farewell", "Greeting")
            ),
        ),
        "translations/fr.translation-meta.xml": _xml(
            "Translations",
            "    <customLabels>\n        <label>Bonjour</label>\n"
            "        <name>Greeting</name>\n    </customLabels>\n",
        ),
        "objectTranslations/Widget__c-fr/Widget__c-fr.objectTranslation-meta.xml": _xml(
            "CustomObjectTranslation",
            "    <caseValues>\n        <plural>false</plural>\n"
            "        <value>Gadget</value>\n    </caseValues>\n",
        ),
        "objectTranslations/Widget__c-fr/Size__c.fieldTranslation-meta.xml": _xml(
            "CustomFieldTranslation", "    <label>Taille</label>\n    <name>Size__c</name>\n"
        ),
        "objectTranslations/Account-fr/Account-fr.objectTranslation-meta.xml": _xml(
            "CustomObjectTranslation",
            "    <caseValues>\n        <plural>false</plural>\n"
            "        <value>Compte</value>\n    </caseValues>\n",
        ),
        "objectTranslations/Account-fr/Tier__c.fieldTranslation-meta.xml": _xml(
            "CustomFieldTranslation", "    <label>Niveau</label>\n    <name>Tier__c</name>\n"
        ),
        # a flow, permission sets and a group of them, a named credential
        "flows/Greet.flow-meta.xml": _xml(
            "Flow",
            "    <apiVersion>62.0</apiVersion>\n    <label>Greet</label>\n"
            "    <processType>AutoLaunchedFlow</processType>\n    <start>\n"
            "        <locationX>50</locationX>\n        <locationY>0</locationY>\n"
            "    </start>\n    <status>Active</status>\n",
        ),
        "permissionsets/Widgets.permissionset-meta.xml": _xml(
            "PermissionSet",
            "    <classAccesses>\n        <apexClass>WidgetService</apexClass>\n"
            "        <enabled>true</enabled>\n    </classAccesses>\n"
            "    <hasActivationRequired>false</hasActivationRequired>\n"
            "    <label>Widgets</label>\n",
        ),
        "permissionsetgroups/Widget_Team.permissionsetgroup-meta.xml": _xml(
            "PermissionSetGroup",
            "    <label>Widget Team</label>\n    <permissionSets>Widgets</permissionSets>\n"
            "    <status>Updated</status>\n",
        ),
        "namedCredentials/Books.namedCredential-meta.xml": _xml(
            "NamedCredential",
            "    <allowMergeFieldsInBody>false</allowMergeFieldsInBody>\n"
            "    <allowMergeFieldsInHeader>false</allowMergeFieldsInHeader>\n"
            "    <endpoint>https://books.example.invalid</endpoint>\n"
            "    <generateAuthorizationHeader>false</generateAuthorizationHeader>\n"
            "    <label>Books</label>\n    <principalType>Anonymous</principalType>\n"
            "    <protocol>NoAuthentication</protocol>\n",
        ),
        # static resources: one file, and a folder sf zips
        "staticresources/note.txt": "a note\n",
        "staticresources/note.resource-meta.xml": _xml(
            "StaticResource",
            "    <cacheControl>Public</cacheControl>\n    <contentType>text/plain</contentType>\n",
        ),
        "staticresources/assets/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
        "staticresources/assets/css/site.css": "body { margin: 0; }\n",
        "staticresources/assets.resource-meta.xml": _xml(
            "StaticResource",
            "    <cacheControl>Private</cacheControl>\n"
            "    <contentType>application/zip</contentType>\n",
        ),
        # LWC and Aura bundles
        "lwc/widgetCard/widgetCard.js": "import { LightningElement } from 'lwc';\n"
        "export default class WidgetCard extends LightningElement {}\n",
        "lwc/widgetCard/widgetCard.html": "<template><p>Widget</p></template>\n",
        "lwc/widgetCard/widgetCard.js-meta.xml": _xml(
            "LightningComponentBundle",
            "    <apiVersion>62.0</apiVersion>\n    <isExposed>false</isExposed>\n",
        ),
        "aura/widgetShell/widgetShell.cmp": "<aura:component>Widgets</aura:component>\n",
        "aura/widgetShell/widgetShell.cmp-meta.xml": _xml(
            "AuraDefinitionBundle",
            "    <apiVersion>62.0</apiVersion>\n    <description>Shell</description>\n",
        ),
        # an Experience Cloud site (Aura): a folder of JSON beside its .site-meta.xml
        "experiences/Partners1.site-meta.xml": _xml(
            "ExperienceBundle", "    <label>Partners</label>\n    <type>customSite</type>\n"
        ),
        "experiences/Partners1/config/partners.json": _json({"type": "site", "id": "a1"}),
        "experiences/Partners1/views/home.json": _json({"type": "view", "label": "Home"}),
        "experiences/Partners1/routes/home.json": _json({"type": "route", "urlPrefix": ""}),
        # an LWR site: the bundle and a folder per view, route...
        "digitalExperiences/site/Store1/Store1.digitalExperience-meta.xml": _xml(
            "DigitalExperienceBundle", "    <label>Store1</label>\n"
        ),
    }
    files["digitalExperiences/site/Kiosk1/Kiosk1.digitalExperience-meta.xml"] = _xml(
        "DigitalExperienceBundle", "    <label>Kiosk1</label>\n"
    )
    for site, kind, name, body in (
        ("Store1", "sfdc_cms__view", "home", {"title": "Home"}),
        ("Store1", "sfdc_cms__route", "Home", {"title": "Home", "urlName": "home"}),
        ("Kiosk1", "sfdc_cms__view", "home", {"title": "Kiosk"}),
    ):
        folder = f"digitalExperiences/site/{site}/{kind}/{name}"
        files[f"{folder}/_meta.json"] = _json({"apiName": name, "type": kind})
        files[f"{folder}/content.json"] = _json({"type": kind, **body})
    return files


def shapes_project(folder: Path) -> Path:
    """Write the project into `folder`; returns `folder`."""
    default = write_project(folder, api_version="62.0")
    for path, text in shape_files().items():
        target = default / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder
