"""The git commands sfsync needs, one function each: reads, objects and refs.

Git runs only through `run` here, with argument lists (no shell strings); paths are read
with `-z`. A failing command raises `CommandFailed` showing the command and its output.
Every value that is not sfsync's own (a rev, a ref, a remote) follows `--end-of-options`
(git >= 2.24), so a value such as `--upload-pack=...` is never read as an option; names
are also checked before they get here (`sfsync.git.refnames`).
The commands that change a checkout (merge, reset, worktrees, push) are
`sfsync.git.worktree`, on top of `run`. This module is on the hook's import path: keep its
imports light.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import CommandFailed, ExecutableNotFound, ExternalError, UsageError

ZERO_SHA = "0" * 40


def run(
    cwd: Path | str,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `cwd` and return the completed process (bytes)."""
    cmd = ("git", *args)
    full_env = None
    if env is not None:
        full_env = dict(os.environ)
        full_env.update(env)
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, input=input, capture_output=True, env=full_env, check=False
        )
    except FileNotFoundError as exc:
        if not Path(cwd).is_dir():
            raise UsageError(f"{cwd}: no such directory") from exc
        raise ExecutableNotFound("Executable `git` not found: install git") from exc
    if check and proc.returncode != 0:
        raise failed(cmd, proc.returncode, proc.stdout, proc.stderr, cwd)
    return proc


# git's messages for causes a user can act on (git 2.39 wording, English): each gives one
# line naming the cause and the next step instead of git's whole output
_LOCKED = re.compile(r"Unable to create '([^']+\.lock)': File exists")
_NO_WRITE = re.compile(
    r"(?:insufficient permission for adding an object to repository database (\S+)"
    r"|'([^']+)'[^\n]*?(?:Permission denied|Read-only file system)"
    r"|(?:Permission denied|Read-only file system)[^\n]*?'([^']+)')"
)
_TOO_LONG = re.compile(r"'([^']+)'[^\n]*?File name too long|File name too long")


def _decoded(data: bytes | str) -> str:
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data


# `git push --porcelain`: `!<TAB>src:dst<TAB>[remote rejected] (reason)`, or `[rejected]`
_PUSH_REFUSED = re.compile(r"\[(remote rejected|rejected)\][^(\n]*\(([^)\n]*)\)")


def reason(stdout: bytes | str, stderr: bytes | str) -> str:
    """Why a git command that talks to a remote failed, in one line: what the remote said
    (its `remote:` lines and a push's `[remote rejected] (reason)`), else git's first
    `fatal:` or `error:` line (not the last line: that is often advice such as "and the
    repository exists.")."""
    out, err = _decoded(stdout), _decoded(stderr)
    said = [line[7:].strip() for line in err.splitlines() if line.startswith("remote:")]
    said = [line for line in said if line]
    refused = [f"{kind} ({why})" for kind, why in _PUSH_REFUSED.findall(out + "\n" + err)]
    if said or refused:
        parts = []
        if said:
            parts.append("the remote said: " + " ".join(said))
        if refused:
            parts.append(", ".join(dict.fromkeys(refused)))
        return "; ".join(parts)
    lines = [line.strip() for line in err.splitlines() if line.strip()]
    for prefix in ("fatal:", "error:"):
        found = next((line for line in lines if line.startswith(prefix)), None)
        if found is not None:
            return found
    return lines[-1] if lines else "no output"


def push_lost_race(stdout: bytes | str, stderr: bytes | str) -> bool:
    """True when a failed push was refused only because the remote's ref moved meanwhile
    (`[rejected] (fetch first)`, not a fast-forward): fetching and pushing again may work.
    A remote that refuses the push itself (a hook, a permission, a protected ref) or a push
    that never reached it is not this: trying again will not help."""
    text = _decoded(stdout) + "\n" + _decoded(stderr)
    return "[rejected]" in text and "[remote rejected]" not in text


