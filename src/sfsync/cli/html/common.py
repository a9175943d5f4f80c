"""What every page shares: the site's link maps, commit links, times, badges, event entries.

Every value from the model goes through `text.esc`; links are the site's own file names or
checked commit links (`sfsync.pipeline.weblinks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sfsync.cli.html.style import STATUS_WORDS
from sfsync.cli.html.text import esc, plural, short
from sfsync.pipeline import weblinks
from sfsync.pipeline.dashboard import Dashboard, EventView

COMPONENTS_SHOWN = 200
"""Components listed under one event or in one list."""
KIND_WORDS = {
    "deploy": "deployed",
    "validate": "validated",
    "pull-upstream": "pulled upstream",
    "back-promote": "back-promoted",
    "rollback": "rolled back",
    "ignore": "ignored",
    "mark-synced": "marked synced",
    "compare-deploy": "deployed from compare",
    "release": "ended without deploying",
}

COMPONENT_WORDS = {"ignore": "ignored", "validate": "validated"}
"""What an event of these kinds did to a component, on the component's page."""


@dataclass(frozen=True)
class Page:
    """One file of the site: its path (relative, `/`-separated) and its HTML."""

    path: str
    html: str


@dataclass(frozen=True)
class Site:
    """What every page needs: the model and where each env's and component's page is."""

    board: Dashboard
    env_pages: dict[str, str]
    component_pages: dict[str, str]
    rendered: dict[tuple[str, str, bool, str | None], str] = field(default_factory=dict)
    """Events already rendered (commit, root, env named, component): each page that
    shows an event shows the same HTML."""

    def commit(self, sha: str | None, root: str = "") -> str:
        """A commit id, linked to the git host when the remote is a known one."""
        if not sha:
            return "-"
        url = weblinks.commit_url(self.board.commit_base, sha)
        code = f'<code title="{esc(sha)}">{esc(short(sha))}</code>'
        return f'<a href="{esc(url, None)}">{code}</a>' if url else code

    def env_link(self, name: str, root: str) -> str:
        """A link to an env's page ("-" for None)."""
        page = self.env_pages.get(name)
        return f'<a href="{root}{page}">{esc(name)}</a>' if page else esc(name)

    def component_link(self, name: str, root: str) -> str:
        """A link to a component's page."""
        page = self.component_pages.get(name)
        return f'<a href="{root}{page}">{esc(name)}</a>' if page else esc(name)


def badge(status: str) -> str:
    """The status as a word in its colour."""
    return f'<span class="badge b-{status}">{esc(STATUS_WORDS[status])}</span>'


def event_item(
    s: Site, e: EventView, root: str, *, env: bool = False, component: str | None = None
) -> str:
    """One event as a timeline entry (`env`: name the env too; `component`: see
    `event_text`)."""
    css = "failed" if e.kind == "release" else "event"
    return f'<li class="{css}">{event_text(s, e, root, env=env, component=component)}</li>'


def event_text(
    s: Site, e: EventView, root: str, *, env: bool = False, component: str | None = None
) -> str:
    """One event: when, what, who, the commits, its summary and components (`component`:
    on that component's page, what the event did to it instead of its whole list)."""
    key = (e.commit, root, env, component)
    done = s.rendered.get(key)
    if done is None:
        done = s.rendered[key] = _event_text(s, e, root, env, component)
    return done


def _event_text(s: Site, e: EventView, root: str, env: bool, component: str | None) -> str:
    kind = KIND_WORDS.get(e.kind, e.kind)
    span = ""
    if e.to_sha and e.from_sha:
        span = f" {s.commit(e.from_sha, root)} → {s.commit(e.to_sha, root)}"
    elif e.to_sha:
        span = f" at {s.commit(e.to_sha, root)}"
    where = f"{s.env_link(e.env, root)}: " if env else ""
    parts = [
        f'{time_tag(e.when)} · {where}<span class="kind">{esc(kind)}</span> by {esc(e.who)}{span}'
    ]
    if e.summary:
        parts.append(f"<br>{esc(e.summary)}")
    if e.job:
        parts.append(f' <span class="muted">(job <code>{esc(e.job, 40)}</code>)</span>')
    if component is not None:
        # what the event did to it: an ignore marks it received without deploying it, a
        # validation is a check-only deploy: neither is "deployed here"
        what = COMPONENT_WORDS.get(e.kind) or ("deleted" if component in e.deleted else "deployed")
        others = len(set(e.components) | set(e.deleted)) - 1
        more = f" with {plural(others, 'other component')}" if others > 0 else ""
        parts.append(f"<br>{what} here{more}")
        return "".join(parts)
    if e.components:
        parts.append(f"<br>{component_details(s, e.components, root)}")
    if e.deleted:
        parts.append(f"<br>deleted: {component_details(s, e.deleted, root)}")
    return "".join(parts)


def component_details(s: Site, names: tuple[str, ...], root: str) -> str:
    """A few components inline, more in a `<details>` list."""
    if not names:
        return "-"
    if len(names) <= 3:
        return ", ".join(s.component_link(n, root) for n in names)
    return (
        f"<details><summary>{plural(len(names), 'component')}</summary>"
        f"{component_list(s, names, root)}</details>"
    )


def component_list(s: Site, names: tuple[str, ...], root: str) -> str:
    """Components as a list of links (at most COMPONENTS_SHOWN)."""
    items = "".join(f"<li>{s.component_link(n, root)}</li>" for n in names[:COMPONENTS_SHOWN])
    more = len(names) - COMPONENTS_SHOWN
    extra = f"<li>… and {more} more</li>" if more > 0 else ""
    return f'<ul class="components">{items}{extra}</ul>'


def time_tag(when: str) -> str:
    """A time as the page shows it, with the exact value in `datetime`."""
    if not when:
        return "-"
    return f'<time datetime="{esc(when, 40)}">{esc(readable(when), 40)}</time>'


def readable(value: str) -> str:
    """`2024-05-01T10:20:30+00:00` -> `2024-05-01 10:20 UTC`; anything else as it is."""
    text = str(value)
    if len(text) >= 16 and text[10] == "T" and text.endswith(("+00:00", "Z")):
        return f"{text[:10]} {text[11:16]} UTC"
    if len(text) >= 16 and text[10] == "T":
        return f"{text[:10]} {text[11:16]} {text[19:]}".strip()
    return text
