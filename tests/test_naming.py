from __future__ import annotations

import pytest

from sfsync.naming import component_name

D = "force-app/main/default"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(f"{D}/classes/Foo.cls", "ApexClass:Foo", id="class"),
        pytest.param(f"{D}/classes/Foo.cls-meta.xml", "ApexClass:Foo", id="class-meta"),
        pytest.param(f"{D}/triggers/T.trigger", "ApexTrigger:T", id="trigger"),
        pytest.param(f"{D}/lwc/myCard/myCard.js", "LightningComponentBundle:myCard", id="lwc"),
        pytest.param(f"{D}/aura/Box/BoxController.js", "AuraDefinitionBundle:Box", id="aura"),
        pytest.param(
            f"{D}/objects/Account/Account.object-meta.xml", "CustomObject:Account", id="object"
        ),
        pytest.param(
            f"{D}/objects/Account/fields/Tier__c.field-meta.xml",
            "CustomField:Account.Tier__c",
            id="field",
        ),
        pytest.param(
            f"{D}/objects/Account/validationRules/R1.validationRule-meta.xml",
            "ValidationRule:Account.R1",
            id="validation-rule",
        ),
        pytest.param(
            f"{D}/layouts/Account-Account Layout.layout-meta.xml",
            "Layout:Account-Account Layout",
            id="layout",
        ),
        pytest.param(f"{D}/flows/Onboard.flow-meta.xml", "Flow:Onboard", id="flow"),
        pytest.param(f"{D}/staticresources/logo.resource-meta.xml", "StaticResource:logo", id="sr"),
        pytest.param(f"{D}/staticresources/lib/js/a.js", "StaticResource:lib", id="sr-folder"),
        pytest.param(
            f"{D}/labels/CustomLabels.labels-meta.xml", "CustomLabels:CustomLabels", id="lbl"
        ),
        pytest.param(f"{D}/weird/thing.xyz", f"{D}/weird/thing.xyz", id="unknown-falls-back"),
        pytest.param("docs/classes/Foo.cls", "docs/classes/Foo.cls", id="outside-package"),
    ],
)
def test_component_name(path: str, expected: str) -> None:
    assert component_name(path, ["force-app"]) == expected


def test_second_package_directory() -> None:
    assert component_name("lib/classes/Util.cls", ["force-app", "lib"]) == "ApexClass:Util"
