"""An org's metadata in Metadata API format (for the back door), and a repository whose
sfsync.yml names emulated orgs: what the backup, drift and compare tests start from."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from sfemu.emulator import OrgHandle
from sfemu.testing import LoggedInOrg
from sfsync.cli import app

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
CLASS_META = f"{HEAD}<ApexClass {NS}>\n    <apiVersion>62.0</apiVersion>\n</ApexClass>\n"


def apex(name: str, body: str = "") -> dict[str, str]:
    """An Apex class as the org stores it."""
    return {
        f"classes/{name}.cls": f"public class {name} {{ {body} }}\n",
        f"classes/{name}.cls-meta.xml": CLASS_META,
    }


def custom_object(name: str, fields: Mapping[str, str], label: str = "Widget") -> dict[str, str]:
    """A custom object with Text fields {api name: label}, as one .object file."""
    kids = "".join(
        f"    <fields>\n        <fullName>{f}</fullName>\n        <label>{lbl}</label>\n"
        "        <length>80</length>\n        <type>Text</type>\n    </fields>\n"
        for f, lbl in fields.items()
    )
    own = (
        f"    <deploymentStatus>Deployed</deploymentStatus>\n    <label>{label}</label>\n"
        f"    <pluralLabel>{label}s</pluralLabel>\n    <sharingModel>ReadWrite</sharingModel>\n"
    )
    return {f"objects/{name}.object": f"{HEAD}<CustomObject {NS}>\n{own}{kids}</CustomObject>\n"}


def report(folder: str, name: str, title: str = "") -> dict[str, str]:
    """A report (and its folder)."""
    return {
        f"reports/{folder}-meta.xml": (
            f"{HEAD}<ReportFolder {NS}>\n    <accessType>Public</accessType>\n"
            f"    <name>{folder}</name>\n    <publicFolderAccess>ReadOnly</publicFolderAccess>\n"
            "</ReportFolder>\n"
        ),
        f"reports/{folder}/{name}.report": (
            f"{HEAD}<Report {NS}>\n    <format>Tabular</format>\n    <name>{title or name}</name>\n"
            "    <reportType>Opportunity</reportType>\n    <scope>organization</scope>\n</Report>\n"
        ),
    }


def labels(values: Mapping[str, str]) -> dict[str, str]:
    """CustomLabels: several labels in one file."""
    body = "".join(
        f"    <labels>\n        <fullName>{k}</fullName>\n        <language>en_US</language>\n"
        f"        <protected>false</protected>\n        <shortDescription>{k}</shortDescription>\n"
        f"        <value>{v}</value>\n    </labels>\n"
        for k, v in values.items()
    )
    return {"labels/CustomLabels.labels": f"{HEAD}<CustomLabels {NS}>\n{body}</CustomLabels>\n"}


def lwc(name: str, text: str = "Hello") -> dict[str, str]:
    """A Lightning web component bundle."""
    return {
        f"lwc/{name}/{name}.js": (
            'import { LightningElement } from "lwc";\n'
            f"export default class X extends LightningElement {{}} // {text}\n"
        ),
        f"lwc/{name}/{name}.html": f"<template><p>{text}</p></template>\n",
        f"lwc/{name}/{name}.js-meta.xml": (
            f"{HEAD}<LightningComponentBundle {NS}>\n    <apiVersion>62.0</apiVersion>\n"
            "    <isExposed>false</isExposed>\n</LightningComponentBundle>\n"
        ),
    }


def sample_org() -> dict[str, str]:
    """A small org: classes, an object with fields, reports in a folder, labels, an LWC."""
    files: dict[str, str] = {}
    for name in ("AccountService", "InvoiceService", "Util"):
        files.update(apex(name))
    files.update(custom_object("Widget__c", {"Size__c": "Size", "Weight__c": "Weight"}))
    files.update(report("Sales", "Pipeline"))
    files.update(report("Sales", "Forecast"))
    files.update(labels({"Greeting": "Hello", "Farewell": "Bye"}))
    files.update(lwc("card"))
    return files


CONFIG = """\
version: 1
remote: origin
environments:
  prod: {{org: {prod}, branch: main}}
  uat:  {{org: {uat},  branch: uat, upstream: prod}}
  dev1: {{org: {dev1}, upstream: uat}}
