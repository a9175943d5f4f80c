"""The HTML of every page: the pipeline (`index.html`), one page per env (`envs/`), and the
component views (`components/`: by type, then one page per component).

    for page in pages.site(board): page.path, page.html

Every value from the model goes through `text.esc`; links are the site's own file names or
checked commit links. Each page stands alone (inline CSS, no script) and forbids scripts
with its Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib

from sfsync.cli.html import components, graph
from sfsync.cli.html.common import (
    COMPONENTS_SHOWN,
    KIND_WORDS,
    Page,
    Site,
    badge,
    component_details,
    component_list,
    event_item,
    readable,
    time_tag,
)
from sfsync.cli.html.style import CSS, STATUS_COLOURS, STATUS_WORDS
from sfsync.cli.html.text import esc, plural, short, slug
from sfsync.pipeline.dashboard import BackupInfo, Dashboard, DeploymentView, DriftInfo, EnvView

TIMELINE = 300
"""Events on an env's page (the rest: `sfsync log --env <env>`)."""
BEHIND_SHOWN = 100
"""Deployments behind listed on an env's page."""
CSP_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
"""The stylesheet's hash: the only style the pages' Content-Security-Policy allows."""


def site(board: Dashboard) -> list[Page]:
    """Every page of the dashboard."""
    env_pages: dict[str, str] = {}
    taken: set[str] = set()
    for env in board.envs:
        stem = slug(env.name)
        if stem.lower() in taken:
            stem = slug(env.name, always_hash=True)
        taken.add(stem.lower())
        env_pages[env.name] = f"envs/{stem}.html"
    history = board.components()
    component_pages = {name: f"components/{slug(name, always_hash=True)}.html" for name in history}
    s = Site(board, env_pages, component_pages)
    out = [Page("index.html", index(s))]
    out += [Page(env_pages[env.name], env_page(s, env)) for env in board.envs]
    out += [
        Page(path, frame(s, title, body, "../", "components"))
        for path, title, body in components.pages(s, history)
    ]
    return out


def frame(s: Site, title: str, body: str, root: str, current: str, heading: str = "") -> str:
    """A whole page around `body`: head, navigation, footer."""
    board = s.board
    nav = [
        ("index.html", "Pipeline", "pipeline"),
        ("components/index.html", "Components", "components"),
    ]
    items = "".join(
        f'<li><a href="{root}{href}"{_current(key == current)}>{text}</a></li>'
        for href, text, key in nav
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"style-src 'sha256-{CSP_HASH}'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'\">"
        '<meta name="robots" content="noindex, nofollow">'
        f'<meta name="generator" content="sfsync {esc(board.version)}">'
        f"<title>{esc(title)} · sfsync</title><style>{CSS}</style></head>\n"
        '<body><a class="skip" href="#main">Skip to the content</a>'
        f'<header><nav aria-label="Dashboard"><ul>{items}</ul></nav>'
        f"<h1>{heading or esc(title)}</h1>"
        f'<p>{esc(board.project)} · generated <time datetime="{esc(board.generated)}">'
        f"{esc(readable(board.generated))}</time></p></header>\n"
        f'<main id="main">{body}</main>\n'
        f"<footer>Generated {esc(readable(board.generated))} by sfsync {esc(board.version)} "
        "from the git refs of this repository: refs/sfsync/envs/* (events), "
        "refs/sfsync-backups/* (backups), drift results. "
        "Refresh with <code>sfsync report --html DIR</code>.</footer>"
        "</body></html>\n"
    )


def _current(yes: bool) -> str:
    return ' aria-current="page"' if yes else ""


def index(s: Site) -> str:
    """The pipeline: the graph, a legend, and every env in a table."""
    board = s.board
    warnings = "".join(f"<li>{esc(w)}</li>" for w in board.warnings)
    body = []
    if warnings:
        body.append(
            '<section aria-labelledby="warn"><h2 id="warn">Warnings</h2>'
            f"<ul>{warnings}</ul></section>"
        )
    body.append(
        '<section aria-labelledby="graph-h"><h2 id="graph-h">The pipeline</h2>'
        f"{legend()}"
        f'<div class="graph">{graph.svg(board, s.env_pages)}</div>'
        '<p class="muted">Each arrow: the deployments and components the lower env has not '
        "received from the one above it (as <code>sfsync status</code> counts them). "
        "Select an env for its timeline.</p></section>"
    )
    rows = "".join(_env_row(s, env) for env in board.envs)
    body.append(
        '<section aria-labelledby="envs-h"><h2 id="envs-h">Environments</h2>'
        '<div class="scroll"><table class="envs"><caption class="skip">'
        "Every environment, the top one first</caption><thead><tr>"
        '<th scope="col">Environment</th><th scope="col">Upstream</th><th scope="col">Status</th>'
        '<th scope="col">Deployments behind</th><th scope="col">Components behind</th>'
        '<th scope="col">Last sync</th><th scope="col">Last backup</th><th scope="col">Drift</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
        f"<p>{plural(board.event_count, 'event')} recorded; "
        f'<a href="components/index.html">{plural(len(s.component_pages), "component")}</a> '
        "deployed, deleted or behind.</p></section>"
    )
    return frame(s, f"Pipeline of {board.project}", "".join(body), "", "pipeline")


