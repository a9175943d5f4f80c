"""Package directories as `sf` finds them on this computer, spelled as git holds them.

`sf` (@salesforce/core 9.4, `SfProjectJson.getPackageDirectoriesSync` in `lib/sfProject.js`,
`src/sfProject.ts` of forcedotcom/sfdx-core) normalises each `packageDirectories[].path`,
joins it to the project folder and accepts it when `fs.existsSync` finds that folder
(`doesPackageExist`); otherwise it refuses the project (`missingPackageDirectory`). On a
case-insensitive disk (macOS and Windows by default) `Force-App` therefore finds the folder
git checked out as `force-app`, and every file `sf` reads and deploys is under `force-app/`.
Git's paths are case-sensitive: sfsync uses the folder's spelling on disk, so that its git
pathspecs (the hook, "behind", every delta) see the files `sf` deploys. On a case-sensitive
disk `sf` refuses `Force-App`, and so does nothing here match: a warning says so.

On the hook's import path: only `os` at import time; git runs only for `check_git`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_FILE = "sfdx-project.json"


@dataclass(frozen=True)
class Resolved:
    """The package directories to use, and what to tell the user about them."""

    dirs: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def match_segment(segment: str, names: Sequence[str], exists: Callable[[str], bool]) -> str | None:
    """The entry of a folder (`names`, its listing) that `segment` opens, as the file system
    resolves it: the exact name; else, when the file system finds `segment` anyway
    (`exists`: a case-insensitive disk), the one entry equal to it ignoring case; else None."""
    if segment in names:
        return segment
    if not exists(segment):
        return None  # a case-sensitive disk: sf's fs.existsSync finds nothing either
    folded = segment.casefold()
    same = [name for name in names if name.casefold() == folded]
    return same[0] if len(same) == 1 else segment


def on_disk(root: Path, path: str) -> str | None:
    """`path` (`/`-separated, below `root`) spelled as the folders on disk are, or None when
    the file system does not find it (what `sf` checks with `fs.existsSync`)."""
    current = root
    parts: list[str] = []
    for segment in path.split("/"):
        try:
            names = os.listdir(current)
        except OSError:
            return None
        found = match_segment(segment, names, functools.partial(_is_dir_in, current))
        if found is None:
            return None
        parts.append(found)
        current = current / found
    return "/".join(parts) if current.is_dir() else None


def _is_dir_in(folder: Path, name: str) -> bool:
    return os.path.isdir(folder / name)


def resolve(root: Path, dirs: Sequence[str], *, check_git: bool = False) -> Resolved:
    """The package directories `dirs` (normalised, from `sfdx-project.json`) as `sf` resolves
    them under `root` (see the module doc), with a warning for each that is spelled another
    way on this disk, that the disk does not have, or (`check_git`) in which git tracks no
    file: nothing in such a directory is ever deployed, compared or behind."""
    resolved: list[str] = []
    warnings: list[str] = []
    for wanted in dirs:
        if wanted == "":
            resolved.append(wanted)
            continue
        real = on_disk(root, wanted)
        if real is None:
            resolved.append(wanted)
            hint = _spelled_in_git(root, wanted)
            warnings.append(
                f"{PROJECT_FILE}: package directory '{wanted}' does not exist in {root}"
                + (
                    f" (git has '{hint}', and this disk is case-sensitive, so sf refuses "
                    f"'{wanted}' too): write '{hint}'"
                    if hint
                    else ": sf refuses the project; fix the path"
                )
                + "; until then nothing in it is deployed, compared or behind"
            )
            continue
        if real != wanted:
            warnings.append(
                f"{PROJECT_FILE}: package directory '{wanted}' is the folder '{real}' on this "
                "case-insensitive disk, so sfsync uses that spelling like sf does; sf on a "
                f"case-sensitive disk (Linux, most CI) refuses '{wanted}': write '{real}'"
            )
        resolved.append(real)
    if check_git:
        for directory in dict.fromkeys(resolved):
            if directory and not _tracked(root, directory):
                warnings.append(
                    f"{PROJECT_FILE}: package directory '{directory}' matches no file git "
                    "tracks: nothing in it is deployed, compared or behind until it is committed"
                )
    return Resolved(tuple(dict.fromkeys(resolved)), tuple(warnings))


def _tracked(root: Path, directory: str) -> bool:
    """True when git's index has a file below `directory`."""
    from sfsync.git import repo as gitrepo

    proc = gitrepo.run(root, "ls-files", "-z", "--", f":(literal){directory}/", check=False)
    return proc.returncode == 0 and bool(proc.stdout)


def _spelled_in_git(root: Path, wanted: str) -> str | None:
    """The directory git tracks that equals `wanted` ignoring case (a hint), or None."""
    from sfsync.git import repo as gitrepo

    proc = gitrepo.run(root, "ls-files", "-z", "--", f":(icase,literal){wanted}/", check=False)
    if proc.returncode != 0 or not proc.stdout:
        return None
    first = gitrepo.split_z(proc.stdout)[0]
    depth = wanted.count("/") + 1
    return "/".join(first.split("/")[:depth])
