"""package.xml rendering: sf's layout and order."""

from __future__ import annotations

from sfsync.metadata.manifest import ordered_types, render


def test_custom_object_first_then_sorted() -> None:
    types = {"Profile": ["B", "A"], "CustomObject": ["Z__c"], "ApexClass": ["X"], "Flow": []}
    assert ordered_types(types) == [
        ("CustomObject", ["Z__c"]),
        ("ApexClass", ["X"]),
        ("Profile", ["A", "B"]),
    ]


def test_render_layout_and_escaping() -> None:
    text = render({"Layout": ["Account-Account & Co"]}, "61.0").decode()
    assert text == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <types>\n"
        "        <members>Account-Account &amp; Co</members>\n"
        "        <name>Layout</name>\n"
        "    </types>\n"
        "    <version>61.0</version>\n"
        "</Package>\n"
    )


def test_empty_package() -> None:
    assert "<types>" not in render({}, "60.0").decode()
