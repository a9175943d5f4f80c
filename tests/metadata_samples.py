"""A sample source-format project covering many metadata types, and what each path is.

Shared by the resolver table tests, the delta tests and the oracle test against `sf`.
Each case lists the files of one component (relative to `force-app/main/default`) and the
component they make up, `Type:FullName`, as `sf project generate manifest` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NS = "http://soap.sforce.com/2006/04/metadata"
BASE = "force-app/main/default"


@dataclass(frozen=True)
class Case:
    """One component: its files and its expected `Type:FullName`."""

    id: str
    files: tuple[str, ...]
    expected: str

    @property
    def paths(self) -> list[str]:
        return [f"{BASE}/{f}" for f in self.files]


def _single(type_name: str, folder: str, suffix: str, name: str = "Sample") -> Case:
    return Case(type_name, (f"{folder}/{name}.{suffix}-meta.xml",), f"{type_name}:{name}")


CASES: list[Case] = [
    Case(
        "ApexClass",
        ("classes/AccountService.cls", "classes/AccountService.cls-meta.xml"),
        "ApexClass:AccountService",
    ),
    Case(
        "ApexClass-nested",
        ("classes/service/Billing.cls", "classes/service/Billing.cls-meta.xml"),
        "ApexClass:Billing",
    ),
    Case(
        "ApexTrigger",
        ("triggers/AccountTrigger.trigger", "triggers/AccountTrigger.trigger-meta.xml"),
        "ApexTrigger:AccountTrigger",
    ),
    Case("ApexPage", ("pages/Home.page", "pages/Home.page-meta.xml"), "ApexPage:Home"),
    Case(
        "ApexComponent",
        ("components/Header.component", "components/Header.component-meta.xml"),
        "ApexComponent:Header",
    ),
    Case(
        "LightningComponentBundle",
        (
            "lwc/card/card.js",
            "lwc/card/card.html",
            "lwc/card/card.js-meta.xml",
            "lwc/card/utils/format.js",
        ),
        "LightningComponentBundle:card",
    ),
    Case(
        "AuraDefinitionBundle",
        (
            "aura/Banner/Banner.cmp",
            "aura/Banner/Banner.cmp-meta.xml",
            "aura/Banner/BannerController.js",
        ),
        "AuraDefinitionBundle:Banner",
    ),
    Case(
        "CustomObject",
        ("objects/Invoice__c/Invoice__c.object-meta.xml",),
        "CustomObject:Invoice__c",
    ),
    Case(
        "CustomField",
        ("objects/Account/fields/Tier__c.field-meta.xml",),
        "CustomField:Account.Tier__c",
    ),
    Case(
        "RecordType",
        ("objects/Account/recordTypes/Partner.recordType-meta.xml",),
        "RecordType:Account.Partner",
    ),
    Case(
        "ListView",
        ("objects/Account/listViews/AllAccounts.listView-meta.xml",),
        "ListView:Account.AllAccounts",
    ),
    Case(
        "ValidationRule",
        ("objects/Account/validationRules/NeedsTier.validationRule-meta.xml",),
        "ValidationRule:Account.NeedsTier",
    ),
    Case(
        "WebLink", ("objects/Account/webLinks/Search.webLink-meta.xml",), "WebLink:Account.Search"
    ),
    Case(
        "FieldSet", ("objects/Account/fieldSets/Main.fieldSet-meta.xml",), "FieldSet:Account.Main"
    ),
    Case(
        "CompactLayout",
        ("objects/Account/compactLayouts/Short.compactLayout-meta.xml",),
        "CompactLayout:Account.Short",
    ),
    Case(
        "BusinessProcess",
        ("objects/Opportunity/businessProcesses/Sales.businessProcess-meta.xml",),
        "BusinessProcess:Opportunity.Sales",
    ),
    Case(
        "SharingReason",
        ("objects/Invoice__c/sharingReasons/Audit__c.sharingReason-meta.xml",),
        "SharingReason:Invoice__c.Audit__c",
    ),
    Case("Index", ("objects/Big__b/indexes/ByDate.index-meta.xml",), "Index:Big__b.ByDate"),
    Case("Report", ("reports/Sales/Pipeline.report-meta.xml",), "Report:Sales/Pipeline"),
    Case(
        "Report-nested",
        ("reports/Sales/EMEA/Forecast.report-meta.xml",),
        "Report:Sales/EMEA/Forecast",
    ),
    Case("ReportFolder", ("reports/Sales.reportFolder-meta.xml",), "Report:Sales/"),
    Case("Dashboard", ("dashboards/Exec/Overview.dashboard-meta.xml",), "Dashboard:Exec/Overview"),
    Case("DashboardFolder", ("dashboards/Exec.dashboardFolder-meta.xml",), "Dashboard:Exec/"),
    Case(
        "EmailTemplate",
        ("email/Support/Welcome.email", "email/Support/Welcome.email-meta.xml"),
        "EmailTemplate:Support/Welcome",
    ),
    Case("EmailFolder", ("email/Support.emailFolder-meta.xml",), "EmailTemplate:Support"),
    Case(
        "Document",
        ("documents/Brand/logo.png", "documents/Brand/logo.document-meta.xml"),
        "Document:Brand/logo",
    ),
    Case("DocumentFolder", ("documents/Brand.documentFolder-meta.xml",), "Document:Brand"),
    Case(
        "StaticResource-file",
        ("staticresources/jquery.js", "staticresources/jquery.resource-meta.xml"),
        "StaticResource:jquery",
    ),
    Case(
        "StaticResource-folder",
        (
            "staticresources/bootstrap/css/site.css",
            "staticresources/bootstrap/js/app.js",
            "staticresources/bootstrap.resource-meta.xml",
        ),
        "StaticResource:bootstrap",
    ),
    Case(
        "ExperienceBundle",
        (
            "experiences/Partners1/config/partners.json",
            "experiences/Partners1/views/home.json",
            "experiences/Partners1.site-meta.xml",
        ),
        "ExperienceBundle:Partners1",
    ),
    Case("CustomLabels", ("labels/CustomLabels.labels-meta.xml",), "CustomLabels:CustomLabels"),
    Case("Workflow", ("workflows/Case.workflow-meta.xml",), "Workflow:Case"),
    Case("SharingRules", ("sharingRules/Account.sharingRules-meta.xml",), "SharingRules:Account"),
    Case(
        "AssignmentRules",
        ("assignmentRules/Lead.assignmentRules-meta.xml",),
        "AssignmentRules:Lead",
    ),
    Case(
        "AutoResponseRules",
        ("autoResponseRules/Case.autoResponseRules-meta.xml",),
        "AutoResponseRules:Case",
    ),
    Case(
        "EscalationRules",
        ("escalationRules/Case.escalationRules-meta.xml",),
        "EscalationRules:Case",
    ),
    Case(
        "MatchingRules", ("matchingRules/Account.matchingRule-meta.xml",), "MatchingRules:Account"
    ),
    Case(
        "CustomObjectTranslation",
        (
            "objectTranslations/Account-es/Account-es.objectTranslation-meta.xml",
            "objectTranslations/Account-es/Tier__c.fieldTranslation-meta.xml",
        ),
        "CustomObjectTranslation:Account-es",
    ),
    Case("Bot", ("bots/Helper/Helper.bot-meta.xml",), "Bot:Helper"),
    Case("BotVersion", ("bots/Helper/v1.botVersion-meta.xml",), "BotVersion:Helper.v1"),
    Case(
        "CustomMetadata",
        ("customMetadata/Config.Default.md-meta.xml",),
        "CustomMetadata:Config.Default",
    ),
    _single("Profile", "profiles", "profile", "Support"),
    _single("PermissionSet", "permissionsets", "permissionset", "Billing"),
    _single("PermissionSetGroup", "permissionsetgroups", "permissionsetgroup", "Sales"),
    _single("Translations", "translations", "translation", "es"),
    _single("Flow", "flows", "flow", "Onboard"),
    _single("Layout", "layouts", "layout", "Account-Account Layout"),
    _single("FlexiPage", "flexipages", "flexipage", "Home_Page"),
    _single("CustomTab", "tabs", "tab", "Invoice__c"),
    _single("CustomApplication", "applications", "app", "Sales_Console"),
    _single("GlobalValueSet", "globalValueSets", "globalValueSet", "Regions"),
    _single("StandardValueSet", "standardValueSets", "standardValueSet", "LeadSource"),
    _single(
        "GlobalValueSetTranslation",
        "globalValueSetTranslations",
        "globalValueSetTranslation",
        "Regions-es",
    ),
    _single(
        "StandardValueSetTranslation",
        "standardValueSetTranslations",
        "standardValueSetTranslation",
        "LeadSource-es",
    ),
    _single("CustomPermission", "customPermissions", "customPermission", "Approve"),
    _single("NamedCredential", "namedCredentials", "namedCredential", "Billing_API"),
    _single("RemoteSiteSetting", "remoteSiteSettings", "remoteSite", "Billing"),
    _single("QuickAction", "quickActions", "quickAction", "Account.New_Case"),
    _single("Queue", "queues", "queue", "Support"),
    _single("Group", "groups", "group", "Managers"),
    _single("Role", "roles", "role", "CEO"),
    _single("ConnectedApp", "connectedApps", "connectedApp", "Portal"),
    _single("CustomNotificationType", "notificationtypes", "notiftype", "Alert"),
    _single("PlatformEventChannel", "platformEventChannels", "platformEventChannel", "Stream"),
    _single("LightningMessageChannel", "messageChannels", "messageChannel", "Refresh"),
    _single("CustomSite", "sites", "site", "Portal"),
    Case(
        "ContentAsset",
        ("contentassets/Logo.asset", "contentassets/Logo.asset-meta.xml"),
        "ContentAsset:Logo",
    ),
    Case("Certificate", ("certs/Signing.crt", "certs/Signing.crt-meta.xml"), "Certificate:Signing"),
    _single("ExternalDataSource", "dataSources", "dataSource", "Legacy"),
    _single("HomePageLayout", "homePageLayouts", "homePageLayout", "Main"),
    _single("PathAssistant", "pathAssistants", "pathAssistant", "Opportunity_Path"),
    _single("ReportType", "reportTypes", "reportType", "Invoices"),
    _single("Settings", "settings", "settings", "Account"),
    _single("Territory2Type", "territory2Types", "territory2Type", "Region"),
    _single("DuplicateRule", "duplicateRules", "duplicateRule", "Account.No_Dupes"),
    _single("CleanDataService", "cleanDataServices", "cleanDataService", "Dnb"),
    _single("ApprovalProcess", "approvalProcesses", "approvalProcess", "Invoice__c.Approve"),
    _single("SharingSet", "sharingSets", "sharingSet", "Customers"),
    _single("Audience", "audience", "audience", "VIP"),
    _single("BrandingSet", "brandingSets", "brandingSet", "Default"),
    _single("CspTrustedSite", "cspTrustedSites", "cspTrustedSite", "Cdn"),
    _single("EmailServicesFunction", "emailservices", "xml", "Inbound"),
    _single("CallCenter", "callCenters", "callCenter", "Phones"),
    _single("ExternalCredential", "externalCredentials", "externalCredential", "Billing"),
    _single("AuthProvider", "authproviders", "authprovider", "Google"),
    _single("Network", "networks", "network", "Partners"),
    _single("Portal", "portals", "portal", "Customer"),
    Case(
        "DigitalExperienceBundle",
        ("digitalExperiences/site/Store1/Store1.digitalExperience-meta.xml",),
        "DigitalExperienceBundle:site/Store1",
    ),
    Case(
        "DigitalExperience",
        (
            "digitalExperiences/site/Store1/sfdc_cms__view/home/content.json",
            "digitalExperiences/site/Store1/sfdc_cms__view/home/_meta.json",
        ),
        "DigitalExperience:site/Store1.sfdc_cms__view/home",
    ),
    Case(
        "WaveTemplateBundle",
        ("waveTemplates/Sales/template-info.json",),
        "WaveTemplateBundle:Sales",
    ),
]


# in-file containers: the element holding one child, and the child type
IN_FILE = {
    "CustomLabels": ("labels", "CustomLabel"),
    "Workflow": ("rules", "WorkflowRule"),
    "SharingRules": ("sharingCriteriaRules", "SharingCriteriaRule"),
    "AssignmentRules": ("assignmentRule", "AssignmentRule"),
    "AutoResponseRules": ("autoResponseRule", "AutoResponseRule"),
    "EscalationRules": ("escalationRule", "EscalationRule"),
    "MatchingRules": ("matchingRules", "MatchingRule"),
}


def element_member(case: Case) -> str:
    """For an in-file container case, the child member a change of its one element gives."""
    _, child = IN_FILE[case.id]
    parent = case.expected.split(":", 1)[1]
    return f"{child}:First" if child == "CustomLabel" else f"{child}:{parent}.First"


def content_for(path: str, type_name: str, revision: int = 1) -> bytes:
    """Plausible file contents: XML for `-meta.xml`, text otherwise; `revision` varies it."""
    if path.endswith("-meta.xml"):
        root = type_name.split("-")[0]
        body = f"    <description>revision {revision}</description>\n"
        if root in IN_FILE:
            element = IN_FILE[root][0]
            body = (
                f"    <{element}>\n        <fullName>First</fullName>\n"
                f"        <active>true</active>\n"
                f"        <description>revision {revision}</description>\n    </{element}>\n"
            )
        if root == "StaticResource":
            mime = "application/zip" if "bootstrap" in path else "text/javascript"
            body = (
                "    <cacheControl>Public</cacheControl>\n"
                f"    <contentType>{mime}</contentType>\n"
                f"    <description>revision {revision}</description>\n"
            )
        if root in ("CustomObject", "CustomField", "Bot"):
            body += "    <label>Sample</label>\n"
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{_xml_root(path, root)} xmlns="{NS}">\n'
            f"{body}</{_xml_root(path, root)}>\n"
        ).encode()
    if path.endswith(".json"):
        return f'{{"revision": {revision}}}\n'.encode()
    return f"// {Path(path).name} revision {revision}\n".encode()


def _xml_root(path: str, type_name: str) -> str:
    # the element name sf expects is the type of the file itself (folders, children)
    name = Path(path).name
    folder_roots = {
        "reportFolder": "ReportFolder",
        "dashboardFolder": "DashboardFolder",
        "emailFolder": "EmailFolder",
        "documentFolder": "DocumentFolder",
    }
    for suffix, root in folder_roots.items():
        if name.endswith(f".{suffix}-meta.xml"):
            return root
    return type_name
