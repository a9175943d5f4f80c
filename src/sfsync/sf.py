"""The only module that runs the Salesforce CLI (`sf`), always through the `sh` package."""

from __future__ import annotations

import os

import sh

from sfsync.errors import ExecutableNotFound

SF_ENV_DEFAULTS = {
    "SF_DISABLE_TELEMETRY": "true",
    "SF_AUTOUPDATE_DISABLE": "true",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for key, value in SF_ENV_DEFAULTS.items():
        env.setdefault(key, value)
    return env


def _sf() -> sh.Command:
    try:
        return sh.Command("sf")
    except sh.CommandNotFound as exc:
        raise ExecutableNotFound(
            "Executable `sf` not found: install the Salesforce CLI (npm install -g @salesforce/cli)"
        ) from exc


def version() -> str:
    """`sf --version`, first line."""
    text = str(_sf()("--version", _env=_env(), _timeout=60))
    return text.strip().splitlines()[0] if text.strip() else "unknown"
