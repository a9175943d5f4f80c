"""The commands' JSON contract, human output and exit codes, run through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline import SFSYNC_YML, Pipeline, cls, git
from sfsync.__main__ import main


def run_json(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> dict[str, Any]:
    assert main([*args, "--json"]) == code
    envelope: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert envelope["status"] == code
    return envelope


@pytest.fixture
def dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pipe = Pipeline(tmp_path)
    repo = pipe.developer("dev1")
    pipe.deploy("int", cls("Foo"), "Add Foo")
    pipe.deploy("uat", cls("Bar"), "Add Bar on uat")
    git(repo, "fetch", "-q", "origin")
    monkeypatch.chdir(repo)
    return repo


def test_status_json(dev: Path, capsys: pytest.CaptureFixture[str]) -> None:
    envs = run_json(capsys, "status")["result"]["environments"]
    by_name = {e["name"]: e for e in envs}
    assert [e["name"] for e in envs] == ["prod", "uat", "int", "dev1", "dev2"]
    assert by_name["int"]["upstream"] == "uat"
    assert by_name["int"]["deploymentsBehind"] == 1
    assert by_name["int"]["componentsBehind"] == ["ApexClass:Bar"]
    assert by_name["dev1"]["deploymentsBehind"] == 1
    assert by_name["dev1"]["deployments"][0]["subject"] == "Add Foo"
    assert set(by_name["dev1"]["deployments"][0]) >= {"sha", "subject", "author", "date"}
    assert by_name["dev1"]["syncedTo"] == git(dev, "rev-parse", "origin/int~1")
    assert by_name["prod"]["deploymentsBehind"] == 0 and by_name["prod"]["upstream"] is None
    assert by_name["dev2"]["syncedTo"] is None and by_name["dev2"]["deploymentsBehind"] is None
    only = run_json(capsys, "status", "--env", "int")["result"]["environments"]
    assert [e["name"] for e in only] == ["int"]


def test_status_human(dev: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    out, err = capsys.readouterr()  # the answer on stdout (`sfsync status > st.txt`)
    assert "deployments behind" in out and "never synced" in out
    assert "dev1: " in out and "Add Foo" in out
    assert err == ""


def test_mark_synced_to_a_stale_local_branch_says_so(
    dev: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mark-synced int` where `origin/int` was meant: the local int is a clone-time copy,
    behind what was deployed since. Recorded as asked, with a note naming the newer commit;
    origin/int (and a local branch that is up to date) gets none."""
    git(dev, "branch", "int", "origin/int~1")
    stale = run_json(capsys, "mark-synced", "int")["result"]
    assert stale["syncedTo"] == git(dev, "rev-parse", "origin/int~1")
    (note,) = stale["warnings"]
    assert note.startswith("note: your local branch int is behind origin/int ("), note
    assert "run `sfsync mark-synced` again with origin/int" in note
    assert main(["mark-synced", "int"]) == 0
    out, err = capsys.readouterr()
    assert "dev1 holds int at" in out and err.startswith("note: your local branch int"), err
    assert run_json(capsys, "mark-synced", "origin/int")["result"]["warnings"] == []
    git(dev, "branch", "-f", "int", "origin/int")
    assert run_json(capsys, "mark-synced", "int")["result"]["warnings"] == []


def test_mark_synced_and_log(dev: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "mark-synced", "--push")["result"]
    tip = git(dev, "rev-parse", "origin/int")
    assert result["syncedTo"] == tip and result["env"] == "dev1"
    assert git(dev, "ls-remote", "origin", "refs/sfsync/envs/dev1").split()[0] == result["event"]
    events = run_json(capsys, "log")["result"]["events"]
    assert [e["kind"] for e in events] == ["mark-synced", "mark-synced"]
    assert events[0]["to"] == tip and events[0]["from"] == events[1]["to"]
    assert events[0]["state"]["syncedTo"] == tip
    assert main(["log", "-n", "1"]) == 0
    assert capsys.readouterr().out.count("mark-synced") == 1
    refused = run_json(capsys, "log", "-n", "0", code=2)
    assert refused["message"] == "-n/--limit 0: show at least 1 event (or leave it out for all)"


