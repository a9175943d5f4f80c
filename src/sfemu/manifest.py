"""package.xml and destructiveChanges*.xml: read and write ``{type: [members]}`` manifests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sfemu import safexml

Manifest = dict[str, list[str]]


def parse(data: bytes) -> Manifest:
    """The types and members of a package manifest (raises safexml.XmlError)."""
    root = safexml.parse(data)
    return from_element(root)


def from_element(root: ET.Element) -> Manifest:
    """Types and members from a parsed ``Package`` (or ``unpackaged``) element."""
    out: Manifest = {}
    for t in safexml.children(root, "types"):
        name = safexml.child_text(t, "name")
        members = [(m.text or "").strip() for m in safexml.children(t, "members")]
        if name:
            out.setdefault(name, []).extend(m for m in members if m)
    return out


def render(manifest: Manifest, version: str) -> bytes:
    """A package.xml for ``manifest``, types and members sorted as Salesforce writes them."""
    root = ET.Element(f"{{{safexml.MD_NS}}}Package")
    for name in sorted(manifest):
        t = ET.SubElement(root, "types")
        for member in sorted(set(manifest[name])):
            ET.SubElement(t, "members").text = member
        ET.SubElement(t, "name").text = name
    ET.SubElement(root, "version").text = version
    return safexml.to_bytes(root)
