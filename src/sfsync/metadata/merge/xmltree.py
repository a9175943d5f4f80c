"""A metadata file as a tree of elements that remember where their text is.

The merge writes back the original text of every element nobody changed (so an untouched
entry keeps its bytes, whatever escaping or indentation the file used), and needs each
element's position for that. The file is first checked by `defusedxml` (well-formed, no DTD,
no entity declarations: a DTD or entity is refused, never expanded), then read a second time
by a small scanner that records positions: after the check, the scanner only has to find
tags. A comment between elements belongs to the element after it (or to the end of its
parent). What the scanner does not handle (CDATA, processing instructions after the
declaration, a comment in a value, text mixed with elements, an encoding other than UTF-8)
raises `Unmergeable`, and the file is merged line by line instead.
"""

from __future__ import annotations

import re

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser


class Unmergeable(Exception):
    """The files cannot merge by element; the text says why (a line merge follows)."""


# a start tag, an end tag or an empty-element tag; attribute values may hold `>` or `/`
_TAG = re.compile(
    r"<(/?)([^\s/>!?]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>|<(!--|!\[CDATA\[|!|\?)",
)
_DECLARATION = re.compile(r"<\?xml(?:[^?]|\?(?!>))*\?>")
_ENCODING = re.compile(r"""encoding\s*=\s*["']([^"']*)["']""")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ATTRIBUTE = re.compile(r"""([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


_REFERENCE = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _character(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref[0] != "#":
        return _NAMED[ref]
    return chr(int(ref[2:], 16) if ref[1] == "x" else int(ref[1:]))


def unescape(text: str) -> str:
    """Text with XML's references resolved (`&amp;` -> `&`, `&#233;` -> `é`); the file was
    checked first, so no other reference can be in it."""
    return _REFERENCE.sub(_character, text) if "&" in text else text


class _Null:
    """A parser target that builds nothing: the check only needs expat to read the file."""


class Node:
    """One element: its local tag, its children, and where its text is in the file."""

    __slots__ = (
        "_fields",
        "_sig",
        "_sig_nc",
        "attrs",
        "children",
        "close_start",
        "end",
        "inner_tail",
        "lead",
        "open_end",
        "qname",
        "start",
        "tag",
        "text",
    )

    def __init__(self, qname: str, text: str, start: int, open_end: int, lead: str, attrs: str):
        self.qname = qname
        self.tag = qname.rpartition(":")[2]
        self.text = text  # the whole file
        self.start = start
        self.open_end = open_end
        self.close_start = open_end
        self.end = open_end
        self.lead = lead  # whitespace before the start tag
        self.attrs = attrs  # the raw attribute text of the start tag
        self.children: list[Node] = []
        self.inner_tail = ""  # whitespace before the end tag, after the last child
        self._sig: tuple[object, ...] | None = None
        self._sig_nc: tuple[object, ...] | None = None
        self._fields: dict[str, Node] | None = None

    @property
    def raw(self) -> str:
        """The element's text, start tag to end tag."""
        return self.text[self.start : self.end]

    @property
    def start_tag(self) -> str:
        return self.text[self.start : self.open_end]

    @property
    def self_closing(self) -> bool:
        return self.close_start == self.end == self.open_end and self.text[self.open_end - 2] == "/"

    @property
    def value(self) -> str:
        """A leaf's text, unescaped (`&amp;` -> `&`)."""
        raw = self.text[self.open_end : self.close_start]
        if "&" in raw:
            raw = unescape(raw)
        return raw.replace("\r\n", "\n")

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def field(self, name: str) -> Node | None:
        """The first child called `name`."""
        if self._fields is None:
            fields: dict[str, Node] = {}
            for child in self.children:
                fields.setdefault(child.tag, child)
            self._fields = fields
        return self._fields.get(name)

    def field_value(self, path: str) -> str | None:
        """The text of the leaf at `path` ("field" or "layoutItem/field"), or None."""
        node: Node | None = self
        for name in path.split("/"):
            node = node.field(name) if node is not None else None
        if node is None or node.children:
            return None
        return node.value

    def attributes(self) -> tuple[tuple[str, str], ...]:
        if not self.attrs.strip():
            return ()
        return tuple(
            sorted(
                (m.group(1), unescape(m.group(2) if m.group(2) is not None else m.group(3)))
                for m in _ATTRIBUTE.finditer(self.attrs)
            )
        )

    def sig(self, skip: frozenset[str] = frozenset()) -> tuple[object, ...]:
        """A value equal for elements that mean the same: formatting, escaping and
        `<a/>`/`<a></a>` aside. Children called a name in `skip` are left out (the flow
        canvas positions, when a change means more than a move)."""
        if not skip:
            if self._sig is None:
                self._sig = self._compute_sig(skip)
            return self._sig
        if self._sig_nc is None:
            self._sig_nc = self._compute_sig(skip)
        return self._sig_nc

    def _compute_sig(self, skip: frozenset[str]) -> tuple[object, ...]:
        notes = comments(self.lead)
        if not self.children:
            return (self.tag, self.attributes(), self.value, notes)
        return (
            self.tag,
            self.attributes(),
            tuple(c.sig(skip) for c in self.children if c.tag not in skip),
            notes + comments(self.inner_tail),
        )


def comments(whitespace: str) -> tuple[str, ...]:
    """The comments in the text between two tags."""
    if "<!--" not in whitespace:
        return ()
    return tuple(" ".join(c[4:-3].split()) for c in _COMMENT.findall(whitespace))


def same(a: Node | None, b: Node | None, skip: frozenset[str] = frozenset()) -> bool:
    """Whether two elements (or two absences) mean the same."""
    if a is None or b is None:
        return a is b
    quick = not skip and "<!--" not in a.lead and "<!--" not in b.lead
    if quick and a.end - a.start == b.end - b.start and a.raw == b.raw:
        return True
    return a.sig(skip) == b.sig(skip)


class Document:
    """A parsed metadata file: the text before the root element, the root, the text after."""

    __slots__ = ("epilogue", "newline", "prolog", "root", "text")

    def __init__(self, text: str, prolog: str, root: Node, epilogue: str, newline: str) -> None:
        self.text = text
        self.prolog = prolog
        self.root = root
        self.epilogue = epilogue
        self.newline = newline


def check(data: bytes) -> None:
    """Refuse what is not well-formed XML, and any DTD or entity declaration."""
    parser = DefusedXMLParser(target=_Null(), forbid_dtd=True)
    try:
        parser.feed(data)
        parser.close()
    except DefusedXmlException as exc:
        raise Unmergeable(f"a DTD or entities ({type(exc).__name__})") from None
    except SyntaxError as exc:  # ParseError
        raise Unmergeable(f"not well-formed XML ({exc})") from None


def parse(data: bytes) -> Document:
    """Read a metadata file, or raise `Unmergeable` saying why it cannot merge by element."""
    check(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unmergeable("not UTF-8") from None
    pos = 1 if text.startswith("\ufeff") else 0
    declaration = _DECLARATION.match(text, pos)
    if declaration:
        encoding = _ENCODING.search(declaration.group(0))
        if encoding and encoding.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise Unmergeable(f"encoding {encoding.group(1)}, not UTF-8")
        pos = declaration.end()
    root: Node | None = None
    stack: list[Node] = []
    prev_end = pos
    noted = False  # the text since the last tag holds a comment
    search = _TAG.search
    m = search(text, pos)
    while m is not None:
        if m.group(5) is not None:
            if m.group(5) != "!--" or root is None:
                raise Unmergeable("CDATA, a processing instruction or a comment before the root")
            # a comment between elements belongs to the element after it (or to the end of
            # its parent): it moves with that element, and a change to it is a change
            end = text.find("-->", m.end())
            noted = True
            m = search(text, end + 3)
            continue
        gap = text[prev_end : m.start()]
        blank = not gap or gap.isspace() or (noted and _COMMENT.sub("", gap).isspace())
        close, qname, attrs, empty = m.group(1, 2, 3, 4)
        if close:
            node = stack.pop()
            if node.children:
                if not blank:
                    raise Unmergeable(f"text mixed with elements in <{node.tag}>")
                node.inner_tail = gap
            elif noted:
                raise Unmergeable(f"a comment in the value of <{node.tag}>")
            node.close_start = m.start()
            node.end = m.end()
        else:
            if not blank:
                where = f"<{stack[-1].tag}>" if stack else "the file"
                raise Unmergeable(f"text mixed with elements in {where}")
            node = Node(qname, text, m.start(), m.end(), gap, attrs)
            if stack:
                stack[-1].children.append(node)
            elif root is None:
                root = node
            if not empty:
                stack.append(node)
        prev_end = m.end()
        noted = False
        m = search(text, prev_end)
    if root is None or stack:
        raise Unmergeable("no root element")  # cannot pass the check above; kept for safety
    epilogue = text[root.end :]
    if epilogue and not epilogue.isspace():
        raise Unmergeable("text after the root element")
    newline = "\r\n" if "\r\n" in text[: root.open_end + 200] else "\n"
    return Document(text, text[: root.start], root, epilogue, newline)
