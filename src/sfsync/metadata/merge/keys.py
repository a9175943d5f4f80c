"""The names of list entries: by key, by value, by position or by their whole content.

`Keys.of` gives every entry of a list in base, ours and theirs its identity `(tag, kind,
...)`: "k" a key from the key table (unique in each version), "v" a plain value, "p" a
position, "c" the whole content (no key, or a key repeated in an ordered list). `Label`
and `value_text` are how a conflict's description names entries and values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sfsync.metadata.merge.pieces import Ident
from sfsync.metadata.merge.rules import KEYED, LEAVES, POSITIONAL, Rule
from sfsync.metadata.merge.xmltree import Node

VALUE_WIDTH = 60  # longer values are cut in a conflict's description
# (label, is an entry) from the root down; a label is worked out only for a conflict
Trail = tuple[tuple["str | Label", bool], ...]


class Label:
    """How a conflict names a list entry, worked out when a conflict needs it."""

    __slots__ = ("ident", "keys", "node")

    def __init__(self, keys: Keys, node: Node, ident: Ident) -> None:
        self.keys, self.node, self.ident = keys, node, ident

    def __str__(self) -> str:
        return self.keys.label(self.node, self.ident)


class Keys:
    """The identities of a list's entries in base, ours and theirs: `(tag, kind, ...)`.

    An entry whose key is unique in every version is named by it (kind "k"), a plain value
    by itself ("v"); without a key, or when an ordered list repeats a key, an entry is named
    by its whole content ("c"); positional entries by position ("p")."""

    def __init__(self, rules: Mapping[str, Rule]) -> None:
        self.rules = rules
        self.b: list[Ident] = []
        self.o: list[Ident] = []
        self.t: list[Ident] = []

    @classmethod
    def of(
        cls,
        rules: Mapping[str, Rule],
        bs: Sequence[Node],
        os: Sequence[Node],
        ts: Sequence[Node],
    ) -> Keys:
        """The identities of entries whose tags all have a rule in `rules`."""
        keys = cls(rules)
        versions = (bs, os, ts)
        if len(rules) == 1:
            ((tag, rule),) = rules.items()
            keys.b, keys.o, keys.t = identities(tag, rule, versions)
            return keys
        found: dict[int, Ident] = {}
        for tag, rule in rules.items():
            parts = tuple([n for n in v if n.tag == tag] for v in versions)
            for nodes, idents in zip(parts, identities(tag, rule, parts), strict=True):
                found.update(zip(map(id, nodes), idents, strict=True))
        keys.b, keys.o, keys.t = ([found[id(n)] for n in v] for v in versions)
        return keys

    @staticmethod
    def named(ident: Ident) -> bool:
        """Whether an identity is a name (a key, a value) rather than the whole content."""
        return ident[1] in ("k", "v")

    @staticmethod
    def groups(nodes: Sequence[Node], idents: Sequence[Ident]) -> dict[Ident, list[Node]]:
        grouped: dict[Ident, list[Node]] = {}
        for node, ident in zip(nodes, idents, strict=True):
            grouped.setdefault(ident, []).append(node)
        return grouped

    def label(self, node: Node, ident: Ident) -> str:
        """How a conflict names an entry: "fieldPermissions Account.Rating__c"."""
        kind = ident[1]
        if kind == "k":
            rule = self.rules.get(node.tag)
            if rule is not None and rule.first:
                path, value = str(ident[2]), str(ident[3])
                return (
                    f"{node.tag} {value}" if path == rule.key[0] else f"{node.tag} {path} {value}"
                )
            if rule is not None and any("|" in k for k in rule.key):
                raw = (node.field_value(k.partition("|")[0]) for k in rule.key)
                parts = [v for v in raw if v]
            else:
                parts = [str(p) for p in ident[2:] if p]
            return f"{node.tag} {', '.join(parts)}" if parts else node.tag
        if kind == "v" and isinstance(ident[2], str):
            return f"{node.tag} {short(ident[2])}"
        if kind == "p":
            return f"{node.tag} #{int(str(ident[2])) + 1}"
        return f"{node.tag} ({gist(node)})"

    def summary(self, nodes: Sequence[Node], idents: Sequence[Ident]) -> str:
        if not nodes:
            return "(none)"
        names = []
        for node, ident in zip(nodes, idents, strict=True):
            if not self.named(ident) and ident[1] != "p":
                names.append(gist(node))
                continue
            label = self.label(node, ident)
            names.append(label[len(node.tag) + 1 :] if label.startswith(node.tag + " ") else label)
        return ", ".join(names)


def identities(
    tag: str, rule: Rule, versions: tuple[Sequence[Node], ...]
) -> tuple[list[Ident], list[Ident], list[Ident]]:
    out: list[list[Ident]]
    if rule.kind == POSITIONAL and len({len(v) for v in versions}) == 1:
        out = [[(tag, "p", i) for i in range(len(v))] for v in versions]
    elif rule.kind in (KEYED, LEAVES):
        named: list[list[Ident | None]]
        if rule.kind == LEAVES:
            named = [[(tag, "v", n.value) if n.is_leaf else None for n in v] for v in versions]
        else:
            named = [[key(tag, n, rule) for n in v] for v in versions]
        repeated: set[Ident] = set()
        for idents in named:
            seen: set[Ident] = set()
            for ident in idents:
                if ident is not None:
                    if ident in seen:
                        repeated.add(ident)
                    seen.add(ident)
        out = [
            [
                (tag, "c", n.sig())
                if ident is None or (rule.ordered and ident in repeated)
                else ident
                for n, ident in zip(v, idents, strict=True)
            ]
            for v, idents in zip(versions, named, strict=True)
        ]
    else:
        out = [[(tag, "c", n.sig()) for n in v] for v in versions]
    return out[0], out[1], out[2]


def key(tag: str, node: Node, rule: Rule) -> Ident | None:
    if len(rule.key) == 1 and not rule.first and "|" not in rule.key[0]:
        value = node.field_value(rule.key[0])
        return None if value is None else (tag, "k", value)
    if rule.first:
        for path in rule.key:
            value = key_part(node, path)
            if value is not None:
                return (tag, "k", path, value)
        return None
    values = [key_part(node, path) for path in rule.key]
    if all(v is None for v in values):
        return None
    return (tag, "k", *(v or "" for v in values))


def key_part(node: Node, path: str) -> str | None:
    """A key field's value; `layout|object` is the object a layout name starts with."""
    path, _, transform = path.partition("|")
    value = node.field_value(path)
    if value is not None and transform == "object":
        value = value.partition("-")[0]
    return value


