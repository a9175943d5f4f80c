"""The reference graph and the test selection, on a small project held in memory."""

from __future__ import annotations

import pytest

from sfsync.metadata.apex import graph as apexgraph
from sfsync.metadata.apex.select import (
    ALWAYS,
    CONVENTION,
    CRITICAL,
    DEPLOYED,
    REACHES,
    TEST_FOR,
    Options,
    Selection,
    select,
)

BASE = "force-app/main/default"
TEST = "@IsTest\nprivate class {name} {{\n    @IsTest static void it() {{\n{body}\n    }}\n}}\n"
FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<Flow xmlns="http://soap.sforce.com/2006/04/metadata">
    <actionCalls>
        <name>Stamp</name>
        <actionName>OrderStamper</actionName>
        <actionType>apex</actionType>
    </actionCalls>
    <actionCalls>
        <name>Mail</name>
        <actionName>emailSimple</actionName>
        <actionType>emailSimple</actionType>
    </actionCalls>
    <subflows><name>Sub</name><flowName>Notify_Team</flowName></subflows>
    <start>
        <object>Order__c</object>
        <recordTriggerType>Create</recordTriggerType>
        <triggerType>RecordAfterSave</triggerType>
    </start>
</Flow>
"""


def apex_test(name: str, body: str, annotation: str = "@IsTest") -> str:
    return TEST.format(name=name, body=body).replace("@IsTest\n", annotation + "\n", 1)


def project() -> dict[str, bytes]:
    files = {
        "classes/AccountService.cls": "public class AccountService {\n"
        "  public static void run() { AccountSelector.byId(null); insert new Account(); }\n}",
        "classes/AccountSelector.cls": "public class AccountSelector {\n"
        "  public static List<SObject> byId(Set<Id> ids) {\n"
        "    return [SELECT Id FROM Account WHERE Id IN :ids]; }\n}",
        "classes/AccountServiceTest.cls": apex_test("AccountServiceTest", "AccountService.run();"),
        "classes/AccountSelectorTests.cls": apex_test("AccountSelectorTests", "// nothing"),
        "classes/Orphan.cls": "public class Orphan { }",
        "classes/Mentioned.cls": "public class Mentioned { }",
        "classes/CommentOnlyTest.cls": apex_test(
            "CommentOnlyTest",
            "// Mentioned is tested elsewhere\nString s = 'Mentioned, not named';",
        ),
        "triggers/AccountTrigger.trigger": "trigger AccountTrigger on Account (before insert) {\n"
        "  new AccountTriggerHandler().run();\n}",
        "classes/AccountTriggerHandler.cls": "public class AccountTriggerHandler {\n"
        "  public void run() { Discount.apply(); }\n}",
        "classes/Discount.cls": "public class Discount { public static void apply() {} }",
        "classes/TestDataFactory.cls": "@IsTest public class TestDataFactory {\n"
        "  public static Account newAccount() { return new Account(Name = 'x'); }\n}",
        "classes/OnboardingTest.cls": apex_test(
            "OnboardingTest", "insert TestDataFactory.newAccount();"
        ),
        "classes/OrderStamper.cls": "public class OrderStamper {\n"
        "  @InvocableMethod public static void stamp(List<Id> ids) {}\n}",
        "flows/Approve_Order.flow-meta.xml": FLOW,
        "classes/OrderFlowTest.cls": apex_test("OrderFlowTest", "insert new Order__c();"),
        "lwc/orderCard/orderCard.js": "import getOrders from "
        "'@salesforce/apex/OrderController.getOrders';\nexport default class X {}",
        "lwc/orderCard/orderCard.html": "<template></template>",
        "classes/OrderController.cls": "public class OrderController { }",
        "classes/OrderControllerTest.cls": apex_test(
            "OrderControllerTest", "new OrderController();"
        ),
        "aura/legacyCard/legacyCard.cmp": '<aura:component controller="LegacyController"/>',
        "classes/LegacyController.cls": "public class LegacyController { }",
        "pages/Invoice.page": '<apex:page controller="InvoiceController" '
        "extensions='InvoiceExt, ns.OtherExt'></apex:page>",
        "classes/InvoiceController.cls": "public class InvoiceController { }",
        "classes/InvoiceExt.cls": "public class InvoiceExt { }",
        "classes/TestInvoiceExt.cls": apex_test("TestInvoiceExt", "// by name only"),
        "classes/Tagged.cls": "public class Tagged { }",
        "classes/ContractTest.cls": apex_test(
            "ContractTest", "// no reference", "@IsTest(testFor='ApexClass:Tagged')"
        ),
        "classes/SmokeTest.cls": apex_test(
            "SmokeTest", "System.assert(true);", "@IsTest(critical=true)"
        ),
        "classes/Shape.cls": "public interface Shape { Decimal area(); }",
        "classes/DynamicHandler.cls": "public class DynamicHandler { }",
        "classes/RegistryTest.cls": apex_test(
            "RegistryTest", "Object o = Type.forName('dynamichandler').newInstance();"
        ),
        "classes/LowerCaseTest.cls": apex_test("LowerCaseTest", "accountselector.byId(null);"),
    }
    return {f"{BASE}/{path}": text.encode() for path, text in files.items()}


@pytest.fixture(scope="module")
def graph() -> apexgraph.Graph:
    return apexgraph.build(project())


def chosen(selection: Selection) -> dict[str, set[str]]:
    """test -> the kinds of its reasons"""
    return {p.test: {r.kind for r in p.reasons} for p in selection.picks}


def test_the_graph_links_code_flows_and_bundles(graph: apexgraph.Graph) -> None:
    edges = graph.edges
    assert edges["ApexClass:AccountService"]["ApexClass:AccountSelector"] == "uses AccountSelector"
    assert edges["ApexClass:AccountService"]["ApexTrigger:AccountTrigger"] == (
        "uses Account (trigger on it)"
    )
    # a SOQL `FROM Account` is not a write: the selector does not fire the trigger
    assert "ApexTrigger:AccountTrigger" not in edges["ApexClass:AccountSelector"]
    assert edges["Flow:Approve_Order"] == {
        "ApexClass:OrderStamper": "calls invocable Apex OrderStamper"
    }
    assert edges["ApexClass:OrderFlowTest"]["Flow:Approve_Order"] == "uses Order__c (flow on it)"
    assert edges["LightningComponentBundle:orderCard"] == {
        "ApexClass:OrderController": "imports @salesforce/apex/OrderController.getOrders"
    }
    assert edges["AuraDefinitionBundle:legacyCard"] == {
        "ApexClass:LegacyController": "controller=LegacyController"
    }
    assert set(edges["ApexPage:Invoice"]) == {"ApexClass:InvoiceController", "ApexClass:InvoiceExt"}
    assert edges["ApexClass:RegistryTest"]["ApexClass:DynamicHandler"] == (
        "names 'DynamicHandler' in a string"
    )
    # comments and strings that are not a whole name create no edge
    assert "ApexClass:Mentioned" not in edges["ApexClass:CommentOnlyTest"]
    assert graph.reverse["ApexClass:AccountSelector"]["ApexClass:AccountService"]
    assert graph.on_object("order__c") == ["Flow:Approve_Order"]
    assert "ApexClass:TestDataFactory" not in graph.tests()  # a helper runs no test


def test_a_deployed_class_picks_the_tests_that_reach_it(graph: apexgraph.Graph) -> None:
    selection = select(graph, ["ApexClass:AccountSelector"])
    assert chosen(selection) == {
        "AccountServiceTest": {REACHES},
        "AccountSelectorTests": {CONVENTION},
        "LowerCaseTest": {REACHES},
        "SmokeTest": {CRITICAL},
    }
    reach = next(p for p in selection.picks if p.test == "AccountServiceTest").reasons[0]
    assert reach.chain == (
        "ApexClass:AccountServiceTest",
        "ApexClass:AccountService",
        "ApexClass:AccountSelector",
    )
    assert reach.text() == (
        "reaches ApexClass:AccountSelector: AccountServiceTest -> AccountService "
        "(uses AccountService) -> AccountSelector (uses AccountSelector)"
    )
    (target,) = selection.targets
    assert target.component == "ApexClass:AccountSelector" and target.needs_coverage
    assert target.tests == ("AccountSelectorTests", "AccountServiceTest", "LowerCaseTest")
    assert selection.uncovered == ()
    assert selection.local_tests == len(graph.tests())


def test_deployed_apex_no_test_reaches_is_uncovered(graph: apexgraph.Graph) -> None:
    selection = select(graph, ["ApexClass:Orphan", "ApexClass:Mentioned", "ApexClass:Shape"])
    assert selection.uncovered == ("ApexClass:Orphan", "ApexClass:Mentioned")
    assert chosen(selection) == {"SmokeTest": {CRITICAL}}  # critical covers nothing


def test_depth_limits_the_chain(graph: apexgraph.Graph) -> None:
    # OnboardingTest -> TestDataFactory -> AccountTrigger -> AccountTriggerHandler -> Discount
    # AccountServiceTest -> AccountService -> AccountTrigger -> AccountTriggerHandler -> Discount
    deep = select(graph, ["ApexClass:Discount"], Options(depth=4))
    assert set(chosen(deep)) == {"OnboardingTest", "AccountServiceTest", "SmokeTest"}
    shallow = select(graph, ["ApexClass:Discount"], Options(depth=3))
    assert set(chosen(shallow)) == {"SmokeTest"}
    assert shallow.uncovered == ("ApexClass:Discount",)


def test_a_trigger_is_reached_through_its_object(graph: apexgraph.Graph) -> None:
    selection = select(graph, ["ApexTrigger:AccountTrigger"], Options(depth=2))
    assert {"AccountServiceTest", "OnboardingTest"} <= set(chosen(selection))
    assert selection.targets[0].needs_coverage


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param("CustomField:Order__c.Amount__c", id="field"),
        pytest.param("ValidationRule:Order__c.Positive", id="validation-rule"),
        pytest.param("RecordType:Order__c.Retail", id="record-type"),
        pytest.param("Flow:Approve_Order", id="flow"),
    ],
)
def test_object_and_flow_changes_pick_the_tests_that_run_them(
    graph: apexgraph.Graph, changed: str
) -> None:
    selection = select(graph, [changed])
    assert chosen(selection) == {"OrderFlowTest": {REACHES}, "SmokeTest": {CRITICAL}}
    assert [t.component for t in selection.targets] == ["Flow:Approve_Order"]
    assert not selection.targets[0].needs_coverage and selection.uncovered == ()


def test_the_flow_carries_the_reach_to_invocable_apex(graph: apexgraph.Graph) -> None:
    selection = select(graph, ["ApexClass:OrderStamper"])
    reach = next(p for p in selection.picks if p.test == "OrderFlowTest").reasons[0]
    assert reach.chain == (
        "ApexClass:OrderFlowTest",
        "Flow:Approve_Order",
        "ApexClass:OrderStamper",
    )


@pytest.mark.parametrize(
    ("bundle", "tests"),
    [
        pytest.param("LightningComponentBundle:orderCard", {"OrderControllerTest"}, id="lwc"),
        pytest.param("AuraDefinitionBundle:legacyCard", set(), id="aura-untested"),
        pytest.param("ApexPage:Invoice", {"TestInvoiceExt"}, id="visualforce"),
    ],
)
def test_ui_bundles_pick_their_controllers_tests(
    graph: apexgraph.Graph, bundle: str, tests: set[str]
) -> None:
    selection = select(graph, [bundle])
    assert set(chosen(selection)) - {"SmokeTest"} == tests
    assert selection.uncovered == ()  # a controller not deployed needs no coverage now


def test_test_for_and_always(graph: apexgraph.Graph) -> None:
    selection = select(graph, ["ApexClass:Tagged"], Options(always=("OnboardingTest", "Gone")))
    assert chosen(selection) == {
        "ContractTest": {TEST_FOR},
        "Gone": {ALWAYS},
        "OnboardingTest": {ALWAYS},
        "SmokeTest": {CRITICAL},
    }
    assert selection.uncovered == ()
    assert any("Gone" in w for w in selection.warnings)


def test_a_deployed_test_runs_itself(graph: apexgraph.Graph) -> None:
    selection = select(graph, ["ApexClass:AccountServiceTest", "ApexClass:TestDataFactory"])
    picked = chosen(selection)
    assert picked["AccountServiceTest"] == {DEPLOYED}
    assert picked["OnboardingTest"] == {REACHES}  # through the changed helper
    assert [t.component for t in selection.targets] == ["ApexClass:TestDataFactory"]
    assert selection.uncovered == ()


def test_names_ignore_case_and_missing_sources_are_said(graph: apexgraph.Graph) -> None:
    selection = select(graph, ["ApexClass:dynamicHANDLER", "ApexClass:NotInSource"])
    assert "RegistryTest" in chosen(selection)
    assert any("NotInSource" in w for w in selection.warnings)


def test_conventions_can_be_turned_off(graph: apexgraph.Graph) -> None:
    selection = select(graph, ["ApexClass:InvoiceExt"], Options(conventions=False))
    assert selection.uncovered == ("ApexClass:InvoiceExt",)


def test_unreadable_files_are_warnings_not_failures() -> None:
    files = project()
    files[f"{BASE}/classes/Latin1.cls"] = "public class Latin1 { String s = 'é'; }".encode(
        "latin-1"
    )
    files[f"{BASE}/flows/Broken.flow-meta.xml"] = b"<Flow><unclosed>"
    graph = apexgraph.build(files)
    assert "ApexClass:Latin1" not in graph.nodes and "Flow:Broken" not in graph.nodes
    assert len(graph.warnings) == 2


def test_overlay_swaps_components_whatever_their_path() -> None:
    base = {"force-app/classes/Foo.cls": b"old", "force-app/classes/Bar.cls": b"bar"}
    swapped = apexgraph.overlay(base, {"other/classes/Foo.cls": b"new", "x/README.md": b""})
    assert sorted(swapped.values()) == [b"bar", b"new"]


def test_selection_json_explains_each_test(graph: apexgraph.Graph) -> None:
    data = select(graph, ["ApexClass:AccountSelector"]).to_json()
    first = next(p for p in data["selected"] if p["test"] == "AccountServiceTest")
    assert first["why"][0]["chain"][-1] == "ApexClass:AccountSelector"
    assert first["why"][0]["steps"] == ["uses AccountService", "uses AccountSelector"]
    assert data["targets"][0]["tests"] == [
        "AccountSelectorTests",
        "AccountServiceTest",
        "LowerCaseTest",
    ]