def legend() -> str:
    """The statuses: shape, colour and word."""
    items = []
    for status, word in STATUS_WORDS.items():
        colour = STATUS_COLOURS[status][0]
        items.append(
            f'<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">'
            f"{graph.shape(status, 8, 8, colour)}</svg> {esc(word)}</li>"
        )
    return f'<ul class="legend" aria-label="Legend">{"".join(items)}</ul>'


def _env_row(s: Site, env: EnvView) -> str:
    behind = "-" if env.upstream is None else (str(env.behind) if env.known else "?")
    comps = "-" if env.upstream is None else (str(len(env.components_behind)) if env.known else "?")
    last = env.last_sync
    sync = f"{esc(KIND_WORDS.get(last.kind, last.kind))}, {time_tag(last.when)}" if last else "-"
    return (
        f'<tr><th scope="row">{s.env_link(env.name, "")}</th>'
        f"<td>{s.env_link(env.upstream, '') if env.upstream else '-'}</td>"
        f"<td>{badge(env.status)}</td><td>{behind}</td><td>{comps}</td><td>{sync}</td>"
        f"<td>{_backup_cell(env.backup)}</td><td>{_drift_cell(env.drift)}</td></tr>"
    )


def _backup_cell(backup: BackupInfo | None) -> str:
    return time_tag(backup.when) if backup else "-"


def _drift_cell(drift: DriftInfo | None) -> str:
    if drift is None:
        return "not checked"
    if not drift.drifted:
        return "none"
    return esc(plural(len(drift.items), "component"))


def env_page(s: Site, env: EnvView) -> str:
    """One env: status, what it is behind, held back, backup, drift, timeline."""
    root = "../"
    where = f"branch <code>{esc(env.branch)}</code>" if env.branch else "developer sandbox"
    up = (
        f", upstream {s.env_link(env.upstream, root)}"
        if env.upstream
        else ", the top of the pipeline"
    )
    body = [
        f"<p>{badge(env.status)} {esc(graph.sentence(env))}</p>"
        f"<p>Org <code>{esc(env.org)}</code>, {where}{up}"
        f"{', protected' if env.protected else ''}.</p>"
    ]
    if env.failed is not None:
        body.append(
            '<section aria-labelledby="failed-h"><h2 id="failed-h">Last run failed</h2>'
            f"<p>{time_tag(env.failed.when)}: "
            f"{esc(env.failed.summary or 'ended without deploying')}. "
            "Nothing was deployed; the state stays as before.</p></section>"
        )
    body.append(_behind_section(s, env, root))
    body.append(_held_back(s, env, root))
    body.append(_backup_section(env))
    body.append(_drift_section(s, env, root))
    body.append(_timeline(s, env, root))
    return frame(s, env.name, "".join(body), root, "", f"Environment {esc(env.name)}")


def _behind_section(s: Site, env: EnvView, root: str) -> str:
    if env.upstream is None:
        return ""
    head = f'<section aria-labelledby="behind-h"><h2 id="behind-h">Behind {esc(env.upstream)}</h2>'
    if not env.known:
        return head + (
            f"<p>Never synced: run <code>sfsync mark-synced --env {esc(env.name)}</code> "
            "once, then what is behind is counted.</p></section>"
        )
    if not env.deployments_behind:
        ignored = f" ({plural(env.ignored, 'deployment')} ignored)" if env.ignored else ""
        return (
            head
            + f"<p>Nothing: {esc(env.name)} has everything {esc(env.upstream)} has"
            + f"{ignored}.</p></section>"
        )
    rows = "".join(_deployment_row(s, d, root) for d in env.deployments_behind[:BEHIND_SHOWN])
    more = len(env.deployments_behind) - BEHIND_SHOWN
    note = (
        f"<p>… and {more} more: <code>sfsync status --env {esc(env.name)}</code>.</p>"
        if more > 0
        else ""
    )
    ignored = (
        f"<p>{plural(env.ignored, 'deployment')} ignored (not counted).</p>" if env.ignored else ""
    )
    return (
        head
        + f"<p>{plural(env.behind, 'deployment')}, "
        + f"{plural(len(env.components_behind), 'component')}.</p>"
        + '<div class="scroll"><table><thead><tr><th scope="col">Commit</th>'
        + '<th scope="col">Deployment</th><th scope="col">Author</th><th scope="col">Date</th>'
        + '<th scope="col">Components</th></tr></thead>'
        + f"<tbody>{rows}</tbody></table></div>{note}{ignored}"
        + f"<h3>Components behind</h3>{component_list(s, env.components_behind, root)}</section>"
    )


