"""`sfsync deploy` and `sfsync rollback` through the real entry point, sf against sfemu."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sfemu.testing import LoggedInOrg
from sfsync.__main__ import main
from sfsync.git import state
from sfsync.org import sf, snapshots
from workflows import apex, commit, expected_org, git, new_repo, org_files, seed

Login = Callable[..., LoggedInOrg]
BASE = {**apex("Foo", " Integer v = 1; "), **apex("Bar"), **apex("Keep")}
TIP = {**apex("Foo", " Integer v = 2; "), **apex("Baz"), **apex("Keep")}
CHANGE = {**TIP, **{path: None for path in apex("Bar")}}


def run_json(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> dict[str, Any]:
    """Run sfsync with --json; check the exit code and the envelope's status."""
    assert main([*args, "--json"]) == code, capsys.readouterr()
    envelope: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert envelope["status"] == code
    return envelope


@pytest.fixture
def int_org(sfemu_login: Login, sf_home: Path) -> LoggedInOrg:
    """Org `core-int`, holding BASE (the login is shared by the session)."""
    org = sfemu_login("core-int")
    seed(org.handle, BASE)
    return org


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    """A project whose int branch moved from BASE (what the org holds) to TIP."""
    path, base = new_repo(tmp_path, {"prod": "cmd-prod", "int": "core-int"}, BASE)
    tip = commit(path, CHANGE, "Change Foo, add Baz, drop Bar")
    monkeypatch.chdir(path)
    return path, base, tip


# --- plans and refusals: no org is touched ------------------------------------------------


def test_dry_run_shows_the_net_difference(
    repo: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, base, tip = repo
    result = run_json(capsys, "deploy", "--env", "int", "--baseline", base, "--dry-run")
    plan = result["result"]["plan"]
    assert plan["from"] == base and plan["to"] == tip and plan["baseline"] == "--baseline"
    assert plan["deploy"] == ["ApexClass:Baz", "ApexClass:Foo"]
    assert plan["delete"] == ["ApexClass:Bar"]
    assert plan["testLevel"] == "NoTestRun"
    assert state.read_state(path, "int").commit is None


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["--env", "int"], "no recorded deployment yet", id="no-baseline"),
        pytest.param(["--env", "dev1", "--yes"], "developer sandbox", id="sandbox"),
        pytest.param(
            ["--env", "prod", "--baseline", "HEAD~1", "--yes"], "--confirm prod", id="protected"
        ),
        pytest.param(["--env", "int", "--baseline", "HEAD~1"], "--yes", id="no-tty"),
        pytest.param(  # one of --env and --confirm is a slip: which org is not guessed
            ["--env", "int", "--baseline", "HEAD~1", "--confirm", "prod", "--yes"],
            "--confirm prod does not name --env int",
            id="confirm-names-another-env",
        ),
        pytest.param(
            ["--env", "int", "--baseline", "HEAD~1", "--test-level", "Fast"],
            "RunLocalTests",
            id="bad-test-level",
        ),
    ],
)
def test_refusals_exit_2_with_one_clear_line(
    repo: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needle: str,
) -> None:
    path = repo[0]
    git(path, "branch", "-f", "main", "int")
    envelope = run_json(capsys, "deploy", *args, code=2)
    assert needle in envelope["message"]
    assert "\n" not in envelope["message"]
    assert state.read_state(path, "int").commit is None


