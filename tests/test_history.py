"""What each commit changed, cached by sha: the same answers as git, each commit diffed once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import git, write
from sfsync.git import repo as gitrepo
from sfsync.git import walk
from sfsync.pipeline import cachefile
from sfsync.pipeline.history import FILE, History

PKG = ["force-app"]


def commit_all(repo: Path, files: dict[str, str | None], message: str) -> str:
    return write(repo, {f"force-app/{name}": text for name, text in files.items()}, message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A main line with adds, edits, deletions, a revert to old content, a mode change, a
    re-added file and a merge, plus files outside the package directory."""
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(path))
    commit_all(path, {"a": "1", "b": "1", "c": "1"}, "root")
    commit_all(path, {"a": "2"}, "edit a")
    commit_all(path, {"b": None}, "delete b")
    commit_all(path, {"a": "1", "d": "1"}, "a back to 1, add d")
    os.chmod(path / "force-app" / "c", 0o755)
    git(path, "add", "force-app/c")
    git(path, "commit", "-q", "-m", "c executable")
    write(path, {"README.md": "docs"}, "outside the package")
    git(path, "checkout", "-q", "-b", "side", "main~2")
    commit_all(path, {"e": "1", "a": "3"}, "side work")
    git(path, "checkout", "-q", "main")
    git(path, "merge", "-q", "--no-ff", "-X", "theirs", "side", "-m", "Merge side")
    commit_all(path, {"b": "2"}, "b again")
    return path


def test_composed_diff_is_the_tree_diff_from_any_base_on_the_chain(repo: Path) -> None:
    chain = walk.first_parent_chain(repo, "main", None)
    history = History(repo, PKG, None)
    history.load(chain)
    shas = [sha for sha, _ in chain]  # newest first
    tip = shas[0]
    at_tip = gitrepo.ls_tree_blobs(repo, tip, PKG)
    for index, base in enumerate(shas):
        between = list(reversed(shas[:index]))  # oldest first, base excluded
        composed = history.composed_diff(between)
        assert set(composed) == gitrepo.diff_names(repo, base, tip, PKG), base
        for path, blob in composed.items():  # each with its content at the tip
            assert blob.rpartition(":")[2] == at_tip.get(path, ""), path
    everything = list(reversed(shas))  # from the empty tree
    assert set(history.composed_diff(everything)) == set(at_tip)
    assert history.composed_diff(everything)["force-app/c"].startswith("100755:")


def test_each_commit_is_diffed_once_and_a_fetch_costs_its_new_commits(
    repo: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    chain = walk.first_parent_chain(repo, "main", None)
    first = History(repo, PKG, cache)
    first.load(chain)
    first.save()
    assert first.diffed == [sha for sha, _ in chain]
    warm = History(repo, PKG, cache)
    assert warm.walk(chain[0][0], chain[-1][0]) == chain[:-1]  # the chain without git
    warm.load(chain)
    assert warm.diffed == []
    assert warm.info(chain[0][0])[2] == "b again"
    new = [commit_all(repo, {"f": str(n)}, f"new {n}") for n in range(3)]
    after_fetch = History(repo, PKG, cache)
    tip = git(repo, "rev-parse", "main")
    assert after_fetch.walk(tip, chain[-1][0]) is None  # the new commits are not cached yet
    after_fetch.load(walk.first_parent_chain(repo, tip, None))
    assert sorted(after_fetch.diffed) == sorted(new)


def test_a_rewritten_branch_is_never_served_the_old_answer(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    history = History(repo, PKG, cache)
    history.load(walk.first_parent_chain(repo, "main", None))
    history.save()
    old_tip = git(repo, "rev-parse", "main")
    (repo / "force-app" / "z").write_text("1")
    git(repo, "add", "force-app/z")
    git(repo, "commit", "-q", "--amend", "-m", "b again, rewritten with z")
    tip = git(repo, "rev-parse", "main")
    rewritten = History(repo, PKG, cache)
    chain = walk.first_parent_chain(repo, tip, None)
    assert rewritten.walk(tip, chain[-1][0]) is None
    rewritten.load(chain)
    assert rewritten.diffed == [tip]
    assert sorted(p for p, _, _ in rewritten.changes(tip)) == ["force-app/b", "force-app/z"]
    assert [p for p, _, _ in rewritten.changes(old_tip)] == ["force-app/b"]  # still cached


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"not json at all", id="garbage"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data.replace(b'"b again"', b'"b AGAIN"'), id="edited-body"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_damaged_cache_is_rebuilt_not_trusted(
    repo: Path, tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    cache = tmp_path / "cache"
    chain = walk.first_parent_chain(repo, "main", None)
    history = History(repo, PKG, cache)
    history.load(chain)
    history.save()
    path = cache / FILE
    path.write_bytes(damage(path.read_bytes()))
    again = History(repo, PKG, cache)
    again.load(chain)
    assert again.diffed == [sha for sha, _ in chain]  # nothing of the damaged file was used
    assert again.info(chain[0][0])[2] == "b again"
    again.save()
    assert len(cachefile.read(path, again._key)) == len(chain)  # rebuilt whole


def test_the_cache_is_keyed_by_the_package_directories(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    chain = walk.first_parent_chain(repo, "main", None)
    narrow = History(repo, PKG, cache)
    narrow.load(chain)
    narrow.save()
    wide = History(repo, [*PKG, "README.md"], cache)
    wide.load(chain)
    assert wide.diffed == [sha for sha, _ in chain]
    readme = git(repo, "log", "-1", "--format=%H", "--", "README.md")
    assert [p for p, _, _ in wide.changes(readme)] == ["README.md"]


def test_two_runs_keep_what_each_learned(repo: Path, tmp_path: Path) -> None:
    """Hooks in two worktrees at once: the second writer merges the first one's commits."""
    cache = tmp_path / "cache"
    chain = walk.first_parent_chain(repo, "main", None)
    one, two = History(repo, PKG, cache), History(repo, PKG, cache)
    one.load(chain[:3])
    two.load(chain[3:])
    one.save()
    two.save()
    merged = History(repo, PKG, cache)
    merged.load(chain)
    assert merged.diffed == []


def test_walking_down_asks_git_only_for_what_the_cache_lacks(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    chain = walk.first_parent_chain(repo, "main", None)
    root = chain[-1][0]
    known = History(repo, PKG, cache)
    known.load(chain[2:])  # the older commits, as a run before a fetch left them
    known.save()
    history = History(repo, PKG, cache)
    walked, depths = history.walk_down(chain[0][0], {root, chain[4][0]})
    assert walked == chain[:-1] and depths == {root: len(chain) - 1, chain[4][0]: 4}
    head_vs_root = (chain[0][0], root)
    compared = history.load(walked, also=[head_vs_root])
    assert history.diffed == [chain[0][0], chain[1][0]]  # the two the cache lacked
    assert {c.path for c in compared[head_vs_root]} == gitrepo.diff_names(
        repo, root, chain[0][0], PKG
    )
    assert history.load(walked, also=[head_vs_root]) == {}  # nothing new: git does not run