"""
SFDX_PROJECT = {
    "packageDirectories": [{"path": "force-app", "default": True}],
    "sourceApiVersion": "62.0",
}


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; fail the test with git's output when it fails."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()


def make_repo(root: Path, orgs: Mapping[str, str], files: Mapping[str, str] = {}) -> Path:
    """A repository (with a bare remote) whose sfsync.yml maps prod/uat/dev1 to `orgs`."""
    remote = root / "remote.git"
    git(root, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = root / "work"
    git(root, "clone", "-q", str(remote), str(repo))
    git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    (repo / "sfsync.yml").write_text(CONFIG.format(**orgs), encoding="utf-8")
    (repo / "sfdx-project.json").write_text(json.dumps(SFDX_PROJECT) + "\n", encoding="utf-8")
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Project")
    git(repo, "branch", "uat")
    git(repo, "push", "-q", "origin", "main", "uat")
    return repo


def run(
    repo: Path, *args: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> tuple[int, dict[str, Any]]:
    """`sfsync ARGS --json` in-process, in `repo`: (exit code, parsed JSON)."""
    monkeypatch.chdir(repo)
    capsys.readouterr()
    code = app.main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def fresh_org(login: Callable[..., LoggedInOrg], name: str, sandbox: bool = True) -> OrgHandle:
    """An emptied org that sf is logged in to (alias = name)."""
    handle = login(name, sandbox=sandbox).handle
    handle.reset()
    return handle


DEFAULT = "force-app/main/default"


def source_project() -> dict[str, str]:
    """A project in source format: two classes, an object with two fields, a report."""
    files: dict[str, str] = {}
    for name in ("AccountService", "Util"):
        files[f"{DEFAULT}/classes/{name}.cls"] = f"public class {name} {{ }}\n"
        files[f"{DEFAULT}/classes/{name}.cls-meta.xml"] = CLASS_META
    files[f"{DEFAULT}/objects/Widget__c/Widget__c.object-meta.xml"] = (
        f"{HEAD}<CustomObject {NS}>\n    <deploymentStatus>Deployed</deploymentStatus>\n"
        "    <label>Widget</label>\n    <nameField>\n        <label>Widget Name</label>\n"
        "        <type>Text</type>\n    </nameField>\n    <pluralLabel>Widgets</pluralLabel>\n"
        "    <sharingModel>ReadWrite</sharingModel>\n</CustomObject>\n"
    )
    for name, label in (("Size__c", "Size"), ("Weight__c", "Weight")):
        files[f"{DEFAULT}/objects/Widget__c/fields/{name}.field-meta.xml"] = (
            f"{HEAD}<CustomField {NS}>\n    <fullName>{name}</fullName>\n"
            f"    <label>{label}</label>\n    <length>80</length>\n    <type>Text</type>\n"
            "</CustomField>\n"
        )
    files[f"{DEFAULT}/reports/Sales.reportFolder-meta.xml"] = (
        f"{HEAD}<ReportFolder {NS}>\n    <accessType>Public</accessType>\n    <name>Sales</name>\n"
        "    <publicFolderAccess>ReadOnly</publicFolderAccess>\n</ReportFolder>\n"
    )
    files[f"{DEFAULT}/reports/Sales/Pipeline.report-meta.xml"] = (
        f"{HEAD}<Report {NS}>\n    <format>Tabular</format>\n    <name>Pipeline</name>\n"
        "    <reportType>Opportunity</reportType>\n    <scope>organization</scope>\n</Report>\n"
    )
    return files
