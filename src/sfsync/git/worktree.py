"""Git commands that change a checkout or a remote: merge, reset, linked worktrees, push.

For the pull-upstream and back-promote workflows only (with the status and conflict reads
they need first); the rest of sfsync reads the repository and writes objects and refs
through `sfsync.git.repo`, whose process runner (`repo.run`) runs git here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sfsync.errors import ExternalError, UsageError
from sfsync.git.repo import (
    config_args,
    failed,
    git_path,
    merge_head,
    push_lost_race,
    reason,
    rev_parse,
    run,
    split_z,
    unrelated,
)


def dirty_paths(cwd: Path | str, paths: Sequence[str] = ()) -> list[str]:
    """Modified, staged, unmerged or untracked (not ignored) files below `paths`."""
    args = ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"]
    if paths:
        args += ["--", *paths]
    return [entry[3:] for entry in split_z(run(cwd, *args).stdout) if len(entry) > 3]


def current_branch(cwd: Path | str) -> str | None:
    """The branch checked out in `cwd` (short name), or None on a detached HEAD."""
    proc = run(cwd, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip() or None


def unmerged_paths(cwd: Path | str) -> list[str]:
    """Files with unresolved conflicts."""
    data = run(cwd, "diff", "--name-only", "-z", "--diff-filter=U").stdout
    return sorted(set(split_z(data)))


def check_index_unlocked(cwd: Path | str) -> None:
    """Refuse, before anything changes, when git's index is locked (`index.lock` exists:
    another git process is running, or one was killed). git itself would start a merge,
    fail to write the index, and leave a MERGE_HEAD behind that looks like conflicts."""
    lock = git_path(cwd, "index.lock")
    if lock.exists():
        raise ExternalError(
            f"{lock} exists: another git process is working in this repository, or one was "
            "killed; when no git runs here, delete it and run the command again (nothing "
            "was changed)"
        )


def merge(
    cwd: Path | str,
    rev: str,
    message: str,
    *,
    config: Sequence[tuple[str, str]] = (),
    env: Mapping[str, str] | None = None,
) -> bool:
    """`git merge --no-ff` of `rev` into the checked-out branch; False when it stopped on conflicts.

    A merge that fails for another reason (the index is locked, it would overwrite local
    files) raises, and leaves no merge in progress behind. `config` (`-c` pairs, e.g. a merge
    driver) and `env` apply to this merge only.
    """
    check_index_unlocked(cwd)
    args = ("merge", "--no-ff", "--no-edit", "--no-verify", "-m", message, "--end-of-options", rev)
    proc = run(cwd, *config_args(config), *args, env=env, check=False)
    if proc.returncode == 0:
        return True
    if merge_head(cwd) is not None:
        if unmerged_paths(cwd):
            return False
        # git recorded a merge but merged nothing (it could not write the index): forget
        # it, so that no commit concludes a merge that never happened
        run(cwd, "merge", "--quit", check=False)
    if b"unrelated histories" in proc.stderr:
        head = rev_parse(cwd, "HEAD") or "HEAD"
        raise unrelated(cwd, head, rev_parse(cwd, rev) or rev)
    raise failed(("git", "merge", rev), proc.returncode, proc.stdout, proc.stderr, cwd)


def merge_abort(cwd: Path | str) -> None:
    """Undo a merge that stopped on conflicts (back to the pre-merge state)."""
    check_index_unlocked(cwd)
    run(cwd, "merge", "--abort")


def reset_keep(cwd: Path | str, rev: str) -> None:
    """Move the checked-out branch to `rev`, keeping local changes (`git reset --keep`)."""
    # git 2.39's reset refuses --end-of-options: pass it the commit's full sha instead
    sha = rev_parse(cwd, rev)
    if sha is None:
        raise UsageError(f"'{rev}' is not a commit in this repository")
    check_index_unlocked(cwd)
    run(cwd, "reset", "--quiet", "--keep", sha)


def worktree_add(cwd: Path | str, path: Path, rev: str) -> None:
    """A temporary linked worktree at `path` on a detached `rev` (the user's tree is untouched)."""
    run(cwd, "worktree", "add", "--quiet", "--detach", "--end-of-options", str(path), rev)


def worktree_remove(cwd: Path | str, path: Path) -> None:
    """Remove a linked worktree (forcefully: it is ours) and prune its bookkeeping."""
    run(cwd, "worktree", "remove", "--force", "--force", str(path), check=False)
    run(cwd, "worktree", "prune", check=False)


def push_ref(cwd: Path | str, remote: str, sha: str, ref: str) -> tuple[bool, str, bool]:
    """Push `sha` to `ref` on `remote`, fast-forward only: (ok, why it failed, whether it
    failed only because someone pushed to `ref` first)."""
    args = ("push", "--quiet", "--porcelain", "--end-of-options", remote, f"{sha}:{ref}")
    proc = run(cwd, *args, check=False)
    if proc.returncode == 0:
        return True, "", False
    return False, reason(proc.stdout, proc.stderr), push_lost_race(proc.stdout, proc.stderr)
