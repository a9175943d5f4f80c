from __future__ import annotations

import pytest

from sfemu import safexml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>"""


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(XXE, id="xxe"),
        pytest.param(b'<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd"><a/>', id="external-dtd"),
    ],
)
def test_dtds_and_entities_are_refused(doc: bytes) -> None:
    with pytest.raises(safexml.XmlError, match="DOCTYPE and entity declarations"):
        safexml.parse(doc)


def test_malformed_xml_reports_line_and_column() -> None:
    with pytest.raises(safexml.XmlError) as err:
        safexml.parse(b"<a>\n  <b>\n</a>\n")
    assert (err.value.line, err.value.column) == (3, 3)
    assert "mismatched tag" in str(err.value)


def test_round_trip_keeps_the_cli_layout() -> None:
    doc = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        b"    <label>A &amp; B</label>\n    <nameField>\n        <type>Text</type>\n"
        b"    </nameField>\n</CustomObject>\n"
    )
    assert safexml.to_bytes(safexml.parse(doc)) == doc
