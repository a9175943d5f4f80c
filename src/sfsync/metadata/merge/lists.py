"""How lists merge: per key when their order means nothing, as sequences when it does.

A mix-in of `engine.Merger`, which brings the merge of one entry (`item`) and the record of
conflicts (`conflict`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sfsync.metadata.merge.keys import Keys, Trail, key
from sfsync.metadata.merge.order import keeps_moves, merged_order
from sfsync.metadata.merge.pieces import (
    BASE,
    BOTH,
    OURS,
    THEIRS,
    Build,
    Clash,
    Ident,
    Keep,
    Out,
    kept,
    node_of,
    project,
)
from sfsync.metadata.merge.rules import Rule, Schema
from sfsync.metadata.merge.xmltree import Node, same


class ListMerges:
    """The list merges of a `Merger`."""

    schema: Schema
    cosmetic: frozenset[str]
    files: dict[str, dict[Ident, Node]]

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
        raise NotImplementedError

    def conflict(self, trail: Trail, detail: str) -> None:
        raise NotImplementedError

    def unordered(
        self,
        tag: str,
        rule: Rule,
        keys: Keys,
        bs: Sequence[Node],
        os: Sequence[Node],
        ts: Sequence[Node],
        trail: Trail,
    ) -> list[Out]:
        """A list whose order means nothing: merged per key, placed where the sides put it."""
        bg, og, tg = keys.groups(bs, keys.b), keys.groups(os, keys.o), keys.groups(ts, keys.t)
        merged: dict[Ident, list[Out]] = {}
        repeated = False
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
                repeated = True
                kept = self.duplicates(keys, ident, bl, ol, tl, trail)
                # each copy of a repeated key placed as its own entry: (key, n) for the n-th
                merged[ident] = kept[:1]
                for n, out in enumerate(kept[1:], 1):
                    merged[(ident, n)] = [out]
        if not repeated:
            order = merged_order(list(bg), list(og), list(tg), merged)
        else:
            order = merged_order(_copies(keys.b), _copies(keys.o), _copies(keys.t), merged)
        return [out for ident in order for out in merged.get(ident, [])]

    def duplicates(
        self,
        keys: Keys,
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
        keys: Keys,
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
                    kept(o_slice, o_idents),
                    kept(t_slice, t_idents),
                    kept(bs[hunk.b1 : hunk.b2], bi[hunk.b1 : hunk.b2]),
                )
            )
        if moved[OURS] and moved[THEIRS] and not keeps_moves(result, bi, oi, ti, moved):
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
            for ident, origins in in_file(outs, unique).items()
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
                    side = project(out, out.origin)
                    clash = Clash(side, [], []) if out.origin == OURS else Clash([], side, [])
                    clash.ident, clash.origin = ident, out.origin
                    fixed.append(clash)
                    continue
                if isinstance(out, Build):
                    out.children = fix(out.children)
                fixed.append(out)
            return fixed

        return fix(outs)

    def placed_once(self, result: list[Out], keys: Keys, trail: Trail) -> list[Out]:
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
                    sample = node_of(out)
                    here = (
                        *trail,
                        (keys.label(sample, ident), True) if sample else (str(ident), True),
                    )
                    self.conflict(here, "ours and theirs put it in different places")
                ours_side = project(out, OURS)
                theirs_side = project(out, THEIRS)
                clash = (
                    Clash(ours_side, [], []) if out.origin == OURS else Clash([], theirs_side, [])
                )
                clash.ident, clash.origin = ident, out.origin
                fixed.append(clash)
            else:
                fixed.append(out)
        return fixed


def _copies(idents: Sequence[Ident]) -> list[Ident]:
    """Each identity once: the n-th copy of a repeated one as (identity, n)."""
    seen: dict[Ident, int] = {}
    out: list[Ident] = []
    for ident in idents:
        n = seen.get(ident, 0)
        seen[ident] = n + 1
        out.append(ident if n == 0 else (ident, n))
    return out


def in_file(outs: Sequence[Out], unique: Mapping[str, Rule]) -> dict[Ident, list[str]]:
    """Where each entry that may be once in a file is in the merged file: who put it there."""
    found: dict[Ident, list[str]] = {}

    def nodes(node: Node) -> None:
        for child in node.children:
            rule = unique.get(child.tag)
            ident = key(child.tag, child, rule) if rule is not None else None
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
        if rule is not None and ident is not None and Keys.named(ident):
            found.setdefault(ident, []).append(out.origin)
        if isinstance(out, Keep):
            nodes(out.node)
        elif isinstance(out, Build):
            for child in out.children:
                walk(child)

    for out in outs:
        walk(out)
    return found
