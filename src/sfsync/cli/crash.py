"""The crash log: what an unexpected error leaves for a bug report (secrets redacted).

Both error boundaries use it: `sfsync.cli.app.main` and the hook's lean `sfsync.hooks.check.main`.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import tempfile
import traceback
from pathlib import Path

from sfsync import __version__
from sfsync.errors import redact


def write_log(exc: BaseException) -> Path | None:
    """Write the traceback and tool versions for a bug report; return the file, if written."""
    from sfsync.git import repo as gitrepo  # lazy: only on a crash

    lines = [
        f"sfsync {__version__} on Python {platform.python_version()} ({platform.platform()})",
        f"argv: {' '.join(sys.argv)}",
    ]
    try:
        lines.append(gitrepo.out(".", "--version"))
    except Exception as git_exc:
        lines.append(f"git: unavailable ({git_exc})")
    try:
        from sfsync.org import sf

        lines.append(f"sf: {sf.version()}")
    except Exception as sf_exc:
        lines.append(f"sf: unavailable ({type(sf_exc).__name__})")
    lines.append("")
    lines.extend(traceback.format_exception(type(exc), exc, exc.__traceback__))
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in (Path(base) / "sfsync", None):
        try:
            # the temp folder only when needed: finding it fails where nothing is writable
            folder = folder or Path(tempfile.gettempdir())
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"sfsync-crash-{stamp}-{os.getpid()}.log"
            path.write_text(redact("\n".join(lines)), encoding="utf-8")
            return path
        except OSError:
            continue
    return None
