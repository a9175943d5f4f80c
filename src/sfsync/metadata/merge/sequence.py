"""Three-way merge of sequences of entry names (an ordered list's entries, by key).

Each side's changes against base are hunks (a stretch of base replaced by a stretch of the
side). Hunks of the two sides that overlap, or insert at the same place, are one stretch
both sides changed; the caller decides whether they agree. The others apply as they are, so
changes to neighbouring entries both go through (unlike a line merge, a change next to the
other side's change is no conflict), while an insertion at the place where the other side
inserted something else is.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Hunk:
    """Base[b1:b2] replaced by ours[s1:s2] (side "o") or theirs[s1:s2] (side "t"); for a
    stretch both changed (side "both"), ours[s1:s2] and theirs[t1:t2]."""

    side: str
    b1: int
    b2: int
    s1: int
    s2: int
    t1: int = 0
    t2: int = 0


@dataclass(frozen=True)
class Step:
    """One step of the merged sequence: an entry in all three ("same": indexes into base,
    ours, theirs), a change of one side ("one") or a stretch both changed ("both")."""

    kind: str
    base: int = -1
    ours: int = -1
    theirs: int = -1
    hunk: Hunk = Hunk("", 0, 0, 0, 0)


def _hunks(
    base: Sequence[Hashable], side: Sequence[Hashable], name: str
) -> tuple[list[Hunk], dict[int, int]]:
    """The side's hunks against base, and where each unchanged base entry is in the side."""
    if list(base) == list(side):
        return [], {i: i for i in range(len(base))}
    matcher = SequenceMatcher(None, base, side, autojunk=False)
    hunks: list[Hunk] = []
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                mapping[i1 + k] = j1 + k
        else:
            hunks.append(Hunk(name, i1, i2, j1, j2))
    return hunks, mapping


def align(
    base: Sequence[Hashable], ours: Sequence[Hashable], theirs: Sequence[Hashable]
) -> list[Step]:
    """The steps that build the merged sequence, in order."""
    ours_hunks, ours_at = _hunks(base, ours, "o")
    theirs_hunks, theirs_at = _hunks(base, theirs, "t")
    # a stretch of overlapping hunks: [lo, hi) of base and the hunks in it
    units: list[tuple[int, int, list[Hunk]]] = []
    for hunk in sorted(ours_hunks + theirs_hunks, key=lambda h: (h.b1, h.b2 > h.b1)):
        if units:
            lo, hi, members = units[-1]
            empty = hunk.b1 == hunk.b2
            overlaps = (
                (not empty and hunk.b1 < hi)
                or (empty and lo < hunk.b1 < hi)
                or (empty and lo == hi == hunk.b1)
            )
            if overlaps:
                units[-1] = (lo, max(hi, hunk.b2), [*members, hunk])
                continue
        units.append((hunk.b1, hunk.b2, [hunk]))
    steps: list[Step] = []
    pos = 0
    for lo, hi, members in units:
        for k in range(pos, lo):
            steps.append(Step("same", k, ours_at[k], theirs_at[k]))
        sides = {h.side for h in members}
        if len(sides) == 1:
            assert len(members) == 1
            steps.append(Step("one", hunk=members[0]))
        else:
            o = [h for h in members if h.side == "o"]
            t = [h for h in members if h.side == "t"]
            s1 = o[0].s1 - (o[0].b1 - lo)
            s2 = o[-1].s2 + (hi - o[-1].b2)
            t1 = t[0].s1 - (t[0].b1 - lo)
            t2 = t[-1].s2 + (hi - t[-1].b2)
            steps.append(Step("both", hunk=Hunk("both", lo, hi, s1, s2, t1, t2)))
        pos = max(pos, hi)
    for k in range(pos, len(base)):
        steps.append(Step("same", k, ours_at[k], theirs_at[k]))
    return steps
