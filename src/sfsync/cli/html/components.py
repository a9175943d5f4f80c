"""The component views: every metadata type with its components (`components/index.html`,
then a page per type, in parts of `PER_PAGE`), and one page per component with its history
across every env: where each env stands with it, and every event that deployed or deleted
it, newest first.
"""

from __future__ import annotations

from collections.abc import Mapping

from sfsync.cli.html.common import Site, event_item, event_text, time_tag
from sfsync.cli.html.text import esc, plural, slug
from sfsync.pipeline.dashboard import ComponentHistory

PER_PAGE = 1000
"""Components listed on one page of a type (a type with more gets more pages)."""
HISTORY_SHOWN = 500
"""Events on one component's page."""


def type_of(component: str) -> str:
    """`ApexClass:Foo` -> `ApexClass` (no `:`: "other")."""
    kind, sep, _ = component.partition(":")
    return kind if sep and kind else "other"


def pages(s: Site, history: Mapping[str, ComponentHistory]) -> list[tuple[str, str, str]]:
    """(path, title, body) of every component page, the index first."""
    by_type: dict[str, list[ComponentHistory]] = {}
    for item in history.values():
        by_type.setdefault(type_of(item.name), []).append(item)
    out: list[tuple[str, str, str]] = []
    rows = []
    type_pages: list[tuple[str, str, str]] = []
    for kind in sorted(by_type):
        items = by_type[kind]
        parts = [items[i : i + PER_PAGE] for i in range(0, len(items), PER_PAGE)]
        stem = f"components/type-{slug(kind)}"
        paths = [f"{stem}.html" if n == 0 else f"{stem}-{n + 1}.html" for n in range(len(parts))]
        for n, part in enumerate(parts):
            others = _pager(paths, n) if len(parts) > 1 else ""
            title = kind if len(parts) == 1 else f"{kind} ({n + 1} of {len(parts)})"
            type_pages.append((paths[n], title, others + _type_table(s, part) + others))
        rows.append(
            f'<tr><th scope="row"><a href="{paths[0].removeprefix("components/")}">'
            f"{esc(kind)}</a></th><td>{len(items)}</td></tr>"
        )
    out.append(
        (
            "components/index.html",
            "Components",
            f"<p>{plural(len(history), 'component')} that an event deployed or deleted, or "
            "that an env is behind on, by metadata type.</p>"
            '<div class="scroll"><table><thead><tr><th scope="col">Type</th>'
            f'<th scope="col">Components</th></tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>",
        )
    )
    out += type_pages
    out += [(s.component_pages[c.name], c.name, component_body(s, c)) for c in history.values()]
    return out


def component_body(s: Site, c: ComponentHistory) -> str:
    """One component: each env's latest event with it, whether it is behind, its history."""
    root = "../"
    latest: dict[str, str] = {}
    for event in c.events:  # newest first
        latest.setdefault(event.env, event_text(s, event, root, component=c.name))
    rows = []
    behind = set(c.behind_in)
    for env in s.board.envs:
        last = latest.get(env.name)
        if last is None and env.name not in behind:
            continue
        state = "behind " + esc(env.upstream or "") if env.name in behind else "up to date"
        rows.append(
            f'<tr><th scope="row">{s.env_link(env.name, root)}</th><td>{state}</td>'
            f"<td>{last or '-'}</td></tr>"
        )
    items = "".join(
        event_item(s, e, root, env=True, component=c.name) for e in c.events[:HISTORY_SHOWN]
    )
    more = len(c.events) - HISTORY_SHOWN
    note = f"<p>… and {more} older events.</p>" if more > 0 else ""
    return (
        f'<p><a href="{_type_page(c.name)}">{esc(type_of(c.name))}</a> · '
        f"{plural(len(c.events), 'event')} in {plural(len({e.env for e in c.events}), 'env')}"
        f"{'; behind in ' + esc(', '.join(c.behind_in)) if c.behind_in else ''}.</p>"
        '<h2 id="where-h">Across the pipeline</h2>'
        '<div class="scroll"><table aria-labelledby="where-h"><thead><tr>'
        '<th scope="col">Environment</th><th scope="col">State</th>'
        f'<th scope="col">Latest event</th></tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table></div>"
        '<h2 id="history-h">History</h2>'
        + (f'<ol class="timeline">{items}</ol>{note}' if items else "<p>No event names it.</p>")
    )


def _type_table(s: Site, items: list[ComponentHistory]) -> str:
    rows = []
    for c in items:
        envs = sorted({e.env for e in c.events})
        last = time_tag(c.events[0].when) if c.events else "-"
        rows.append(
            f'<tr><th scope="row">{s.component_link(c.name, "../")}</th>'
            f"<td>{esc(', '.join(envs)) or '-'}</td><td>{last}</td>"
            f"<td>{esc(', '.join(c.behind_in)) or '-'}</td></tr>"
        )
    return (
        '<div class="scroll"><table><thead><tr><th scope="col">Component</th>'
        '<th scope="col">Deployed in</th><th scope="col">Last event</th>'
        f'<th scope="col">Behind in</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _pager(paths: list[str], current: int) -> str:
    links = []
    for n, path in enumerate(paths):
        name = path.removeprefix("components/")
        if n == current:
            links.append(f'<li><a href="{name}" aria-current="page">{n + 1}</a></li>')
        else:
            links.append(f'<li><a href="{name}">{n + 1}</a></li>')
    return f'<nav aria-label="Pages"><ul class="legend">{"".join(links)}</ul></nav>'


def _type_page(component: str) -> str:
    return f"type-{slug(type_of(component))}.html"
