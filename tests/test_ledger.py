"""The ledger: which recorded event changed which component (git only, no org)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import git, write
from sfsync.git import state
from sfsync.pipeline import ledger

CHANGED = ["ApexClass:Foo", "ApexClass:Bar", "CustomField:Account.Tier__c", "PermissionSet:Sales"]


@pytest.mark.parametrize(
    ("only", "leave_out", "expected"),
    [
        pytest.param(["ApexClass:Foo"], [], ["ApexClass:Foo"], id="only-one"),
        pytest.param(["apexclass:FOO"], [], ["ApexClass:Foo"], id="api-names-ignore-case"),
        pytest.param(["ApexClass:*"], [], ["ApexClass:Foo", "ApexClass:Bar"], id="pattern"),
        pytest.param(
            [], ["ApexClass:*", "PermissionSet:Sales"], ["CustomField:Account.Tier__c"], id="except"
        ),
        pytest.param([], [], CHANGED, id="all"),
    ],
)
def test_select_picks_among_what_the_event_changed(
    only: list[str], leave_out: list[str], expected: list[str]
) -> None:
    assert ledger.select(CHANGED, only, leave_out, "deploy 1a2b") == expected


@pytest.mark.parametrize(
    ("only", "leave_out", "needle"),
    [
        pytest.param(["ApexClass:Nope"], [], "ApexClass:Nope matches none", id="typo-in-only"),
        pytest.param([], ["ApexClass:Fo"], "ApexClass:Fo matches none", id="typo-in-except"),
        pytest.param(["ApexClass:Foo"], ["ApexClass:Bar"], "cannot be combined", id="both"),
    ],
)
def test_select_refuses_a_pattern_that_matches_nothing(
    only: list[str], leave_out: list[str], needle: str
) -> None:
    with pytest.raises(ValueError, match=needle) as caught:
        ledger.select(CHANGED, only, leave_out, "deploy 1a2b")
    if "matches none" in needle:
        assert "ApexClass:Foo, ApexClass:Bar" in str(caught.value)  # what it could have been


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(path))
    write(path, {"a.txt": "a\n"}, "first")
    return path


def _event(repo: Path, kind: str, components: list[str], **details: object) -> state.Record:
    return state.update(
        repo,
        "int",
        state.Event(kind=kind, to_sha="c" * 40, components=tuple(components), details=details),
        lambda s: s,
    )


def test_history_lists_deployments_and_rollbacks_of_one_component(repo: Path) -> None:
    first = _event(repo, "deploy", ["ApexClass:Foo", "ApexClass:Bar"])
    _event(repo, "validate", ["ApexClass:Foo"], checkOnly=True)  # changed nothing
    second = _event(repo, "deploy", ["ApexClass:Foo"], deleted=["ApexClass:Old"])
    _event(repo, "ignore", [])
    undo = _event(repo, "rollback", ["ApexClass:Foo"], rolledBack=second.commit)
    skipped = _event(
        repo,
        "pull-upstream",
        [],
        skipped=[{"component": "ApexClass:Foo", "lastModifiedByName": "Maria Admin"}],
    )
    state.update(repo, "int", state.Event(kind="claim"), lambda s: s)

    entries = ledger.history(repo, "int", "apexclass:foo")

    assert [(e.record.commit, e.action) for e in entries] == [
        (skipped.commit, "skipped"),
        (undo.commit, "restored"),
        (second.commit, "deployed"),
        (first.commit, "deployed"),
    ]
    assert entries[2].undone_by == undo.commit and entries[3].undone_by is None
    shown = entries[0].to_json()
    assert shown["changedInOrgBy"] == "Maria Admin" and shown["component"] == "ApexClass:Foo"
    assert entries[1].to_json()["rolledBack"] == second.commit
    deleted = ledger.history(repo, "int", "ApexClass:Old")
    assert [(e.record.commit, e.action) for e in deleted] == [(second.commit, "deleted")]
    assert ledger.history(repo, "int", "ApexClass:Never") == []


def test_later_changes_and_last_change(repo: Path) -> None:
    first = _event(repo, "deploy", ["ApexClass:Foo", "ApexClass:Bar"])
    second = _event(repo, "deploy", ["ApexClass:Foo"])
    third = _event(repo, "compare-deploy", [], deleted=["ApexClass:Bar"])
    records = state.log(repo, "int")

    later = ledger.later_changes(records, first, ["ApexClass:Foo", "ApexClass:Bar"])
    assert {k: [r.commit for r in v] for k, v in later.items()} == {
        "ApexClass:Foo": [second.commit],
        "ApexClass:Bar": [third.commit],
    }
    assert ledger.later_changes(records, third, ["ApexClass:Foo"]) == {}
    last = ledger.last_change(records, ["ApexClass:Foo", "ApexClass:Bar", "ApexClass:Baz"])
    assert {k: v.commit for k, v in last.items()} == {
        "ApexClass:Foo": second.commit,
        "ApexClass:Bar": third.commit,
    }


def test_a_forced_rollback_undoes_the_later_change_it_rolled_back_over(repo: Path) -> None:
    """`rollback --force` of an older event also undid the later deployment's change of the
    component and an edit made in the org: the history says both, not only the event named."""
    older = _event(repo, "deploy", ["ApexClass:Foo", "ApexClass:Bar"])
    later = _event(repo, "deploy", ["ApexClass:Foo"])
    forced = _event(
        repo,
        "rollback",
        ["ApexClass:Foo"],
        rolledBack=older.commit,
        overLater=[{"component": "ApexClass:Foo", "events": [{"event": later.commit}]}],
        forced=[{"component": "ApexClass:Foo", "lastModifiedByName": "Maria Admin"}],
    )

    entries = ledger.history(repo, "int", "ApexClass:Foo")

    assert [(e.record.commit, e.undone_by) for e in entries] == [
        (forced.commit, None),
        (later.commit, forced.commit),
        (older.commit, forced.commit),
    ]
    shown = entries[0].to_json()
    assert shown["overLater"] == [later.commit] and shown["changedInOrgBy"] == "Maria Admin"
    assert entries[1].to_json()["changedInOrgBy"] is None
    bar = ledger.history(repo, "int", "ApexClass:Bar")  # the rollback did not touch Bar
    assert [(e.record.commit, e.undone_by) for e in bar] == [(older.commit, None)]
