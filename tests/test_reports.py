"""Markdown reports: the renderers on in-memory results, and `--format markdown` end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline import CLASSES, Pipeline, cls, git
from sfsync.cli import app, reports


def test_cells_escape_pipes_and_line_breaks() -> None:
    text = reports.table(["a", "b"], [["x|y", "one\ntwo"], [None, 3]])
    assert text.splitlines() == [
        "| a | b |",
        "| --- | --- |",
        "| x\\|y | one<br>two |",
        "|  | 3 |",
    ]
    assert reports.code("a`b") == "`` a`b ``"


def test_long_component_lists_fold_into_details() -> None:
    names = [f"ApexClass:C{i}" for i in range(reports.LISTED + 1)]
    folded = reports.components("Deployed", names)
    assert folded.startswith(f"<details><summary>Deployed ({len(names)})</summary>")
    assert folded.count("- `ApexClass:") == len(names)
    assert reports.components("Deployed", names[:2]).startswith("**Deployed (2)**")
    assert reports.components("Deployed", []) == ""


def test_secrets_never_reach_a_report() -> None:
    text = reports.failure(
        "sfsync deploy",
        "SfError",
        "sf could not log in: force://PlatformCLI::5Aep861secret@example.my.salesforce.com",
        {},
    )
    assert "5Aep861secret" not in text and "force://<redacted>" in text


STEP = {
    "env": "int",
    "org": "int-sandbox",
    "deployed": ["ApexClass:Foo", "ApexClass:Baz"],
    "deleted": ["ApexClass:Bar"],
    "skipped": [],
    "forced": [
        {
            "component": "ApexClass:Keep",
            "lastModifiedByName": "Dana Dev",
            "lastModifiedDate": "2026-11-21T10:02:11.000Z",
            "inOrg": True,
        }
    ],
    "deployId": "0Af000000000001AAA",
    "snapshot": "refs/sfsync/snapshots/int/20261121-1",
    "event": "1a2b3c4d5e6f7a8b9c0d",
    "checkOnly": False,
    "warnings": [],
}
PLAN = {
    "env": "int",
    "org": "int-sandbox",
    "branch": "origin/int",
    "from": "aaaaaaa1111",
    "to": "bbbbbbb2222",
    "deploy": ["ApexClass:Baz", "ApexClass:Foo"],
    "delete": ["ApexClass:Bar"],
    "warnings": ["Flow:Old cannot be deleted by destructive changes"],
    "testLevel": "NoTestRun",
    "validate": False,
}


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param(
            {"dryRun": False, "upToDate": False, "plan": PLAN, **STEP},
            [
                "### ✅ Deployed to int (int-sandbox)",
                "| `aaaaaaa` | `bbbbbbb` | origin/int | NoTestRun | `0Af000000000001AAA` |",
                "**Deployed (2)**",
                "**Deleted (1)**",
                "| `ApexClass:Keep` | overwritten | Dana Dev | 2026-11-21T10:02:11.000Z |",
                "⚠️ Flow:Old cannot be deleted by destructive changes",
                "(undo: `sfsync rollback --env int --event 1a2b3c4d5e6f`)",
            ],
            id="deployed",
        ),
        pytest.param(
            {"dryRun": False, "upToDate": False, "plan": {**PLAN, "protected": True}, **STEP},
            ["(undo: `sfsync rollback --env int --event 1a2b3c4d5e6f --confirm int`)"],
            id="protected",  # the undo command runs as shown: a protected env needs --confirm
        ),
        pytest.param(
            {"dryRun": True, "upToDate": False, "plan": {**PLAN, "validate": True}},
            ["### Would validate on int (int-sandbox)", "**To deploy (2)**", "**To delete (1)**"],
            id="dry-run",
        ),
        pytest.param(
            {
                "dryRun": False,
                "upToDate": False,
                "plan": {**PLAN, "validate": True},
                **STEP,
                "checkOnly": True,
                "snapshot": None,
            },
            ["### ✅ Validated on int (int-sandbox): the deploy would succeed"],
            id="validated",
        ),
        pytest.param(
            {"dryRun": False, "upToDate": True, "plan": PLAN},
            ["### ✅ int (int-sandbox) already holds `bbbbbbb`: nothing to deploy"],
            id="up-to-date",
        ),
    ],
)
def test_deploy_report(result: dict[str, Any], expected: list[str]) -> None:
    text = reports.deploy(result)
    for line in expected:
        assert line in text, text
    if result.get("checkOnly"):
        assert "rollback" not in text  # a validation changed nothing: nothing to undo


def test_back_promote_report_marks_each_env() -> None:
    text = reports.back_promote(
        {
            "from": "int",
            "envs": [
                {"env": "dev1", "status": "failed", "reason": "deploy refused\nmore"},
                {
                    "env": "dev2",
                    "status": "done",
                    "deployed": ["ApexClass:A"],
                    "deleted": [],
                    "skipped": [{"component": "ApexClass:B"}],
                },
            ],
        }
    )
    assert text.startswith("### ❌ Back-promote from int: 1 of 2 envs failed\n")
    assert "| dev1 | ❌ failed | 0 | 0 |  | deploy refused |" in text
    assert "| dev2 | ✅ done | 1 | 0 | `ApexClass:B` |  |" in text


def test_failure_report_lists_component_errors() -> None:
    text = reports.failure(
        "sfsync deploy",
        "DeployFailed",
        "deploy to org 'int' failed (1 component or test errors)\n  detail line",
        {"failures": [{"component": "ApexClass:Foo", "line": 3, "problem": "Invalid | x"}]},
    )
    assert text.startswith("### ❌ sfsync deploy failed: DeployFailed\n")
    assert "```\n  detail line\n```" in text
    assert "| `ApexClass:Foo` | 3 | Invalid \\| x |" in text


# --- through the commands (real git, no org) ------------------------------------------------


def run_md(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(repo)
    capsys.readouterr()
    code = app.main([*args, "--format", "markdown"])
    return code, capsys.readouterr().out


def test_status_as_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    pipe = Pipeline(tmp_path)
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", cls("Story"), "INV-12 story")
    code, out = run_md(dev1, monkeypatch, capsys, "status", "--fetch")
    assert code == 0
    assert out.startswith("### ❌ sfsync status: ")
    assert "| **dev1** | dev1-sandbox | int | 1 | 1 |" in out
    assert "| dev2 | dev2-sandbox | int | never synced | ? |" in out
    assert "INV-12 story" in out


def test_delta_as_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    pipe = Pipeline(tmp_path)
    gone = {f"{CLASSES}/Base.cls": None, f"{CLASSES}/Base.cls-meta.xml": None}
    pipe.deploy("int", {**cls("Story"), **gone}, "change")
    code, out = run_md(
        pipe.admin, monkeypatch, capsys, "delta", "--from", "main", "--to", "int",
        "--output-dir", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0
    assert "### Delta: 1 to deploy, 1 to delete" in out
    assert "| `ApexClass` | deploy | 1 | Story |" in out
    assert "| `ApexClass` | delete | 1 | Base |" in out
    assert "⚠️ sfdx-project.json has no sourceApiVersion" in out


def test_a_failure_as_markdown_on_stdout_and_one_line_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pipe = Pipeline(tmp_path)
    monkeypatch.chdir(pipe.admin)
    capsys.readouterr()
    assert app.main(["deploy", "--env", "int", "--validate", "--format", "markdown"]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("### ❌ sfsync deploy failed: UsageError\n")
    assert "no recorded deployment yet" in captured.out
    assert captured.err.startswith("error: int has no recorded deployment yet")


def test_markdown_and_json_exclude_each_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pipe = Pipeline(tmp_path)
    monkeypatch.chdir(pipe.admin)
    capsys.readouterr()
    assert app.main(["status", "--json", "--format", "markdown"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert "exclude each other" in out["message"]
    assert app.main(["status", "--format", "html"]) == 2
    assert "--format html: use one of text, markdown" in capsys.readouterr().err


def test_ref_is_for_validations_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pipe = Pipeline(tmp_path)
    monkeypatch.chdir(pipe.admin)
    capsys.readouterr()
    code = app.main(["deploy", "--env", "int", "--ref", "HEAD", "--baseline", "main", "--json"])
    assert code == 2
    assert "--ref HEAD needs --validate" in json.loads(capsys.readouterr().out)["message"]
    git(pipe.admin, "checkout", "-q", "-b", "feature", "int")
    code = app.main(
        ["deploy", "--env", "int", "--validate", "--ref", "nope", "--baseline", "main", "--json"]
    )
    assert code == 2
    assert "--ref nope: no such commit" in json.loads(capsys.readouterr().out)["message"]


def test_plans_as_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    pipe = Pipeline(tmp_path)
    dev1 = pipe.developer("dev1")
    pipe.deploy("main", cls("Hotfix"), "prod hotfix")
    pipe.deploy("int", cls("Story"), "INV-12 story")
    code, out = run_md(
        pipe.admin, monkeypatch, capsys, "back-promote", "--from", "prod", "--dry-run"
    )
    assert code == 0
    assert out.startswith("### Back-promote from prod: plan\n")
    assert "| uat | branch | prod | deploy | 1 | 0 |" in out
    code, out = run_md(dev1, monkeypatch, capsys, "pull-upstream", "--dry-run")
    assert code == 0
    assert out.startswith("### Would pull int into dev1\n")
    assert "INV-12 story" in out and "- `ApexClass:Story`" in out


def test_compare_report_lists_each_difference_and_the_diffs() -> None:
    result = {
        "a": {"label": "uat (acme-uat)"},
        "b": {"label": "prod (acme)"},
        "types": ["ApexClass", "Flow"],
        "onlyInA": [
            {
                "component": "ApexClass:New",
                "a": {"lastModifiedByName": "Ana", "lastModifiedDate": "2026-11-02"},
                "b": None,
            }
        ],
        "onlyInB": [],
        "different": [
            {
                "component": "Flow:Route",
                "a": {"lastModifiedByName": "Ana|B", "lastModifiedDate": "2026-11-03"},
                "b": {"lastModifiedByName": "Ben", "lastModifiedDate": "2026-10-01"},
            }
        ],
        "same": 40,
        "diffs": {"Flow:Route": "-<status>Draft</status>\n+<status>Active</status>\n"},
        "plan": {"env": "prod", "deploy": ["Flow:Route"], "delete": []},
        "dryRun": True,
    }
    text = reports.compare(result)
    assert text.startswith("### ❌ Compare: A `uat (acme-uat)` vs B `prod (acme)`\n")
    assert "1 only in A, 0 only in B, 1 different, 40 the same (2 types)." in text
    assert "| only in A | `ApexClass:New` | Ana 2026-11-02 |  |" in text
    assert "| different | `Flow:Route` | Ana\\|B 2026-11-03 | Ben 2026-10-01 |" in text
    assert "```diff\n-<status>Draft</status>\n+<status>Active</status>\n```" in text
    assert "**Would deploy to prod (1)**" in text
    same = {**result, "onlyInA": [], "different": [], "diffs": {}, "plan": None}
    assert reports.compare(same).startswith("### ✅ Compare:")
