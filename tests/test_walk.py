"""`sfsync.git.walk`: the first-parent walks and batched diffs "behind" is built on."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import git, write
from sfsync.errors import CommandFailed, UsageError
from sfsync.git import repo as gitrepo
from sfsync.git import walk

ODD = "force-app/odd name\nwith newline é.cls"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: root (a, b), modify a, merge of a side branch adding c, delete b, empty subject."""
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(path))
    write(path, {"force-app/a.cls": "1", "force-app/b.cls": "1", "docs/x.md": "x"}, "root")
    write(path, {"force-app/a.cls": "2", "docs/x.md": "y"}, "modify a")
    git(path, "checkout", "-q", "-b", "side")
    write(path, {"force-app/c.cls": "1", ODD: "odd"}, "add c")
    git(path, "checkout", "-q", "main")
    git(path, "merge", "-q", "--no-ff", "side", "-m", "Merge side")
    write(path, {"force-app/b.cls": None}, "delete b")
    git(path, "commit", "-q", "--allow-empty", "--allow-empty-message", "-m", "")
    return path


def test_first_parent_chain(repo: Path) -> None:
    chain = walk.first_parent_chain(repo, "main", None)
    assert [sha for sha, _ in chain] == git(repo, "rev-list", "--first-parent", "main").split()
    assert len(chain) == 5
    assert [parent for _, parent in chain[:-1]] == [sha for sha, _ in chain[1:]]
    assert chain[-1][1] is None  # the root
    merge = git(repo, "rev-parse", "main~2")
    assert chain[2] == (merge, git(repo, "rev-parse", "main~3"))  # the first parent only
    assert walk.first_parent_chain(repo, "main", git(repo, "rev-parse", "main~2")) == chain[:2]


def test_diff_tree_many_answers_in_order(repo: Path) -> None:
    chain = walk.first_parent_chain(repo, "main", None)
    pairs = [*chain, (git(repo, "rev-parse", "main"), chain[-1][0])]
    answers = walk.diff_tree_many(repo, pairs, ["force-app"])
    assert [a.sha for a in answers] == [sha for sha, _ in pairs]
    assert [a.subject for a in answers] == ["", "delete b", "Merge side", "modify a", "root", ""]
    assert answers[1].changes[0].status == "D" and answers[1].changes[0].new_sha.strip("0") == ""
    # a merge: what it brought against its first parent, odd path names read back intact
    assert sorted(c.path for c in answers[2].changes) == ["force-app/c.cls", ODD]
    assert [c.path for c in answers[3].changes] == ["force-app/a.cls"]  # docs/ left out
    assert sorted(c.path for c in answers[4].changes) == ["force-app/a.cls", "force-app/b.cls"]
    assert all(c.old_mode == "000000" and c.new_mode == "100644" for c in answers[4].changes)
    # any two commits compare: the root against the tip
    assert sorted(c.path for c in answers[5].changes) == sorted(
        gitrepo.diff_names(repo, chain[-1][0], "main", ["force-app"])
    )
    assert answers[0].author == "Test Author" and answers[0].date.startswith("20")
    assert walk.diff_tree_many(repo, [], ["force-app"]) == []


def test_first_parent_until_stops_at_a_known_commit(repo: Path) -> None:
    chain = walk.first_parent_chain(repo, "main", None)
    shas = [sha for sha, _ in chain]
    fresh, met = walk.first_parent_until(repo, "main", lambda sha: sha == shas[2])
    assert (fresh, met) == (chain[:2], shas[2])
    assert walk.first_parent_until(repo, "main", lambda sha: False) == (chain, None)
    # git stops above what `exclude` reaches; a sha it does not have is left out
    assert walk.first_parent_until(repo, "main", lambda sha: False, [shas[3]]) == (
        chain[:3],
        None,
    )
    assert walk.first_parent_until(repo, "main", lambda sha: False, ["1" * 40]) == (chain, None)
    assert walk.first_parent_until(repo, "1" * 40, lambda sha: False) == ([], None)
    with pytest.raises(CommandFailed, match="no-such-branch"):
        gitrepo.read_until(repo, ["rev-list", "no-such-branch"], lambda line: False)


def test_one_cat_file_process_answers_question_after_question(repo: Path) -> None:
    head = gitrepo.rev_parse(repo, "HEAD")
    with gitrepo.CatFile(repo) as cat:
        commit = cat.get("HEAD")
        assert commit is not None and commit.type == "commit" and commit.sha == head
        blob, missing, again = cat.get_many(["HEAD:docs/x.md", "HEAD:nope.txt", "HEAD"])
        assert blob is not None and blob.type == "blob" and blob.data == b"y"
        assert missing is None and again == commit
        with pytest.raises(UsageError, match="cannot name a git object"):
            cat.get("HEAD\nHEAD")
        assert cat.get("HEAD~1") is not None  # still answering after the refusal
    with pytest.raises(UsageError, match="no such directory"):
        gitrepo.CatFile(repo / "missing")
