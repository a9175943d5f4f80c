"""The test classes that matter for a deployment, each with why, from the reference graph.

    selection = select(graph, ["ApexClass:AccountService", "CustomField:Account.Tier__c"],
                       Options(depth=3, always=("SmokeTest",)))
    selection.names()        # ("AccountServiceTest", "SmokeTest", ...) for RunSpecifiedTests
    selection.uncovered      # deployed classes/triggers no selected test reaches
    selection.to_json()      # each test with its reasons, each target with its tests

What a deployment puts at risk (its *targets*):

- each deployed Apex class and trigger (a deployed test class runs itself instead; a test
  helper, an interface or an enum is a target that needs no coverage);
- the triggers and record-triggered flows on an object whose fields, validation rules,
  record types or definition the deployment changes;
- a deployed flow; the Apex controllers of a deployed LWC, Aura or Visualforce bundle.

A test class is picked when it reaches a target through the graph in at most
`Options.depth` steps (the chain of references is its reason), when its name follows a
convention for a target's name (`FooTest`, `Foo_Test`, `FooTests`, `Foo_Tests`, `TestFoo`,
`Test_Foo`), when its `@IsTest(testFor=...)` names a target, when it is
`@IsTest(critical=true)`, or when `Options.always` lists it. Only the first three cover a
target: a deployed class or trigger that none of them reaches is `uncovered`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sfsync.metadata.apex.graph import (
    APEX_CLASS,
    APEX_TRIGGER,
    AURA,
    FLOW,
    LWC,
    PAGE,
    VF_COMPONENT,
    Graph,
)

REACHES = "reaches"
CONVENTION = "convention"
TEST_FOR = "testFor"
CRITICAL = "critical"
ALWAYS = "always"
DEPLOYED = "deployed"

DEFAULT_DEPTH = 2
OBJECT_CHILDREN = frozenset({"CustomField", "ValidationRule", "RecordType"})
_CONVENTIONS = ("{}test", "{}_test", "{}tests", "{}_tests", "test{}", "test_{}")


@dataclass(frozen=True)
class Options:
    """How far to follow references, and the tests to run whatever changed."""

    depth: int = DEFAULT_DEPTH
    always: tuple[str, ...] = ()
    conventions: bool = True


@dataclass(frozen=True)
class Reason:
    """Why one test was picked."""

    kind: str
    """reaches, convention, testFor, critical, always or deployed."""
    target: str | None = None
    chain: tuple[str, ...] = ()
    """Reaches: the components from the test to the target."""
    labels: tuple[str, ...] = ()
    """Reaches: why each step follows (`uses AccountService`)."""

    def text(self) -> str:
        """One line: `reaches ApexClass:X: T -> A (uses A) -> X (uses X)`."""
        if self.kind == REACHES:
            steps = [_short(self.chain[0])]
            pairs = zip(self.chain[1:], self.labels, strict=True)
            steps += [f"{_short(node)} ({label})" for node, label in pairs]
            return f"reaches {self.target}: {' -> '.join(steps)}"
        if self.kind == CONVENTION:
            return f"named after {self.target}"
        if self.kind == TEST_FOR:
            return f"@IsTest(testFor) names {self.target}"
        if self.kind == CRITICAL:
            return "@IsTest(critical=true): runs on every deployment"
        if self.kind == ALWAYS:
            return "listed in tests.always"
        return "deployed with this change"

    def to_json(self) -> dict[str, Any]:
        """The reason as `--json` shows it."""
        out: dict[str, Any] = {"kind": self.kind, "text": self.text()}
        if self.target is not None:
            out["target"] = self.target
        if self.chain:
            out["chain"] = list(self.chain)
            out["steps"] = list(self.labels)
        return out


@dataclass(frozen=True)
class Pick:
    """A selected test class and every reason it was picked."""

    test: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        """The pick as `--json` shows it."""
        return {"test": self.test, "why": [r.to_json() for r in self.reasons]}


@dataclass(frozen=True)
class Target:
    """A component the deployment puts at risk and the tests that reach it."""

    component: str
    why: str
    needs_coverage: bool
    tests: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The target as `--json` shows it."""
        return {
            "component": self.component,
            "why": self.why,
            "needsCoverage": self.needs_coverage,
            "tests": list(self.tests),
        }


@dataclass(frozen=True)
class Selection:
    """The chosen tests, what each target is reached by, and what no test reaches."""

    picks: tuple[Pick, ...]
    targets: tuple[Target, ...]
    uncovered: tuple[str, ...]
    local_tests: int
    depth: int
    warnings: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """The test classes to run, by name."""
        return tuple(p.test for p in self.picks)

    @property
    def has_apex(self) -> bool:
        """The deployment holds Apex that needs coverage."""
        return any(t.needs_coverage for t in self.targets if t.why == DEPLOYED)

    def to_json(self) -> dict[str, Any]:
        """The selection as `--json` shows it."""
        return {
            "depth": self.depth,
            "localTests": self.local_tests,
            "selected": [p.to_json() for p in self.picks],
            "targets": [t.to_json() for t in self.targets],
            "uncovered": list(self.uncovered),
            "warnings": list(self.warnings),
        }


