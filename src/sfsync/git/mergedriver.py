"""How git runs `sfsync merge-driver`: the driver's name, its command, the attribute lines
that select it, and the record each run leaves for sfsync's own merges.

Shared by the driver (`sfsync.hooks.merge_driver`), its installer
(`sfsync.hooks.driver_install`) and the workflows that merge with it
(`sfsync.workflows.merging`). On the driver's import path: keep its imports light.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs a start ~5 ms
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

REPORT_ENV = "SFSYNC_MERGE_REPORT"
"""A folder: each run of the driver leaves a JSON record of its file there (`FileReport`)."""
DRIVER = "sfsync"
NAME = "Salesforce metadata merged by element (sfsync merge-driver)"
COMMAND = "sfsync merge-driver %O %A %B %P %L %S %X %Y"
"""What git runs, with sfsync found on PATH at merge time (gitattributes(5): %O base, %A ours
(the result goes there), %B theirs, %P the path, %L the marker size, %S %X %Y the labels)."""
DRIVER_COMMAND = (
    f"command -v sfsync >/dev/null && {{ {COMMAND}; s=$?; [ $s -ne 127 ] && exit $s; }}; "
    "echo 'sfsync merge-driver: sfsync is not on PATH; merged by lines:' %P >&2; "
    "git merge-file --marker-size=%L -L ours -L base -L theirs %A %O %B"
)
"""The config value: the command, and git's line merge when the shell cannot find `sfsync`
(or cannot start it: exit 127), so a missing sfsync never leaves a conflicted file holding
only our side. Looked up first: the shell's own "not found" would repeat the whole command."""
EARLIER_COMMANDS = (
    f"{COMMAND}; s=$?; [ $s -ne 127 ] && exit $s; "
    "echo 'sfsync merge-driver: sfsync is not on PATH; merged by lines:' %P >&2; "
    "git merge-file --marker-size=%L -L ours -L base -L theirs %A %O %B",
    COMMAND,
)
"""Values earlier sfsync versions wrote: still sfsync's (install replaces, uninstall removes)."""


def attribute_lines(patterns: Sequence[str]) -> list[str]:
    """`PATTERN merge=sfsync` for each pattern, once each."""
    return [f"{pattern} merge={DRIVER}" for pattern in dict.fromkeys(patterns)]


@dataclass(frozen=True)
class FileReport:
    """How one file was merged (what `SFSYNC_MERGE_REPORT` collects)."""

    path: str
    by_element: bool
    clean: bool
    conflicts: tuple[dict[str, str], ...] = ()
    """One per conflicting entry: component, entry, detail and `text` (Conflict.describe())."""
    fallback: str | None = None
    """Why the file was merged by lines instead (not XML, too large, an error...)."""

    def to_json(self) -> dict[str, Any]:
        """The record as written, and as reported in `--json` results."""
        return {
            "path": self.path,
            "byElement": self.by_element,
            "clean": self.clean,
            "conflicts": [dict(c) for c in self.conflicts],
            "fallback": self.fallback,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileReport:
        """A record read back from its JSON."""
        return cls(
            path=str(data["path"]),
            by_element=bool(data["byElement"]),
            clean=bool(data["clean"]),
            conflicts=tuple(
                {str(k): str(v) for k, v in c.items()} for c in data.get("conflicts") or ()
            ),
            fallback=str(data["fallback"]) if data.get("fallback") else None,
        )


def read_reports(folder: Path) -> dict[str, FileReport]:
    """The records drivers left in `folder`, by path, the last one written of a path winning
    (a record that does not parse is skipped: the merge's own result still stands)."""
    import json

    found: dict[str, FileReport] = {}
    for item in sorted(folder.glob("*.json")):
        try:
            report = FileReport.from_json(json.loads(item.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        found[report.path] = report
    return found
