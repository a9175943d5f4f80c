"""Slack / Teams notifications against a local HTTP receiver started by the test."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline import Pipeline
from sfemu.testing import LoggedInOrg
from sfsync.cli import app, notify
from sfsync.errors import ConfigError
from sfsync.pipeline.config_validation import validate_text
from webhook import SECRET_PATH, Receiver
from workflows import BASE_FILES, apex, commit, new_repo, seed

MESSAGE = notify.Message(
    "failure",
    "sfsync deploy failed (DeployFailed): deploy to org 'int' failed",
    tuple(f"ApexClass:C{i}: Invalid type" for i in range(notify.LINES + 3)),
    ok=False,
    link="https://ci.example/run/1",
)


def test_slack_payload_is_mrkdwn_section() -> None:
    body = notify.payload("slack", MESSAGE)
    assert body["text"] == MESSAGE.title
    text = body["blocks"][0]["text"]
    assert body["blocks"][0]["type"] == "section" and text["type"] == "mrkdwn"
    lines = text["text"].splitlines()
    assert lines[0] == f"*{MESSAGE.title}*"
    assert lines[notify.LINES + 1] == "... and 3 more"
    assert lines[-1] == "<https://ci.example/run/1|CI run>"


def test_teams_payload_is_an_adaptive_card_message() -> None:
    body = notify.payload("teams", MESSAGE)
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    (title,) = card["body"][0]["inlines"]  # TextRuns: never read as markdown
    assert title["text"] == MESSAGE.title and title["color"] == "Attention"
    assert len(card["body"]) == 1 + notify.LINES + 1
    assert card["actions"][0]["url"] == "https://ci.example/run/1"


def test_send_posts_json_and_reports_delivery(receiver: Receiver) -> None:
    assert notify.send("slack", receiver.url, MESSAGE) is None
    (request,) = receiver.requests
    assert request["path"] == SECRET_PATH
    assert request["contentType"] == "application/json"
    assert request["json"] == notify.payload("slack", MESSAGE)


@pytest.mark.parametrize(
    ("status", "answer", "expected"),
    [
        pytest.param(404, "no_service", "slack answered HTTP 404: no_service", id="gone"),
        pytest.param(200, "invalid_payload", "slack answered HTTP 200: invalid_payload", id="odd"),
        pytest.param(500, "", "slack answered HTTP 500: Internal Server Error", id="500"),
    ],
)
def test_a_refused_message_is_one_line_without_the_url(
    receiver: Receiver, status: int, answer: str, expected: str
) -> None:
    receiver.status, receiver.answer = status, answer
    problem = notify.send("slack", receiver.url, MESSAGE)
    assert problem == expected


def test_an_unreachable_service_is_one_line_without_the_url() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}{SECRET_PATH}"
    problem = notify.send("teams", url, MESSAGE, timeout=2)
    assert problem is not None and problem.startswith("could not reach teams: ")
    assert "s3cr3t" not in problem
    assert (
        notify.send("teams", "ftp://x", MESSAGE) == "the webhook URL does not start with https://"
    )


def test_ci_link_from_the_ci_variables() -> None:
    github = {"GITHUB_RUN_ID": "42", "GITHUB_REPOSITORY": "acme/crm"}
    assert notify.ci_link(github) == "https://github.com/acme/crm/actions/runs/42"
    assert notify.ci_link({"CI_JOB_URL": "https://gitlab.example/j/7"}) == (
        "https://gitlab.example/j/7"
    )
    assert notify.ci_link({}) is None


def test_the_url_stays_out_of_sfsync_yml() -> None:
    text = (
        "version: 1\nenvironments:\n  prod: {org: p, branch: main}\n"
        "notify:\n  service: slack\n  url_env: https://hooks.slack.com/services/T0/B0/XyZsecret\n"
    )
    with pytest.raises(ConfigError) as caught:
        validate_text(text)
    assert "sfsync.yml:6: notify.url_env: must name an environment variable" in caught.value.message
    assert "XyZsecret" not in caught.value.message
    ok = validate_text(text.replace("https://hooks.slack.com/services/T0/B0/XyZsecret", "HOOK"))
    assert ok["notify"] == {"service": "slack", "url_env": "HOOK"}


# --- through the commands -----------------------------------------------------------------


CONFIG_WITH_TEAMS = """\
version: 1
remote: origin
environments:
  prod: {org: prod, branch: main}
  int:  {org: int, branch: int, upstream: prod}
