"""Anyone's text in a PR comment or a chat message is shown, never obeyed.

An org's error text, commit subjects, drift's user names and org aliases reached the
markdown report (`--format markdown`, the PR comment) and the Slack and Teams payloads raw:
`<!channel>` pinged a whole Slack channel, `[forged](https://evil.example)` and images
rendered, `</details>` closed sfsync's own block, `@team` notified a team, a pipe added table
columns and a line of backticks ended a code block. Each target is checked the way it reads
the text: the markdown through a CommonMark parser with GitHub's tables and raw HTML on
(markdown-it-py), Slack's mrkdwn by its `<...>` control sequences, Teams' card by which
elements Adaptive Cards read as markdown. And a webhook that echoes its token in an error
does not get it into the warning or `--json`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from pipeline import Pipeline
from sfsync.cli import app, notify, reports
from webhook import Receiver

EVIL = (
    "<!channel> <@U024BE7LH> [forged](https://evil.example/login) "
    "![pixel](https://evil.example/p.png) </details><img src=x onerror=alert(1)> "
    "<!-- hidden --> @acme/team #1 `code` *bold* | col | ~strike~ <https://evil.example|ok>"
)
FENCE_BREAK = "first line\n```\n# injected heading\n[forged](https://evil.example)"


def html(markdown: str) -> str:
    """What GitHub would render, near enough: CommonMark, pipe tables, raw HTML allowed."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def assert_inert(rendered: str) -> None:
    """Nothing of EVIL became HTML: no link, image, tag or comment of its own, no mention."""
    assert "evil.example" not in " ".join(re.findall(r"<a [^>]*>", rendered)), rendered
    assert "<img" not in rendered and "<!--" not in rendered and "</details>" not in rendered
    assert "<em>" not in rendered and "<strong>bold" not in rendered and "<s>" not in rendered
    assert "@acme" not in rendered and "#1 " not in rendered  # a zero-width space in both
    assert "&lt;!channel&gt;" in rendered  # the text itself is shown


def rows_have(rendered: str, columns: int) -> None:
    """Every row of every table has its header's cell count; the first table has `columns`."""
    tables = re.findall(r"<table>(.*?)</table>", rendered, flags=re.S)
    assert tables, rendered
    for index, table in enumerate(tables):
        counts = [
            len(re.findall(r"<t[dh][ >]", row))
            for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        ]
        assert len(set(counts)) == 1, table
        if index == 0:
            assert counts[0] == columns, table


RESULTS = {
    "status": (
        reports.status,
        {
            "environments": [
                {
                    "name": "dev1",
                    "org": EVIL,
                    "upstream": "int",
                    "known": True,
                    "deploymentsBehind": 1,
                    "componentsBehind": ["ApexClass:A"],
                    "lastSync": {"kind": "deploy", "when": "2026-12-01T10:00", "who": EVIL},
                    "deployments": [
                        {"sha": "abc1234", "subject": EVIL, "author": EVIL, "date": "2026-12"}
                    ],
                }
            ]
        },
        6,
    ),
    "drift": (
        reports.drift,
        {
            "env": "int",
            "org": "acme-int",
            "drift": True,
            "expected": {"ref": "int", "commit": "abc1234"},
            "changed": [
                {
                    "component": "ApexClass:A",
                    "lastModifiedByName": EVIL,
                    "lastModifiedDate": EVIL,
                }
            ],
            "warnings": [EVIL],
        },
        4,
    ),
    "deploy": (
        reports.deploy,
        {
            "plan": {"env": "int", "org": EVIL, "branch": EVIL, "from": "a", "to": "b"},
            "deployed": ["ApexClass:A"],
            "deleted": [],
            "forced": [{"component": "ApexClass:A", "lastModifiedByName": EVIL}],
            "warnings": [EVIL],
        },
        5,
    ),
}


@pytest.mark.parametrize("name", list(RESULTS))
def test_the_markdown_report_shows_hostile_text_as_text(name: str) -> None:
    render, result, columns = RESULTS[name]
    markdown = render(result)
    rendered = html(markdown)
    assert_inert(rendered)
    rows_have(rendered, columns)


