"""Three-way merge cases written as Salesforce-formatted XML, and the check that runs them
(it shows a diff itself: this helper is not a test module, so pytest does not rewrite it).

`E("fieldPermissions", E("editable", "true"), ...)` is an element written the way Salesforce
writes it (4 spaces per level); `X(ours=[...], theirs=[...])` is a conflict block, the
markers at the start of the line. A case gives the root element's children in base, ours
and theirs, and the exact merged children and conflict descriptions expected.
"""

from __future__ import annotations

import difflib
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sfsync.metadata.merge import merge_file

NS = "http://soap.sforce.com/2006/04/metadata"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _escape(text: str) -> str:
    # how Salesforce writes text: &amp; &lt; &gt; &quot; &apos;
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


class Piece:
    def render(self, depth: int) -> str:
        raise NotImplementedError


class E(Piece):
    """An element: `E("label", "Hello")` (a leaf) or `E("value", E(...), E(...))`."""

    def __init__(self, tag: str, *children: Piece | str | bool | int) -> None:
        self.tag = tag
        self.text: str | None = None
        self.children: list[Piece] = []
        for child in children:
            if isinstance(child, Piece):
                self.children.append(child)
            elif isinstance(child, bool):
                self.text = "true" if child else "false"
            else:
                self.text = str(child)

    def render(self, depth: int) -> str:
        pad = "    " * depth
        if not self.children:
            return f"{pad}<{self.tag}>{_escape(self.text or '')}</{self.tag}>\n"
        inner = "".join(c.render(depth + 1) for c in self.children)
        return f"{pad}<{self.tag}>\n{inner}{pad}</{self.tag}>\n"


class Note(Piece):
    """A comment line: `<!-- text -->`."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, depth: int) -> str:
        return f"{'    ' * depth}<!-- {self.text} -->\n"


class Untranslated(Piece):
    """A value Salesforce writes as a comment: `<label><!-- Rating --></label>`."""

    def __init__(self, tag: str, hint: str) -> None:
        self.tag, self.hint = tag, hint

    def render(self, depth: int) -> str:
        return f"{'    ' * depth}<{self.tag}><!-- {self.hint} --></{self.tag}>\n"


@dataclass
class X(Piece):
    """A conflict block: ours' pieces, then theirs'."""

    ours: Sequence[Piece] = ()
    theirs: Sequence[Piece] = ()

    def render(self, depth: int) -> str:
        ours = "".join(p.render(depth) for p in self.ours)
        theirs = "".join(p.render(depth) for p in self.theirs)
        return f"<<<<<<< ours\n{ours}=======\n{theirs}>>>>>>> theirs\n"


def document(root: str, children: Sequence[Piece]) -> bytes:
    body = "".join(c.render(1) for c in children)
    return f'{DECLARATION}<{root} xmlns="{NS}">\n{body}</{root}>\n'.encode()


@dataclass
class Case:
    """One three-way merge and what it must give."""

    id: str
    path: str
    root: str
    base: Sequence[Piece] | None  # None: no base (both sides added the file: git gives "")
    ours: Sequence[Piece]
    theirs: Sequence[Piece]
    merged: Sequence[Piece]
    conflicts: Sequence[str] = field(default_factory=list)

    def param(self) -> object:
        return pytest.param(self, id=self.id)


def check(case: Case) -> None:
    """Merge the case and compare the whole file and the conflict list."""
    result = merge_file(
        document(case.root, case.base) if case.base is not None else b"",
        document(case.root, case.ours),
        document(case.root, case.theirs),
        case.path,
    )
    assert result.by_element, result.fallback_reason
    merged, expected = result.content.decode(), document(case.root, case.merged).decode()
    if merged != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), merged.splitlines(), "expected", "merged", lineterm=""
        )
        raise AssertionError("the merged file differs:\n" + "\n".join(diff))
    described = [c.describe() for c in result.conflicts]
    if described != list(case.conflicts):
        raise AssertionError(f"conflicts {described!r}, expected {list(case.conflicts)!r}")
    assert result.clean is (not case.conflicts)


def mirrored(case: Case) -> Case:
    """The same case with ours and theirs swapped: the merge must be symmetric, except for
    ordering and conflict sides (used only where the expected result is symmetric)."""
    return Case(
        case.id + "-mirrored",
        case.path,
        case.root,
        case.base,
        case.theirs,
        case.ours,
        case.merged,
        case.conflicts,
    )


def git_merge_file(tmp_path: Path, base: bytes, ours: bytes, theirs: bytes) -> tuple[bytes, int]:
    """`git merge-file -p` of the three versions (labels ours, base, theirs): its output
    and exit code (the number of conflicts)."""
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
        (tmp_path / name).write_bytes(data)
    proc = subprocess.run(
        [
            "git",
            "merge-file",
            "-p",
            "-L",
            "ours",
            "-L",
            "base",
            "-L",
            "theirs",
            "ours",
            "base",
            "theirs",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    return proc.stdout, proc.returncode
