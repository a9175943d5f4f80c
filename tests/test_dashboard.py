"""`sfsync report --html`: the model read from real git (same behind counts as
`sfsync status`), the pages it renders (every value escaped, hostile event data included),
commit links, drift results, and the writer that never replaces what sfsync did not write."""

from __future__ import annotations

import html.parser
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO_ROOT
from dashpipeline import HOSTILE, HOSTILE_NAME, SECRET, build
from pipeline import Pipeline, git
from sfsync.cli import app
from sfsync.cli.html import pages, site
from sfsync.errors import UsageError
from sfsync.git import state
from sfsync.org import backups
from sfsync.pipeline import dashboard, project, tracking, weblinks


def run(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> tuple[int, Any]:
    monkeypatch.chdir(repo)
    capsys.readouterr()
    code = app.main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def built(tmp_path: Path) -> Any:
    return build(tmp_path, hostile=True)


def test_the_model_counts_what_sfsync_status_counts(built: Any) -> None:
    proj = project.load(built.admin)
    board = dashboard.collect(
        proj,
        backups=backups.summaries(built.admin),
        drift=dashboard.read_drift([built.drift_file.parent]),
    )
    rows = {row.env.name: row.behind for row in tracking.status(proj)}
    assert [e.name for e in board.envs] == ["prod", "uat", "int", "dev1", "dev2"]
    for env in board.envs:
        assert env.known == rows[env.name].known
        assert [d.sha for d in env.deployments_behind] == [
            d.sha for d in rows[env.name].deployments
        ]
        assert env.components_behind == rows[env.name].components
    counts = {e.name: e.behind for e in board.envs}
    assert counts == {"prod": 0, "uat": 2, "int": 1, "dev1": 1, "dev2": 0}
    assert {e.name: e.status for e in board.envs} == {
        "prod": "drifted",
        "uat": "failed",
        "int": "behind",
        "dev1": "behind",
        "dev2": "never-synced",
    }
    prod = board.env("prod")
    assert prod.backup is not None and prod.backup.mode == "full"
    assert prod.backup.components == 2
    assert prod.drift is not None and [i.component for i in prod.drift.items] == [
        "ApexClass:Foo",
        "ApexClass:Hotfix",
    ]
    assert [e.kind for e in board.env("uat").events] == ["release", "deploy"]  # no claim
    assert board.env("int").events[0].who.startswith("<b onmouseover")  # the name, no address
    assert "mallory@evil.example" not in repr(board)
    history = board.components()
    assert [e.env for e in history["ApexClass:Foo"].events] == ["prod"]
    assert history["ApexClass:Foo"].behind_in == ("uat",)
    assert history["ApexClass:Old"].events[0].kind == "back-promote"  # deleted there


def test_logs_reads_every_chain_like_log(built: Any) -> None:
    names = ["prod", "uat", "int", "dev1", "dev2"]
    all_logs = state.logs(built.admin, names)
    for env in names:
        assert all_logs[env] == state.log(built.admin, env), env
    assert all_logs["dev2"] == []


def test_hostile_event_data_is_shown_as_text_never_as_markup(built: Any) -> None:
    proj = project.load(built.admin)
    board = dashboard.collect(proj)
    written = {p.path: p.html for p in pages.site(board)}
    everything = "\n".join(written.values())
    assert SECRET not in everything  # neither from the remote URL nor from the summary
    assert "mallory@evil.example" not in everything
    assert "\x1b" not in everything and "\x07" not in everything and "\u202e" not in everything
    for text in (HOSTILE_NAME, HOSTILE["summary"], HOSTILE["deployId"], HOSTILE["who"]):
        assert text not in everything  # never verbatim: always escaped
    assert "&lt;script&gt;window.hacked=1" in written["envs/int.html"]
    # the parsed pages hold only sfsync's own elements and attributes
    for path, page in written.items():
        checker = Elements()
        checker.feed(page)
        assert checker.tags <= ALLOWED_TAGS, (path, checker.tags - ALLOWED_TAGS)
        assert not checker.handlers, (path, checker.handlers)
        for url in checker.urls:
            assert url.startswith("https://github.com/acme/crm/commit/") or re.fullmatch(
                r"(\.\./)?[A-Za-z0-9_./-]+\.html(#[a-z-]+)?|#main", url
            ), (path, url)
        assert "<script" not in page and "javascript:" not in page.replace(
            "javascript:alert(", ""
        ), path
    assert written["envs/int.html"].count("<script") == 0
    long_name = "ApexClass:" + "Long" * 1500
    assert long_name not in everything  # cut on the page
    assert any(len(p) < 200 for p in written if "Long" in p)  # and in its file name


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "a", "header", "nav", "ul", "li", "h1",
    "h2", "h3", "p", "time", "main", "section", "div", "svg", "desc", "defs", "marker", "path",
    "clippath",
    "g", "polyline", "rect", "text", "tspan", "circle", "table", "caption", "thead", "tbody",
    "tr", "th", "td", "span", "code", "ol", "br", "details", "summary", "footer",
}  # fmt: skip


class Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "src", "srcdoc", "formaction"):
                self.handlers.append(f"{tag} {name}={value}")
            if name in ("href", "xlink:href"):
                self.urls.append(value or "")


@pytest.mark.parametrize(
    ("url", "base"),
    [
        pytest.param(
            f"https://x-access-token:{SECRET}@github.com/acme/crm.git",
            "https://github.com/acme/crm/commit/",
            id="github-token",
        ),
        pytest.param(
            "git@github.com:acme/crm.git", "https://github.com/acme/crm/commit/", id="scp"
        ),
        pytest.param(
            "ssh://git@gitlab.com/acme/sf/crm.git",
            "https://gitlab.com/acme/sf/crm/-/commit/",
            id="gitlab-subgroup",
        ),
        pytest.param(
            "https://acme@dev.azure.com/acme/CRM/_git/crm",
            "https://dev.azure.com/acme/CRM/_git/crm/commit/",
            id="azure",
        ),
        pytest.param(
            "git@ssh.dev.azure.com:v3/acme/CRM/crm",
            "https://dev.azure.com/acme/CRM/_git/crm/commit/",
            id="azure-ssh",
        ),
        pytest.param(
            "https://acme.visualstudio.com/CRM/_git/crm",
            "https://dev.azure.com/acme/CRM/_git/crm/commit/",
            id="visualstudio",
        ),
        pytest.param(
            "https://user:pw@bitbucket.org/acme/crm.git",
            "https://bitbucket.org/acme/crm/commits/",
            id="bitbucket",
        ),
        pytest.param("/srv/git/crm.git", None, id="local-path"),
        pytest.param("https://git.example.com/acme/crm.git", None, id="unknown-host"),
        pytest.param('https://github.com/acme/crm"><script>.git', None, id="markup-in-path"),
        pytest.param("javascript://github.com/acme/crm", None, id="scheme"),
        pytest.param("https://github.com/acme/../crm", None, id="dot-dot"),
        pytest.param("", None, id="none"),
    ],
)
def test_commit_links_from_the_remote_url(url: str, base: str | None) -> None:
    assert weblinks.commit_base(url) == base
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert weblinks.commit_url(base, sha) == (base + sha if base else None)
    assert weblinks.commit_url(base, "javascript:alert(1)") is None


def test_drift_results_in_every_shape_sfsync_drift_prints(tmp_path: Path) -> None:
    result = {"env": "prod", "drift": False, "changed": [], "compared": 3}
    shapes = {
        "ok.json": {"status": 0, "result": result},
        "drift.json": {
            "status": 1, "name": "Drift", "message": "m",
            "data": {**result, "env": "uat", "drift": True},
        },
        "bare.json": {**result, "env": "int"},
        "list.json": [{"status": 0, "result": {**result, "env": "dev1"}}],
    }  # fmt: skip
    for name, data in shapes.items():
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
    found = dashboard.read_drift([tmp_path])
    assert sorted((d.env, d.drifted) for d in found) == [
        ("dev1", False), ("int", False), ("prod", False), ("uat", True)
    ]  # fmt: skip
    (tmp_path / "other.json").write_text('{"status": 2, "name": "UsageError"}', encoding="utf-8")
    # the error names the whole path: in a folder of results, which file is wrong
    with pytest.raises(UsageError, match=rf"^--drift {re.escape(str(tmp_path))}/other\.json: "
                       "not a drift result"):  # fmt: skip
        dashboard.read_drift([tmp_path])
    with pytest.raises(UsageError, match="no such file or directory"):
        dashboard.read_drift([tmp_path / "missing.json"])


def test_saved_drift_branches_are_read_back(built: Any) -> None:
    from sfsync.workflows import drift as drift_flow

    proj = project.load(built.admin)
    env = proj.config.env("prod")
    head = git(built.admin, "rev-parse", "main")
    want = drift_flow.Expected("origin/main", head, {}, head)
    items = [drift_flow.Item("ApexClass:Foo", "changed", "Org Admin", "2024-05-02")]
    org_files = {
        "force-app/main/default/classes/Foo.cls": b"public class Foo { /* org */ }\n",
        "force-app/main/default/classes/Foo.cls-meta.xml": b"<ApexClass/>\n",
    }
    name, _ = drift_flow.save_branch(proj, env, want, org_files, items, "drift/prod-now")
    saved = dashboard.saved_drift(built.admin, "origin")
    assert [d.source for d in saved["prod"]] == [name]
    assert saved["prod"][0].items == (
        dashboard.DriftItem("ApexClass:Foo", "changed", "Org Admin", "2024-05-02"),
    )


