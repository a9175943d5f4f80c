"""Safe XML for metadata files: no DTDs or entities, element fingerprints, stable output.

Every metadata file comes from a repository (or an org) someone else controls, so it is
parsed with `defusedxml`, which refuses DTDs, entity declarations and external references
whatever the document's encoding (a byte search for `<!ENTITY` misses UTF-16).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sfsync.errors import UsageError

NS = "http://soap.sforce.com/2006/04/metadata"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

Fingerprint = tuple[object, ...]


class MalformedXml(UsageError):
    """A metadata file that is not well-formed XML (or declares a DTD or entities)."""

    name = "MalformedXml"

    def __init__(self, message: str, where: str, reason: str) -> None:
        super().__init__(message)
        self.where = where
        self.reason = reason


# Salesforce metadata nests a few levels (a Flow's condition value: about 6); sfsync walks
# elements recursively (fingerprints, pruning, output), far below Python's recursion limit
# at this depth. A deeper document is refused when it is read, with its name.
MAX_DEPTH = 100


def parse(data: bytes, where: str) -> ET.Element:
    """Parse a metadata file; DTDs and entity declarations are refused (no expansion), and
    so are elements nested more than `MAX_DEPTH` levels deep."""
    try:
        root: ET.Element = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        reason = f"XML with a DTD or entities is not metadata ({type(exc).__name__})"
        raise MalformedXml(f"{where}: {reason}; remove them", where, reason) from None
    except ET.ParseError as exc:
        reason = f"not well-formed XML ({exc})"
        raise MalformedXml(f"{where}: {reason}; fix the file", where, reason) from None
    except RecursionError:
        reason = "XML nested too deeply to be read"
        raise MalformedXml(f"{where}: {reason}; fix the file", where, reason) from None
    if _deeper_than(root, MAX_DEPTH):
        reason = f"elements nested more than {MAX_DEPTH} levels deep are not metadata"
        raise MalformedXml(f"{where}: {reason}; fix the file", where, reason)
    return root


def _deeper_than(root: ET.Element, limit: int) -> bool:
    """True when an element of the tree is more than `limit` levels below `root` (no
    recursion: the tree may be as deep as the parser let it be)."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if len(element):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in element)
    return False


def local(tag: str) -> str:
    """A tag without its `{namespace}`."""
    return tag.rsplit("}", 1)[-1]


def fingerprint(element: ET.Element) -> Fingerprint:
    """A value equal for elements that mean the same.

    Ignored: indentation and line breaks between tags, attribute order, the XML
    declaration, how a character is escaped (`&apos;` or `'`) and empty-element spelling
    (`<a/>` or `<a></a>`). Kept: every character of a text value, spaces included
    (`<value> x</value>` differs from `<value>x</value>`).
    """
    text = element.text or ""
    if len(element) and not text.strip():
        text = ""  # indentation before the first child
    return (
        local(element.tag),
        tuple(sorted(element.attrib.items())),
        text,
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
