"""The demo's sample Salesforce project: source files for each step of the story.

Every Apex class, LWC file and field carries a ``version`` marker so that the closing table
can say which version of each component each org holds.
"""

from __future__ import annotations

import json
import re

API = "62.0"
DEFAULT = "force-app/main/default"
CLASSES = f"{DEFAULT}/classes"
LWC = f"{DEFAULT}/lwc/accountCard"
INVOICE = f"{DEFAULT}/objects/Invoice__c"
ACCOUNT = f"{DEFAULT}/objects/Account"

SFSYNC_YML = """\
version: 1
remote: origin
environments:
  prod: {org: prod, branch: main, protected: true}
  uat:  {org: uat,  branch: uat,  upstream: prod}
  int:  {org: int,  branch: int,  upstream: uat}
  dev1: {org: dev1, upstream: int}
  dev2: {org: dev2, upstream: int}
hooks:
  block: behind
  max_behind: 0
"""

SFDX_PROJECT = (
    json.dumps(
        {
            "packageDirectories": [{"path": "force-app", "default": True}],
            "name": "acme-crm",
            "namespace": "",
            "sourceApiVersion": API,
        },
        indent=2,
    )
    + "\n"
)

# what dev2's story changes, as the org records a deployment of it
STORY2_COMPONENTS = (
    "ApexClass:InvoiceService",
    "CustomField:Invoice__c.DueDate__c",
    "LightningComponentBundle:accountCard",
)

MARKER = re.compile(r"version: ([A-Za-z0-9-]+)")


def version_of(text: str) -> str:
    """The ``version: X`` marker in a file's text, or ``?``."""
    found = MARKER.search(text)
    return found.group(1) if found else "?"


def _apex(name: str, version: str, body: str, test: bool = False) -> dict[str, str]:
    head = "@IsTest\n" if test else ""
    sharing = "private" if test else "public with sharing"
    return {
        f"{CLASSES}/{name}.cls": (
            f"// version: {version}\n{head}{sharing} class {name} {{\n{body}}}\n"
        ),
        f"{CLASSES}/{name}.cls-meta.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            f"    <apiVersion>{API}</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
        ),
    }


def _field(path: str, name: str, label: str, version: str, kind: str) -> dict[str, str]:
    extra = {
        "Currency": "    <precision>16</precision>\n    <scale>2</scale>\n",
        "Date": "",
        "Text": "    <length>40</length>\n",
    }[kind]
    return {
        f"{path}/fields/{name}.field-meta.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            f"    <fullName>{name}</fullName>\n"
            f"    <description>version: {version}</description>\n"
            f"    <label>{label}</label>\n{extra}"
            "    <required>false</required>\n"
            f"    <type>{kind}</type>\n"
            "</CustomField>\n"
        )
    }


def _account_service(version: str, body: str) -> dict[str, str]:
    return _apex("AccountService", version, body)


ACCOUNT_SERVICE_BASELINE = """\
    public static String displayName(Account acc) {
        return acc.Name.trim();
    }
"""

ACCOUNT_SERVICE_HOTFIX = """\
    public static String displayName(Account acc) {
        return acc == null || acc.Name == null ? '' : acc.Name.trim();
    }
"""

ACCOUNT_SERVICE_SANDBOX_EDIT = """\
    public static String displayName(Account acc) {
        return acc.Name.trim();
    }

    public static String tierLabel(Account acc) {
        return 'Tier ' + String.valueOf(acc.get('Tier__c'));
    }
"""


def account_service_sandbox_edit() -> str:
    """AccountService as dev1 changed it in their sandbox (Setup), never retrieved into git."""
    return _account_service("dev1-sandbox-edit", ACCOUNT_SERVICE_SANDBOX_EDIT)[
        f"{CLASSES}/AccountService.cls"
    ]


def _invoice_service(version: str, with_overdue: bool) -> dict[str, str]:
    body = """\
    public static Decimal total(List<Invoice__c> invoices) {
        Decimal sum = 0;
        for (Invoice__c inv : invoices) {
            sum += inv.Amount__c == null ? 0 : inv.Amount__c;
        }
        return sum;
    }
"""
    if with_overdue:
        body += """\

    public static List<Invoice__c> overdue(List<Invoice__c> invoices, Date today) {
        List<Invoice__c> late = new List<Invoice__c>();
        for (Invoice__c inv : invoices) {
            if (inv.DueDate__c != null && inv.DueDate__c < today && inv.Status__c != 'Paid') {
                late.add(inv);
            }
        }
        return late;
    }
"""
    return _apex("InvoiceService", version, body)


