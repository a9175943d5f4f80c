"""What the merge produces: pieces of the merged file, before they are written.

A `Keep` is an element written as one version has it, a `Build` an element whose children
were merged, a `Clash` a conflict written between markers; a `Choice` (a value both sides
changed differently below an entry) turns the entry around it into a `Clash`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sfsync.metadata.merge.xmltree import Node

OURS, THEIRS, BOTH, BASE = "o", "t", "b", "base"
Ident = tuple[object, ...]  # a list entry's name: (tag, kind, ...), see `keys`


class Out:
    """A piece of the merged file."""

    __slots__ = ("ident", "origin")

    def __init__(self) -> None:
        self.ident: Ident | None = None  # for a list entry: its key
        self.origin = BOTH  # which side put a list entry where it is


class Keep(Out):
    """An element written as it is in one of the versions (`lead`: other comments before it)."""

    __slots__ = ("lead", "node")

    def __init__(self, node: Node, lead: str | None = None) -> None:
        super().__init__()
        self.node = node
        self.lead = lead


class Build(Out):
    """An element whose children were merged; its tags come from `template`."""

    __slots__ = ("bubbles", "children", "lead", "start_tag", "tail", "template")

    def __init__(
        self,
        template: Node,
        start_tag: str,
        children: list[Out],
        lead: str | None = None,
        tail: str | None = None,
    ) -> None:
        super().__init__()
        self.template = template
        self.start_tag = start_tag
        self.children = children
        self.lead = template.lead if lead is None else lead  # with the comments before it
        self.tail = template.inner_tail if tail is None else tail  # before the end tag
        self.bubbles = any(bubbles(c) for c in children)


class Choice(Out):
    """A value both sides changed differently, below an entry: the entry becomes a conflict."""

    __slots__ = ("ours", "theirs")

    def __init__(self, ours: Node | None, theirs: Node | None) -> None:
        super().__init__()
        self.ours = ours
        self.theirs = theirs


class Clash(Out):
    """A conflict written with markers: ours' entries, then theirs' (and base's, diff3)."""

    __slots__ = ("base", "ours", "theirs")

    def __init__(self, ours: list[Out], theirs: list[Out], base: list[Out]) -> None:
        super().__init__()
        self.ours = ours
        self.theirs = theirs
        self.base = base


def bubbles(out: Out) -> bool:
    return isinstance(out, Choice) or (isinstance(out, Build) and out.bubbles)


def project(out: Out, side: str) -> list[Out]:
    """One side's version of a merged piece: every choice and conflict below resolved to it."""
    if isinstance(out, Choice):
        node = out.ours if side == OURS else out.theirs
        return [Keep(node)] if node is not None else []
    if isinstance(out, Clash):
        return [
            p for item in (out.ours if side == OURS else out.theirs) for p in project(item, side)
        ]
    if isinstance(out, Build):
        built = Build(
            out.template,
            out.start_tag,
            [p for c in out.children for p in project(c, side)],
            out.lead,
            out.tail,
        )
        built.ident, built.origin = out.ident, out.origin
        return [built]
    return [out]


def kept(nodes: Sequence[Node], idents: Sequence[Ident]) -> list[Out]:
    """Entries shown as they are in one version (a side of a conflict), with their names."""
    kept: list[Out] = []
    for node, ident in zip(nodes, idents, strict=True):
        keep = Keep(node)
        keep.ident = ident
        kept.append(keep)
    return kept


def node_of(out: Out) -> Node | None:
    if isinstance(out, Keep):
        return out.node
    if isinstance(out, Build):
        return out.template
    return None
