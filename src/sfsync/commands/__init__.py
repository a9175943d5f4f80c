"""One module per sfsync command; importing this package registers them all on the app."""

from __future__ import annotations

from sfsync.commands import delta  # noqa: F401
