"""Shapes of real projects in the org model: Experience sites, labels, case-only renames,
what destructive changes cannot delete, and types the emulator refuses (in process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sfemu_zip import NS, apex, custom_object, make_zip, package

from sfemu import OrgEmulator
from sfemu import deploy as dp
from sfemu import retrieve as rt
from sfemu.store import OrgStore, Root, StoreError
from sfemu.types import Component

SITE = {
    "experiences/Partners1.site-meta.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ExperienceBundle xmlns="{NS}">\n'
        "    <label>Partners</label>\n    <type>customSite</type>\n</ExperienceBundle>\n"
    ),
    "experiences/Partners1/config/partners.json": '{"type": "site", "id": "1"}\n',
    "experiences/Partners1/views/home.json": '{"type": "view", "label": "Home"}\n',
    "experiences/Partners1/routes/home.json": '{"type": "route", "urlPrefix": ""}\n',
}


def labels(*names: str) -> str:
    body = "".join(
        f"    <labels>\n        <fullName>{n}</fullName>\n        <language>en_US</language>\n"
        f"        <protected>false</protected>\n        <shortDescription>{n}</shortDescription>\n"
        f"        <value>{n} text</value>\n    </labels>\n"
        for n in names
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomLabels xmlns="{NS}">\n'
    return f"{head}{body}</CustomLabels>\n"


@pytest.fixture
def store(tmp_path: Path) -> OrgStore:
    root = Root(tmp_path / "root")
    root.create_org("dev1")
    return root.store("dev1")


def deploy(store: OrgStore, files: dict[str, str | bytes], **options: object) -> dp.DeployPlan:
    plan = dp.plan(store, make_zip(files), dp.DeployOptions(**options))  # type: ignore[arg-type]
    if not plan.fails:
        dp.apply(store, plan, "Deployer")
    return plan


def problems(plan: dp.DeployPlan) -> list[tuple[str, str, str]]:
    return [(m.component_type, m.full_name, m.problem) for m in plan.failures]


def test_an_experience_bundle_keeps_every_file_of_its_folder(store: OrgStore) -> None:
    plan = deploy(store, {"package.xml": package({"ExperienceBundle": ["Partners1"]}), **SITE})
    assert not plan.fails, problems(plan)
    assert store.files() == sorted(SITE)
    out = rt.retrieve(store, {"ExperienceBundle": ["Partners1"]}, "62.0")
    assert not out.messages
    assert [p.component for p in out.file_properties if p.component.type != "Package"] == [
        Component("ExperienceBundle", "Partners1")
    ]
    # deployed again without a view: the bundle is replaced, as a bundle is deployed whole
    smaller = {k: v for k, v in SITE.items() if "routes" not in k}
    plan = deploy(store, {"package.xml": package({"ExperienceBundle": ["Partners1"]}), **smaller})
    assert not plan.fails and store.files() == sorted(smaller)


def test_the_back_door_takes_an_experience_site_and_deletes_it_whole(tmp_path: Path) -> None:
    emu = OrgEmulator(tmp_path)
    emu.root.create_org("dev1")
    org = emu.org("dev1")
    org.put_many(dict(SITE))
    assert org.components() == ["ExperienceBundle:Partners1"]
    assert org.delete("ExperienceBundle:Partners1")
    assert org.list() == []


def test_custom_labels_as_sf_converts_them(store: OrgStore) -> None:
    # `sf project convert source` lists each label as CustomLabel beside CustomLabels
    files = {
        "package.xml": package(
            {"CustomLabel": ["Greeting", "Farewell"], "CustomLabels": ["CustomLabels"]}
        ),
        "labels/CustomLabels.labels": labels("Farewell", "Greeting"),
    }
    plan = deploy(store, files)
    assert not plan.fails, problems(plan)
    assert {"CustomLabel:Greeting", "CustomLabel:Farewell"} <= {str(c) for c in plan.components}
    # a label alone (a delta): merged into the labels the org holds
    files = {
        "package.xml": package({"CustomLabel": ["Welcome"]}),
        "labels/CustomLabels.labels": labels("Welcome"),
    }
    plan = deploy(store, files)
    assert not plan.fails, problems(plan)
    held = {c.full_name for c in store.children(Component("CustomLabels", "CustomLabels"))}
    assert held == {"Farewell", "Greeting", "Welcome"}
    plan = deploy(
        store,
        {
            "package.xml": package({}),
            "destructiveChanges.xml": package({"CustomLabel": ["Greeting"]}),
        },
    )
    assert not plan.fails, problems(plan)
    held = {c.full_name for c in store.children(Component("CustomLabels", "CustomLabels"))}
    assert held == {"Farewell", "Welcome"}


def test_a_label_missing_from_the_labels_file_is_not_in_the_zip(store: OrgStore) -> None:
    files = {
        "package.xml": package({"CustomLabel": ["Nowhere"]}),
        "labels/CustomLabels.labels": labels("Greeting"),
    }
    plan = deploy(store, files)
    assert plan.fails
    assert problems(plan) == [
        (
            "CustomLabel",
            "Nowhere",
            "An object 'Nowhere' of type CustomLabel was named in package.xml, "
            "but was not found in zipped directory",
        )
    ]


def test_a_case_only_field_rename_updates_the_one_field_the_org_holds(store: OrgStore) -> None:
    first = {
        "package.xml": package({"CustomObject": ["Order__c"]}),
        "objects/Order__c.object": custom_object("Order__c", ["accountId__c"]),
    }
    assert not deploy(store, first).fails
    renamed = {
        "package.xml": package({"CustomField": ["Order__c.AccountId__c"]}),
        "objects/Order__c.object": custom_object("Order__c", ["AccountId__c"], label=None).replace(
            "<label>AccountId__c</label>", "<label>Account</label>"
        ),
    }
    plan = deploy(store, renamed)
    assert not plan.fails, problems(plan)
    fields = {c.full_name for c in store.children(Component("CustomObject", "Order__c"))}
    assert fields == {"Order__c.accountId__c"}  # one field, the org's spelling
    assert b"<label>Account</label>" in store.read("objects/Order__c.object")
    # destructive changes name it in any case
    plan = deploy(
        store,
        {
            "package.xml": package({}),
            "destructiveChanges.xml": package({"CustomField": ["Order__c.ACCOUNTID__C"]}),
        },
    )
    assert not plan.fails, problems(plan)
    assert store.children(Component("CustomObject", "Order__c")) == {}


def test_a_field_for_an_object_named_in_another_case_lands_in_the_held_object(
    store: OrgStore,
) -> None:
    first = {
        "package.xml": package({"CustomObject": ["Order__c"]}),
        "objects/Order__c.object": custom_object("Order__c", []),
    }
    assert not deploy(store, first).fails
    plan = deploy(
        store,
        {
            "package.xml": package({"CustomField": ["order__c.Total__c"]}),
            "objects/order__c.object": custom_object("order__c", ["Total__c"], label=None),
        },
    )
    assert not plan.fails, problems(plan)
    assert store.files() == ["objects/Order__c.object"]
    assert {c.full_name for c in store.children(Component("CustomObject", "Order__c"))} == {
        "Order__c.Total__c"
    }


def test_a_case_only_class_rename_keeps_one_class(store: OrgStore) -> None:
    assert not deploy(store, {"package.xml": package({"ApexClass": ["Foo"]}), **apex("Foo")}).fails
    body = "public class FOO { Integer x; }\n"
    plan = deploy(store, {"package.xml": package({"ApexClass": ["FOO"]}), **apex("FOO", body)})
    assert not plan.fails, problems(plan)
    assert store.files() == ["classes/Foo.cls", "classes/Foo.cls-meta.xml"]
    assert store.read("classes/Foo.cls") == body.encode()


@pytest.mark.parametrize(
    ("comp", "problem"),
    [
        pytest.param(
            "CustomObject:Account",
            "The CustomObject called 'Account' is standard and cannot be deleted",
            id="standard-object",
        ),
        pytest.param(
            "Workflow:Account",
            "Cannot delete a workflow object; Workflow Rules and Actions must be deleted "
            "individually",
            id="workflow",
        ),
    ],
)
def test_what_destructive_changes_cannot_delete(store: OrgStore, comp: str, problem: str) -> None:
    type_name, _, name = comp.partition(":")
    path = {"CustomObject": "objects/Account.object", "Workflow": "workflows/Account.workflow"}
    with store.locked():
        store.put_files({path[type_name]: f'<{type_name} xmlns="{NS}"/>'.encode()})
    plan = deploy(
        store,
        {"package.xml": package({}), "destructiveChanges.xml": package({type_name: [name]})},
    )
    assert plan.fails and problems(plan) == [(type_name, name, problem)]
    assert store.exists(path[type_name])


def test_a_type_sfemu_does_not_model_is_refused_naming_it(store: OrgStore) -> None:
    files = {
        "package.xml": package({"Territory2Model": ["Sales"], "ApexClass": ["Foo"]}),
        "territory2Models/Sales/Sales.territory2Model": f'<Territory2Model xmlns="{NS}"/>',
        **apex("Foo"),
    }
    plan = deploy(store, files)
    assert plan.fails
    assert (
        "Territory2Model",
        "Sales",
        "Not available for deploy for this organization (sfemu does not model Territory2Model)",
    ) in problems(plan)
    assert store.files() == []  # nothing applied, nothing dropped in silence


def test_a_file_no_component_claims_is_refused_not_dropped(store: OrgStore) -> None:
    files = {
        "package.xml": package({"ApexClass": ["Foo"]}),
        **apex("Foo"),
        "classes/deeper/Bar.cls": "public class Bar {}\n",
    }
    plan = deploy(store, files)
    assert plan.fails
    assert problems(plan) == [
        (
            "ApexClass",
            "classes/deeper/Bar.cls",
            "Not available for deploy for this organization (sfemu does not model ApexClass)",
        )
    ]


def test_the_back_door_refuses_a_type_sfemu_does_not_model(tmp_path: Path) -> None:
    emu = OrgEmulator(tmp_path)
    emu.root.create_org("dev1")
    with pytest.raises(StoreError, match="sfemu does not model UIBundle"):
        emu.org("dev1").put("uiBundles/App/index.html", "<html></html>")


LWR = "digitalExperiences/site/Store1"
LWR_SITE = {
    f"{LWR}/Store1.digitalExperience-meta.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<DigitalExperienceBundle xmlns="{NS}">\n'
        "    <label>Store1</label>\n</DigitalExperienceBundle>\n"
    ),
    f"{LWR}/sfdc_cms__view/home/_meta.json": '{"apiName": "home", "type": "sfdc_cms__view"}',
    f"{LWR}/sfdc_cms__view/home/content.json": '{"type": "sfdc_cms__view", "title": "Home"}',
    f"{LWR}/sfdc_cms__route/Home/_meta.json": '{"apiName": "Home", "type": "sfdc_cms__route"}',
    f"{LWR}/sfdc_cms__route/Home/content.json": '{"type": "sfdc_cms__route", "urlPrefix": ""}',
}
LWR_PACKAGE = {
    "DigitalExperienceBundle": ["site/Store1"],
    "DigitalExperience": ["site/Store1.sfdc_cms__route/Home", "site/Store1.sfdc_cms__view/home"],
}


def test_an_lwr_site_comes_whole_and_goes_whole(store: OrgStore) -> None:
    # `sf project convert source` lists the bundle and each of its views, routes... as a
    # DigitalExperience; each is a folder of JSON files under the site's folder
    plan = deploy(store, {"package.xml": package(LWR_PACKAGE), **LWR_SITE})
    assert not plan.fails, problems(plan)
    assert store.files() == sorted(LWR_SITE)
    out = rt.retrieve(store, {"DigitalExperienceBundle": ["site/Store1"]}, "62.0")
    listed = sorted(str(p.component) for p in out.file_properties if p.component.type != "Package")
    assert listed == [
        "DigitalExperience:site/Store1.sfdc_cms__route/Home",
        "DigitalExperience:site/Store1.sfdc_cms__view/home",
        "DigitalExperienceBundle:site/Store1",
    ]
    one = {
        "package.xml": package({}),
        "destructiveChanges.xml": package(
            {"DigitalExperience": ["site/Store1.sfdc_cms__route/Home"]}
        ),
    }
    assert not deploy(store, one).fails
    assert not any("sfdc_cms__route" in f for f in store.files())
    whole = {
        "package.xml": package({}),
        "destructiveChanges.xml": package({"DigitalExperienceBundle": ["site/Store1"]}),
    }
    assert not deploy(store, whole).fails
    assert store.files() == []


def test_field_translations_are_told_apart_by_name(store: OrgStore) -> None:
    # a CustomFieldTranslation is named by <name>, not <fullName> (the CLI's registry:
    # uniqueIdElement); both entries stay, and a later deploy of one keeps the other
    def translation(*fields: tuple[str, str]) -> str:
        body = "".join(
            f"    <fields>\n        <label>{label}</label>\n        <name>{name}</name>\n"
            "    </fields>\n"
            for name, label in fields
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomObjectTranslation xmlns="{NS}">\n'
            f"{body}</CustomObjectTranslation>\n"
        )

    path = "objectTranslations/Widget__c-fr.objectTranslation"
    manifest = package({"CustomObjectTranslation": ["Widget__c-fr"]})
    text = translation(("Size__c", "Taille"), ("Colour__c", "Couleur"))
    assert not deploy(store, {"package.xml": manifest, path: text}).fails
    parent = Component("CustomObjectTranslation", "Widget__c-fr")
    assert sorted(c.full_name for c in store.children(parent)) == [
        "Widget__c-fr.Colour__c",
        "Widget__c-fr.Size__c",
    ]
    assert not deploy(store, {"package.xml": manifest, path: translation(("Size__c", "T"))}).fails
    held = store.read(path).decode()
    assert "<label>T</label>" in held and "<label>Couleur</label>" in held