def select(graph: Graph, deployed: Sequence[str], options: Options | None = None) -> Selection:
    """The tests for deploying `deployed` (`Type:Name` components) over `graph`'s source."""
    options = options or Options()
    warnings = list(graph.warnings)
    reasons: dict[str, list[Reason]] = {}

    def pick(test_key: str, reason: Reason) -> None:
        found = reasons.setdefault(test_key, [])
        if reason not in found:
            found.append(reason)

    targets: list[tuple[str, str, bool]] = []  # (node key, why, needs coverage)
    seen: set[str] = set()

    def target(key: str, why: str, needs: bool) -> None:
        if key not in seen:
            seen.add(key)
            targets.append((key, why, needs))

    for component in deployed:
        type_name, _, name = component.partition(":")
        if type_name in (APEX_CLASS, APEX_TRIGGER):
            key = graph.key(type_name, name)
            if key is None:
                warnings.append(f"{component} is deployed but its source was not found")
                continue
            unit = graph.nodes[key].unit
            assert unit is not None
            if unit.runs_tests:
                pick(key, Reason(DEPLOYED, key))
            else:
                target(key, DEPLOYED, unit.needs_coverage)
        elif type_name in OBJECT_CHILDREN or type_name == "CustomObject":
            sobject = name.split(".", 1)[0]
            for key in graph.on_object(sobject):
                target(key, f"{type_name} {name} changed", False)
        elif type_name == FLOW:
            key = graph.key(FLOW, name)
            if key is not None:
                target(key, DEPLOYED, False)
        elif type_name in (LWC, AURA, PAGE, VF_COMPONENT):
            bundle = graph.key(type_name, name)
            calls = graph.edges.get(bundle, {}) if bundle is not None else {}
            for controller, label in calls.items():
                target(controller, f"{label} ({component})", False)

    by_target: dict[str, set[str]] = {key: set() for key, _, _ in targets}
    test_for = _test_for_index(graph)
    for key, _why, _needs in targets:
        for test_key, chain, labels in _reaching_tests(graph, key, options.depth):
            pick(test_key, Reason(REACHES, key, chain, labels))
            by_target[key].add(test_key)
        node = graph.nodes[key]
        if options.conventions and node.type in (APEX_CLASS, APEX_TRIGGER):
            for pattern in _CONVENTIONS:
                named = graph.key(APEX_CLASS, pattern.format(node.name))
                if named is not None and graph.nodes[named].runs_tests:
                    pick(named, Reason(CONVENTION, key))
                    by_target[key].add(named)
        for test_key in test_for.get(key.lower(), ()):
            pick(test_key, Reason(TEST_FOR, key))
            by_target[key].add(test_key)
    for test_key in graph.tests():
        unit = graph.nodes[test_key].unit
        if unit is not None and unit.critical:
            pick(test_key, Reason(CRITICAL))
    for name in options.always:
        listed = graph.key(APEX_CLASS, name)
        if listed is None or not graph.nodes[listed].runs_tests:
            warnings.append(
                f"tests.always lists {name}, which is not a test class in this source: "
                "it is run as named"
            )
            listed = f"{APEX_CLASS}:{name}"
        pick(listed, Reason(ALWAYS))

    picks = tuple(Pick(_short(key), tuple(reasons[key])) for key in sorted(reasons, key=str.lower))
    done = tuple(
        Target(key, why, needs, tuple(sorted((_short(t) for t in by_target[key]), key=str.lower)))
        for key, why, needs in targets
    )
    uncovered = tuple(t.component for t in done if t.needs_coverage and not t.tests)
    return Selection(picks, done, uncovered, len(graph.tests()), options.depth, tuple(warnings))


def convention_names(name: str) -> tuple[str, ...]:
    """The test class names that the conventions tie to `name` (folded)."""
    return tuple(p.format(name.lower()) for p in _CONVENTIONS)


# --- internals -------------------------------------------------------------------------


def _short(key: str) -> str:
    """`ApexClass:Foo` -> `Foo`; other types keep their type."""
    type_name, _, name = key.partition(":")
    return name if type_name == APEX_CLASS else key


def _test_for_index(graph: Graph) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for test_key in graph.tests():
        unit = graph.nodes[test_key].unit
        assert unit is not None
        for named in unit.test_for:
            index.setdefault(named.lower(), []).append(test_key)
    return index


def _reaching_tests(
    graph: Graph, target: str, depth: int
) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Tests from which `target` is reachable in at most `depth` steps, each with the
    shortest chain (test first) and the labels of its steps (breadth first, backwards)."""
    parent: dict[str, str | None] = {target: None}
    frontier = deque([(target, 0)])
    found: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    while frontier:
        key, distance = frontier.popleft()
        if key != target and graph.nodes[key].runs_tests:
            chain = [key]
            labels: list[str] = []
            step = key
            while (nxt := parent[step]) is not None:
                labels.append(graph.edges[step][nxt])
                chain.append(nxt)
                step = nxt
            found.append((key, tuple(chain), tuple(labels)))
        if distance == depth:
            continue
        for source in graph.reverse.get(key, {}):
            if source not in parent:
                parent[source] = key
                frontier.append((source, distance + 1))
    return found