def value_text(node: Node | None) -> str:
    """A value as a conflict's description shows it."""
    if node is None:
        return "(none)"
    if not node.is_leaf:
        return "(changed)"
    text = node.value
    if text == "":
        return '""'
    text = " ".join(text.split()) if len(text) > VALUE_WIDTH or "\n" in text else text
    if len(text) > VALUE_WIDTH:
        text = text[: VALUE_WIDTH - 1] + "…"
    return text


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def gist(node: Node) -> str:
    """A content-named entry in a few words: its leaf values."""
    words: list[str] = []

    def walk(n: Node) -> None:
        for c in n.children:
            if c.is_leaf:
                if c.value:
                    words.append(c.value)
            else:
                walk(c)

    if node.is_leaf:
        return short(node.value)
    walk(node)
    return short(" ".join(words)) or node.tag


def unique_index(root: Node, unique: Mapping[str, Rule]) -> dict[Ident, Node]:
    """The entries under `root` that may be once in a file, by key (repeated ones left out)."""
    found: dict[Ident, Node] = {}
    repeated: set[Ident] = set()
    stack = list(root.children)
    while stack:
        node = stack.pop()
        rule = unique.get(node.tag)
        if rule is not None:
            ident = key(node.tag, node, rule)
            if ident is not None:
                if ident in found:
                    repeated.add(ident)
                found[ident] = node
        stack.extend(node.children)
    for ident in repeated:
        del found[ident]
    return found


def unique_names(nodes: Sequence[Node], name: str) -> bool:
    seen = set()
    for node in nodes:
        value = node.field_value(name)
        if value is None or value in seen:
            return False
        seen.add(value)
    return True


def tag_runs(nodes: Sequence[Node]) -> dict[str, list[Node]] | None:
    """The children grouped by tag, in order; None when a tag comes back after another."""
    groups: dict[str, list[Node]] = {}
    last = None
    for node in nodes:
        if node.tag != last:
            if node.tag in groups:
                return None
            groups[node.tag] = []
            last = node.tag
        groups[node.tag].append(node)
    return groups
