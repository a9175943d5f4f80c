"""Metadata XML is parsed without DTDs or entities, compared by meaning, written back cleanly."""

from __future__ import annotations

import pytest

from sfsync.errors import UsageError
from sfsync.metadata.xmlsafe import fingerprint, parse, serialize

NS = "http://soap.sforce.com/2006/04/metadata"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<CustomLabels>&lol2;</CustomLabels>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]><Profile>&secret;</Profile>"""


@pytest.mark.parametrize(
    "data",
    [pytest.param(BILLION_LAUGHS, id="entity-expansion"), pytest.param(EXTERNAL, id="external")],
)
def test_dtds_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(UsageError, match=r"labels\.xml: XML with a DTD"):
        parse(data, "labels.xml")


def test_malformed_xml_names_the_file() -> None:
    with pytest.raises(UsageError, match=r"a/b\.profile-meta\.xml: not well-formed XML"):
        parse(b"<Profile><custom>", "a/b.profile-meta.xml")


def test_fingerprint_ignores_whitespace_between_tags() -> None:
    one = parse(f'<Profile xmlns="{NS}"><custom>true</custom></Profile>'.encode(), "x")
    two = parse(f'<Profile xmlns="{NS}">\n   <custom> true </custom>\n</Profile>'.encode(), "x")
    three = parse(f'<Profile xmlns="{NS}"><custom>false</custom></Profile>'.encode(), "x")
    assert fingerprint(one) == fingerprint(two) != fingerprint(three)


def test_serialize_keeps_the_default_namespace() -> None:
    root = parse(f'<Profile xmlns="{NS}"><custom>true</custom></Profile>'.encode(), "x")
    text = serialize(root).decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Profile xmlns="')
    assert "ns0:" not in text and "    <custom>true</custom>" in text
