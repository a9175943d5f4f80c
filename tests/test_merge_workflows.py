"""pull-upstream and back-promote merge metadata by element (real git; the org side is in
test_merge_e2e.py): the plan predicts it with `git merge-tree`, the results name the files
merged by element and the entries in conflict, and nothing of the user's config changes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import mergesamples as ms
from pipeline import Pipeline, git, write
from sfsync.cli import reports
from sfsync.git import repo as gitrepo
from sfsync.pipeline import project
from sfsync.workflows import backpromote, merging, pull
from wfpipeline import CONFIG, run


@pytest.fixture
def pipe(tmp_path: Path) -> Pipeline:
    """The pipeline, with the Sales permission set on every env branch."""
    pipe = Pipeline(tmp_path, CONFIG)
    pipe.deploy("main", {ms.PATH: ms.permset(ms.BASE)}, "Add Sales")
    for branch in ("uat", "int"):
        git(pipe.admin, "checkout", "-q", branch)
        git(pipe.admin, "merge", "-q", "--ff-only", "main")
        git(pipe.admin, "push", "-q", "origin", branch)
    return pipe


def untouched(repo: Path) -> None:
    """Nothing of the user's: no .gitattributes written, no merge driver in the config."""
    assert not (repo / ".gitattributes").exists()
    assert "merge.sfsync" not in git(repo, "config", "--list", "--show-origin")
    assert not list(repo.glob(".merge_file_*"))


def test_git_merge_tree_runs_merge_drivers(tmp_path: Path) -> None:
    """What the plans rely on: `git merge-tree --write-tree` (ort, git >= 2.38) runs a merge
    driver named by the attributes, with `-c` config and a `core.attributesFile`."""
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path, {"a.txt": "base\n"}, "base")
    git(tmp_path, "checkout", "-q", "-b", "other")
    other = write(tmp_path, {"a.txt": "theirs\n"}, "theirs")
    git(tmp_path, "checkout", "-q", "main")
    main = write(tmp_path, {"a.txt": "ours\n"}, "ours")
    attributes = tmp_path / "attributes"
    attributes.write_text("*.txt merge=probe\n")
    config = (
        ("merge.probe.driver", "printf '%%s:%P:%L' merged > %A"),
        ("core.attributesFile", str(attributes)),
    )
    tree, conflicts = gitrepo.merge_tree(tmp_path, main, other, config=config)
    assert (
        conflicts == [] and git(tmp_path, "cat-file", "blob", f"{tree}:a.txt") == "merged:a.txt:7"
    )
    assert gitrepo.merge_tree(tmp_path, main, other)[1] == ["a.txt"]  # without it: a conflict


# --- pull-upstream --------------------------------------------------------------------------


def test_pull_plan_predicts_a_merge_by_element(pipe: Pipeline) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", {ms.PATH: ms.permset(ms.THEIRS)}, "int: Tier editable")
    write(dev1, {ms.PATH: ms.permset(ms.OURS)}, "my story: Rating editable")

    p = pull.plan(project.load(dev1), None)

    assert p.conflicts == ()
    assert p.merge.by_element == (ms.PATH,)
    assert p.merge.conflicts == ()
    assert p.deploy == (
        "PermissionSet:Sales",
    )  # the merged file holds both: the sandbox lacks Tier
    assert p.to_json()["mergedByElement"] == [ms.PATH]
    untouched(dev1)


def test_pull_plan_names_the_conflicting_entry(pipe: Pipeline) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", {ms.PATH: ms.permset(ms.ADD_THEIRS)}, "int adds Region read-only")
    write(dev1, {ms.PATH: ms.permset(ms.ADD_OURS)}, "I add Region editable")

    p = pull.plan(project.load(dev1), None)

    assert p.conflicts == (ms.PATH,)
    assert [c["text"] for c in p.merge.conflicts] == [ms.REGION_CONFLICT]
    markdown = reports.pull_upstream({"plan": p.to_json()})
    assert "Conflicting entries (1)" in markdown and reports.cell(ms.REGION_CONFLICT) in markdown
    untouched(dev1)