def test_report_writes_the_site_and_says_what_it_counted(
    built: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    out = tmp_path / "site"
    code, doc = run(built.admin, monkeypatch, capsys, "report", "--html", str(out),
                    "--drift", str(built.drift_file))  # fmt: skip
    assert code == 0, doc
    result = doc["result"]
    assert result["index"] == str(out.resolve() / "index.html")
    assert (out / "index.html").is_file() and (out / "envs" / "uat.html").is_file()
    assert result["pages"] == len([p for p in out.rglob("*.html")])
    behind = {e["name"]: e["deploymentsBehind"] for e in result["environments"]}
    assert behind == {"prod": None, "uat": 2, "int": 1, "dev1": 1, "dev2": None}
    # components behind: a count where the deployments behind are one, else unknown (as
    # `sfsync status` shows "?" for a sandbox never synced), never a made-up 0
    components = {e["name"]: e["componentsBehind"] for e in result["environments"]}
    assert components == {"prod": None, "uat": 2, "int": 1, "dev1": 1, "dev2": None}
    assert result["driftResults"] == 1 and result["backups"] == 1
    assert result["events"] == 6 and result["components"] >= 5
    assert result["largestPage"]["bytes"] <= 500_000
    # a second run replaces its own files; what someone else put there stays
    (out / "CNAME").write_text("dash.example.com\n", encoding="utf-8")
    code, doc = run(built.admin, monkeypatch, capsys, "report", "--html", str(out))
    assert code == 0 and doc["result"]["removed"] == [], doc
    assert doc["result"]["environments"][0]["drift"] is None  # no --drift this time
    assert (out / "CNAME").read_text(encoding="utf-8") == "dash.example.com\n"


def test_report_errors_are_one_line_with_exit_2(
    built: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, doc = run(built.admin, monkeypatch, capsys, "report")
    assert code == 2 and "needs --html DIR" in doc["message"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, doc = run(built.admin, monkeypatch, capsys, "report", "--html", str(tmp_path / "s"),
                    "--drift", str(bad))  # fmt: skip
    assert code == 2 and "not JSON" in doc["message"] and "\n" not in doc["message"]
    assert not (tmp_path / "s").exists()  # nothing written
    # no sfsync.yml: one line that points at a page that says how to write one
    (built.admin / "sfsync.yml").unlink()
    code, doc = run(built.admin, monkeypatch, capsys, "report", "--html", str(tmp_path / "s"))
    assert code == 2 and "sfsync.yml not found" in doc["message"], doc
    page = re.search(r"see (docs/[\w-]+\.md)", doc["message"])
    assert page is not None and (REPO_ROOT / page.group(1)).is_file(), doc["message"]


def test_the_writer_never_replaces_a_file_sfsync_did_not_write(tmp_path: Path) -> None:
    record = tmp_path / "git"
    out = tmp_path / "site"
    first = [pages.Page("index.html", "one"), pages.Page("envs/a.html", "a")]
    site.write(out, first, record, force=False)
    # ours, unchanged: replaced; a page that went away: removed (and its empty folder)
    done = site.write(out, [pages.Page("index.html", "two")], record, force=False)
    assert (out / "index.html").read_text() == "two"
    assert done.removed == ("envs/a.html",) and not (out / "envs").exists()
    # someone edits our page: it is theirs now
    (out / "index.html").write_text("edited by hand")
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match=r"index\.html exists and sfsync did not write it"):
        site.write(out, [pages.Page("index.html", "three")], record, force=False)
    assert (out / "index.html").read_text() == "edited by hand"
    done = site.write(out, [pages.Page("index.html", "three")], record, force=True)
    assert (out / "index.html").read_text() == "three"
    site.write(out, [pages.Page("other.html", "x")], record, force=False)
    assert (out / "notes.txt").read_text() == "keep me"  # never removed
    assert not (out / "index.html").exists()  # ours (after --force), unchanged: removed
    # a directory that is a file, or a page through a link: refused
    with pytest.raises(UsageError, match="not a directory"):
        site.write(out / "notes.txt", first, record, force=True)
    # a link to a directory is not "not a directory": it is a link, and never written through
    (tmp_path / "link").symlink_to(out)
    with pytest.raises(UsageError, match=r"link: is a symbolic link; sfsync does not write"):
        site.write(tmp_path / "link", first, record, force=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "envs").symlink_to(elsewhere)
    with pytest.raises(UsageError, match="symbolic link"):
        site.write(out, first, record, force=True)
    assert list(elsewhere.iterdir()) == []


def test_open_hands_the_index_to_the_browser(
    built: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or False)
    code, doc = run(built.admin, monkeypatch, capsys, "report", "--html", str(tmp_path / "s"),
                    "--open")  # fmt: skip
    assert code == 0 and opened == [(tmp_path / "s").resolve().joinpath("index.html").as_uri()]
    assert doc["result"]["opened"] is False
    assert any("could not start a browser" in w for w in doc["result"]["warnings"])


def test_an_env_with_no_events_says_so_without_counting_none(built: Any) -> None:
    proj = project.load(built.admin)
    board = dashboard.collect(proj, backups=backups.summaries(proj.root), drift=[])
    assert not board.env("dev2").events
    written = {p.path: p.html for p in pages.site(board)}
    page = written["envs/dev2.html"]
    assert "No events recorded yet." in page
    assert "0 events" not in page


def test_the_last_backup_says_its_component_count_once(built: Any) -> None:
    proj = project.load(built.admin)
    board = dashboard.collect(proj, backups=backups.summaries(proj.root), drift=[])
    page = {p.path: p.html for p in pages.site(board)}["envs/prod.html"]
    # the first backup's subject already counts them: no "2 components (full), 2 components"
    assert "first backup, 2 components (full)" in page
    assert page.count("2 components") == 1


def test_each_arrowhead_has_the_colour_of_its_arrow(built: Any) -> None:
    proj = project.load(built.admin)
    board = dashboard.collect(proj, backups=backups.summaries(proj.root), drift=[])
    index = {p.path: p.html for p in pages.site(board)}["index.html"]
    heads = dict(re.findall(r'<marker id="([\w-]+)"[^>]*><path [^>]*fill="(#\w+)"', index))
    arrows = re.findall(r'<polyline [^>]*stroke="(#\w+)"[^>]*marker-end="url\(#([\w-]+)\)"', index)
    assert len(arrows) == 4  # uat, int, dev1, dev2
    assert {stroke for stroke, _ in arrows} == {"#7d4e00", "#57606a"}  # behind, and not
    for stroke, head in arrows:
        assert heads[head] == stroke


def test_ci_init_help_says_the_nightly_job_publishes_the_dashboard(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert app.main(["ci", "init", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "then the dashboard (sfsync report --html)" in text
    assert "GitHub Pages" in text and "GitLab Pages" in text


def test_a_component_ignored_or_validated_is_not_said_to_be_deployed(built: Any) -> None:
    admin = built.admin

    def record(env: str, kind: str, component: str) -> None:
        current = state.read_state(admin, env)
        event = state.Event(kind=kind, org=env, to_sha=built.deployed["Qux"],
                            components=(component,))  # fmt: skip
        state.append_event(admin, env, event, current.state, current.commit)

    record("uat", "validate", "ApexClass:Check")
    record("dev1", "ignore", "ApexClass:Skip")
    board = dashboard.collect(project.load(admin), backups={}, drift=[])
    written = {p.path: p.html for p in pages.site(board)}

    def page_of(name: str) -> str:
        [path] = [p for p in written if p.startswith(f"components/ApexClass_{name}")]
        return written[path]

    assert "validated here" in page_of("Check") and "deployed here" not in page_of("Check")
    assert "ignored here" in page_of("Skip") and "deployed here" not in page_of("Skip")
    assert "deployed here" in page_of("Qux")  # a deploy is still a deploy


def test_a_repository_with_no_events_gets_a_site_and_a_warning_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    clone = Pipeline(tmp_path).admin  # a fresh clone: no refs/sfsync/* (not fetched)
    code, doc = run(clone, monkeypatch, capsys, "report", "--html", str(tmp_path / "site"))
    assert code == 0 and doc["result"]["events"] == 0, doc
    assert (tmp_path / "site" / "index.html").is_file()
    [warning] = doc["result"]["warnings"]
    assert warning.startswith("no events in refs/sfsync/envs/*") and "--fetch" in warning
    # fetched, and still none: nothing to fetch is not the reason
    code, doc = run(clone, monkeypatch, capsys, "report", "--html", str(tmp_path / "site"),
                    "--fetch")  # fmt: skip
    assert code == 0 and doc["result"]["warnings"] == [
        "no events in refs/sfsync/envs/*: nothing is recorded yet"
    ], doc


def test_open_keeps_the_browsers_output_off_stdout(built: Any, tmp_path: Path) -> None:
    # a browser that says something on its stdout, as Chrome does for a running session
    env = {**os.environ, "BROWSER": "echo Opening in existing browser session. %s"}
    proc = subprocess.run(
        [sys.executable, "-m", "sfsync", "report", "--html", str(tmp_path / "site"), "--open",
         "--json"],
        cwd=built.admin, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # exactly one JSON object
    assert doc["result"]["opened"] is True
    assert "Opening in existing browser session. file://" in proc.stderr
