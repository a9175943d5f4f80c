"""The element merge: three versions of one metadata file in, one merged file out.

Each element is merged three-way from what base, ours and theirs hold for it:

- an element one side changed takes that side; both sides making the same change is no
  conflict; a leaf both sides changed differently is a conflict;
- a list merges per entry (entries found by their key: `schemas`, `keys`; the lists:
  `lists`); an unordered list keeps each side's moves and insertion places (`order`); an
  ordered list merges as a sequence of entries (`sequence`), where changes from both sides
  to the same stretch (or insertions at the same place) are a conflict unless they are the
  same, and an entry both sides moved to different places, or one side moved and the other
  deleted, too;
- an entry one side deleted and the other changed is a conflict.

A conflict keeps both sides between git's markers around the conflicting entry only (an
entry: a list entry, or a direct child of the root element); inside the markers, each side
is the entry merged with the other side's non-conflicting changes, so either can be kept as
is. The rest of the file is merged, and every element nobody changed keeps its text
(`writer`; the file's reading: `xmltree`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sfsync.metadata.merge.keys import (
    Keys,
    Label,
    Trail,
    tag_runs,
    unique_index,
    unique_names,
    value_text,
)
from sfsync.metadata.merge.lists import ListMerges
from sfsync.metadata.merge.order import merged_order
from sfsync.metadata.merge.pieces import (
    BASE,
    OURS,
    THEIRS,
    Build,
    Choice,
    Clash,
    Ident,
    Keep,
    Out,
    bubbles,
    project,
)
from sfsync.metadata.merge.rules import COSMETIC, SINGLE, Rule, Schema, keyed, seq, single
from sfsync.metadata.merge.writer import Writer
from sfsync.metadata.merge.xmltree import (
    Document,
    Node,
    Unmergeable,
    comments,
    parse,
    same,
    verbatim,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    from sfsync.metadata.merge import Conflict, MergeResult

    _V = TypeVar("_V")

__all__ = ["Unmergeable", "merge_documents"]


class Merger(ListMerges):
    """Merges one file; collects the conflicts it finds."""

    def __init__(self, schema: Schema, path: str, component: str) -> None:
        self.schema = schema
        self.anywhere = schema.anywhere
        self.cosmetic = schema.cosmetic
        self.path = path
        self.component = component
        self.conflicts: list[Conflict] = []
        # entries that may be once in a file (a field on a layout), found anywhere in it: an
        # entry one side moved to another list is the same entry there
        self.unique = schema.once_in_file()
        self.files: dict[str, dict[Ident, Node]] = {OURS: {}, THEIRS: {}, BASE: {}}

    def index_files(self, base: Node, ours: Node, theirs: Node) -> None:
        if self.unique:
            for side, root in ((BASE, base), (OURS, ours), (THEIRS, theirs)):
                self.files[side] = unique_index(root, self.unique)

    def moved_in(self, kept: Node, base: Node | None, other: str) -> bool:
        """Whether a subtree one side changed holds an entry that may be once in the file,
        brought in from elsewhere or added, that the other side has too (in its old place, or
        in another): the subtree is then merged, not taken whole, so that the other side's
        changes to the entry, or its own move of it, are seen."""
        if not self.unique:
            return False
        here = unique_index(base, self.unique) if base is not None else {}
        other_file = self.files[other]
        return any(
            ident not in here and ident in other_file for ident in unique_index(kept, self.unique)
        )

    def conflict(self, trail: Trail, detail: str) -> None:
        from sfsync.metadata.merge import Conflict

        last = max((i for i, (_, entry) in enumerate(trail) if entry), default=-1)
        entry = " > ".join(str(label) for label, _ in trail[: last + 1])
        rest = " > ".join(str(label) for label, _ in trail[last + 1 :])
        text = f"{rest} {detail}" if rest else detail
        self.conflicts.append(Conflict(self.path, self.component, entry, text))

    def node(
        self, b: Node | None, o: Node | None, t: Node | None, rule: Rule, trail: Trail
    ) -> Out | None:
        """The merge of one element (None: absent from the result)."""
        if o is None and t is None:
            return None
        if b is None:
            if o is None or t is None:
                return Keep(o if o is not None else t)  # type: ignore[arg-type]
            if same(o, t):
                return Keep(o)
            return self.both_changed(None, o, t, rule, trail)
        if o is None or t is None:
            kept = t if o is None else o
            assert kept is not None
            if same(kept, b, self.cosmetic):
                return None  # deleted; on the other side unchanged, or only moved on the canvas
            if rule.kind == COSMETIC:
                return None
            self.conflict(
                trail,
                "deleted in ours, changed in theirs"
                if o is None
                else "changed in ours, deleted in theirs",
            )
            return Choice(o, t)
        # a side whose text is the base's changed nothing; a side that only reformatted or
        # re-escaped changed its text, as a line merge sees it
        if verbatim(o, b) and not self.moved_in(t, b, OURS):
            return Keep(t)
        if verbatim(t, b) and not self.moved_in(o, b, THEIRS):
            return Keep(o)
        if same(o, t):
            return Keep(o)
        if same(o, b):
            if not self.moved_in(t, b, OURS):
                return Keep(t)
        elif same(t, b) and not self.moved_in(o, b, THEIRS):
            return Keep(o)
        return self.both_changed(b, o, t, rule, trail)

    def both_changed(self, b: Node | None, o: Node, t: Node, rule: Rule, trail: Trail) -> Out:
        if rule.kind == COSMETIC:
            return Keep(o)
        if o.is_leaf or t.is_leaf:
            detail = f"{value_text(o)} vs {value_text(t)}"
            if o.is_leaf and t.is_leaf:
                # the value from the side that changed it, the comment before it likewise
                value_o, value_t = (o.attributes(), o.value), (t.attributes(), t.value)
                value_b = (b.attributes(), b.value) if b is not None and b.is_leaf else None
                if value_o == value_t or value_b in (value_o, value_t):
                    note_side = _note_side(b, o, t, "lead")
                    if note_side is not None:
                        kept = t if value_o == value_b and value_t != value_b else o
                        return Keep(kept, (o if note_side == OURS else t).lead)
                    detail = "comments changed on both sides"
            self.conflict(trail, detail)
            return Choice(o, t)
        start_tag = o.start_tag
        if o.attributes() != t.attributes():
            base_attrs = b.attributes() if b is not None else None
            if o.attributes() == base_attrs:
                start_tag = t.start_tag
            elif t.attributes() != base_attrs:
                self.conflict(trail, f"attributes {o.attrs.strip()} vs {t.attrs.strip()}")
                return Choice(o, t)
        notes = [_note_side(b, o, t, "lead"), _note_side(b, o, t, "inner_tail")]
        if None in notes:
            self.conflict(trail, "comments changed on both sides")
            return Choice(o, t)
        children = self.children(
            b.children if b is not None else [], o.children, t.children, rule.children, trail, False
        )
        lead, tail = ((o if side == OURS else t) for side in notes)
        return Build(o, start_tag, children, lead.lead, tail.inner_tail)

    def entry(self, out: Out | None, b: Node | None, trail: Trail) -> Out | None:
        """An entry whose merge left a choice below becomes a conflict around the entry."""
        if out is None or not bubbles(out):
            return out
        base: list[Out] = [Keep(b)] if b is not None else []
        clash = Clash(project(out, OURS), project(out, THEIRS), base)
        clash.ident, clash.origin = out.ident, out.origin
        return clash

    def children(
        self,
        bs: Sequence[Node],
        os: Sequence[Node],
        ts: Sequence[Node],
        rules: Mapping[str, Rule],
        trail: Trail,
        at_root: bool,
    ) -> list[Out]:
        """The merged children of one element, list by list (a list: the children with one
        tag, which Salesforce writes next to each other)."""
        runs = [tag_runs(bs), tag_runs(os), tag_runs(ts)]
        if any(r is None for r in runs):
            return self.flat(bs, os, ts, rules, trail, at_root)
        bg, og, tg = (r for r in runs if r is not None)  # for the type checker
        merged: dict[str, list[Out]] = {}
        for tag in {**bg, **og, **tg}:
            rule = self.rule(tag, rules, bg.get(tag, ()), og.get(tag, ()), tg.get(tag, ()))
            merged[tag] = self.group(
                tag, rule, bg.get(tag, []), og.get(tag, []), tg.get(tag, []), trail, at_root
            )
        order = merged_order(list(bg), list(og), list(tg), merged)
        return [out for tag in order for out in merged[tag]]

    def rule(self, tag: str, rules: Mapping[str, Rule], *versions: Sequence[Node]) -> Rule:
        """The rule for a tag: from the key table, else guessed from what the versions hold."""
        rule = rules.get(tag) or self.anywhere.get(tag)
        if rule is not None:
            if rule.kind == SINGLE and any(len(v) > 1 for v in versions):
                return seq(rule.children)
            return rule
        if all(len(v) <= 1 for v in versions):
            return single()
        for name in ("fullName", "name"):
            if all(unique_names(v, name) for v in versions):
                return keyed(name, ordered=True)
        return seq()

    def group(
        self,
        tag: str,
        rule: Rule,
        bs: Sequence[Node],
        os: Sequence[Node],
        ts: Sequence[Node],
        trail: Trail,
        at_root: bool,
    ) -> list[Out]:
        """The merge of the children with one tag."""
        if rule.kind in (SINGLE, COSMETIC):
            b, o, t = (v[0] if v else None for v in (bs, os, ts))
            here = (*trail, (tag, at_root))
            out = self.node(b, o, t, rule, here)
            if at_root:
                out = self.entry(out, b, here)
            return [out] if out is not None else []
        keys = Keys.of({tag: rule}, bs, os, ts)
        if rule.ordered:
            return self.ordered(tag, rule, keys, bs, os, ts, trail)
        return self.unordered(tag, rule, keys, bs, os, ts, trail)

    def flat(
        self,
        bs: Sequence[Node],
        os: Sequence[Node],
        ts: Sequence[Node],
        rules: Mapping[str, Rule],
        trail: Trail,
        at_root: bool,
    ) -> list[Out]:
        """Children whose lists are interleaved: merged as one ordered sequence of entries,
        each named by its tag and key."""
        tags = {n.tag for v in (bs, os, ts) for n in v}
        per_tag = {
            tag: self.rule(tag, rules, *([n for n in v if n.tag == tag] for v in (bs, os, ts)))
            for tag in tags
        }
        keys = Keys.of(per_tag, bs, os, ts)
        return self.ordered("", seq(), keys, bs, os, ts, trail, per_tag)

    def item(
        self,
        keys: Keys,
        rule: Rule,
        b: Node | None,
        o: Node | None,
        t: Node | None,
        ident: Ident,
        trail: Trail,
        origin: str,
    ) -> Out | None:
        """One list entry, merged, as an entry (a conflict below it wraps it)."""
        sample = o if o is not None else t if t is not None else b
        if b is not None and not keys.named(ident):
            sample = b  # an entry without a name is shown as it was
        assert sample is not None
        here = (*trail, (Label(keys, sample, ident), True))
        out = self.entry(self.node(b, o, t, rule, here), b, here)
        if out is not None:
            out.ident, out.origin = ident, origin
        return out


def _note_side(b: Node | None, o: Node, t: Node, where: str) -> str | None:
    """Whose comments (before an element, or before its end tag) the merge keeps: OURS,
    THEIRS, or None when both changed them differently."""
    ours, theirs = comments(getattr(o, where)), comments(getattr(t, where))
    if ours == theirs:
        return OURS
    base = comments(getattr(b, where)) if b is not None else ()
    if ours == base:
        return THEIRS
    return OURS if theirs == base else None


def merge_documents(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    path: str,
    *,
    marker_size: int,
    labels: tuple[str, str, str],
    diff3: bool,
) -> MergeResult:
    """Merge three versions of a metadata file by element (`Unmergeable` when it cannot)."""
    from sfsync.metadata.merge import MergeResult
    from sfsync.metadata.merge.schemas import SCHEMAS
    from sfsync.metadata.merge.types import component, file_type, is_manifest

    ft = file_type(path)
    schema = SCHEMAS["Manifest" if is_manifest(path) or ft is None else ft.schema]
    o, t = _parse(ours, "ours"), _parse(theirs, "theirs")
    # both sides added the file (git gives an empty base): merged from nothing
    b = _parse(base, "base") if base.strip() else _empty_like(o)
    if not (b.root.tag == o.root.tag == t.root.tag):
        raise Unmergeable(
            f"the root element differs (<{b.root.tag}>, <{o.root.tag}>, <{t.root.tag}>)"
        )
    prolog = _pick(b.prolog, o.prolog, t.prolog, "the XML declaration")
    epilogue = _pick(b.epilogue, o.epilogue, t.epilogue, "the end of the file")
    root_tag = _pick(
        _attrs_key(b.root), _attrs_key(o.root), _attrs_key(t.root), "the root element's attributes"
    )
    start_tag = o.root.start_tag if root_tag == _attrs_key(o.root) else t.root.start_tag
    merger = Merger(schema, path, component(path))
    merger.index_files(b.root, o.root, t.root)
    children = merger.children(
        b.root.children, o.root.children, t.root.children, schema.root, (), True
    )
    children = merger.once_in_file(children)
    tail_side = _note_side(b.root, o.root, t.root, "inner_tail")
    if tail_side is None:
        raise Unmergeable("the comments at the end of the file changed on both sides")
    tail = (o.root if tail_side == OURS else t.root).inner_tail
    root = Build(o.root, start_tag, children, lead="", tail=tail)  # the prolog holds its lead
    newline = o.newline
    if t.newline != o.newline and base.strip() and o.newline == b.newline:
        newline = t.newline  # only theirs changed the line endings: theirs' are taken
    writer = Writer(newline, marker_size, labels, diff3)
    writer.emit(prolog)
    writer.build(root)
    writer.emit(epilogue)
    text = "".join(writer.parts)
    if t.newline != o.newline:
        # one side turned the file to CRLF or LF: entries taken from each side would mix
        # both; the result gets the line endings of the side that changed them (ours' when
        # both did), throughout
        text = text.replace("\r\n", "\n")
        if newline == "\r\n":
            text = text.replace("\n", "\r\n")
    return MergeResult(
        content=text.encode("utf-8"),
        conflicts=tuple(merger.conflicts),
        by_element=True,
        fallback_reason=None,
    )


_MARKER = re.compile(rb"^(?:<{7,}|>{7,})(?: |\r?$)", re.MULTILINE)  # longer: git's inner merges


def _parse(data: bytes, side: str) -> Document:
    """`parse`, its refusal naming the version (and conflict markers someone committed)."""
    try:
        return parse(data)
    except Unmergeable as exc:
        marker = _MARKER.search(data)
        if marker is not None:
            line = data.count(b"\n", 0, marker.start()) + 1
            # in the base of a criss-cross merge they are git's own (its merge of the bases)
            how = "" if side == "base" else ": committed unresolved"
            raise Unmergeable(f"{side} holds conflict markers (line {line}{how})") from None
        raise Unmergeable(f"{side}: {exc}") from None


def _empty_like(doc: Document) -> Document:
    """A base holding nothing: ours' root without children, nothing around it."""
    root = doc.root
    empty = Node(root.qname, root.text, root.start, root.open_end, "", root.attrs)
    return Document(doc.text, "", empty, "", doc.newline)


def _attrs_key(node: Node) -> tuple[tuple[str, str], ...]:
    return node.attributes()


def _pick(base: _V, ours: _V, theirs: _V, what: str) -> _V:
    """Three-way choice of a value the element merge does not split."""
    if ours in (base, theirs):
        return theirs if ours == base else ours
    if theirs == base:
        return ours
    raise Unmergeable(f"{what} changed on both sides")
