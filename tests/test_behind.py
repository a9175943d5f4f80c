"""Behind counts on real git pipelines: merges, squash merges, cherry-picks, reverts, renames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline import CLASSES, SFSYNC_YML, Pipeline, cls, git, write
from sfsync.pipeline import behind as behind_mod
from sfsync.pipeline import project, tracking
from sfsync.pipeline.behind import Behind


def behind(repo: Path, env: str) -> Behind:
    git(repo, "fetch", "-q", "origin")
    return tracking.status(project.load(repo), env)[0].behind


def summary(b: Behind) -> tuple[list[str], list[str]]:
    return [d.subject for d in b.deployments], list(b.components)


@pytest.fixture
def pipe(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path)


def test_up_to_date_after_mark_synced(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    b = behind(dev, "dev1")
    assert (b.count, b.components, b.known) == (0, (), True)


def test_deployments_newest_first_and_only_package_files(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    foo = pipe.deploy("int", cls("Foo"), "Add Foo")
    pipe.deploy("int", {"README.md": "docs\n"}, "Docs only")
    bar = pipe.deploy("int", cls("Bar"), "Add Bar")
    b = behind(dev, "dev1")
    assert summary(b) == (["Add Bar", "Add Foo"], ["ApexClass:Bar", "ApexClass:Foo"])
    assert [d.sha for d in b.deployments] == [bar, foo]
    assert b.deployments[0].author == "Test Author"


def test_merge_commit_is_one_deployment(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    admin = pipe.admin
    git(admin, "checkout", "-q", "-b", "feature", "int")
    write(admin, cls("Foo"), "Foo")
    write(admin, cls("Bar"), "Bar")
    git(admin, "checkout", "-q", "int")
    git(admin, "merge", "-q", "--no-ff", "feature", "-m", "Merge feature into int")
    git(admin, "push", "-q", "origin", "int")
    assert summary(behind(dev, "dev1")) == (
        ["Merge feature into int"],
        ["ApexClass:Bar", "ApexClass:Foo"],
    )


def test_own_squash_merged_story_is_not_behind(pipe: Pipeline) -> None:
    dev1 = pipe.developer("dev1")
    dev2 = pipe.developer("dev2")
    write(dev1, cls("Story", "Integer n;"), "My story")
    git(dev1, "push", "-q", "origin", "story-dev1")
    admin = pipe.admin
    git(admin, "fetch", "-q", "origin")
    git(admin, "checkout", "-q", "int")
    git(admin, "merge", "-q", "--squash", "origin/story-dev1")
    git(admin, "commit", "-q", "-m", "Story (squashed)")
    git(admin, "push", "-q", "origin", "int")
    assert behind(dev1, "dev1").count == 0
    assert summary(behind(dev2, "dev2")) == (["Story (squashed)"], ["ApexClass:Story"])
    # the same as seen from dev2's clone: dev1 is not behind either (its HEAD is not known
    # there, but after dev1 records its sync the shared state says so)
    tracking.mark_synced(project.load(dev1), "dev1", None, push=True)
    git(dev2, "fetch", "-q", "origin", "refs/sfsync/*:refs/sfsync/*")
    assert behind(dev2, "dev1").count == 0


def test_own_story_promoted_then_more_upstream(pipe: Pipeline) -> None:
    dev1 = pipe.developer("dev1")
    write(dev1, cls("Story"), "My story")
    story = git(dev1, "rev-parse", "HEAD")
    git(pipe.admin, "fetch", "-q", str(dev1), "story-dev1")
    git(pipe.admin, "checkout", "-q", "int")
    git(pipe.admin, "cherry-pick", story)
    pipe.deploy("int", cls("Other"), "Other story")
    b = behind(dev1, "dev1")
    assert summary(b) == (["Other story"], ["ApexClass:Other"])


def test_cherry_picked_hotfix_not_counted_twice(pipe: Pipeline) -> None:
    hotfix = pipe.deploy("uat", cls("Base", "Boolean fixed;"), "Hotfix Base")
    dev = pipe.developer("dev1")
    assert summary(behind(dev, "int")) == (["Hotfix Base"], ["ApexClass:Base"])
    git(pipe.admin, "checkout", "-q", "int")
    git(pipe.admin, "cherry-pick", hotfix)
    git(pipe.admin, "push", "-q", "origin", "int")
    assert behind(dev, "int").count == 0
    # and dev1 now sees the hotfix once, through int
    assert summary(behind(dev, "dev1")) == (["Hotfix Base"], ["ApexClass:Base"])


def test_back_promotion_merge_clears_branch_env(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    pipe.deploy("uat", cls("Foo"), "Foo on uat")
    assert behind(dev, "int").count == 1
    git(pipe.admin, "checkout", "-q", "int")
    git(pipe.admin, "merge", "-q", "--no-ff", "uat", "-m", "Back-promote uat")
    git(pipe.admin, "push", "-q", "origin", "int")
    assert behind(dev, "int").count == 0


def test_reverted_deployment(pipe: Pipeline) -> None:
    dev1 = pipe.developer("dev1")
    pipe.deploy("int", cls("Foo"), "Add Foo")
    dev2 = pipe.developer("dev2")  # synced with Foo in
    git(pipe.admin, "revert", "--no-edit", "HEAD")
    git(pipe.admin, "push", "-q", "origin", "int")
    assert behind(dev1, "dev1").count == 0  # added then reverted: nothing to receive
    b = behind(dev2, "dev2")
    assert b.count == 1 and b.deployments[0].subject.startswith('Revert "Add Foo"')
    assert b.components == ("ApexClass:Foo",)


def test_deletion(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    gone: dict[str, str | None] = dict.fromkeys(cls("Base"))
    pipe.deploy("int", gone, "Delete Base")
    assert summary(behind(dev, "dev1")) == (["Delete Base"], ["ApexClass:Base"])


def test_rename(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    git(pipe.admin, "checkout", "-q", "int")
    for suffix in (".cls", ".cls-meta.xml"):
        git(pipe.admin, "mv", f"{CLASSES}/Base{suffix}", f"{CLASSES}/Core{suffix}")
    git(pipe.admin, "commit", "-q", "-m", "Rename Base to Core")
    git(pipe.admin, "push", "-q", "origin", "int")
    assert summary(behind(dev, "dev1")) == (
        ["Rename Base to Core"],
        ["ApexClass:Base", "ApexClass:Core"],
    )


def test_ignore_one_then_all(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    foo = pipe.deploy("int", cls("Foo"), "Add Foo")
    pipe.deploy("int", cls("Bar"), "Add Bar")
    git(dev, "fetch", "-q", "origin")
    proj = project.load(dev)
    record, before = tracking.ignore(proj, "dev1", [foo[:8]])
    assert before.count == 2 and record is not None
    assert record.event.components == ("ApexClass:Foo",)
    b = behind(dev, "dev1")
    assert summary(b) == (["Add Bar"], ["ApexClass:Bar"])
    assert b.ignored == (foo,)
    tracking.ignore(proj, None, None)
    assert behind(dev, "dev1").count == 0
    assert tracking.ignore(proj, None, None)[0] is None  # nothing left: no event
    pipe.deploy("int", cls("Baz"), "Add Baz")
    assert summary(behind(dev, "dev1")) == (["Add Baz"], ["ApexClass:Baz"])
    kinds = [r.event.kind for r in tracking.state.log(dev, "dev1")]
    assert kinds == ["ignore", "ignore", "mark-synced"]


def test_ignore_rejects_foreign_commit(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    mine = write(dev, cls("Mine"), "not upstream")
    with pytest.raises(tracking.UsageError, match="is not a deployment on int"):
        tracking.ignore(project.load(dev), "dev1", [mine])


def test_mark_synced_moves_the_sync_point(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    first = pipe.deploy("int", cls("Foo"), "Add Foo")
    pipe.deploy("int", cls("Bar"), "Add Bar")
    git(dev, "fetch", "-q", "origin")
    tracking.mark_synced(project.load(dev), "dev1", first)
    assert summary(behind(dev, "dev1")) == (["Add Bar"], ["ApexClass:Bar"])
    tracking.mark_synced(project.load(dev), "dev1", None)
    assert behind(dev, "dev1").count == 0
    with pytest.raises(tracking.UsageError, match="mark-synced is for developer sandboxes"):
        tracking.mark_synced(project.load(dev), "int", None)


def test_never_synced_sandbox(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1", synced=False)
    pipe.deploy("int", cls("Foo"), "Add Foo")
    assert behind(dev, "dev2").known is False  # someone else's sandbox: unknown
    # the developer's own env falls back to HEAD
    assert summary(behind(dev, "dev1")) == (["Add Foo"], ["ApexClass:Foo"])


def test_status_matrix(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    pipe.deploy("main", cls("Hot"), "Prod hotfix")
    git(dev, "fetch", "-q", "origin")
    rows = tracking.status(project.load(dev))
    assert [(r.env.name, r.behind.count) for r in rows] == [
        ("prod", 0),
        ("uat", 1),
        ("int", 0),
        ("dev1", 0),
        ("dev2", 0),
    ]
    assert rows[3].last_sync is not None and rows[3].last_sync.event.kind == "mark-synced"
    assert rows[4].behind.known is False


def test_component_paths_finds_every_file_of_held_back_components(tmp_path: Path) -> None:
    from gitfixtures import commit, init_project
    from gitfixtures import write as write_files
    from sfsync.pipeline import heldback
    from sfsync.pipeline.naming import Namer

    repo = init_project(tmp_path / "repo")
    base = "force-app/main/default"
    write_files(
        repo,
        {
            f"{base}/classes/Foo.cls": "public class Foo {}",
            f"{base}/classes/Foo.cls-meta.xml": "<ApexClass/>",
            f"{base}/classes/FooBar.cls": "public class FooBar {}",
            f"{base}/lwc/myCard/myCard.js": "export default class {}",
            f"{base}/lwc/myCard/myCard.html": "<template></template>",
            f"{base}/lwc/myCard/myCard.js-meta.xml": "<LightningComponentBundle/>",
        },
    )
    sha = commit(repo, "metadata")
    found = heldback.component_paths(
        repo,
        sha,
        ["force-app"],
        Namer(repo),
        ["ApexClass:Foo", "LightningComponentBundle:myCard", "ApexClass:Gone"],
    )
    assert {k: sorted(v) for k, v in found.items()} == {
        "ApexClass:Foo": [f"{base}/classes/Foo.cls", f"{base}/classes/Foo.cls-meta.xml"],
        "LightningComponentBundle:myCard": [
            f"{base}/lwc/myCard/myCard.html",
            f"{base}/lwc/myCard/myCard.js",
            f"{base}/lwc/myCard/myCard.js-meta.xml",
        ],
    }


LWC = "force-app/main/default/lwc/card"
SETTINGS = "force-app/main/default/settings"


def test_forceignored_files_are_not_components_nor_deployments(pipe: Pipeline) -> None:
    from sfsync.metadata import Project, compute_delta

    # the sf project template ignores **/__tests__/**; `**settings` is a team's own pattern
    pipe.deploy("int", {".forceignore": "**/__tests__/**\n**settings\n"}, "Ignore tests")
    dev = pipe.developer("dev1")
    pipe.deploy(
        "int",
        {
            f"{LWC}/__tests__/card.test.js": "it('works')\n",
            f"{SETTINGS}/Account.settings-meta.xml": "<AccountSettings/>\n",
            "force-app/main/default/weird/notes.txt": "no metadata type\n",
        },
        "Only files that are not components",
    )
    pipe.deploy(
        "int",
        {
            f"{LWC}/card.js": "export default class Card {}\n",
            f"{LWC}/card.js-meta.xml": "<LightningComponentBundle/>\n",
            f"{LWC}/__tests__/card.test.js": "it('still works')\n",
            f"{SETTINGS}/Case.settings-meta.xml": "<CaseSettings/>\n",
            **cls("Foo"),
        },
        "Card and Foo",
    )
    b = behind(dev, "dev1")
    assert summary(b) == (["Card and Foo"], ["ApexClass:Foo", "LightningComponentBundle:card"])
    assert all(":" in c and "/" not in c for c in b.components)
    # the same components a deployment of that range sends
    assert b.base is not None and b.up is not None
    delta = compute_delta(dev, b.base, b.up, Project.load(dev))
    assert sorted(str(c) for c in delta.components) == list(b.components)


def test_cache_gives_the_same_answers_and_survives_damage(pipe: Pipeline) -> None:
    dev = pipe.developer("dev1")
    for name in ("Foo", "Bar", "Baz"):
        pipe.deploy("int", cls(name), f"Add {name}")
    git(dev, "fetch", "-q", "origin")
    proj = project.load(dev)
    env = proj.config.env("dev1")
    current = tracking.state.read_state(dev, "dev1")

    def compute(cache: Path | None) -> Behind:
        return behind_mod.compute(
            dev, proj.config, env, current.state, head="HEAD", cache_dir=cache
        )

    uncached = compute(None)
    assert summary(uncached) == (
        ["Add Baz", "Add Bar", "Add Foo"],
        ["ApexClass:Bar", "ApexClass:Baz", "ApexClass:Foo"],
    )
    cold, warm = compute(proj.cache_dir), compute(proj.cache_dir)
    assert cold == warm == uncached
    for name in ("behind-commits.json", "behind-names.json"):
        path = proj.cache_dir / name
        assert path.is_file()
        path.write_bytes(path.read_bytes()[:-20])  # a torn write
    assert compute(proj.cache_dir) == uncached


def documented_behind(
    repo: Path, base: str, up: str, head: str | None, ignored: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """The README's algorithm with plain git commands, one env at a time: the oracle."""
    from sfsync.pipeline.naming import Namer

    def changed(old: str, new: str) -> set[str]:
        return set(
            git(repo, "diff", "--name-only", "--no-renames", old, new, "--", "force-app").split(
                "\n"
            )
        ) - {""}

    merge_base = git(repo, "merge-base", base, up)
    kept = changed(merge_base, up) & changed(base, up)
    if head is not None:
        kept &= changed(head, up)
    namer = Namer(repo)
    subjects: list[str] = []
    components: set[str] = set()
    log = git(repo, "log", "--first-parent", "--format=%H", f"{merge_base}..{up}").split()
    for sha in log:
        files = git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", f"{sha}^", sha)
        names = {namer(f) for f in files.split("\n") if f in kept} - {None}
        if names and sha not in ignored:
            subjects.append(git(repo, "log", "-1", "--format=%s", sha))
            components |= {n for n in names if n is not None}
    return subjects, sorted(components)


