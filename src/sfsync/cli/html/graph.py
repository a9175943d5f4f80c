"""The pipeline as an SVG: one node per env (a link to its page), one arrow per upstream
link, labelled with the deployments and components the env is behind.

A node says its status three ways: the colour, a shape (circle: in sync; triangle: behind;
cross: failed; diamond: drifted; dashed ring: never synced; square: the top) and a word.
Each link has an `aria-label` that says it all in one sentence; the SVG has a title and a
description, and the page repeats everything in a table.
"""

from __future__ import annotations

from sfsync.cli.html.layout import Placed, layout
from sfsync.cli.html.style import STATUS_COLOURS, STATUS_WORDS
from sfsync.cli.html.text import esc, plural
from sfsync.pipeline.dashboard import Dashboard, EnvView

SCREEN_WIDTH = 1160  # the graph's box on a wide screen (the page is at most 1200 px)
NAME_CHARS = 14  # of an env name inside its node (the full name is in the link's label)
WHERE_CHARS = 21  # of "branch <name>" inside its node
# (about 140 px of the node's width: 14 letters of the bold name, 21 of the small line;
# wider letters than most are clipped at the node's edge rather than drawn over the next)


def svg(board: Dashboard, href: dict[str, str]) -> str:
    """The graph of `board`; `href`: env name -> the link to its page."""
    tree = [(e.name, e.upstream) for e in board.envs]
    placed = layout(tree)
    if placed.width > SCREEN_WIDTH:
        # wider than the page: it opens scrolled to its left, so the top env goes there
        placed = layout(tree, centred=False)
    arrows = []
    labels = []
    nodes = []
    for number, env in enumerate(board.envs):
        spot = placed.nodes[env.name]
        if spot.parent is not None:
            arrows.append(_arrow(spot, env))
            labels.append(_label(spot, env))
        nodes.append(_node(spot, env, href[env.name], number))
    count = len(board.envs)
    description = "; ".join(sentence(e) for e in board.envs)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(placed.width)} '
        f'{_n(placed.height)}" width="{_n(placed.width)}" height="{_n(placed.height)}" '
        'aria-labelledby="graph-title graph-desc" role="group">'
        f'<title id="graph-title">The pipeline: {plural(count, "environment")}, '
        "the top one first</title>"
        f'<desc id="graph-desc">{esc(description, None)}</desc>'
        f"<defs>{_marker('arrowhead', QUIET)}{_marker('arrowhead-behind', BEHIND)}</defs>"
        f'<g class="arrows">{"".join(arrows)}</g>'
        f'<g class="labels">{"".join(labels)}</g>'
        f'<g class="nodes">{"".join(nodes)}</g>'
        "</svg>"
    )


def sentence(env: EnvView) -> str:
    """Everything the node and its arrow say, as one sentence (the link's label)."""
    parts = [f"{env.name}: {STATUS_WORDS[env.status]}"]
    if env.upstream is not None:
        if env.known:
            parts.append(
                f"{plural(env.behind, 'deployment')} and "
                f"{plural(len(env.components_behind), 'component')} behind {env.upstream}"
            )
        else:
            parts.append(f"never synced with {env.upstream}")
    if env.failed is not None:
        parts.append(f"last run: {env.failed.summary or 'ended without deploying'}")
    if env.drift is not None and env.drift.drifted:
        parts.append(f"{plural(len(env.drift.items), 'component')} drifted in the org")
    return ", ".join(parts)


def edge_text(env: EnvView) -> tuple[str, str]:
    """The two lines on the arrow into `env`."""
    if not env.known:
        return ("never synced", "")
    return (plural(env.behind, "deployment"), plural(len(env.components_behind), "component"))


QUIET = "#57606a"
BEHIND = STATUS_COLOURS["behind"][0]


def _marker(name: str, colour: str) -> str:
    return (
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        f'<path d="M0 0L10 5L0 10z" fill="{colour}"/></marker>'
    )


def _arrow(spot: Placed, env: EnvView) -> str:
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in spot.arrow)
    # the head in the colour of its line: a brown arrow behind, a grey one in sync
    colour, head = (BEHIND, "arrowhead-behind") if env.behind else (QUIET, "arrowhead")
    width = 2.5 if env.behind else 1.5
    dash = ' stroke-dasharray="5 4"' if not env.known else ""
    return (
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"'
        f'{dash} marker-end="url(#{head})"/>'
    )


