"""The Apex lexer and what a class or trigger declares: comments, strings, SOQL, generics."""

from __future__ import annotations

import random

import pytest

from sfsync.metadata.apex.parse import parse_apex
from sfsync.metadata.apex.tokenizer import (
    IDENT,
    PUNCT,
    SOQL,
    STRING,
    code,
    identifiers,
    line_of,
    tokenize,
)


def idents(text: str) -> list[str]:
    return [t.text for t in tokenize(text) if t.kind == IDENT]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Foo // Bar baz\nQux", ["Foo", "Qux"], id="line-comment"),
        pytest.param("Foo /* Bar\n * Baz */ Qux", ["Foo", "Qux"], id="block-comment"),
        pytest.param("Foo /** @IsTest Bar */ Qux", ["Foo", "Qux"], id="doc-comment"),
        pytest.param("Foo /* never closed Bar", ["Foo"], id="unterminated-comment"),
        pytest.param("a = 'Bar // not a comment'; Qux", ["a", "Qux"], id="comment-in-string"),
        pytest.param("a = 'it\\'s Bar'; Qux", ["a", "Qux"], id="escaped-quote"),
        pytest.param("a = '\\\\'; Qux", ["a", "Qux"], id="escaped-backslash-then-quote"),
        pytest.param("/* 'Bar */ Qux", ["Qux"], id="quote-in-comment"),
        pytest.param(
            "Map<Id, List<Foo>> m = new Map<Id, List<Foo>>();",
            ["Map", "Id", "List", "Foo", "m", "new", "Map", "Id", "List", "Foo"],
            id="generics",
        ),
        pytest.param("x = 1.5e3; Foo", ["x", "Foo"], id="numbers"),
    ],
)
def test_identifiers(text: str, expected: list[str]) -> None:
    assert idents(text) == expected


def test_strings_are_kept_unescaped() -> None:
    tokens = tokenize(r"s = 'it\'s a \\ and \n'; t = '';")
    assert [t.text for t in tokens if t.kind == STRING] == ["it's a \\ and \n", ""]


def test_a_string_ends_at_the_line_end_when_unterminated() -> None:
    assert idents("s = 'open\nFoo") == ["s", "Foo"]


def test_soql_words_are_not_apex_but_binds_are() -> None:
    text = (
        "List<Account> rows = [SELECT Id, Name, (SELECT Id FROM Contacts) FROM Account "
        "WHERE Id IN :AccountSelector.ids(Helper.LIMIT) AND Name = :name AND Owner.Name = 'x'"
        " LIMIT :Config.max];\nService.run(rows);"
    )
    tokens = tokenize(text)
    soql = [t.text for t in tokens if t.kind == SOQL]
    assert soql == [
        "SELECT", "Id", "Name", "SELECT", "Id", "FROM", "Contacts", "FROM", "Account",
        "WHERE", "Id", "IN", "AND", "Name", "AND", "Owner", "Name", "LIMIT",
    ]  # fmt: skip
    assert [t.text for t in tokens if t.kind == IDENT] == [
        "List", "Account", "rows", "AccountSelector", "ids", "Helper", "LIMIT", "name",
        "Config", "max", "Service", "run", "rows",
    ]  # fmt: skip
    # the query ends at its own bracket: what follows is code again
    assert tokens[-1] == tokens[-1]._replace(kind=PUNCT, text=";")


def test_sosl_and_brackets_that_are_not_queries() -> None:
    text = "a[0] = b; x = [FIND 'acme' IN ALL FIELDS RETURNING Account(Name)]; new Foo[]{};"
    tokens = tokenize(text)
    assert [t.text for t in tokens if t.kind == IDENT] == ["a", "b", "x", "new", "Foo"]
    assert "RETURNING" in [t.text for t in tokens if t.kind == SOQL]


def test_line_of() -> None:
    text = "a\nb\n  Foo"
    start = next(t.start for t in tokenize(text) if t.text == "Foo")
    assert line_of(text, start) == 3


TEST_CLASS = """
/**
 * Covers AccountService. Mentions OldService only in this comment.
 */
@IsTest(SeeAllData=false testFor='ApexClass:AccountService, ApexTrigger:AccountTrigger'
        critical=true)
private class AccountServiceTest {
    @TestSetup static void setup() { insert new Account(Name = 'NotAClass'); }
    @IsTest static void runs() {
        Type t = Type.forName('DynamicHandler');
        Flow.Interview.Approve_Order flow =
            new Flow.Interview.Approve_Order(new Map<String, Object>());
        AccountService.run([SELECT Id FROM Account WHERE Name = 'x']);
    }
}
"""


