"""Flows merge by element name: elements are found by name, what runs or shows in order stays
ordered, and a move on the canvas (locationX, locationY) alone is never a conflict. Each case
asserts the whole merged file."""

# ruff: noqa: E501  (case tables: a case per line where it fits the eye better)

from __future__ import annotations

import pytest
from mergecase import Case, E, Piece, X, check

FLOW = "force-app/main/default/flows/Hello.flow-meta.xml"


def el(
    kind: str, name: str, *children: Piece, x: int = 176, y: int = 200, label: str | None = None
) -> E:
    return E(
        kind,
        E("name", name),
        E("label", label or name),
        E("locationX", x),
        E("locationY", y),
        *children,
    )


def to(target: str, tag: str = "connector") -> E:
    return E(tag, E("targetReference", target))


def sval(value: str, tag: str = "value") -> E:
    return E(tag, E("stringValue", value))


def aitem(ref: str, value: str, op: str = "Assign") -> E:
    return E("assignmentItems", E("assignToReference", ref), E("operator", op), sval(value))


def assign(
    name: str,
    *items: Piece,
    target: str | None = None,
    x: int = 176,
    y: int = 200,
    label: str | None = None,
) -> E:
    parts: list[Piece] = list(items)
    if target is not None:
        parts.append(to(target))
    return el("assignments", name, *parts, x=x, y=y, label=label)


def cond(left: str, op: str, right: str) -> E:
    return E(
        "conditions", E("leftValueReference", left), E("operator", op), sval(right, "rightValue")
    )


def rule(name: str, *conds: Piece, logic: str = "and", target: str = "End") -> E:
    return E(
        "rules", E("name", name), E("conditionLogic", logic), *conds, to(target), E("label", name)
    )


def decision(
    name: str,
    *rules: Piece,
    default: str = "Other",
    default_label: str = "Default",
    x: int = 176,
    y: int = 200,
    label: str | None = None,
) -> E:
    return el(
        "decisions",
        name,
        to(default, "defaultConnector"),
        E("defaultConnectorLabel", default_label),
        *rules,
        x=x,
        y=y,
        label=label,
    )


def sfield(name: str, text: str = "", kind: str = "DisplayText", *children: Piece) -> E:
    return E(
        "fields", E("name", name), *children, E("fieldText", text or name), E("fieldType", kind)
    )


def screen(
    name: str,
    *fields: Piece,
    allow_back: bool = True,
    footer: bool = True,
    x: int = 176,
    y: int = 200,
    label: str | None = None,
) -> E:
    return el(
        "screens",
        name,
        E("allowBack", allow_back),
        E("allowFinish", True),
        *fields,
        E("showFooter", footer),
        x=x,
        y=y,
        label=label,
    )


def var(
    name: str,
    dtype: str = "String",
    *,
    inp: bool = False,
    out: bool = False,
    value: str | None = None,
) -> E:
    parts: list[Piece] = [
        E("name", name),
        E("dataType", dtype),
        E("isCollection", False),
        E("isInput", inp),
        E("isOutput", out),
    ]
    if value is not None:
        parts.append(sval(value))
    return E("variables", *parts)


def formula(name: str, expression: str) -> E:
    return E(
        "formulas",
        E("name", name),
        E("dataType", "Number"),
        E("expression", expression),
        E("scale", 2),
    )


def filt(field: str, op: str, value: str) -> E:
    return E("filters", E("field", field), E("operator", op), sval(value))


def assign_field(field: str, value: str) -> E:
    return E("inputAssignments", E("field", field), sval(value))


def param(name: str, value: str, tag: str = "inputParameters") -> E:
    return E(tag, E("name", name), sval(value))


def pmv(name: str, value: str) -> E:
    return E("processMetadataValues", E("name", name), sval(value))


def start(*children: Piece, obj: str = "Opportunity", trigger: str = "RecordAfterSave") -> E:
    return E(
        "start",
        E("locationX", 50),
        E("locationY", 0),
        *children,
        E("object", obj),
        E("triggerType", trigger),
    )


def lookup(name: str, *children: Piece) -> E:
    return el("recordLookups", name, *children, E("object", "Account"))


def update(name: str, *children: Piece) -> E:
    return el("recordUpdates", name, *children, E("object", "Account"))


