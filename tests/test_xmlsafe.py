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


def _print(body: str) -> object:
    return fingerprint(
        parse(
            f'<?xml version="1.0"?><CustomLabels xmlns="{NS}">{body}</CustomLabels>'.encode(), "x"
        )
    )


@pytest.mark.parametrize(
    ("one", "two"),
    [
        pytest.param("<a>x</a>", "\n    <a>x</a>\n", id="indentation"),
        pytest.param('<a p="1" q="2"/>', '<a q="2" p="1"/>', id="attribute-order"),
        pytest.param("<a>it&apos;s</a>", "<a>it's</a>", id="escaping"),
        pytest.param("<a/>", "<a></a>", id="empty-element"),
    ],
)
def test_fingerprint_ignores_formatting(one: str, two: str) -> None:
    assert _print(one) == _print(two)


@pytest.mark.parametrize(
    ("one", "two"),
    [
        pytest.param(
            "<value> Leistungszeitpläne</value>", "<value>Leistungszeitpläne</value>", id="lead"
        ),
        pytest.param("<value>a </value>", "<value>a</value>", id="trail"),
        pytest.param("<value>a  b</value>", "<value>a b</value>", id="inner"),
        pytest.param("<value>true</value>", "<value>false</value>", id="value"),
    ],
)
def test_fingerprint_keeps_every_character_of_a_text_value(one: str, two: str) -> None:
    assert _print(one) != _print(two)


UTF16_ENTITIES = (
    '<?xml version="1.0" encoding="UTF-16"?>\n'
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    "<CustomLabels><labels><fullName>X</fullName><value>&b;</value></labels></CustomLabels>"
).encode("utf-16")


def test_entities_in_utf16_are_refused() -> None:
    # a byte search for `<!ENTITY` does not see UTF-16; the parser guard does
    assert b"<!ENTITY" not in UTF16_ENTITIES
    with pytest.raises(UsageError, match="DTD or entities"):
        parse(UTF16_ENTITIES, "labels.xml")


def test_serialize_keeps_the_default_namespace() -> None:
    root = parse(f'<Profile xmlns="{NS}"><custom>true</custom></Profile>'.encode(), "x")
    text = serialize(root).decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Profile xmlns="')
    assert "ns0:" not in text and "    <custom>true</custom>" in text