def test_status_of_many_envs_is_each_envs_own_answer(tmp_path: Path) -> None:
    envs = "".join(f"  dev{n}: {{org: dev{n}-sandbox, upstream: int}}\n" for n in range(3, 9))
    pipe = Pipeline(tmp_path, SFSYNC_YML.replace("hooks:", envs + "hooks:"))
    devs = {}
    for n in range(1, 9):
        devs[n] = pipe.developer(f"dev{n}")
        git(devs[n], "push", "-q", "origin", f"refs/sfsync/envs/dev{n}")
        pipe.deploy("int", cls(f"C{n}"), f"Add C{n}")
        if n == 4:  # C2 back out: for dev1 and dev2, C2 is not behind any more
            pipe.deploy("int", dict.fromkeys(cls("C2")), "Remove C2")
    pipe.deploy("uat", cls("Hot"), "Hotfix on uat")
    git(devs[3], "fetch", "-q", "origin")
    tracking.ignore(project.load(devs[3]), "dev3", [git(devs[3], "rev-parse", "origin/int~2")])
    git(devs[3], "push", "-q", "origin", "refs/sfsync/envs/dev3")
    me = devs[1]
    write(me, cls("Mine"), "my story")
    write(me, cls("C8"), "my own C8, as int has it")
    git(me, "fetch", "-q", "origin", "+refs/sfsync/*:refs/sfsync/*")
    git(me, "fetch", "-q", "origin")
    proj = project.load(me)
    rows = tracking.status(proj)
    counts = [r.behind.count for r in rows]
    assert counts == [0, 0, 1, 6, 6, 6, 6, 4, 3, 2, 1]
    for row in rows:
        current = tracking.state.read_state(me, row.env.name)
        head = "HEAD" if row.env.name == "dev1" else None
        alone = behind_mod.compute(me, proj.config, row.env, current.state, head=head)
        assert row.behind == alone, row.env.name
        assert row.last_sync == tracking.last_sync(proj, row.env.name)
        b = row.behind
        if b.base is not None and b.up is not None:
            oracle = documented_behind(
                me, b.base, b.up, git(me, "rev-parse", "HEAD") if head else None, b.ignored
            )
            assert summary(b) == oracle, row.env.name


