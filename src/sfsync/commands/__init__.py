"""One module per sfsync command; importing this package registers them all on the app."""

from __future__ import annotations

from sfsync.commands import (  # noqa: F401  (each import registers a command)
    back_promote,
    check,
    config,
    delta,
    deploy,
    ignore,
    install_hooks,
    log,
    mark_synced,
    pull_upstream,
    rollback,
    status,
)
