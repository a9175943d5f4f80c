"""`sfsync install-hooks`: the plain git hooks (for teams without the pre-commit framework).

The scripts are generated here and kept, byte for byte, in the repository's `hooks/` folder
(a test checks that they match). They honour `SKIP=sfsync-behind` like pre-commit does.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import Refused
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
    foreign = [
        folder / name for name in HOOKS if (folder / name).exists() and not _is_ours(folder / name)
    ]
    if foreign and not force:
        names = ", ".join(str(p) for p in foreign)
        raise Refused(
            f"{names} already exists and was not written by sfsync; nothing was changed: "
            "rerun with --force to replace it (it is kept as <hook>.sfsync-backup), or call "
            "`sfsync check` from it yourself"
        )
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for name in HOOKS:
        target = folder / name
        backup = None
        if target in foreign:
            backup = target.with_name(f"{name}.sfsync-backup")
            os.replace(target, backup)
        _write_executable(target, hook_script(name))
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
    done = []
    for name in HOOKS:
        target = folder / name
        if not target.exists():
            continue
        try:
            ours = target.read_text(encoding="utf-8") == hook_script(name)
        except (OSError, UnicodeDecodeError):
            ours = False
        if not ours:
            done.append(Removed(name, target, False))
            continue
        target.unlink()
        backup = target.with_name(f"{name}.sfsync-backup")
        restored = None
        if backup.exists():
            os.replace(backup, target)
            restored = target
        done.append(Removed(name, target, True, restored))
    return done


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _write_executable(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    mode = stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    os.chmod(tmp, mode)
    os.replace(tmp, path)
