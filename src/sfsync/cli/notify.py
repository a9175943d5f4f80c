"""Chat notifications: a Slack or Microsoft Teams incoming-webhook message about a result.

A notification is a courtesy: `send` never raises. It returns None when the message was
delivered, else one line saying why not (the deploy it reports on has succeeded or failed
on its own). The webhook URL is a secret: it comes from an environment variable (a CI
secret) and never appears in a message, a log or an error (`sfsync.errors.redact` knows the
Slack and Teams URL shapes, and `send` scrubs the URL it was given from every error).

Payloads:

- Slack incoming webhook: `{"text": ..., "blocks": [...]}`, a `section` block in `mrkdwn`;
  Slack answers 200 `ok`, or 400 `invalid_payload`, 403/404 `no_service`... (Slack API docs,
  "Sending messages using incoming webhooks").
- Teams: a `message` whose attachment is an Adaptive Card
  (`application/vnd.microsoft.card.adaptive`), the shape that both the classic connector
  webhooks and the Workflows "when a Teams webhook request is received" flows accept
  (Microsoft Learn, "Create Incoming Webhooks: send Adaptive Cards using an Incoming Webhook").

    from sfsync.cli import notify
    message = notify.for_result("sfsync deploy", result_json)      # or notify.Message(...)
    problem = notify.send("slack", os.environ["SFSYNC_WEBHOOK_URL"], message)

`drift` (and any command) builds its own `Message(event="drift", ok=False, ...)`.

A message's title and lines carry anyone's text (an org's error, a commit subject, a user
name): each service gets it escaped its own way. Slack mrkdwn: `&`, `<` and `>` as `&amp;`,
`&lt;`, `&gt;` (Slack API docs, "Formatting text for app surfaces: escaping text"), so
`<!channel>`, `<@U123>` and `<https://evil|forged>` stay text, and `*_~`` ` `` with a
zero-width space after them (no bold or code of theirs); Teams: `TextRun`s in
`RichTextBlock`s, which Adaptive Cards never read as markdown (schema explorer, TextRun:
"Markdown is not supported"), so `[forged](https://...)` stays text. Both lose terminal
control and have a zero-width space after `@`.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sfsync.errors import plural, printable, redact

SERVICES = ("slack", "teams")
EVENTS = ("success", "failure", "drift")
DEFAULT_URL_ENV = "SFSYNC_WEBHOOK_URL"
TIMEOUT = 10.0  # seconds: a chat service that does not answer must not hold up a pipeline
LINES = 12  # detail lines per message; the rest is "... and N more"


@dataclass(frozen=True)
class Message:
    """What a notification says: a title, a few lines, and whether it is good news."""

    event: str
    """success | failure | drift"""
    title: str
    lines: tuple[str, ...] = ()
    ok: bool = True
    link: str | None = None
    """The CI run that produced it (see `ci_link`)."""


def send(service: str, url: str, message: Message, *, timeout: float = TIMEOUT) -> str | None:
    """POST `message` to the webhook; None when it was accepted, else why not (one line)."""
    if service not in SERVICES:
        return f"unknown notification service '{service}' (use {' or '.join(SERVICES)})"
    if not url.startswith(("https://", "http://")):
        return "the webhook URL does not start with https://"
    body = json.dumps(payload(service, message)).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": "sfsync"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            answer = response.read(200).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode("utf-8", errors="replace").strip()
        return _scrub(f"{service} answered HTTP {exc.code}: {detail or exc.reason}", url)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return _scrub(f"could not reach {service}: {reason}", url)
    if service == "slack" and answer.strip() not in ("", "ok"):
        return _scrub(f"slack answered HTTP {status}: {answer.strip()}", url)
    return None


def payload(service: str, message: Message) -> dict[str, Any]:
    """The JSON body for `service` (every text escaped for it: see the module doc)."""
    lines = list(message.lines[:LINES])
    if len(message.lines) > LINES:
        lines.append(f"... and {len(message.lines) - LINES} more")
    if service == "slack":
        text = "\n".join([f"*{slack_text(message.title)}*", *map(slack_text, lines)])
        if message.link:
            text += f"\n<{slack_url(message.link)}|CI run>"
        return {
            "text": slack_text(message.title),  # what notifications and old clients show
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
    title = {
        "type": "TextRun",
        "text": plain(message.title),
        "weight": "Bolder",
        "size": "Medium",
        "color": "Good" if message.ok else "Attention",
    }
    body: list[dict[str, Any]] = [{"type": "RichTextBlock", "inlines": [title]}]
    body += [
        {
            "type": "RichTextBlock",
            "inlines": [{"type": "TextRun", "text": plain(line)}],
            "spacing": "None",
        }
        for line in lines
    ]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "CI run", "url": message.link}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


_ZERO_WIDTH = "\u200b"


def plain(text: str) -> str:
    """Anyone's text for a chat message: no terminal control, one line, no mention (`@`
    followed by a zero-width space)."""
    return " ".join(printable(text).split()).replace("@", "@" + _ZERO_WIDTH)


def slack_text(text: str) -> str:
    """Anyone's text inside Slack mrkdwn: shown as it is, never a link, mention or format."""
    shown = plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for mark in "*_~`":
        shown = shown.replace(mark, mark + _ZERO_WIDTH)
    return shown