def test_up_to_date_deploys_nothing(
    repo: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_json(capsys, "deploy", "--env", "int", "--baseline", "int", "--yes")["result"]
    assert result["upToDate"] is True


def test_rollback_without_a_deployment_is_refused(
    repo: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    envelope = run_json(capsys, "rollback", "--env", "int", "--yes", code=2)
    assert "no recorded deployment" in envelope["message"]


# --- against the org ------------------------------------------------------------------------


@pytest.mark.e2e
def test_deploy_then_rollback_restores_the_org_byte_for_byte_and_can_be_undone(
    repo: tuple[Path, str, str], int_org: LoggedInOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    path, base, tip = repo
    before = org_files(int_org.handle)

    deployed = run_json(capsys, "deploy", "--env", "int", "--baseline", base, "--yes")["result"]

    assert org_files(int_org.handle) == expected_org(TIP)
    record = int_org.handle.deployments()[-1]
    assert sorted(record["deployed"]) == ["ApexClass:Baz", "ApexClass:Foo"]
    assert record["deleted"] == ["ApexClass:Bar"]
    assert deployed["sfInvocations"] == 3  # retrieve, deploy --async, deploy resume
    assert state.read_state(path, "int").state.deployed == tip

    plan = run_json(capsys, "rollback", "--env", "int", "--dry-run")["result"]["plan"]
    assert plan["restore"] == ["ApexClass:Bar", "ApexClass:Foo"]
    assert plan["delete"] == ["ApexClass:Baz"]
    rolled = run_json(capsys, "rollback", "--env", "int", "--yes")["result"]

    assert org_files(int_org.handle) == before
    record = int_org.handle.deployments()[-1]
    assert sorted(record["deployed"]) == ["ApexClass:Bar", "ApexClass:Foo"]
    assert record["deleted"] == ["ApexClass:Baz"]
    assert rolled["kind"] == "rollback" and rolled["snapshot"]
    assert state.read_state(path, "int").state.deployed == base
    assert git(path, "rev-parse", "int") == tip  # the branch is not rewritten

    # run again without --event, it is refused: a retried job cannot put the release back
    again = run_json(capsys, "rollback", "--env", "int", "--yes", code=2)
    newest = state.log(path, "int")[0]
    assert f"rollback {newest.commit[:12]}" in again["message"]
    assert f"--event {newest.commit[:12]}" in again["message"]
    assert org_files(int_org.handle) == before and len(state.log(path, "int")) == 2

    # the rollback is an event with its own snapshot: undoing it (by id) brings the deploy back
    run_json(capsys, "rollback", "--env", "int", "--event", newest.commit[:12], "--yes")
    assert org_files(int_org.handle) == expected_org(TIP)
    assert state.read_state(path, "int").state.deployed == tip
    kinds = [r.event.kind for r in state.log(path, "int")]
    assert kinds == ["rollback", "rollback", "deploy"]
    assert len(snapshots.list_snapshots(path, "int")) == 3


@pytest.mark.e2e
def test_failed_deploy_changes_nothing_and_a_rerun_finishes_over_a_dropped_connection(
    repo: tuple[Path, str, str], int_org: LoggedInOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    path, base, tip = repo
    before = org_files(int_org.handle)
    int_org.handle.fail_next_deploy("ApexClass:Foo", "Variable does not exist: v2", line=1)

    failed = run_json(capsys, "deploy", "--env", "int", "--baseline", base, "--yes", code=1)

    assert failed["name"] == "DeployFailed"
    assert "ApexClass:Foo (line 1): Variable does not exist: v2" in failed["message"]
    assert "run the command again" in failed["message"]
    assert org_files(int_org.handle) == before
    assert git(path, "rev-parse", "int") == tip
    assert state.read_state(path, "int").commit is None
    kept = snapshots.list_snapshots(path, "int")
    assert [s.ref for s in kept] == [failed["data"]["snapshot"]]

    int_org.handle.drop_connection("checkDeployStatus")
    done = run_json(capsys, "deploy", "--env", "int", "--baseline", base, "--yes")["result"]

    assert org_files(int_org.handle) == expected_org(TIP)
    assert done["sfInvocations"] == 4  # retrieve, deploy --async, resume (lost), resume
    assert state.read_state(path, "int").state.deployed == tip


@pytest.mark.e2e
def test_validate_on_a_protected_env_runs_local_tests_and_changes_nothing(
    repo: tuple[Path, str, str],
    sfemu_login: Login,
    sf_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, base, _tip = repo
    prod = sfemu_login("cmd-prod", sandbox=False)
    seed(prod.handle, BASE)
    git(path, "branch", "-f", "main", "int")
    before = org_files(prod.handle)

    result = run_json(capsys, "deploy", "--env", "prod", "--baseline", base, "--validate", "--yes")[
        "result"
    ]

    assert result["checkOnly"] is True and result["kind"] == "validate"
    assert result["sfInvocations"] == 2  # no snapshot: nothing changes; --async, resume
    record = prod.handle.deployments()[-1]
    assert record["options"]["checkOnly"] is True
    assert record["options"]["testLevel"] == "RunLocalTests"
    assert org_files(prod.handle) == before
    current = state.read_state(path, "prod")
    assert current.state.deployed is None  # a validation moves nothing
    assert state.log(path, "prod")[0].event.kind == "validate"


@pytest.mark.e2e
def test_without_a_terminal_each_poll_prints_one_progress_line(
    repo: tuple[Path, str, str],
    int_org: LoggedInOrg,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = repo[1]
    monkeypatch.setattr(sf, "POLL_SECONDS", 0.0)
    int_org.handle.stay_in_progress(polls=2)
    assert main(["deploy", "--env", "int", "--baseline", base, "--yes"]) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("deploy int:")]
    assert len(lines) == 3  # two polls while InProgress, then the one that sees the end
    assert all(" | " in ln and "components (0 errors)" in ln for ln in lines)
    assert lines[0].startswith("deploy int: InProgress | ")
    assert lines[-1] == "deploy int: Succeeded | 3/3 components (0 errors)"
    assert org_files(int_org.handle) == expected_org(TIP)


@pytest.mark.e2e
def test_a_pull_request_is_validated_at_its_merge_with_a_markdown_report(
    repo: tuple[Path, str, str], int_org: LoggedInOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    path, base, _tip = repo
    git(path, "checkout", "-q", "-b", "feature")
    commit(path, apex("Feature", " Integer x = 1; "), "PR: a new class")
    before = org_files(int_org.handle)
    args = ["deploy", "--env", "int", "--validate", "--ref", "HEAD", "--baseline", base, "--yes"]

    assert main([*args, "--format", "markdown"]) == 0
    report = capsys.readouterr().out
    assert report.startswith("### ✅ Validated on int (core-int): the deploy would succeed\n")
    assert "- `ApexClass:Feature`" in report and "**Deletion validated (1)**" in report
    assert org_files(int_org.handle) == before  # a validation changes nothing
    validated = int_org.handle.deployments()[-1]["validated"]
    assert validated == ["ApexClass:Baz", "ApexClass:Feature", "ApexClass:Foo"]

    int_org.handle.fail_next_deploy("ApexClass:Feature", "Variable does not exist: y", line=3)
    assert main([*args, "--format", "markdown"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("### ❌ sfsync deploy failed: DeployFailed\n")
    assert "| `ApexClass:Feature` | 3 | Variable does not exist: y |" in captured.out
    assert "\nerror: validation to org 'core-int' failed" in captured.err
    assert org_files(int_org.handle) == before


@pytest.mark.parametrize(
    ("protected", "undo"),
    [
        pytest.param(False, "sfsync rollback --env int --event 1a2b3c4d5e6f)", id="sandbox"),
        pytest.param(
            True, "sfsync rollback --env int --event 1a2b3c4d5e6f --confirm int)", id="protected"
        ),
    ],
)
def test_the_undo_command_shown_after_a_deploy_runs_as_shown(protected: bool, undo: str) -> None:
    """A protected env's rollback needs --confirm: the hint says so, or copying it fails."""
    from rich.console import Console

    from sfsync.cli.commands.deploy import show_result
    from sfsync.org.deploy import StepResult

    record = state.Record("1a2b3c4d5e6f" + "0" * 28, state.Event(kind="deploy"), state.EnvState())
    result = StepResult(
        "int", "acme-int", "deploy", None, None, ("ApexClass:Foo",), (), record=record
    )
    console = Console(record=True, width=200)
    show_result(console, result, protected=protected)
    assert console.export_text().splitlines()[-1].endswith(f"(undo with: {undo}")
