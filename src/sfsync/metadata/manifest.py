"""`package.xml` and `destructiveChanges.xml`, written the way the `sf` CLI writes them."""

from __future__ import annotations

from collections.abc import Collection, Mapping

NS = "http://soap.sforce.com/2006/04/metadata"


def escape(text: str) -> str:
    """XML text escaping (`xml.sax.saxutils.escape` imports urllib: 30 ms on every delta)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ordered_types(types: Mapping[str, Collection[str]]) -> list[tuple[str, list[str]]]:
    """CustomObject first, then the other types by name; members sorted; empty types dropped."""
    names = sorted(name for name, members in types.items() if members)
    if "CustomObject" in names:
        names.remove("CustomObject")
        names.insert(0, "CustomObject")
    return [(name, sorted(set(types[name]))) for name in names]


def render(types: Mapping[str, Collection[str]], api_version: str | None) -> bytes:
    """The manifest text for `{Type: [members]}` (an empty mapping gives an empty package)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<Package xmlns="{NS}">']
    for name, members in ordered_types(types):
        lines.append("    <types>")
        lines.extend(f"        <members>{escape(m)}</members>" for m in members)
        lines.append(f"        <name>{escape(name)}</name>")
        lines.append("    </types>")
    if api_version:
        lines.append(f"    <version>{escape(api_version)}</version>")
    lines.append("</Package>")
    return ("\n".join(lines) + "\n").encode("utf-8")
