"""Write a delta in the sfdx-git-delta layout, atomically and only inside the output folder.

<out>/package/package.xml
<out>/destructiveChanges/destructiveChanges.xml
<out>/destructiveChanges/package.xml          (empty: deploy needs one next to it)
<out>/<package dir>/...                        (with generate_source: files to deploy)
<out>/sfdx-project.json                        (with generate_source)
<out>/.sfsync.json                             (what sfsync wrote: its next run may replace it)

The folder must be new, empty, or written by sfsync before: a folder holding files the
delta would overwrite (a repository's own `force-app`, `sfdx-project.json`) is refused, so
uncommitted work is never replaced. In a folder sfsync wrote, the files of the previous run
that this one does not write are removed (a stale copy would deploy with `--source-dir`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
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


def write_delta(delta: Delta, out_dir: Path | str, generate_source: bool = True) -> Path:
    """Write the manifests (and, with `generate_source`, the files to deploy) into `out_dir`.

    Returns the output folder. File contents come from one `git cat-file --batch` when the
    delta was computed without `load_sources`. Refuses (`UsageError`) a folder that holds
    files it would overwrite and that sfsync did not write (see the module doc).
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
    targets = [
        "package/package.xml",
        "destructiveChanges/destructiveChanges.xml",
        "destructiveChanges/package.xml",
    ]
    if generate_source:
        targets += [*delta.files, "sfdx-project.json"]
    previous = _previous_run(out, out_dir, targets)
    out.mkdir(parents=True, exist_ok=True)
    for stale in sorted(previous - set(targets)):
        target = _inside(out, stale)
        if target.is_file() and not target.is_symlink():
            target.unlink()
    _write(out, "package/package.xml", render(delta.package, delta.api_version))
    _write(
        out,
        "destructiveChanges/destructiveChanges.xml",
        render(delta.destructive, delta.api_version),
    )
    _write(out, "destructiveChanges/package.xml", render({}, delta.api_version))
    written = targets[:3]
    if generate_source:
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
        checked: set[str] = set()
        for path in delta.files:
            if path in contents:
                _write(out, path, contents[path], checked)
                written.append(path)
        for directory in package_dirs:
            if directory:
                _inside(out, directory).mkdir(parents=True, exist_ok=True)
        project = _project_json(delta, package_dirs)
        _write(out, "sfdx-project.json", (json.dumps(project, indent=2) + "\n").encode("utf-8"))
        written.append("sfdx-project.json")
    marker = {"writtenBy": "sfsync delta", "files": sorted(written)}
    _write(out, MARKER, (json.dumps(marker, indent=1) + "\n").encode("utf-8"))
    return out


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


def _previous_run(out: Path, given: Path | str, targets: list[str]) -> set[str]:
    """The files sfsync wrote into `out` before; refuses a foreign folder it would overwrite."""
    if not out.is_dir():
        return set()
    marker = out / MARKER
    if marker.is_file():
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
            files = data.get("files") if isinstance(data, dict) else None
            if isinstance(files, list):
                return {f for f in files if isinstance(f, str)}
        except (ValueError, UnicodeDecodeError):
            pass
    clash = [t for t in targets if os.path.lexists(out / t)]
    if clash:
        more = f" (and {len(clash) - 1} more)" if len(clash) > 1 else ""
        raise UsageError(
            f"--output-dir {given}: already holds {clash[0]}{more}, which the delta would "
            "overwrite, and sfsync did not write it; give a new or empty folder "
            f"(the default is ./{DEFAULT_OUTPUT})"
        )
    return set()
