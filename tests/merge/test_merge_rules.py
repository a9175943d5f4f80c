"""Sharing rules, workflows (whole and decomposed), assignment, auto-response, escalation and
matching rules merge by entry; rule entries and criteria keep their order. Each case asserts
the whole merged file."""

# ruff: noqa: E501  (case tables: a case per line where it fits the eye better)

from __future__ import annotations

import pytest
from mergecase import Case, E, Piece, X, check

SHARING = "force-app/main/default/sharingRules/Account.sharingRules-meta.xml"
WORKFLOW = "force-app/main/default/workflows/Case.workflow-meta.xml"
ASSIGN = "force-app/main/default/assignmentRules/Case.assignmentRules-meta.xml"
AUTO = "force-app/main/default/autoResponseRules/Case.autoResponseRules-meta.xml"
ESCALATE = "force-app/main/default/escalationRules/Case.escalationRules-meta.xml"
MATCHING = "force-app/main/default/matchingRules/Account.matchingRule-meta.xml"


def item(field: str, operation: str, value: str) -> E:
    return E("criteriaItems", E("field", field), E("operation", operation), E("value", value))


BIG = item("Account.AnnualRevenue", "greaterThan", "1000000")
TECH = item("Account.Industry", "equals", "Technology")
EU = item("Account.BillingCountry", "equals", "France")


def shared(*members: tuple[str, str]) -> E:
    return E("sharedTo", *(E(kind, name) for kind, name in members))


def crit(name: str, access: str = "Read", *items: Piece, label: str | None = None,
         to: tuple[tuple[str, str], ...] = (("group", "Sales"),), extra: tuple[Piece, ...] = ()) -> E:  # fmt: skip
    return E(
        "sharingCriteriaRules",
        E("fullName", name),
        E("accessLevel", access),
        E("label", label or name),
        shared(*to),
        *extra,
        *items,
    )


def owner(name: str, access: str = "Read", to: tuple[tuple[str, str], ...] = (("group", "Sales"),),
          source: tuple[tuple[str, str], ...] = (("role", "CEO"),)) -> E:  # fmt: skip
    return E(
        "sharingOwnerRules",
        E("fullName", name),
        E("accessLevel", access),
        E("label", name),
        shared(*to),
        E("sharedFrom", *(E(kind, n) for kind, n in source)),
    )


def alert(name: str, *recipients: tuple[str, str], template: str = "T/Welcome",
          cc: tuple[str, ...] = ()) -> E:  # fmt: skip
    return E(
        "alerts",
        E("fullName", name),
        *(E("ccEmails", c) for c in cc),
        E("description", name),
        E("protected", False),
        *(_recipient(kind, who) for kind, who in recipients),
        E("senderType", "CurrentUser"),
        E("template", template),
    )  # fmt: skip


def _recipient(kind: str, who: str) -> E:
    if kind == "owner":
        return E("recipients", E("type", "owner"))
    return E("recipients", E("recipient", who), E("type", kind))


def update(name: str, value: str) -> E:
    return E(
        "fieldUpdates",
        E("fullName", name),
        E("field", "Status"),
        E("literalValue", value),
        E("name", name),
        E("notifyAssignee", False),
        E("operation", "Literal"),
        E("protected", False),
    )


def action(name: str, kind: str = "Alert") -> E:
    return E("actions", E("name", name), E("type", kind))


def wrule(name: str, *parts: Piece, active: bool = True) -> E:
    actions = [p for p in parts if isinstance(p, E) and p.tag == "actions"]
    rest = [p for p in parts if not (isinstance(p, E) and p.tag == "actions")]
    return E(
        "rules",
        E("fullName", name),
        *actions,
        E("active", active),
        *rest,
        E("triggerType", "onCreateOnly"),
    )


def trigger(hours: int, *actions: Piece) -> E:
    return E(
        "workflowTimeTriggers",
        *actions,
        E("timeLength", hours),
        E("workflowTimeTriggerUnit", "Hours"),
    )


def task(name: str, subject: str = "Call", priority: str = "Normal") -> E:
    return E(
        "tasks",
        E("fullName", name),
        E("assignedToType", "owner"),
        E("dueDateOffset", 1),
        E("notifyAssignee", False),
        E("priority", priority),
        E("protected", False),
        E("status", "Not Started"),
        E("subject", subject),
    )