def test_a_test_class() -> None:
    unit = parse_apex("AccountServiceTest", TEST_CLASS)
    assert unit.is_test and unit.runs_tests and unit.critical
    assert unit.declaration == "class"
    assert unit.test_for == ("ApexClass:AccountService", "ApexTrigger:AccountTrigger")
    assert {"accountservice", "account", "type", "flow"} <= unit.words
    assert "oldservice" not in unit.words  # a comment
    assert "notaclass" not in unit.words  # a string
    assert "accountservicetest" not in unit.words  # itself
    assert {"dynamichandler", "notaclass"} <= unit.strings
    assert unit.interviews == {"approve_order"}
    assert not unit.needs_coverage


@pytest.mark.parametrize(
    ("text", "is_test", "runs_tests", "declaration", "needs_coverage"),
    [
        pytest.param("public class A { }", False, False, "class", True, id="class"),
        pytest.param("@isTest public class A { }", True, False, "class", False, id="helper"),
        pytest.param(
            "@IsTest private class A { @IsTest static void t() {} }",
            True,
            True,
            "class",
            False,
            id="test",
        ),
        pytest.param(
            "private class A { static testMethod void t() {} }",
            True,
            True,
            "class",
            False,
            id="legacy-testmethod",
        ),
        pytest.param("public interface A { void x(); }", False, False, "interface", False, id="i"),
        pytest.param("public enum A { X, Y }", False, False, "enum", False, id="enum"),
        pytest.param(
            "@SuppressWarnings('PMD') global with sharing abstract class A { }",
            False,
            False,
            "class",
            True,
            id="modifiers",
        ),
        pytest.param(
            "// @IsTest\npublic class A { String s = '@IsTest'; }",
            False,
            False,
            "class",
            True,
            id="istest-in-comment-and-string",
        ),
    ],
)
def test_declarations(
    text: str, is_test: bool, runs_tests: bool, declaration: str, needs_coverage: bool
) -> None:
    unit = parse_apex("A", text)
    assert (unit.is_test, unit.runs_tests, unit.declaration, unit.needs_coverage) == (
        is_test,
        runs_tests,
        declaration,
        needs_coverage,
    )


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        pytest.param("@IsTest(testFor='ApexClass:Foo')", ("ApexClass:Foo",), id="one"),
        pytest.param(
            "@isTest(TESTFOR='apexclass:Foo,apextrigger:T')",
            ("ApexClass:Foo", "ApexTrigger:T"),
            id="case",
        ),
        pytest.param("@IsTest(testFor='Foo')", ("ApexClass:Foo",), id="bare-name"),
        pytest.param("@IsTest(testFor='')", (), id="empty"),
        pytest.param("@IsTest", (), id="none"),
    ],
)
def test_test_for(annotation: str, expected: tuple[str, ...]) -> None:
    unit = parse_apex("T", f"{annotation}\nprivate class T {{ @IsTest static void t() {{}} }}")
    assert unit.test_for == expected
    assert not unit.critical


def test_a_trigger() -> None:
    text = (
        "/* on Contact */ trigger AccountTrigger on Account (before insert, after update) {\n"
        "    new AccountTriggerHandler().run(Trigger.new);\n}\n"
    )
    unit = parse_apex("AccountTrigger", text, trigger=True)
    assert unit.declaration == "trigger" and unit.sobject == "Account"
    assert "accounttriggerhandler" in unit.words
    assert unit.needs_coverage and not unit.is_test


FRAGMENTS = (
    "Foo", "bar_2", "x", "Map<Id, List<Foo>>", " ", "\n", "\t", ";", ".", "(", ")", "{", "}",
    "[", "]", "[0]", "/", " / 2", "*", "1.5e3", "10L", "0", "'s'", "'it\\'s // no'", "'a\\\\'",
    "''", "'/* no */'", "// line Foo\n", "/* block\n Bar */", "/** doc 'q */", "@IsTest",
    "[SELECT Id FROM Account WHERE Id IN :ids]",
    "[select Name, (SELECT Id FROM Contacts) from Account where Name = :Svc.name(Foo.X) limit 5]",
    "[ FIND 'x' IN ALL FIELDS RETURNING Contact(Name)]", "[SELECT Id FROM Case WHERE X = :a[0]]",
    "'[SELECT Nope FROM Strings]'", "/* [SELECT In FROM Comments] */",
)  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_the_one_pass_reading_equals_the_tokens(seed: int) -> None:
    """`code` + `identifiers` (what the graph uses on large code bases) read exactly the
    identifiers that `tokenize` does, on random mixes of comments, strings and queries."""
    rng = random.Random(seed)
    text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(20, 200)))
    tokens = tokenize(text)
    cleaned = code(text)
    assert identifiers(cleaned.text) == [t.text for t in tokens if t.kind == IDENT], text
    assert cleaned.strings == [t.text for t in tokens if t.kind == STRING], text


def test_header_tokens_stop_at_the_body() -> None:
    tokens = tokenize("@IsTest(x='{') class A { B b; }", stop="{")
    assert [t.text for t in tokens] == ["@", "IsTest", "(", "x", "=", "{", ")", "class", "A"]
