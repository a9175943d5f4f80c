"""The merged file keeps the files' own formatting: an element nobody changed keeps its exact
text (escaping, empty elements, indentation), line endings and the declaration stay."""

from __future__ import annotations

from sfsync.metadata.merge import merge_file

PATH = "force-app/main/default/labels/CustomLabels.labels-meta.xml"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata">\n'
TAIL = "</CustomLabels>\n"


def label(name: str, value: str, indent: str = "    ") -> str:
    inner = indent * 2
    return (
        f"{indent}<labels>\n{inner}<fullName>{name}</fullName>\n"
        f"{inner}<value>{value}</value>\n{indent}</labels>\n"
    )


def test_untouched_entries_keep_their_escaping() -> None:
    odd = label("Odd", "It&apos;s &#233;t&#xE9; &quot;now&quot;")  # not how Salesforce writes it
    base = HEAD + odd + label("A", "a") + label("B", "b") + TAIL
    ours = HEAD + odd + label("A", "a!") + label("B", "b") + TAIL
    theirs = HEAD + odd + label("A", "a") + label("B", "b!") + TAIL
    result = merge_file(base.encode(), ours.encode(), theirs.encode(), PATH)
    assert result.by_element and result.clean
    assert result.content.decode() == HEAD + odd + label("A", "a!") + label("B", "b!") + TAIL


def test_same_text_escaped_differently_is_no_change() -> None:
    base = HEAD + label("A", "Tom &amp; Jerry&apos;s") + label("B", "b") + TAIL
    ours = HEAD + label("A", "Tom &amp; Jerry's") + label("B", "b") + TAIL  # same value
    theirs = HEAD + label("A", "Tom &amp; Jerry&apos;s") + label("B", "b!") + TAIL
    result = merge_file(base.encode(), ours.encode(), theirs.encode(), PATH)
    assert result.clean
    assert result.content.decode() == ours.replace("<value>b</value>", "<value>b!</value>")


def test_crlf_files_stay_crlf() -> None:
    def crlf(text: str) -> bytes:
        return text.replace("\n", "\r\n").encode()

    base = HEAD + label("A", "a") + label("B", "b") + TAIL
    ours = HEAD + label("A", "a!") + label("B", "b") + TAIL
    theirs = HEAD + label("A", "a") + label("B", "b") + label("C", "c") + TAIL
    conflicting = HEAD + label("A", "a?") + label("B", "b") + TAIL
    result = merge_file(crlf(base), crlf(ours), crlf(theirs), PATH)
    assert result.clean
    assert result.content == crlf(
        HEAD + label("A", "a!") + label("B", "b") + label("C", "c") + TAIL
    )
    result = merge_file(crlf(base), crlf(ours), crlf(conflicting), PATH)
    marked = (
        HEAD
        + "<<<<<<< ours\n"
        + label("A", "a!")
        + "=======\n"
        + label("A", "a?")
        + ">>>>>>> theirs\n"
        + label("B", "b")
        + TAIL
    )
    assert result.content == crlf(marked)


def test_one_side_changing_the_line_endings_gives_one_kind_of_line_ending() -> None:
    """A side that turned the file to CRLF (an editor on Windows) while the other changed
    entries: the result has that side's line endings throughout, never a mix of both."""

    def crlf(text: str) -> bytes:
        return text.replace("\n", "\r\n").encode()

    base = HEAD + label("A", "a") + label("B", "b") + TAIL
    changed = HEAD + label("A", "a!") + label("B", "b") + label("C", "c") + TAIL
    merged = HEAD + label("A", "a!") + label("B", "b") + label("C", "c") + TAIL
    result = merge_file(base.encode(), crlf(base), changed.encode(), PATH)
    assert result.clean and result.content == crlf(merged)
    result = merge_file(base.encode(), changed.encode(), crlf(base), PATH)
    assert result.clean and result.content == crlf(merged)
    # both sides changed them (base CRLF, ours LF, theirs LF edits): one kind still, ours'
    result = merge_file(crlf(base), base.encode(), changed.encode(), PATH)
    assert result.clean and result.content == merged.encode()
    conflicting = HEAD + label("A", "a?") + label("B", "b") + TAIL
    result = merge_file(base.encode(), crlf(changed), conflicting.encode(), PATH)
    assert not result.clean and b"\r\n" in result.content
    assert result.content.count(b"\n") == result.content.count(b"\r\n")


def test_other_indentation_is_kept() -> None:
    two = "  "
    head = HEAD
    base = head + label("A", "a", two) + label("B", "b", two) + TAIL
    ours = head + label("A", "a!", two) + label("B", "b", two) + TAIL
    theirs = head + label("A", "a", two) + label("B", "b", two) + label("C", "c", two) + TAIL
    result = merge_file(base.encode(), ours.encode(), theirs.encode(), PATH)
    expected = head + label("A", "a!", two) + label("B", "b", two) + label("C", "c", two) + TAIL
    assert result.content.decode() == expected


def test_byte_order_mark_and_empty_elements() -> None:
    bom = "\ufeff"
    empty = "    <labels>\n        <fullName>E</fullName>\n        <value/>\n    </labels>\n"
    base = bom + HEAD + empty + label("A", "a") + TAIL
    ours = bom + HEAD + empty + label("A", "a!") + TAIL
    theirs = bom + HEAD + empty + label("A", "a") + label("B", "b") + TAIL
    result = merge_file(base.encode(), ours.encode(), theirs.encode(), PATH)
    assert result.by_element and result.clean
    assert result.content.decode() == bom + HEAD + empty + label("A", "a!") + label("B", "b") + TAIL


def test_a_reformatting_is_a_change_of_text_like_in_a_line_merge() -> None:
    # theirs re-indented every entry; ours changed B: B is ours', A theirs' (as git would)
    base = HEAD + label("A", "a") + label("B", "b") + TAIL
    ours = HEAD + label("A", "a") + label("B", "b!") + TAIL
    reformatted = HEAD + label("A", "a", "\t") + label("B", "b", "\t") + TAIL
    result = merge_file(base.encode(), ours.encode(), reformatted.encode(), PATH)
    assert result.clean
    assert result.content.decode() == HEAD + label("A", "a", "\t") + label("B", "b!") + TAIL


def test_an_escaping_change_is_kept() -> None:
    base = HEAD + label("A", "We&apos;re here") + label("B", "b") + TAIL
    ours = HEAD + label("A", "We&apos;re here") + label("B", "b!") + TAIL
    theirs = HEAD + label("A", "We're here") + label("B", "b") + TAIL
    result = merge_file(base.encode(), ours.encode(), theirs.encode(), PATH)
    assert result.content.decode() == HEAD + label("A", "We're here") + label("B", "b!") + TAIL
