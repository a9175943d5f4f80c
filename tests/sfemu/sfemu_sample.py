"""A small source-format project: Apex, LWC, a custom object with fields, a report in a folder."""

from __future__ import annotations

from pathlib import Path

from sfemu.testing import write_project

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def meta(root: str, body: str) -> str:
    """A metadata XML document with ``body`` (already indented lines) inside ``root``."""
    return f"{HEAD}<{root} {NS}>\n{body}</{root}>\n"


def apex_class(default: Path, name: str, body: str | None = None) -> None:
    """Write classes/<name>.cls and its -meta.xml."""
    classes = default / "classes"
    classes.mkdir(parents=True, exist_ok=True)
    (classes / f"{name}.cls").write_text(body or f"public class {name} {{}}\n", encoding="utf-8")
    (classes / f"{name}.cls-meta.xml").write_text(
        meta("ApexClass", "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n"),
        encoding="utf-8",
    )


def field(default: Path, obj: str, name: str, label: str) -> None:
    """Write objects/<obj>/fields/<name>.field-meta.xml (a Number field)."""
    fields = default / "objects" / obj / "fields"
    fields.mkdir(parents=True, exist_ok=True)
    (fields / f"{name}.field-meta.xml").write_text(
        meta(
            "CustomField",
            f"    <fullName>{name}</fullName>\n    <label>{label}</label>\n"
            "    <precision>18</precision>\n    <scale>0</scale>\n    <type>Number</type>\n",
        ),
        encoding="utf-8",
    )


def sample_project(folder: Path) -> Path:
    """Write the sample project into ``folder``; returns its ``main/default`` folder."""
    default = write_project(folder)
    apex_class(default, "AccountService")
    apex_class(default, "AccountServiceTest", "@isTest\nprivate class AccountServiceTest {}\n")
    lwc = default / "lwc" / "greeting"
    lwc.mkdir(parents=True)
    (lwc / "greeting.js").write_text(
        'import { LightningElement } from "lwc";\n'
        "export default class Greeting extends LightningElement {}\n",
        encoding="utf-8",
    )
    (lwc / "greeting.html").write_text("<template><p>Hello</p></template>\n", encoding="utf-8")
    (lwc / "greeting.js-meta.xml").write_text(
        meta(
            "LightningComponentBundle",
            "    <apiVersion>62.0</apiVersion>\n    <isExposed>false</isExposed>\n",
        ),
        encoding="utf-8",
    )
    obj = default / "objects" / "Widget__c"
    obj.mkdir(parents=True)
    (obj / "Widget__c.object-meta.xml").write_text(
        meta(
            "CustomObject",
            "    <deploymentStatus>Deployed</deploymentStatus>\n    <label>Widget</label>\n"
            "    <nameField>\n        <label>Widget Name</label>\n        <type>Text</type>\n"
            "    </nameField>\n    <pluralLabel>Widgets</pluralLabel>\n"
            "    <sharingModel>ReadWrite</sharingModel>\n",
        ),
        encoding="utf-8",
    )
    field(default, "Widget__c", "Size__c", "Size")
    field(default, "Widget__c", "Weight__c", "Weight")
    reports = default / "reports"
    (reports / "Sales").mkdir(parents=True)
    (reports / "Sales.reportFolder-meta.xml").write_text(
        meta(
            "ReportFolder",
            "    <accessType>Public</accessType>\n    <name>Sales</name>\n"
            "    <publicFolderAccess>ReadOnly</publicFolderAccess>\n",
        ),
        encoding="utf-8",
    )
    (reports / "Sales" / "Pipeline.report-meta.xml").write_text(
        meta(
            "Report",
            "    <format>Tabular</format>\n    <name>Pipeline</name>\n"
            "    <reportType>Opportunity</reportType>\n    <scope>organization</scope>\n",
        ),
        encoding="utf-8",
    )
    return default


# What the sample project is, as components and as the org's Metadata API files.
SAMPLE_COMPONENTS = {
    "ApexClass:AccountService",
    "ApexClass:AccountServiceTest",
    "LightningComponentBundle:greeting",
    "CustomObject:Widget__c",
    "CustomField:Widget__c.Size__c",
    "CustomField:Widget__c.Weight__c",
    "ReportFolder:Sales",
    "Report:Sales/Pipeline",
}
SAMPLE_FILES = [
    "classes/AccountService.cls",
    "classes/AccountService.cls-meta.xml",
    "classes/AccountServiceTest.cls",
    "classes/AccountServiceTest.cls-meta.xml",
    "lwc/greeting/greeting.html",
    "lwc/greeting/greeting.js",
    "lwc/greeting/greeting.js-meta.xml",
    "objects/Widget__c.object",
    "reports/Sales-meta.xml",
    "reports/Sales/Pipeline.report",
]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
