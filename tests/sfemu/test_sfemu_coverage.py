"""sfemu's model of the coverage rule (RunSpecifiedTests, RunRelevantTests) and of the default
test level of a production deploy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sfemu_zip import apex, make_zip, package

from sfemu import coverage
from sfemu import deploy as dp
from sfemu.store import OrgStore, Root

TRIGGER_META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ApexTrigger xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexTrigger>\n"
)
TEST = "@IsTest\nprivate class {name} {{\n    @IsTest static void t() {{ {body} }}\n}}\n"


@pytest.fixture
def store(tmp_path: Path) -> OrgStore:
    root = Root(tmp_path / "root")
    root.create_org("prod", sandbox=False)
    return root.store("prod")


def plan(store: OrgStore, files: dict[str, str], **options: object) -> dp.DeployPlan:
    types: dict[str, list[str]] = {}
    for path in files:
        if path.endswith(".cls"):
            types.setdefault("ApexClass", []).append(path[len("classes/") : -len(".cls")])
        elif path.endswith(".trigger"):
            types.setdefault("ApexTrigger", []).append(path[len("triggers/") : -len(".trigger")])
    zipped = make_zip({"package.xml": package(types), **files})
    version = float(options.pop("api_version", 66.0))  # type: ignore[arg-type]
    return dp.plan(store, zipped, dp.DeployOptions(api_version=version, **options))  # type: ignore[arg-type]


def apex_test(name: str, body: str) -> dict[str, str]:
    return apex(name, TEST.format(name=name, body=body))


SOURCE = {
    **apex("Service", "public class Service { public void run() { Helper.go(); } }\n"),
    **apex("Helper", "public class Helper { public static void go() { insert new Account(); } }"),
    **apex("Lonely", "public class Lonely { /* Service */ String s = 'Service'; }\n"),
    **apex("Shape", "public interface Shape { }\n"),
    "triggers/AccountTrigger.trigger": "trigger AccountTrigger on Account (before insert) { }",
    "triggers/AccountTrigger.trigger-meta.xml": TRIGGER_META,
    **apex_test("ServiceTest", "new Service().run();"),
}


def test_named_tests_that_reach_every_class_and_trigger_pass(store: OrgStore) -> None:
    result = plan(store, SOURCE, test_level="RunSpecifiedTests", run_tests=("ServiceTest",))
    # Lonely is only named in a comment and a string: 0% covered
    assert result.coverage_warnings == (
        (
            "Lonely",
            "Test coverage of selected Apex Class is 0%, at least 75% test coverage is required",
        ),
    )
    assert result.fails and result.tests == ("ServiceTest",)
    files = {p: t for p, t in SOURCE.items() if not p.startswith("classes/Lonely")}
    result = plan(store, files, test_level="RunSpecifiedTests", run_tests=("ServiceTest",))
    assert result.coverage_warnings == () and not result.fails


def test_an_untested_trigger_fails_with_the_trigger_message(store: OrgStore) -> None:
    files = {p: t for p, t in SOURCE.items() if not p.startswith("classes/Lonely")}
    files.update(apex_test("OtherTest", "System.assert(true);"))
    result = plan(store, files, test_level="RunSpecifiedTests", run_tests=("OtherTest",))
    assert [name for name, _ in result.coverage_warnings] == ["Service", "Helper", "AccountTrigger"]
    assert result.coverage_warnings[-1][1] == (
        "Test coverage of selected Apex Trigger is 0%, at least 75% test coverage is required"
    )


def test_tests_already_in_the_org_count(store: OrgStore) -> None:
    store.put_files({p: t.encode() for p, t in apex_test("ServiceTest", "new Service();").items()})
    files = apex("Service", "public class Service { }\n")
    result = plan(store, files, test_level="RunSpecifiedTests", run_tests=("ServiceTest",))
    assert result.coverage_warnings == ()


def test_relevant_tests_are_those_that_reach_the_deployment(store: OrgStore) -> None:
    store.put_files(
        {p: t.encode() for p, t in apex_test("UnrelatedTest", "System.assert(true);").items()}
    )
    files = {p: t for p, t in SOURCE.items() if not p.startswith("classes/Lonely")}
    files.update(
        apex(
            "AlwaysTest",
            "@IsTest(critical=true)\nprivate class AlwaysTest { @IsTest static void t() {} }\n",
        )
    )
    result = plan(store, files, test_level="RunRelevantTests")
    # a deployed test runs; one already in the org runs when it reaches the deployment
    assert result.tests == ("AlwaysTest", "ServiceTest")
    assert not result.fails


def test_relevant_tests_need_api_66(store: OrgStore) -> None:
    result = plan(store, SOURCE, test_level="RunRelevantTests", api_version=65.0)
    assert result.fails
    assert (
        result.error_message == "'RunRelevantTests' is not a valid value for the enum 'TestLevel'"
    )


def test_the_beta_failure_runs_nothing_and_checks_nothing(store: OrgStore) -> None:
    zipped = make_zip({"package.xml": package({"ApexClass": ["Lonely"]}), **apex("Lonely")})
    options = dp.DeployOptions(test_level="RunRelevantTests", api_version=66.0)
    result = dp.plan(store, zipped, options, no_relevant_tests=True)
    assert result.tests == () and not result.fails


@pytest.mark.parametrize(
    ("files", "level"),
    [
        pytest.param(apex("Service"), "RunLocalTests", id="apex"),
        pytest.param(
            {
                "labels/CustomLabels.labels": '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata"/>\n'
            },
            "NoTestRun",
            id="no-apex",
        ),
    ],
)
def test_production_runs_tests_by_default_only_for_apex(
    store: OrgStore, files: dict[str, str], level: str
) -> None:
    types = (
        {"ApexClass": ["Service"]}
        if "classes/Service.cls" in files
        else {"CustomLabels": ["CustomLabels"]}
    )
    zipped = make_zip({"package.xml": package(types), **files})
    options = dp.DeployOptions.from_soap({}, production=True)
    assert not options.level_given and options.test_level == "RunLocalTests"
    assert dp.plan(store, zipped, options).options.test_level == level


def test_the_model_reads_code_not_comments() -> None:
    apex_ = coverage.read("ApexClass:A", "/* B */ public class A { String s = 'C'; D d; }")
    assert apex_.words >= {"public", "class", "string", "s", "d"}
    assert not apex_.words & {"a", "b", "c"}
    test = coverage.read(
        "ApexClass:T", "@IsTest(testFor='ApexClass:A, B' critical=true) private class T {}"
    )
    assert test.is_test and test.critical and test.test_for == {"apexclass:a", "apexclass:b"}


def test_a_sandbox_is_not_refused_for_coverage(tmp_path: Path) -> None:
    root = Root(tmp_path / "root")
    root.create_org("dev1", sandbox=True)
    result = plan(root.store("dev1"), SOURCE, test_level="RunSpecifiedTests", run_tests=("X",))
    assert result.coverage_warnings == () and not result.fails
