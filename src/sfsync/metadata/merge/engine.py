"""The element merge: three versions of one metadata file in, one merged file out.

Each element is merged three-way from what base, ours and theirs hold for it:

- an element one side changed takes that side; both sides making the same change is no
  conflict; a leaf both sides changed differently is a conflict;
- a list merges per entry (entries found by their key, see `schemas`); an unordered list
  keeps ours' order and puts what theirs added after the entry it follows in theirs; an
  ordered list merges as a sequence of entries, where changes from both sides to the same
  stretch (or insertions at the same place) are a conflict unless they are the same, and an
  entry both sides moved to different places, or one side moved and the other deleted, too;
- an entry one side deleted and the other changed is a conflict.

A conflict keeps both sides between git's markers around the conflicting entry only (an
entry: a list entry, or a direct child of the root element); inside the markers, each side
is the entry merged with the other side's non-conflicting changes, so either can be kept as
is. The rest of the file is merged, and every element nobody changed keeps its text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from sfsync.metadata.merge.rules import (
    COSMETIC,
    KEYED,
    LEAVES,
    POSITIONAL,
    SINGLE,
    Rule,
    Schema,
    keyed,
    seq,
    single,
)
from sfsync.metadata.merge.xmltree import Document, Node, Unmergeable, comments, parse, same

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sfsync.metadata.merge import Conflict, MergeResult

__all__ = ["Unmergeable", "merge_documents"]

_VALUE_WIDTH = 60  # longer values are cut in a conflict's description
OURS, THEIRS, BOTH, BASE = "o", "t", "b", "base"
if TYPE_CHECKING:
    from collections.abc import Hashable
    from typing import TypeVar

    _K = TypeVar("_K", bound=Hashable)
    _V = TypeVar("_V")
Ident = tuple[object, ...]
# (label, is an entry) from the root down; a label is worked out only for a conflict
Trail = tuple[tuple["str | _Label", bool], ...]


class _Label:
    """How a conflict names a list entry, worked out when a conflict needs it."""

    __slots__ = ("ident", "keys", "node")

    def __init__(self, keys: _Keys, node: Node, ident: Ident) -> None:
        self.keys, self.node, self.ident = keys, node, ident

    def __str__(self) -> str:
        return self.keys.label(self.node, self.ident)


# --- what the merge produces -----------------------------------------------------------------


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
        self.bubbles = any(_bubbles(c) for c in children)


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


def _bubbles(out: Out) -> bool:
    return isinstance(out, Choice) or (isinstance(out, Build) and out.bubbles)


def _project(out: Out, side: str) -> list[Out]:
    """One side's version of a merged piece: every choice and conflict below resolved to it."""
    if isinstance(out, Choice):
        node = out.ours if side == OURS else out.theirs
        return [Keep(node)] if node is not None else []
    if isinstance(out, Clash):
        return [
            p for item in (out.ours if side == OURS else out.theirs) for p in _project(item, side)
        ]
    if isinstance(out, Build):
        built = Build(
            out.template,
            out.start_tag,
            [p for c in out.children for p in _project(c, side)],
            out.lead,
            out.tail,
        )
        built.ident, built.origin = out.ident, out.origin
        return [built]
    return [out]


# --- the merge ----------------------------------------------------------------------------------


