"""The fault matrix, hook rows (round 2): the hook cannot be fooled into passing for ever.

Rows: a pull-upstream stopped on conflicts, then aborted with git itself (the journal left
behind is stale); a pull-upstream while `.git/index.lock` exists; a hand merge of an older
upstream commit; the first commit in a repository without a remote; a branch deletion
pushed while behind; package directories spelled in another case than git holds them.
Each probe runs the plain hooks `sfsync install-hooks` writes, through real git.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline import CLASSES, Pipeline, cls, git
from runs import conflicting_story, git_with_hooks, sfsync
from sfsync.git import journal
from sfsync.git import repo as gitrepo


def story_commit(repo: Path, name: str) -> subprocess.CompletedProcess[str]:
    """Commit one new class of the developer's story through the hooks."""
    for rel, text in cls(name).items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    return git_with_hooks(repo, "commit", "-q", "-m", f"story: {name}")


@pytest.fixture
def conflicting(tmp_path: Path) -> tuple[Pipeline, Path]:
    """dev1 changed Base in its story; int then deployed another Base: behind, conflicting."""
    return conflicting_story(tmp_path)


def _common(repo: Path) -> Path:
    return gitrepo.repo_paths(repo).common_dir


# --- a pull-upstream stopped on conflicts, then `git merge --abort` ---------------------------


