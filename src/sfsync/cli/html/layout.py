"""Where each env of the pipeline graph goes: a tree, the root at the top.

Each env is a node in a cell of a grid of columns and rows; above the node, in the same
cell, the label of the arrow that comes into it. An env's children sit in the rows below
it, in a block of columns of their own: first the children that have children (each with
its subtree), then the leaves (developer sandboxes, mostly) in a grid about as wide as it
is tall, of at most `LEAF_COLUMNS` columns, row after row. A parent is centred over its
block (or, for a graph wider than the screen, over its first column: the top at the
left), and blocks never share a column, so no two nodes and no two labels overlap,
however many envs there are (tests/test_dashboard_layout.py checks 50 envs in 5 tiers).

Arrows run from the parent's bottom down to a bus in the gap under its row, along the bus,
then down into the top of the child through its label: straight for a child in the first
row below, else first down the gutter left of the child's column to the gap above the
child's row, then across to it. So every label sits on its own arrow. Gutters and gaps
hold no node and no label, and each block's bus stays inside the block.

    placed = layout([("prod", None), ("uat", "prod"), ("dev1", "uat")])
    placed.nodes["uat"].node   # Box(x, y, w, h)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

NODE_W = 176
NODE_H = 64
LABEL_H = 44
GAP_X = 40
GAP_Y = 32
COL_W = NODE_W + GAP_X
ROW_H = LABEL_H + NODE_H + GAP_Y
MARGIN = 12
LEAF_COLUMNS = 4


@dataclass(frozen=True)
class Box:
    """A rectangle: x, y of the top left corner, width, height."""

    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        """True when the two share any area (touching edges do not count)."""
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    @property
    def cx(self) -> float:
        """The horizontal centre."""
        return self.x + self.w / 2


@dataclass(frozen=True)
class Placed:
    """One env: its node, the label of the arrow into it (None for a root) and the arrow's
    points from the parent to the child's edge."""

    name: str
    parent: str | None
    node: Box
    label: Box | None
    arrow: tuple[tuple[float, float], ...]
    column: float
    row: int


@dataclass(frozen=True)
class Layout:
    """The whole graph: its size and every env, in the order given."""

    width: float
    height: float
    nodes: dict[str, Placed]


def layout(envs: Sequence[tuple[str, str | None]], *, centred: bool = True) -> Layout:
    """Place `envs` ((name, parent or None), parents before their children); with
    `centred=False` each parent sits over the first column of its block instead of its
    middle, so the top of the pipeline is at the left (where a page opens a graph wider
    than the screen)."""
    names = [name for name, _ in envs]
    parent_of = dict(envs)
    children: dict[str, list[str]] = {name: [] for name in names}
    roots = []
    for name, parent in envs:
        if parent is None or parent not in children:
            roots.append(name)
        else:
            children[parent].append(name)
    centre: dict[str, float] = {}
    row_of: dict[str, int] = {}

    def place(name: str, first: float, row: int) -> float:
        column = first
        kids = children[name]
        for kid in (k for k in kids if children[k]):
            column += place(kid, column, row + 1)
        leaves = [k for k in kids if not children[k]]
        across = min(len(leaves), LEAF_COLUMNS, math.ceil(math.sqrt(len(leaves))))
        for index, leaf in enumerate(leaves):
            centre[leaf] = column + index % across + 0.5
            row_of[leaf] = row + 1 + index // across
        column += across
        width = max(1.0, column - first)
        centre[name] = first + width / 2 if centred else first + 0.5
        row_of[name] = row
        return width

    columns = 0.0
    for root in roots:
        columns += place(root, columns, 0)
    rows = max(row_of.values(), default=-1) + 1

    def node_box(name: str) -> Box:
        x = MARGIN + centre[name] * COL_W - NODE_W / 2
        y = MARGIN + row_of[name] * ROW_H + LABEL_H
        return Box(x, y, NODE_W, NODE_H)

    placed: dict[str, Placed] = {}
    for name in names:
        node = node_box(name)
        parent = parent_of[name] if name not in roots else None
        label = arrow = None
        if parent is not None:
            label = Box(node.x, node.y - LABEL_H, NODE_W, LABEL_H)
            arrow = _arrow(node_box(parent), node, row_of[name] - row_of[parent] == 1)
        placed[name] = Placed(name, parent, node, label, arrow or (), centre[name], row_of[name])
    return Layout(2 * MARGIN + columns * COL_W, 2 * MARGIN + rows * ROW_H, placed)


def _arrow(parent: Box, child: Box, next_row: bool) -> tuple[tuple[float, float], ...]:
    start = (parent.cx, parent.y + parent.h)
    bus = parent.y + parent.h + GAP_Y / 2
    if next_row:
        return (start, (parent.cx, bus), (child.cx, bus), (child.cx, child.y))
    gutter = child.x - GAP_X / 4
    above = child.y - LABEL_H - GAP_Y / 2  # the gap above the child's row
    return (
        start,
        (parent.cx, bus),
        (gutter, bus),
        (gutter, above),
        (child.cx, above),
        (child.cx, child.y),
    )
