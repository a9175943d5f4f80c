"""A pipeline of real git repositories whose envs are emulated orgs the real `sf` is logged in to.

prod (main) <- uat <- int <- dev1, dev2 sandboxes; the orgs are `wf-<env>` in sfemu.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from pipeline import CLASSES, Pipeline, git
from sfemu.emulator import OrgHandle
from sfemu.testing import LoggedInOrg
from sfsync.cli import app

ENVS = ("prod", "uat", "int", "dev1", "dev2")

CONFIG = """\
version: 1
remote: origin
environments:
  prod: {org: wf-prod, branch: main}
  uat:  {org: wf-uat,  branch: uat,  upstream: prod}
  int:  {org: wf-int,  branch: int,  upstream: uat}
  dev1: {org: wf-dev1, upstream: int}
  dev2: {org: wf-dev2, upstream: int}
"""

META = "<ApexClass><apiVersion>62.0</apiVersion></ApexClass>\n"


def apex(name: str, body: str = "") -> dict[str, str]:
    """An Apex class in source format (git)."""
    return {
        f"{CLASSES}/{name}.cls": f"public class {name} {{ {body} }}\n",
        f"{CLASSES}/{name}.cls-meta.xml": META,
    }


def class_text(name: str, body: str = "") -> str:
    """The class body `apex` writes."""
    return f"public class {name} {{ {body} }}\n"


class WfPipeline(Pipeline):
    """The git pipeline plus its orgs (emptied, then loaded with the baseline)."""

    def __init__(self, root: Path, orgs: Mapping[str, OrgHandle]) -> None:
        super().__init__(root, CONFIG)
        self.orgs = dict(orgs)
        baseline = {**apex("Base", "// v1"), **apex("Other")}
        self.deploy("main", baseline, "Baseline")
        for branch in ("uat", "int"):
            git(self.admin, "checkout", "-q", branch)
            git(self.admin, "merge", "-q", "--ff-only", "main")
            git(self.admin, "push", "-q", "origin", branch)
        for handle in self.orgs.values():
            handle.reset()
            self.load_org(handle, ["Base", "Other"], ref="origin/main")

    def developer(self, env: str, name: str | None = None, *, synced: bool = True) -> Path:
        """A developer's clone (see Pipeline); its sync point is pushed for everyone."""
        repo = super().developer(env, name, synced=synced)
        if synced:
            git(repo, "push", "-q", "origin", f"refs/sfsync/envs/{env}")
        return repo

    def load_org(self, handle: OrgHandle, classes: list[str], ref: str) -> None:
        """Put classes into an org through the back door, exactly as git has them at `ref`."""
        files: dict[str, str | bytes] = {}
        for name in classes:
            files[f"classes/{name}.cls"] = (
                git(self.admin, "show", f"{ref}:{CLASSES}/{name}.cls") + "\n"
            )
            files[f"classes/{name}.cls-meta.xml"] = META
        handle.put_many(files, by="Baseline Admin")

    def git_text(self, ref: str, name: str) -> str:
        """An Apex class's body at `ref` in the admin clone (after a fetch)."""
        git(self.admin, "fetch", "-q", "origin")
        return git(self.admin, "show", f"{ref}:{CLASSES}/{name}.cls") + "\n"


@pytest.fixture
def wf(tmp_path: Path, sfemu_login: Callable[..., LoggedInOrg], sf_home: Path) -> WfPipeline:
    """A fresh pipeline whose five orgs hold the baseline (logins shared by all tests)."""
    handles = {env: sfemu_login(f"wf-{env}", sandbox=env != "prod").handle for env in ENVS}
    return WfPipeline(tmp_path, handles)


def run(repo: Path, *args: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, Any]:
    """`sfsync ARGS --json` in-process, in `repo`: (exit code, parsed JSON)."""
    monkeypatch.chdir(repo)
    capsys.readouterr()
    code = app.main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def sfsync_process(
    repo: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """`sfsync ARGS --json` as a separate process (for kill -9 and concurrency tests)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sfsync", *args, "--json"],
        cwd=repo,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def last_deployment(handle: OrgHandle) -> dict[str, Any]:
    """The emulator's record of the org's newest deployment."""
    records = handle.deployments()
    assert records, "no deployment was recorded"
    return records[-1]


def wait_for(marker: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Wait until a paused sfsync process wrote its marker file."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"sfsync ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("sfsync did not reach the pause point")
        time.sleep(0.05)
