"""The fault matrix, wording rows from a new user's walk through every command: what sfemu
serve says about logging in, `create-org` on an existing name, plurals, usage lines, the
rollback confirmation, the markdown status's last sync, backup commit messages."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from pipeline import SFSYNC_YML, Pipeline
from sfemu.cli import main as sfemu_main
from sfsync.cli import reports
from sfsync.cli.app import main
from sfsync.git import state
from sfsync.org import snapshots


def _lines(stream: IO[str], count: int, timeout: float) -> list[str]:
    """Up to `count` lines of `stream`, waiting at most `timeout` seconds for them."""
    got: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [got.put(line) for line in stream], daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while len(lines) < count and time.monotonic() < deadline:
        try:
            lines.append(got.get(timeout=max(0.01, deadline - time.monotonic())).strip())
        except queue.Empty:
            break
    return lines + [""] * (count - len(lines))


def test_sfemu_serve_says_how_to_log_in_to_each_org(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfemu", "serve", "--root", str(tmp_path / "emu"),
         "--org", "dev1:sandbox", "--org", "prod"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url = proc.stdout.readline().strip()  # still the first line: scripts read it
        assert url.startswith("http://127.0.0.1:")
        said = _lines(proc.stderr, 4, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()
    assert said[0] == f"sfemu: serving 2 orgs at {url} (Ctrl-C stops)"
    assert said[1].startswith("dev1 (sandbox, admin@dev1.sfemu.test): sfemu create-org --root ")
    assert said[2].startswith("prod (production, admin@prod.sfemu.test): sfemu create-org")
    assert f"sf org login access-token --instance-url {url}" in said[3]
    token = json.loads((tmp_path / "emu" / "orgs.json").read_text())["orgs"]["dev1"]
    assert token["access_token"] not in "\n".join(said)  # the command, never the secret


def test_create_org_on_an_existing_name_prints_the_same_login(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sfemu_main(["create-org", "--root", str(tmp_path), "dev1", "--sandbox"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert sfemu_main(["create-org", "--root", str(tmp_path), "dev1"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again == first and again["sandbox"] is True
    with pytest.raises(SystemExit):
        sfemu_main(["create-org", "--help"])
    assert "NAME may exist already" in capsys.readouterr().out


def test_compare_usage_names_its_sides_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "Usage: sfsync compare [OPTIONS] A B" in err and "{" not in err


def test_one_type_is_one_type() -> None:
    side = {"label": "uat", "kind": "org"}
    text = reports.compare({"a": side, "b": side, "types": ["ApexClass"], "same": 3})
    assert "(1 type)" in text and "(1 types)" not in text


def test_the_markdown_status_shows_who_synced_last() -> None:
    env = {
        "name": "dev1", "org": "dev1", "upstream": "int", "known": True,
        "deploymentsBehind": 0, "componentsBehind": [],
        "lastSync": {"kind": "pull-upstream", "when": "2026-01-02T03:04:05+00:00",
                     "who": "Ann Admin <ann@example.com>"},
    }  # fmt: skip
    text = reports.status({"environments": [env]})
    assert "2026-01-02T03:04 Ann Admin" in text and "pull-upstream" not in text


PROTECTED = SFSYNC_YML.replace(
    "prod: {org: prod, branch: main}", "prod: {org: prod, branch: main, protected: true}"
)


def test_rolling_back_a_protected_env_asks_to_confirm_the_rollback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = Pipeline(tmp_path, PROTECTED)
    repo = pipe.admin
    retrieved = tmp_path / "retrieved" / "force-app" / "main" / "default" / "classes"
    retrieved.mkdir(parents=True)
    (retrieved / "Base.cls").write_text("public class Base {}\n")
    (retrieved / "Base.cls-meta.xml").write_text("<ApexClass/>\n")
    snap = snapshots.create(
        repo, "prod", "prod", tmp_path / "retrieved", present=["ApexClass:Base"], absent=[]
    )
    event = state.Event(
        kind="deploy", components=("ApexClass:Base",), details={"snapshot": snap.ref}
    )
    state.update(repo, "prod", event, lambda s: s)
    monkeypatch.chdir(repo)

    code = main(["rollback", "--env", "prod", "--yes", "--json"])

    refused = json.loads(capsys.readouterr().out)
    assert code == 2, refused
    assert refused["message"] == "prod is protected: add --confirm prod to roll it back"


@pytest.mark.parametrize(
    ("first", "changes"),
    [
        pytest.param(True, 0, id="first-backup"),
        pytest.param(False, 0, id="nothing-changed"),
        pytest.param(False, 2, id="changes-listed"),
    ],
)
def test_backup_messages_have_no_double_blank_line(first: bool, changes: int) -> None:
    from sfsync.org import backups
    from sfsync.org.listed import Listed
    from sfsync.pipeline.config import Environment
    from sfsync.workflows import backup_commit

    listed = Listed("ApexClass", "Foo", modified_by="Ann")
    manifest = backups.Manifest(
        "prod", "prod", "2026-01-02", "full", "62.0", {"ApexClass:Foo": listed}
    )
    changed = [backup_commit.Change(f"ApexClass:C{i}", "Ann", "2026-01-02") for i in range(changes)]

    text = backup_commit.message(
        Environment("prod", "prod"), "full", first, [], changed, [], manifest
    )

    assert "\n\n\n" not in text and text.endswith("org: prod; 1 component\n"), text
