"""git's own three-way line merge of three file contents (`git merge-file -p`).

The element merge of metadata files (`sfsync.metadata.merge`) falls back to this when a file
cannot be merged by element (not well-formed, too large, a DTD, an unsupported type), so the
result and the conflict count are exactly what git's line merge gives. `git merge-file` runs in
`cwd` (the repository when there is one), so it honours the repository's
`merge.conflictStyle` like a merge would. This module is on the merge driver's import path:
keep its imports light.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sfsync.git.repo import run

STYLES = ("merge", "diff3", "zdiff3")


@dataclass(frozen=True)
class LineMerge:
    """What `git merge-file -p` gave: the merged text and how many conflicts it left.

    `binary` is True when git refused to merge (binary content): `content` is then ours,
    unchanged, and the file counts as one conflict, as in a `git merge`.
    """

    content: bytes
    conflicts: int
    binary: bool = False


def merge_file_lines(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    *,
    marker_size: int = 7,
    labels: tuple[str, str, str] = ("base", "ours", "theirs"),
    style: str | None = None,
    cwd: Path | str | None = None,
) -> LineMerge:
    """Merge `ours` and `theirs` line by line from `base` with `git merge-file -p`.

    `labels` are (base, ours, theirs), as git's merge-driver placeholders `%S %X %Y`; `style`
    is "merge", "diff3" or "zdiff3" (None: the repository's `merge.conflictStyle`).
    """
    if style is not None and style not in STYLES:
        raise ValueError(f"conflict style {style!r} is not one of {', '.join(STYLES)}")
    with tempfile.TemporaryDirectory(prefix="sfsync-merge-") as tmp:
        names = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = os.path.join(tmp, name)
            with open(path, "wb") as fh:
                fh.write(data)
            names.append(path)
        args = ["merge-file", "-p", f"--marker-size={max(1, marker_size)}"]
        if style and style != "merge":
            args.append(f"--{style}")
        base_label, ours_label, theirs_label = labels
        args += ["-L", ours_label, "-L", base_label, "-L", theirs_label, "--", *names]
        proc = run(cwd if cwd is not None else os.getcwd(), *args, check=False)
    # git merge-file exits with the number of conflicts (at most 127); 255 (-1) when it
    # cannot merge, e.g. binary content, where a merge keeps ours and reports a conflict
    if proc.returncode > 127:
        return LineMerge(content=ours, conflicts=1, binary=True)
    return LineMerge(content=proc.stdout, conflicts=proc.returncode)
