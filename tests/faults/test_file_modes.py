"""Files sfsync writes into the user's project get the mode any new file of theirs gets
(0666 less the umask), not mkstemp's 0600: `.sfsync/sfsync.schema.json` was unreadable for
an editor run by another user, and so were sfsync.yml and the CI files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import SFDX_PROJECT
from sfsync.ci import generate
from sfsync.pipeline import config as config_mod
from sfsync.pipeline import init


@pytest.fixture(params=[0o022, 0o027], ids=["umask-022", "umask-027"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_and_ci_init_write_files_with_the_users_umask(tmp_path: Path, umask: int) -> None:
    text = "version: 1\nenvironments:\n  prod: {org: p, branch: main}\n"
    written = init.write(tmp_path, text, force=False, schema_copy=True)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "sfsync.yml",
        ".sfsync/sfsync.schema.json",
    ]
    written += init.write(tmp_path, text, force=True, schema_copy=False)  # keeps sfsync.yml.bak
    (tmp_path / "sfdx-project.json").write_text(SFDX_PROJECT, encoding="utf-8")
    config = config_mod.load(tmp_path)
    files = generate.files(config, "github", sfsync_spec="sfsync==1.2.0")
    written += generate.write(tmp_path, files, force=False)
    written.append(tmp_path / "sfsync.yml.bak")
    for path in written:
        assert mode(path) == 0o666 & ~umask, path
    assert not [p for p in tmp_path.rglob("*.tmp")]
