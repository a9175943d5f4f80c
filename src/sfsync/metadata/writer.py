"""Write a delta in the sfdx-git-delta layout, atomically and only inside the output folder.

<out>/package/package.xml
<out>/destructiveChanges/destructiveChanges.xml
<out>/destructiveChanges/package.xml          (empty: deploy needs one next to it)
<out>/<package dir>/...                        (with generate_source: files to deploy)
<out>/sfdx-project.json                        (with generate_source, unless <out> is the
                                                project itself: its own file stays)
<out>/.sfsync.json                             (what sfsync wrote, with content hashes)

Nothing that sfsync did not write is ever overwritten or deleted, and the marker alone
proves nothing. A file the delta would write is

- created when it does not exist;
- left alone when it already holds exactly those bytes (`-o .` with `--generate-delta` in
  the project's own work tree: the sources are already there);
- replaced only when `.sfsync.json` lists it with the hash of the bytes it holds now and
  git does not track it; any other file (an uncommitted edit, a file git tracks, a symbolic
  link, a file the user changed since) stops the whole run before anything is written.

A file a previous run wrote and this one does not is removed only under the same
conditions (so a stale copy does not deploy with `--source-dir`); otherwise it stays and a
warning says why. A marker that git tracks is no marker: it is not sfsync's output.

The output folder may not be the file system root, inside a package directory (sf would
read the copy as source), inside the git directory, or reached through a symbolic link that
git tracks and that leads out of the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata import PROJECT_FILE
from sfsync.metadata.delta import Delta
from sfsync.metadata.manifest import render

MARKER = ".sfsync.json"
DEFAULT_OUTPUT = "output"


def _inside(out: Path, relative: str) -> Path:
    """`out/relative`, refusing anything that would land outside `out` (zip-slip guard)."""
    if not relative or relative.startswith("/") or "\\" in relative:
        raise UsageError(f"refusing to write {relative!r}: not a relative path")
    if any(part in ("", ".", "..") for part in relative.split("/")):
        raise UsageError(f"refusing to write {relative!r}: it would leave the output folder")
    target = out / relative
    real_parent = os.path.realpath(target.parent)
    if os.path.commonpath([real_parent, str(out)]) != str(out):
        raise UsageError(
            f"refusing to write {relative!r}: a symbolic link in it leads out of {out}"
        )
    return target


def temp_name(name: str) -> str:
    """A hidden temporary name beside the file `name` is about to become. Not derived from
    `name` itself: a 250-byte file name plus any prefix would exceed the 255 bytes a folder
    entry may have (ENAMETOOLONG), and a random part is not predictable either."""
    import secrets

    return f".sfsync-{os.getpid()}-{secrets.token_hex(6)}.tmp"


def _write(out: Path, relative: str, data: bytes, checked: set[str] | None = None) -> None:
    """Write `out/relative` atomically (temp file + os.replace), never outside `out`."""
    folder, _, name = relative.rpartition("/")
    if name in ("", ".", ".."):
        raise UsageError(f"refusing to write {relative!r}: not a file name")
    if checked is None or folder not in checked:
        target = _inside(out, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        _inside(out, relative)  # again, now that the folders exist
        if checked is not None:
            checked.add(folder)
    parent = os.path.join(out, folder) if folder else str(out)
    tmp = os.path.join(parent, temp_name(name))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # os.replace swaps a symlink itself rather than writing through it
        os.replace(tmp, os.path.join(parent, name))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class Written:
    """What `write_output` did."""

    out: Path
    written: tuple[str, ...]
    """Files created or replaced."""
    unchanged: tuple[str, ...]
    """Files that already held the delta's bytes (left alone)."""
    removed: tuple[str, ...]
    """Files of the previous run that this one no longer writes."""
    warnings: tuple[str, ...]
    """Files of the previous run left in place, and why."""


def write_delta(delta: Delta, out_dir: Path | str, generate_source: bool = True) -> Path:
    """Write the manifests (and, with `generate_source`, the files to deploy) into `out_dir`;
    the output folder (see `write_output`)."""
    return write_output(delta, out_dir, generate_source).out


