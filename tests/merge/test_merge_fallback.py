"""What cannot merge by element gets exactly `git merge-file`'s result and conflict count."""

from __future__ import annotations

from pathlib import Path

import pytest
from mergecase import git_merge_file

from sfsync.metadata.merge import MergeResult, gitattributes_patterns, merge_file, supported

CASES = [
    pytest.param(
        b"a\nb\nc\n", b"a\nB\nc\n", b"a\nX\nc\n", "src/classes/A.cls", id="unsupported-conflict"
    ),
    pytest.param(
        b"a\nb\nc\n", b"A\nb\nc\n", b"a\nb\nC\n", "src/classes/A.cls", id="unsupported-clean"
    ),
    pytest.param(
        b"<Profile>\n<a>1</a>\n",
        b"<Profile>\n<a>2</a>\n",
        b"<Profile>\n<a>3</a>\n",
        "profiles/Admin.profile-meta.xml",
        id="not-well-formed",
    ),
]


@pytest.mark.parametrize(("base", "ours", "theirs", "path"), CASES)
def test_fallback_is_git_merge_file(
    tmp_path: Path, base: bytes, ours: bytes, theirs: bytes, path: str
) -> None:
    expected, code = git_merge_file(tmp_path, base, ours, theirs)
    result = merge_file(base, ours, theirs, path)
    assert result == MergeResult(
        content=expected,
        conflicts=(),
        by_element=False,
        fallback_reason=result.fallback_reason,
        line_conflicts=code,
    )
    assert result.fallback_reason
    assert result.clean is (code == 0)


def test_binary_content_keeps_ours_as_one_conflict() -> None:
    result = merge_file(b"\0base", b"\0ours", b"\0theirs", "a.bin")
    assert (result.content, result.line_conflicts, result.clean) == (b"\0ours", 1, False)
    assert result.fallback_reason is not None and "binary" in result.fallback_reason


def test_supported_paths_and_patterns() -> None:
    assert supported("force-app/main/default/profiles/Admin.profile-meta.xml")
    assert supported("manifest/destructiveChangesPost.xml")
    assert not supported("force-app/main/default/classes/A.cls")
    assert not supported("force-app/main/default/aura/App/App.app")
    patterns = gitattributes_patterns()
    assert "*.flow-meta.xml" in patterns and "package.xml" in patterns
    assert len(patterns) == len(set(patterns))


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        (
            "<<<<<<< HEAD\n        <value>Hi</value>\n=======\n        <value>Yo</value>\n"
            ">>>>>>> other\n",
            "ours holds conflict markers (line 4: committed unresolved)",
        ),
        ("        <value>Hi & bye</value>\n", "ours: not well-formed XML"),
    ],
)
def test_the_fallback_names_the_version_that_cannot_be_read(broken: str, said: str) -> None:
    """Which of the three versions is broken, and conflict markers someone committed called
    that: the person then knows where to look (the warning only said "not well-formed")."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<CustomLabels xmlns="x">\n    <labels>\n'
    tail = "        <fullName>A</fullName>\n    </labels>\n</CustomLabels>\n"
    base = head + "        <value>Hello</value>\n" + tail
    ours = head + broken + tail
    theirs = base.replace("<fullName>A<", "<fullName>B<")
    result = merge_file(base.encode(), ours.encode(), theirs.encode(), "labels/X.labels-meta.xml")
    assert not result.by_element and result.fallback_reason is not None
    assert result.fallback_reason.startswith(said), result.fallback_reason
    swapped = merge_file(base.encode(), theirs.encode(), ours.encode(), "labels/X.labels")
    assert swapped.fallback_reason is not None
    assert swapped.fallback_reason.startswith(said.replace("ours", "theirs"))
    # in a base, markers are git's own merge of two merge bases (a criss-cross merge)
    in_base = merge_file(ours.encode(), base.encode(), theirs.encode(), "labels/X.labels")
    assert in_base.fallback_reason is not None
    assert in_base.fallback_reason.startswith(said.replace("ours", "base").split(":")[0])
    assert "committed" not in in_base.fallback_reason
    wider = ours.replace("<<<<<<<", "<<<<<<<<<").replace(">>>>>>>", ">>>>>>>>>")  # git's, inside
    in_base = merge_file(wider.encode(), base.encode(), theirs.encode(), "labels/X.labels")
    assert in_base.fallback_reason is not None
    assert in_base.fallback_reason.startswith(said.replace("ours", "base").split(":")[0])
