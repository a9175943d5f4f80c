"""Properties of the element merge on generated files: nothing is lost, a conflict is where
both sides changed one entry differently and nowhere else, and any input merges or falls back
to git's line merge without failing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from defusedxml import ElementTree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mergecase import DECLARATION, NS, git_merge_file

from sfsync.metadata.merge import merge_file

PROFILE = "force-app/main/default/profiles/Admin.profile-meta.xml"
VALUE_SET = "force-app/main/default/globalValueSets/Regions.globalValueSet-meta.xml"
FIELDS = [f"Account.F{i}__c" for i in range(12)]
NAMES = [f"V{i}" for i in range(14)]

Perms = Mapping[str, tuple[bool, bool]]  # field -> (editable, readable)


def profile(perms: Perms) -> bytes:
    body = "".join(
        "    <fieldPermissions>\n"
        f"        <editable>{str(e).lower()}</editable>\n"
        f"        <field>{f}</field>\n"
        f"        <readable>{str(r).lower()}</readable>\n"
        "    </fieldPermissions>\n"
        for f, (e, r) in sorted(perms.items())
    )
    return f'{DECLARATION}<Profile xmlns="{NS}">\n{body}</Profile>\n'.encode()


def read_profile(content: bytes) -> dict[str, tuple[bool, bool]]:
    text = content.decode()
    found = re.findall(
        r"<editable>(\w+)</editable>\s*<field>([^<]+)</field>\s*<readable>(\w+)</readable>", text
    )
    return {f: (e == "true", r == "true") for e, f, r in found}


perm = st.tuples(st.booleans(), st.booleans())
perms = st.dictionaries(st.sampled_from(FIELDS), perm, max_size=len(FIELDS))


@st.composite
def edited(draw: st.DrawFn, base: Perms) -> dict[str, tuple[bool, bool]]:
    """A side's version: some base entries deleted or changed, some new ones added."""
    side = dict(base)
    for field in sorted(base):
        action = draw(st.sampled_from(["keep", "keep", "delete", "change"]))
        if action == "delete":
            del side[field]
        elif action == "change":
            side[field] = draw(perm)
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        if field not in base:
            side[field] = draw(perm)
    return side


@st.composite
def three_profiles(
    draw: st.DrawFn,
) -> tuple[
    dict[str, tuple[bool, bool]], dict[str, tuple[bool, bool]], dict[str, tuple[bool, bool]]
]:
    base = draw(perms)
    return dict(base), draw(edited(base)), draw(edited(base))


def expected_merge(
    base: Perms, ours: Perms, theirs: Perms
) -> tuple[dict[str, tuple[bool, bool]], set[str]]:
    """The merge a person would make, entry by entry, leaf by leaf; and which entries conflict."""
    merged: dict[str, tuple[bool, bool]] = {}
    conflicts: set[str] = set()
    for field in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(field), ours.get(field), theirs.get(field)
        if o == t:
            if o is not None:
                merged[field] = o
        elif o == b:
            if t is not None:
                merged[field] = t
        elif t == b:
            if o is not None:
                merged[field] = o
        elif o is None or t is None:
            conflicts.add(field)  # deleted on one side, changed on the other
        else:
            leaves: list[bool | None] = []
            for i in range(2):
                bi = b[i] if b is not None else None
                if o[i] == t[i] or t[i] == bi:
                    leaves.append(o[i])
                elif o[i] == bi:
                    leaves.append(t[i])
                else:
                    leaves.append(None)
            if None in leaves:
                conflicts.add(field)
            else:
                merged[field] = (bool(leaves[0]), bool(leaves[1]))
    return merged, conflicts


def resolve(content: bytes, side: str) -> bytes:
    """The file with every conflict resolved to one side ("ours" or "theirs")."""
    out: list[str] = []
    state = None
    for line in content.decode().splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            state = "ours"
        elif line.startswith("||||||| "):
            state = "base"
        elif line.startswith("=======") and state is not None:
            state = "theirs"
        elif line.startswith(">>>>>>> "):
            state = None
        elif state is None or state == side:
            out.append(line)
    return "".join(out).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(three_profiles())
@example(({}, {}, {}))  # an element without children keeps its end tag's line
@example(  # every entry gone: the end tag stays on its own line
    ({"Account.F0__c": (False, False), "Account.F1__c": (False, False)},
     {"Account.F0__c": (False, False)},
     {"Account.F1__c": (False, False)})
)  # fmt: skip
def test_profile_entries_merge_like_a_person_would(
    versions: tuple[dict[str, tuple[bool, bool]], ...],
) -> None:
    base, ours, theirs = versions
    result = merge_file(profile(base), profile(ours), profile(theirs), PROFILE)
    assert result.by_element, result.fallback_reason
    merged, conflicting = expected_merge(base, ours, theirs)
    named = {c.entry.removeprefix("fieldPermissions ") for c in result.conflicts}
    # a conflict wherever both sides changed one entry differently, and nowhere else
    assert named == conflicting
    # outside the conflicts, exactly the entries the merge should hold: every entry added on
    # one side is there, every entry deleted on one side and untouched on the other is gone
    for side in ("ours", "theirs"):
        resolved = read_profile(resolve(result.content, side))
        for field, value in merged.items():
            assert resolved.get(field) == value
        assert set(resolved) - set(merged) <= conflicting
    if not conflicting:
        assert read_profile(result.content) == merged
        assert result.content == profile(merged)  # sorted, formatted as Salesforce writes it