def failed(
    cmd: Sequence[str],
    returncode: int,
    stdout: bytes | str,
    stderr: bytes | str,
    cwd: Path | str | None = None,
) -> CommandFailed:
    """The error for a git command that failed: one line naming the cause and the next step
    when git's exit or message shows one (a lock file left behind, a file size limit, a
    repository that is not writable, a full disk, a name too long for the file system);
    otherwise the command and its whole output."""
    text = stderr.decode("utf-8", errors="replace") if isinstance(stderr, bytes) else stderr
    what = f"`git {cmd[1]}`" if len(cmd) > 1 else "git"
    where = f" in {cwd}" if cwd is not None else ""
    summary: str | None = None
    if returncode == -getattr(signal, "SIGXFSZ", 25) or "File too large" in text:
        summary = (
            f"{what} was stopped by the file size limit (`ulimit -f`) while writing{where}: "
            "raise it (`ulimit -f unlimited`) and run the command again"
        )
    elif (locked := _LOCKED.search(text)) is not None:
        summary = (
            f"{what} could not lock {locked[1]}: the file exists, so another git process is "
            "working in this repository, or one was killed; when no git runs here, delete "
            "it and run the command again"
        )
    elif (denied := _NO_WRITE.search(text)) is not None:
        path = next(group for group in denied.groups() if group)
        reason = "read-only file system" if "Read-only" in denied[0] else "permission denied"
        summary = (
            f"{what} cannot write {path}: {reason}; make the repository writable for you "
            "(or run sfsync as its owner), then run the command again"
        )
    elif "No space left on device" in text:
        summary = f"{what} failed{where}: no space left on the device; free some space"
    elif (long := _TOO_LONG.search(text)) is not None:
        named = f" ({long[1]})" if long[1] else ""
        summary = (
            f"{what} failed{where}: a name is too long for the file system{named}; use a "
            "shorter file or environment name"
        )
    elif returncode < 0:
        try:
            sig = signal.Signals(-returncode).name
        except ValueError:
            sig = f"signal {-returncode}"
        summary = f"{what} was killed by {sig}{where}; run the command again"
    return CommandFailed(cmd, returncode, stdout, stderr, summary=summary)


def read_until(cwd: Path | str, args: Sequence[str], done: Callable[[bytes], bool]) -> bool:
    """Run `git ARGS` and hand each line of its stdout to `done` until it returns True; then
    stop git (it may have more to say) and return True. False when the output ended first;
    `CommandFailed` when git failed before that."""
    cmd = ("git", *args)
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError as exc:
        raise ExecutableNotFound("Executable `git` not found: install git") from exc
    assert proc.stdout is not None and proc.stderr is not None
    try:
        for line in proc.stdout:
            if done(line):
                return True
        stderr = proc.stderr.read()
        if proc.wait() != 0:
            raise failed(cmd, proc.returncode, b"", stderr, cwd)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def out(cwd: Path | str, *args: str, input: bytes | None = None) -> str:
    """Run git and return its stdout as text without the trailing newline."""
    return run(cwd, *args, input=input).stdout.decode("utf-8", errors="replace").rstrip("\n")


def split_z(data: bytes) -> list[str]:
    """Split NUL-terminated git output (`-z`) into strings."""
    return [part.decode("utf-8", errors="surrogateescape") for part in data.split(b"\0") if part]


