"""`sfsync delta` through the CLI boundary: options, the JSON contract, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitfixtures import commit, git, init_project, remove, write
from sfsync.cli.app import main

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
    out = capsys.readouterr().out
    assert "2 components to deploy" in out and "ApexPage:P" in out


def test_outside_a_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "plain"
    repo.mkdir()
    git(repo, "init", "-q")
    monkeypatch.chdir(repo)
    assert main(["delta", "--from", "HEAD", "--json"]) == 2
    assert "sfdx-project.json" in json.loads(capsys.readouterr().out)["message"]


def _xml_labels(*names: str) -> str:
    body = "".join(f"<labels><fullName>{n}</fullName><value>{n}</value></labels>" for n in names)
    ns = "http://soap.sforce.com/2006/04/metadata"
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f'{head}<CustomLabels xmlns="{ns}">{body}</CustomLabels>\n'


@pytest.fixture
def sgd_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A repository laid out like sfdx-git-delta's own end-to-end scenarios."""
    repo = init_project(tmp_path / "sgd")
    write(
        repo,
        {
            f"{BASE}/classes/Gone.cls": "x",
            f"{BASE}/classes/Gone.cls-meta.xml": "<x/>",
            f"{BASE}/classes/Kept.cls": "x",
            f"{BASE}/classes/Kept.cls-meta.xml": "<x/>",
            f"{BASE}/classes/Spaces.cls": "class Spaces {\n  int x;\n}\n",
            f"{BASE}/classes/Spaces.cls-meta.xml": "<x/>",
            f"{BASE}/classes/Old.cls": "x",
            f"{BASE}/classes/Old.cls-meta.xml": "<x/>",
            "other/labels/CustomLabels.labels-meta.xml": _xml_labels("Unchanged"),
        },
    )
    before = commit(repo, "base")
    remove(repo, f"{BASE}/classes/Gone.cls", f"{BASE}/classes/Gone.cls-meta.xml")
    write(
        repo,
        {
            f"{BASE}/classes/New.cls": "x",
            f"{BASE}/classes/New.cls-meta.xml": "<x/>",
            f"{BASE}/classes/Spaces.cls": "class Spaces {\r\n\n    int x;  \r\n}\r\n",
        },
    )
    commit(repo, "head")
    (repo / "ignore").write_text("force-app/main/default/classes/New*\n")
    (repo / "ignore-destructive").write_text("**/Gone.cls*\n")
    (repo / "include").write_text("other/labels/\n")
    (repo / "include-destructive").write_text("force-app/main/default/classes/Old.cls*\n")
    monkeypatch.chdir(repo)
    return repo, before


@pytest.mark.parametrize(
    ("flags", "package", "destructive"),
    [
        pytest.param(
            [],
            {"ApexClass": ["New", "Spaces"]},
            {"ApexClass": ["Gone"]},
            id="none",
        ),
        pytest.param(
            ["--ignore-file", "ignore"],
            {"ApexClass": ["Spaces"]},
            {"ApexClass": ["Gone"]},
            id="ignore-file",
        ),
        pytest.param(
            ["-i", "ignore-destructive"],
            {"ApexClass": ["New", "Spaces"]},
            {},
            id="ignore-file-applies-to-deletions-too",
        ),
        pytest.param(
            ["--ignore-file", "ignore", "--ignore-destructive-file", "ignore"],
            {"ApexClass": ["Spaces"]},
            {"ApexClass": ["Gone"]},
            id="ignore-destructive-file-replaces-it-for-deletions",
        ),
        pytest.param(
            ["-D", "ignore-destructive"],
            {"ApexClass": ["New", "Spaces"]},
            {},
            id="ignore-destructive-file",
        ),
        pytest.param(
            ["--include-file", "include"],
            {"ApexClass": ["New", "Spaces"], "CustomLabel": ["Unchanged"]},
            {"ApexClass": ["Gone"]},
            id="include-file",
        ),
        pytest.param(
            ["-N", "include-destructive"],
            {"ApexClass": ["New", "Spaces"]},
            {"ApexClass": ["Gone", "Old"]},
            id="include-destructive-file",
        ),
        pytest.param(
            ["--ignore-whitespace"],
            {"ApexClass": ["New"]},
            {"ApexClass": ["Gone"]},
            id="ignore-whitespace",
        ),
    ],
)
def test_sfdx_git_delta_options(
    sgd_repo: tuple[Path, str],
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    package: dict[str, list[str]],
    destructive: dict[str, list[str]],
) -> None:
    repo, before = sgd_repo
    (repo / "sfdx-project.json").write_text(
        json.dumps({"packageDirectories": [{"path": "force-app"}, {"path": "other"}]})
    )
    assert main(["delta", "-f", before, "-o", "out", *flags, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["package"] == package
    assert result["destructive"] == destructive


def test_default_output_folder_and_rerun(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["delta", "--from", "HEAD~1", "--generate-delta", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["result"]
    assert Path(first["outputDir"]) == (project / "output").resolve()
    assert (project / "output" / BASE / "classes" / "A.cls").read_text() == "a2"
    # a second run writes over its own folder without complaint
    assert main(["delta", "--from", "HEAD~1", "--generate-delta", "--json"]) == 0