def outbound(name: str, *fields: str, url: str = "https://example.com/hook") -> E:
    return E(
        "outboundMessages",
        E("fullName", name),
        E("apiVersion", "60.0"),
        E("endpointUrl", url),
        *(E("fields", f) for f in fields),
        E("includeSessionId", False),
        E("name", name),
        E("protected", False),
    )


def entry(assigned: str, *items: Piece, kind: str = "Queue") -> E:
    return E("ruleEntry", E("assignedTo", assigned), E("assignedToType", kind), *items)


def assignment(name: str, *entries: Piece, active: bool = True) -> E:
    return E("assignmentRule", E("fullName", name), E("active", active), *entries)


def auto_entry(template: str, sender: str = "Support", *items: Piece) -> E:
    return E(
        "ruleEntry",
        *items,
        E("senderEmail", "support@example.com"),
        E("senderName", sender),
        E("template", template),
    )


def auto_rule(name: str, *entries: Piece, active: bool = True) -> E:
    return E("autoResponseRule", E("fullName", name), E("active", active), *entries)


def escalation(minutes: int, to: str = "Manager") -> E:
    return E(
        "escalationAction",
        E("assignedTo", to),
        E("assignedToType", "User"),
        E("minutesToEscalation", minutes),
        E("notifyCaseOwner", False),
    )


def esc_entry(*parts: Piece, hours_source: str = "None") -> E:
    return E("ruleEntry", E("businessHoursSource", hours_source), *parts)


def esc_rule(name: str, *entries: Piece, active: bool = True) -> E:
    return E("escalationRule", E("fullName", name), E("active", active), *entries)


def mitem(field: str, method: str = "Exact", blank: str = "NullNotAllowed") -> E:
    return E(
        "matchingRuleItems",
        E("blankValueBehavior", blank),
        E("fieldName", field),
        E("matchingMethod", method),
    )


def mrule(name: str, *items: Piece, status: str = "Inactive", label: str | None = None) -> E:
    return E(
        "matchingRules",
        E("fullName", name),
        E("label", label or name),
        *items,
        E("ruleStatus", status),
    )


def mk(root: str, path: str):  # type: ignore[no-untyped-def]
    def make(id: str, base: list[Piece] | None, ours: list[Piece], theirs: list[Piece],
             merged: list[Piece], *conflicts: str) -> Case:  # fmt: skip
        return Case(id, path, root, base, ours, theirs, merged, list(conflicts))

    return make


sharing = mk("SharingRules", SHARING)
crit_file = mk(
    "SharingCriteriaRule",
    "force-app/main/default/sharingRules/Account/sharingCriteriaRules/Big.sharingCriteriaRule-meta.xml",
)
workflow = mk("Workflow", WORKFLOW)
rule_file = mk(
    "WorkflowRule",
    "force-app/main/default/workflows/Case/workflowRules/Notify.workflowRule-meta.xml",
)
alert_file = mk(
    "WorkflowAlert",
    "force-app/main/default/workflows/Case/workflowAlerts/Welcome.workflowAlert-meta.xml",
)
update_file = mk(
    "WorkflowFieldUpdate",
    "force-app/main/default/workflows/Case/workflowFieldUpdates/Close.workflowFieldUpdate-meta.xml",
)
assign = mk("AssignmentRules", ASSIGN)
auto = mk("AutoResponseRules", AUTO)
escalate = mk("EscalationRules", ESCALATE)
matching = mk("MatchingRules", MATCHING)

Q1, Q2, Q3, Q4 = entry("Queue1", BIG), entry("Queue2", TECH), entry("Queue3"), entry("Queue4")

