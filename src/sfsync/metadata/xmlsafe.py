"""Safe XML for metadata files: no DTDs or entities, element fingerprints, stable output."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sfsync.errors import UsageError

NS = "http://soap.sforce.com/2006/04/metadata"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

Fingerprint = tuple[object, ...]


def parse(data: bytes, where: str) -> ET.Element:
    """Parse a metadata file; DTDs and entity declarations are refused (no expansion)."""
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise UsageError(f"{where}: XML with a DTD or entities is not metadata; remove them")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise UsageError(f"{where}: not well-formed XML ({exc}); fix the file") from exc


def local(tag: str) -> str:
    """A tag without its `{namespace}`."""
    return tag.rsplit("}", 1)[-1]


def fingerprint(element: ET.Element) -> Fingerprint:
    """A value equal for elements that mean the same (whitespace between tags ignored)."""
    return (
        local(element.tag),
        tuple(sorted(element.attrib.items())),
        (element.text or "").strip(),
        tuple(fingerprint(child) for child in element),
    )


def child_text(element: ET.Element, name: str) -> str | None:
    """The text of the first direct child called `name` (any namespace), or None."""
    for child in element:
        if local(child.tag) == name:
            return (child.text or "").strip()
    return None


def is_leaf(element: ET.Element) -> bool:
    """True for an element without child elements (`<label>X</label>`)."""
    return len(element) == 0


def serialize(root: ET.Element) -> bytes:
    """The document as metadata files are written: declaration, default namespace, 4 spaces."""
    ET.register_namespace("", NS)
    ET.indent(root, space="    ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return DECLARATION + body + b"\n"
