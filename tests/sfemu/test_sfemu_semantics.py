"""What the emulated org does with a deployed Profile or PermissionSet, a deleted Flow or class."""

from __future__ import annotations

from pathlib import Path

import pytest
from sfemu_zip import NS, make_zip, package

from sfemu import deploy as dp
from sfemu.store import OrgStore, Root
from sfemu.types import Component

FIELD = (
    "<fieldPermissions><editable>{1}</editable><field>{0}</field><readable>true</readable>"
    "</fieldPermissions>"
)
IP = "<loginIpRanges><endAddress>{0}</endAddress><startAddress>{0}</startAddress></loginIpRanges>"


@pytest.fixture
def store(tmp_path: Path) -> OrgStore:
    root = Root(tmp_path / "root")
    root.create_org("int", sandbox=True)
    return root.store("int")


def _doc(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">{body}</{root}>\n'


def _deploy(
    store: OrgStore,
    types: dict[str, list[str]],
    files: dict[str, str],
    post: dict[str, list[str]] | None = None,
) -> dp.DeployPlan:
    zipped = {"package.xml": package(types), **files}
    if post:
        zipped["destructiveChangesPost.xml"] = package(post)
    plan = dp.plan(store, make_zip(zipped), dp.DeployOptions())
    if not plan.fails:
        dp.apply(store, plan, "Deployer")
    return plan


def test_a_profile_is_overlaid(store: OrgStore) -> None:
    full = "<custom>true</custom>" + FIELD.format("A.X__c", "true") + FIELD.format("A.Y__c", "true")
    store.put_files(
        {"profiles/Support.profile": _doc("Profile", full + IP.format("1.1.1.1")).encode()}
    )
    pruned = "<custom>true</custom>" + FIELD.format("A.Y__c", "false") + IP.format("2.2.2.2")
    _deploy(store, {"Profile": ["Support"]}, {"profiles/Support.profile": _doc("Profile", pruned)})
    held = store.read("profiles/Support.profile").decode()
    # the entry left out stays, the one sent is replaced, the IP ranges are replaced as a set
    assert "<field>A.X__c</field>" in held
    assert held.count("<field>A.Y__c</field>") == 1 and "<editable>false</editable>" in held
    assert "2.2.2.2" in held and "1.1.1.1" not in held


def test_a_permission_set_is_replaced(store: OrgStore) -> None:
    body = "<label>Sales</label>" + "".join(FIELD.format(f"A.F{i}__c", "true") for i in range(46))
    store.put_files({"permissionsets/Sales.permissionset": _doc("PermissionSet", body).encode()})
    pruned = "<label>Sales</label>" + FIELD.format("A.F3__c", "false")
    _deploy(
        store,
        {"PermissionSet": ["Sales"]},
        {"permissionsets/Sales.permissionset": _doc("PermissionSet", pruned)},
    )
    held = store.read("permissionsets/Sales.permissionset").decode()
    assert held.count("<fieldPermissions>") == 1  # what the org does: 45 entries gone


FLOW = {"flows/Onboard.flow": _doc("Flow", "<label>Onboard</label><status>Active</status>")}
DEACTIVATE = {
    "flowDefinitions/Onboard.flowDefinition": _doc(
        "FlowDefinition", "<activeVersionNumber>0</activeVersionNumber>"
    )
}


def test_an_active_flow_cannot_be_deleted(store: OrgStore) -> None:
    store.put_files({p: d.encode() for p, d in FLOW.items()})
    plan = _deploy(store, {}, {}, post={"Flow": ["Onboard"]})
    assert plan.fails
    assert "insufficient access rights on cross-reference id" in plan.failures[0].problem
    assert store.exists("flows/Onboard.flow")


def test_deactivated_in_the_same_deployment_then_deleted(store: OrgStore) -> None:
    store.put_files({p: d.encode() for p, d in FLOW.items()})
    plan = _deploy(store, {"FlowDefinition": ["Onboard"]}, DEACTIVATE, post={"Flow": ["Onboard"]})
    assert not plan.fails, plan.failures
    assert not store.exists("flows/Onboard.flow")
    assert not store.exists("flowDefinitions/Onboard.flowDefinition")


def test_pre_destructive_runs_before_the_deactivation(store: OrgStore) -> None:
    store.put_files({p: d.encode() for p, d in FLOW.items()})
    zipped = {
        "package.xml": package({"FlowDefinition": ["Onboard"]}),
        "destructiveChangesPre.xml": package({"Flow": ["Onboard"]}),
        **DEACTIVATE,
    }
    plan = dp.plan(store, make_zip(zipped), dp.DeployOptions())
    assert plan.fails and "cross-reference id" in plan.failures[0].problem


def test_a_flow_definition_deactivates_the_flow(store: OrgStore) -> None:
    store.put_files({p: d.encode() for p, d in FLOW.items()})
    _deploy(store, {"FlowDefinition": ["Onboard"]}, DEACTIVATE)
    assert b"<status>Obsolete</status>" in store.read("flows/Onboard.flow")
    plan = _deploy(store, {}, {}, post={"Flow": ["Onboard"]})
    assert not plan.fails


def test_a_deletion_names_the_component_whatever_its_case(store: OrgStore) -> None:
    # why a case-only rename must never reach destructiveChanges.xml: the org deletes its class
    store.put_files({"classes/CustomerServices.cls": b"public class CustomerServices {}\n"})
    plan = _deploy(store, {}, {}, post={"ApexClass": ["customerServices"]})
    assert not plan.fails
    assert not store.exists("classes/CustomerServices.cls")


META = _doc("ApexClass", "<apiVersion>62.0</apiVersion><status>Active</status>")


def _classes(**bodies: str) -> dict[str, bytes]:
    out = {}
    for name, body in bodies.items():
        out[f"classes/{name}.cls"] = body.encode()
        out[f"classes/{name}.cls-meta.xml"] = META.encode()
    return out


@pytest.mark.parametrize(
    ("user", "deleted_too", "refused"),
    [
        pytest.param("public class User { Integer n = Util.v(); }", False, True, id="used"),
        pytest.param(
            "public class User { /* Util */ String s = 'Util'; }",
            False,
            False,
            id="named-in-a-comment-or-string",
        ),
        pytest.param("public class User { Integer n = Util.v(); }", True, False, id="both-go"),
    ],
)
def test_an_apex_class_other_apex_uses_cannot_be_deleted(
    store: OrgStore, user: str, deleted_too: bool, refused: bool
) -> None:
    store.put_files(_classes(Util="public class Util { static Integer v() { return 1; } }"))
    store.put_files(_classes(User=user))
    gone = ["Util", "User"] if deleted_too else ["Util"]
    plan = _deploy(store, {}, {}, post={"ApexClass": gone})
    assert plan.fails is refused
    if refused:
        (failure,) = plan.failures
        assert (failure.component_type, failure.full_name) == ("ApexClass", "Util")
        assert failure.problem == (
            "This apex class is referenced elsewhere in salesforce.com. Remove the usage and "
            "try again."
        )
    assert store.exists("classes/Util.cls") is refused


def test_a_class_is_deleted_when_the_deploy_removes_its_last_use(store: OrgStore) -> None:
    store.put_files(_classes(Util="public class Util { }", User="public class User { Util u; }"))
    plan = _deploy(
        store,
        {"ApexClass": ["User"]},
        {"classes/User.cls": "public class User { }", "classes/User.cls-meta.xml": META},
        post={"ApexClass": ["Util"]},
    )
    assert not plan.fails, plan.failures
    assert not store.exists("classes/Util.cls")


def _object(name: str, *fields: tuple[str, str]) -> dict[str, bytes]:
    """`objects/<name>.object` with text fields, or formula fields for `(name, formula)`."""
    body = "".join(
        f"<fields><fullName>{f}</fullName><label>{f}</label>"
        + (f"<formula>{formula}</formula><type>Number</type>" if formula else "<type>Text</type>")
        + "</fields>"
        for f, formula in fields
    )
    return {f"objects/{name}.object": _doc("CustomObject", body + "<label>X</label>").encode()}


def _trigger(name: str, body: str) -> dict[str, bytes]:
    meta = _doc("ApexTrigger", "<apiVersion>62.0</apiVersion><status>Active</status>")
    return {
        f"triggers/{name}.trigger": body.encode(),
        f"triggers/{name}.trigger-meta.xml": meta.encode(),
    }


def _kids(store: OrgStore, obj: str) -> set[str]:
    return {str(c) for c in store.children(Component("CustomObject", obj))}


FIELD_USED = "This custom field is referenced elsewhere in salesforce.com."


@pytest.mark.parametrize(
    ("user", "problem"),
    [
        pytest.param(
            _classes(User="public class User { Decimal t(Account a) { return a.Tier__c; } }"),
            f"{FIELD_USED} : Apex Class - User.",
            id="a-class",
        ),
        pytest.param(
            _trigger("Up", "trigger Up on Account (before insert) { Trigger.new[0].Tier__c = 1; }"),
            f"{FIELD_USED} : Apex Trigger - Up.",
            id="a-trigger",
        ),
        pytest.param(
            _object("Account", ("Tier__c", ""), ("Double__c", "Tier__c * 2")),
            f"{FIELD_USED} : Custom Formula Field - Account.Double__c.",
            id="a-formula-of-its-object",
        ),
        pytest.param(
            {
                **_classes(A="public class A { Object o = Account.Tier__c; }"),
                **_classes(B="public class B { Object o = [SELECT Tier__c FROM Account]; }"),
            },
            f"{FIELD_USED} : Apex Class - A. {FIELD_USED} : Apex Class - B.",
            id="two-users-two-sentences",
        ),
        # guards: what an org lets go
        pytest.param(
            _classes(User="public class User { Decimal t(Contact c) { return c.Tier__c; } }"),
            None,
            id="another-objects-field-of-that-name",
        ),
        pytest.param(
            _classes(User="public class User { /* Account.Tier__c */ String s = 'Tier__c'; }"),
            None,
            id="named-in-a-comment-or-string",
        ),
        pytest.param(
            _object("Account", ("Tier__c", ""), ("Label__c", '"Tier__c" &amp; Name')),
            None,
            id="a-formula-naming-it-in-text",
        ),
        pytest.param(
            _object("Account", ("Tier__c", ""), ("Other__c", "")),
            None,
            id="unused",
        ),
    ],
)
def test_a_custom_field_others_use_cannot_be_deleted(
    store: OrgStore, user: dict[str, bytes], problem: str | None
) -> None:
    store.put_files(_object("Account", ("Tier__c", "")))
    store.put_files(user)
    plan = _deploy(store, {}, {}, post={"CustomField": ["Account.Tier__c"]})
    if problem is None:
        assert not plan.fails, plan.failures
        assert "CustomField:Account.Tier__c" not in _kids(store, "Account")
        return
    (failure,) = plan.failures
    assert (failure.component_type, failure.full_name) == ("CustomField", "Account.Tier__c")
    assert failure.problem == problem
    assert "CustomField:Account.Tier__c" in _kids(store, "Account")


def test_a_field_goes_with_its_users_or_after_the_package_stops_using_it(store: OrgStore) -> None:
    uses = "public class User { Decimal t(Account a) { return a.Tier__c; } }"
    store.put_files(_object("Account", ("Tier__c", ""), ("Double__c", "Tier__c * 2")))
    store.put_files(_classes(User=uses))
    both = {"CustomField": ["Account.Tier__c", "Account.Double__c"], "ApexClass": ["User"]}
    assert not _deploy(store, {}, {}, post=both).fails
    # a package that changes the user, then a post-deletion: the org checks the new code
    store.put_files(_object("Account", ("Tier__c", "")))
    store.put_files(_classes(User=uses))
    changed = {"classes/User.cls": "public class User { }", "classes/User.cls-meta.xml": META}
    plan = _deploy(
        store, {"ApexClass": ["User"]}, changed, post={"CustomField": ["Account.Tier__c"]}
    )
    assert not plan.fails, plan.failures


def test_a_pre_deletion_sees_the_org_before_the_package(store: OrgStore) -> None:
    store.put_files(_object("Account", ("Tier__c", "")))
    store.put_files(
        _classes(User="public class User { Decimal t(Account a) { return a.Tier__c; } }")
    )
    zipped = {
        "package.xml": package({"ApexClass": ["User"]}),
        "destructiveChangesPre.xml": package({"CustomField": ["Account.Tier__c"]}),
        "classes/User.cls": "public class User { }",
        "classes/User.cls-meta.xml": META,
    }
    plan = dp.plan(store, make_zip(zipped), dp.DeployOptions())
    (failure,) = plan.failures
    assert failure.problem == f"{FIELD_USED} : Apex Class - User."


OBJECT_USED = "This custom object is used by another feature. Remove the usage and try again."


@pytest.mark.parametrize(
    ("user", "problem"),
    [
        pytest.param(
            _classes(Sel="public class Sel { List<Widget__c> all() { return null; } }"),
            f"{OBJECT_USED} : Apex Class - Sel.",
            id="a-class",
        ),
        pytest.param(
            _trigger("OnWidget", "trigger OnWidget on Widget__c (before insert) { }"),
            None,
            id="only-its-own-trigger",
        ),
        pytest.param(
            _classes(Sel="public class Sel { String s = 'Widget__c'; }"), None, id="a-string"
        ),
    ],
)
def test_a_custom_object_apex_uses_cannot_be_deleted(
    store: OrgStore, user: dict[str, bytes], problem: str | None
) -> None:
    store.put_files(_object("Widget__c", ("Size__c", "")))
    store.put_files(user)
    plan = _deploy(store, {}, {}, post={"CustomObject": ["Widget__c"]})
    if problem is None:
        assert not plan.fails, plan.failures
        assert not store.exists("objects/Widget__c.object")
        return
    (failure,) = plan.failures
    assert (failure.component_type, failure.full_name) == ("CustomObject", "Widget__c")
    assert failure.problem == problem
    assert store.exists("objects/Widget__c.object")


def test_standard_fields_and_record_types_cannot_be_deleted(store: OrgStore) -> None:
    kinds = "<recordTypes><fullName>Partner</fullName><label>Partner</label></recordTypes>"
    fields = "<fields><fullName>Industry</fullName><type>Picklist</type></fields>"
    store.put_files({"objects/Account.object": _doc("CustomObject", fields + kinds).encode()})
    plan = _deploy(
        store, {}, {}, post={"CustomField": ["Account.Industry"], "RecordType": ["Account.Partner"]}
    )
    problems = {(f.component_type, f.full_name): f.problem for f in plan.failures}
    assert problems == {
        ("CustomField", "Account.Industry"): (
            "The CustomField called 'Account.Industry' is standard and cannot be deleted"
        ),
        ("RecordType", "Account.Partner"): "Cannot delete record type through API",
    }
