"""The `metadata` settings of `sfsync.yml` the delta engine needs (`extra_types`).

Kept to one small function so it can be swapped for the validated configuration loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfsync.errors import ConfigError


def load_extra_types(root: Path) -> list[dict[str, Any]]:
    """`metadata.extra_types` from `<root>/sfsync.yml`, or [] when the file or key is absent."""
    path = root / "sfsync.yml"
    if not path.is_file():
        return []
    import yaml  # lazy: only projects with an sfsync.yml pay for it

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"sfsync.yml: not valid YAML ({exc}); fix the file") from exc
    metadata = data.get("metadata") if isinstance(data, dict) else None
    extra = metadata.get("extra_types") if isinstance(metadata, dict) else None
    if extra is None:
        return []
    if not isinstance(extra, list) or not all(isinstance(e, dict) for e in extra):
        raise ConfigError(
            "sfsync.yml: metadata.extra_types must be a list of "
            "{name, directoryName, suffix, strategy?, inFolder?, strictDirectoryName?}"
        )
    return [dict(e) for e in extra]