notify:
  service: teams
  url_env: TEAMS_HOOK
  events: [failure]
"""


def test_a_failed_command_notifies_and_keeps_its_exit_code(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pipe = Pipeline(tmp_path, CONFIG_WITH_TEAMS)
    monkeypatch.chdir(pipe.admin)
    monkeypatch.setenv("TEAMS_HOOK", receiver.url)
    capsys.readouterr()
    assert app.main(["deploy", "--env", "int", "--yes", "--json"]) == 2
    out = capsys.readouterr()
    envelope = json.loads(out.out)
    assert "no recorded deployment yet" in envelope["message"]
    assert envelope["data"]["notification"] == {
        "service": "teams",
        "event": "failure",
        "sent": True,
    }
    (body,) = receiver.bodies()
    title = body["attachments"][0]["content"]["body"][0]["inlines"][0]["text"]
    assert title.startswith("sfsync deploy failed (UsageError): int has no recorded deployment")
    assert "s3cr3t" not in out.out + out.err


def test_notify_without_the_url_variable_warns_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pipe = Pipeline(tmp_path)
    monkeypatch.chdir(pipe.admin)
    monkeypatch.delenv("SFSYNC_WEBHOOK_URL", raising=False)
    capsys.readouterr()
    code = app.main(["deploy", "--env", "int", "--yes", "--notify", "slack", "--json"])
    out = capsys.readouterr()
    assert code == 2
    assert json.loads(out.out)["data"]["notification"]["sent"] is False
    assert "warning: --notify slack: SFSYNC_WEBHOOK_URL is not set, no message sent" in out.err
    assert app.main(["deploy", "--env", "int", "--notify", "email"]) == 2
    assert "--notify email: use slack or teams" in capsys.readouterr().err


Login = Callable[..., LoggedInOrg]


@pytest.mark.e2e
def test_a_deploy_notifies_and_a_failed_notification_never_fails_it(
    tmp_path: Path,
    receiver: Receiver,
    sfemu_login: Login,
    sf_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    org = sfemu_login("notify-int")
    seed(org.handle, BASE_FILES)
    repo, base = new_repo(tmp_path, {"prod": "notify-prod", "int": "notify-int"}, BASE_FILES)
    commit(repo, apex("Story"), "a story")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("SFSYNC_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("GITHUB_RUN_ID", "7")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/crm")
    receiver.status, receiver.answer = 500, "boom"
    capsys.readouterr()
    args = ["deploy", "--env", "int", "--baseline", base, "--yes", "--notify", "slack"]

    assert app.main([*args, "--json"]) == 0  # the receiver failed, the deploy did not
    out = capsys.readouterr()
    result = json.loads(out.out)["result"]
    assert result["deployed"] == ["ApexClass:Story"]
    assert result["notification"] == {
        "service": "slack",
        "event": "success",
        "sent": False,
        "reason": "slack answered HTTP 500: boom",
    }
    assert "warning: the slack notification was not sent: slack answered HTTP 500" in out.err
    assert "s3cr3t" not in out.out + out.err
    (body,) = receiver.bodies()
    assert body["text"] == "sfsync deploy int (notify-int): 1 deployed, 0 deleted"
    assert "deployed ApexClass:Story" in body["blocks"][0]["text"]["text"]
    assert "https://github.com/acme/crm/actions/runs/7" in body["blocks"][0]["text"]["text"]
