"""Regenerate ``types_data.json`` from the pinned CLI's metadata registry.

Run from the repository root after changing the pinned ``@salesforce/cli``::

    python -m sfemu.gen_types \
        node_modules/@salesforce/source-deploy-retrieve/lib/src/registry/metadataRegistry.json

Only the facts the emulator needs are kept: each type's Metadata API directory, file suffix,
folder relations, how its files are grouped (adapter) and, for parents such as CustomObject,
the XML element that holds each child type.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("types_data.json")


def _child_element(parent: dict[str, Any], child_id: str, child: dict[str, Any]) -> str:
    if "xmlElementName" in child:
        return str(child["xmlElementName"])
    for element, cid in parent["children"].get("directories", {}).items():
        if cid == child_id:
            return str(element)
    return str(child["directoryName"])


def convert(registry: dict[str, Any]) -> dict[str, Any]:
    """Reduce the CLI's registry to the emulator's type table."""
    by_id: dict[str, str] = {tid: t["name"] for tid, t in registry["types"].items()}
    types: dict[str, Any] = {}
    for t in registry["types"].values():
        entry: dict[str, Any] = {
            "dir": t["directoryName"],
            "suffix": t.get("suffix"),
            "in_folder": bool(t.get("inFolder")),
            "folder_type": by_id.get(t["folderType"]) if t.get("folderType") else None,
            "folder_content": by_id.get(t["folderContentType"])
            if t.get("folderContentType")
            else None,
            "adapter": t.get("strategies", {}).get("adapter", "default"),
        }
        children = t.get("children")
        if children:
            entry["children"] = {}
            for cid, child in children["types"].items():
                entry["children"][child["name"]] = _child_element(t, cid, child)
                types[child["name"]] = {
                    "dir": child["directoryName"],
                    "suffix": child.get("suffix"),
                    "in_folder": False,
                    "folder_type": None,
                    "folder_content": None,
                    "adapter": "child",
                    "parent": t["name"],
                    "element": _child_element(t, cid, child),
                    "ignore_parent_name": bool(child.get("ignoreParentName")),
                }
                if child.get("uniqueIdElement", "fullName") != "fullName":
                    # the element naming an entry (CustomFieldTranslation: <name>)
                    types[child["name"]]["id_element"] = child["uniqueIdElement"]
        types[t["name"]] = entry
    return {"types": dict(sorted(types.items()))}


def main(argv: list[str] | None = None) -> int:
    """Read the registry JSON named on the command line and write ``types_data.json``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sfemu.gen_types PATH/metadataRegistry.json", file=sys.stderr)
        return 2
    registry = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    data = convert(registry)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(OUT)
    print(f"wrote {len(data['types'])} types to {OUT.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
