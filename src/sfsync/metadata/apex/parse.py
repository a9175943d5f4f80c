"""What one Apex class or trigger declares and uses, from its tokens.

    unit = parse_apex("AccountServiceTest", text)
    unit.is_test, unit.runs_tests          # @IsTest class; it has test methods
    unit.test_for                          # ("ApexClass:AccountService",) from testFor
    unit.critical                          # @IsTest(critical=true)
    unit.words                             # identifiers it uses (folded), its own name aside
    unit.strings                           # string literals that could name a type or flow
    unit.declaration                       # class | interface | enum | trigger
    unit.sobject                           # a trigger's object (`trigger T on Account`)

`@IsTest(testFor=...)` names what a test class covers, for Salesforce's RunRelevantTests
(beta, API 66.0): `@IsTest(testFor='ApexClass:InvoiceService, ApexTrigger:InvoiceTrigger')`,
and `@IsTest(critical=true)` makes a test run on every deployment ("Run Relevant Apex Tests
in a Deployment (Beta)", Metadata API Developer Guide; the IsTest Annotation page of the
Apex Developer Guide). A bare name in `testFor` is read as a class. Annotation parameters are
separated by spaces (`@IsTest(SeeAllData=true isParallel=true)`), names ignore case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sfsync.metadata.apex.tokenizer import IDENT, PUNCT, Token, code, identifiers, tokenize

CLASS = "class"
INTERFACE = "interface"
ENUM = "enum"
TRIGGER = "trigger"
_DECLARATIONS = frozenset({CLASS, INTERFACE, ENUM})
_MAX_NAME = 80  # Apex names are at most 40 characters; a longer string names nothing
_INTERVIEW = re.compile(r"\binterview\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_ISTEST_MARK = re.compile(r"@\s*istest\b", re.IGNORECASE)


@dataclass(frozen=True)
class ApexUnit:
    """One class or trigger, as the reference graph needs it."""

    name: str
    declaration: str
    """class, interface, enum (no executable code: nothing to cover) or trigger."""
    is_test: bool = False
    """An @IsTest class (or one with `testMethod` methods, the pre-28.0 way)."""
    runs_tests: bool = False
    """It has test methods: naming it in RunSpecifiedTests runs something."""
    critical: bool = False
    test_for: tuple[str, ...] = ()
    """`Type:Name` of what `@IsTest(testFor=...)` says it covers."""
    sobject: str | None = None
    words: frozenset[str] = frozenset()
    """Folded identifiers of its code (not comments, strings or query words), itself aside."""
    strings: frozenset[str] = frozenset()
    """Folded string literals short enough to be a name: `Type.forName('Foo')`."""
    interviews: frozenset[str] = frozenset()
    """Folded flow names after `Flow.Interview.`."""

    @property
    def needs_coverage(self) -> bool:
        """Deployed, it must be covered: not a test, not an interface or enum."""
        return not self.is_test and self.declaration in (CLASS, TRIGGER)


def parse_apex(name: str, text: str, *, trigger: bool = False) -> ApexUnit:
    """Read a class (`Foo.cls`) or a trigger (`Foo.trigger`); `name` is its file's name.

    The header (annotations, modifiers, the declaration) is read token by token; the body's
    identifiers come from the lexer's one-pass form (`tokenizer.code`), which a large code
    base needs: NPSP's 1,000 classes are 16 MB of Apex.
    """
    header = tokenize(text, stop="{")
    cleaned = code(text)
    words = {word.lower() for word in identifiers(cleaned.text)}
    strings = {s.lower().strip() for s in cleaned.strings if 0 < len(s) <= _MAX_NAME}
    interviews = {m.lower() for m in _INTERVIEW.findall(cleaned.text)}
    words.discard(name.lower())
    if trigger:
        return ApexUnit(
            name=name,
            declaration=TRIGGER,
            sobject=_trigger_object(header),
            words=frozenset(words),
            strings=frozenset(strings),
            interviews=frozenset(interviews),
        )
    declaration, before = _declaration(header)
    annotation = _istest(before)
    # @IsTest on a method (the class's own is in the header), or the old testMethod keyword
    marks = len(_ISTEST_MARK.findall(cleaned.text)) - (1 if annotation is not None else 0)
    is_test = annotation is not None or "testmethod" in words
    return ApexUnit(
        name=name,
        declaration=declaration,
        is_test=is_test,
        runs_tests=is_test and (marks > 0 or "testmethod" in words),
        critical=annotation is not None and _truthy(annotation.get("critical")),
        test_for=_test_for(annotation.get("testfor") if annotation else None),
        words=frozenset(words),
        strings=frozenset(strings),
        interviews=frozenset(interviews),
    )


# --- internals -------------------------------------------------------------------------


def _declaration(tokens: list[Token]) -> tuple[str, list[Token]]:
    """The top-level declaration keyword and the tokens before it (its annotations and
    modifiers); a file that declares nothing reads as a class."""
    depth = 0
    for index, token in enumerate(tokens):
        if token.kind == PUNCT and token.text == "(":
            depth += 1
        elif token.kind == PUNCT and token.text == ")":
            depth -= 1
        elif token.kind == PUNCT and token.text == "{":
            break
        elif depth == 0 and token.kind == IDENT and token.text.lower() in _DECLARATIONS:
            return token.text.lower(), tokens[:index]
    return CLASS, []


def _istest(header: list[Token]) -> dict[str, str] | None:
    """The parameters of the class's `@IsTest(...)` (folded keys), or None without one."""
    for index, token in enumerate(header[:-1]):
        nxt = header[index + 1]
        if token.kind == PUNCT and token.text == "@" and nxt.text.lower() == "istest":
            return _parameters(header, index + 2)
    return None


def _parameters(tokens: list[Token], index: int) -> dict[str, str]:
    """`(key=value key2='v')` from `tokens[index]` on: keys folded, values as written."""
    params: dict[str, str] = {}
    if index >= len(tokens) or tokens[index].text != "(":
        return params
    index += 1
    while index + 2 < len(tokens) and tokens[index].text != ")":
        key, equals, value = tokens[index], tokens[index + 1], tokens[index + 2]
        if key.kind == IDENT and equals.text == "=":
            params[key.text.lower()] = value.text
            index += 3
        else:
            index += 1
    return params


def _test_for(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    out: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        kind, sep, target = item.partition(":")
        if not sep:
            kind, target = "ApexClass", item
        kind = {"apexclass": "ApexClass", "apextrigger": "ApexTrigger"}.get(
            kind.strip().lower(), kind.strip()
        )
        out.append(f"{kind}:{target.strip()}")
    return tuple(out)


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "true"


def _trigger_object(tokens: list[Token]) -> str | None:
    """`trigger Name on Object (...)`: the object."""
    for index in range(len(tokens) - 1):
        token = tokens[index]
        if token.kind == IDENT and token.text.lower() == "on" and tokens[index + 1].kind == IDENT:
            return tokens[index + 1].text
    return None
