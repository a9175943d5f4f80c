"""Where the entries of a merged list go.

`merged_order`: a list whose order means nothing keeps each side's moves and insertion
places, never a conflict; `keeps_moves`: whether an ordered list's merge kept each side's
moves (if not, both sides reordered it: a conflict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from sfsync.metadata.merge.pieces import OURS, THEIRS, Ident, Out

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Hashable
    from typing import TypeVar

    _K = TypeVar("_K", bound=Hashable)


def merged_order(
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
                put(sorted_merge(mine, new) or [*mine, *new])
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
    if is_sorted(ours) and is_sorted(theirs):
        try:
            return sorted(order)  # type: ignore[type-var]  # sorted lists stay sorted
        except TypeError:
            pass
    return order


def unordered_order(
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
    by_sort = sorted_merge(ours, added) if is_sorted(theirs) else None
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


def is_sorted(items: Sequence[_K]) -> bool:
    try:
        return not any(b < a for a, b in pairwise(items))  # type: ignore[operator]
    except TypeError:
        return False


def sorted_merge(ours: Sequence[_K], added: Sequence[_K]) -> list[_K] | None:
    """Both lists merged in sort order, when both are sorted; else None."""
    try:
        if not is_sorted(ours) or not is_sorted(added):
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


def keeps_moves(
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


class _Marker:
    __slots__ = ()


_HEAD, _TAIL = _Marker(), _Marker()


def _before(a: object, b: object) -> bool:
    try:
        return bool(a < b)  # type: ignore[operator]
    except TypeError:
        return False