def action(name: str, *children: Piece) -> E:
    return el(
        "actionCalls",
        name,
        E("actionName", "emailSimple"),
        E("actionType", "emailSimple"),
        *children,
    )


API = E("apiVersion", "60.0")
LABEL = E("label", "Hello")
STATUS = E("status", "Active")
TYPE = E("processType", "AutoLaunchedFlow")


def flow(
    id: str,
    base: list[Piece] | None,
    ours: list[Piece],
    theirs: list[Piece],
    merged: list[Piece],
    *conflicts: str,
) -> Case:
    return Case(id, FLOW, "Flow", base, ours, theirs, merged, list(conflicts))


A1, A2, A3 = (
    assign("A1", aitem("x", "1")),
    assign("A2", aitem("y", "2")),
    assign("A3", aitem("z", "3")),
)
BIG = cond("$Record.Amount", "GreaterThan", "1000")
WON = cond("$Record.IsWon", "EqualTo", "true")
EU = cond("$Record.Region__c", "EqualTo", "EU")

CASES = [
    # --- elements by name; the canvas position never conflicts
    flow("elements-added-each-side", [A2, API], [A1, A2, API], [A2, A3, API], [A1, A2, A3, API]),
    flow(
        "label-ours-connector-theirs",
        [assign("A1", aitem("x", "1"), target="End")],
        [assign("A1", aitem("x", "1"), target="End", label="Set x")],
        [assign("A1", aitem("x", "1"), target="Next")],
        [assign("A1", aitem("x", "1"), target="Next", label="Set x")],
    ),
    flow(
        "connector-conflict",
        [assign("A1", aitem("x", "1"), target="End")],
        [assign("A1", aitem("x", "1"), target="Mail")],
        [assign("A1", aitem("x", "1"), target="Log")],
        [
            X(
                [assign("A1", aitem("x", "1"), target="Mail")],
                [assign("A1", aitem("x", "1"), target="Log")],
            )
        ],
        "Flow Hello: assignments A1: connector > targetReference Mail vs Log",
    ),
    flow(
        "moved-both-differently-only",
        [assign("A1", aitem("x", "1"), x=100, y=100)],
        [assign("A1", aitem("x", "1"), x=300, y=100)],
        [assign("A1", aitem("x", "1"), x=500, y=100)],
        [assign("A1", aitem("x", "1"), x=300, y=100)],
    ),
    flow(
        "moved-x-ours-y-theirs",
        [assign("A1", aitem("x", "1"), x=100, y=100)],
        [assign("A1", aitem("x", "1"), x=300, y=100)],
        [assign("A1", aitem("x", "1"), x=100, y=400)],
        [assign("A1", aitem("x", "1"), x=300, y=400)],
    ),
    flow(
        "moved-ours-deleted-theirs",
        [A1, assign("A2", aitem("y", "2"), x=10)],
        [A1, assign("A2", aitem("y", "2"), x=900)],
        [A1],
        [A1],
    ),
    flow(
        "deleted-ours-label-theirs",
        [A1, A2],
        [A1],
        [A1, assign("A2", aitem("y", "2"), label="Set y")],
        [A1, X([], [assign("A2", aitem("y", "2"), label="Set y")])],
        "Flow Hello: assignments A2: deleted in ours, changed in theirs",
    ),
    flow(
        "moved-both-label-theirs",
        [assign("A1", aitem("x", "1"), x=100)],
        [assign("A1", aitem("x", "1"), x=200)],
        [assign("A1", aitem("x", "1"), x=300, label="Set x")],
        [assign("A1", aitem("x", "1"), x=200, label="Set x")],
    ),
    flow(
        "moved-theirs-label-ours",
        [assign("A1", aitem("x", "1"), x=100)],
        [assign("A1", aitem("x", "1"), x=100, label="Set x")],
        [assign("A1", aitem("x", "1"), x=300)],
        [assign("A1", aitem("x", "1"), x=300, label="Set x")],
    ),
    flow(
        "element-renamed-ours-changed-theirs-conflict",
        [A1],
        [assign("A1b", aitem("x", "1"))],
        [assign("A1", aitem("x", "9"))],
        [X([], [assign("A1", aitem("x", "9"))]), assign("A1b", aitem("x", "1"))],
        "Flow Hello: assignments A1: deleted in ours, changed in theirs",
    ),
    # --- decisions: rules in order by name, conditions in order without a name
    flow(
        "rule-added-ours-condition-theirs",
        [decision("D", rule("Big", BIG))],
        [decision("D", rule("Big", BIG), rule("Won", WON))],
        [decision("D", rule("Big", cond("$Record.Amount", "GreaterThan", "5000")))],
        [
            decision(
                "D", rule("Big", cond("$Record.Amount", "GreaterThan", "5000")), rule("Won", WON)
            )
        ],
    ),
    flow(
        "rules-appended-both",
        [decision("D", rule("Big", BIG))],
        [decision("D", rule("Big", BIG), rule("Won", WON))],
        [decision("D", rule("Big", BIG), rule("Europe", EU))],
        [
            el(
                "decisions",
                "D",
                to("Other", "defaultConnector"),
                E("defaultConnectorLabel", "Default"),
                rule("Big", BIG),
                X([rule("Won", WON)], [rule("Europe", EU)]),
            )
        ],
        "Flow Hello: decisions D > rules: Won vs Europe",
    ),
    flow(
        "rules-reordered-both",
        [decision("D", rule("A", BIG), rule("B", WON), rule("C", EU))],
        [decision("D", rule("B", WON), rule("A", BIG), rule("C", EU))],
        [decision("D", rule("A", BIG), rule("C", EU), rule("B", WON))],
        [
            el(
                "decisions",
                "D",
                to("Other", "defaultConnector"),
                E("defaultConnectorLabel", "Default"),
                X(
                    [rule("B", WON), rule("A", BIG), rule("C", EU)],
                    [rule("A", BIG), rule("C", EU), rule("B", WON)],
                ),
            )
        ],
        "Flow Hello: decisions D > rules: the order changed on both sides",
    ),
    flow(
        "rule-moved-ours-changed-theirs",
        [decision("D", rule("A", BIG), rule("B", WON))],
        [decision("D", rule("B", WON), rule("A", BIG))],
        [decision("D", rule("A", BIG, target="Mail"), rule("B", WON))],
        [decision("D", rule("B", WON), rule("A", BIG, target="Mail"))],
    ),
    flow(
        "condition-added-ours-logic-theirs",
        [decision("D", rule("R", BIG, WON))],
        [decision("D", rule("R", BIG, WON, EU))],
        [decision("D", rule("R", BIG, WON, logic="or"))],
        [decision("D", rule("R", BIG, WON, EU, logic="or"))],
    ),
    flow(
        "condition-changed-both",
        [decision("D", rule("R", BIG, WON))],
        [decision("D", rule("R", cond("$Record.Amount", "GreaterThan", "2000"), WON))],
        [decision("D", rule("R", cond("$Record.Amount", "GreaterThan", "3000"), WON))],
        [
            decision(
                "D",
                rule(
                    "R",
                    X(
                        [cond("$Record.Amount", "GreaterThan", "2000")],
                        [cond("$Record.Amount", "GreaterThan", "3000")],
                    ),
                    WON,
                ),
            )
        ],
        "Flow Hello: decisions D > rules R > conditions ($Record.Amount GreaterThan 1000): rightValue > stringValue 2000 vs 3000",
    ),
    flow(
        "condition-logic-conflict",
        [decision("D", rule("R", BIG, WON))],
        [decision("D", rule("R", BIG, WON, logic="or"))],
        [decision("D", rule("R", BIG, WON, logic="1 AND NOT 2"))],
        [
            decision(
                "D",
                X([rule("R", BIG, WON, logic="or")], [rule("R", BIG, WON, logic="1 AND NOT 2")]),
            )
        ],
        "Flow Hello: decisions D > rules R: conditionLogic or vs 1 AND NOT 2",
    ),
    flow(
        "default-label-conflict",
        [decision("D", rule("R", BIG))],
        [decision("D", rule("R", BIG), default_label="Otherwise")],
        [decision("D", rule("R", BIG), default_label="Else")],
        [
            X(
                [decision("D", rule("R", BIG), default_label="Otherwise")],
                [decision("D", rule("R", BIG), default_label="Else")],
            )
        ],
        "Flow Hello: decisions D: defaultConnectorLabel Otherwise vs Else",
    ),
    flow(
        "decision-moved-both-only",
        [decision("D", rule("R", BIG), x=1, y=1)],
        [decision("D", rule("R", BIG), x=2, y=2)],
        [decision("D", rule("R", BIG), x=3, y=3)],
        [decision("D", rule("R", BIG), x=2, y=2)],
    ),
    # --- assignments: items in order
    flow(
        "assignment-items-neighbours",
        [assign("A", aitem("x", "1"), aitem("y", "2"))],
        [assign("A", aitem("x", "10"), aitem("y", "2"))],
        [assign("A", aitem("x", "1"), aitem("y", "20"))],
        [assign("A", aitem("x", "10"), aitem("y", "20"))],
    ),
    flow(
        "assignment-items-appended-both",
        [assign("A", aitem("x", "1"))],
        [assign("A", aitem("x", "1"), aitem("y", "2"))],
        [assign("A", aitem("x", "1"), aitem("z", "3"))],
        [assign("A", aitem("x", "1"), X([aitem("y", "2")], [aitem("z", "3")]))],
        "Flow Hello: assignments A > assignmentItems: y Assign 2 vs z Assign 3",
    ),
    flow(
        "assignment-item-removed-both",
        [assign("A", aitem("x", "1"), aitem("y", "2"))],
        [assign("A", aitem("x", "1"))],
        [assign("A", aitem("x", "1"))],
        [assign("A", aitem("x", "1"))],
    ),
    # --- screens: fields in order by name
    flow(
        "screen-fields-inserted-different-places",
        [screen("S", sfield("F1"), sfield("F2"))],
        [screen("S", sfield("F1"), sfield("G"), sfield("F2"))],
        [screen("S", sfield("F1"), sfield("F2"), sfield("H"))],
        [screen("S", sfield("F1"), sfield("G"), sfield("F2"), sfield("H"))],
    ),
    flow(
        "screen-fields-inserted-same-place",
        [screen("S", sfield("F1"), sfield("F2"))],
        [screen("S", sfield("F1"), sfield("G"), sfield("F2"))],
        [screen("S", sfield("F1"), sfield("H"), sfield("F2"))],
        [screen("S", sfield("F1"), X([sfield("G")], [sfield("H")]), sfield("F2"))],
        "Flow Hello: screens S > fields: G vs H",
    ),
    flow(
        "screen-field-text-conflict",
        [screen("S", sfield("Intro", "Hello"))],
        [screen("S", sfield("Intro", "Hello there"))],
        [screen("S", sfield("Intro", "Hi"))],
        [screen("S", X([sfield("Intro", "Hello there")], [sfield("Intro", "Hi")]))],
        "Flow Hello: screens S > fields Intro: fieldText Hello there vs Hi",
    ),
    flow(
        "screen-field-moved-ours-text-theirs",
        [screen("S", sfield("F1"), sfield("F2"))],
        [screen("S", sfield("F2"), sfield("F1"))],
        [screen("S", sfield("F1", "First"), sfield("F2"))],
        [screen("S", sfield("F2"), sfield("F1", "First"))],
    ),
    flow(
        "screen-section-nested-fields",
        [
            screen(
                "S",
                sfield(
                    "Sec",
                    "",
                    "RegionContainer",
                    sfield("Col", "", "Region", sfield("A"), sfield("B")),
                ),
            )
        ],
        [
            screen(
                "S",
                sfield(
                    "Sec",
                    "",
                    "RegionContainer",
                    sfield("Col", "", "Region", sfield("A", "Alpha"), sfield("B")),
                ),
            )
        ],
        [
            screen(
                "S",
                sfield(
                    "Sec",
                    "",
                    "RegionContainer",
                    sfield("Col", "", "Region", sfield("A"), sfield("B"), sfield("C")),
                ),
            )
        ],
        [
            screen(
                "S",
                sfield(
                    "Sec",
                    "",
                    "RegionContainer",
                    sfield("Col", "", "Region", sfield("A", "Alpha"), sfield("B"), sfield("C")),
                ),
            )
        ],
    ),
    flow(
        "screen-back-ours-footer-theirs",
        [screen("S", sfield("F"))],
        [screen("S", sfield("F"), allow_back=False)],
        [screen("S", sfield("F"), footer=False)],
        [screen("S", sfield("F"), allow_back=False, footer=False)],
    ),
    # --- resources
    flow(
        "variable-input-ours-output-theirs",
        [var("v")],
        [var("v", inp=True)],
        [var("v", out=True)],
        [var("v", inp=True, out=True)],
    ),
    flow(
        "variable-type-conflict",
        [var("v")],
        [var("v", "Number")],
        [var("v", "Boolean")],
        [X([var("v", "Number")], [var("v", "Boolean")])],
        "Flow Hello: variables v: dataType Number vs Boolean",
    ),
    flow(
        "variables-added-same",
        [var("a")],
        [var("a"), var("b")],
        [var("a"), var("b")],
        [var("a"), var("b")],
    ),
    flow(
        "variable-default-value-conflict",
        [var("v", value="x")],
        [var("v", value="y")],
        [var("v", value="z")],
        [X([var("v", value="y")], [var("v", value="z")])],
        "Flow Hello: variables v: value > stringValue y vs z",
    ),
    flow(
        "formula-conflict",
        [formula("Total", "{!a} + {!b}")],
        [formula("Total", "{!a} + {!b} + {!c}")],
        [formula("Total", "({!a} + {!b}) * 2")],
        [X([formula("Total", "{!a} + {!b} + {!c}")], [formula("Total", "({!a} + {!b}) * 2")])],
        "Flow Hello: formulas Total: expression {!a} + {!b} + {!c} vs ({!a} + {!b}) * 2",
    ),
    flow(
        "text-template-same-change",
        [E("textTemplates", E("name", "T"), E("text", "Hi"))],
        [E("textTemplates", E("name", "T"), E("text", "Hello"))],
        [E("textTemplates", E("name", "T"), E("text", "Hello"))],
        [E("textTemplates", E("name", "T"), E("text", "Hello"))],
    ),
    flow(
        "choice-text-ours-value-theirs",
        [E("choices", E("name", "C"), E("choiceText", "Yes"), E("dataType", "String"), sval("y"))],
        [E("choices", E("name", "C"), E("choiceText", "Oui"), E("dataType", "String"), sval("y"))],
        [
            E(
                "choices",
                E("name", "C"),
                E("choiceText", "Yes"),
                E("dataType", "String"),
                sval("yes"),
            )
        ],
        [
            E(
                "choices",
                E("name", "C"),
                E("choiceText", "Oui"),
                E("dataType", "String"),
                sval("yes"),
            )
        ],
    ),
    # --- record elements: filters in order, field assignments by field, queried fields a set
    flow(
        "lookup-filters-neighbours",
        [lookup("L", filt("Type", "EqualTo", "A"), filt("Owner", "EqualTo", "me"))],
        [lookup("L", filt("Type", "EqualTo", "B"), filt("Owner", "EqualTo", "me"))],
        [lookup("L", filt("Type", "EqualTo", "A"), filt("Owner", "EqualTo", "you"))],
        [lookup("L", filt("Type", "EqualTo", "B"), filt("Owner", "EqualTo", "you"))],
    ),
    flow(
        "lookup-queried-fields-set",
        [lookup("L", E("queriedFields", "Id"))],
        [lookup("L", E("queriedFields", "Id"), E("queriedFields", "Name"))],
        [lookup("L", E("queriedFields", "Id"), E("queriedFields", "Phone"))],
        [
            lookup(
                "L",
                E("queriedFields", "Id"),
                E("queriedFields", "Name"),
                E("queriedFields", "Phone"),
            )
        ],
    ),
    flow(
        "update-assignments-each-field",
        [update("U", assign_field("Name", "a"))],
        [update("U", assign_field("Name", "a"), assign_field("Phone", "1"))],
        [update("U", assign_field("Name", "a"), assign_field("Type", "t"))],
        [
            update(
                "U",
                assign_field("Name", "a"),
                assign_field("Phone", "1"),
                assign_field("Type", "t"),
            )
        ],
    ),
    flow(
        "update-assignment-same-field-conflict",
        [update("U", assign_field("Name", "a"))],
        [update("U", assign_field("Name", "b"))],
        [update("U", assign_field("Name", "c"))],
        [update("U", X([assign_field("Name", "b")], [assign_field("Name", "c")]))],
        "Flow Hello: recordUpdates U > inputAssignments Name: value > stringValue b vs c",
    ),
    flow(
        "create-value-ours-field-theirs",
        [el("recordCreates", "C", assign_field("Name", "a"), E("object", "Account"))],
        [el("recordCreates", "C", assign_field("Name", "b"), E("object", "Account"))],
        [
            el(
                "recordCreates",
                "C",
                assign_field("Name", "a"),
                assign_field("Type", "x"),
                E("object", "Account"),
            )
        ],
        [
            el(
                "recordCreates",
                "C",
                assign_field("Name", "b"),
                assign_field("Type", "x"),
                E("object", "Account"),
            )
        ],
    ),
    flow(
        "subflow-inputs-by-name",
        [el("subflows", "Sub", E("flowName", "Child"), param("a", "1", "inputAssignments"))],
        [el("subflows", "Sub", E("flowName", "Child"), param("a", "2", "inputAssignments"))],
        [
            el(
                "subflows",
                "Sub",
                E("flowName", "Child"),
                param("a", "1", "inputAssignments"),
                param("b", "1", "inputAssignments"),
            )
        ],
        [
            el(
                "subflows",
                "Sub",
                E("flowName", "Child"),
                param("a", "2", "inputAssignments"),
                param("b", "1", "inputAssignments"),
            )
        ],
    ),
    flow(
        "action-parameters-each-side",
        [action("Mail", param("emailBody", "Hi"), param("emailSubject", "S"))],
        [action("Mail", param("emailBody", "Hello"), param("emailSubject", "S"))],
        [action("Mail", param("emailBody", "Hi"), param("emailSubject", "Subject"))],
        [action("Mail", param("emailBody", "Hello"), param("emailSubject", "Subject"))],
    ),
    flow(
        "action-parameter-conflict",
        [action("Mail", param("emailBody", "Hi"))],
        [action("Mail", param("emailBody", "Hello"))],
        [action("Mail", param("emailBody", "Hey"))],
        [action("Mail", X([param("emailBody", "Hello")], [param("emailBody", "Hey")]))],
        "Flow Hello: actionCalls Mail > inputParameters emailBody: value > stringValue Hello vs Hey",
    ),
    flow(
        "fault-connector-added-ours-connector-theirs",
        [action("Mail", to("End"))],
        [action("Mail", to("End"), to("Log", "faultConnector"))],
        [action("Mail", to("Next"))],
        [action("Mail", to("Next"), to("Log", "faultConnector"))],
    ),
    flow(
        "fault-connector-removed-ours-changed-theirs",
        [action("Mail", to("Log", "faultConnector"))],
        [action("Mail")],
        [action("Mail", to("Alert", "faultConnector"))],
        [X([action("Mail")], [action("Mail", to("Alert", "faultConnector"))])],
        "Flow Hello: actionCalls Mail: faultConnector deleted in ours, changed in theirs",
    ),
    # --- start: filters in order, scheduled paths by name
    flow(
        "start-filter-ours-trigger-theirs",
        [start(to("D"), filt("Amount", "GreaterThan", "0"))],
        [start(to("D"), filt("Amount", "GreaterThan", "0"), filt("Type", "EqualTo", "New"))],
        [start(to("D"), filt("Amount", "GreaterThan", "0"), trigger="RecordBeforeSave")],
        [
            start(
                to("D"),
                filt("Amount", "GreaterThan", "0"),
                filt("Type", "EqualTo", "New"),
                trigger="RecordBeforeSave",
            )
        ],
    ),
    flow(
        "start-connector-ours-schedule-theirs",
        [start(to("D"))],
        [start(to("E"))],
        [start(to("D"), E("schedule", E("frequency", "Daily")))],
        [start(to("E"), E("schedule", E("frequency", "Daily")))],
    ),
    flow(
        "start-object-conflict",
        [start(to("D"))],
        [start(to("D"), obj="Account")],
        [start(to("D"), obj="Lead")],
        [X([start(to("D"), obj="Account")], [start(to("D"), obj="Lead")])],
        "Flow Hello: start: object Account vs Lead",
    ),
    flow(
        "start-scheduled-paths-each-side",
        [start(to("D"))],
        [start(to("D"), E("scheduledPaths", E("name", "Later"), to("A1"), E("offsetNumber", 1)))],
        [start(to("D"), E("scheduledPaths", E("name", "Soon"), to("A2"), E("offsetNumber", 2)))],
        [
            start(
                to("D"),
                E("scheduledPaths", E("name", "Later"), to("A1"), E("offsetNumber", 1)),
                E("scheduledPaths", E("name", "Soon"), to("A2"), E("offsetNumber", 2)),
            )
        ],
    ),
    # --- the flow's own values
    flow(
        "metadata-values-by-name",
        [pmv("BuilderType", "LightningFlowBuilder"), pmv("CanvasMode", "AUTO_LAYOUT_CANVAS")],
        [pmv("BuilderType", "LightningFlowBuilder"), pmv("CanvasMode", "FREE_FORM_CANVAS")],
        [pmv("BuilderType", "Flow"), pmv("CanvasMode", "AUTO_LAYOUT_CANVAS")],
        [pmv("BuilderType", "Flow"), pmv("CanvasMode", "FREE_FORM_CANVAS")],
    ),
    flow(
        "element-metadata-value-conflict",
        [assign("A", pmv("note", "x"), aitem("x", "1"))],
        [assign("A", pmv("note", "y"), aitem("x", "1"))],
        [assign("A", pmv("note", "z"), aitem("x", "1"))],
        [assign("A", X([pmv("note", "y")], [pmv("note", "z")]), aitem("x", "1"))],
        "Flow Hello: assignments A > processMetadataValues note: value > stringValue y vs z",
    ),
    flow(
        "status-ours-description-theirs",
        [E("description", "d"), LABEL, STATUS],
        [E("description", "d"), LABEL, E("status", "Draft")],
        [E("description", "Says hello"), LABEL, STATUS],
        [E("description", "Says hello"), LABEL, E("status", "Draft")],
    ),
    flow(
        "api-version-conflict",
        [API, LABEL],
        [E("apiVersion", "61.0"), LABEL],
        [E("apiVersion", "62.0"), LABEL],
        [X([E("apiVersion", "61.0")], [E("apiVersion", "62.0")]), LABEL],
        "Flow Hello: apiVersion: 61.0 vs 62.0",
    ),
    flow(
        "label-ours-interview-label-theirs",
        [E("interviewLabel", "Hello {!$Flow.CurrentDateTime}"), LABEL],
        [E("interviewLabel", "Hello {!$Flow.CurrentDateTime}"), E("label", "Hello world")],
        [E("interviewLabel", "Hi {!$Flow.CurrentDateTime}"), LABEL],
        [E("interviewLabel", "Hi {!$Flow.CurrentDateTime}"), E("label", "Hello world")],
    ),
    flow(
        "environments-set",
        [E("environments", "Default")],
        [E("environments", "Default"), E("environments", "Slack")],
        [E("environments", "Default")],
        [E("environments", "Default"), E("environments", "Slack")],
    ),
    # --- other elements
    flow(
        "wait-events-appended-and-changed",
        [
            el(
                "waits",
                "W",
                E("waitEvents", E("name", "E1"), E("eventType", "AlarmEvent"), E("label", "E1")),
            )
        ],
        [
            el(
                "waits",
                "W",
                E("waitEvents", E("name", "E1"), E("eventType", "AlarmEvent"), E("label", "First")),
            )
        ],
        [
            el(
                "waits",
                "W",
                E("waitEvents", E("name", "E1"), E("eventType", "AlarmEvent"), E("label", "E1")),
                E("waitEvents", E("name", "E2"), E("eventType", "AlarmEvent"), E("label", "E2")),
            )
        ],
        [
            el(
                "waits",
                "W",
                E("waitEvents", E("name", "E1"), E("eventType", "AlarmEvent"), E("label", "First")),
                E("waitEvents", E("name", "E2"), E("eventType", "AlarmEvent"), E("label", "E2")),
            )
        ],
    ),
    flow(
        "loop-collection-conflict",
        [el("loops", "Each", E("collectionReference", "items"), E("iterationOrder", "Asc"))],
        [el("loops", "Each", E("collectionReference", "accounts"), E("iterationOrder", "Asc"))],
        [el("loops", "Each", E("collectionReference", "contacts"), E("iterationOrder", "Asc"))],
        [
            X(
                [
                    el(
                        "loops",
                        "Each",
                        E("collectionReference", "accounts"),
                        E("iterationOrder", "Asc"),
                    )
                ],
                [
                    el(
                        "loops",
                        "Each",
                        E("collectionReference", "contacts"),
                        E("iterationOrder", "Asc"),
                    )
                ],
            )
        ],
        "Flow Hello: loops Each: collectionReference accounts vs contacts",
    ),
    flow(
        "choice-set-filters-appended-both",
        [
            E(
                "dynamicChoiceSets",
                E("name", "Accts"),
                filt("Type", "EqualTo", "A"),
                E("object", "Account"),
            )
        ],
        [
            E(
                "dynamicChoiceSets",
                E("name", "Accts"),
                filt("Type", "EqualTo", "A"),
                filt("Active", "EqualTo", "true"),
                E("object", "Account"),
            )
        ],
        [
            E(
                "dynamicChoiceSets",
                E("name", "Accts"),
                filt("Type", "EqualTo", "A"),
                filt("Owner", "EqualTo", "me"),
                E("object", "Account"),
            )
        ],
        [
            E(
                "dynamicChoiceSets",
                E("name", "Accts"),
                filt("Type", "EqualTo", "A"),
                X([filt("Active", "EqualTo", "true")], [filt("Owner", "EqualTo", "me")]),
                E("object", "Account"),
            )
        ],
        "Flow Hello: dynamicChoiceSets Accts > filters: Active EqualTo true vs Owner EqualTo me",
    ),
    flow(
        "collection-sort-options",
        [
            el(
                "collectionProcessors",
                "Sort",
                E("sortOptions", E("sortField", "Name"), E("sortOrder", "Asc")),
            )
        ],
        [
            el(
                "collectionProcessors",
                "Sort",
                E("sortOptions", E("sortField", "Name"), E("sortOrder", "Desc")),
            )
        ],
        [
            el(
                "collectionProcessors",
                "Sort",
                E("sortOptions", E("sortField", "Name"), E("sortOrder", "Asc")),
                label="Sort them",
            )
        ],
        [
            el(
                "collectionProcessors",
                "Sort",
                E("sortOptions", E("sortField", "Name"), E("sortOrder", "Desc")),
                label="Sort them",
            )
        ],
    ),
    flow(
        "stage-steps-each-side",
        [el("orchestratedStages", "St", E("stageSteps", E("name", "S1"), E("label", "S1")))],
        [el("orchestratedStages", "St", E("stageSteps", E("name", "S1"), E("label", "Step one")))],
        [
            el(
                "orchestratedStages",
                "St",
                E("stageSteps", E("name", "S1"), E("label", "S1")),
                E("stageSteps", E("name", "S2"), E("label", "S2")),
            )
        ],
        [
            el(
                "orchestratedStages",
                "St",
                E("stageSteps", E("name", "S1"), E("label", "Step one")),
                E("stageSteps", E("name", "S2"), E("label", "S2")),
            )
        ],
    ),
    flow(
        "connector-removed-both",
        [assign("A", aitem("x", "1"), target="B")],
        [assign("A", aitem("x", "1"))],
        [assign("A", aitem("x", "1"))],
        [assign("A", aitem("x", "1"))],
    ),
    flow(
        "many-independent-changes",
        [A1, API, decision("D", rule("R", BIG)), LABEL, start(to("D")), STATUS, var("v")],
        [
            A1,
            assign("A2", aitem("y", "2")),
            API,
            decision("D", rule("R", BIG, WON), x=500),
            LABEL,
            start(to("D")),
            STATUS,
            var("v", inp=True),
        ],
        [
            assign("A1", aitem("x", "5")),
            API,
            decision("D", rule("R", BIG), rule("S", EU)),
            E("label", "Hello!"),
            start(to("A1")),
            STATUS,
            var("v"),
            var("w"),
        ],
        [
            assign("A1", aitem("x", "5")),
            assign("A2", aitem("y", "2")),
            API,
            decision("D", rule("R", BIG, WON), rule("S", EU), x=500),
            E("label", "Hello!"),
            start(to("A1")),
            STATUS,
            var("v", inp=True),
            var("w"),
        ],
    ),
    flow(
        "added-on-both-sides",
        None,
        [A1, API, LABEL, TYPE, STATUS],
        [A2, API, LABEL, TYPE, STATUS],
        [A1, A2, API, LABEL, TYPE, STATUS],
    ),
    flow(
        "added-on-both-sides-differently",
        None,
        [A1, API, LABEL],
        [assign("A1", aitem("x", "2")), API, LABEL],
        [el("assignments", "A1", X([aitem("x", "1")], [aitem("x", "2")])), API, LABEL],
        "Flow Hello: assignments A1 > assignmentItems: x Assign 1 vs x Assign 2",
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_flows(case: Case) -> None:
    check(case)


def test_enough_cases() -> None:
    assert len(CASES) >= 60