def _deployment_row(s: Site, d: DeploymentView, root: str) -> str:
    return (
        f"<tr><td>{s.commit(d.sha, root)}</td><td>{esc(d.subject)}</td><td>{esc(d.author)}</td>"
        f"<td>{time_tag(d.date)}</td><td>{component_details(s, d.components, root)}</td></tr>"
    )


def _held_back(s: Site, env: EnvView, root: str) -> str:
    if not env.held_back:
        return ""
    return (
        '<section aria-labelledby="held-h"><h2 id="held-h">Held back</h2>'
        "<p>Skipped or excluded by a pull or a back-promotion: behind until pulled or ignored.</p>"
        f"{component_list(s, env.held_back, root)}</section>"
    )


def _backup_section(env: EnvView) -> str:
    head = '<section aria-labelledby="backup-h"><h2 id="backup-h">Last backup</h2>'
    b = env.backup
    if b is None:
        return head + (
            f"<p>No backup in this repository (<code>refs/sfsync-backups/{esc(env.name)}</code>): "
            f"<code>sfsync backup --env {esc(env.name)}</code>.</p></section>"
        )
    count = ""
    if b.components is not None and plural(b.components, "component") not in b.summary:
        # a first backup's subject already says it ("first backup, 2 components (full)")
        count = f", {plural(b.components, 'component')} in all"
    return head + (
        f"<p>{time_tag(b.when)}: {esc(b.summary)}{count}. "
        f"Commit <code>{esc(short(b.commit))}</code> "
        f"on <code>refs/sfsync-backups/{esc(env.name)}</code>.</p></section>"
    )


def _drift_section(s: Site, env: EnvView, root: str) -> str:
    head = '<section aria-labelledby="drift-h"><h2 id="drift-h">Drift</h2>'
    d = env.drift
    parts = []
    if d is None:
        parts.append("<p>No drift result given (<code>sfsync report --drift FILE</code>).</p>")
    elif not d.drifted:
        compared = (
            f" ({plural(d.compared, 'component')} compared)" if d.compared is not None else ""
        )
        parts.append(
            f"<p>No drift: the org holds what {esc(d.expected or 'git')} has{compared}. "
            f"From {esc(d.source)}, {time_tag(d.when)}.</p>"
        )
    else:
        parts.append(
            f"<p>{plural(len(d.items), 'component')} drifted from {esc(d.expected or 'git')} "
            f"(from {esc(d.source)}, {time_tag(d.when)}).</p>{_drift_table(s, d, root)}"
        )
    for saved in env.saved_drift[:10]:
        parts.append(
            "<p>Saved by <code>sfsync drift --save</code> on branch "
            f"<code>{esc(saved.source)}</code>, "
            f"{time_tag(saved.when)}: {plural(len(saved.items), 'component')}.</p>"
        )
    return head + "".join(parts) + "</section>"


def _drift_table(s: Site, d: DriftInfo, root: str) -> str:
    rows = "".join(
        f"<tr><td>{s.component_link(i.component, root)}</td><td>{esc(i.kind)}</td>"
        f"<td>{esc(i.by or '-')}</td><td>{time_tag(i.when) if i.when else '-'}</td></tr>"
        for i in d.items[:COMPONENTS_SHOWN]
    )
    more = len(d.items) - COMPONENTS_SHOWN
    note = f"<p>… and {more} more.</p>" if more > 0 else ""
    return (
        '<div class="scroll"><table><thead><tr><th scope="col">Component</th>'
        '<th scope="col">What</th>'
        '<th scope="col">Changed by</th><th scope="col">When</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>{note}"
    )


def _timeline(s: Site, env: EnvView, root: str) -> str:
    head = '<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>'
    if not env.events:
        return head + "<p>No events recorded yet.</p></section>"
    head += f"<p>{plural(len(env.events), 'event')}, newest first.</p>"
    items = "".join(event_item(s, e, root) for e in env.events[:TIMELINE])
    more = len(env.events) - TIMELINE
    note = (
        f"<p>… and {more} older events: <code>sfsync log --env {esc(env.name)}</code>.</p>"
        if more > 0
        else ""
    )
    return head + f'<ol class="timeline">{items}</ol>{note}</section>'
