"""Write a delta in the sfdx-git-delta layout, atomically and only inside the output folder.

<out>/package/package.xml
<out>/destructiveChanges/destructiveChanges.xml
<out>/destructiveChanges/package.xml          (empty: deploy needs one next to it)
<out>/<package dir>/...                        (with generate_source: files to deploy)
<out>/sfdx-project.json                        (with generate_source)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata.delta import Delta
from sfsync.metadata.manifest import render


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
    tmp = os.path.join(parent, f".sfsync-{os.getpid()}-{name}")
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
    delta was computed without `load_sources`.
    """
    out = Path(os.path.realpath(out_dir))
    if out == Path(out.anchor):
        raise UsageError(
            f"--output-dir {out_dir}: is the root of the file system; name a folder for the "
            "delta (e.g. --output-dir .delta)"
        )
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output-dir {out_dir}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    _write(out, "package/package.xml", render(delta.package, delta.api_version))
    _write(
        out,
        "destructiveChanges/destructiveChanges.xml",
        render(delta.destructive, delta.api_version),
    )
    _write(out, "destructiveChanges/package.xml", render({}, delta.api_version))
    if not generate_source:
        return out
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
    package_dirs = list(delta.project.package_dirs) or ["force-app"]
    for directory in package_dirs:
        if directory:
            _inside(out, directory).mkdir(parents=True, exist_ok=True)
    project = {
        "packageDirectories": [
            {"path": d or ".", "default": index == 0} for index, d in enumerate(package_dirs)
        ],
        "sourceApiVersion": delta.api_version,
    }
    _write(out, "sfdx-project.json", (json.dumps(project, indent=2) + "\n").encode("utf-8"))
    return out