class Merger:
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
                self.files[side] = _unique_index(root, self.unique)

    def moved_in(self, kept: Node, base: Node | None, other: str) -> bool:
        """Whether a subtree one side changed holds an entry that may be once in the file,
        brought in from elsewhere or added, that the other side has too (in its old place, or
        in another): the subtree is then merged, not taken whole, so that the other side's
        changes to the entry, or its own move of it, are seen."""
        if not self.unique:
            return False
        here = _unique_index(base, self.unique) if base is not None else {}
        other_file = self.files[other]
        return any(
            ident not in here and ident in other_file for ident in _unique_index(kept, self.unique)
        )

    # conflicts

    def conflict(self, trail: Trail, detail: str) -> None:
        from sfsync.metadata.merge import Conflict

        last = max((i for i, (_, entry) in enumerate(trail) if entry), default=-1)
        entry = " > ".join(str(label) for label, _ in trail[: last + 1])
        rest = " > ".join(str(label) for label, _ in trail[last + 1 :])
        text = f"{rest} {detail}" if rest else detail
        self.conflicts.append(Conflict(self.path, self.component, entry, text))

    # elements

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
            detail = f"{_value(o)} vs {_value(t)}"
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
        if out is None or not _bubbles(out):
            return out
        base: list[Out] = [Keep(b)] if b is not None else []
        clash = Clash(_project(out, OURS), _project(out, THEIRS), base)
        clash.ident, clash.origin = out.ident, out.origin
        return clash

    # children

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
        runs = [_runs(bs), _runs(os), _runs(ts)]
        if any(r is None for r in runs):
            return self.flat(bs, os, ts, rules, trail, at_root)
        bg, og, tg = (r for r in runs if r is not None)  # for the type checker
        merged: dict[str, list[Out]] = {}
        for tag in {**bg, **og, **tg}:
            rule = self.rule(tag, rules, bg.get(tag, ()), og.get(tag, ()), tg.get(tag, ()))
            merged[tag] = self.group(
                tag, rule, bg.get(tag, []), og.get(tag, []), tg.get(tag, []), trail, at_root
            )
        order = _merged_order(list(bg), list(og), list(tg), merged)
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
            if all(_unique_names(v, name) for v in versions):
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
        keys = _Keys.of({tag: rule}, bs, os, ts)
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
        keys = _Keys.of(per_tag, bs, os, ts)
        return self.ordered("", seq(), keys, bs, os, ts, trail, per_tag)

    # lists

    def item(
        self,
        keys: _Keys,
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
        here = (*trail, (_Label(keys, sample, ident), True))
        out = self.entry(self.node(b, o, t, rule, here), b, here)
        if out is not None:
            out.ident, out.origin = ident, origin
        return out

    def unordered(
        self,
        tag: str,
        rule: Rule,
        keys: _Keys,
        bs: Sequence[Node],
        os: Sequence[Node],
        ts: Sequence[Node],
        trail: Trail,
    ) -> list[Out]:
        """A list whose order means nothing: merged per key, in ours' order."""
        bg, og, tg = keys.groups(bs, keys.b), keys.groups(os, keys.o), keys.groups(ts, keys.t)
        merged: dict[Ident, list[Out]] = {}
        for ident in {**bg, **og, **tg}:
            bl, ol, tl = bg.get(ident, []), og.get(ident, []), tg.get(ident, [])
            if len(bl) <= 1 and len(ol) <= 1 and len(tl) <= 1:
                out = self.item(
                    keys,
                    rule,
                    bl[0] if bl else None,
                    ol[0] if ol else None,
                    tl[0] if tl else None,
                    ident,
                    trail,
                    BOTH if ol else THEIRS,
                )
                merged[ident] = [out] if out is not None else []
            else:
                merged[ident] = self.duplicates(keys, ident, bl, ol, tl, trail)
        order = _merged_order(list(bg), list(og), list(tg), merged)
        return [out for ident in order for out in merged[ident]]

    def duplicates(
        self,
        keys: _Keys,
        ident: Ident,
        bl: list[Node],
        ol: list[Node],
        tl: list[Node],
        trail: Trail,
    ) -> list[Out]:
        """Entries sharing one key in a version: taken whole from the side that changed
        them; a conflict when both did, never a dropped entry."""
        sig_b, sig_o, sig_t = ([n.sig() for n in v] for v in (bl, ol, tl))
        if sig_o in (sig_b, sig_t):
            chosen = tl if sig_o == sig_b else ol
            return [Keep(n) for n in chosen]
        if sig_t == sig_b:
            return [Keep(n) for n in ol]
        sample = (ol or tl or bl)[0]
        label = keys.label(sample, ident)
        self.conflict(
            (*trail, (label, True)),
            f"duplicated key, changed on both sides ({len(ol)} vs {len(tl)} entries)",
        )
        clash = Clash([Keep(n) for n in ol], [Keep(n) for n in tl], [Keep(n) for n in bl])
        clash.ident = ident
        return [clash]

    def ordered(
        self,
        tag: str,
        rule: Rule,
        keys: _Keys,
        bs: Sequence[Node],
        os: Sequence[Node],
        ts: Sequence[Node],
        trail: Trail,
        per_tag: Mapping[str, Rule] | None = None,
    ) -> list[Out]:
        """A list whose order means something: merged as a sequence of entries."""
        from sfsync.metadata.merge.sequence import Hunk, align

        bi, oi, ti = keys.b, keys.o, keys.t
        plan = align(bi, oi, ti)
        o_ids, t_ids = set(oi), set(ti)
        b_at = {ident: n for ident, n in zip(bi, bs, strict=True) if keys.named(ident)}
        o_at = {ident: n for ident, n in zip(oi, os, strict=True) if keys.named(ident)}
        t_at = {ident: n for ident, n in zip(ti, ts, strict=True) if keys.named(ident)}
        if rule.unique_in_file and per_tag is None:
            # an entry that may be once in the file and is elsewhere in it was moved there
            b_at = {**self.files[BASE], **b_at}
            o_at = {**self.files[OURS], **o_at}
            t_at = {**self.files[THEIRS], **t_at}
            o_ids |= self.files[OURS].keys()
            t_ids |= self.files[THEIRS].keys()

        def rule_of(node: Node) -> Rule:
            return per_tag[node.tag] if per_tag is not None else rule

        def merged(
            ident: Ident, b: Node | None, o: Node | None, t: Node | None, origin: str
        ) -> Out | None:
            sample = o if o is not None else t if t is not None else b
            assert sample is not None
            return self.item(keys, rule_of(sample), b, o, t, ident, trail, origin)

        result: list[Out] = []
        moved: dict[str, set[Ident]] = {OURS: set(), THEIRS: set()}
        for step in plan:
            if step.kind == "same":
                # an entry neither side moved: its content merged
                ident = bi[step.base]
                out = merged(ident, bs[step.base], os[step.ours], ts[step.theirs], BOTH)
                if out is not None:
                    result.append(out)
                continue
            hunk: Hunk = step.hunk
            if step.kind == "one":
                side = hunk.side
                nodes_side = os if side == OURS else ts
                other_ids, other_at = (t_ids, t_at) if side == OURS else (o_ids, o_at)
                side_ids = o_ids if side == OURS else t_ids
                for k in range(hunk.b1, hunk.b2):
                    ident = bi[k]
                    if not keys.named(ident) or ident in side_ids:
                        continue  # compared whole, or moved elsewhere by this side
                    other = other_at.get(ident)
                    if other is not None and not same(other, bs[k], self.cosmetic):
                        # deleted on one side, changed on the other
                        out = self.item(
                            keys,
                            rule_of(bs[k]),
                            bs[k],
                            None if side == OURS else other,
                            other if side == OURS else None,
                            ident,
                            trail,
                            BOTH,
                        )
                        if out is not None:
                            result.append(out)
                for j in range(hunk.s1, hunk.s2):
                    node = nodes_side[j]
                    ident = (oi if side == OURS else ti)[j]
                    if not keys.named(ident):
                        out = Keep(node)
                        out.ident, out.origin = ident, side
                        result.append(out)
                        continue
                    base = b_at.get(ident)
                    if base is not None and ident not in other_ids:
                        # moved on one side, deleted on the other
                        here = (*trail, (keys.label(node, ident), True))
                        self.conflict(
                            here,
                            "moved in ours, deleted in theirs"
                            if side == OURS
                            else "deleted in ours, moved in theirs",
                        )
                        clash = (
                            Clash([Keep(node)], [], [Keep(base)])
                            if side == OURS
                            else Clash([], [Keep(node)], [Keep(base)])
                        )
                        clash.ident, clash.origin = ident, side
                        result.append(clash)
                        continue
                    if base is not None:
                        moved[side].add(ident)
                    other = other_at.get(ident)
                    o_node, t_node = (node, other) if side == OURS else (other, node)
                    out = merged(ident, base, o_node, t_node, side)
                    if out is not None:
                        result.append(out)
                continue
            # both sides changed this stretch
            o_slice, t_slice = os[hunk.s1 : hunk.s2], ts[hunk.t1 : hunk.t2]
            o_idents, t_idents = oi[hunk.s1 : hunk.s2], ti[hunk.t1 : hunk.t2]
            if o_idents == t_idents:
                for ident, o_node, t_node in zip(o_idents, o_slice, t_slice, strict=True):
                    if keys.named(ident):
                        out = merged(ident, b_at.get(ident), o_node, t_node, BOTH)
                        if out is not None:
                            result.append(out)
                    else:
                        keep = Keep(o_node)
                        keep.ident = ident
                        result.append(keep)
                continue
            b_slice, b_idents = bs[hunk.b1 : hunk.b2], bi[hunk.b1 : hunk.b2]
            if len(b_slice) == len(o_slice) == len(t_slice) and not any(
                keys.named(i) for i in (*b_idents, *o_idents, *t_idents)
            ):
                # entries without a name changed in place on both sides: each one merged
                # with what was in its place (a conflict wraps only the entry)
                for b_node, o_node, t_node, ident in zip(
                    b_slice, o_slice, t_slice, b_idents, strict=True
                ):
                    rule_b = rule_of(b_node)
                    out = self.item(keys, rule_b, b_node, o_node, t_node, ident, trail, BOTH)
                    if out is not None:
                        out.ident = None
                        result.append(out)
                continue
            where = (*trail, (tag or "entries", True))
            self.conflict(
                where,
                f"{keys.summary(o_slice, o_idents)} vs {keys.summary(t_slice, t_idents)}",
            )
            result.append(
                Clash(
                    _kept(o_slice, o_idents),
                    _kept(t_slice, t_idents),
                    _kept(bs[hunk.b1 : hunk.b2], bi[hunk.b1 : hunk.b2]),
                )
            )
        if moved[OURS] and moved[THEIRS] and not _keeps_moves(result, bi, oi, ti, moved):
            # both sides moved entries, and one side's moves do not hold in the result
            where = (*trail, (tag or "entries", True))
            self.conflict(where, "the order changed on both sides")
            return [Clash([Keep(n) for n in os], [Keep(n) for n in ts], [Keep(n) for n in bs])]
        return self.placed_once(result, keys, trail)

    def once_in_file(self, outs: list[Out]) -> list[Out]:
        """An entry that may be once in a file (a field on a layout), put in two places by
        the two sides (in two sections, say), is a conflict at each place."""
        unique = self.schema.once_in_file()
        if not unique:
            return outs
        twice = {
            ident
            for ident, origins in _in_file(outs, unique).items()
            if len(origins) > 1 and any(origin != BOTH for origin in origins)
        }
        if not twice:
            return outs
        reported: set[Ident] = set()

        def fix(items: list[Out]) -> list[Out]:
            fixed: list[Out] = []
            for out in items:
                if out.ident in twice and out.origin != BOTH and not isinstance(out, Clash):
                    ident = out.ident
                    assert ident is not None
                    if ident not in reported:
                        reported.add(ident)
                        label = f"{ident[0]} {ident[-1]}"
                        self.conflict(
                            ((label, True),), "ours and theirs put it in different places"
                        )
                    side = _project(out, out.origin)
                    clash = Clash(side, [], []) if out.origin == OURS else Clash([], side, [])
                    clash.ident, clash.origin = ident, out.origin
                    fixed.append(clash)
                    continue
                if isinstance(out, Build):
                    out.children = fix(out.children)
                fixed.append(out)
            return fixed

        return fix(outs)

    def placed_once(self, result: list[Out], keys: _Keys, trail: Trail) -> list[Out]:
        """An entry both sides put in different places is a conflict at each place: whichever
        side of the conflicts is kept, an entry is then in the list once."""
        counts: dict[str, dict[Ident, int]] = {OURS: {}, THEIRS: {}}
        for out in result:
            for side, seen in counts.items():
                items = (
                    (out.ours if side == OURS else out.theirs) if isinstance(out, Clash) else [out]
                )
                for item in items:
                    if item.ident is not None and keys.named(item.ident):
                        seen[item.ident] = seen.get(item.ident, 0) + 1
        twice = {ident for seen in counts.values() for ident, n in seen.items() if n > 1}
        if not twice:
            return result
        fixed: list[Out] = []
        reported: set[Ident] = set()
        for out in result:
            if out.ident in twice and not isinstance(out, Clash) and out.origin != BOTH:
                ident = out.ident
                assert ident is not None
                if ident not in reported:
                    reported.add(ident)
                    sample = _sample(out)
                    here = (
                        *trail,
                        (keys.label(sample, ident), True) if sample else (str(ident), True),
                    )
                    self.conflict(here, "ours and theirs put it in different places")
                ours_side = _project(out, OURS)
                theirs_side = _project(out, THEIRS)
                clash = (
                    Clash(ours_side, [], []) if out.origin == OURS else Clash([], theirs_side, [])
                )
                clash.ident, clash.origin = ident, out.origin
                fixed.append(clash)
            else:
                fixed.append(out)
        return fixed


def _kept(nodes: Sequence[Node], idents: Sequence[Ident]) -> list[Out]:
    """Entries shown as they are in one version (a side of a conflict), with their names."""
    kept: list[Out] = []
    for node, ident in zip(nodes, idents, strict=True):
        keep = Keep(node)
        keep.ident = ident
        kept.append(keep)
    return kept


def _unique_index(root: Node, unique: Mapping[str, Rule]) -> dict[Ident, Node]:
    """The entries under `root` that may be once in a file, by key (repeated ones left out)."""
    found: dict[Ident, Node] = {}
    repeated: set[Ident] = set()
    stack = list(root.children)
    while stack:
        node = stack.pop()
        rule = unique.get(node.tag)
        if rule is not None:
            ident = _key(node.tag, node, rule)
            if ident is not None:
                if ident in found:
                    repeated.add(ident)
                found[ident] = node
        stack.extend(node.children)
    for ident in repeated:
        del found[ident]
    return found


def _in_file(outs: Sequence[Out], unique: Mapping[str, Rule]) -> dict[Ident, list[str]]:
    """Where each entry that may be once in a file is in the merged file: who put it there."""
    found: dict[Ident, list[str]] = {}

    def nodes(node: Node) -> None:
        for child in node.children:
            rule = unique.get(child.tag)
            ident = _key(child.tag, child, rule) if rule is not None else None
            if ident is not None:
                found.setdefault(ident, []).append(BOTH)
            nodes(child)

    def walk(out: Out) -> None:
        node = (
            out.node if isinstance(out, Keep) else out.template if isinstance(out, Build) else None
        )
        if node is None:
            return  # a conflict: its entries are shown, not merged
        rule = unique.get(node.tag)
        ident = out.ident if out.ident is not None else None
        if rule is not None and ident is not None and _Keys.named(ident):
            found.setdefault(ident, []).append(out.origin)
        if isinstance(out, Keep):
            nodes(out.node)
        elif isinstance(out, Build):
            for child in out.children:
                walk(child)

    for out in outs:
        walk(out)
    return found


def _keeps_moves(
    result: Sequence[Out],
    base: Sequence[Ident],
    ours: Sequence[Ident],
    theirs: Sequence[Ident],
    moved: Mapping[str, set[Ident]],
) -> bool:
    """Whether every entry a side moved has, in the result, that side's order against every
    entry whose order against it the side changed."""
    position = {out.ident: i for i, out in enumerate(result) if out.ident is not None}
    base_at = {ident: i for i, ident in enumerate(base)}
    for side, order in ((OURS, ours), (THEIRS, theirs)):
        side_at = {ident: i for i, ident in enumerate(order)}
        common = [i for i in order if i in base_at and i in position]
        if len(moved[side]) * len(common) > 4_000_000:
            return False  # too many moves on both sides to check: a conflict, never a guess
        for m in moved[side]:
            if m not in position or m not in base_at:
                continue
            for y in common:
                if y == m:
                    continue
                side_before = side_at[m] < side_at[y]
                if side_before != (base_at[m] < base_at[y]) and side_before != (
                    position[m] < position[y]
                ):
                    return False
    return True


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


def _sample(out: Out) -> Node | None:
    if isinstance(out, Keep):
        return out.node
    if isinstance(out, Build):
        return out.template
    return None


def _runs(nodes: Sequence[Node]) -> dict[str, list[Node]] | None:
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


def _unique_names(nodes: Sequence[Node], name: str) -> bool:
    seen = set()
    for node in nodes:
        value = node.field_value(name)
        if value is None or value in seen:
            return False
        seen.add(value)
    return True


def _merged_order(
    base: Sequence[_K],
    ours: Sequence[_K],
    theirs: Sequence[_K],
    merged: Mapping[_K, list[Out]],
) -> list[_K]:
    """The order of a list whose order means nothing, as near as can be to what each side
    did to it: an entry one side moved is where that side put it, an entry one side added is
    where that side added it. Where both sides reordered or added at one place, ours' order
    first (what only theirs added in sort order with it when both are sorted); never a
    conflict."""
    from sfsync.metadata.merge.sequence import align

    placed: set[_K] = set()
    if ours == theirs or base == theirs:
        order: list[_K] = [i for i in ours if merged.get(i)]
    elif base == ours:
        order = [i for i in theirs if merged.get(i)]
    else:
        order = []
        in_ours, in_theirs = set(ours), set(theirs)

        def put(items: Sequence[_K]) -> None:
            for ident in items:
                if ident not in placed and merged.get(ident):
                    placed.add(ident)
                    order.append(ident)

        for step in align(base, ours, theirs):
            hunk = step.hunk
            if step.kind == "same":
                put([base[step.base]])
            elif step.kind == "one":
                side, kept = (ours, in_ours) if hunk.side == "o" else (theirs, in_theirs)
                # what this side deleted and the other changed stays where it was
                put([i for i in base[hunk.b1 : hunk.b2] if i not in kept])
                put(side[hunk.s1 : hunk.s2])
            else:
                mine, other = ours[hunk.s1 : hunk.s2], theirs[hunk.t1 : hunk.t2]
                new = [i for i in other if i not in in_ours]
                put(_sorted_merge(mine, new) or [*mine, *new])
                put(other)
                put(base[hunk.b1 : hunk.b2])
    placed = set(order)
    if len(placed) < sum(1 for i in merged if merged[i]):
        # an entry deleted on one side and changed on the other: where the other side has it
        for version in (ours, theirs, base):
            after: _K | None = None
            for ident in version:
                if ident not in placed and merged.get(ident):
                    order.insert(order.index(after) + 1 if after is not None else 0, ident)
                    placed.add(ident)
                if ident in placed:
                    after = ident
    if _is_sorted(ours) and _is_sorted(theirs):
        try:
            return sorted(order)  # type: ignore[type-var]  # sorted lists stay sorted
        except TypeError:
            pass
    return order


def _unordered_order(
    base: Sequence[_K],
    ours: Sequence[_K],
    theirs: Sequence[_K],
    merged: Mapping[_K, list[Out]],
) -> list[_K]:
    """Ours' order with what only theirs has: where it sorts when ours is sorted (Salesforce
    writes most of these lists sorted), else after the entry it follows in theirs (past
    entries only ours added that sort before it)."""
    in_ours = set(ours)
    added = [i for i in theirs if i not in in_ours and merged.get(i)]
    if not added:
        return list(ours)
    by_sort = _sorted_merge(ours, added) if _is_sorted(theirs) else None
    if by_sort is not None:
        return by_sort
    in_base = set(base)
    in_theirs = set(theirs)
    head: object = _HEAD
    nxt: dict[object, object] = {}
    prev: object = head
    for ident in ours:
        nxt[prev] = ident
        prev = ident
    nxt[prev] = _TAIL
    anchor: object = head
    for ident in theirs:
        if ident in in_ours:
            anchor = ident
            continue
        if not merged.get(ident):
            continue  # deleted: nothing to place
        at = anchor
        while True:
            follower = nxt[at]
            if (
                follower is _TAIL
                or follower in in_base
                or follower in in_theirs
                or not _before(follower, ident)
            ):
                break
            at = follower
        nxt[ident] = nxt[at]
        nxt[at] = ident
        anchor = ident
    order: list[_K] = []
    at = nxt[head]
    while at is not _TAIL:
        order.append(at)  # type: ignore[arg-type]
        at = nxt[at]
    # what base had and neither side has now was deleted; base-only entries that stay
    # (deleted on one side, changed on the other) are among ours or theirs already
    return order


def _is_sorted(items: Sequence[_K]) -> bool:
    try:
        return not any(b < a for a, b in pairwise(items))  # type: ignore[operator]
    except TypeError:
        return False


def _sorted_merge(ours: Sequence[_K], added: Sequence[_K]) -> list[_K] | None:
    """Both lists merged in sort order, when both are sorted; else None."""
    try:
        if not _is_sorted(ours) or not _is_sorted(added):
            return None
        out: list[_K] = []
        i = j = 0
        while i < len(ours) and j < len(added):
            if added[j] < ours[i]:  # type: ignore[operator]
                out.append(added[j])
                j += 1
            else:
                out.append(ours[i])
                i += 1
        return out + list(ours[i:]) + list(added[j:])
    except TypeError:
        return None


class _Marker:
    __slots__ = ()


_HEAD, _TAIL = _Marker(), _Marker()


def _before(a: object, b: object) -> bool:
    try:
        return bool(a < b)  # type: ignore[operator]
    except TypeError:
        return False


def _value(node: Node | None) -> str:
    """A value as a conflict's description shows it."""
    if node is None:
        return "(none)"
    if not node.is_leaf:
        return "(changed)"
    text = node.value
    if text == "":
        return '""'
    text = " ".join(text.split()) if len(text) > _VALUE_WIDTH or "\n" in text else text
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 1] + "…"
    return text


