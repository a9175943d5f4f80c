"""Writing a file of the user's project (sfsync.yml, the schema copy, CI files) atomically,
with the mode any new file of theirs gets: 0666 less the umask (0644 usually).

`tempfile.mkstemp` creates 0600 files, and `os.replace` keeps that mode: a teammate, a web
server or a CI runner with another user could not read the result.

    files.replace(root / "sfsync.yml", text.encode())
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it and `os.replace`."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
