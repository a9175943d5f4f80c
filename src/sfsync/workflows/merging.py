"""pull-upstream's and back-promote's merges, with Salesforce metadata merged by element.

`element_merge` configures `sfsync merge-driver` for one git invocation (`git -c ...`): the
driver's command, and a temporary attributes file (`core.attributesFile`) that gives every
supported file pattern `merge=sfsync`, followed by the user's own global attributes file (so
its lines still apply). Nothing of the user's changes: not `.gitattributes`, not
`.git/config`. The repository's own `.gitattributes` and `.git/info/attributes` still win
over these lines (gitattributes(5): the global file has the lowest precedence), so a team
that chose `merge=union` or `-merge` for a pattern keeps it.

The driver runs as this very Python (`sys.executable`), so an sfsync not on PATH merges the
same; the current directory (the repository: `python -c` puts it on `sys.path`) is dropped
before sfsync is imported, so a folder named `sfsync` in the project cannot stand in for it.
Each driver leaves a record of its file (`SFSYNC_MERGE_REPORT`), which `MergeReport` turns
into what the results say: the files merged by element and, for a conflict, the entries that
conflict.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfsync.git import mergedriver
from sfsync.git import repo as gitrepo
from sfsync.metadata.merge import gitattributes_patterns

_BOOT = (
    "import sys; sys.path = [p for p in sys.path if p]; "  # not '' (the current directory)
    "from sfsync.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


@dataclass(frozen=True)
class MergeReport:
    """What the driver did in one merge: files merged by element, entries in conflict."""

    files: tuple[mergedriver.FileReport, ...] = ()

    @property
    def by_element(self) -> tuple[str, ...]:
        """The files merged by element, conflicts or not."""
        return tuple(f.path for f in self.files if f.by_element)

    @property
    def conflicts(self) -> tuple[dict[str, str], ...]:
        """Every conflicting entry: path, component, entry, detail and text."""
        return tuple({"path": f.path, **c} for f in self.files for c in f.conflicts)

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line per file merged by lines although its type merges by element."""
        return tuple(f"{f.path}: {f.fallback}; merged by lines" for f in self.files if f.fallback)

    def conflicts_in(self, paths: Sequence[str], limit: int = 5) -> str:
        """`paths` for a message, followed by the entries in conflict where the driver named
        them: `a.permissionset-meta.xml (PermissionSet A: fieldPermissions ...)`."""
        shown = ", ".join(paths[:limit])
        more = len(paths) - limit
        text = shown + (f" (+{more} more)" if more > 0 else "")
        entries = [c["text"] for c in self.conflicts if c["path"] in paths]
        if entries:
            text += " (" + "; ".join(entries[:limit])
            text += f"; +{len(entries) - limit} more)" if len(entries) > limit else ")"
        return text

    def to_json(self) -> dict[str, Any]:
        """`mergedByElement`, `conflictEntries`, `mergeWarnings` (added to the results)."""
        return {
            "mergedByElement": list(self.by_element),
            "conflictEntries": [dict(c) for c in self.conflicts],
            "mergeWarnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ElementMerge:
    """The configuration one git merge needs to use the driver, and where it reports."""

    config: tuple[tuple[str, str], ...]
    env: dict[str, str] = field(default_factory=dict)
    report_dir: Path | None = None

    def report(self) -> MergeReport:
        """What the drivers reported so far (and forget it: the next merge starts afresh)."""
        if self.report_dir is None:
            return MergeReport()
        found = mergedriver.read_reports(self.report_dir)
        for item in self.report_dir.glob("*.json"):
            item.unlink(missing_ok=True)
        return MergeReport(tuple(found[path] for path in sorted(found)))


@contextmanager
def element_merge(repo: Path | str, labels: tuple[str, str, str]) -> Iterator[ElementMerge]:
    """The `-c` configuration and environment of a merge by element, valid inside the block.

    `labels`: (base, ours, theirs) as the conflict markers name them (branch or env names).
    """
    with tempfile.TemporaryDirectory(prefix="sfsync-merge-") as tmp:
        scratch = Path(tmp)
        attributes = scratch / "attributes"
        attributes.write_bytes(_attributes(repo))
        reports = scratch / "reports"
        reports.mkdir()
        config = (
            (f"merge.{mergedriver.DRIVER}.name", mergedriver.NAME),
            (f"merge.{mergedriver.DRIVER}.driver", driver_command(labels)),
            ("core.attributesFile", str(attributes)),
        )
        yield ElementMerge(config, {mergedriver.REPORT_ENV: str(reports)}, reports)


def driver_command(labels: tuple[str, str, str]) -> str:
    """The driver's command for git (run by a shell, `%` placeholders expanded by git)."""
    # this very Python; `sfsync` from PATH where there is none (an embedded interpreter)
    start = [sys.executable, "-c", _BOOT] if sys.executable else ["sfsync"]
    quoted = [shlex.quote(word).replace("%", "%%") for word in [*start, "merge-driver"]]
    quoted += ["%O", "%A", "%B", "%P", "%L"]
    quoted += [shlex.quote(_label(label)) for label in labels]
    return " ".join(quoted)


def _label(text: str) -> str:
    """A marker label from a branch or env name: a safe word for a shell and for git's `%`."""
    return re.sub(r"[^A-Za-z0-9._/@+-]", "_", text).lstrip("-")[:80] or "_"


def _attributes(repo: Path | str) -> bytes:
    """`PATTERN merge=sfsync` for each supported pattern, then the user's global attributes."""
    ours = "".join(
        f"{line}\n" for line in mergedriver.attribute_lines(gitattributes_patterns())
    ).encode()
    own = gitrepo.config_path(repo, "core.attributesFile")
    if own is None:
        config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        own = str(Path(config_home) / "git" / "attributes")
    try:
        theirs = (Path(repo) / own).read_bytes()  # a relative value: from the repository
    except OSError:
        theirs = b""
    return ours + (b"\n" + theirs if theirs else b"")
