"""A subset of SOQL: parse a query, bind it to an object's fields, run it over plain rows.

The subset (keywords, object and field names are case-insensitive)::

    SELECT field [, field ...] | SELECT COUNT()
    FROM Object
    [WHERE field op value [AND field op value ...]]
    [ORDER BY field [ASC | DESC]]
    [LIMIT n]

``field`` is a field of the object or a relationship field (``CreatedBy.Name``); ``op`` is one
of ``= != <> < <= > >=``; ``value`` is a dateTime literal without quotes
(``2026-11-30T23:47:19Z``, ``...19.000Z``, ``...19+01:00``), a ``'string'`` with backslash
escapes, ``null``, ``true``, ``false`` or an integer. Anything else is a ``MALFORMED_QUERY``.

Errors read as the platform's do (the query line, a caret under the culprit, ``ERROR at
Row:r:Column:c`` and the reason), e.g. the answers quoted in
https://github.com/mautic/mautic/pull/13406 (INVALID_FIELD) and
https://github.com/jsforce/jsforce/issues/851 (MALFORMED_QUERY, a quoted dateTime).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

Row = Mapping[str, Any]
"""One record: canonical field name (``CreatedBy.Name`` for a relationship) -> value."""

# reserved words: never a field or object name; those outside the subset are MALFORMED_QUERY
_KEYWORDS = frozenset(
    {
        "select", "from", "where", "and", "or", "not", "order", "by", "limit", "asc", "desc",
        "null", "true", "false", "group", "having", "offset", "nulls", "in", "like", "with",
        "includes", "excludes", "using", "for", "typeof",
    }
)  # fmt: skip

# https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/api/sforce_api_calls_soql_select_quotedstringescapes.htm
_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\x07",  # "Bell", as the page has it
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<int>-?\d+(?![\w.]))
  | (?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[,()])
  | (?P<quote>')
    """,
    re.VERBOSE,
)


class SoqlError(Exception):
    """A query the API refuses: ``status`` and the ``[{message, errorCode}]`` body."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> list[dict[str, str]]:
        """The REST API's error body."""
        return [{"message": self.message, "errorCode": self.code}]


def _error(code: str, text: str, pos: int, reason: str) -> SoqlError:
    """An error pointing at ``pos`` in ``text``, laid out as the platform lays it out."""
    row = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end >= 0 else len(text)]
    column = pos - start
    return SoqlError(
        code, f"\n{line}\n{' ' * column}^\nERROR at Row:{row}:Column:{column + 1}\n{reason}"
    )


def malformed(text: str, pos: int, reason: str) -> SoqlError:
    """A ``MALFORMED_QUERY`` at ``pos``."""
    return _error("MALFORMED_QUERY", text, pos, reason)


# ----- tokens and syntax tree ----------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # name, datetime, date, int, string, op, punct, eof
    text: str
    pos: int
    value: Any = None


@dataclass(frozen=True)
class Name:
    """A field or object name as written, and where."""

    text: str
    pos: int


@dataclass(frozen=True)
class Literal:
    """A value in a condition: ``kind`` is datetime, date, string, int, bool or null."""

    kind: str
    value: Any
    pos: int


@dataclass(frozen=True)
class Condition:
    field: Name
    op: str
    value: Literal


@dataclass(frozen=True)
class Query:
    """A parsed query; ``count`` for ``SELECT COUNT()`` (then ``fields`` is empty)."""

    text: str
    fields: tuple[Name, ...]
    count: bool
    sobject: Name
    where: tuple[Condition, ...] = ()
    order: Name | None = None
    descending: bool = False
    limit: int | None = None