def write_output(delta: Delta, out_dir: Path | str, generate_source: bool = True) -> Written:
    """Write the manifests (and, with `generate_source`, the files to deploy) into `out_dir`.

    File contents come from one `git cat-file --batch` when the delta was computed without
    `load_sources`. Everything is checked before the first byte is written: a file the run
    would overwrite or remove and that sfsync did not write stops it (`UsageError`, see the
    module doc).
    """
    out = Path(os.path.realpath(out_dir))
    if out == Path(out.anchor):
        raise UsageError(
            f"--output-dir {out_dir}: is the root of the file system; name a folder for the "
            "delta (e.g. --output-dir .delta)"
        )
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output-dir {out_dir}: exists and is not a folder")
    package_dirs = list(delta.project.package_dirs) or ["force-app"]
    project_root = Path(os.path.realpath(delta.repo / delta.prefix if delta.prefix else delta.repo))
    _check_place(delta, out_dir, out, project_root, package_dirs)
    files = _contents(delta, package_dirs, generate_source, out == project_root)
    previous, marker_tracked = _previous_run(out)
    existing = [p for p in (*files, *previous) if os.path.lexists(out / p)]
    tracked = _tracked(out) if existing or marker_tracked else set()
    if MARKER in tracked:
        previous = {}  # a marker git tracks says nothing about what sfsync wrote
    to_write: dict[str, bytes] = {}
    unchanged: list[str] = []
    clashes: list[tuple[str, str]] = []
    for path, data in files.items():
        why = _why_not_replace(out, path, data, previous, tracked)
        if why is None:
            to_write[path] = data
        elif why == "":
            unchanged.append(path)
        else:
            clashes.append((path, why))
    if MARKER in tracked or (os.path.lexists(out / MARKER) and not (out / MARKER).is_file()):
        clashes.insert(  # first: it is why the rest is not sfsync's either
            0,
            (
                MARKER,
                f"git tracks (untrack it: git rm --cached {MARKER}, and ignore it)"
                if MARKER in tracked
                else "is not a regular file",
            ),
        )
    if clashes:
        path, why = clashes[0]
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise UsageError(
            f"--output-dir {out_dir}: the delta would overwrite {path}{more}, which {why}; "
            "nothing was written: move it away, or give a new or empty folder (the default is "
            f"./{DEFAULT_OUTPUT})"
        )
    removed: list[str] = []
    kept: list[str] = []
    for stale in sorted(set(previous) - set(files)):
        target = _inside(out, stale)
        if not os.path.lexists(target):
            continue
        why = _why_not_owned(target, stale, previous, tracked)
        if why is None:
            removed.append(stale)
        else:
            kept.append(f"{stale}, which {why}, is left in place: this delta does not need it")
    out.mkdir(parents=True, exist_ok=True)
    for stale in removed:
        _inside(out, stale).unlink()
    checked: set[str] = set()
    for path, data in to_write.items():
        _write(out, path, data, checked)
    if generate_source:
        for directory in package_dirs:
            if directory:
                _inside(out, directory).mkdir(parents=True, exist_ok=True)
    owned = {p: _digest(d) for p, d in to_write.items()}
    owned.update({p: previous[p] for p in unchanged if p in previous})
    marker = {"writtenBy": "sfsync delta", "files": dict(sorted(owned.items()))}
    _write(out, MARKER, (json.dumps(marker, indent=1) + "\n").encode("utf-8"))
    return Written(out, tuple(to_write), tuple(unchanged), tuple(removed), tuple(kept))


def _contents(
    delta: Delta, package_dirs: list[str], generate_source: bool, into_project: bool
) -> dict[str, bytes]:
    """Every file the delta writes, with its bytes (sources read from git in one batch)."""
    files = {
        "package/package.xml": render(delta.package, delta.api_version),
        "destructiveChanges/destructiveChanges.xml": render(delta.destructive, delta.api_version),
        "destructiveChanges/package.xml": render({}, delta.api_version),
    }
    if not generate_source:
        return files
    contents = dict(delta.contents)
    missing = [p for p in delta.files if p not in contents]
    if missing:
        prefix = f"{delta.prefix}/" if delta.prefix else ""
        names = {p: delta.blob_shas.get(p) or f"{delta.to_sha}:{prefix}{p}" for p in missing}
        blobs = gitrepo.cat_file_batch(delta.repo, names.values())
        for path, name in names.items():
            data = blobs.get(name)
            if data is not None:
                contents[path] = data
    for path in delta.files:
        if path in contents:
            files[path] = contents[path]
    # into the project itself (`-o .`), its own sfdx-project.json already describes it
    if not (into_project and os.path.lexists(Path(delta.repo) / delta.prefix / PROJECT_FILE)):
        project = _project_json(delta, package_dirs)
        files[PROJECT_FILE] = (json.dumps(project, indent=2) + "\n").encode("utf-8")
    return files


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str | None:
    """The hash of a regular file's bytes; None for anything else (a link, a folder)."""
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def _why_not_owned(
    target: Path, relative: str, previous: Mapping[str, str], tracked: set[str]
) -> str | None:
    """None when sfsync wrote `target` and nobody changed it since; else why not."""
    if relative in tracked:
        return "git tracks"
    if relative not in previous:
        return "sfsync did not write"
    digest = _file_digest(target)
    if digest is None:
        return "is not a regular file"
    if digest != previous[relative]:
        return "changed since sfsync wrote it"
    return None