def test_a_failure_report_keeps_an_error_inside_its_code_block() -> None:
    markdown = reports.failure(
        "sfsync deploy",
        "DeployFailed",
        EVIL + "\n" + FENCE_BREAK,
        {"failures": [{"component": "ApexClass:A", "line": 3, "problem": EVIL}]},
    )
    rendered = html(markdown)
    assert_inert(rendered)
    assert "<h1>" not in rendered  # `# injected heading` stayed inside the block
    assert rendered.count("<pre>") == 1
    rows_have(rendered, 3)


def test_compare_diffs_keep_their_fence() -> None:
    markdown = reports.compare(
        {
            "a": {"label": "int"},
            "b": {"label": "uat"},
            "different": [{"component": "ApexClass:A"}],
            "diffs": {"ApexClass:A": "- old\n+ new ```\n```\n# out of the block\n"},
        }
    )
    rendered = html(markdown)
    assert "<h1>" not in rendered and rendered.count("<pre>") == 1


MESSAGE = notify.Message("failure", f"sfsync deploy failed: {EVIL}", (EVIL, EVIL), ok=False)


def test_slack_shows_hostile_text_as_text() -> None:
    body = notify.payload("slack", notify.Message(**{**MESSAGE.__dict__, "link": "https://ci/1"}))
    text = body["blocks"][0]["text"]["text"]
    # Slack reads `<...>` as links, mentions (`<@U..>`) and commands (`<!channel>`): only ours
    assert re.findall(r"<[^>]*>", text) == ["<https://ci/1|CI run>"]
    assert re.findall(r"<[^>]*>", body["text"]) == []
    assert "&lt;!channel&gt;" in text and "&lt;@\u200bU024BE7LH&gt;" in text
    assert "*bold*" not in text and "`code`" not in text and "~strike~" not in text
    assert text.startswith("*sfsync deploy failed: ")  # sfsync's own bold title stays


def test_teams_shows_hostile_text_as_text() -> None:
    card = notify.payload("teams", MESSAGE)["attachments"][0]["content"]

    def elements(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            return [node, *(e for v in node.values() for e in elements(v))]
        if isinstance(node, list):
            return [e for v in node for e in elements(v)]
        return []

    found = elements(card["body"])
    # Adaptive Cards read TextBlock text as markdown, TextRun text never
    assert [e for e in found if e.get("type") == "TextBlock"] == []
    runs = [e["text"] for e in found if e.get("type") == "TextRun"]
    assert len(runs) == 3 and all("[forged](https://evil.example/login)" in r for r in runs)
    assert all("@acme" not in r for r in runs)


def test_a_webhook_that_echoes_its_token_gets_it_into_no_warning(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    token = receiver.url.rsplit("/", 1)[1]  # the secret part of the hook's path
    url = receiver.url + "?sig=Zm9vYmFyYmF6cXV4"
    receiver.status = 403
    receiver.answer = f"invalid_token: {token} (sig Zm9vYmFyYmF6cXV4, T%2F{token})"
    problem = notify.send("slack", url, MESSAGE)
    assert problem is not None and problem.startswith("slack answered HTTP 403: invalid_token")
    assert token not in problem and "Zm9vYmFyYmF6cXV4" not in problem
    # through a command: the warning on stderr and the notification in --json
    pipe = Pipeline(tmp_path)
    monkeypatch.chdir(pipe.admin)
    monkeypatch.setenv("SFSYNC_WEBHOOK_URL", url)
    capsys.readouterr()
    assert app.main(["deploy", "--env", "int", "--yes", "--notify", "slack", "--json"]) == 2
    out = capsys.readouterr()
    envelope = json.loads(out.out)
    assert envelope["data"]["notification"]["sent"] is False
    assert "invalid_token" in envelope["data"]["notification"]["reason"]
    assert token not in out.out + out.err and "Zm9vYmFyYmF6cXV4" not in out.out + out.err