def invoice_service_sandbox_edit() -> str:
    """InvoiceService as dev2 goes on changing it in their sandbox, not yet retrieved."""
    text = _invoice_service("dev2-sandbox-edit", with_overdue=True)[f"{CLASSES}/InvoiceService.cls"]
    return text.replace("inv.DueDate__c < today", "inv.DueDate__c < today.addDays(-3)")


def _lwc(version: str, overdue: bool) -> dict[str, str]:
    extra_html = (
        '        <p class="overdue">{overdueCount} overdue invoice(s)</p>\n' if overdue else ""
    )
    extra_js = "    @api overdueCount = 0;\n" if overdue else ""
    return {
        f"{LWC}/accountCard.html": (
            f"<!-- version: {version} -->\n<template>\n"
            "    <lightning-card title={name}>\n"
            "        <p>{total}</p>\n"
            f"{extra_html}"
            "    </lightning-card>\n</template>\n"
        ),
        f"{LWC}/accountCard.js": (
            f"// version: {version}\n"
            "import { LightningElement, api } from 'lwc';\n\n"
            "export default class AccountCard extends LightningElement {\n"
            "    @api name;\n    @api total;\n"
            f"{extra_js}"
            "}\n"
        ),
        f"{LWC}/accountCard.js-meta.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<LightningComponentBundle xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            f"    <apiVersion>{API}</apiVersion>\n    <isExposed>true</isExposed>\n"
            "    <targets>\n        <target>lightning__RecordPage</target>\n    </targets>\n"
            "</LightningComponentBundle>\n"
        ),
    }


def baseline() -> dict[str, str]:
    """The project as production holds it at the start: 4 classes, an LWC, an object."""
    files = {"sfsync.yml": SFSYNC_YML, "sfdx-project.json": SFDX_PROJECT}
    files[".forceignore"] = "**/jsconfig.json\n**/.eslintrc.json\n"
    files.update(_account_service("baseline", ACCOUNT_SERVICE_BASELINE))
    files.update(
        _apex(
            "AccountServiceTest",
            "baseline",
            "    @IsTest static void trims() {\n"
            "        System.assertEquals('Acme', "
            "AccountService.displayName(new Account(Name = ' Acme ')));\n    }\n",
            test=True,
        )
    )
    files.update(_invoice_service("baseline", with_overdue=False))
    files.update(
        _apex(
            "InvoiceServiceTest",
            "baseline",
            "    @IsTest static void sums() {\n"
            "        System.assertEquals(5, InvoiceService.total("
            "new List<Invoice__c>{ new Invoice__c(Amount__c = 5) }));\n    }\n",
            test=True,
        )
    )
    files.update(_lwc("baseline", overdue=False))
    files[f"{INVOICE}/Invoice__c.object-meta.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <deploymentStatus>Deployed</deploymentStatus>\n"
        "    <label>Invoice</label>\n"
        "    <nameField>\n        <label>Invoice Number</label>\n"
        "        <type>AutoNumber</type>\n        <displayFormat>INV-{0000}</displayFormat>\n"
        "    </nameField>\n"
        "    <pluralLabel>Invoices</pluralLabel>\n"
        "    <sharingModel>ReadWrite</sharingModel>\n"
        "</CustomObject>\n"
    )
    files.update(_field(INVOICE, "Amount__c", "Amount", "baseline", "Currency"))
    files.update(_field(INVOICE, "Status__c", "Status", "baseline", "Text"))
    return files


def dev2_story() -> dict[str, str]:
    """dev2's story INV-12, invoice due dates: a field, InvoiceService and the LWC change."""
    files = _field(INVOICE, "DueDate__c", "Due Date", "inv-12", "Date")
    files.update(_invoice_service("inv-12", with_overdue=True))
    files.update(_lwc("inv-12", overdue=True))
    return files


def hotfix() -> dict[str, str]:
    """The production hotfix: AccountService no longer fails on an account without a name."""
    return _account_service("hotfix", ACCOUNT_SERVICE_HOTFIX)


def dev1_story() -> dict[str, str]:
    """dev1's story ACC-7, account tiers: a field on Account and TierService with its test."""
    files = _field(ACCOUNT, "Tier__c", "Tier", "acc-7", "Text")
    files.update(
        _apex(
            "TierService",
            "acc-7",
            "    public static String tierOf(Account acc) {\n"
            "        return acc.Tier__c == null ? 'Standard' : acc.Tier__c;\n    }\n",
        )
    )
    files.update(
        _apex(
            "TierServiceTest",
            "acc-7",
            "    @IsTest static void defaultsToStandard() {\n"
            "        System.assertEquals('Standard', TierService.tierOf(new Account()));\n"
            "    }\n",
            test=True,
        )
    )
    return files
