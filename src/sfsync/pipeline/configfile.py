"""Where the configuration lives (`sfsync.yml`, `sfdx-project.json`, the JSON Schema), and
what its loading and its checks share: the "did you mean" hint, an env's CI secret suffix.

Both `sfsync.pipeline.config` (loading, cached) and `sfsync.pipeline.config_validation` (the
schema and the pipeline checks, run on a cache miss) read these; neither imports the other
at import time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

CONFIG_FILE = "sfsync.yml"
PROJECT_FILE = "sfdx-project.json"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "sfsync.schema.json"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or an empty string."""
    import difflib  # only on an error path: keeps the hook's imports light

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def secret_key(name: str) -> str:
    """An env name as the suffix of an environment variable's name: `dev-1.a` -> `DEV_1_A`."""
    return "".join(c if c.isascii() and c.isalnum() else "_" for c in name.upper())
