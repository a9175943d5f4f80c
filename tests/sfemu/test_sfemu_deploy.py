from __future__ import annotations

from pathlib import Path

import pytest
from sfemu_zip import apex, custom_object, make_zip, package

from sfemu import deploy as dp
from sfemu.store import OrgStore, Root
from sfemu.types import Component


@pytest.fixture
def store(tmp_path: Path) -> OrgStore:
    root = Root(tmp_path / "root")
    root.create_org("dev1")
    return root.store("dev1")


def run(
    store: OrgStore, files: dict[str, str | bytes], **options: object
) -> tuple[dp.DeployPlan, dp.DeployOutcome | None]:
    plan = dp.plan(store, make_zip(files), dp.DeployOptions(**options))  # type: ignore[arg-type]
    if plan.fails:
        return plan, None
    if plan.options.check_only:
        return plan, dp.validate_only(plan)
    return plan, dp.apply(store, plan, "Deployer")


def test_create_then_unchanged_then_changed(store: OrgStore) -> None:
    files = {"package.xml": package({"ApexClass": ["Foo"]}), **apex("Foo")}
    _, first = run(store, files)
    assert first is not None and [(m.full_name, m.created, m.changed) for m in first.successes] == [
        ("Foo", True, False)
    ]
    _, again = run(store, files)
    assert again is not None and [(m.created, m.changed) for m in again.successes] == [
        (False, False)
    ]
    _, changed = run(store, {**files, **apex("Foo", "public class Foo { }\n")})
    assert changed is not None and [(m.created, m.changed) for m in changed.successes] == [
        (False, True)
    ]
    assert store.read("classes/Foo.cls") == b"public class Foo { }\n"
    assert store.props(Component("ApexClass", "Foo")).last_modified_by_name == "Deployer"


def test_zip_slip_and_symlinks_are_refused(store: OrgStore, tmp_path: Path) -> None:
    files = {"package.xml": package({"ApexClass": ["Foo"]}), **apex("Foo"), "../../evil.cls": "x"}
    plan, outcome = run(store, files)
    assert outcome is None and plan.fails
    assert "leaves the org's metadata folder" in plan.failures[0].problem
    assert not (tmp_path / "evil.cls").exists() and store.files() == []
    plan = dp.plan(
        store,
        make_zip({"package.xml": package({}), **apex("Foo")}, symlinks=("classes/L.cls",)),
        dp.DeployOptions(),
    )
    assert plan.fails and "symbolic links" in plan.failures[0].problem


def test_per_component_errors_and_all_or_nothing(store: OrgStore) -> None:
    files = {
        "package.xml": package(
            {"ApexClass": ["Good", "Bad"], "Gizmo": ["X"], "CustomField": ["Nope__c.F__c"]}
        ),
        **apex("Good"),
        **apex("Bad"),
        "objects/Nope__c.object": custom_object("Nope__c", ["F__c"], label=None),
    }
    files["classes/Bad.cls-meta.xml"] = "<ApexClass>\n<status>Active\n</ApexClass>\n"
    plan, outcome = run(store, files)
    assert outcome is None
    problems = {(m.component_type, m.full_name): m for m in plan.failures}
    assert problems[("ApexClass", "Bad")].line == 3
    assert "Unknown type name 'Gizmo'" in problems[("Gizmo", "X")].problem
    assert (
        "no CustomObject named Nope__c found" in problems[("CustomField", "Nope__c.F__c")].problem
    )
    assert store.files() == []


def test_rollback_on_error_false_keeps_the_good_components(store: OrgStore) -> None:
    files = {"package.xml": package({"ApexClass": ["Good", "Bad"]}), **apex("Good"), **apex("Bad")}
    files["classes/Bad.cls-meta.xml"] = "<ApexClass>"
    _, outcome = run(store, files, rollback_on_error=False)
    assert outcome is not None and [m.full_name for m in outcome.successes] == ["Good"]
    assert store.files() == ["classes/Good.cls", "classes/Good.cls-meta.xml"]


def test_fields_on_standard_objects_need_no_object(store: OrgStore) -> None:
    files = {
        "package.xml": package({"CustomField": ["Account.Tier__c"]}),
        "objects/Account.object": custom_object("Account", ["Tier__c"], label=None),
    }
    _, outcome = run(store, files)
    assert outcome is not None and outcome.deployed == ("CustomField:Account.Tier__c",)


def test_deleting_a_missing_component_warns_or_fails(store: OrgStore) -> None:
    files = {
        "package.xml": package({}),
        "destructiveChangesPost.xml": package({"ApexClass": ["Ghost"]}),
    }
    plan, outcome = run(store, files)
    assert outcome is None and plan.failures[0].problem == "No ApexClass named: Ghost found"
    plan, outcome = run(store, files, ignore_warnings=True)
    assert outcome is not None and plan.warnings[0].problem_type == "Warning"


def test_pre_and_post_destructive_changes(store: OrgStore) -> None:
    run(store, {"package.xml": package({"ApexClass": ["A", "B"]}), **apex("A"), **apex("B")})
    files = {
        "package.xml": package({"ApexClass": ["B"]}),
        **apex("B", "public class B { /* v2 */ }\n"),
        "destructiveChangesPre.xml": package({"ApexClass": ["B"]}),
        "destructiveChangesPost.xml": package({"ApexClass": ["A"]}),
    }
    _, outcome = run(store, files, purge_on_delete=True)
    assert outcome is not None
    assert sorted(outcome.deleted) == ["ApexClass:A", "ApexClass:B"]
    assert store.files() == [
        "classes/B.cls",
        "classes/B.cls-meta.xml",
    ]  # deleted first, then created


def test_check_only_and_tests(store: OrgStore) -> None:
    files = {
        "package.xml": package({"ApexClass": ["Foo", "FooTest"]}),
        **apex("Foo"),
        **apex("FooTest", "@IsTest\nprivate class FooTest {}\n"),
    }
    plan, outcome = run(store, files, check_only=True, test_level="RunLocalTests")
    assert outcome is not None and plan.tests == ("FooTest",)
    assert store.files() == []
    plan, _ = run(store, files, test_level="RunSpecifiedTests", run_tests=("FooTest",))
    assert plan.tests == ("FooTest",)
    plan, _ = run(store, files, test_level="RunEverything")
    assert plan.fails
    assert plan.error_message == "'RunEverything' is not a valid value for the enum 'TestLevel'"


def test_zip_size_limit(store: OrgStore) -> None:
    data = make_zip({"package.xml": package({"ApexClass": ["Foo"]}), **apex("Foo")})
    plan = dp.plan(store, data, dp.DeployOptions(), zip_limit=len(data) - 1)
    assert plan.fails and plan.error_code == "LIMIT_EXCEEDED"
