"""A metadata file as a tree of elements that remember where their text is.

The merge writes back the original text of every element nobody changed (so an untouched
entry keeps its bytes, whatever escaping or indentation the file used), and needs each
element's position for that. The file is first checked by expat (well-formed, and no DTD, so no
entity declarations: a DTD is refused before expat reads it, as defusedxml does), then read
a second time by a small scanner that records positions: after the check, the scanner only
has to find tags. A comment between elements belongs to the element after it (or to the end of its
parent); one in a value is part of the value (Salesforce writes a translation not made yet
as `<label><!-- Account Name --></label>`). What the scanner does not handle (CDATA,
processing instructions after the declaration, text mixed with elements, an encoding other
than UTF-8) raises `Unmergeable`, and the file is merged line by line instead.
"""

from __future__ import annotations

import re
from xml.parsers import expat


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


class Node:
    """One element: its local tag, its children, and where its text is in the file."""

    __slots__ = (
        "_children",
        "_fields",
        "_inner_tail",
        "_sig",
        "_sig_nc",
        "attrs",
        "close_start",
        "end",
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
        # the elements inside, read when first asked for (most entries of a big file are
        # never looked into: their text is compared whole and written back as it is)
        self._children: list[Node] | None = []
        self._inner_tail = ""  # whitespace before the end tag, after the last child
        self._sig: tuple[object, ...] | None = None
        self._sig_nc: tuple[object, ...] | None = None
        self._fields: dict[str, Node] | None = None

    @property
    def children(self) -> list[Node]:
        if self._children is None:
            _read_inside(self)
        assert self._children is not None
        return self._children

    @property
    def inner_tail(self) -> str:
        if self._children is None:
            _read_inside(self)
        return self._inner_tail

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
        """A leaf's text, unescaped (`&amp;` -> `&`). A value holding a comment is its text as
        written: a translation not made yet is `<label><!-- Account Name --></label>`."""
        raw = self.text[self.open_end : self.close_start]
        if "&" in raw and "<!--" not in raw:
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
        if self._children is None and "/" not in path:
            found = _leaf_value(self, path)
            if found is not _UNKNOWN:
                return found  # type: ignore[return-value]
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


def verbatim(a: Node, b: Node) -> bool:
    """Whether two elements are written the same, to the character (the space before them
    included)."""
    return a.end - a.start == b.end - b.start and a.lead == b.lead and a.raw == b.raw


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


def _refuse(*_: object) -> int:
    raise Unmergeable("a DTD or entities")


def check(data: bytes) -> None:
    """Refuse what is not well-formed XML, and any DTD (so any entity declaration: they live
    in a DTD) before expat reads a declaration of it; the same guard as defusedxml's."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
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
    m = _TAG.search(text, pos)
    if m is not None and m.group(5) is not None:
        raise Unmergeable("CDATA, a processing instruction or a comment before the root")
    if m is None or m.group(1) or not text[pos : m.start()].strip() == "":
        raise Unmergeable("no root element")  # cannot pass the check above; kept for safety
    root = Node(m.group(2), text, m.start(), m.end(), text[pos : m.start()], m.group(3))
    if m.group(4):  # <Root/>
        root.close_start = root.end = m.end()
    else:
        close = text.rfind("</")  # the last end tag of a well-formed file is the root's
        root.close_start = close
        root.end = text.index(">", close) + 1
        root._children = None
        _read_entries(root)
    epilogue = text[root.end :]
    if epilogue and not epilogue.isspace():
        raise Unmergeable("text after the root element")
    newline = "\r\n" if "\r\n" in text[: root.open_end + 200] else "\n"
    return Document(text, text[: root.start], root, epilogue, newline)


def _read_entries(root: Node) -> None:
    """The root's children, each read only as far as its end tag: an entry's inside is read
    when the merge looks into it. An entry that holds an element of its own name (its end tag
    is not the first one after it) has the whole root read at once instead."""
    text = root.text
    search = _TAG.search
    children: list[Node] = []
    pos = root.open_end
    gap_start = pos
    noted = False
    while True:
        m = search(text, pos)
        if m is None or m.start() >= root.close_start:
            break
        if m.group(5) is not None:
            if m.group(5) != "!--":
                raise Unmergeable("CDATA or a processing instruction")
            pos = text.find("-->", m.end()) + 3
            noted = True
            continue
        if m.group(1):  # an end tag here: not the shape this reader expects
            _read_inside(root)
            return
        gap = text[gap_start : m.start()]
        if gap and not gap.isspace() and not (noted and _COMMENT.sub("", gap).isspace()):
            raise Unmergeable(f"text mixed with elements in <{root.tag}>")
        qname = m.group(2)
        node = Node(qname, text, m.start(), m.end(), gap, m.group(3))
        if m.group(4):
            node.close_start = node.end = m.end()
        else:
            close = text.find(f"</{qname}", m.end())
            while close != -1 and text[close + len(qname) + 2] not in " \t\r\n>":
                close = text.find(f"</{qname}", close + 1)  # </fields> is not </fieldsX>
            nested = text.find(f"<{qname}", m.end(), close)
            while nested != -1 and text[nested + len(qname) + 1] not in " \t\r\n/>":
                nested = text.find(f"<{qname}", nested + 1, close)  # <fields> in <fieldsX>
            if close == -1 or nested != -1:
                _read_inside(root)
                return
            node.close_start = close
            node.end = text.index(">", close) + 1
            node._children = None
        children.append(node)
        pos = gap_start = node.end
        noted = False
    tail = text[gap_start : root.close_start]
    if tail and not tail.isspace() and not _COMMENT.sub("", tail).isspace():
        raise Unmergeable(f"text mixed with elements in <{root.tag}>")
    root._children = children
    root._inner_tail = tail


def _read_inside(parent: Node) -> None:
    """Read every element inside `parent` (between its start and end tags)."""
    text = parent.text
    parent._children = []
    parent._inner_tail = ""
    stack: list[Node] = [parent]
    prev_end = parent.open_end
    noted = False  # the text since the last tag holds a comment
    search = _TAG.search
    m = search(text, prev_end)
    while m is not None and stack:
        if m.group(5) is not None:
            if m.group(5) != "!--":
                raise Unmergeable("CDATA or a processing instruction")
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
            if node._children:
                if not blank:
                    raise Unmergeable(f"text mixed with elements in <{node.tag}>")
                node._inner_tail = gap
            node.close_start = m.start()
            node.end = m.end()
        else:
            if not blank:
                raise Unmergeable(f"text mixed with elements in <{stack[-1].tag}>")
            node = Node(qname, text, m.start(), m.end(), gap, attrs)
            stack[-1]._children.append(node)  # type: ignore[union-attr]
            if not empty:
                stack.append(node)
        prev_end = m.end()
        noted = False
        if stack:
            m = search(text, prev_end)


_UNKNOWN = object()
_LEAF: dict[str, re.Pattern[str]] = {}


def _leaf_value(node: Node, name: str) -> object:
    """A direct child leaf's value found without reading the element's inside: the first
    `<name>...</name>` with only whole elements before it. `_UNKNOWN` when that cannot be
    told this way (the element is then read)."""
    pattern = _LEAF.get(name)
    if pattern is None:
        pattern = _LEAF[name] = re.compile(f"<{re.escape(name)}>([^<]*)</{re.escape(name)}>")
    text = node.text
    m = pattern.search(text, node.open_end, node.close_start)
    if m is None:
        return _UNKNOWN if f"<{name}" in text[node.open_end : node.close_start] else None
    before = text[node.open_end : m.start()]
    if "/>" in before or "<!--" in before or before.count("<") != 2 * before.count("</"):
        return _UNKNOWN
    value = m.group(1)
    if "&" in value:
        value = unescape(value)
    return value.replace("\r\n", "\n")
