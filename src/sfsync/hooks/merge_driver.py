"""`sfsync merge-driver`: what git runs to merge one Salesforce metadata file. Lean on purpose.

Git's merge-driver convention (gitattributes(5), "Defining a custom merge driver"): git
writes the three versions to temporary files and runs

    sfsync merge-driver %O %A %B %P [%L [%S %X %Y]]

base, ours, theirs, the path in the repository, then the conflict marker size and the three
labels (git >= 2.44 fills in %S %X %Y; older git passes them through as they are, and the
defaults are used). The merged file is written back into %A (through a temporary file and
`os.replace`); exit 0 when it merged cleanly, 1 when conflicts remain (their markers are in
%A, around the conflicting entries only), 2 on bad usage (git keeps %A as ours and reports a
conflict). Whatever goes wrong inside the merge (a file that is not well-formed XML, an
unexpected error) falls back to git's own line merge, the same result and exit code as
`git merge-file`, with a warning on stderr: never a traceback.

`sfsync.__main__` dispatches here without importing typer or rich: git starts one process
per file. When `SFSYNC_MERGE_REPORT` names a directory (sfsync's own merges set it), a JSON
record of the file's merge is left there for the workflow to report
(`sfsync.git.mergedriver.read_reports`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass

from sfsync.errors import EXIT_NO, EXIT_OK, EXIT_USAGE
from sfsync.git.mergedriver import REPORT_ENV, FileReport

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs a start ~5 ms
if TYPE_CHECKING:
    from collections.abc import Sequence

USAGE = (
    "usage: sfsync merge-driver BASE OURS THEIRS PATH "
    "[MARKER_SIZE [BASE_LABEL OURS_LABEL THEIRS_LABEL]]"
)
DEFAULT_LABELS = ("base", "ours", "theirs")
DEFAULT_MARKER_SIZE = 7


@dataclass(frozen=True)
class DriverArgs:
    """What git passed: the three temporary files, the path, the marker size, the labels."""

    base: str
    ours: str
    theirs: str
    path: str
    marker_size: int = DEFAULT_MARKER_SIZE
    labels: tuple[str, str, str] = DEFAULT_LABELS


def parse_args(argv: Sequence[str]) -> DriverArgs:
    """The driver's arguments; ValueError with the usage line when they do not fit."""
    if len(argv) not in (4, 5, 8) or any(arg.startswith("-") for arg in argv[:1]):
        raise ValueError(USAGE)
    base, ours, theirs, path = argv[:4]
    marker_size = DEFAULT_MARKER_SIZE
    if len(argv) >= 5 and argv[4].isdigit() and 0 < int(argv[4]) <= 1000:
        marker_size = int(argv[4])
    labels = DEFAULT_LABELS
    if len(argv) == 8:
        # git < 2.44 leaves %S %X %Y as they are: keep the default for those
        given = [label if label not in ("%S", "%X", "%Y", "") else "" for label in argv[5:8]]
        labels = (
            given[0] or DEFAULT_LABELS[0],
            given[1] or DEFAULT_LABELS[1],
            given[2] or DEFAULT_LABELS[2],
        )
    return DriverArgs(base, ours, theirs, path, marker_size, labels)


