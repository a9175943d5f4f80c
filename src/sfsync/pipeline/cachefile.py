"""Cache files under the git common dir: keyed, checksummed, replaced atomically.

A cache file is one JSON header line (`format`, the caller's `key`, the SHA-256 of the body)
and a JSON object body. A file written for another key (another sfsync version, registry,
project settings), a truncated or edited body, or anything unreadable reads as empty: the
caller recomputes and writes a fresh file. Writes go to a temporary file in the same folder
and `os.replace` it, so two hooks running at once (two worktrees share the common dir) each
see a whole file, never a mix; the last writer wins and the other's work is only redone.
A cache that cannot be written (read-only repository) costs speed, never correctness.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from typing import Any

FORMAT = 1


def key_of(*parts: str | bytes) -> str:
    """A key for `read`/`write` from everything the cached answers depend on."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def read(path: Path, key: str) -> dict[str, Any]:
    """The body of the cache file at `path` if it was written for `key` and is intact, else {}."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    header, newline, body = data.partition(b"\n")
    if not newline:
        return {}
    try:
        meta = json.loads(header)
        if (
            not isinstance(meta, dict)
            or meta.get("format") != FORMAT
            or meta.get("key") != key
            or meta.get("sha256") != hashlib.sha256(body).hexdigest()
        ):
            return {}
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def write(path: Path, key: str, body: dict[str, Any]) -> bool:
    """Replace the cache file at `path` atomically; False when it could not be written."""
    import tempfile

    data = json.dumps(body, separators=(",", ":")).encode("ascii")  # paths may hold surrogates
    meta = {"format": FORMAT, "key": key, "sha256": hashlib.sha256(data).hexdigest()}
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(json.dumps(meta).encode("utf-8") + b"\n" + data)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False
    return True
