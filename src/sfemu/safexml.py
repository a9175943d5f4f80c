"""XML parsing that refuses DTDs and entities (XXE, billion laughs), and a small serializer.

Every XML document the emulator reads comes from a client (SOAP bodies, package.xml, metadata
files), so none of it may declare a DOCTYPE or entities.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

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
    """Parse ``data`` into an element tree; DOCTYPE, entity and external references are errors."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_args: Any) -> Any:
        raise XmlError(
            "DOCTYPE and entity declarations are not allowed",
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )

    def start(name: str, attrs: dict[str, str]) -> None:
        builder.start(_qname(name), {_qname(k): v for k, v in attrs.items()})

    def end(name: str) -> None:
        builder.end(_qname(name))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlError(
            f"Error parsing file: {expat.ErrorString(exc.code)}", exc.lineno, exc.offset + 1
        ) from None
    return builder.close()


def _qname(name: str) -> str:
    return "{" + name if "}" in name else name


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
