"""The pipeline graph's layout: no two nodes or labels overlap, arrows cross no other node,
the top env is above everything, for small pipelines and for 50 envs in 5 tiers."""

from __future__ import annotations

from itertools import combinations

import pytest

from sfsync.cli.html.layout import COL_W, MARGIN, NODE_W, Box, Layout, layout


def fifty_in_five_tiers() -> list[tuple[str, str | None]]:
    """prod; uat and hotfix; int, perf and train; 9 team envs; 35 developer sandboxes."""
    envs: list[tuple[str, str | None]] = [("prod", None), ("uat", "prod"), ("hotfix", "prod")]
    envs += [("int", "uat"), ("perf", "uat"), ("train", "hotfix")]
    teams = [f"team{i}" for i in range(9)]
    envs += [(t, ("int", "perf", "int")[i % 3]) for i, t in enumerate(teams)]
    envs += [(f"dev{i}", teams[i % 9] if i % 4 else "int") for i in range(35)]
    assert len(envs) == 50
    return envs


def tiers(envs: list[tuple[str, str | None]]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for name, parent in envs:
        depth[name] = 0 if parent is None else depth[parent] + 1
    return depth


def segment_hits(box: Box, a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether an axis-parallel segment passes through the inside of `box`."""
    (x1, y1), (x2, y2) = a, b
    if x1 == x2:
        lo, hi = sorted((y1, y2))
        return box.x < x1 < box.x + box.w and lo < box.y + box.h and box.y < hi
    assert y1 == y2, "arrows are made of horizontal and vertical segments"
    lo, hi = sorted((x1, x2))
    return box.y < y1 < box.y + box.h and lo < box.x + box.w and box.x < hi


def check(placed: Layout, envs: list[tuple[str, str | None]]) -> None:
    boxes = [(f"node {n}", p.node) for n, p in placed.nodes.items()]
    boxes += [(f"label {n}", p.label) for n, p in placed.nodes.items() if p.label]
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a} overlaps {b}"
    for _, box in boxes:  # everything inside the drawing
        assert box.x >= 0 and box.x + box.w <= placed.width
        assert box.y >= 0 and box.y + box.h <= placed.height
    depth = tiers(envs)
    for name, parent in envs:
        spot = placed.nodes[name]
        if parent is None:
            assert spot.label is None and spot.arrow == ()
            continue
        up = placed.nodes[parent]
        assert up.node.y + up.node.h <= spot.node.y, f"{parent} is not above {name}"
        assert spot.arrow[0] == (up.node.cx, up.node.y + up.node.h)  # from the parent
        # the arrow comes down into the top of the node through its label: the label sits
        # on its own arrow (a label floating over a node with the arrow coming in from the
        # side reads as the label of a link from the node above it)
        end, before = spot.arrow[-1], spot.arrow[-2]
        assert end == (spot.node.cx, spot.node.y), f"{parent}->{name} ends at {end}"
        assert spot.label is not None
        assert before[0] == end[0] and before[1] <= spot.label.y, f"{name}'s label is off its arrow"
        for a, b in zip(spot.arrow, spot.arrow[1:], strict=False):
            for other, other_spot in placed.nodes.items():
                if other in (name, parent):
                    continue
                assert not segment_hits(other_spot.node, a, b), f"{parent}->{name} crosses {other}"
                if other_spot.label is not None:
                    assert not segment_hits(other_spot.label, a, b), (
                        f"{parent}->{name} crosses the label of {other}"
                    )
        assert depth[name] > depth[parent]


def test_fifty_envs_in_five_tiers_do_not_overlap() -> None:
    envs = fifty_in_five_tiers()
    assert max(tiers(envs).values()) == 4  # five tiers: 0..4
    placed = layout(envs)
    assert set(placed.nodes) == {n for n, _ in envs}
    check(placed, envs)
    top = placed.nodes["prod"].node
    assert all(p.node.y > top.y for n, p in placed.nodes.items() if n != "prod")
    # sandboxes wrap into grids: the drawing stays narrower than one row of all 44 leaves
    assert placed.width < 25 * 216


@pytest.mark.parametrize(
    "envs",
    [
        pytest.param([("prod", None)], id="one"),
        pytest.param([("prod", None), ("int", "prod"), ("dev1", "int")], id="chain"),
        pytest.param(
            [("prod", None), *((f"dev{i}", "prod") for i in range(9))], id="nine-sandboxes"
        ),
        pytest.param(
            [("prod", None), ("uat", "prod"), ("int", "uat"), ("sb", "prod"), ("dev", "int")],
            id="a-sandbox-beside-a-branch",
        ),
        pytest.param([("a", None), ("b", None), ("c", "a"), ("d", "b")], id="two-roots"),
    ],
)
def test_small_pipelines(envs: list[tuple[str, str | None]]) -> None:
    check(layout(envs), envs)
    check(layout(envs, centred=False), envs)


def test_a_wide_graph_can_put_its_top_at_the_left() -> None:
    envs = fifty_in_five_tiers()
    centred, left = layout(envs), layout(envs, centred=False)
    check(left, envs)
    assert left.width == centred.width
    first = MARGIN + (COL_W - NODE_W) / 2
    assert centred.nodes["prod"].node.x > 1000
    assert left.nodes["prod"].node.x == first
    # each parent over its first child: the way down from the top is one straight line
    assert left.nodes["uat"].node.x == left.nodes["int"].node.x == first


def test_the_check_catches_an_overlap() -> None:
    a = Box(0, 0, 10, 10)
    assert a.overlaps(Box(5, 5, 10, 10))
    assert not a.overlaps(Box(10, 0, 10, 10))  # touching is not overlapping
    assert segment_hits(Box(0, 0, 10, 10), (5, -5), (5, 20))
    assert not segment_hits(Box(0, 0, 10, 10), (12, -5), (12, 20))
