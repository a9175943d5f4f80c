"""Cache files: keyed, checksummed, replaced whole even with writers racing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sfsync.pipeline import cachefile


def test_read_back_only_with_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    assert cachefile.read(path, "k1") == {}  # no file yet
    assert cachefile.write(path, "k1", {"a": [1, "é", "\udcff"]})
    assert cachefile.read(path, "k1") == {"a": [1, "é", "\udcff"]}
    assert cachefile.read(path, "k2") == {}
    assert cachefile.key_of("a", "bc") != cachefile.key_of("ab", "c")


def test_unwritable_folder_costs_nothing_but_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cachefile.write(blocker / "c.json", "k", {"a": 1}) is False
    assert cachefile.read(blocker / "c.json", "k") == {}


WRITER = """
import sys
from pathlib import Path
from sfsync.pipeline import cachefile
path, me = Path(sys.argv[1]), sys.argv[2]
for round in range(60):
    cachefile.write(path, "k", {me: [round] * 2000})
"""


def test_racing_writers_never_leave_a_mixed_file(tmp_path: Path) -> None:
    """Two worktrees' hooks share the common dir: a reader sees one whole file or none."""
    path = tmp_path / "c.json"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name]) for name in "ab"]
    seen = 0
    while any(w.poll() is None for w in writers):
        body = cachefile.read(path, "k")
        if body:
            ((name, rounds),) = body.items()  # exactly one writer's whole body
            assert name in "ab" and len(rounds) == 2000 and len(set(rounds)) == 1
            seen += 1
    assert [w.wait() for w in writers] == [0, 0]
    final = cachefile.read(path, "k")
    assert len(final) == 1 and next(iter(final.values())) == [59] * 2000
    assert seen > 0
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]  # no temporary file left