def test_sync_point_no_longer_on_a_rewritten_upstream(pipe: Pipeline) -> None:
    pipe.deploy("int", cls("Foo"), "Add Foo")
    dev = pipe.developer("dev1")  # synced with Foo in
    write(dev, cls("Qux", "Integer q;"), "my own Qux, as upstream will have it")
    admin = pipe.admin
    git(admin, "reset", "-q", "--hard", "int~1")
    write(admin, cls("Foo"), "Add Foo again")  # the content dev1 has: not behind
    write(admin, cls("Bar"), "Add Bar")
    write(admin, cls("Qux", "Integer q;"), "Add Qux")  # the content dev1's HEAD has
    git(admin, "push", "-q", "--force", "origin", "int")
    b = behind(dev, "dev1")
    assert summary(b) == (["Add Bar"], ["ApexClass:Bar"])
    assert b.base == tracking.state.read_state(dev, "dev1").state.synced_to
    # with a sandbox synced on the new chain, in one status: each gets its own answer
    proj = project.load(dev)
    tracking.mark_synced(proj, "dev2", git(dev, "rev-parse", "origin/int~1"))
    rows = {row.env.name: row.behind for row in tracking.status(proj)}
    assert summary(rows["dev1"]) == summary(b)
    assert summary(rows["dev2"]) == (["Add Qux"], ["ApexClass:Qux"])


