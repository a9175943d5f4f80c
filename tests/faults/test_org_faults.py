"""The fault matrix, org / concurrency / hook rows: each probe replayed against real git
repositories and, where an org is involved, the real `sf` against sfemu.

Rows: the `sf` auto-updater left running; the git hooks at a push under the pre-commit
framework and while a pull-upstream conflict is being resolved; `--exclude` of a component
that is not in the pull; a pull without `sf`; `ignore` of commits that are not deployments;
the components of ignored deployments in a pull plan; kill -9 while a deploy is polled; two
clones deploying one env at once (the lease on the shared state ref); a diverged state ref.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import processes
from conftest import REPO_ROOT
from sfemu.testing import SfCli, sf_environment

# --- the sf auto-updater ---------------------------------------------------------------------

PROBE = "SFSYNC_FAULT_PROBE"


def _sf_version_through(where: str, home: Path, marker: str) -> None:
    """Run `sf --version` the way `where` runs sf, in a fresh HOME (no updater ran there yet),
    with SF_AUTOUPDATE_DISABLE=true in the caller's environment, as many users have it."""
    base = sf_environment(home)
    base.pop("SF_DISABLE_AUTOUPDATE", None)
    base["SF_AUTOUPDATE_DISABLE"] = "true"
    base[PROBE] = marker
    if where == "sfsync":  # the driver users run: sfsync.org.sf
        code = (
            "from sfsync.org import sf; import sys; "
            "sys.exit(0 if sf.version().startswith('@salesforce/cli') else 1)"
        )
        proc = subprocess.run([sys.executable, "-c", code], env=base, check=False, timeout=120)
    elif where == "fixtures":  # sfemu.testing: the tests' and the benchmarks' sf
        cli = SfCli(home)
        cli.env[PROBE] = marker
        proc = subprocess.run([str(cli.sf), "--version"], env=cli.env, check=False, timeout=120)
    elif where == "demo":
        sys.path.insert(0, str(REPO_ROOT / "demo"))
        try:
            import stage
        finally:
            sys.path.pop(0)
        env = {**stage.base_env(home), PROBE: marker, "SF_AUTOUPDATE_DISABLE": "true"}
        proc = subprocess.run(["sf", "--version"], env=env, check=False, timeout=120)
    else:  # the Makefile's exported variables, for every recipe
        proc = subprocess.run(
            ["make", "-s", "--no-print-directory", "--eval=probe-sf: ; @sf --version", "probe-sf"],
            cwd=REPO_ROOT,
            env=base,
            check=False,
            timeout=120,
        )
    assert proc.returncode == 0


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["sfsync", "fixtures", "demo", "makefile"])
def test_sf_leaves_no_auto_updater_running(tmp_path: Path, where: str) -> None:
    marker = f"{where}-{os.getpid()}-{time.monotonic_ns()}"
    _sf_version_through(where, tmp_path / "home", marker)
    # the updater is spawned detached while sf starts; give a slow machine a moment
    time.sleep(1.5)
    left = processes.marked(PROBE, marker)
    processes.kill(left)
    assert left == [], [p.cmdline for p in left]
