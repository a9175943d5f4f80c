"""`sfsync install-hooks`: the plain git hooks (for teams without the pre-commit framework).

The scripts are generated here and kept, byte for byte, in the repository's `hooks/` folder
(a test checks that they match). They honour `SKIP=sfsync-behind` like pre-commit does.

A hook file is sfsync's only when its bytes are what sfsync writes now, or what it wrote
before (`<git common dir>/sfsync/hooks.json` keeps a hash per hook path it wrote): the
marker comment in it proves nothing (a hook the user edited still has it). Any other hook is
replaced only with `--force`, and kept as `<hook>.sfsync-backup` (`.1`, `.2`, ... when
that name is taken: a backup is never overwritten).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import Refused
from sfsync.git import journal
from sfsync.git import repo as gitrepo

MARKER = "# sfsync-managed hook"
HOOKS = ("pre-commit", "pre-push")

_TEMPLATE = """\
#!/bin/sh
{marker}: refuses a {verb} while your sandbox is behind its upstream environment.
# Installed by `sfsync install-hooks`. Bypass once: SKIP=sfsync-behind git {verb} ...
case ",${{SKIP:-}}," in *,sfsync-behind,*) exit 0 ;; esac
sfsync="${{SFSYNC:-sfsync}}"
if ! command -v "$sfsync" >/dev/null 2>&1; then
    echo "sfsync hook: '$sfsync' is not on PATH: install sfsync (see its README: Install)" \\
        "or set SFSYNC=/path/to/sfsync; bypass once with SKIP=sfsync-behind git {verb} ..." >&2
    exit 1
fi
exec "$sfsync" check --stage {stage}{extra}
"""


@dataclass(frozen=True)
class Installed:
    """One hook written: its path, and the foreign hook it replaced (kept as a backup)."""

    name: str
    path: Path
    backup: Path | None


def hook_script(name: str) -> str:
    """The text of the `pre-commit` or `pre-push` hook."""
    if name == "pre-commit":
        return _TEMPLATE.format(marker=MARKER, verb="commit", stage="commit", extra="")
    if name == "pre-push":
        extra = ' --refs-from-stdin -- "$@"'
        return _TEMPLATE.format(marker=MARKER, verb="push", stage="push", extra=extra)
    raise ValueError(f"unknown hook {name}")


def hooks_dir(repo: Path | str) -> Path:
    """Where git runs hooks from (honours core.hooksPath)."""
    return gitrepo.git_path(repo, "hooks")


def install(repo: Path | str, *, force: bool = False) -> list[Installed]:
    """Write both hooks; refuse (nothing written) when a foreign hook exists and not `force`."""
    folder = hooks_dir(repo)
    record_file = gitrepo.common_dir(repo) / "sfsync" / "hooks.json"
    written = _written(record_file)
    foreign = [
        folder / name
        for name in HOOKS
        if os.path.lexists(folder / name) and not _is_ours(folder / name, written)
    ]
    if foreign and not force:
        names = ", ".join(str(p) for p in foreign)
        raise Refused(
            f"{names} already exists and is not what sfsync wrote (another tool's hook, or one "
            "edited since); nothing was changed: rerun with --force to replace it (it is kept "
            "as <hook>.sfsync-backup), or call `sfsync check` from it yourself"
        )
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for name in HOOKS:
        target = folder / name
        backup = None
        if target in foreign:
            backup = _free_name(target.with_name(f"{name}.sfsync-backup"))
            os.replace(target, backup)
        text = hook_script(name)
        _write_executable(target, text)
        written[str(target)] = _digest(text.encode("utf-8"))
        journal.write_file(record_file, {"hooks": written})
        done.append(Installed(name, target, backup))
    return done


@dataclass(frozen=True)
class Removed:
    """One hook `uninstall` looked at: removed, or kept (changed since sfsync wrote it)."""

    name: str
    path: Path
    removed: bool
    restored: Path | None = None
    """The hook sfsync had replaced (its `.sfsync-backup`), now back in place."""


def uninstall(repo: Path | str) -> list[Removed]:
    """Remove the hooks sfsync wrote, only while they are exactly as written (a hook edited
    since is kept, and named); put back a hook that `install --force` had set aside."""
    folder = hooks_dir(repo)
    record_file = gitrepo.common_dir(repo) / "sfsync" / "hooks.json"
    written = _written(record_file)
    done = []
    for name in HOOKS:
        target = folder / name
        if not target.exists():
            written.pop(str(target), None)
            continue
        if not _is_ours(target, written):  # what this sfsync writes, or an earlier one did
            done.append(Removed(name, target, False))
            continue
        target.unlink()
        written.pop(str(target), None)
        backup = target.with_name(f"{name}.sfsync-backup")
        restored = None
        if backup.exists():
            os.replace(backup, target)
            restored = target
        done.append(Removed(name, target, True, restored))
    _forget(record_file, written)
    return done


def _forget(record_file: Path, written: dict[str, str]) -> None:
    """Keep the record of the hooks still installed; with none left, remove it (and its
    folder once empty: other sfsync state lives there too)."""
    if written:
        journal.write_file(record_file, {"hooks": written})
        return
    record_file.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        record_file.parent.rmdir()  # only when empty


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _written(record_file: Path) -> dict[str, str]:
    """{hook path: hash of the bytes sfsync wrote there}."""
    data = journal.read_file(record_file) or {}
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return {}
    return {str(k): str(v) for k, v in hooks.items() if isinstance(v, str)}


def _is_ours(path: Path, written: dict[str, str]) -> bool:
    """The hook holds exactly what sfsync writes now, or what it wrote there before."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if data == hook_script(path.name).encode("utf-8"):
        return True
    return written.get(str(path)) == _digest(data)


def _free_name(path: Path) -> Path:
    """`path`, or `path.1`, `path.2`, ...: the first name nothing holds."""
    candidate, n = path, 0
    while os.path.lexists(candidate):
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def _write_executable(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    mode = stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    os.chmod(tmp, mode)
    os.replace(tmp, path)