CASES = [
    # --- sharing rules by fullName; criteria in order; sharedTo members as sets
    sharing("sharing-access-ours-label-theirs", [crit("Big", "Read", BIG)], [crit("Big", "Edit", BIG)], [crit("Big", "Read", BIG, label="Big accounts")], [crit("Big", "Edit", BIG, label="Big accounts")]),
    sharing(
        "sharing-access-conflict",
        [crit("Big", "Read", BIG)],
        [crit("Big", "Edit", BIG)],
        [crit("Big", "None", BIG)],
        [X([crit("Big", "Edit", BIG)], [crit("Big", "None", BIG)])],
        "SharingRules Account: sharingCriteriaRules Big: accessLevel Edit vs None",
    ),
    sharing("sharing-rules-added-each-side", [crit("B", "Read", BIG)], [crit("A", "Read", TECH), crit("B", "Read", BIG)], [crit("B", "Read", BIG), crit("C", "Read", EU)], [crit("A", "Read", TECH), crit("B", "Read", BIG), crit("C", "Read", EU)]),
    sharing("sharing-owner-added-criteria-changed", [crit("B", "Read", BIG)], [crit("B", "Read", BIG), owner("O")], [crit("B", "Edit", BIG)], [crit("B", "Edit", BIG), owner("O")]),
    sharing(
        "sharing-shared-to-members-each-side",
        [crit("B", "Read", BIG, to=(("group", "Sales"),))],
        [crit("B", "Read", BIG, to=(("group", "Sales"), ("group", "Support")))],
        [crit("B", "Read", BIG, to=(("group", "Sales"), ("role", "CEO")))],
        [crit("B", "Read", BIG, to=(("group", "Sales"), ("group", "Support"), ("role", "CEO")))],
    ),
    sharing(
        "sharing-shared-to-replaced-ours",
        [crit("B", "Read", BIG, to=(("group", "Sales"),))],
        [crit("B", "Read", BIG, to=(("group", "Support"),))],
        [crit("B", "Read", BIG, label="Big")],
        [crit("B", "Read", BIG, to=(("group", "Support"),), label="Big")],
    ),
    sharing(
        "sharing-criteria-neighbours-changed",
        [crit("B", "Read", BIG, TECH)],
        [crit("B", "Read", item("Account.AnnualRevenue", "greaterThan", "2000000"), TECH)],
        [crit("B", "Read", BIG, item("Account.Industry", "equals", "Energy"))],
        [crit("B", "Read", item("Account.AnnualRevenue", "greaterThan", "2000000"), item("Account.Industry", "equals", "Energy"))],
    ),
    sharing(
        "sharing-criterion-changed-both",
        [crit("B", "Read", BIG, TECH)],
        [crit("B", "Read", item("Account.AnnualRevenue", "greaterThan", "2000000"), TECH)],
        [crit("B", "Read", item("Account.AnnualRevenue", "greaterThan", "5000000"), TECH)],
        [E("sharingCriteriaRules", E("fullName", "B"), E("accessLevel", "Read"), E("label", "B"), shared(("group", "Sales")),
           X([item("Account.AnnualRevenue", "greaterThan", "2000000")], [item("Account.AnnualRevenue", "greaterThan", "5000000")]), TECH)],
        "SharingRules Account: sharingCriteriaRules B > criteriaItems (Account.AnnualRevenue greaterThan 1000000): "
        "value 2000000 vs 5000000",
    ),
    sharing(
        "sharing-criterion-appended-and-filter",
        [crit("B", "Read", BIG, TECH)],
        [crit("B", "Read", BIG, TECH, EU, extra=(E("booleanFilter", "1 AND (2 OR 3)"),))],
        [crit("B", "Read", BIG, TECH, label="Bigger")],
        [crit("B", "Read", BIG, TECH, EU, label="Bigger", extra=(E("booleanFilter", "1 AND (2 OR 3)"),))],
    ),
    sharing(
        "sharing-criteria-appended-both",
        [crit("B", "Read", BIG)],
        [crit("B", "Read", BIG, TECH)],
        [crit("B", "Read", BIG, EU)],
        [E("sharingCriteriaRules", E("fullName", "B"), E("accessLevel", "Read"), E("label", "B"), shared(("group", "Sales")), BIG, X([TECH], [EU]))],
        "SharingRules Account: sharingCriteriaRules B > criteriaItems: "
        "Account.Industry equals Technology vs Account.BillingCountry equals France",
    ),
    sharing(
        "sharing-rule-deleted-ours-changed-theirs",
        [crit("A", "Read", BIG), crit("B", "Read", TECH)],
        [crit("B", "Read", TECH)],
        [crit("A", "Edit", BIG), crit("B", "Read", TECH)],
        [X([], [crit("A", "Edit", BIG)]), crit("B", "Read", TECH)],
        "SharingRules Account: sharingCriteriaRules A: deleted in ours, changed in theirs",
    ),
    sharing(
        "sharing-boolean-filter-conflict",
        [crit("B", "Read", BIG, TECH, extra=(E("booleanFilter", "1 AND 2"),))],
        [crit("B", "Read", BIG, TECH, extra=(E("booleanFilter", "1 OR 2"),))],
        [crit("B", "Read", BIG, TECH, extra=(E("booleanFilter", "NOT 1 AND 2"),))],
        [X([crit("B", "Read", BIG, TECH, extra=(E("booleanFilter", "1 OR 2"),))], [crit("B", "Read", BIG, TECH, extra=(E("booleanFilter", "NOT 1 AND 2"),))])],
        "SharingRules Account: sharingCriteriaRules B: booleanFilter 1 OR 2 vs NOT 1 AND 2",
    ),
    sharing(
        "sharing-owner-shared-from-each-side",
        [owner("O", source=(("role", "CEO"),))],
        [owner("O", source=(("role", "CEO"), ("role", "CFO")))],
        [owner("O", source=(("role", "CEO"),), to=(("group", "Sales"), ("group", "Ops")))],
        [owner("O", source=(("role", "CEO"), ("role", "CFO")), to=(("group", "Sales"), ("group", "Ops")))],
    ),
    sharing("sharing-guest-rule-added-same", [crit("B", "Read", BIG)], [crit("B", "Read", BIG), E("sharingGuestRules", E("fullName", "G"), E("accessLevel", "Read"), E("label", "G"))], [crit("B", "Read", BIG), E("sharingGuestRules", E("fullName", "G"), E("accessLevel", "Read"), E("label", "G"))], [crit("B", "Read", BIG), E("sharingGuestRules", E("fullName", "G"), E("accessLevel", "Read"), E("label", "G"))]),
    crit_file(
        "sharing-file-access-and-criteria",
        [E("fullName", "Big"), E("accessLevel", "Read"), E("label", "Big"), BIG],
        [E("fullName", "Big"), E("accessLevel", "Edit"), E("label", "Big"), BIG],
        [E("fullName", "Big"), E("accessLevel", "Read"), E("label", "Big"), BIG, TECH],
        [E("fullName", "Big"), E("accessLevel", "Edit"), E("label", "Big"), BIG, TECH],
    ),
    crit_file(
        "sharing-file-label-conflict",
        [E("fullName", "Big"), E("label", "Big")],
        [E("fullName", "Big"), E("label", "Big ones")],
        [E("fullName", "Big"), E("label", "Large")],
        [E("fullName", "Big"), X([E("label", "Big ones")], [E("label", "Large")])],
        "SharingRules Account: label: Big ones vs Large",
    ),
    # --- workflows: every child by fullName
    workflow(
        "alert-recipients-each-side",
        [alert("Welcome", ("user", "a@example.com"))],
        [alert("Welcome", ("user", "a@example.com"), ("user", "b@example.com"))],
        [alert("Welcome", ("owner", ""), ("user", "a@example.com"))],
        [alert("Welcome", ("owner", ""), ("user", "a@example.com"), ("user", "b@example.com"))],
    ),
    workflow("alert-cc-emails-each-side", [alert("W", cc=("a@x.io",))], [alert("W", cc=("a@x.io", "b@x.io"))], [alert("W", cc=("a@x.io", "c@x.io"))], [alert("W", cc=("a@x.io", "b@x.io", "c@x.io"))]),
    workflow(
        "alert-template-conflict",
        [alert("W", template="T/One")],
        [alert("W", template="T/Two")],
        [alert("W", template="T/Three")],
        [X([alert("W", template="T/Two")], [alert("W", template="T/Three")])],
        "Workflow Case: alerts W: template T/Two vs T/Three",
    ),
    workflow(
        "field-update-value-conflict",
        [update("Close", "Closed")],
        [update("Close", "Resolved")],
        [update("Close", "Done")],
        [X([update("Close", "Resolved")], [update("Close", "Done")])],
        "Workflow Case: fieldUpdates Close: literalValue Resolved vs Done",
    ),
    workflow("field-updates-added-each-side", [update("B", "b")], [update("A", "a"), update("B", "b")], [update("B", "b"), update("C", "c")], [update("A", "a"), update("B", "b"), update("C", "c")]),
    workflow(
        "rule-actions-each-side",
        [wrule("Notify", action("Welcome"))],
        [wrule("Notify", action("Welcome"), action("Close", "FieldUpdate"))],
        [wrule("Notify", action("Call", "Task"), action("Welcome"))],
        [wrule("Notify", action("Call", "Task"), action("Welcome"), action("Close", "FieldUpdate"))],
    ),
    workflow("rule-active-ours-formula-theirs", [wrule("N", E("formula", "true"))], [wrule("N", E("formula", "true"), active=False)], [wrule("N", E("formula", "ISNEW()"))], [wrule("N", E("formula", "ISNEW()"), active=False)]),
    workflow("rule-criteria-neighbours", [wrule("N", BIG, TECH)], [wrule("N", item("Account.AnnualRevenue", "greaterThan", "1"), TECH)], [wrule("N", BIG, item("Account.Industry", "equals", "Retail"))], [wrule("N", item("Account.AnnualRevenue", "greaterThan", "1"), item("Account.Industry", "equals", "Retail"))]),
    workflow(
        "rule-criterion-removed-ours-changed-theirs",
        [wrule("N", BIG, TECH)],
        [wrule("N", BIG)],
        [wrule("N", BIG, item("Account.Industry", "equals", "Retail"))],
        [E("rules", E("fullName", "N"), E("active", True), BIG, X([], [item("Account.Industry", "equals", "Retail")]), E("triggerType", "onCreateOnly"))],
        "Workflow Case: rules N > criteriaItems: (none) vs Account.Industry equals Retail",
    ),
    workflow(
        "rule-trigger-added-ours-changed-theirs",
        [wrule("N", trigger(1, action("Welcome")))],
        [wrule("N", trigger(1, action("Welcome")), trigger(24, action("Remind")))],
        [wrule("N", trigger(2, action("Welcome")))],
        [wrule("N", trigger(2, action("Welcome")), trigger(24, action("Remind")))],
    ),
    workflow(
        "rule-trigger-changed-both",
        [wrule("N", trigger(1, action("Welcome")))],
        [wrule("N", trigger(2, action("Welcome")))],
        [wrule("N", trigger(3, action("Welcome")))],
        [E("rules", E("fullName", "N"), E("active", True), X([trigger(2, action("Welcome"))], [trigger(3, action("Welcome"))]), E("triggerType", "onCreateOnly"))],
        "Workflow Case: rules N > workflowTimeTriggers (Welcome Alert 1 Hours): timeLength 2 vs 3",
    ),
    workflow(
        "rule-deleted-theirs-changed-ours",
        [wrule("N", BIG)],
        [wrule("N", BIG, active=False)],
        [],
        [X([wrule("N", BIG, active=False)], [])],
        "Workflow Case: rules N: changed in ours, deleted in theirs",
    ),
    workflow("outbound-fields-each-side", [outbound("Hook", "Id")], [outbound("Hook", "Id", "Name")], [outbound("Hook", "Id", "Status")], [outbound("Hook", "Id", "Name", "Status")]),
    workflow(
        "outbound-endpoint-conflict",
        [outbound("Hook", "Id")],
        [outbound("Hook", "Id", url="https://a.example.com")],
        [outbound("Hook", "Id", url="https://b.example.com")],
        [X([outbound("Hook", "Id", url="https://a.example.com")], [outbound("Hook", "Id", url="https://b.example.com")])],
        "Workflow Case: outboundMessages Hook: endpointUrl https://a.example.com vs https://b.example.com",
    ),
    workflow("task-subject-ours-priority-theirs", [task("Call")], [task("Call", subject="Call back")], [task("Call", priority="High")], [task("Call", subject="Call back", priority="High")]),
    workflow(
        "task-added-both-differently",
        [],
        [task("Call", priority="High")],
        [task("Call", priority="Low")],
        [X([task("Call", priority="High")], [task("Call", priority="Low")])],
        "Workflow Case: tasks Call: priority High vs Low",
    ),
    workflow(
        "flow-action-inputs-each-side",
        [E("flowActions", E("fullName", "Run"), E("flow", "F"), E("flowInputs", E("name", "a"), E("value", "1")), E("label", "Run"))],
        [E("flowActions", E("fullName", "Run"), E("flow", "F"), E("flowInputs", E("name", "a"), E("value", "2")), E("label", "Run"))],
        [E("flowActions", E("fullName", "Run"), E("flow", "F"), E("flowInputs", E("name", "a"), E("value", "1")), E("flowInputs", E("name", "b"), E("value", "1")), E("label", "Run"))],
        [E("flowActions", E("fullName", "Run"), E("flow", "F"), E("flowInputs", E("name", "a"), E("value", "2")), E("flowInputs", E("name", "b"), E("value", "1")), E("label", "Run"))],
    ),
    workflow("new-list-theirs-sorted", [alert("W"), wrule("N")], [alert("W", template="T/X"), wrule("N")], [alert("W"), update("U", "u"), wrule("N")], [alert("W", template="T/X"), update("U", "u"), wrule("N")]),
    workflow("alert-removed-both", [alert("A"), alert("B")], [alert("B")], [alert("B")], [alert("B")]),
    workflow(
        "workflow-mixed-no-conflict",
        [alert("W"), update("U", "u"), wrule("N", action("W")), task("T")],
        [alert("W", template="T/New"), update("U", "u"), wrule("N", action("W"), action("U", "FieldUpdate")), task("T")],
        [alert("W"), update("U", "v"), wrule("N", action("W"), active=False), task("T"), task("T2")],
        [alert("W", template="T/New"), update("U", "v"), wrule("N", action("W"), action("U", "FieldUpdate"), active=False), task("T"), task("T2")],
    ),
    # --- decomposed workflow children (decomposeWorkflowBeta)
    rule_file(
        "rule-file-actions-each-side",
        [E("fullName", "Notify"), action("A"), E("active", True)],
        [E("fullName", "Notify"), action("A"), action("B"), E("active", True)],
        [E("fullName", "Notify"), action("A"), E("active", False)],
        [E("fullName", "Notify"), action("A"), action("B"), E("active", False)],
    ),
    alert_file(
        "alert-file-recipients",
        [E("fullName", "Welcome"), E("recipients", E("recipient", "a@x.io"), E("type", "user"))],
        [E("fullName", "Welcome"), E("recipients", E("recipient", "a@x.io"), E("type", "user")), E("recipients", E("recipient", "b@x.io"), E("type", "user"))],
        [E("fullName", "Welcome"), E("recipients", E("recipient", "a@x.io"), E("type", "user")), E("template", "T/W")],
        [E("fullName", "Welcome"), E("recipients", E("recipient", "a@x.io"), E("type", "user")), E("recipients", E("recipient", "b@x.io"), E("type", "user")), E("template", "T/W")],
    ),
    update_file(
        "field-update-file-conflict",
        [E("fullName", "Close"), E("literalValue", "Closed")],
        [E("fullName", "Close"), E("literalValue", "Resolved")],
        [E("fullName", "Close"), E("literalValue", "Done")],
        [E("fullName", "Close"), X([E("literalValue", "Resolved")], [E("literalValue", "Done")])],
        "Workflow Case: literalValue: Resolved vs Done",
    ),
    # --- assignment rules: rule entries run in order, without a name
    assign("assign-neighbour-entries-changed", [assignment("Std", Q1, Q2)], [assignment("Std", entry("QueueA", BIG), Q2)], [assignment("Std", Q1, entry("QueueB", TECH))], [assignment("Std", entry("QueueA", BIG), entry("QueueB", TECH))]),
    assign("assign-entry-inserted-top-other-changed", [assignment("Std", Q1, Q2)], [assignment("Std", Q3, Q1, Q2)], [assignment("Std", Q1, entry("QueueB", TECH))], [assignment("Std", Q3, Q1, entry("QueueB", TECH))]),
    assign(
        "assign-entries-inserted-same-place",
        [assignment("Std", Q1)],
        [assignment("Std", Q1, Q3)],
        [assignment("Std", Q1, Q4)],
        [E("assignmentRule", E("fullName", "Std"), E("active", True), Q1, X([Q3], [Q4]))],
        "AssignmentRules Case: assignmentRule Std > ruleEntry: Queue3 Queue vs Queue4 Queue",
    ),
    assign(
        "assign-entry-changed-both-same-leaf",
        [assignment("Std", Q1, Q2)],
        [assignment("Std", entry("QueueA", BIG), Q2)],
        [assignment("Std", entry("QueueZ", BIG), Q2)],
        [E("assignmentRule", E("fullName", "Std"), E("active", True), X([entry("QueueA", BIG)], [entry("QueueZ", BIG)]), Q2)],
        "AssignmentRules Case: assignmentRule Std > ruleEntry (Queue1 Queue Account.AnnualRevenue greaterThan 1000000): "
        "assignedTo QueueA vs QueueZ",
    ),
    assign(
        "assign-entry-changed-both-different-leaves",
        [assignment("Std", Q1)],
        [assignment("Std", entry("QueueA", BIG))],
        [assignment("Std", entry("Queue1", BIG, kind="User"))],
        [assignment("Std", entry("QueueA", BIG, kind="User"))],
    ),
    assign(
        "assign-entry-deleted-ours-changed-theirs",
        [assignment("Std", Q1, Q2)],
        [assignment("Std", Q2)],
        [assignment("Std", entry("QueueA", BIG), Q2)],
        [E("assignmentRule", E("fullName", "Std"), E("active", True), X([], [entry("QueueA", BIG)]), Q2)],
        "AssignmentRules Case: assignmentRule Std > ruleEntry: (none) vs QueueA Queue Account.AnnualRevenue greaterThan 1000000",
    ),
    assign("assign-active-ours-rule-theirs", [assignment("Std", Q1)], [assignment("Std", Q1, active=False)], [assignment("Std", Q1), assignment("Web", Q2)], [assignment("Std", Q1, active=False), assignment("Web", Q2)]),
    assign(
        "assign-rule-deleted-ours-changed-theirs",
        [assignment("Std", Q1), assignment("Web", Q2)],
        [assignment("Web", Q2)],
        [assignment("Std", Q1, Q3), assignment("Web", Q2)],
        [X([], [assignment("Std", Q1, Q3)]), assignment("Web", Q2)],
        "AssignmentRules Case: assignmentRule Std: deleted in ours, changed in theirs",
    ),
    assign("assign-entries-swapped-ours-changed-theirs", [assignment("Std", Q1, Q2)], [assignment("Std", Q2, Q1)], [assignment("Std", entry("QueueA", BIG), Q2)], [assignment("Std", Q2, entry("QueueA", BIG))]),
    assign("assign-entry-criteria-changed", [assignment("Std", Q1)], [assignment("Std", entry("Queue1", BIG, TECH))], [assignment("Std", Q1, Q2)], [assignment("Std", entry("Queue1", BIG, TECH), Q2)]),
    # --- auto-response rules
    auto("auto-template-ours-sender-theirs", [auto_rule("R", auto_entry("T/A"))], [auto_rule("R", auto_entry("T/B"))], [auto_rule("R", auto_entry("T/A", "Help desk"))], [auto_rule("R", auto_entry("T/B", "Help desk"))]),
    auto("auto-rule-added-theirs", [auto_rule("A", auto_entry("T/A"))], [auto_rule("A", auto_entry("T/A"), active=False)], [auto_rule("A", auto_entry("T/A")), auto_rule("B", auto_entry("T/B"))], [auto_rule("A", auto_entry("T/A"), active=False), auto_rule("B", auto_entry("T/B"))]),
    auto(
        "auto-template-conflict",
        [auto_rule("R", auto_entry("T/A"))],
        [auto_rule("R", auto_entry("T/B"))],
        [auto_rule("R", auto_entry("T/C"))],
        [E("autoResponseRule", E("fullName", "R"), E("active", True), X([auto_entry("T/B")], [auto_entry("T/C")]))],
        "AutoResponseRules Case: autoResponseRule R > ruleEntry (support@example.com Support T/A): template T/B vs T/C",
    ),
    # --- escalation rules
    escalate("escalation-action-added-criteria-changed", [esc_rule("E", esc_entry(BIG, escalation(60)))], [esc_rule("E", esc_entry(BIG, escalation(60), escalation(120)))], [esc_rule("E", esc_entry(TECH, escalation(60)))], [esc_rule("E", esc_entry(TECH, escalation(60), escalation(120)))]),
    escalate(
        "escalation-minutes-conflict",
        [esc_rule("E", esc_entry(BIG, escalation(60)))],
        [esc_rule("E", esc_entry(BIG, escalation(90)))],
        [esc_rule("E", esc_entry(BIG, escalation(30)))],
        [E("escalationRule", E("fullName", "E"), E("active", True), E("ruleEntry", E("businessHoursSource", "None"), BIG, X([escalation(90)], [escalation(30)])))],
        "EscalationRules Case: escalationRule E > ruleEntry (None Account.AnnualRevenue greaterThan 1000000 Manager User…) > "
        "escalationAction (Manager User 60 false): minutesToEscalation 90 vs 30",
    ),
    escalate(
        "escalation-active-conflict-free",
        [esc_rule("E", esc_entry(BIG, escalation(60)))],
        [esc_rule("E", esc_entry(BIG, escalation(60)), active=False)],
        [esc_rule("E", esc_entry(BIG, escalation(60), hours_source="Case"))],
        [esc_rule("E", esc_entry(BIG, escalation(60), hours_source="Case"), active=False)],
    ),
    # --- matching rules: items by field, in order
    matching("matching-item-appended-label-changed", [mrule("M", mitem("Name"))], [mrule("M", mitem("Name"), mitem("BillingCity"))], [mrule("M", mitem("Name"), label="Match")], [mrule("M", mitem("Name"), mitem("BillingCity"), label="Match")]),
    matching(
        "matching-items-appended-both",
        [mrule("M", mitem("Name"))],
        [mrule("M", mitem("Name"), mitem("BillingCity"))],
        [mrule("M", mitem("Name"), mitem("Phone"))],
        [E("matchingRules", E("fullName", "M"), E("label", "M"), mitem("Name"), X([mitem("BillingCity")], [mitem("Phone")]), E("ruleStatus", "Inactive"))],
        "MatchingRules Account: matchingRules M > matchingRuleItems: BillingCity vs Phone",
    ),
    matching(
        "matching-status-conflict",
        [mrule("M", mitem("Name"))],
        [mrule("M", mitem("Name"), status="Active")],
        [mrule("M", mitem("Name"), status="DeactivationFailed")],
        [X([mrule("M", mitem("Name"), status="Active")], [mrule("M", mitem("Name"), status="DeactivationFailed")])],
        "MatchingRules Account: matchingRules M: ruleStatus Active vs DeactivationFailed",
    ),
    matching("matching-rules-added-each-side", [mrule("B", mitem("Name"))], [mrule("A", mitem("Name")), mrule("B", mitem("Name"))], [mrule("B", mitem("Name")), mrule("C", mitem("Phone"))], [mrule("A", mitem("Name")), mrule("B", mitem("Name")), mrule("C", mitem("Phone"))]),
    matching("matching-item-method-and-blank", [mrule("M", mitem("Name"))], [mrule("M", mitem("Name", method="Fuzzy"))], [mrule("M", mitem("Name", blank="MatchBlanks"))], [mrule("M", mitem("Name", method="Fuzzy", blank="MatchBlanks"))]),
    matching("matching-mdapi-file", [mrule("M", mitem("Name"))], [mrule("M", mitem("Name"), mitem("Phone"))], [mrule("M", mitem("Name"), status="Active")], [mrule("M", mitem("Name"), mitem("Phone"), status="Active")]),
]  # fmt: skip

CASES[-1].path = "src/matchingRules/Account.matchingRule"


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_rules_and_workflows(case: Case) -> None:
    check(case)


def test_enough_cases() -> None:
    assert len(CASES) >= 60
