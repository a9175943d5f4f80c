"""`sfsync.workflows.rollback`'s plan on real git: events and snapshots as the deploy step
records them, no org (the end-to-end rollbacks are in test_rollback_e2e.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from sfsync.errors import Refused, UsageError
from sfsync.git import state
from sfsync.org import snapshots
from sfsync.pipeline import project
from sfsync.workflows import rollback
from workflows import SFDX_PROJECT, apex, commit, new_repo

ORGS = {"prod": "plan-prod", "int": "plan-int"}


class Env:
    """A project on int and the events a deploy step would have recorded for it."""

    def __init__(self, root: Path) -> None:
        self.repo, self.base = new_repo(root, ORGS, {**apex("Foo", " v0 "), **apex("Bar", " v0 ")})
        self.root = root
        self.files: dict[str, str] = {**apex("Foo", " v0 "), **apex("Bar", " v0 ")}

    def deploy(self, change: Mapping[str, str | None], message: str) -> state.Record:
        """Commit `change`, snapshot what the org held of it, record a `deploy` event."""
        before = dict(self.files)
        sha = commit(self.repo, change, message)
        touched = sorted({_component(p) for p in change})
        deleted = [c for c in touched if not any(_component(p) == c for p in self._after(change))]
        present = [c for c in touched if any(_component(p) == c for p in before)]
        snap = self._snapshot(
            {p: t for p, t in before.items() if _component(p) in present},
            present,
            [c for c in touched if c not in present],
        )
        self.files = self._after(change)
        return state.update(
            self.repo,
            "int",
            state.Event(
                kind="deploy",
                org=ORGS["int"],
                from_sha=state.read_state(self.repo, "int").state.deployed or self.base,
                to_sha=sha,
                components=tuple(c for c in touched if c not in deleted),
                details={"snapshot": snap.ref, "deleted": deleted},
            ),
            lambda s: replace(s, deployed=sha),
        )

    def rolled_back(self, plan: rollback.RollbackPlan) -> state.Record:
        """Record the rollback `plan` as the deploy step would once the org took it."""
        touched = [c.component for c in plan.changes if c.action != "unchanged"]
        held = {p: t for p, t in self.files.items() if _component(p) in touched}
        snap = self._snapshot(
            held, [c for c in touched if any(_component(p) == c for p in held)], []
        )
        for component in touched:
            for path in [p for p in self.files if _component(p) == component]:
                del self.files[path]
        restored = snapshots.files(self.repo, plan.snapshot)
        for path, data in restored.items():
            if path != "sfdx-project.json" and _component(path) in plan.restore:
                self.files[path] = data.decode()
        back_to = plan.event.event.from_sha  # what int held before the event
        return state.update(
            self.repo,
            "int",
            state.Event(
                kind="rollback",
                components=plan.restore,
                details={
                    "snapshot": snap.ref,
                    "restored": plan.snapshot.ref,
                    "rolledBack": plan.event.commit,
                    "deleted": list(plan.delete),
                },
            ),
            lambda s: replace(s, deployed=back_to) if plan.resets_state else s,
        )

    def plan(self, event: state.Record | None, **options: object) -> rollback.RollbackPlan:
        return rollback.plan(
            project.load(self.repo),
            "int",
            event.commit if event else None,
            **options,  # type: ignore[arg-type]
        )

    def _after(self, change: Mapping[str, str | None]) -> dict[str, str]:
        out = dict(self.files)
        for path, text in change.items():
            if text is None:
                out.pop(path, None)
            else:
                out[path] = text
        return out

    def _snapshot(
        self, files: Mapping[str, str], present: list[str], absent: list[str]
    ) -> snapshots.Snapshot:
        folder = self.root / f"retrieved-{len(snapshots.list_snapshots(self.repo, 'int'))}"
        for rel, text in {"sfdx-project.json": SFDX_PROJECT, **files}.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
        return snapshots.create(
            self.repo,
            "int",
            ORGS["int"],
            folder,
            present=present,
            absent=absent,
            properties={c: {"lastModifiedByName": "Admin User"} for c in present},
        )


def _component(path: str) -> str:
    name = path.rsplit("/", 1)[-1].split(".", 1)[0]
    return f"{'Profile' if '/profiles/' in path else 'ApexClass'}:{name}"


def profile(body: str) -> dict[str, str]:
    return {
        "force-app/main/default/profiles/Admin.profile-meta.xml": (
            f'<Profile xmlns="http://soap.sforce.com/2006/04/metadata">{body}</Profile>\n'
        )
    }


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def test_an_older_deployment_is_refused_for_what_a_later_one_changed(env: Env) -> None:
    first = env.deploy({**apex("Foo", " v1 "), **apex("Baz")}, "story 1: Foo v1, new Baz")
    second = env.deploy(apex("Foo", " v2 "), "story 2: Foo v2")

    with pytest.raises(rollback.LaterChange) as refused:
        env.plan(first)
    message = str(refused.value)
    assert f"deploy {second.commit[:12]}" in message and "ApexClass:Foo" in message
    assert "--except ApexClass:Foo" in message and "--force" in message
    assert refused.value.exit_code == 1
    later = refused.value.data["later"]
    assert isinstance(later, list) and [i["component"] for i in later] == ["ApexClass:Foo"]

    only_baz = env.plan(first, only=["ApexClass:Baz"])
    assert (only_baz.restore, only_baz.delete) == ((), ("ApexClass:Baz",))
    assert only_baz.partial and not only_baz.resets_state
    assert env.plan(first, leave_out=["ApexClass:Foo"]).delete == ("ApexClass:Baz",)

    forced = env.plan(first, force=True)
    assert forced.restore == ("ApexClass:Foo",) and forced.delete == ("ApexClass:Baz",)
    assert [r.commit for c in forced.forced for r in c.over] == [second.commit]
    shown = forced.to_json()
    foo = next(c for c in shown["changes"] if c["component"] == "ApexClass:Foo")
    assert foo["action"] == "redeploy" and foo["overLater"][0]["event"] == second.commit
    assert foo["version"]["snapshot"] == forced.snapshot.ref
    assert foo["version"]["lastModifiedByName"] == "Admin User"
    assert not forced.resets_state  # int holds story 2: `deployed` stays
    assert forced.changes[1].origin is None  # v0 was in the org before sfsync deployed

    newest = env.plan(second).changes[0]
    assert newest.origin == first  # the version redeployed is the one story 1 deployed
    assert newest.to_json()["version"]["commit"] == first.event.to_sha
    assert f"commit {str(first.event.to_sha)[:7]} of deploy {first.commit[:12]}" in (
        newest.describe("deploy x")
    )


def test_later_changes_that_cancel_out_and_components_already_put_back(env: Env) -> None:
    first = env.deploy({**apex("Foo", " v1 "), **apex("Baz")}, "story 1")
    second = env.deploy(apex("Foo", " v2 "), "story 2")
    undo_second = env.rolled_back(env.plan(second))  # Foo is back at v1: story 1's version

    plan = env.plan(first)
    assert plan.restore == ("ApexClass:Foo",) and plan.delete == ("ApexClass:Baz",)
    assert not plan.forced

    env.rolled_back(env.plan(first, only=["ApexClass:Foo"]))  # Foo at v0
    rest = env.plan(first)
    assert [(c.component, c.action) for c in rest.changes] == [
        ("ApexClass:Baz", "delete"),
        ("ApexClass:Foo", "unchanged"),
    ]
    assert rest.changes[1].already_by is not None
    assert rest.changes[1].already_by.commit != undo_second.commit  # the newest rollback
    env.rolled_back(rest)
    with pytest.raises(Refused, match="nothing to roll back"):
        env.plan(first)


def test_the_whole_newest_deployment_moves_deployed_back_a_part_does_not(env: Env) -> None:
    first = env.deploy(apex("Foo", " v1 "), "story 1")
    second = env.deploy({**apex("Bar", " v1 "), **apex("Baz")}, "story 2")

    newest = env.plan(None)
    assert newest.event == second and newest.resets_state and not newest.partial
    assert not env.plan(second, only=["ApexClass:Baz"]).resets_state
    assert not env.plan(first).resets_state  # story 2 stays: int does not hold story 1's end


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        pytest.param({"only": ["ApexClass:Nope"]}, "matches none", id="not-in-the-event"),
        pytest.param({"leave_out": ["ApexClass:*"]}, "leaves nothing", id="except-all"),
        pytest.param(
            {"only": ["ApexClass:Foo"], "leave_out": ["ApexClass:Baz"]},
            "cannot be combined",
            id="both",
        ),
        pytest.param({"only": ["Foo"]}, "write Type:FullName", id="not-a-component"),
    ],
)
def test_a_choice_that_does_not_fit_the_event_is_a_usage_error(
    env: Env, options: dict[str, object], needle: str
) -> None:
    first = env.deploy({**apex("Foo", " v1 "), **apex("Baz")}, "story 1")
    with pytest.raises(UsageError, match=needle) as refused:
        env.plan(first, **options)
    assert refused.value.exit_code == 2


def test_an_event_that_cannot_be_rolled_back_is_named(env: Env) -> None:
    first = env.deploy(apex("Foo", " v1 "), "story 1")
    ignored = state.update(env.repo, "int", state.Event(kind="ignore"), lambda s: s)
    copied = state.update(
        env.repo,
        "int",
        state.Event(kind="compare-deploy", details={"snapshot": first.event.details["snapshot"]}),
        lambda s: s,
    )
    with pytest.raises(
        UsageError, match=r"\(ignore\) cannot be rolled back: sfsync rolls back only"
    ):
        env.plan(ignored)
    with pytest.raises(UsageError, match=r"\(compare-deploy\) cannot .*back-promote, deploy"):
        env.plan(copied)
    with pytest.raises(UsageError, match="no event 0000000 in refs/sfsync/envs/int"):
        rollback.plan(project.load(env.repo), "int", "0000000")
    with pytest.raises(UsageError, match=r"^--event is empty: give an event id"):
        rollback.plan(project.load(env.repo), "int", "")  # was "no event  in refs/..."
    assert env.plan(None).event == first  # the newest event that can be rolled back


def test_a_profile_put_back_warns_that_the_org_keeps_what_the_event_added(env: Env) -> None:
    env.deploy(profile("<custom>false</custom>"), "Admin profile")
    grant = "<classAccesses><apexClass>Foo</apexClass><enabled>true</enabled></classAccesses>"
    story = env.deploy(profile(grant + "<custom>false</custom>"), "story: Foo for admins")

    plan = env.plan(story)

    assert plan.restore == ("Profile:Admin",)
    assert len(plan.warnings) == 1 and plan.warnings[0].startswith("Profile:Admin: the org")
    assert "stays after the rollback" in plan.to_json()["warnings"][0]
    assert env.plan(story, force=True).warnings == plan.warnings
    classes_only = env.deploy(apex("Foo", " v1 "), "story: Foo v1")
    assert env.plan(classes_only).warnings == ()


def test_the_plan_says_which_tests_the_rollback_runs(env: Env) -> None:
    """A rollback of Apex on a protected env runs every local test: the plan says so before
    anyone waits for it (a sandbox: none)."""
    plan = env.plan(env.deploy(apex("Foo", " v1 "), "story 1"))
    assert plan.to_json()["testLevel"] == "NoTestRun"
    on_prod = replace(plan, env=replace(plan.env, protected=True))
    assert on_prod.to_json()["testLevel"] == "RunLocalTests"
