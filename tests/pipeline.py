"""Real git pipelines for tests: a bare remote, a release manager's clone, developers' clones."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

CLASSES = "force-app/main/default/classes"

SFSYNC_YML = """\
version: 1
remote: origin
environments:
  prod: {org: prod, branch: main}
  uat:  {org: uat,  branch: uat,  upstream: prod}
  int:  {org: int,  branch: int,  upstream: uat}
  dev1: {org: dev1-sandbox, upstream: int}
  dev2: {org: dev2-sandbox, upstream: int}
hooks:
  block: behind
  max_behind: 0
"""

SFDX_PROJECT = '{"packageDirectories": [{"path": "force-app", "default": true}]}\n'


def git(repo: Path, *args: str, input: str | None = None) -> str:
    """Run git in `repo`; fail the test with git's output when it fails."""
    proc = subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()


def cls(name: str, body: str = "") -> dict[str, str]:
    """An Apex class and its meta file."""
    return {
        f"{CLASSES}/{name}.cls": f"public class {name} {{ {body} }}\n",
        f"{CLASSES}/{name}.cls-meta.xml": "<ApexClass><apiVersion>62.0</apiVersion></ApexClass>\n",
    }


def write(repo: Path, files: Mapping[str, str | None], message: str) -> str:
    """Write (or delete, for None) files, commit them all, return the new sha."""
    for rel, text in files.items():
        path = repo / rel
        if text is None:
            git(repo, "rm", "-q", "--", rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(repo, "add", "--", rel)
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


class Pipeline:
    """prod (main) <- uat <- int <- dev1/dev2 sandboxes, pushed to a bare remote."""

    def __init__(self, root: Path, config: str = SFSYNC_YML) -> None:
        self.root = root
        self.remote = root / "remote.git"
        git(root, "init", "-q", "--bare", "-b", "main", str(self.remote))
        self.admin = root / "admin"
        git(root, "clone", "-q", str(self.remote), str(self.admin))
        git(self.admin, "symbolic-ref", "HEAD", "refs/heads/main")
        write(
            self.admin,
            {"sfsync.yml": config, "sfdx-project.json": SFDX_PROJECT, **cls("Base")},
            "Initial project",
        )
        git(self.admin, "branch", "uat")
        git(self.admin, "branch", "int")
        git(self.admin, "push", "-q", "origin", "main", "uat", "int")

    def deploy(self, branch: str, files: Mapping[str, str | None], message: str) -> str:
        """Commit straight onto an env branch (one deployment) and push it."""
        git(self.admin, "checkout", "-q", branch)
        sha = write(self.admin, files, message)
        git(self.admin, "push", "-q", "origin", branch)
        return sha

    def developer(self, env: str, name: str | None = None, *, synced: bool = True) -> Path:
        """A developer's clone on a story branch off int, with `sfsync.env` set."""
        repo = self.root / (name or env)
        git(self.root, "clone", "-q", str(self.remote), str(repo))
        git(repo, "checkout", "-q", "-b", f"story-{env}", "origin/int")
        git(repo, "config", "sfsync.env", env)
        if synced:
            from sfsync.pipeline import project, tracking

            tracking.mark_synced(project.load(repo), env, None)
        return repo
