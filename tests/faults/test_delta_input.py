"""Fault matrix, `sfsync delta` inputs: one row per probe, real git, the CLI boundary.

Each probe sets up a repository, runs `sfsync delta ... --json` and checks the exit code,
the one-line message or the warning, and what was (not) written. Rows come from the
hardening matrix: the output folder (nothing of the work tree overwritten), untrusted XML
(entities in any encoding, files broken at either commit), file names and pattern files
that are not text, and a `--source-dir` that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitfixtures import commit, init_project, write
from sfemu import safexml
from sfsync.cli.app import main

BASE = "force-app/main/default"
NS = "http://soap.sforce.com/2006/04/metadata"
LABELS = f"{BASE}/labels/CustomLabels.labels-meta.xml"


def _labels(*names: str) -> str:
    body = "".join(f"<labels><fullName>{n}</fullName><value>{n}</value></labels>" for n in names)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f'{head}<CustomLabels xmlns="{NS}">{body}</CustomLabels>\n'


def _entity_bomb(encoding: str) -> bytes:
    levels = ['<!ENTITY e0 "' + "x" * 10 + '">']
    levels += [f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 6)]
    text = (
        f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n'
        f"<!DOCTYPE CustomLabels [{''.join(levels)}]>\n"
        f'<CustomLabels xmlns="{NS}"><labels><fullName>Bomb</fullName><value>&e5;</value>'
        "</labels></CustomLabels>\n"
    )
    return text.encode(encoding)


@dataclass(frozen=True)
class Probe:
    """One row: prepare the second commit (and the work tree), the delta's arguments, checks."""

    change: Callable[[Path], None]
    args: tuple[str, ...]
    status: int
    says: str  # in the message (failure) or in a warning (success)
    check: Callable[[Path, dict[str, object]], None] = lambda repo, result: None
    commit: bool = True  # commit what `change` wrote (False: it leaves uncommitted work)


def _write_labels(data: bytes | str) -> Callable[[Path], None]:
    return lambda repo: write(repo, {LABELS: data})


def _uncommitted_edit(repo: Path) -> None:
    write(repo, {f"{BASE}/classes/A.cls": "class A { int committed; }"})
    commit(repo, "edit A")
    write(repo, {f"{BASE}/classes/A.cls": "class A { int work_in_progress; }"})


def _work_tree_intact(repo: Path, result: dict[str, object]) -> None:
    assert (repo / BASE / "classes" / "A.cls").read_text() == "class A { int work_in_progress; }"
    assert json.loads((repo / "sfdx-project.json").read_text())["namespace"] == "acme"


def _written_to_output(repo: Path, result: dict[str, object]) -> None:
    assert Path(str(result["outputDir"])) == (repo / "output").resolve()
    assert (
        repo / "output" / BASE / "classes" / "A.cls"
    ).read_text() == "class A { int committed; }"
    _work_tree_intact(repo, result)


def _no_expansion(repo: Path, result: dict[str, object]) -> None:
    copied = repo / "out" / LABELS
    assert copied.stat().st_size < 2000  # the file as committed, never expanded (3 MB)


def _labels_deployed(repo: Path, result: dict[str, object]) -> None:
    assert result["package"] == {"CustomLabel": ["A", "B"]}


def _non_utf8_name(repo: Path) -> None:
    name = b"force-app/main/default/classes/Caf\xe9.cls"
    target = repo / Path(name.decode("utf-8", "surrogateescape"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("class X {}")


def _binary_file(name: str) -> Callable[[Path], None]:
    def change(repo: Path) -> None:
        (repo / name).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
        write(repo, {f"{BASE}/classes/B.cls": "class B {}"})

    return change


PROBES = {
    "output-default-is-a-folder-of-its-own": Probe(
        _uncommitted_edit, ("--generate-delta",), 0, "", _written_to_output, commit=False
    ),
    "output-into-the-work-tree-is-refused": Probe(
        _uncommitted_edit,
        ("--generate-delta", "-o", "."),
        2,
        "the delta would overwrite force-app/main/default/classes/A.cls, which git tracks",
        _work_tree_intact,
        commit=False,
    ),
    "utf16-entities-are-not-expanded": Probe(
        _write_labels(_entity_bomb("utf-16")),
        ("--generate-delta", "-o", "out"),
        0,
        "XML with a DTD or entities is not metadata",
        _no_expansion,
    ),
    "utf8-entities-are-not-expanded": Probe(
        _write_labels(_entity_bomb("utf-8")),
        ("--generate-delta", "-o", "out"),
        0,
        "XML with a DTD or entities is not metadata",
        _no_expansion,
    ),
    "file-name-not-utf8": Probe(
        _non_utf8_name, ("-o", "out"), 2, "the file name is not valid UTF-8"
    ),
    "binary-ignore-file": Probe(
        _binary_file("skip.bin"), ("-o", "out", "--ignore-file", "skip.bin"), 2, "not a text file"
    ),
    "binary-include-file": Probe(
        _binary_file("inc.bin"), ("-o", "out", "--include-file", "inc.bin"), 2, "not a text file"
    ),
    "binary-forceignore": Probe(
        lambda repo: (repo / ".forceignore").write_bytes(b"\xff\xfe\x00binary"),
        ("-o", "out"),
        2,
        ".forceignore: not a UTF-8 text file",
        commit=False,
    ),
    "missing-ignore-file": Probe(
        _binary_file("x"), ("-o", "out", "--ignore-file", "nope.txt"), 2, "no such file"
    ),
    "source-dir-that-does-not-exist": Probe(
        _write_labels(_labels("A", "B")),
        ("-o", "out", "--source-dir", "force-app/main/defualt"),
        2,
        "--source-dir force-app/main/defualt: no such folder",
    ),
    "xml-broken-at-from-fixed-at-to": Probe(
        _write_labels(_labels("A", "B")),
        ("-o", "out", "--from", "HEAD~1"),
        0,
        "at --from",
        _labels_deployed,
    ),
    "xml-emptied-at-to": Probe(
        _write_labels(b""), ("-o", "out"), 0, "at --to", lambda repo, result: None
    ),
}


@pytest.mark.parametrize("probe", [pytest.param(p, id=name) for name, p in PROBES.items()])
def test_delta_input(
    probe: Probe,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = init_project(tmp_path / "repo", extra={"namespace": "acme"})
    write(repo, {f"{BASE}/classes/A.cls": "class A {}", f"{BASE}/classes/A.cls-meta.xml": "<x/>"})
    # the labels of the first commit: broken by a merge, so a row can fix them
    write(repo, {LABELS: "<<<<<<< HEAD\n" + _labels("A")})
    before = commit(repo, "base")
    probe.change(repo)
    if probe.commit:
        commit(repo, "change")
    monkeypatch.chdir(repo)
    args = list(probe.args)
    if "--from" not in args:
        args += ["--from", before]
    code = main(["delta", *args, "--json"])
    envelope = json.loads(capsys.readouterr().out)
    assert code == probe.status, envelope
    if probe.status:
        message = str(envelope["message"])
        assert probe.says in message and "\n" not in message and "Traceback" not in message
        probe.check(repo, {})
        return
    result = envelope["result"]
    assert isinstance(result, dict)
    if probe.says:
        assert any(probe.says in w for w in result["warnings"]), result["warnings"]
    probe.check(repo, result)


def test_emulator_refuses_entities_in_utf16() -> None:
    # what sfemu reads comes from a client too: the same guard, whatever the encoding
    with pytest.raises(safexml.XmlError, match="DOCTYPE and entity declarations"):
        safexml.parse(_entity_bomb("utf-16"))
