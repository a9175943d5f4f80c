"""How the children of an element merge: the vocabulary of the key tables.

A `Rule` says how the elements with one tag under one parent merge:

- `single`: at most one per parent; a leaf merges by value, a complex element child by child;
- `keyed`: a list whose entries are named by key fields (`fieldPermissions` by `field`),
  merged per key; `ordered=True` when the order means something (picklist values, layout
  items), then the list also merges as a sequence of keys;
- `seq`: an ordered list without a key (filter criteria, rule entries): a sequence of entries
  compared whole;
- `leaves`: a list of plain values (`<members>`, a layout's `customButtons`), as a set or,
  `ordered=True`, as a sequence;
- `positional`: entries that are what they are by position (a layout section's columns);
- `cosmetic`: a leaf whose change alone is never a conflict (a flow element's canvas
  position); if both sides move it, ours stays.

A tag without a rule is `single` when it occurs at most once, else a list keyed by
`fullName` or `name` when every entry has a distinct one, else `seq`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SINGLE = "single"
KEYED = "keyed"
SEQ = "seq"
LEAVES = "leaves"
POSITIONAL = "positional"
COSMETIC = "cosmetic"


@dataclass(frozen=True)
class Rule:
    """How elements with one tag, under one parent, merge."""

    kind: str
    key: tuple[str, ...] = ()  # leaf paths ("field", "layoutItem/field") naming an entry
    first: bool = False  # the key is the first present of `key` (one of several kinds)
    ordered: bool = False
    children: Mapping[str, Rule] = field(default_factory=dict)
    unique_in_file: bool = False  # an entry with this key may be once in the whole file


def single(children: Mapping[str, Rule] | None = None) -> Rule:
    return Rule(SINGLE, children=children or {})


def keyed(
    *key: str,
    ordered: bool = False,
    first: bool = False,
    children: Mapping[str, Rule] | None = None,
    unique_in_file: bool = False,
) -> Rule:
    return Rule(
        KEYED,
        key=key,
        first=first,
        ordered=ordered,
        children=children or {},
        unique_in_file=unique_in_file,
    )


def seq(children: Mapping[str, Rule] | None = None) -> Rule:
    return Rule(SEQ, ordered=True, children=children or {})


def leaves(*, ordered: bool = False) -> Rule:
    return Rule(LEAVES, ordered=ordered)


def positional(children: Mapping[str, Rule] | None = None) -> Rule:
    return Rule(POSITIONAL, ordered=True, children=children or {})


COSMETIC_LEAF = Rule(COSMETIC)


@dataclass(frozen=True)
class Schema:
    """The key table of one kind of file: the rules under its root element, and the rules
    that hold at any depth (`anywhere`: a flow's `processMetadataValues` and positions)."""

    root: Mapping[str, Rule]
    anywhere: Mapping[str, Rule] = field(default_factory=dict)

    def once_in_file(self) -> dict[str, Rule]:
        """The lists whose entries may each be once in the whole file (a field on a layout)."""
        found: dict[str, Rule] = {}
        seen: set[int] = set()

        def walk(rules: Mapping[str, Rule]) -> None:
            if id(rules) in seen:
                return
            seen.add(id(rules))
            for tag, rule in rules.items():
                if rule.unique_in_file:
                    found[tag] = rule
                walk(rule.children)

        walk(self.root)
        return found

    @property
    def cosmetic(self) -> frozenset[str]:
        """The leaves whose change alone never conflicts."""
        return frozenset(tag for tag, rule in self.anywhere.items() if rule.kind == COSMETIC)
