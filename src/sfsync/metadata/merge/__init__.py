"""Three-way merge of Salesforce metadata files by element, for `sfsync merge-driver`.

`merge_file(base, ours, theirs, path)` merges the entries of keyed lists by key (a profile's
`fieldPermissions` by `field`, a flow's elements by `name`...), ordered lists as sequences and
single values leaf by leaf; a conflict puts git's markers around the conflicting entry only
and names it (`Conflict.describe()`), the rest of the file is merged. A file that cannot be
merged by element (not well-formed, too large, a DTD or entities, a type without a key table)
gets exactly what `git merge-file` gives, and `fallback_reason` says why.

This package is what git runs once per file: it imports the standard library only (expat
reads the XML, refusing any DTD as defusedxml does), and `sfsync.git` for a line merge (no
typer, rich, yaml or jsonschema).
"""

from __future__ import annotations

from dataclasses import dataclass

from sfsync.metadata.merge.types import FILE_TYPES, MANIFEST_PATTERNS, file_type, is_manifest

MAX_BYTES = 32 * 1024 * 1024
"""Larger files merge line by line (a 5,000-entry profile is about 1 MB)."""


@dataclass(frozen=True)
class Conflict:
    """One entry both sides changed differently."""

    path: str  # repository path of the file
    component: str  # "Profile:Admin"
    entry: str  # "fieldPermissions Account.Rating__c"
    detail: str  # "editable true vs false" (ours, then theirs)

    def describe(self) -> str:
        """One line: "Profile Admin: fieldPermissions Account.Rating__c: editable true vs false"."""
        kind, _, name = self.component.partition(":")
        where = f"{kind} {name}" if name else kind
        return f"{where}: {self.entry}: {self.detail}" if self.entry else f"{where}: {self.detail}"


@dataclass(frozen=True)
class MergeResult:
    """A merged file: its content (with conflict markers where entries conflict) and why.

    `conflicts` names the conflicting entries of an element merge; after a fallback to git's
    line merge, `line_conflicts` counts git's conflict hunks instead.
    """

    content: bytes
    conflicts: tuple[Conflict, ...]
    by_element: bool  # False when it fell back to git's line merge
    fallback_reason: str | None  # why (not well-formed, too large, DTD/entity, unsupported)
    line_conflicts: int = 0

    @property
    def clean(self) -> bool:
        """True when nothing conflicts (a merge driver exits 0)."""
        return not self.conflicts and self.line_conflicts == 0


def supported(path: str) -> bool:
    """Whether files at `path` merge by element (by their name; the content may still fall
    back to a line merge)."""
    return is_manifest(path) or file_type(path) is not None


def gitattributes_patterns() -> tuple[str, ...]:
    """Every supported file pattern, for `.gitattributes` (`<pattern> merge=sfsync`)."""
    seen: dict[str, None] = {}
    for ft in FILE_TYPES:
        seen.setdefault(ft.pattern, None)
    for pattern in MANIFEST_PATTERNS:
        seen.setdefault(pattern, None)
    return tuple(seen)


def merge_file(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    path: str,
    *,
    marker_size: int = 7,
    labels: tuple[str, str, str] = ("base", "ours", "theirs"),
    conflict_style: str | None = None,
) -> MergeResult:
    """Merge `ours` and `theirs` from `base`, by element when `path`'s type allows.

    `labels` are (base, ours, theirs) as shown after the markers; `conflict_style` is "merge",
    "diff3" or "zdiff3" (None: the repository's `merge.conflictStyle` for a line merge, the
    two-sided "merge" style for an element merge). Never raises for any content.
    """
    if ours == theirs or base in (ours, theirs):
        # one side changed nothing, or both made the same change: git's answer and ours agree
        merged = theirs if ours == base else ours
        return MergeResult(merged, (), by_element=supported(path), fallback_reason=None)
    reason = _unmergeable(base, ours, theirs, path)
    if reason is None:
        from sfsync.metadata.merge.engine import Unmergeable, merge_documents

        try:
            return merge_documents(
                base,
                ours,
                theirs,
                path,
                marker_size=marker_size,
                labels=labels,
                diff3=conflict_style in ("diff3", "zdiff3"),
            )
        except Unmergeable as exc:
            reason = str(exc)
        except RecursionError:
            reason = "nested too deeply"
        except Exception as exc:  # a merge driver must never fail a merge: git's merge instead
            reason = f"the element merge failed ({type(exc).__name__}: {exc})"
    return _line_merge(base, ours, theirs, reason, marker_size, labels, conflict_style)


def _unmergeable(base: bytes, ours: bytes, theirs: bytes, path: str) -> str | None:
    """Why the files cannot merge by element before they are read, or None."""
    if not supported(path):
        return "not a metadata type that merges by element"
    if max(len(base), len(ours), len(theirs)) > MAX_BYTES:
        return f"larger than {MAX_BYTES // (1024 * 1024)} MB"
    return None


def _line_merge(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    reason: str,
    marker_size: int,
    labels: tuple[str, str, str],
    style: str | None,
) -> MergeResult:
    from sfsync.git.mergefile import merge_file_lines

    merged = merge_file_lines(
        base, ours, theirs, marker_size=marker_size, labels=labels, style=style
    )
    if merged.binary:
        reason = f"{reason}; binary content (ours kept)"
    return MergeResult(
        content=merged.content,
        conflicts=(),
        by_element=False,
        fallback_reason=reason,
        line_conflicts=merged.conflicts,
    )