def main(argv: Sequence[str]) -> int:
    """Run the driver as git does: merge, write %A back, return 0 (clean) or 1 (conflicts)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:  # Ctrl-C during a git merge: git stops, no traceback
        _warn("interrupted")
        return 130  # above 128: git reports a failed merge, not a conflict


def _run(argv: Sequence[str]) -> int:
    try:
        args = parse_args(argv)
    except ValueError as exc:
        _warn(str(exc))
        return EXIT_USAGE
    try:
        base, ours, theirs = (_read(name) for name in (args.base, args.ours, args.theirs))
    except OSError as exc:
        _warn(f"{args.path}: cannot read {exc.filename}: {exc.strerror}; nothing was merged")
        return EXIT_USAGE
    try:
        content, report = _merge(args, base, ours, theirs)
    except Exception as exc:  # the merge must never crash a git merge: git's line merge
        reason = f"unexpected error {type(exc).__name__}: {exc}"
        try:
            content, report = _line_merge(args, base, ours, theirs, reason)
        except Exception as again:  # not even git: OURS stays, git reports a conflict
            _warn(f"{args.path}: {reason}; git's line merge failed too ({again}): left as ours")
            return EXIT_NO
    if report.fallback:
        _warn(f"{args.path}: {report.fallback}; merged by lines instead (as git would)")
    for conflict in report.conflicts:
        _warn(f"conflict: {conflict['text']}")
    try:
        write_atomically(args.ours, content)
    except OSError as exc:
        _warn(f"{args.path}: cannot write the result to {exc.filename}: {exc.strerror}")
        return EXIT_USAGE
    _leave_report(report)
    return EXIT_OK if report.clean else EXIT_NO


def write_atomically(target: str, content: bytes) -> None:
    """Replace `target` with `content` through a new file beside it (its mode kept): git never
    reads a half-written result."""
    mode = 0o644
    with contextlib.suppress(OSError):
        mode = os.stat(target).st_mode & 0o7777
    folder, name = os.path.split(target)
    tmp, fd = _exclusive(folder, f".{name}.", ".sfsync", mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, mode)  # os.open's mode passed through the umask
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- internals --------------------------------------------------------------------------


def _merge(args: DriverArgs, base: bytes, ours: bytes, theirs: bytes) -> tuple[bytes, FileReport]:
    from sfsync.metadata.merge import merge_file, supported

    result = merge_file(
        base, ours, theirs, args.path, marker_size=args.marker_size, labels=args.labels
    )
    if result.by_element and result.conflicts:
        # the markers in the style the user chose (diff3: with the base), as git's would be;
        # asked only now: one git call less for every file that merges cleanly
        style = _conflict_style()
        if style in ("diff3", "zdiff3"):
            result = merge_file(
                base,
                ours,
                theirs,
                args.path,
                marker_size=args.marker_size,
                labels=args.labels,
                conflict_style=style,
            )
    conflicts = tuple(
        {
            "component": str(c.component),
            "entry": str(c.entry),
            "detail": str(c.detail),
            "text": c.describe(),
        }
        for c in result.conflicts
    )
    # a type that never merges by element is merged by lines without a word, as git would
    fallback = result.fallback_reason if supported(args.path) else None
    return result.content, FileReport(
        args.path, result.by_element, result.clean, conflicts, fallback
    )


def _line_merge(
    args: DriverArgs, base: bytes, ours: bytes, theirs: bytes, reason: str
) -> tuple[bytes, FileReport]:
    from sfsync.git.mergefile import merge_file_lines

    merged = merge_file_lines(base, ours, theirs, marker_size=args.marker_size, labels=args.labels)
    return merged.content, FileReport(args.path, False, merged.conflicts == 0, (), reason)


def _conflict_style() -> str | None:
    """The repository's `merge.conflictStyle` (git runs the driver at its top level)."""
    from sfsync.git import repo as gitrepo

    try:
        return gitrepo.config_get(os.getcwd(), "merge.conflictStyle")
    except Exception:  # no git, no repository: the default style
        return None


def _leave_report(report: FileReport) -> None:
    folder = os.environ.get(REPORT_ENV)
    if not folder:
        return
    import json

    try:
        # named in the order they are written: for a criss-cross merge git runs the driver
        # on a file for the merge bases first, and the last record of a path is the merge's
        tmp, fd = _exclusive(folder, f"merge-{time.time_ns():020d}-", ".tmp", 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(report.to_json(), handle)
        os.replace(tmp, tmp[: -len(".tmp")] + ".json")
    except OSError as exc:  # the merge itself is done: only the report is missing
        _warn(f"{report.path}: the merge report was not written ({exc.strerror})")


def _read(name: str) -> bytes:
    with open(name, "rb") as handle:
        return handle.read()


def _exclusive(folder: str, prefix: str, suffix: str, mode: int) -> tuple[str, int]:
    """A new file of a random name in `folder`, opened for writing (neither `tempfile` nor
    `pathlib`: their imports cost the driver's start a few milliseconds)."""
    while True:
        path = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue


def _warn(message: str) -> None:
    from sfsync.errors import printable

    sys.stderr.write(f"sfsync merge-driver: {printable(message)}\n")
    sys.stderr.flush()
