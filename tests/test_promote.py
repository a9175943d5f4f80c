"""Pushing what a deploy step recorded: the env's state ref and the snapshot ref."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfsync.errors import ExternalError
from sfsync.git import state
from sfsync.org import deploy as orgdeploy
from sfsync.org import snapshots
from sfsync.pipeline import project
from sfsync.workflows import promote
from workflows import BASE_FILES, git, new_repo


def recorded(repo: Path, tmp_path: Path) -> orgdeploy.StepResult:
    folder = tmp_path / "retrieved"
    (folder / "force-app").mkdir(parents=True)
    (folder / "force-app" / "x.txt").write_text("x\n", encoding="utf-8")
    snap = snapshots.create(repo, "int", "int-org", folder, present=[], absent=["ApexClass:A"])
    record = state.append_event(repo, "int", state.Event(kind="deploy"), state.EnvState(), None)
    return orgdeploy.StepResult(
        env="int",
        org="int-org",
        kind="deploy",
        from_sha=None,
        to_sha=None,
        deployed=(),
        deleted=(),
        snapshot=snap,
        record=record,
    )


def test_push_refs_sends_the_state_and_the_snapshot(tmp_path: Path) -> None:
    repo, _ = new_repo(tmp_path, {"prod": "p", "int": "i"}, BASE_FILES)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    result = recorded(repo, tmp_path)

    pushed = promote.push_refs(project.load(repo), result)

    assert result.snapshot is not None
    assert pushed == ["refs/sfsync/envs/int", result.snapshot.ref]
    for ref in pushed:
        assert git(remote, "rev-parse", ref) == git(repo, "rev-parse", ref)


def test_a_failed_push_says_the_org_was_deployed(tmp_path: Path) -> None:
    repo, _ = new_repo(tmp_path, {"prod": "p", "int": "i"}, BASE_FILES)
    git(repo, "remote", "add", "origin", str(tmp_path / "missing.git"))
    with pytest.raises(ExternalError, match="deployed and recorded here, but git push origin"):
        promote.push_refs(project.load(repo), recorded(repo, tmp_path))
