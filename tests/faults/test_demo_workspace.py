"""The fault matrix, the demo's workspace: `demo/run.py --workspace DIR` wipes DIR only when
it is new, empty, or holds exactly what an earlier demo run wrote (its record lists every
file with its content hash); the record alone proves nothing."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO_ROOT

DEMO = REPO_ROOT / "demo" / "run.py"


@pytest.fixture
def stage() -> Iterator[Any]:
    """demo/stage.py, imported the way demo/run.py imports it."""
    sys.path.insert(0, str(REPO_ROOT / "demo"))
    try:
        yield importlib.import_module("stage")
    finally:
        sys.path.remove(str(REPO_ROOT / "demo"))


def _demo(workspace: Path) -> tuple[int, str]:
    """Run the demo: (exit code, its output with the console's line wrapping undone)."""
    proc = subprocess.run(
        [sys.executable, str(DEMO), "--workspace", str(workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, " ".join((proc.stdout + proc.stderr).split())


def test_a_folder_the_demo_did_not_create_is_not_wiped(tmp_path: Path) -> None:
    workspace = tmp_path / "my-project"
    workspace.mkdir()
    (workspace / "thesis.tex").write_text("three years of work")

    code, out = _demo(workspace)

    assert code == 2, out
    assert "holds no record of the demo" in out and "nothing was deleted" in out
    assert (workspace / "thesis.tex").read_text() == "three years of work"


def test_the_record_alone_proves_nothing(tmp_path: Path) -> None:
    workspace = tmp_path / "my-project"
    workspace.mkdir()
    (workspace / "thesis.tex").write_text("three years of work")
    (workspace / ".sfsync-demo.json").write_text(json.dumps({"files": {}}))

    code, out = _demo(workspace)

    assert code == 2, out
    assert "holds thesis.tex, which the demo's record does not list" in out
    assert (workspace / "thesis.tex").read_text() == "three years of work"


def test_what_the_demo_wrote_is_wiped_and_nothing_else(tmp_path: Path, stage: Any) -> None:
    workspace = tmp_path / "demo"
    first = stage.Stage(workspace)
    first.reset()
    (workspace / "repos" / "admin").mkdir(parents=True)
    (workspace / "repos" / "admin" / "Foo.cls").write_text("class Foo {}")
    first.record()

    (workspace / "repos" / "admin" / "Foo.cls").write_text("class Foo { /* mine */ }")
    with pytest.raises(stage.StageError, match=r"holds repos/admin/Foo\.cls, which changed"):
        stage.Stage(workspace).reset()
    assert (workspace / "repos" / "admin" / "Foo.cls").read_text() == "class Foo { /* mine */ }"

    (workspace / "repos" / "admin" / "Foo.cls").write_text("class Foo {}")
    stage.Stage(workspace).reset()
    assert not (workspace / "repos").exists()  # the demo's own: wiped