def slack_url(url: str) -> str:
    """A URL inside Slack's `<url|label>`: `|` and `>` cannot end it early."""
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def ci_link(environ: Mapping[str, str] | None = None) -> str | None:
    """The URL of the CI run, from the variables GitHub, GitLab, Azure or Bitbucket set."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    if env.get("CI_JOB_URL"):
        return env["CI_JOB_URL"]
    if env.get("SYSTEM_COLLECTIONURI") and env.get("BUILD_BUILDID"):
        project = env.get("SYSTEM_TEAMPROJECT", "")
        return (
            f"{env['SYSTEM_COLLECTIONURI'].rstrip('/')}/{project}/_build/results"
            f"?buildId={env['BUILD_BUILDID']}"
        )
    if env.get("BITBUCKET_GIT_HTTP_ORIGIN") and env.get("BITBUCKET_BUILD_NUMBER"):
        return (
            f"{env['BITBUCKET_GIT_HTTP_ORIGIN']}/pipelines/results/{env['BITBUCKET_BUILD_NUMBER']}"
        )
    return None


# --- messages from results --------------------------------------------------------------------


def for_result(command: str, result: Mapping[str, Any]) -> Message:
    """A success message from a command's `--json` result (deploy, pull-upstream, back-promote)."""
    if "envs" in result:  # back-promote
        envs: Sequence[Mapping[str, Any]] = result["envs"]
        lines = tuple(_env_line(e) for e in envs)
        return Message("success", f"{command} from {result.get('from')}: done", lines)
    env, org = result.get("env"), result.get("org")
    deployed, deleted = result.get("deployed", []), result.get("deleted", [])
    if result.get("checkOnly"):
        title = (
            f"{command} --validate {env} ({org}): {plural(len(deployed), 'component')} would deploy"
        )
    elif "syncedTo" in result:  # pull-upstream
        title = (
            f"{command}: {env} synced to {result.get('upstream')} "
            f"{str(result.get('syncedTo'))[:7]}: {len(deployed)} deployed, {len(deleted)} deleted"
        )
    else:
        title = f"{command} {env} ({org}): {len(deployed)} deployed, {len(deleted)} deleted"
    lines = tuple(
        [*(f"deployed {c}" for c in deployed), *(f"deleted {c}" for c in deleted)]
        + [f"skipped {c['component']} (changed in the org)" for c in result.get("skipped", [])]
    )
    return Message("success", title, lines)


def for_failure(command: str, name: str, message: str, data: Mapping[str, Any]) -> Message:
    """A failure message from the error a command raised."""
    first, *rest = message.splitlines() or [""]
    lines = [f"{f.get('component')}: {f.get('problem')}" for f in data.get("failures", [])]
    lines += [_env_line(e) for e in data.get("envs", []) if isinstance(e, Mapping)]
    if not lines:
        lines = [line.strip() for line in rest if line.strip()]
    return Message("failure", f"{command} failed ({name}): {first}", tuple(lines), ok=False)


def _env_line(env: Mapping[str, Any]) -> str:
    status = env.get("status")
    if status == "failed":
        return f"{env.get('env')}: failed: {(env.get('reason') or '').splitlines()[0]}"
    counts = ""
    if env.get("deployed") is not None:
        counts = f", {len(env.get('deployed', []))} deployed, {len(env.get('deleted', []))} deleted"
    return f"{env.get('env')}: {status}{counts}"


def _scrub(text: str, url: str) -> str:
    """`text` without the URL nor any secret part of it (its path, each long path segment or
    query value: Slack and Teams answers can echo just the token), in any encoding, redacted."""
    from urllib.parse import quote, unquote, urlsplit

    parts = urlsplit(url)
    secrets = [url, url.split("?", 1)[0], parts.path.lstrip("/"), parts.query]
    secrets += [segment for segment in parts.path.split("/") if len(segment) >= 8]
    secrets += [value for _, _, value in (q.partition("=") for q in parts.query.split("&"))]
    found = set()
    for secret in secrets:
        if len(secret) >= 8:
            found |= {secret, unquote(secret), quote(secret, safe=""), quote(unquote(secret))}
    for secret in sorted(found, key=len, reverse=True):
        text = text.replace(secret, "<webhook URL>" if secret.startswith("http") else "<secret>")
    return redact(text)
