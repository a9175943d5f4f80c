"""The dashboard in a real browser: the system's Chromium (Debian's `chromium` package),
driven by Playwright for Python, headless, offline.

The site is built from a pipeline with a history (tests/dashpipeline.py: real git, state
refs written by sfsync's own code) by `sfsync report --html` as a process. The graph shows
every env with the counts `sfsync status --json` gives, links work (mouse and keyboard),
hostile event data renders as text with no script running, axe-core finds no serious or
critical accessibility violation, the page fits a phone, and a screenshot of the graph is
kept (the test's tmp dir, and $SFSYNC_ARTIFACTS when set).

Without Chromium these tests are skipped with the reason, except in CI (CI=true), where
they fail: `.ci/run` installs it (`apt-get install -y chromium`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO_ROOT
from dashpipeline import HOSTILE_NAME, build
from pipeline import SFDX_PROJECT, cls, git, write

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it, so this is a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("Chromium is not installed: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed: make setup")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=ARGS)
        yield launched
        launched.close()


def sfsync(repo: Path, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "sfsync", *args, "--json"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


@pytest.fixture
def site(tmp_path: Path) -> dict[str, Any]:
    """The site of the pipeline in tests/dashpipeline.py, hostile event included, and what
    `sfsync status --json` says about the same pipeline."""
    built = build(tmp_path, hostile=True)
    out = tmp_path / "site"
    report = sfsync(built.admin, "report", "--html", str(out), "--drift", str(built.drift_file))
    status = sfsync(built.admin, "status")
    return {"dir": out, "report": report["result"], "status": status["result"]}


def test_the_graph_shows_every_env_with_the_status_counts(
    browser: Any, site: dict[str, Any], tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto((site["dir"] / "index.html").as_uri())
    nodes = page.locator("svg a.env")
    expected = site["status"]["environments"]
    assert nodes.count() == len(expected) == 5
    for env in expected:
        name = env["name"]
        node = page.locator(f'svg a.env[data-env="{name}"]')
        assert node.is_visible()
        assert name in (node.text_content() or "")
        if env["upstream"] is None:
            assert page.locator(f'g.edge-label[data-env="{name}"]').count() == 0
            continue
        label = page.locator(f'g.edge-label[data-env="{name}"]').text_content() or ""
        if env["known"]:
            behind = env["deploymentsBehind"]
            components = len(env["componentsBehind"])
            assert f"{behind} deployment" in label and f"{components} component" in label
            assert f"{behind} deployment" in (node.get_attribute("aria-label") or "")
        else:
            assert "never synced" in label
    statuses = {
        name: page.locator(f'svg a.env[data-env="{name}"]').get_attribute("class")
        for name in ("prod", "uat", "int", "dev1", "dev2")
    }
    assert statuses == {
        "prod": "env status-drifted",
        "uat": "env status-failed",
        "int": "env status-behind",
        "dev1": "env status-behind",
        "dev2": "env status-never-synced",
    }
    # as drawn by the browser (real fonts): no node or label overlaps another
    boxes = [(n, nodes.nth(i).bounding_box()) for i, n in enumerate(range(nodes.count()))]
    labels = page.locator("g.edge-label text")
    boxes += [(f"label{i}", labels.nth(i).bounding_box()) for i in range(labels.count())]
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            assert not _overlap(box_a, box_b), (a, b)
    shot = tmp_path / "dashboard-graph.png"
    page.locator(".graph").screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    if os.environ.get("SFSYNC_ARTIFACTS"):
        keep = Path(os.environ["SFSYNC_ARTIFACTS"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep / shot.name)
    page.close()


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_links_lead_to_the_env_and_component_pages_and_back(
    browser: Any, site: dict[str, Any]
) -> None:
    page = browser.new_page()
    index = (site["dir"] / "index.html").as_uri()
    page.goto(index)
    page.locator('svg a.env[data-env="uat"]').click()
    page.wait_for_url("**/envs/uat.html")
    assert page.locator("h1").inner_text() == "Environment uat"
    assert "ended without deploying" in page.locator("#timeline-h + p + ol").inner_text()
    page.get_by_role("link", name="ApexClass:Foo").first.click()
    page.wait_for_url("**/components/ApexClass_Foo-*.html")
    assert page.locator("h1").inner_text() == "ApexClass:Foo"
    rows = page.locator("table tbody tr").all_inner_texts()
    assert any(r.startswith("prod") and "deployed" in r for r in rows), rows
    assert any(r.startswith("uat") and "behind prod" in r for r in rows), rows
    page.go_back()
    page.wait_for_url("**/envs/uat.html")
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Pipeline").click()
    page.wait_for_url(index)
    # the keyboard alone: tab to the first env of the graph, Enter opens its page
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('data-env')") == "prod":
            break
    else:
        pytest.fail("no env of the graph takes the keyboard focus")
    page.keyboard.press("Enter")
    page.wait_for_url("**/envs/prod.html")
    assert "2 components drifted" in page.locator("#drift-h + p").inner_text()
    page.close()


def test_hostile_event_data_renders_as_text_and_runs_nothing(
    browser: Any, site: dict[str, Any]
) -> None:
    # the page's Content-Security-Policy would stop a script: bypass it, so only the
    # escaping stands between the hostile data and the browser
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((site["dir"] / "envs" / "int.html").as_uri())
    for summary in page.locator("details summary").all():
        summary.click()
    page.mouse.move(10, 10)
    for cell in page.locator("ol.timeline li").all():
        cell.hover()
    text = page.locator("main").inner_text()
    assert "<script>alert('summary')</script>" in text  # shown, as text
    assert HOSTILE_NAME in text
    assert page.locator("main script, main img, main [onerror], main [onmouseover]").count() == 0
    hostile_links = page.locator('a[href*="javascript:" i]')
    assert hostile_links.count() == 0
    # the hostile component's own page, reached through its link
    page.get_by_role("link", name=f"ApexClass:{HOSTILE_NAME}").click()
    page.wait_for_url("**/components/ApexClass_script_window.hacked*.html")
    assert page.locator("h1").inner_text() == f"ApexClass:{HOSTILE_NAME}"
    assert page.evaluate("typeof window.hacked") == "undefined"
    assert dialogs == [] and errors == []
    context.close()
    # and without the bypass, the policy is in force: an injected script would not run
    page = browser.new_page()
    page.goto((site["dir"] / "index.html").as_uri())
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert policy is not None and "default-src 'none'" in policy and "script-src" not in policy
    page.close()


@pytest.mark.parametrize(
    "path",
    ["index.html", "envs/int.html", "envs/prod.html", "components/index.html"],
)
def test_axe_finds_no_serious_accessibility_violation(
    browser: Any, site: dict[str, Any], path: str
) -> None:
    context = browser.new_context(bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    page.goto((site["dir"] / path).as_uri())
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    assert result["passes"], "axe ran no check"
    context.close()


def test_the_pages_fit_a_phone(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in ("index.html", "envs/int.html", "envs/uat.html"):
        page.goto((site["dir"] / path).as_uri())
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 375, (path, wide)  # wide tables and the graph scroll in their box
        assert page.locator("h1").is_visible()
        # a wide table scrolls in its box rather than squeezing a column to a letter a
        # line, nor breaks a time over lines: no row grows taller than three lines
        heights = page.evaluate(
            "[...document.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect().height)"
        )
        assert heights and max(heights) < 80, (path, heights)
    context.close()


WIDE_TEAMS = 10
LONG_NAME = "team-integration-environment-"  # + a number: 31 characters


@pytest.fixture(scope="module")
def wide_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard of a pipeline wider than a screen, with long env names: prod, 10 team
    envs under it, 3 developer sandboxes under each (no events yet)."""
    root = tmp_path_factory.mktemp("wide")
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Riley Release")
    git(repo, "config", "user.email", "riley@example.invalid")
    lines = ["version: 1", "environments:", "  prod: {org: prod, branch: main}"]
    for i in range(WIDE_TEAMS):
        team = f"{LONG_NAME}{i}"
        lines.append(f"  {team}: {{org: t{i}, branch: integration-branch-{i}, upstream: prod}}")
        for j in range(3):
            name = f"developer-sandbox-of-someone-{i}-{j}" if j else f"MMMMMMMMMMMMMMMMMMM{i}"
            lines.append(f"  {name}: {{org: d{i}x{j}, upstream: {team}}}")
    files = {"sfsync.yml": "\n".join(lines) + "\n", "sfdx-project.json": SFDX_PROJECT}
    write(repo, {**files, **cls("Base")}, "Initial project")
    for i in range(WIDE_TEAMS):
        git(repo, "branch", f"integration-branch-{i}")
    out = root / "site"
    report = sfsync(repo, "report", "--html", str(out))
    assert len(report["result"]["environments"]) == 1 + 4 * WIDE_TEAMS
    return out