def test_hook_checks_again_after_the_conflicted_pull_is_aborted_with_git(
    conflicting: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = conflicting
    code, out = sfsync(dev, "pull-upstream", "--yes")
    assert code == 1 and "stopped on conflicts" in out, out
    git(dev, "merge", "--abort")  # the developer gives up with git itself

    refused = story_commit(dev, "Later")

    assert refused.returncode == 1, refused.stderr
    assert "dev1 is 1 deployment behind int" in refused.stderr
    assert "unfinished" not in refused.stderr


def test_hook_checks_again_after_the_abort_and_commits_on_top(
    conflicting: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = conflicting
    assert sfsync(dev, "pull-upstream", "--yes")[0] == 1
    git(dev, "merge", "--abort")
    assert story_commit(dev, "Bypassed").returncode == 1
    # the developer then commits anyway (SKIP) and goes on: still checked, every time
    (dev / "notes.txt").write_text("x\n")
    git(dev, "add", "-A")
    git(dev, "commit", "-q", "--no-verify", "-m", "bypass")

    refused = story_commit(dev, "Later")

    assert refused.returncode == 1, refused.stderr
    assert "behind int" in refused.stderr


def test_pull_upstream_clears_the_stale_journal_and_pulls_afresh(
    conflicting: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = conflicting
    assert sfsync(dev, "pull-upstream", "--yes")[0] == 1
    git(dev, "merge", "--abort")
    (dev / "notes.txt").write_text("x\n")
    git(dev, "add", "-A")
    git(dev, "commit", "-q", "--no-verify", "-m", "a commit after the abort")

    code, out = sfsync(dev, "pull-upstream", "--dry-run", "--json")

    assert code == 0, out
    assert '"resuming": false' in out and '"conflicts": [' in out
    assert not journal.path(_common(dev), "dev1").exists()


def test_hook_honours_a_pull_whose_merge_is_still_in_progress(
    conflicting: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = conflicting
    assert sfsync(dev, "pull-upstream", "--yes")[0] == 1
    (dev / CLASSES / "Base.cls").write_text("public class Base { /* story + int */ }\n")
    git(dev, "add", "-A")

    done = git_with_hooks(dev, "commit", "-q", "--no-edit")

    assert done.returncode == 0, done.stderr


# --- `.git/index.lock` while pull-upstream merges -------------------------------------------


def test_pull_upstream_with_index_lock_names_the_lock_and_journals_nothing(
    conflicting: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = conflicting
    lock = gitrepo.repo_paths(dev).git_dir / "index.lock"
    lock.write_text("")

    code, out = sfsync(dev, "pull-upstream", "--yes")

    assert code == 3, out
    assert "index.lock" in out and "Traceback" not in out
    assert "stopped on conflicts" not in out
    assert not journal.path(_common(dev), "dev1").exists()
    assert gitrepo.merge_head(dev) is None
    lock.unlink()
    refused = story_commit(dev, "Later")
    assert refused.returncode == 1 and "behind int" in refused.stderr, refused.stderr


# --- a hand merge of an older upstream commit -------------------------------------------------


def test_hand_merge_of_an_older_upstream_commit_is_still_behind(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    assert sfsync(dev, "install-hooks")[0] == 0
    older = pipe.deploy("int", cls("First"), "First on int")
    pipe.deploy("int", cls("Second"), "Second on int")
    git(dev, "fetch", "-q", "origin")
    git(dev, "merge", "-q", "--no-commit", "--no-ff", older)
    (dev / "unrelated.txt").write_text("x\n")
    git(dev, "add", "unrelated.txt")

    refused = git_with_hooks(dev, "commit", "-q", "--no-edit")

    assert refused.returncode == 1, refused.stderr
    assert "dev1 is 1 deployment behind int" in refused.stderr
    assert "Second on int" in refused.stderr and "First on int" not in refused.stderr


def test_hand_merge_of_the_upstream_tip_still_passes(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    assert sfsync(dev, "install-hooks")[0] == 0
    pipe.deploy("int", cls("First"), "First on int")
    pipe.deploy("int", cls("Second"), "Second on int")
    git(dev, "fetch", "-q", "origin")
    git(dev, "merge", "-q", "--no-commit", "--no-ff", "origin/int")

    done = git_with_hooks(dev, "commit", "-q", "--no-edit")

    assert done.returncode == 0, done.stderr
    assert "concludes a merge" in done.stderr


# --- a branch deletion pushed while behind ---------------------------------------------------


def test_pushing_a_branch_deletion_while_behind_passes(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    assert sfsync(dev, "install-hooks")[0] == 0
    git(dev, "push", "-q", "--no-verify", "origin", "HEAD:refs/heads/old-story")
    pipe.deploy("int", cls("Foo"), "Foo on int")
    git(dev, "fetch", "-q", "origin")

    deleted = git_with_hooks(dev, "push", "-q", "origin", "--delete", "old-story")

    assert deleted.returncode == 0, deleted.stderr
    assert "old-story" not in git(dev, "ls-remote", "--heads", "origin")
    # pushing work while behind is still refused
    refused = git_with_hooks(dev, "push", "-q", "origin", "HEAD:refs/heads/new-story")
    assert refused.returncode == 1 and "behind int" in refused.stderr, refused.stderr


# --- a repository without a remote ---------------------------------------------------------


@pytest.fixture
def no_remote(tmp_path: Path) -> Path:
    """`git init`, an sfdx project, `sfsync init --install-hooks`: no remote, no branches."""
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app", "default": true}]}\n'
    )
    (repo / CLASSES).mkdir(parents=True)
    code, out = sfsync(
        repo,
        "init",
        "--yes",
        "--env",
        "prod=main:prod",
        "--env",
        "int=int:int-sb",
        "--env",
        "dev1=:dev1-sb",
        "--set-env",
        "dev1",
        "--install-hooks",
    )
    assert code == 0, out
    return repo


def test_first_commit_after_init_without_a_remote_passes(no_remote: Path) -> None:
    repo = no_remote
    git(repo, "add", "-A")

    done = git_with_hooks(repo, "commit", "-q", "-m", "first")

    assert done.returncode == 0, done.stderr
    assert "fetch" not in done.stderr
    assert "branch 'int' of int does not exist yet and there is no remote 'origin'" in done.stderr


def test_without_a_remote_the_local_branches_are_upstream(no_remote: Path) -> None:
    repo = no_remote
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "first")
    git(repo, "branch", "int")
    git(repo, "checkout", "-q", "-b", "story")
    assert sfsync(repo, "mark-synced")[0] == 0
    git(repo, "checkout", "-q", "int")
    for rel, text in cls("Foo").items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "Foo on int")
    git(repo, "checkout", "-q", "story")

    code, out = sfsync(repo, "pull-upstream", "--dry-run")
    refused = story_commit(repo, "Mine")

    assert refused.returncode == 1 and "dev1 is 1 deployment behind int" in refused.stderr
    assert code == 0 and "Foo on int" in out, out  # no fetch from a remote that is not there


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("status", "--fetch"), id="status-fetch"),
        pytest.param(("mark-synced", "--push"), id="mark-synced-push"),
        pytest.param(("ignore", "--all", "--push"), id="ignore-push"),
    ],
)
def test_fetch_or_push_without_the_remote_says_so(no_remote: Path, args: tuple[str, ...]) -> None:
    repo = no_remote
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "first")
    git(repo, "branch", "int")

    code, out = sfsync(repo, *args)

    assert code == 2, out
    assert "no git remote 'origin'" in out and "git remote add origin" in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1
    assert gitrepo.ref_sha(repo, "refs/sfsync/envs/dev1") is None  # nothing was recorded