def _label(spot: Placed, env: EnvView) -> str:
    box = spot.label
    assert box is not None
    first, second = edge_text(env)
    x = box.cx
    # the text sits on a white plate so the arrow behind it does not cross the words
    plate_w = 7.2 * max(len(first), len(second)) + 12
    return (
        f'<g class="edge-label" data-env="{esc(env.name, None)}">'
        f'<rect x="{_n(x - plate_w / 2)}" y="{_n(box.y + 1)}" width="{_n(plate_w)}" '
        f'height="{_n(box.h - 14)}" rx="4" fill="#fff"/>'
        f'<text x="{_n(x)}" y="{_n(box.y + 13)}" text-anchor="middle" font-size="12" '
        f'fill="#1f2328">{esc(first)}'
        f'<tspan x="{_n(x)}" dy="14">{esc(second)}</tspan></text></g>'
    )


def _node(spot: Placed, env: EnvView, href: str, number: int) -> str:
    box = spot.node
    status = env.status
    line, tint = STATUS_COLOURS[status]
    name = env.name if len(env.name) <= NAME_CHARS else env.name[: NAME_CHARS - 1] + "…"
    where = f"branch {env.branch}" if env.branch else "developer sandbox"
    where = where if len(where) <= WHERE_CHARS else where[: WHERE_CHARS - 1] + "…"
    word = STATUS_WORDS[status]
    if status == "behind":
        word = f"{env.behind} behind"
    dash = ' stroke-dasharray="6 4"' if status == "never-synced" else ""
    # the accessible name starts with the words the node shows (WCAG 2.5.3, label in name)
    spoken = f"{name} {word} {where}. {sentence(env)}"
    return (
        f'<a href="{esc(href, None)}" aria-label="{esc(spoken, None)}" '
        f'class="env status-{status}" data-env="{esc(env.name, None)}">'
        f'<rect class="node" x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" '
        f'height="{_n(box.h)}" rx="8" fill="{tint}" stroke="{line}" stroke-width="2"{dash}/>'
        f"{shape(status, box.x + 16, box.y + 20, line)}"
        f'<clipPath id="node-text-{number}"><rect x="{_n(box.x)}" y="{_n(box.y)}" '
        f'width="{_n(box.w - 6)}" height="{_n(box.h)}"/></clipPath>'
        f'<g clip-path="url(#node-text-{number})">'
        f'<text x="{_n(box.x + 30)}" y="{_n(box.y + 24)}" font-size="15" font-weight="600" '
        f'fill="#1f2328">{esc(name, None)} </text>'
        f'<text x="{_n(box.x + 30)}" y="{_n(box.y + 42)}" font-size="12" '
        f'fill="{line}">{esc(word)} </text>'
        f'<text x="{_n(box.x + 30)}" y="{_n(box.y + 57)}" font-size="11" '
        f'fill="#424a53">{esc(where, None)}</text></g>'
        "</a>"
    )


def shape(status: str, x: float, y: float, colour: str) -> str:
    """The status's shape, centred at (x, y), about 12 px across."""
    if status == "in-sync":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="6" fill="{colour}"/>'
    if status == "behind":
        return (
            f'<path d="M{_n(x - 7)} {_n(y - 5)}H{_n(x + 7)}L{_n(x)} {_n(y + 7)}z" fill="{colour}"/>'
        )
    if status == "failed":
        return (
            f'<path d="M{_n(x - 6)} {_n(y - 6)}L{_n(x + 6)} {_n(y + 6)}M{_n(x + 6)} '
            f'{_n(y - 6)}L{_n(x - 6)} {_n(y + 6)}" stroke="{colour}" stroke-width="3"/>'
        )
    if status == "drifted":
        return (
            f'<path d="M{_n(x)} {_n(y - 7)}L{_n(x + 7)} {_n(y)}L{_n(x)} {_n(y + 7)}'
            f'L{_n(x - 7)} {_n(y)}z" fill="{colour}"/>'
        )
    if status == "never-synced":
        return (
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="5" fill="none" stroke="{colour}" '
            'stroke-width="2" stroke-dasharray="3 2"/>'
        )
    return f'<rect x="{_n(x - 6)}" y="{_n(y - 6)}" width="12" height="12" fill="{colour}"/>'


def _n(value: float) -> str:
    """A coordinate: at most one decimal."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