def _graph_scale(page: Any) -> float:
    return float(
        page.evaluate(
            "(() => { const s = document.querySelector('.graph svg');"
            " return s.getBoundingClientRect().width / s.width.baseVal.value; })()"
        )
    )


def test_the_graph_keeps_its_size_and_a_wide_one_scrolls(
    browser: Any, site: dict[str, Any], wide_site: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # a pipeline wider than the screen is not shrunk until its words are unreadable: it
    # keeps its size and scrolls in its box, the page itself does not
    page.goto((wide_site / "index.html").as_uri())
    assert _graph_scale(page) == pytest.approx(1, abs=0.01)
    box = page.evaluate(
        "(() => { const g = document.querySelector('.graph');"
        " return [g.scrollWidth, g.clientWidth]; })()"
    )
    assert box[0] > box[1] + 1000, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # it opens at its left: the top of the pipeline is there, in view, not off to the right
    graph = page.locator(".graph").bounding_box()
    top = page.locator('svg a.env[data-env="prod"] rect.node').bounding_box()
    assert top["x"] >= graph["x"] and top["x"] + top["width"] <= graph["x"] + graph["width"]
    # the keyboard reaches an env off to the right: the box scrolls it into view
    last = page.locator("svg a.env").last
    last.focus()
    assert last.is_visible() and page.evaluate("document.querySelector('.graph').scrollLeft") > 0
    # and a small pipeline is not blown up past its size either
    page.goto((site["dir"] / "index.html").as_uri())
    assert _graph_scale(page) == pytest.approx(1, abs=0.01)
    page.close()


def test_every_word_of_a_node_stays_inside_it(browser: Any, wide_site: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((wide_site / "index.html").as_uri())
    # the words drawn past the node's right edge, and those the node's clip cuts there
    # (the bounding box of a text ignores its clip)
    drawn = """(clipped) => [...document.querySelectorAll('svg a.env')].flatMap(a => {
        const node = a.querySelector('rect.node').getBoundingClientRect();
        return [...a.querySelectorAll('text')].filter(t => {
            const r = t.getBoundingClientRect();
            let right = r.right;
            const g = t.closest('[clip-path]');
            if (clipped && g) {
                const id = g.getAttribute('clip-path').match(/#([^)]+)/)[1];
                right = Math.min(right, document.getElementById(id).firstElementChild
                    .getBoundingClientRect().right);
            }
            return r.left < node.left || right > node.right + 0.5;
        }).map(t => a.dataset.env + ': ' + t.textContent);
    })"""
    assert page.evaluate(drawn, True) == []
    # names of ordinary letters are cut short enough to fit whole; only the widest
    # letters (MMMM...) reach the clip
    cut = page.evaluate(drawn, False)
    assert cut and all(entry.startswith("MMMM") for entry in cut), cut
    assert page.locator("svg a.env").count() == 1 + 4 * WIDE_TEAMS
    page.close()


@pytest.mark.parametrize(
    ("ci", "outcome"),
    [
        pytest.param("true", pytest.fail.Exception, id="in-CI-it-fails"),
        pytest.param("", pytest.skip.Exception, id="elsewhere-it-skips"),
    ],
)
def test_without_chromium_the_tests_skip_except_in_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="Chromium is not installed"):
        _unavailable("Chromium is not installed: apt-get install -y chromium")