def toplevel(cwd: Path | str) -> Path:
    """The work tree root of the repository containing `cwd`."""
    proc = run(cwd, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise UsageError(f"{cwd}: not inside a git repository (run sfsync from your project)")
    return Path(proc.stdout.decode().strip())


def git_dir(cwd: Path | str) -> Path:
    """The repository's git directory (absolute); shared by all worktrees via --git-common-dir."""
    return Path(out(cwd, "rev-parse", "--absolute-git-dir"))


def common_dir(cwd: Path | str) -> Path:
    """The git directory shared by all worktrees of the repository."""
    path = Path(out(cwd, "rev-parse", "--git-common-dir"))
    return path if path.is_absolute() else (Path(cwd) / path).resolve()


def rev_parse(cwd: Path | str, rev: str) -> str | None:
    """The full sha `rev` names (peeled to a commit), or None if it names nothing."""
    proc = run(
        cwd,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{rev}^{{commit}}",
        check=False,
    )
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip()


def rev_parse_commits(cwd: Path | str, revs: Sequence[str]) -> list[str] | None:
    """The commit shas `revs` name, in one git call; None when any names no commit."""
    args = [f"{rev}^{{commit}}" for rev in revs]
    proc = run(cwd, "rev-parse", "--quiet", "--end-of-options", *args, check=False)
    # without --verify (one rev only), git 2.39 echoes "--end-of-options" before the shas
    shas = [line for line in proc.stdout.decode().split() if line != "--end-of-options"]
    if proc.returncode != 0 or len(shas) != len(revs):
        return None
    return shas


def ref_sha(cwd: Path | str, ref: str) -> str | None:
    """The object a ref points to (not peeled), or None when the ref does not exist."""
    proc = run(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", ref, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip()


def merge_base(cwd: Path | str, a: str, b: str) -> str | None:
    """The best common ancestor of two commits, or None when they share no history."""
    proc = run(cwd, "merge-base", "--end-of-options", a, b, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip()


def is_ancestor(cwd: Path | str, ancestor: str, descendant: str) -> bool:
    """True when `ancestor` is reachable from `descendant`."""
    return (
        run(
            cwd,
            "merge-base",
            "--is-ancestor",
            "--end-of-options",
            ancestor,
            descendant,
            check=False,
        ).returncode
        == 0
    )


def is_shallow(cwd: Path | str) -> bool:
    """True in a shallow clone (history may be missing)."""
    return out(cwd, "rev-parse", "--is-shallow-repository") == "true"


SHALLOW_ADVICE = "run `git fetch --unshallow` (the whole history), then run the command again"


def unrelated(cwd: Path | str, ours: str, theirs: str) -> ExternalError | UsageError:
    """The error when two commits share no history: in a shallow clone the history that
    joins them was not fetched (`git clone --depth`, CI checkouts); else they are unrelated."""
    if is_shallow(cwd):
        return ExternalError(
            f"{cwd} is a shallow clone: the history joining {ours[:12]} and {theirs[:12]} "
            f"is missing, so git cannot merge or compare them; {SHALLOW_ADVICE}"
        )
    return UsageError(
        f"{ours[:12]} and {theirs[:12]} share no history (unrelated branches), so they "
        "cannot be merged: check the branch names in sfsync.yml"
    )


def config_get(cwd: Path | str, key: str) -> str | None:
    """A git config value, or None when unset."""
    proc = run(cwd, "config", "--get", "--end-of-options", key, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip()


def config_set(cwd: Path | str, key: str, value: str) -> None:
    """Set a git config value in the repository's own config (`git config --local`)."""
    run(cwd, "config", "--local", key, value)


def config_get_local(cwd: Path | str, key: str) -> str | None:
    """A value of the repository's own config (`git config --local`), or None when unset."""
    proc = run(cwd, "config", "--local", "--get", "--end-of-options", key, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", errors="surrogateescape").rstrip("\n")


def config_unset_local(cwd: Path | str, key: str) -> None:
    """Remove a key from the repository's own config (nothing when it is not set)."""
    run(cwd, "config", "--local", "--unset-all", "--end-of-options", key, check=False)


def config_path(cwd: Path | str, key: str) -> str | None:
    """A path-valued config value with `~` expanded (`git config --path`), or None."""
    proc = run(cwd, "config", "--path", "--get", "--end-of-options", key, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", errors="surrogateescape").rstrip("\n") or None


def branch_names(cwd: Path | str, remote: str) -> list[str]:
    """Local branches and `remote`'s branches (without the remote's prefix), each once."""
    text = out(
        cwd,
        "for-each-ref",
        "--format=%(refname)",
        "refs/heads/",
        f"refs/remotes/{remote}/",
    )
    names: list[str] = []
    for ref in text.splitlines():
        for prefix in ("refs/heads/", f"refs/remotes/{remote}/"):
            if ref.startswith(prefix):
                name = ref[len(prefix) :]
                if name != "HEAD" and name not in names:
                    names.append(name)
    return names


@dataclass(frozen=True)
class Change:
    """One entry of `git diff --name-status`: A, M, D, T (type change)."""

    status: str
    path: str


def diff_name_status(
    cwd: Path | str,
    old: str,
    new: str,
    paths: Sequence[str] = (),
    *,
    three_dot: bool = False,
) -> list[Change]:
    """The files that differ between two commits, without renames (reads no blob contents)."""
    spec = f"{old}...{new}" if three_dot else None
    revs = [spec] if spec else [old, new]
    args = [
        "diff",
        "--name-status",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        "--end-of-options",
        *revs,
    ]
    if paths:
        args += ["--", *paths]
    parts = split_z(run(cwd, *args).stdout)
    return [Change(parts[i][0], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]


def cat_file_batch(cwd: Path | str, objects: Iterable[str]) -> dict[str, bytes | None]:
    """Contents of many objects (`rev:path` or shas) in one `git cat-file --batch` process.

    Missing objects map to None.
    """
    names = list(dict.fromkeys(objects))
    if not names:
        return {}
    payload = "".join(f"{name}\n" for name in names).encode("utf-8", errors="surrogateescape")
    data = run(cwd, "cat-file", "--batch", input=payload).stdout
    result: dict[str, bytes | None] = {}
    pos = 0
    for name in names:
        eol = data.index(b"\n", pos)
        header = data[pos:eol].decode("utf-8", errors="surrogateescape")
        pos = eol + 1
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            result[name] = None
            continue
        size = int(header.rsplit(" ", 1)[1])
        result[name] = data[pos : pos + size]
        pos += size + 1  # contents are followed by a newline
    return result


# --- state refs, behind computation, hooks (foundation) ----------------------------------


@dataclass(frozen=True)
class RepoPaths:
    """Where a repository lives: work tree root, this worktree's git dir, the shared git dir."""

    toplevel: Path
    git_dir: Path
    common_dir: Path


def repo_paths(cwd: Path | str) -> RepoPaths:
    """Work tree root and git directories in one git call; UsageError outside a repository."""
    proc = run(
        cwd,
        "rev-parse",
        "--path-format=absolute",
        "--show-toplevel",
        "--git-dir",
        "--git-common-dir",
        check=False,
    )
    lines = proc.stdout.decode("utf-8", errors="surrogateescape").splitlines()
    if proc.returncode != 0 or len(lines) != 3:
        raise UsageError(f"{cwd}: not inside a git work tree (run sfsync from your project)")
    return RepoPaths(Path(lines[0]), Path(lines[1]), Path(lines[2]))


def branches_with_file(cwd: Path | str, path: str, limit: int = 3) -> list[str]:
    """Local and remote-tracking branches (short names) whose tip holds `path`, at most
    `limit`, local ones first: for "not on this branch, but on ..." hints. One process for
    the refs, one for the lookups."""
    refs = out(cwd, "for-each-ref", "--format=%(refname:short)", "refs/heads/", "refs/remotes/")
    names = [r for r in refs.splitlines() if r and not r.endswith("/HEAD")]
    if not names:
        return []
    payload = "".join(f"{name}:{path}\n" for name in names).encode()
    data = run(cwd, "cat-file", "--batch-check", input=payload).stdout.decode()
    found = [
        name
        for name, line in zip(names, data.splitlines(), strict=False)
        if line.split()[-1:] != ["missing"] and len(line.split()) == 3
    ]
    return found[:limit]


def resolve_many(cwd: Path | str, revs: Sequence[str]) -> dict[str, str | None]:
    """Commit shas for several revs in one process; a rev that names nothing maps to None."""
    if not revs:
        return {}
    payload = "".join(f"{rev}^{{commit}}\n" for rev in revs).encode()
    data = run(cwd, "cat-file", "--batch-check", input=payload).stdout.decode()
    result: dict[str, str | None] = {}
    for rev, line in zip(revs, data.splitlines(), strict=False):
        fields = line.split()
        result[rev] = fields[0] if len(fields) == 3 and fields[1] == "commit" else None
    return result


def diff_names(cwd: Path | str, old: str, new: str, paths: Sequence[str] = ()) -> set[str]:
    """Paths whose content differs between two tree-ish (no renames, no blob reads)."""
    args = ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--end-of-options"]
    args += [old, new]
    if paths:
        args += ["--", *paths]
    return set(split_z(run(cwd, *args).stdout))


def staged_names(cwd: Path | str, paths: Sequence[str] = ()) -> set[str]:
    """Paths staged in the index that differ from HEAD (all index paths in an unborn repo)."""
    head = rev_parse(cwd, "HEAD")
    base = head if head is not None else out(cwd, "hash-object", "-t", "tree", "/dev/null")
    args = ["diff", "--cached", "--name-only", "-z", "--no-renames", "--end-of-options", base]
    if paths:
        args += ["--", *paths]
    return set(split_z(run(cwd, *args).stdout))


@dataclass(frozen=True)
class LogEntry:
    """One first-parent commit and the paths it changed against its first parent."""

    sha: str
    subject: str
    author: str
    date: str
    paths: tuple[str, ...]


def first_parent_log(
    cwd: Path | str, exclude: str | None, tip: str, paths: Sequence[str] = ()
) -> list[LogEntry]:
    """First-parent commits in `exclude..tip` (newest first) with their changed paths."""
    rng = f"{exclude}..{tip}" if exclude else tip
    args = [
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "--no-renames",
        "--name-only",
        "-z",
        "--format=%x01%H%x00%s%x00%an%x00%aI",
        "--end-of-options",
        rng,
    ]
    if paths:
        args += ["--", *paths]
    entries: list[LogEntry] = []
    for chunk in run(cwd, *args).stdout.split(b"\x01"):
        fields = chunk.split(b"\0")
        if len(fields) < 4:
            continue
        sha, subject, author, date = (f.decode("utf-8", errors="replace") for f in fields[:4])
        names = tuple(
            f.lstrip(b"\n").decode("utf-8", errors="surrogateescape")
            for f in fields[4:]
            if f.strip(b"\n")
        )
        entries.append(LogEntry(sha, subject, author, date, names))
    return entries


@dataclass(frozen=True)
class RawChange:
    """One entry of `git diff --raw`: status, path and the blob shas on both sides."""

    status: str
    path: str
    old_sha: str
    new_sha: str
    old_mode: str = ""
    new_mode: str = ""


def first_parent_shas(cwd: Path | str, tip: str, limit: int | None = None) -> list[str]:
    """The first-parent chain from `tip`, newest first."""
    args = ["rev-list", "--first-parent"]
    if limit is not None:
        args.append(f"--max-count={limit}")
    args += ["--end-of-options", tip]
    return out(cwd, *args).split()


def hash_blob(cwd: Path | str, data: bytes) -> str:
    """Write `data` as a blob object and return its sha."""
    return out(cwd, "hash-object", "-w", "--stdin", input=data)


def make_tree(cwd: Path | str, files: Mapping[str, str]) -> str:
    """Write a flat tree of regular files {name: blob sha} and return its sha."""
    text = "".join(f"100644 blob {sha}\t{name}\0" for name, sha in sorted(files.items()))
    return out(cwd, "mktree", "-z", input=text.encode("utf-8"))


def commit_tree(cwd: Path | str, tree: str, parents: Sequence[str], message: str) -> str:
    """Write a commit object for `tree` with `parents` and return its sha (no ref moves)."""
    args = ["commit-tree"]
    for parent in parents:
        args += ["-p", parent]
    args += ["--end-of-options", tree]
    return out(cwd, *args, input=message.encode("utf-8"))


def update_ref_cas(cwd: Path | str, ref: str, new: str, old: str | None, reason: str) -> bool:
    """Move `ref` to `new` only if it is still at `old` (None: only if it does not exist).

    Returns False when another writer moved the ref first (compare-and-swap lost).
    """
    proc = run(
        cwd, "update-ref", "-m", reason, "--end-of-options", ref, new, old or ZERO_SHA, check=False
    )
    if proc.returncode == 0:
        return True
    if ref_sha(cwd, ref) != old:
        return False
    raise failed(
        ("git", "update-ref", ref, new, old or ZERO_SHA),
        proc.returncode,
        proc.stdout,
        proc.stderr,
        cwd,
    )


def git_path(cwd: Path | str, name: str) -> Path:
    """`git rev-parse --git-path NAME` as an absolute path (honours core.hooksPath for hooks)."""
    path = Path(out(cwd, "rev-parse", "--git-path", name))
    return path if path.is_absolute() else (Path(cwd) / path).resolve()


def config_regexp(cwd: Path | str, pattern: str) -> dict[str, str]:
    """All config values whose key matches `pattern` (lower-cased keys), in one call."""
    proc = run(cwd, "config", "-z", "--get-regexp", pattern, check=False)
    values: dict[str, str] = {}
    for item in split_z(proc.stdout):
        key, _, value = item.partition("\n")
        values[key] = value
    return values


@dataclass(frozen=True)
class GitObject:
    """An object read by `git cat-file --batch`: its sha, type and contents."""

    sha: str
    type: str
    data: bytes


def cat_file_objects(cwd: Path | str, names: Sequence[str]) -> dict[str, GitObject | None]:
    """Like `cat_file_batch`, keeping each object's sha and type (None when missing)."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    payload = "".join(f"{name}\n" for name in names).encode("utf-8", errors="surrogateescape")
    data = run(cwd, "cat-file", "--batch", input=payload).stdout
    result: dict[str, GitObject | None] = {}
    pos = 0
    for name in names:
        eol = data.index(b"\n", pos)
        fields = data[pos:eol].decode("utf-8", errors="surrogateescape").split()
        pos = eol + 1
        if len(fields) != 3:
            result[name] = None
            continue
        size = int(fields[2])
        result[name] = GitObject(fields[0], fields[1], data[pos : pos + size])
        pos += size + 1
    return result


class CatFile:
    """One `git cat-file --batch` process that answers question after question, for walks
    whose next question depends on the last answer (a commit's parents)::

        with CatFile(repo) as cat:
            head = cat.get("refs/sfsync/envs/int")       # GitObject | None
            event, state = cat.get_many([f"{sha}:event.json", f"{sha}:state.json"])
    """

    def __init__(self, cwd: Path | str) -> None:
        cmd = ("git", "cat-file", "--batch")
        try:
            self._proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            if not Path(cwd).is_dir():
                raise UsageError(f"{cwd}: no such directory") from exc
            raise ExecutableNotFound("Executable `git` not found: install git") from exc

    def __enter__(self) -> CatFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, name: str) -> GitObject | None:
        """The object `name` (a sha, a ref, `rev:path`), None when it does not exist."""
        return self.get_many([name])[0]

    def get_many(self, names: Sequence[str]) -> list[GitObject | None]:
        """The objects `names`, in order (one round trip: a few names at a time)."""
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        for name in names:
            if "\n" in name or "\r" in name:
                raise UsageError(f"{name!r} cannot name a git object")
        try:
            proc.stdin.write("".join(f"{n}\n" for n in names).encode("utf-8", "surrogateescape"))
            proc.stdin.flush()
            found: list[GitObject | None] = []
            for _ in names:
                fields = proc.stdout.readline().decode("utf-8", "surrogateescape").split()
                if len(fields) != 3:
                    if not fields:
                        raise BrokenPipeError("git cat-file --batch ended")
                    found.append(None)
                    continue
                size = int(fields[2])
                data = proc.stdout.read(size + 1)[:size]  # contents, then a newline
                found.append(GitObject(fields[0], fields[1], data))
            return found
        except (BrokenPipeError, ValueError) as exc:
            stderr = self._end()
            raise CommandFailed(
                ("git", "cat-file", "--batch"), proc.returncode or 128, b"", stderr
            ) from exc

    def close(self) -> None:
        """End the process (idempotent)."""
        self._end()

    def _end(self) -> bytes:
        """End the process; what it wrote to stderr."""
        proc = self._proc
        stderr = b""
        if proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):  # git ended first
                proc.stdin.close()
        if proc.stdout is not None and not proc.stdout.closed:
            proc.stdout.close()  # unread answers must not keep git writing
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None and not proc.stderr.closed:
            stderr = proc.stderr.read()
            proc.stderr.close()
        return stderr


# --- metadata delta engine ------------------------------------------------------------


def ls_tree_blobs(cwd: Path | str, rev: str, paths: Sequence[str] = ()) -> dict[str, str]:
    """Every file in commit `rev` (below `paths` when given): path -> blob sha."""
    args = ["ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev]
    if paths:
        args += ["--", *paths]
    blobs = {}
    for entry in split_z(run(cwd, *args).stdout):
        header, _, path = entry.partition("\t")
        _mode, kind, sha = header.split(" ")
        if kind == "blob":
            blobs[path] = sha
    return blobs


def diff_raw(cwd: Path | str, old: str, new: str, paths: Sequence[str] = ()) -> list[RawChange]:
    """Like `diff_name_status`, with the blob shas (reads no blob contents)."""
    args = ["diff", "--raw", "-z", "--no-renames", "--no-ext-diff", "--no-abbrev"]
    args += ["--end-of-options", old, new]
    if paths:
        args += ["--", *paths]
    parts = split_z(run(cwd, *args).stdout)
    changes = []
    for i in range(0, len(parts) - 1, 2):
        _old_mode, _new_mode, old_sha, new_sha, status = parts[i].lstrip(":").split(" ")
        changes.append(RawChange(status[0], parts[i + 1], old_sha, new_sha))
    return changes


# --- workflows: pull-upstream and back-promote (in memory; a checkout: `worktree`) -------


def merge_head(cwd: Path | str) -> str | None:
    """The commit being merged when a merge stopped on conflicts (MERGE_HEAD), else None."""
    return ref_sha(cwd, "MERGE_HEAD")


def merge_heads(git_dir: Path) -> list[str]:
    """Every commit a merge in progress brings in (`<git dir>/MERGE_HEAD`, one per line; an
    octopus merge has several), [] when no merge is in progress. Reads a file: no git process."""
    try:
        text = (git_dir / "MERGE_HEAD").read_text(encoding="ascii")
    except (OSError, ValueError):
        return []
    return text.split()


def find_merge(cwd: Path | str, head: str, up_sha: str, tip: str = "HEAD") -> str | None:
    """The commit in `tip`'s history whose first parent is `head` and that merges `up_sha`
    (the merge a pull-upstream made, or that the developer committed after its conflicts)."""
    current = rev_parse(cwd, tip)
    if current is None or current == head or not is_ancestor(cwd, head, current):
        return None
    text = out(cwd, "rev-list", "--parents", "--end-of-options", f"{head}..{current}")
    for line in text.splitlines():
        sha, *parents = line.split()
        if parents[:1] == [head] and up_sha in parents:
            return sha
    return None


def commit_parents(cwd: Path | str, sha: str) -> list[str]:
    """The parents of a commit, first parent first."""
    return out(cwd, "rev-list", "--parents", "-n", "1", "--end-of-options", sha).split()[1:]


def config_args(config: Sequence[tuple[str, str]]) -> list[str]:
    """`-c key=value` for each pair: configuration for one git invocation only."""
    args: list[str] = []
    for key, value in config:
        args += ["-c", f"{key}={value}"]
    return args


def merge_tree(
    cwd: Path | str,
    ours: str,
    theirs: str,
    *,
    config: Sequence[tuple[str, str]] = (),
    env: Mapping[str, str] | None = None,
) -> tuple[str, list[str]]:
    """Merge two commits in memory (`git merge-tree --write-tree`): (tree, conflicted paths).

    Nothing in the work tree or the index changes; with conflicts the tree holds the
    conflict markers and the list names the conflicted files. `config` (`-c` pairs) and
    `env` apply to this merge only: git 2.39's merge-tree (ort) runs merge drivers too.
    """
    proc = run(
        cwd,
        *config_args(config),
        "merge-tree",
        "--write-tree",
        "--name-only",
        "--no-messages",
        "-z",
        "--end-of-options",
        ours,
        theirs,
        env=env,
        check=False,
    )
    parts = split_z(proc.stdout)
    if proc.returncode not in (0, 1) or not parts:  # no tree: git could not merge them at all
        if b"unrelated histories" in proc.stderr:
            raise unrelated(cwd, ours, theirs)
        raise failed(
            ("git", "merge-tree", ours, theirs), proc.returncode, proc.stdout, proc.stderr, cwd
        )
    return parts[0].strip(), sorted(set(parts[1:])) if proc.returncode == 1 else []


def tree_without(cwd: Path | str, rev: str, paths: Sequence[str]) -> str:
    """The tree of commit `rev` with `paths` removed (through a throwaway index)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sfsync-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        run(cwd, "read-tree", "--end-of-options", rev, env=env)
        listing = "".join(f"{p}\0" for p in paths).encode("utf-8", errors="surrogateescape")
        run(cwd, "update-index", "--force-remove", "-z", "--stdin", input=listing, env=env)
        return run(cwd, "write-tree", env=env).stdout.decode().strip()


# --- workflows: snapshots, deploy steps ------------------------------------------------


def hash_files(cwd: Path | str, files: Sequence[Path]) -> list[str]:
    """Write files on disk as blobs (as they are, no filters) and return their shas in order."""
    if not files:
        return []
    payload = "".join(f"{path}\n" for path in files).encode("utf-8", errors="surrogateescape")
    shas = out(cwd, "hash-object", "-w", "--no-filters", "--stdin-paths", input=payload).split()
    if len(shas) != len(files):
        raise CommandFailed(("git", "hash-object", "--stdin-paths"), 0, " ".join(shas), "")
    return shas


def write_nested_tree(cwd: Path | str, blobs: Mapping[str, str], scratch: Path) -> str:
    """A tree object holding `{path: blob sha}` at any depth (through a throwaway index)."""
    index = scratch / "sfsync-index"
    text = "".join(f"100644 {sha}\t{path}\0" for path, sha in sorted(blobs.items()))
    env = {"GIT_INDEX_FILE": str(index)}
    run(cwd, "update-index", "-z", "--index-info", input=text.encode("utf-8"), env=env)
    tree = run(cwd, "write-tree", env=env).stdout.decode().strip()
    index.unlink(missing_ok=True)
    return tree


def refs_under(cwd: Path | str, prefix: str) -> dict[str, str]:
    """Every ref below `prefix` (`refs/sfsync/snapshots/dev1/`) and the object it names."""
    text = out(cwd, "for-each-ref", "--format=%(refname) %(objectname)", "--end-of-options", prefix)
    refs = {}
    for line in text.splitlines():
        name, _, sha = line.partition(" ")
        if name:
            refs[name] = sha
    return refs


# --- org backups -------------------------------------------------------------------------


def blob_sizes(cwd: Path | str, shas: Iterable[str]) -> dict[str, int]:
    """The size in bytes of each blob of `shas` (one `git cat-file --batch-check`); a missing
    object is left out."""
    names = list(dict.fromkeys(shas))
    if not names:
        return {}
    payload = "".join(f"{sha}\n" for sha in names).encode("ascii", errors="replace")
    text = run(cwd, "cat-file", "--batch-check=%(objectname) %(objectsize)", input=payload).stdout
    sizes = {}
    for line in text.decode("ascii", errors="replace").splitlines():
        sha, _, size = line.partition(" ")
        if size.isdigit():
            sizes[sha] = int(size)
    return sizes


def tree_with(cwd: Path | str, rev: str, add: Mapping[str, str], remove: Sequence[str] = ()) -> str:
    """The tree of commit `rev` with `add` ({path: blob sha}) written and `remove` removed,
    through a throwaway index (the work tree and the real index are untouched)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sfsync-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        run(cwd, "read-tree", rev, env=env)
        if remove:
            listing = "".join(f"{p}\0" for p in remove).encode("utf-8", errors="surrogateescape")
            run(cwd, "update-index", "--force-remove", "-z", "--stdin", input=listing, env=env)
        if add:
            text = "".join(f"100644 {sha}\t{path}\0" for path, sha in sorted(add.items()))
            run(cwd, "update-index", "-z", "--index-info", input=text.encode("utf-8"), env=env)
        return run(cwd, "write-tree", env=env).stdout.decode().strip()


def tracked_below(folder: Path | str) -> set[str]:
    """The files git tracks (in the index) below `folder`, relative to it; empty when
    `folder` is in no repository."""
    proc = run(folder, "ls-files", "-z", "--cached", check=False)
    if proc.returncode != 0:
        return set()
    return set(split_z(proc.stdout))


def is_tracked_link(cwd: Path | str, path: Path | str) -> bool:
    """True when git tracks `path` (relative to `cwd`) as a symbolic link (mode 120000)."""
    spec = f":(literal){Path(path).as_posix()}"
    proc = run(cwd, "ls-files", "-z", "--stage", "--", spec, check=False)
    return proc.returncode == 0 and any(
        entry.startswith("120000 ") for entry in split_z(proc.stdout)
    )