def test_log_component_human_and_json(dev: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sfsync.git import state

    deployed = state.update(
        dev,
        "int",
        state.Event(kind="deploy", to_sha="a" * 40, components=("ApexClass:Foo",)),
        lambda s: s,
    )
    state.update(
        dev,
        "int",
        state.Event(
            kind="rollback", components=("ApexClass:Foo",), details={"rolledBack": deployed.commit}
        ),
        lambda s: s,
    )
    assert main(["log", "--env", "int", "--component", "apexclass:foo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "restored" in lines[0] and f"(undoes {deployed.commit[:7]})" in lines[0]
    assert "deployed" in lines[1] and " aaaaaaa, undone by " in lines[1]
    history = run_json(capsys, "log", "--env", "int", "--component", "ApexClass:Foo")["result"]
    assert [h["action"] for h in history["history"]] == ["restored", "deployed"]
    assert main(["log", "--env", "int", "--component", "ApexClass:Bar"]) == 0
    assert "no recorded event changed ApexClass:Bar" in capsys.readouterr().out
    refused = run_json(capsys, "log", "--env", "int", "--component", "Foo", code=2)
    assert "write Type:FullName" in refused["message"]


def test_log_component_with_a_mistyped_type_says_so(
    dev: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`Apexclas:Foo` is a typo (exit 2, with the type meant), not a component without history."""
    refused = run_json(capsys, "log", "--env", "int", "--component", "Apexclas:Foo", code=2)
    assert refused["message"] == (
        "--component Apexclas:Foo: 'Apexclas' is not a metadata type (did you mean "
        "'ApexClass'?); write Type:FullName (ApexClass:Foo)"
    )
    assert run_json(capsys, "log", "--env", "int", "--component", "flow:Nope")["result"] == {
        "env": "int",
        "component": "flow:Nope",
        "history": [],
    }


def test_log_component_names_what_a_forced_rollback_overwrote(
    dev: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sfsync.git import state

    def event(kind: str, **details: object) -> state.Record:
        made = state.Event(
            kind=kind, to_sha="a" * 40, components=("ApexClass:Foo",), details=details
        )
        return state.update(dev, "int", made, lambda s: s)

    older, later = event("deploy"), event("deploy")
    event(
        "rollback",
        rolledBack=older.commit,
        overLater=[{"component": "ApexClass:Foo", "events": [{"event": later.commit}]}],
        forced=[{"component": "ApexClass:Foo", "lastModifiedByName": "Maria Admin"}],
    )
    assert main(["log", "--env", "int", "--component", "ApexClass:Foo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(
        f"(undoes {older.commit[:7]}; over {later.commit[:7]}; "
        "overwrote a change in the org by Maria Admin)"
    )
    assert [line.split(", undone by ")[-1][:7] == lines[0][:7] for line in lines[1:]] == [
        True,
        True,
    ]


def test_ignore_command(dev: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sha = git(dev, "rev-parse", "origin/int")
    result = run_json(capsys, "ignore", sha[:7])["result"]
    assert result["ignored"] == [sha] and result["components"] == ["ApexClass:Foo"]
    assert main(["log", "-n", "1"]) == 0
    assert capsys.readouterr().out.rstrip().endswith(" (1 component)")  # not "1 components"
    failure = run_json(capsys, "ignore", code=2)
    assert failure["name"] == "UsageError" and "--all" in failure["message"]
    failure = run_json(capsys, "ignore", "nope", code=2)
    assert failure["message"] == "'nope' is not a commit in this repository"


def test_config_validate(dev: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "config", "validate")["result"]
    assert result["valid"] is True and result["packageDirectories"] == ["force-app"]
    assert [e["name"] for e in result["environments"]][:3] == ["prod", "uat", "int"]
    (dev / "sfsync.yml").write_text(SFSYNC_YML.replace("environments:", "enviroments:"))
    failure = run_json(capsys, "config", "validate", code=2)
    assert failure["name"] == "ConfigError"
    assert failure["data"]["errors"] == [
        "sfsync.yml:1: (top level): missing required key 'environments'",
        "sfsync.yml:3: enviroments: unknown key (did you mean 'environments'?)",
    ]
    assert main(["config", "validate"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "enviroments: unknown key" in err


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["status"], id="status"),
        pytest.param(["log"], id="log"),
        pytest.param(["mark-synced"], id="mark-synced"),
        pytest.param(["ignore", "--all"], id="ignore"),
        pytest.param(["install-hooks"], id="install-hooks"),
        pytest.param(["check"], id="check"),
    ],
)
def test_every_command_validates_config(
    dev: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    (dev / "sfsync.yml").write_text(SFSYNC_YML.replace("upstream: int}", "upstream: itn}"))
    failure = run_json(capsys, *command, code=2)
    assert failure["name"] == "ConfigError"
    assert "'itn' is not an environment (did you mean 'int'?)" in failure["message"]


def test_no_env_configured(dev: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(dev, "config", "--unset", "sfsync.env")
    failure = run_json(capsys, "mark-synced", code=2)
    assert "git config sfsync.env <name>" in failure["message"]


def test_status_fetch(dev: Path, capsys: pytest.CaptureFixture[str]) -> None:
    remote = dev.parent / "remote.git"
    admin = dev.parent / "admin"
    git(admin, "checkout", "-q", "int")
    (admin / "force-app/main/default/classes").mkdir(parents=True, exist_ok=True)
    for name, text in cls("Late").items():
        (admin / name).write_text(text)
    git(admin, "add", "-A")
    git(admin, "commit", "-q", "-m", "Late deployment")
    git(admin, "push", "-q", str(remote), "int")
    plain = run_json(capsys, "status", "--env", "dev1")["result"]["environments"][0]
    assert plain["deploymentsBehind"] == 1  # the hook and status never touch the network
    fetched = run_json(capsys, "status", "--env", "dev1", "--fetch")["result"]["environments"][0]
    assert [d["subject"] for d in fetched["deployments"]] == ["Late deployment", "Add Foo"]


def test_status_lists_ten_deployments_per_env_unless_one_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = Pipeline(tmp_path)
    repo = pipe.developer("dev1")
    for n in range(12):
        pipe.deploy("int", cls(f"C{n}"), f"Add C{n}")
    git(repo, "fetch", "-q", "origin")
    monkeypatch.chdir(repo)
    assert main(["status"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if "  dev1: " in line]
    assert [line.split()[2:4] for line in listed[:10]] == [
        ["Add", f"C{n}"] for n in range(11, 1, -1)
    ]
    assert listed[10:] == ["  dev1: ... and 2 more (sfsync status --env dev1)"]
    assert main(["status", "--env", "dev1"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if "  dev1: " in line]
    assert len(listed) == 12 and "more" not in listed[-1]
    envs = run_json(capsys, "status")["result"]["environments"]
    assert len(next(e for e in envs if e["name"] == "dev1")["deployments"]) == 12