def test_pull_merges_by_element_and_a_conflict_stops_naming_the_entry(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", {ms.PATH: ms.permset(ms.ADD_THEIRS)}, "int adds Region read-only")
    write(dev1, {ms.PATH: ms.permset(ms.ADD_OURS)}, "I add Region editable")

    code, out = run(dev1, "pull-upstream", "--yes", monkeypatch=monkeypatch, capsys=capsys)

    assert code == 1 and out["name"] == "Refused"
    assert ms.REGION_CONFLICT in out["message"]
    assert out["data"]["conflicts"] == [ms.PATH]
    assert [c["text"] for c in out["data"]["conflictEntries"]] == [ms.REGION_CONFLICT]
    markdown = reports.failure("sfsync pull-upstream", out["name"], out["message"], out["data"])
    assert f"| `{ms.PATH}` | {reports.cell(ms.REGION_CONFLICT)} |" in markdown
    text = (dev1 / ms.PATH).read_text()
    assert text.count("<<<<<<< story-dev1") == 1 and text.count(">>>>>>> int") == 1
    conflict = text[text.index("<<<<<<<") : text.index(">>>>>>>")]
    assert "Account.Region__c" in conflict and "Account.Tier__c" not in conflict
    untouched(dev1)
    assert run(dev1, "pull-upstream", "--abort", monkeypatch=monkeypatch, capsys=capsys)[0] == 0


def test_a_global_attributes_file_of_the_users_still_applies(
    pipe: Pipeline, tmp_path: Path
) -> None:
    dev1 = pipe.developer("dev1")
    attributes = tmp_path / "global-attributes"
    attributes.write_text("*.txt merge=union\n")
    git(dev1, "config", "core.attributesFile", str(attributes))
    write(pipe.admin, {}, "noop")
    pipe.deploy("int", {"notes.txt": "int\n"}, "int notes")
    git(dev1, "fetch", "-q")
    write(dev1, {"notes.txt": "mine\n"}, "my notes")
    # both added notes.txt: a conflict by lines, none with union (the user's own attribute)
    p = pull.plan(project.load(dev1), None)
    assert p.conflicts == ()


def test_a_folder_named_sfsync_in_the_project_does_not_stand_in_for_the_driver(
    pipe: Pipeline,
) -> None:
    dev1 = pipe.developer("dev1")
    fake = dev1 / "sfsync"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise SystemExit(99)\n")
    (fake / "__main__.py").write_text("raise SystemExit(99)\n")
    pipe.deploy("int", {ms.PATH: ms.permset(ms.THEIRS)}, "int: Segment")
    write(dev1, {ms.PATH: ms.permset(ms.OURS)}, "my story: Region")

    p = pull.plan(project.load(dev1), None)

    assert p.conflicts == () and p.merge.by_element == (ms.PATH,)


def test_without_an_interpreter_path_the_driver_is_sfsync_on_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "executable", "")
    assert merging.driver_command(("b", "o", "t")) == "sfsync merge-driver %O %A %B %P %L b o t"


def test_the_driver_command_quotes_hostile_labels() -> None:
    command = merging.driver_command(("--help", "story; rm -rf ~", "int$(id)%O"))
    assert "rm -rf ~" not in command and "$(id)" not in command
    assert "story__rm_-rf__" in command and "int__id__O" in command
    assert command.count("%O") == 1  # only git's own placeholder
    assert command.endswith(" %L help story__rm_-rf__ int__id__O")


# --- back-promote ---------------------------------------------------------------------------


def test_back_promote_plan_predicts_a_merge_by_element_through_the_chain(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pipe.deploy("main", {ms.PATH: ms.permset(ms.THEIRS)}, "prod: Tier editable")
    pipe.deploy("int", {ms.PATH: ms.permset(ms.OURS)}, "int: Rating editable")

    p = backpromote.plan(project.load(pipe.admin), "prod", fetch=False)

    by_env = {s.env.name: s for s in p.steps}
    assert by_env["uat"].merge.files == ()  # a fast-forward: no merge at all
    assert by_env["int"].conflicts == ()
    assert by_env["int"].merge.by_element == (ms.PATH,)
    assert by_env["int"].deploy == ("PermissionSet:Sales",)
    merged = git(pipe.admin, "show", f"{by_env['int'].predicted}:{ms.PATH}") + "\n"
    assert merged == ms.permset(ms.BOTH)
    code, out = run(
        pipe.admin,
        "back-promote",
        "--from",
        "prod",
        "--dry-run",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    steps = {s["env"]: s for s in out["result"]["plan"]["steps"]}
    assert code == 0 and steps["int"]["mergedByElement"] == [ms.PATH]
    untouched(pipe.admin)


def test_back_promote_plan_names_the_conflicting_entry(pipe: Pipeline) -> None:
    pipe.deploy("main", {ms.PATH: ms.permset(ms.ADD_THEIRS)}, "prod adds Region read-only")
    pipe.deploy("int", {ms.PATH: ms.permset(ms.ADD_OURS)}, "int adds Region editable")

    p = backpromote.plan(project.load(pipe.admin), "prod", fetch=False)

    step = {s.env.name: s for s in p.steps}["int"]
    assert step.conflicts == (ms.PATH,)
    assert [c["text"] for c in step.merge.conflicts] == [ms.REGION_CONFLICT]
    markdown = reports.back_promote({"plan": p.to_json()})
    assert f"conflicts in {ms.PATH}" in markdown and reports.cell(ms.REGION_CONFLICT) in markdown
    untouched(pipe.admin)