def _why_not_replace(
    out: Path, relative: str, data: bytes, previous: Mapping[str, str], tracked: set[str]
) -> str | None:
    """None: write it; "": it already holds `data`; else why it may not be replaced."""
    target = _inside(out, relative)
    if not os.path.lexists(target):
        return None
    if _file_digest(target) == _digest(data):
        return ""
    if relative in tracked:
        return "git tracks with other bytes (uncommitted work, or --to is not checked out)"
    return _why_not_owned(target, relative, previous, tracked)


def _tracked(out: Path) -> set[str]:
    """The files below `out` that git tracks (its index), relative to `out`."""
    if not out.is_dir():
        return set()
    return gitrepo.tracked_below(out)


def _check_place(
    delta: Delta, given: Path | str, out: Path, project_root: Path, package_dirs: list[str]
) -> None:
    """Refuse an output folder inside a package directory or a .git folder, or reached
    through a symbolic link git tracks that leads out of the repository."""
    top = Path(os.path.realpath(delta.repo))
    for directory in package_dirs:
        if not directory:
            continue  # the project root is a package directory: its output is in it anyway
        package = Path(os.path.realpath(project_root / directory))
        if out == package or package in out.parents:
            raise UsageError(
                f"--output-dir {given}: is inside the package directory {directory}, where sf "
                "would read the delta as source; give a folder outside it (e.g. "
                f"--output-dir {DEFAULT_OUTPUT})"
            )
    lexical = Path(os.path.abspath(given))
    if ".git" in out.parts or ".git" in lexical.parts:
        raise UsageError(
            f"--output-dir {given}: is inside a git directory (.git); give a folder of the "
            f"work tree (e.g. --output-dir {DEFAULT_OUTPUT})"
        )
    if out == top or top in out.parents:
        return
    # outside the repository: refuse when the path given goes there through a link git tracks
    try:
        inside = lexical.relative_to(delta.repo)
    except ValueError:
        return
    step = Path(delta.repo)
    for part in inside.parts:
        step = step / part
        if step.is_symlink() and gitrepo.is_tracked_link(delta.repo, step.relative_to(delta.repo)):
            raise UsageError(
                f"--output-dir {given}: {step.relative_to(delta.repo).as_posix()} is a "
                f"symbolic link committed in the repository that leads out of it (to "
                f"{os.path.realpath(step)}); give a folder of the work tree (e.g. "
                f"--output-dir {DEFAULT_OUTPUT})"
            )


def _project_json(delta: Delta, package_dirs: list[str]) -> dict[str, object]:
    """The project's `sfdx-project.json` as committed at `--to` (its decomposition presets,
    namespace and registry settings decide how sf reads the copy), with the delta's API
    version; when the commit has none, one made of what the project was loaded with."""
    raw = delta.project_json
    if raw is None:
        prefix = f"{delta.prefix}/" if delta.prefix else ""
        name = f"{delta.to_sha}:{prefix}sfdx-project.json"
        raw = gitrepo.cat_file_batch(delta.repo, [name]).get(name)
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        data = {
            "packageDirectories": [
                {"path": d or ".", "default": index == 0} for index, d in enumerate(package_dirs)
            ]
        }
        if delta.project.presets:
            data["sourceBehaviorOptions"] = list(delta.project.presets)
    data["sourceApiVersion"] = delta.api_version
    return data


def _previous_run(out: Path) -> tuple[dict[str, str], bool]:
    """What `.sfsync.json` says sfsync wrote into `out` ({path: content hash}), and whether a
    marker file is there at all (it may be one git tracks). A marker without hashes (older
    sfsync) or one that cannot be read proves nothing: nothing in the folder is sfsync's."""
    marker = out / MARKER
    if not os.path.lexists(marker):
        return {}, False
    if marker.is_symlink() or not marker.is_file():
        return {}, True
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}, True
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}, True
    owned: dict[str, str] = {}
    for path, digest in files.items():
        if isinstance(path, str) and isinstance(digest, str) and digest.startswith("sha256:"):
            try:
                _inside(out, path)
            except UsageError:
                continue  # a marker never leads a deletion out of the folder
            owned[path] = digest
    return owned, True