def _string(text: str, start: int) -> tuple[str, int]:
    """The string literal opening at ``start`` (a quote): its value and the index after it."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "'":
            return "".join(out), i + 1
        if c == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt.lower() in _ESCAPES:
                out.append(_ESCAPES[nxt.lower()])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            raise malformed(text, i, f"Invalid string literal '{text[start:]}'. Illegal escape")
        out.append(c)
        i += 1
    raise malformed(text, start, f"Invalid string literal '{text[start:]}'. Missing '")


def _instant(text: str, literal: str, pos: int) -> datetime:
    try:
        return parse_datetime(literal)
    except ValueError:
        raise malformed(text, pos, f"invalid date/time: {literal}") from None


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``eof`` token."""
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise malformed(text, pos, f"no viable alternative at character '{text[pos]}'")
        kind = m.lastgroup or ""
        if kind == "quote":
            value, end = _string(text, pos)
            out.append(Token("string", text[pos:end], pos, value))
            pos = end
            continue
        word = m.group()
        if kind == "datetime":
            out.append(Token(kind, word, pos, _instant(text, word, pos)))
        elif kind == "int":
            out.append(Token(kind, word, pos, int(word)))
        elif kind != "space":
            out.append(Token(kind, word, pos, word))
        pos = m.end()
    out.append(Token("eof", "<EOF>", len(text)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def unexpected(self, tok: Token | None = None) -> SoqlError:
        tok = tok or self.tok
        return malformed(self.text, tok.pos, f"unexpected token: '{tok.text}'")

    def keyword(self, word: str) -> bool:
        return self.tok.kind == "name" and self.tok.text.lower() == word

    def expect_keyword(self, word: str) -> Token:
        if not self.keyword(word):
            raise self.unexpected()
        return self.take()

    def expect_punct(self, mark: str) -> Token:
        if self.tok.kind != "punct" or self.tok.text != mark:
            raise self.unexpected()
        return self.take()

    def name(self) -> Name:
        tok = self.tok
        if tok.kind != "name" or tok.text.lower() in _KEYWORDS:
            raise self.unexpected()
        self.take()
        return Name(tok.text, tok.pos)

    def parse(self) -> Query:
        self.expect_keyword("select")
        fields: list[Name] = []
        count = False
        nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else self.tok
        if self.keyword("count") and nxt.text == "(":
            self.take()
            self.expect_punct("(")
            self.expect_punct(")")
            count = True
        else:
            fields.append(self.name())
            while self.tok.text == ",":
                self.take()
                fields.append(self.name())
        if not self.keyword("from"):
            raise self.unexpected()
        self.take()
        sobject = self.name()
        if "." in sobject.text:
            raise malformed(self.text, sobject.pos, f"unexpected token: '{sobject.text}'")
        where: list[Condition] = []
        if self.keyword("where"):
            self.take()
            where.append(self.condition())
            while self.keyword("and"):
                self.take()
                where.append(self.condition())
        order, descending = None, False
        if self.keyword("order"):
            self.take()
            self.expect_keyword("by")
            order = self.name()
            if self.keyword("asc") or self.keyword("desc"):
                descending = self.take().text.lower() == "desc"
        limit = None
        if self.keyword("limit"):
            self.take()
            tok = self.take()
            if tok.kind != "int" or tok.value < 0:
                raise self.unexpected(tok)
            limit = int(tok.value)
        if self.tok.kind != "eof":
            raise self.unexpected()
        return Query(
            self.text, tuple(fields), count, sobject, tuple(where), order, descending, limit
        )

    def condition(self) -> Condition:
        field = self.name()
        op = self.take()
        if op.kind != "op":
            raise self.unexpected(op)
        tok = self.take()
        if tok.kind in ("datetime", "int", "string"):
            value = Literal(tok.kind, tok.value, tok.pos)
        elif tok.kind == "date":
            value = Literal("date", tok.text, tok.pos)
        elif tok.kind == "name" and tok.text.lower() in ("null", "true", "false"):
            word = tok.text.lower()
            value = (
                Literal("null", None, tok.pos)
                if word == "null"
                else Literal("bool", word == "true", tok.pos)
            )
        else:
            raise self.unexpected(tok)
        return Condition(field, "!=" if op.text == "<>" else op.text, value)


def parse(text: str) -> Query:
    """Parse one query of the subset; raise :class:`SoqlError` (MALFORMED_QUERY) otherwise."""
    return _Parser(text).parse()


# ----- objects, fields and values --------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A queryable field; ``via`` is the id field of a relationship field (``CreatedById``)."""

    name: str
    kind: str  # id, string or datetime
    via: str = ""
    target: str = ""

    @property
    def relationship(self) -> str:
        """``CreatedBy`` for ``CreatedBy.Name`` ("" for a field of the object itself)."""
        return self.name.split(".", 1)[0] if self.via else ""


@dataclass(frozen=True)
class Schema:
    """An object's name and fields, looked up case-insensitively."""

    name: str
    fields: tuple[Field, ...]

    def lookup(self, query: Query, name: Name) -> Field:
        """The field ``name`` refers to; INVALID_FIELD when there is none."""
        by_name = {f.name.lower(): f for f in self.fields}
        found = by_name.get(name.text.lower())
        if found is not None:
            return found
        text = query.text
        if "." not in name.text:
            raise _error("INVALID_FIELD", text, name.pos, no_such_column(name.text, self.name))
        rel, _, rest = name.text.partition(".")
        targets = {f.relationship.lower(): f.target for f in self.fields if f.via}
        if rel.lower() not in targets or "." in rest:
            bad = rel if rel.lower() not in targets else rest.split(".", 1)[0]
            raise _error(
                "INVALID_FIELD",
                text,
                name.pos,
                f"Didn't understand relationship '{bad}' in field path. If you are attempting "
                "to use a custom relationship, be sure to append the '__r' after the custom "
                "relationship name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
            )
        raise _error("INVALID_FIELD", text, name.pos, no_such_column(rest, targets[rel.lower()]))


def no_such_column(column: str, entity: str) -> str:
    return (
        f"No such column '{column}' on entity '{entity}'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference your "
        "WSDL or the describe call for the appropriate names."
    )


def unsupported_type(query: Query) -> SoqlError:
    """INVALID_TYPE for the query's object."""
    name = query.sobject.text
    return _error(
        "INVALID_TYPE",
        query.text,
        query.sobject.pos,
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, "
        "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
        "describe call for the appropriate names.",
    )


def parse_datetime(text: str) -> datetime:
    """A Salesforce dateTime (``2026-11-21T20:54:23.000Z``, ``...+01:00``) as an aware UTC
    instant; ValueError when it is not one."""
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})", text
    ):
        raise ValueError(f"not a dateTime: {text!r}")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    head, _, frac = text[:-6].partition(".")
    micro = int((frac + "000000")[:6]) if frac else 0
    stamp = datetime.fromisoformat(head + text[-6:])
    return (stamp + timedelta(microseconds=micro)).astimezone(timezone.utc)