class _Keys:
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
    ) -> _Keys:
        """The identities of entries whose tags all have a rule in `rules`."""
        keys = cls(rules)
        versions = (bs, os, ts)
        if len(rules) == 1:
            ((tag, rule),) = rules.items()
            keys.b, keys.o, keys.t = _identities(tag, rule, versions)
            return keys
        found: dict[int, Ident] = {}
        for tag, rule in rules.items():
            parts = tuple([n for n in v if n.tag == tag] for v in versions)
            for nodes, idents in zip(parts, _identities(tag, rule, parts), strict=True):
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
            return f"{node.tag} {_short(ident[2])}"
        if kind == "p":
            return f"{node.tag} #{int(str(ident[2])) + 1}"
        return f"{node.tag} ({_gist(node)})"

    def summary(self, nodes: Sequence[Node], idents: Sequence[Ident]) -> str:
        if not nodes:
            return "(none)"
        names = []
        for node, ident in zip(nodes, idents, strict=True):
            if not self.named(ident) and ident[1] != "p":
                names.append(_gist(node))
                continue
            label = self.label(node, ident)
            names.append(label[len(node.tag) + 1 :] if label.startswith(node.tag + " ") else label)
        return ", ".join(names)


def _identities(
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
            named = [[_key(tag, n, rule) for n in v] for v in versions]
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


def _key(tag: str, node: Node, rule: Rule) -> Ident | None:
    if len(rule.key) == 1 and not rule.first and "|" not in rule.key[0]:
        value = node.field_value(rule.key[0])
        return None if value is None else (tag, "k", value)
    if rule.first:
        for path in rule.key:
            value = _key_part(node, path)
            if value is not None:
                return (tag, "k", path, value)
        return None
    values = [_key_part(node, path) for path in rule.key]
    if all(v is None for v in values):
        return None
    return (tag, "k", *(v or "" for v in values))


def _key_part(node: Node, path: str) -> str | None:
    """A key field's value; `layout|object` is the object a layout name starts with."""
    path, _, transform = path.partition("|")
    value = node.field_value(path)
    if value is not None and transform == "object":
        value = value.partition("-")[0]
    return value


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _gist(node: Node) -> str:
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
        return _short(node.value)
    walk(node)
    return _short(" ".join(words)) or node.tag


# --- writing ------------------------------------------------------------------------------------


class Writer:
    """Writes the merged tree: untouched elements as they were, conflicts between markers."""

    def __init__(
        self, newline: str, marker_size: int, labels: tuple[str, str, str], diff3: bool
    ) -> None:
        self.parts: list[str] = []
        self.at_line_start = False
        self.newline = newline
        self.marker_size = marker_size
        self.labels = labels
        self.diff3 = diff3

    def emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.at_line_start = text.endswith("\n")

    def lead(self, whitespace: str) -> None:
        if self.at_line_start and "\n" in whitespace:
            whitespace = whitespace[whitespace.index("\n") + 1 :]
        self.emit(whitespace)

    def write(self, out: Out) -> None:
        if isinstance(out, Keep):
            self.lead(out.node.lead if out.lead is None else out.lead)
            self.emit(out.node.raw)
        elif isinstance(out, Build):
            self.build(out)
        elif isinstance(out, Clash):
            self.clash(out)
        else:  # a Choice outside an entry cannot happen: entries turn them into clashes
            raise AssertionError("unresolved choice")

    def build(self, out: Build) -> None:
        node = out.template
        self.lead(out.lead)
        start = out.start_tag
        if node.self_closing:
            start = start[:-2].rstrip() + ">"
        if not out.children:
            if node.children:
                inner = out.tail  # every child gone: the end tag on its own line
            elif node.self_closing:
                inner = ""
            else:
                inner = node.text[node.open_end : node.close_start]
            self.emit(start + (inner if not inner.strip() or "<!--" in inner else ""))
            self.emit(f"</{node.qname}>")
            return
        self.emit(start)
        for child in out.children:
            self.write(child)
        if node.children:
            self.lead(out.tail)
        else:
            indent = node.lead.rpartition("\n")[2]
            self.lead(self.newline + indent)
        self.emit(f"</{node.qname}>")

    def marker(self, char: str, label: str) -> None:
        if not self.at_line_start:
            self.emit(self.newline)
        line = char * self.marker_size
        self.emit(f"{line} {label}{self.newline}" if label else line + self.newline)

    def clash(self, out: Clash) -> None:
        base_label, ours_label, theirs_label = self.labels
        self.marker("<", ours_label)
        for item in out.ours:
            self.write(item)
        if self.diff3:
            self.marker("|", base_label)
            for item in out.base:
                self.write(item)
        self.marker("=", "")
        for item in out.theirs:
            self.write(item)
        self.marker(">", theirs_label)


# --- the file -----------------------------------------------------------------------------------


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
    o, t = parse(ours), parse(theirs)
    # both sides added the file (git gives an empty base): merged from nothing
    b = parse(base) if base.strip() else _empty_like(o)
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
    writer = Writer(o.newline, marker_size, labels, diff3)
    writer.emit(prolog)
    writer.build(root)
    writer.emit(epilogue)
    return MergeResult(
        content="".join(writer.parts).encode("utf-8"),
        conflicts=tuple(merger.conflicts),
        by_element=True,
        fallback_reason=None,
    )


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