def test_held_back_components_come_from_the_cache_once_seen(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An excluded component stays behind; the hook finds the deployment that changed it in
    the commits it already knows, without a `git log` over the whole history."""
    dev = pipe.developer("dev1")
    add = pipe.deploy("int", {**cls("Foo"), **cls("Bar")}, "Add Foo and Bar")
    git(dev, "fetch", "-q", "origin")
    proj = project.load(dev)
    env = proj.config.env("dev1")
    before = tracking.state.read_state(dev, "dev1").state
    warm = behind_mod.compute(dev, proj.config, env, before, head="HEAD", cache_dir=proj.cache_dir)
    assert warm.count == 1  # the hook saw "Add Foo and Bar" while dev1 was behind
    # then a pull with --exclude ApexClass:Bar: synced to the tip, Bar held back
    git(dev, "merge", "-q", "--no-edit", "origin/int")
    pulled = tracking.state.EnvState(synced_to=add, excluded=("ApexClass:Bar",))
    logs: list[tuple[object, ...]] = []
    real_log = behind_mod.gitrepo.first_parent_log

    def counting_log(*args: Any, **kwargs: Any) -> list[Any]:
        logs.append(args)
        return real_log(*args, **kwargs)

    monkeypatch.setattr(behind_mod.gitrepo, "first_parent_log", counting_log)
    held = behind_mod.compute(dev, proj.config, env, pulled, head="HEAD", cache_dir=proj.cache_dir)
    assert [d.sha for d in held.deployments] == [add] and held.components == ("ApexClass:Bar",)
    assert logs == []
    cold = behind_mod.compute(dev, proj.config, env, pulled, head="HEAD")  # nothing cached
    assert cold == held and len(logs) == 1