def format_datetime(value: datetime) -> str:
    """The REST API's dateTime format: ``2026-11-30T23:47:19.000+0000``."""
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


# ----- binding and running ------------------------------------------------------------------

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ID = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")


def _type_error(query: Query, field: Field, value: Literal) -> SoqlError:
    kind, quotes = field.kind, "should be enclosed in quotes"
    if kind == "datetime":
        kind, quotes = "dateTime", "should not be enclosed in quotes"
    return _error(
        "INVALID_FIELD",
        query.text,
        value.pos,
        f"value of filter criterion for field '{field.name}' must be of type {kind} and {quotes}",
    )


def _predicate(query: Query, field: Field, op: str, value: Literal) -> Callable[[Row], bool]:
    """One condition as a function of a row (nulls: only ``= null`` and ``!= null`` hold)."""
    name, compare = field.name, _OPS[op]
    if value.kind == "null" or (
        value.kind == "string" and value.value == "" and field.kind == "string"
    ):
        # an empty string is null for a text field
        if op not in ("=", "!="):
            return lambda row: False
        want_null = op == "="
        return lambda row: (row.get(name) is None) is want_null
    expected = "datetime" if field.kind == "datetime" else "string"
    if value.kind != expected:
        raise _type_error(query, field, value)
    literal: Any = value.value
    if field.kind == "id":
        if not _ID.fullmatch(literal):
            raise _error(
                "INVALID_QUERY_FILTER_OPERATOR",
                query.text,
                value.pos,
                f"invalid ID field: {literal}",
            )
        width = len(literal)  # a 15-character id is the case-sensitive form of an 18-character one
        return lambda row: (v := row.get(name)) is not None and compare(v[:width], literal)
    if field.kind == "string":
        folded = literal.casefold()
        return lambda row: (v := row.get(name)) is not None and compare(v.casefold(), folded)
    return lambda row: (v := row.get(name)) is not None and compare(v, literal)


@dataclass(frozen=True)
class Plan:
    """A query bound to an object's fields, ready to run over its rows."""

    query: Query
    schema: Schema
    fields: tuple[Field, ...]
    conditions: tuple[Callable[[Row], bool], ...]
    order: Field | None

    def run(self, rows: Iterable[Row]) -> list[Row]:
        """The matching rows, ordered and limited (nulls first ascending, last descending)."""
        conditions = self.conditions
        out = [r for r in rows if all(c(r) for c in conditions)] if conditions else list(rows)
        if self.order is not None:
            name, text = self.order.name, self.order.kind == "string"

            def key(row: Row) -> tuple[bool, Any]:
                v = row.get(name)
                return (v is not None, v.casefold() if text and v is not None else v)

            out.sort(key=key, reverse=self.query.descending)
        if self.query.limit is not None:
            del out[self.query.limit :]
        return out

    def record(self, row: Row, base: str) -> dict[str, Any]:
        """A row as the REST API returns it: ``attributes``, then the selected fields in order;
        a relationship field nests under its relationship (``CreatedBy: {attributes, Name}``).

        ``base`` is ``/services/data/vNN.N`` (plus ``/tooling`` on the Tooling API).
        """
        name = self.schema.name
        out: dict[str, Any] = {
            "attributes": {"type": name, "url": f"{base}/sobjects/{name}/{row['Id']}"}
        }
        for f in self.fields:
            value = row.get(f.name)
            if isinstance(value, datetime):
                value = format_datetime(value)
            if not f.via:
                out[f.name] = value
                continue
            rel = out.get(f.relationship)
            if rel is None:
                target_id = row.get(f.via)
                rel = out[f.relationship] = {
                    "attributes": {
                        "type": f.target,
                        "url": f"{base}/sobjects/{f.target}/{target_id}",
                    }
                }
            rel[f.name.split(".", 1)[1]] = value
        return out


def bind(query: Query, schema: Schema) -> Plan:
    """Resolve the query's fields and check its values; INVALID_FIELD (or, for a malformed
    id, INVALID_QUERY_FILTER_OPERATOR) when they do not fit the object."""
    fields: list[Field] = []
    for name in query.fields:
        field = schema.lookup(query, name)
        if field in fields:
            raise malformed(query.text, name.pos, f"duplicate field selected: {field.name}")
        fields.append(field)
    conditions = tuple(
        _predicate(query, schema.lookup(query, c.field), c.op, c.value) for c in query.where
    )
    order = schema.lookup(query, query.order) if query.order is not None else None
    if order is not None and query.count:
        raise malformed(
            query.text, query.order.pos if query.order else 0,
            f"Ordered field must be grouped or aggregated: {order.name}",
        )  # fmt: skip
    return Plan(query, schema, tuple(fields), conditions, order)
