from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import git, write
from sfsync.errors import ExternalError
from sfsync.git import state


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(path))
    write(path, {"a.txt": "a\n"}, "first")
    return path


def test_empty_state(repo: Path) -> None:
    current = state.read_state(repo, "dev1")
    assert current == state.StateAt(state.EnvState(), None)
    assert state.log(repo, "dev1") == []


def test_append_read_and_log(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    first = state.append_event(
        repo,
        "dev1",
        state.Event(kind="mark-synced", org="dev1-sandbox", to_sha=head),
        state.EnvState(synced_to=head),
        expected_old=None,
    )
    assert first.event.who == "Test Author <author@example.com>"
    assert first.event.when.endswith("+00:00")
    second = state.update(
        repo,
        "dev1",
        state.Event(kind="ignore", components=("ApexClass:Foo",), details={"deployments": ["x"]}),
        lambda s: replace(s, ignored=(*s.ignored, "x")),
    )
    assert state.read_state(repo, "dev1") == state.StateAt(
        state.EnvState(synced_to=head, ignored=("x",)), second.commit
    )
    records = state.log(repo, "dev1")
    assert [r.commit for r in records] == [second.commit, first.commit]
    assert [r.event.kind for r in records] == ["ignore", "mark-synced"]
    assert records[0].event.components == ("ApexClass:Foo",)
    # the chain is plain git: a tree with state.json and event.json per commit
    assert git(repo, "ls-tree", "--name-only", "refs/sfsync/envs/dev1") == "event.json\nstate.json"
    event = json.loads(git(repo, "show", "refs/sfsync/envs/dev1:event.json"))
    assert event["kind"] == "ignore" and event["details"] == {"deployments": ["x"]}
    assert git(repo, "log", "--format=%s", "refs/sfsync/envs/dev1").splitlines() == [
        "ignore dev1",
        f"mark-synced dev1 -> {head[:12]}",
    ]
    # the event chain never touches branches or the work tree
    assert git(repo, "status", "--porcelain") == ""
    assert state.envs_with_state(repo) == ["dev1"]


def test_lost_race_is_refused(repo: Path) -> None:
    seen = state.read_state(repo, "int")
    state.append_event(repo, "int", state.Event(kind="deploy"), state.EnvState(), seen.commit)
    with pytest.raises(state.StateConflict, match="changed while sfsync was recording") as info:
        state.append_event(repo, "int", state.Event(kind="deploy"), state.EnvState(), seen.commit)
    assert info.value.exit_code == 1
    assert len(state.log(repo, "int")) == 1


def test_push_and_fetch(tmp_path: Path, repo: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "HEAD:main")
    record = state.append_event(repo, "dev1", state.Event(kind="ignore"), state.EnvState(), None)
    state.push(repo, "origin", ["dev1"])
    assert git(remote, "rev-parse", "refs/sfsync/envs/dev1") == record.commit

    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    state.fetch(other, "origin", ["main"])
    assert state.read_state(other, "dev1").commit == record.commit

    # both append on top of the same head: the second push is refused, nothing is overwritten
    state.update(other, "dev1", state.Event(kind="ignore", details={"by": "other"}), lambda s: s)
    state.push(other, "origin", ["dev1"])
    state.update(repo, "dev1", state.Event(kind="ignore", details={"by": "repo"}), lambda s: s)
    with pytest.raises(ExternalError, match="git push origin of refs/sfsync/envs/dev1 failed"):
        state.push(repo, "origin", ["dev1"])
    with pytest.raises(ExternalError, match="git fetch origin failed"):
        state.fetch(repo, "origin")


def test_invalid_env_name(repo: Path) -> None:
    with pytest.raises(Exception, match="not a valid environment name"):
        state.read_state(repo, "../x")


def test_read_states_and_newest_records_in_one_go(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    synced = state.append_event(
        repo, "dev1", state.Event(kind="mark-synced"), state.EnvState(synced_to=head), None
    )
    ignored = state.update(
        repo, "dev1", state.Event(kind="ignore"), lambda s: replace(s, ignored=("1" * 40,))
    )
    state.append_event(repo, "dev2", state.Event(kind="ignore"), state.EnvState(), None)
    states = state.read_states(repo, ["dev1", "dev2", "dev3"])
    assert states == {name: state.read_state(repo, name) for name in ("dev1", "dev2", "dev3")}
    assert states["dev1"].commit == ignored.commit
    newest = state.newest_records(repo, ["dev1", "dev2", "dev3"], lambda e: e.kind != "ignore")
    assert newest == {"dev1": synced, "dev2": None, "dev3": None}
    assert state.newest_records(repo, ["dev1"], lambda e: True)["dev1"] == ignored
    assert state.newest_records(repo, ["dev1"], lambda e: e.kind != "ignore", limit=1) == {
        "dev1": None
    }
