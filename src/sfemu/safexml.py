"""XML parsing that refuses DTDs and entities (XXE, billion laughs), and a small serializer.

Every XML document the emulator reads comes from a client (SOAP bodies, package.xml, metadata
files), so none of it may declare a DOCTYPE or entities.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

MD_NS = "http://soap.sforce.com/2006/04/metadata"


@dataclass(frozen=True)
class XmlError(Exception):
    """A document that is not well-formed, or that tries to declare a DTD or entities."""

    message: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return self.message


def parse(data: bytes | str) -> ET.Element:
    """Parse ``data`` into an element tree; DOCTYPE, entity and external references are errors.

    The guard is ``defusedxml``'s parser, which hooks expat itself, so a declaration is
    refused in any encoding the document declares (UTF-16 included).
    """
    parser = DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=True)
    expat_parser = parser.parser
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except DefusedXmlException:
        raise XmlError(
            "DOCTYPE and entity declarations are not allowed",
            expat_parser.CurrentLineNumber,
            expat_parser.CurrentColumnNumber + 1,
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise XmlError(
            f"Error parsing file: {expat.ErrorString(exc.code)}", line, column + 1
        ) from None
    return root


def local(tag: str) -> str:
    """The tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    """Direct children called ``name`` in any namespace."""
    return [c for c in elem if local(c.tag) == name]


def child_text(elem: ET.Element, name: str, default: str = "") -> str:
    """Text of the first direct child called ``name``."""
    for c in elem:
        if local(c.tag) == name:
            return (c.text or "").strip()
    return default


def to_bytes(root: ET.Element, indent: str = "    ") -> bytes:
    """Serialize a metadata document the way Salesforce and the CLI write one."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else None
    _write(root, lines, 0, indent, ns, top=True)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write(
    elem: ET.Element, out: list[str], depth: int, indent: str, ns: str | None, top: bool = False
) -> None:
    tag = local(elem.tag)
    pad = indent * depth
    attrs = ""
    if top and ns:
        attrs = f' xmlns="{ns}"'
    for k, v in elem.attrib.items():
        attrs += f' {local(k)}="{_esc(v).replace(chr(34), "&quot;")}"'
    kids = list(elem)
    if not kids:
        text = elem.text or ""
        out.append(f"{pad}<{tag}{attrs}>{_esc(text)}</{tag}>" if text else f"{pad}<{tag}{attrs}/>")
        return
    out.append(f"{pad}<{tag}{attrs}>")
    for kid in kids:
        _write(kid, out, depth + 1, indent, ns)
    out.append(f"{pad}</{tag}>")
