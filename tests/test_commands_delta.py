"""`sfsync delta` through the CLI boundary: options, the JSON contract, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitfixtures import commit, git, init_project, remove, write
from sfsync.app import main

BASE = "force-app/main/default"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = init_project(tmp_path / "repo")
    write(
        repo,
        {
            f"{BASE}/classes/A.cls": "a",
            f"{BASE}/classes/A.cls-meta.xml": "<x/>",
            f"{BASE}/flows/Old.flow-meta.xml": "<Flow/>",
        },
    )
    commit(repo, "one")
    write(
        repo,
        {
            f"{BASE}/classes/A.cls": "a2",
            f"{BASE}/pages/P.page": "p",
            f"{BASE}/pages/P.page-meta.xml": "<x/>",
        },
    )
    remove(repo, f"{BASE}/flows/Old.flow-meta.xml")
    commit(repo, "two")
    monkeypatch.chdir(repo)
    return repo


def test_json_result(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["delta", "--from", "HEAD~1", "--output-dir", "out", "--generate-delta", "--json"])
    assert code == 0
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["status"] == 0
    result = envelope["result"]
    assert set(result) == {
        "package",
        "destructive",
        "added",
        "modified",
        "deleted",
        "warnings",
        "outputDir",
    }
    assert result["package"] == {"ApexClass": ["A"], "ApexPage": ["P"]}
    assert result["added"] == {"ApexPage": ["P"]} and result["modified"] == {"ApexClass": ["A"]}
    assert result["destructive"] == result["deleted"] == {"Flow": ["Old"]}
    assert any("Flow:Old" in w and "deactivate" in w for w in result["warnings"])
    assert Path(result["outputDir"]) == (project / "out").resolve()
    assert (project / "out" / BASE / "pages" / "P.page").exists()


def test_source_dir_and_ignore_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "skip.txt").write_text("**/pages/**\n")
    code = main(["delta", "--from", "HEAD~1", "-o", "out", "--ignore-file", "skip.txt", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["result"]["package"] == {"ApexClass": ["A"]}
    code = main(["delta", "--from", "HEAD~1", "-o", "out2", "-s", f"{BASE}/pages", "--json"])
    assert json.loads(capsys.readouterr().out)["result"]["package"] == {"ApexPage": ["P"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--from", "missing"], "--from 'missing': no such commit", id="bad-ref"),
        pytest.param(["--from", "HEAD", "--to", "HEAD~1"], "look swapped", id="swapped"),
        pytest.param(["--from", "HEAD~1", "--ignore-file", "nope"], "no such file", id="ignore"),
    ],
)
def test_errors_are_one_line_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["delta", *args, "--json"]) == 2
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["status"] == 2 and message in envelope["message"]
    assert "\n" not in envelope["message"]


def test_human_output(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["delta", "--from", "HEAD~1", "-o", "out"]) == 0
    err = capsys.readouterr().err
    assert "2 component(s) to deploy" in err and "ApexPage:P" in err


def test_outside_a_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "plain"
    repo.mkdir()
    git(repo, "init", "-q")
    monkeypatch.chdir(repo)
    assert main(["delta", "--from", "HEAD", "--json"]) == 2
    assert "sfdx-project.json" in json.loads(capsys.readouterr().out)["message"]