def value_set(names: list[str]) -> bytes:
    body = "".join(
        f"    <customValue>\n        <fullName>{n}</fullName>\n"
        f"        <default>false</default>\n        <label>{n}</label>\n    </customValue>\n"
        for n in names
    )
    tail = "    <masterLabel>R</masterLabel>\n</GlobalValueSet>\n"
    return f'{DECLARATION}<GlobalValueSet xmlns="{NS}">\n{body}{tail}'.encode()


def read_values(content: bytes) -> list[str]:
    return re.findall(r"<fullName>([^<]+)</fullName>", content.decode())


@st.composite
def reordered(draw: st.DrawFn, base: list[str]) -> list[str]:
    """A side's version of an ordered list: deletions, insertions of new values, moves."""
    side = [n for n in base if draw(st.integers(0, 4)) > 0]
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=3)):
        if name not in base and name not in side:
            side.insert(draw(st.integers(0, len(side))), name)
    move: bool = draw(st.booleans())
    if side and move:
        moved = side.pop(draw(st.integers(0, len(side) - 1)))
        side.insert(draw(st.integers(0, len(side))), moved)
    return side


@st.composite
def three_lists(draw: st.DrawFn) -> tuple[list[str], list[str], list[str]]:
    base = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=8))
    return base, draw(reordered(base)), draw(reordered(base))


@settings(max_examples=300, deadline=None)
@given(three_lists())
@example(  # V5 moved by ours, in a stretch both changed on theirs' side: once either way
    (["V0", "V1", "V2", "V3", "V4", "V5", "V6"], ["V5", "V3"], ["V0", "V1", "V2", "V5"])
)
def test_ordered_values_lose_nothing(lists: tuple[list[str], list[str], list[str]]) -> None:
    base, ours, theirs = lists
    result = merge_file(value_set(base), value_set(ours), value_set(theirs), VALUE_SET)
    assert result.by_element, result.fallback_reason
    in_result = set(read_values(result.content))
    for side_values in (ours, theirs):
        for name in side_values:
            if name not in base:
                assert name in in_result  # added on one side: in the result (or a conflict)
    for side in ("ours", "theirs"):
        values = read_values(resolve(result.content, side))
        assert len(values) == len(set(values))  # never twice, whichever side is kept
    if result.clean:
        values = read_values(result.content)
        assert len(values) == len(set(values))
        for name in base:
            if name in ours and name in theirs:
                assert name in values  # kept by both: kept
            if (name not in ours) != (name not in theirs):
                assert name not in values  # deleted on one side, only moved or kept on the other
        for side_values in (ours, theirs):
            for name in side_values:
                if name not in base:
                    assert name in values
        if ours == base:
            assert values == theirs
        if theirs == base:
            assert values == ours
    else:
        # each side of every conflict gives a well-formed file
        for side in ("ours", "theirs"):
            ElementTree.fromstring(resolve(result.content, side))


SAMPLE = profile({"Account.A__c": (True, True), "Account.B__c": (False, True)})


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A profile cut, spliced or sprinkled with bytes and markup."""
    data = bytearray(SAMPLE)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "insert", "markup"]))
        if kind == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            data[at:at] = draw(
                st.sampled_from(
                    [
                        b"<!DOCTYPE x [<!ENTITY e 'boom'>]>",
                        b"&e;",
                        b"<!-- note -->",
                        b"<![CDATA[x]]>",
                        b"<?pi x?>",
                        b"</fieldPermissions>",
                        b"<fieldPermissions>",
                        b"text",
                        b"\xff\xfe",
                        b"<a b='>'/>",
                    ]
                )
            )
    return bytes(data)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(damaged(), st.just(SAMPLE)), damaged(), st.one_of(damaged(), st.just(SAMPLE)))
def test_any_input_merges_or_falls_back_to_git(
    tmp_path: Path, base: bytes, ours: bytes, theirs: bytes
) -> None:
    result = merge_file(base, ours, theirs, PROFILE)  # never raises
    if not result.by_element:
        assert result.fallback_reason
        expected, code = git_merge_file(tmp_path, base, ours, theirs)
        if code <= 127:
            assert (result.content, result.line_conflicts) == (expected, code)
        else:  # git refuses binary content: ours is kept, one conflict
            assert (result.content, result.line_conflicts) == (ours, 1)


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<Profile><description>&b;</description></Profile>",
            id="entity-expansion",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<Profile><description>&x;</description></Profile>",
            id="external-entity",
        ),
        pytest.param(
            '<?xml version="1.0" encoding="UTF-16"?><Profile/>'.encode("utf-16"), id="utf-16"
        ),
    ],
)
def test_hostile_files_fall_back_to_git(tmp_path: Path, hostile: bytes) -> None:
    theirs = SAMPLE.replace(b"<editable>false", b"<editable>true")
    assert theirs != SAMPLE
    result = merge_file(SAMPLE, hostile, theirs, PROFILE)
    assert not result.by_element and result.fallback_reason
    expected, code = git_merge_file(tmp_path, SAMPLE, hostile, theirs)
    if code > 127:  # git refuses to merge binary content: ours is kept as one conflict
        expected, code = hostile, 1
    assert (result.content, result.line_conflicts) == (expected, code)
    assert b"root:" not in result.content


def test_deep_nesting_falls_back_to_git(tmp_path: Path) -> None:
    def deep(value: str) -> bytes:
        return (
            f'<Profile xmlns="{NS}">{"<a>" * 3000}<b>{value}</b>{"</a>" * 3000}</Profile>'.encode()
        )

    base, ours, theirs = deep("1"), deep("2"), deep("3")
    result = merge_file(base, ours, theirs, PROFILE)
    assert not result.by_element and result.fallback_reason
    assert (result.content, result.line_conflicts) == git_merge_file(tmp_path, base, ours, theirs)
