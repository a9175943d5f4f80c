"""Apex source as tokens: identifiers, strings, numbers and punctuation; comments dropped.

A reference graph built from the raw text would see class names in comments
(`// replaces OldService`) and in strings (`'AccountService failed'`); the lexer below
drops comments, keeps string literals as their own kind (their content unescaped:
`'it\\'s'` is `it's`), and marks the words of an inline SOQL or SOSL query
(`[SELECT Name FROM Account WHERE Id IN :ids]`) as `SOQL`: they name objects and fields,
not Apex types, except the bind expressions after `:` (`:AccountService.ids()`), which are
Apex and come out as ordinary tokens. Generics need nothing special: `Map<Id, List<Foo>>`
is identifiers and punctuation (`>>` is two `>`).

    for token in tokenize(text):
        token.kind, token.text, token.start     # IDENT, "AccountService", 120

The scanner is one compiled regular expression over the alternatives of the Apex lexical
grammar, applied left to right (a lexer, not a search over the text): a `//` inside a
string stays in the string, a quote inside a comment stays in the comment.
"""

from __future__ import annotations

import re
from typing import NamedTuple

IDENT = "ident"
STRING = "string"
NUMBER = "number"
PUNCT = "punct"
SOQL = "soql"
"""An identifier inside an inline query (an object, a field, a keyword), outside binds."""

_SCAN = re.compile(
    r"""
      \s+
    | //[^\n]*
    | /\*.*?(?:\*/|\Z)
    | (?P<string>'(?:[^'\\\n]|\\.)*(?:'|$))
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<number>[0-9][A-Za-z0-9_.]*)
    | (?P<punct>\S)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_QUERY_WORDS = frozenset({"select", "find"})


class Token(NamedTuple):
    """One token: its kind (`IDENT`, `STRING`, `NUMBER`, `PUNCT`, `SOQL`), its text (a
    string's unescaped content) and where it starts in the source."""

    kind: str
    text: str
    start: int


def tokenize(text: str, *, stop: str | None = None) -> list[Token]:
    """The tokens of an Apex class or trigger, comments and whitespace left out; with `stop`,
    only those before the first punctuation token `stop` (`"{"`: a class's header)."""
    raw: list[tuple[str, str, int, int]] = []
    for match in _SCAN.finditer(text):
        kind = match.lastgroup
        if kind is not None:
            if kind == PUNCT and match.group() == stop:
                break
            raw.append((kind, match.group(), match.start(), match.end()))
    tokens: list[Token] = []
    index = 0
    count = len(raw)
    while index < count:
        kind, value, start, end = raw[index]
        if kind == STRING:
            tokens.append(Token(STRING, _unquote(value), start))
        elif kind == PUNCT and value == "[" and index + 1 < count:
            tokens.append(Token(PUNCT, value, start))
            following = raw[index + 1]
            # a query opens with its keyword, only whitespace between (as `code` reads it)
            if (
                following[0] == IDENT
                and following[1].lower() in _QUERY_WORDS
                and not text[end : following[2]].strip()
            ):
                index = _query(raw, index + 1, tokens)
                continue
        else:
            tokens.append(Token(kind, value, start))
        index += 1
    return tokens


class Code(NamedTuple):
    """A source with its comments, strings and queries taken out (see `code`)."""

    text: str
    """The code: comments and string literals blanked, each query replaced by its binds."""
    strings: list[str]
    """Every string literal, unescaped."""


_NOISE = re.compile(
    r"""
      (?P<plain>[^/'\[]+)
    | //[^\n]*
    | /\*.*?(?:\*/|\Z)
    | (?P<string>'(?:[^'\\\n]|\\.)*(?:'|$))
    | (?P<query>\[\s*(?:select|find)\b(?:[^\]\['/]|'(?:[^'\\\n]|\\.)*'|\[[^\]]*\]|/(?![/*]))*\])
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE | re.IGNORECASE,
)
_WORDS = re.compile(r"\b[0-9][A-Za-z0-9_.]*|([A-Za-z_][A-Za-z0-9_]*)", re.ASCII)


def code(text: str) -> Code:
    """The lexer's reading of a whole file in one pass of C-speed matching: comments, string
    literals and inline queries are recognised left to right exactly as `tokenize` does (a
    `//` in a string stays in the string), then blanked, a query leaving only its bind
    expressions. `identifiers(code(text).text)` equals the `IDENT` tokens of `tokenize(text)`
    for any file whose queries are closed; a test holds the two to that. What the graph uses
    on large code bases, where building a token per `;` costs seconds."""
    strings: list[str] = []
    parts: list[str] = []
    last = 0
    for match in _NOISE.finditer(text):
        kind = match.lastgroup
        start = match.start()
        if start > last:  # a `/` or `[` that opens nothing: code
            parts.append(text[last:start])
        last = match.end()
        if kind == "plain":
            parts.append(match.group())
        elif kind == "string":
            strings.append(_unquote(match.group()))
            parts.append(" ")
        elif kind == "query":
            tokens = tokenize(match.group())
            strings.extend(t.text for t in tokens if t.kind == STRING)
            parts.append(" " + " ".join(t.text for t in tokens if t.kind == IDENT) + " ")
        else:
            parts.append(" ")
    parts.append(text[last:])
    return Code("".join(parts), strings)


def identifiers(code_text: str) -> list[str]:
    """The identifiers of code that `code` cleaned, in order (numbers such as `1.5e3` are not
    read as the identifier `e3`)."""
    return [word for word in _WORDS.findall(code_text) if word]


def line_of(text: str, offset: int) -> int:
    """The 1-based line of `offset` in `text`."""
    return text.count("\n", 0, offset) + 1


def _unquote(literal: str) -> str:
    body = literal[1:-1] if len(literal) > 1 and literal.endswith("'") else literal[1:]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), body)


def _query(raw: list[tuple[str, str, int, int]], index: int, tokens: list[Token]) -> int:
    """Tokens of an inline query from `raw[index]` (its first word) to its closing `]`;
    returns the index after that bracket. Bind expressions (`:name`, `:Cls.method(x)`, the
    tokens that follow the colon without a space, or inside the brackets and parentheses
    they open) are Apex; every other word is `SOQL`."""
    depth = 1  # the `[` that opened the query
    bind_depth = 0  # open brackets/parentheses inside the current bind expression
    in_bind = False
    last_end = -1
    count = len(raw)
    while index < count:
        kind, value, start, end = raw[index]
        if in_bind and bind_depth == 0 and start != last_end:
            in_bind = False
        if kind == PUNCT:
            if value == ":" and not in_bind:
                tokens.append(Token(PUNCT, value, start))
                in_bind = True
                bind_depth = 0
                # the expression starts at the next token, even after a space
                last_end = raw[index + 1][2] if index + 1 < count else end
                index += 1
                continue
            if value in "([{":
                if in_bind:
                    bind_depth += 1
                if value == "[":
                    depth += 1
            elif value in ")]}":
                if in_bind and bind_depth > 0:
                    bind_depth -= 1
                if value == "]":
                    depth -= 1
                    if depth == 0:
                        tokens.append(Token(PUNCT, value, start))
                        return index + 1
            tokens.append(Token(PUNCT, value, start))
        elif kind == STRING:
            tokens.append(Token(STRING, _unquote(value), start))
        elif kind == IDENT and not in_bind:
            tokens.append(Token(SOQL, value, start))
        else:
            tokens.append(Token(kind, value, start))
        last_end = end
        index += 1
    return index
