from __future__ import annotations

import pytest

from sfemu import types
from sfemu.types import Component


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("classes/Foo.cls", "ApexClass:Foo", id="apex"),
        pytest.param("classes/Foo.cls-meta.xml", "ApexClass:Foo", id="apex-meta"),
        pytest.param("lwc/hello/hello.js", "LightningComponentBundle:hello", id="lwc"),
        pytest.param("objects/Widget__c.object", "CustomObject:Widget__c", id="object"),
        pytest.param("reports/Sales-meta.xml", "Report:Sales", id="report-folder"),
        pytest.param("reports/Sales/Pipeline.report", "Report:Sales/Pipeline", id="report"),
        pytest.param("staticresources/Logo.resource", "StaticResource:Logo", id="resource"),
        pytest.param("documents/Shared/logo.png", "Document:Shared/logo.png", id="document"),
        pytest.param("layouts/Account-Account Layout.layout", "Layout:Account-Account Layout"),
        pytest.param("settings/Account.settings", "Settings:Account", id="settings"),
        pytest.param("experiences/Site1.site-meta.xml", "ExperienceBundle:Site1", id="site-meta"),
        pytest.param(
            "experiences/Site1/views/home.json", "ExperienceBundle:Site1", id="experience-view"
        ),
    ],
)
def test_component_of(path: str, expected: str) -> None:
    assert str(types.component_of(path)) == expected


@pytest.mark.parametrize("path", ["package.xml", "nowhere/Foo.cls", "classes", "classes/"])
def test_paths_no_type_claims(path: str) -> None:
    assert types.component_of(path) is None


def test_folders_are_reported_as_their_folder_type() -> None:
    assert types.reported_type(Component("Report", "Sales")) == "ReportFolder"
    assert types.reported_type(Component("Report", "Sales/Pipeline")) == "Report"
    assert types.reported_type(Component("ApexClass", "Foo")) == "ApexClass"


def test_wildcards_and_children() -> None:
    report, apex, obj = types.get("Report"), types.get("ApexClass"), types.get("CustomObject")
    assert report is not None and apex is not None and obj is not None
    assert not report.allows_wildcard and apex.allows_wildcard
    assert obj.child_element("CustomField") == "fields"
    assert obj.child_element("ValidationRule") == "validationRules"
    field = types.get("CustomField")
    assert field is not None and field.parent == "CustomObject"
    assert types.get("NoSuchType") is None
