from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import git, write
from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
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

    # both append on top of the same head: the second push is refused, fetched, merged (both
    # histories kept, nothing overwritten) and pushed
    state.update(
        other, "dev1", state.Event(kind="ignore"), lambda s: replace(s, ignored=("a" * 40,))
    )
    state.push(other, "origin", ["dev1"])
    state.update(
        repo, "dev1", state.Event(kind="ignore"), lambda s: replace(s, ignored=("b" * 40,))
    )
    state.push(repo, "origin", ["dev1"])
    head = git(remote, "rev-parse", "refs/sfsync/envs/dev1")
    assert state.log(repo, "dev1")[0].event.kind == "merge"
    assert sorted(r.event.kind for r in state.log(repo, "dev1")) == [
        "ignore",
        "ignore",
        "ignore",
        "merge",
    ]
    assert set(state.read_state(repo, "dev1").state.ignored) == {"a" * 40, "b" * 40}
    state.fetch(other, "origin")  # fast-forwards to the merge
    assert state.read_state(other, "dev1").commit == head


def test_fetch_merges_a_diverged_state_ref_instead_of_failing(tmp_path: Path, repo: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    base = state.append_event(repo, "int", state.Event(kind="deploy"), state.EnvState(), None)
    state.push(repo, "origin", ["int"])
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    state.fetch(other, "origin")
    theirs = state.append_event(
        other, "int", state.Event(kind="deploy"), state.EnvState(deployed="c" * 40), base.commit
    )
    git(other, "push", "-q", "origin", "refs/sfsync/envs/int")
    ours = state.append_event(
        repo, "int", state.Event(kind="ignore"), state.EnvState(ignored=("d" * 40,)), base.commit
    )

    merged = state.fetch(repo, "origin")  # used to fail for ever: a diverged local ref
    assert merged and "had diverged from origin" in merged[0]
    head = state.read_state(repo, "int")
    assert gitrepo.commit_parents(repo, str(head.commit)) == [theirs.commit, ours.commit]
    assert head.state == state.EnvState(deployed="c" * 40, ignored=("d" * 40,))
    state.push(repo, "origin", ["int"])  # a fast-forward now
    assert git(remote, "rev-parse", "refs/sfsync/envs/int") == head.commit
    assert state.fetch(repo, "origin") == []


@pytest.mark.parametrize(
    ("current", "before", "after", "expected"),
    [
        pytest.param(
            state.EnvState(deployed="x"),
            state.EnvState(deployed="a"),
            state.EnvState(deployed="b"),
            state.EnvState(deployed="b"),
            id="changed-field-wins",
        ),
        pytest.param(
            state.EnvState(synced_to="x", ignored=("1", "2")),
            state.EnvState(ignored=("1",)),
            state.EnvState(ignored=("3",)),
            state.EnvState(synced_to="x", ignored=("2", "3")),
            id="members-added-and-removed",
        ),
    ],
)
def test_apply_change(
    current: state.EnvState,
    before: state.EnvState,
    after: state.EnvState,
    expected: state.EnvState,
) -> None:
    assert state.apply_change(current, before, after) == expected


@pytest.mark.parametrize(
    ("name", "why"),
    [
        pytest.param("../x", "contains '/'", id="slash"),
        pytest.param("dev1.lock", "ends with '.lock'", id="lock"),
        pytest.param("dev1.", "ends with '.'", id="trailing-dot"),
        pytest.param("dev..1", "contains '..'", id="double-dot"),
        pytest.param("--upload-pack=x", "starts with '-'", id="option"),
    ],
)
def test_invalid_env_name(repo: Path, name: str, why: str) -> None:
    # refused with one line before git sees it (no raw `git update-ref` dump, exit 2)
    with pytest.raises(UsageError, match=f"cannot be an environment name: it {re.escape(why)}"):
        state.append_event(repo, name, state.Event(kind="ignore"), state.EnvState(), None)
    assert git(repo, "for-each-ref", "refs/sfsync/") == ""


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


def _git_processes(trace: Path) -> list[str]:
    """The git commands a GIT_TRACE file recorded (one `built-in:` line per git process)."""
    if not trace.exists():
        return []
    return [line for line in trace.read_text().splitlines() if "trace: built-in: git" in line]


@pytest.mark.parametrize(
    "seconds",
    [
        pytest.param([0] * 9, id="same-second"),  # only the graph can order them
        pytest.param([0, 1, 4, 5, 2, 3, 6, 7, 8], id="theirs-older"),
        pytest.param([0, 3, 4, 5, 1, 2, 6, 7, 8], id="theirs-between"),
    ],
)
def test_log_reads_a_diverged_chain_in_one_git_process_in_date_order(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch, seconds: list[int]
) -> None:
    clock = iter(seconds)

    def tick() -> None:
        monkeypatch.setenv("GIT_COMMITTER_DATE", f"2026-01-02T03:04:{next(clock):02d}+00:00")

    tick()
    base = state.append_event(repo, "int", state.Event(kind="deploy"), state.EnvState(), None)
    ours = theirs = base.commit
    for n in range(3):
        tick()
        ours = state.append_event(
            repo, "int", state.Event(kind="ignore", details={"n": n}), state.EnvState(), ours
        ).commit
    for n in range(2):
        tick()
        theirs = gitrepo.commit_tree(
            repo, gitrepo.make_tree(repo, {}), [theirs], f"theirs {n}\n"
        )  # events of another clone (no files: they read as empty events)
    tick()
    merged = state.merge_histories(repo, "int", ours, theirs, "origin")
    for n in range(2):
        tick()
        state.update(repo, "int", state.Event(kind="deploy", details={"n": n}), lambda s: s)

    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    records = state.log(repo, "int")
    assert len(_git_processes(trace)) == 1
    monkeypatch.delenv("GIT_TRACE")

    order = git(repo, "rev-list", "--date-order", "refs/sfsync/envs/int").split()
    assert [r.commit for r in records] == order
    assert len(order) == 9 and merged.commit in order
    assert records[0].event.details == {"n": 1} and records[-1].commit == base.commit
    assert [r.commit for r in state.log(repo, "int", limit=4)] == order[:4]
    assert [r.commit for r in state.log(repo, "int", limit=2)] == order[:2]


def test_log_mentioning_a_component_keeps_only_the_events_that_name_it(repo: Path) -> None:
    names = ["ApexClass:Foo", "ApexClass:FooBar", "CustomField:Account.Tier__c"]
    for name in names:
        state.update(repo, "int", state.Event(kind="deploy", components=(name,)), lambda s: s)
    state.update(repo, "int", state.Event(kind="ignore"), lambda s: replace(s, deployed="a"))

    def kept(text: str) -> list[tuple[str, ...]]:
        found = state.log(repo, "int", mentioning=text, states=False)
        assert all(r.state == state.EnvState() for r in found)  # state.json left unread
        return [r.event.components for r in found]

    assert kept("customfield:ACCOUNT.tier__c") == [("CustomField:Account.Tier__c",)]
    assert kept("ApexClass:Foo") == [("ApexClass:FooBar",), ("ApexClass:Foo",)]  # a substring
    assert kept("ApexClass:Nope") == []
    assert len(kept('Layout:Account-"Odd"')) == 4  # text JSON escapes: every event is parsed
    assert state.log(repo, "int", 1)[0].state.deployed == "a"
