"""The fault matrix, names: Salesforce API names ignore case, and a name is the same name in
any Unicode normalisation (macOS writes NFD, git keeps the bytes). Two files of one
component are warned about; a case-only or normalisation-only rename is a modification,
never "deploy, then delete the same component"; two labels of one name in a file are warned
about, and a change to either is seen."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from gitfixtures import commit, git, init_project, remove, write
from sfsync.cli.app import main

BASE = "force-app/main/default"
META = "<ApexClass/>\n"
NS = "http://soap.sforce.com/2006/04/metadata"
LABELS = f"{BASE}/labels/CustomLabels.labels-meta.xml"
LAYOUT_NFC = unicodedata.normalize("NFC", "Account-Présentation")
LAYOUT_NFD = unicodedata.normalize("NFD", "Account-Présentation")


def _layout(name: str, body: str = "") -> dict[str, str]:
    return {f"{BASE}/layouts/{name}.layout-meta.xml": f'<Layout xmlns="{NS}">{body}</Layout>\n'}


def _labels(*pairs: tuple[str, str]) -> str:
    body = "".join(f"<labels><fullName>{n}</fullName><value>{v}</value></labels>" for n, v in pairs)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f'{head}<CustomLabels xmlns="{NS}">{body}</CustomLabels>\n'


def _delta(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["delta", "--from", "HEAD~1", "-o", str(repo.parent / "out"), *args, "--json"])
    envelope = json.loads(capsys.readouterr().out)
    assert code == 0, envelope
    result = envelope["result"]
    assert isinstance(result, dict)
    return result


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = init_project(tmp_path / "repo")
    git(repo, "config", "core.ignorecase", "false")
    git(repo, "config", "core.precomposeunicode", "false")
    write(
        repo,
        {f"{BASE}/classes/Base.cls": "class Base {}", f"{BASE}/classes/Base.cls-meta.xml": META},
    )
    commit(repo, "base")
    monkeypatch.chdir(repo)
    return repo


def test_two_files_of_one_class_added_together_are_warned_about(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo, {f"{BASE}/classes/Foo.cls": "class Foo {}", f"{BASE}/classes/Foo.cls-meta.xml": META}
    )
    write(
        repo, {f"{BASE}/classes/foo.cls": "class foo {}", f"{BASE}/classes/foo.cls-meta.xml": META}
    )
    commit(repo, "Foo and foo")

    result = _delta(repo, capsys)

    assert sorted(result["package"]["ApexClass"]) == ["Foo", "foo"]
    warned = [w for w in result["warnings"] if "ApexClass:Foo" in w and "ApexClass:foo" in w]
    assert warned and "one component" in warned[0], result["warnings"]


def test_a_normalisation_only_rename_is_a_modification(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, _layout(LAYOUT_NFC, "<v>1</v>"))
    commit(repo, "NFC layout")
    remove(repo, f"{BASE}/layouts/{LAYOUT_NFC}.layout-meta.xml")
    write(repo, _layout(LAYOUT_NFD, "<v>1</v>"))
    commit(repo, "the same layout, saved on a Mac (NFD)")

    result = _delta(repo, capsys)

    assert result["package"] == {"Layout": [LAYOUT_NFD]}
    assert result["destructive"] == {}, "deployed, then deleted by the post-destructive changes"


def test_a_case_only_rename_is_a_modification(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "mv", f"{BASE}/classes/Base.cls", f"{BASE}/classes/base.cls")
    git(repo, "mv", f"{BASE}/classes/Base.cls-meta.xml", f"{BASE}/classes/base.cls-meta.xml")
    commit(repo, "case only")

    result = _delta(repo, capsys)

    assert result["package"] == {"ApexClass": ["base"]} and result["destructive"] == {}


def test_a_case_only_rename_of_a_label_is_a_modification(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, {LABELS: _labels(("Greeting", "Hi"))})
    commit(repo, "label")
    write(repo, {LABELS: _labels(("greeting", "Hi"))})
    commit(repo, "label renamed, case only")

    result = _delta(repo, capsys)

    assert result["package"] == {"CustomLabel": ["greeting"]} and result["destructive"] == {}


@pytest.mark.parametrize(
    "twin", [pytest.param("Greeting", id="same-name"), pytest.param("GREETING", id="other-case")]
)
def test_two_labels_of_one_name_are_warned_about_and_an_edit_of_either_is_seen(
    repo: Path, capsys: pytest.CaptureFixture[str], twin: str
) -> None:
    write(repo, {LABELS: _labels(("Greeting", "Hi"), (twin, "Hello"))})
    commit(repo, "two labels of one name")
    write(repo, {LABELS: _labels(("Greeting", "Hi there"), (twin, "Hello"))})
    commit(repo, "the first one edited")

    result = _delta(repo, capsys)

    assert "CustomLabel" in result["package"], "the edit of the first label was lost"
    warned = [w for w in result["warnings"] if "CustomLabel:Greeting" in w]
    assert warned and "one component" in warned[0], result["warnings"]


def test_the_org_s_spelling_of_a_renamed_component_is_its_version(repo: Path) -> None:
    """After a case-only rename (git: `foo`), what the org returns under the old spelling
    (`Foo.cls`, `Greeting`) is that component's version: the in-org check compares it, and
    the snapshot records the component as present (a rollback restores it, never deletes)."""
    from sfsync.metadata import Project
    from sfsync.metadata.component import Component
    from sfsync.org.versions import versions_in_files

    retrieved = {
        f"{BASE}/classes/Foo.cls": b"class Foo {}",
        f"{BASE}/classes/Foo.cls-meta.xml": META.encode(),
        LABELS: _labels(("Greeting", "Hi")).encode(),
        f"{BASE}/layouts/{LAYOUT_NFC}.layout-meta.xml": f'<Layout xmlns="{NS}"/>'.encode(),
    }
    wanted = [
        Component("ApexClass", "foo"),
        Component("CustomLabel", "greeting"),
        Component("Layout", LAYOUT_NFD),
    ]

    found = versions_in_files(retrieved, Project.load(repo), wanted)

    assert set(found) == set(wanted)
