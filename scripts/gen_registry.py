#!/usr/bin/env python3
"""Generate sfsync's metadata registry data from the pinned Salesforce CLI.

Reads source-deploy-retrieve's `metadataRegistry.json` and its decomposition presets from
`node_modules/` (installed by `make setup`) and writes the compact form that sfsync ships,
`src/sfsync/metadata/data/registry.json`. Run it after bumping `@salesforce/cli`:

    python scripts/gen_registry.py            # rewrite the shipped data
    python scripts/gen_registry.py --check    # exit 1 when the shipped data is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SDR = ROOT / "node_modules" / "@salesforce" / "source-deploy-retrieve"
CLI = ROOT / "node_modules" / "@salesforce" / "cli"
OUTPUT = ROOT / "src" / "sfsync" / "metadata" / "data" / "registry.json"

# the type properties sfsync uses; everything else in the registry is about retrieval or the org
TYPE_KEYS = (
    "name",
    "directoryName",
    "suffix",
    "legacySuffix",
    "inFolder",
    "folderType",
    "folderContentType",
    "strictDirectoryName",
    "metaFileSuffix",
    "ignoreParsedFullName",
    "ignoreParentName",
    "uniqueIdElement",
    "xmlElementName",
    "isAddressable",
    "unaddressableWithoutParent",
    "aliasFor",
    "supportsPartialDelete",
)


def compact_type(raw: dict[str, Any], parent: str | None) -> dict[str, Any]:
    """One type in sfsync's form: the used keys, the strategy flattened, children by id."""
    out: dict[str, Any] = {key: raw[key] for key in TYPE_KEYS if key in raw}
    strategies = raw.get("strategies") or {}
    for key in ("adapter", "decomposition", "transformer"):
        if key in strategies:
            out[key] = strategies[key]
    if parent is not None:
        out["parent"] = parent
    children = raw.get("children")
    if children:
        out["children"] = sorted(children.get("types", {}))
        out["childSuffixes"] = children.get("suffixes", {})
        out["childDirectories"] = children.get("directories", {})
    return out


def compact_registry(raw: dict[str, Any]) -> dict[str, Any]:
    """The whole registry (or a preset) in sfsync's form: parents and children side by side."""
    types: dict[str, Any] = {}
    for type_id, definition in raw.get("types", {}).items():
        types[type_id] = compact_type(definition, None)
        for child_id, child in (definition.get("children") or {}).get("types", {}).items():
            types[child_id] = compact_type(child, type_id)
    return {
        "types": types,
        "suffixes": raw.get("suffixes", {}),
        "strictDirectoryNames": raw.get("strictDirectoryNames", {}),
        "childTypes": raw.get("childTypes", {}),
    }


def generate(sdr: Path = SDR, cli: Path = CLI) -> dict[str, Any]:
    """Build the shipped data from an installed source-deploy-retrieve."""
    registry_dir = sdr / "lib" / "src" / "registry"
    raw = json.loads((registry_dir / "metadataRegistry.json").read_text(encoding="utf-8"))
    data = compact_registry(raw)
    presets = {}
    for preset in sorted((registry_dir / "presets").glob("*.json")):
        presets[preset.stem] = compact_registry(json.loads(preset.read_text(encoding="utf-8")))
    data["presets"] = presets
    data["source"] = {
        "cli": json.loads((cli / "package.json").read_text(encoding="utf-8"))["version"],
        "sourceDeployRetrieve": json.loads((sdr / "package.json").read_text(encoding="utf-8"))[
            "version"
        ],
    }
    return data


def render(data: dict[str, Any]) -> str:
    """Stable, compact text: one type per line so diffs stay readable.

    The registry's own order is kept: the `sf` CLI tries strict directory names in that order.
    """
    lines = ["{"]
    keys = sorted(data)
    for index, key in enumerate(keys):
        sep = "," if index < len(keys) - 1 else ""
        value = data[key]
        if key in ("types",) or key == "presets":
            lines.append(f"{json.dumps(key)}: {{")
            items = list(value.items())
            for i, (k, v) in enumerate(items):
                s = "," if i < len(items) - 1 else ""
                lines.append(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}{s}")
            lines.append("}" + sep)
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}{sep}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, do not write")
    args = parser.parse_args()
    if not SDR.is_dir():
        print(f"{SDR} not found: run `make setup` first", file=sys.stderr)
        return 2
    text = render(generate())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run scripts/gen_registry.py", file=sys.stderr)
            return 1
        return 0
    tmp = OUTPUT.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUTPUT)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
