"""The `metadata` settings of `sfsync.yml` the delta engine needs (`extra_types`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfsync import config


def load_extra_types(root: Path) -> list[dict[str, Any]]:
    """`metadata.extra_types` of the validated `<root>/sfsync.yml`; [] without that file."""
    if not (root / config.CONFIG_FILE).is_file():
        return []
    return [extra.registry_entry() for extra in config.load(root).extra_types]
