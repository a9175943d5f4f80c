"""The code coverage rule of a deploy that names its tests, as a model (no Apex runs here).

With RunSpecifiedTests, Salesforce requires each class and trigger in the deployment to be
covered at least 75% by the tests that ran ("Executed tests must comprise a minimum of 75%
code coverage for each class and trigger in the deployment package", the sf CLI's
`--test-level` help; "Running a Subset of Tests in a Deployment", Migration Guide). The same
holds for RunRelevantTests (beta, API 66.0). The rule gates production ("Code coverage
requirements must be met when you release an app to a production org", Salesforce DX
Developer Guide, Build and Release Your App with Metadata API): sandboxes are not refused for
it. In production, a component below it fails the whole deploy
with a `codeCoverageWarnings` entry per component in the DeployResult's `runTestResult`, in
the org's words: "Test coverage of selected Apex Class is 0%, at least 75% test coverage is
required" (and "... selected Apex Trigger is ..."), as reported by deploys in the wild
(e.g. Kathy-Lueckeman/EASY-Open-Source-Solution issue 3, Ant's "Code Coverage Failures").

sfemu cannot measure lines. It models coverage as reach: a deployed class is covered (100%)
when a test that ran uses its name, directly or through the org's other classes at any depth;
a trigger when that code uses its object's name (the test writes such a record); otherwise it
is 0% covered and the deploy fails. Comments and string literals do not count. This is
deliberately independent of sfsync's own selection (`sfsync.metadata.apex`): the emulator
checks the tests sfsync picked, it does not share its reasoning. Interfaces, enums and test
classes need no coverage.

RunRelevantTests is modelled the same way: the org's test classes that reach a deployed class
or trigger run, plus those marked `@IsTest(critical=true)` or naming a deployed component in
`@IsTest(testFor=...)`. The fault `no_relevant_tests` makes it run none and skip the rule, as
the beta did in forcedotcom/cli issue 3565.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_NOISE = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)|'(?:[^'\\\n]|\\.)*'?", re.S)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TRIGGER_ON = re.compile(r"\btrigger\s+\w+\s+on\s+(\w+)", re.I)
_DECLARED = re.compile(r"\b(class|interface|enum)\b", re.I)
_ISTEST = re.compile(r"@istest\b(\s*\(([^)]*)\))?", re.I)
_TEST_FOR = re.compile(r"testfor\s*=\s*'([^']*)'", re.I)
_CRITICAL = re.compile(r"critical\s*=\s*true", re.I)
REQUIRED = 75


@dataclass(frozen=True)
class Apex:
    """One class or trigger of the org (after the deploy), as the model reads it."""

    key: str
    """`ApexClass:Name` or `ApexTrigger:Name`."""
    words: frozenset[str]
    is_test: bool = False
    has_code: bool = True
    sobject: str | None = None
    critical: bool = False
    test_for: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        """The class or trigger name."""
        return self.key.partition(":")[2]


def read(key: str, text: str) -> Apex:
    """Read a class (`ApexClass:Name`) or trigger (`ApexTrigger:Name`) body."""
    raw = text
    code = _NOISE.sub(" ", text)
    words = frozenset(w.lower() for w in _WORD.findall(code))
    name = key.partition(":")[2].lower()
    if key.startswith("ApexTrigger:"):
        found = _TRIGGER_ON.search(code)
        return Apex(key, words - {name}, sobject=found.group(1).lower() if found else None)
    head = code[: code.find("{")] if "{" in code else code
    declared = _DECLARED.search(head)
    istest = _ISTEST.search(raw[: raw.find("{")] if "{" in raw else raw)
    params = (istest.group(2) or "") if istest else ""
    return Apex(
        key,
        words - {name},
        is_test=istest is not None or "testmethod" in words,
        has_code=declared is None or declared.group(1).lower() == "class",
        critical=bool(_CRITICAL.search(params)),
        test_for=frozenset(
            _qualified(item) for item in "".join(_TEST_FOR.findall(params)).split(",") if item
        ),
    )


def reached(org: Mapping[str, Apex], tests: Iterable[str]) -> set[str]:
    """Keys of the classes and triggers that the named tests run (breadth first)."""
    classes = {a.name.lower(): k for k, a in org.items() if k.startswith("ApexClass:")}
    triggers: dict[str, list[str]] = {}
    for key, apex in org.items():
        if apex.sobject:
            triggers.setdefault(apex.sobject, []).append(key)
    start = [classes[t.lower()] for t in tests if t.lower() in classes]
    seen = set(start)
    queue = deque(start)
    while queue:
        apex = org[queue.popleft()]
        following = [classes[w] for w in apex.words if w in classes]
        following += [t for w in apex.words for t in triggers.get(w, ())]
        for key in following:
            if key not in seen:
                seen.add(key)
                queue.append(key)
    return seen


def uncovered(
    org: Mapping[str, Apex], deployed: Iterable[str], tests: Iterable[str]
) -> list[tuple[str, str]]:
    """`(name, message)` of each deployed class or trigger the tests do not reach."""
    ran = reached(org, tests)
    out: list[tuple[str, str]] = []
    for key in deployed:
        apex = org.get(key)
        if apex is None or apex.is_test or not apex.has_code or key in ran:
            continue
        what = "Apex Trigger" if key.startswith("ApexTrigger:") else "Apex Class"
        out.append(
            (
                apex.name,
                f"Test coverage of selected {what} is 0%, at least {REQUIRED}% test "
                "coverage is required",
            )
        )
    return out


def relevant(org: Mapping[str, Apex], deployed: Iterable[str]) -> tuple[str, ...]:
    """The test classes RunRelevantTests runs in this model."""
    targets = {k for k in deployed if k in org}
    named = {t.lower() for t in targets}
    picked = []
    for apex in org.values():
        if not apex.is_test:
            continue
        if apex.critical or apex.test_for & named or reached(org, [apex.name]) & targets:
            picked.append(apex.name)
    return tuple(sorted(picked, key=str.lower))


def _qualified(item: str) -> str:
    kind, sep, name = item.strip().partition(":")
    if not sep:
        return f"apexclass:{kind.strip()}".lower()
    return f"{kind.strip()}:{name.strip()}".lower()
