"""Real git projects wired to emulated orgs, for the workflow end-to-end tests."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from sfemu.emulator import OrgHandle

CLASSES = "force-app/main/default/classes"
META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
)
SFDX_PROJECT = (
    '{"packageDirectories": [{"path": "force-app", "default": true}], "sourceApiVersion": "62.0"}\n'
)


def sfsync_yml(orgs: Mapping[str, str]) -> str:
    """prod (main, protected) <- int (int) <- dev1 (sandbox), each on the given org alias."""
    return (
        "version: 1\nremote: origin\nenvironments:\n"
        f"  prod: {{org: {orgs['prod']}, branch: main, protected: true}}\n"
        f"  int:  {{org: {orgs['int']}, branch: int, upstream: prod}}\n"
        f"  dev1: {{org: {orgs.get('dev1', 'dev1-none')}, upstream: int}}\n"
    )


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; fail with its output."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()


def apex(name: str, body: str = "") -> dict[str, str]:
    """An Apex class and its meta file, as source paths."""
    return {
        f"{CLASSES}/{name}.cls": f"public class {name} {{{body}}}\n",
        f"{CLASSES}/{name}.cls-meta.xml": META,
    }


def commit(repo: Path, files: Mapping[str, str | None], message: str) -> str:
    """Write (None: delete) files, commit, return the sha."""
    for rel, text in files.items():
        if text is None:
            git(repo, "rm", "-q", "--", rel)
            continue
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(repo, "add", "--", rel)
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def new_repo(root: Path, orgs: Mapping[str, str], files: Mapping[str, str]) -> tuple[Path, str]:
    """A project on branch int with `files`; main points at the same commit. Returns (repo, sha)."""
    repo = root / "project"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    sha = commit(
        repo,
        {"sfsync.yml": sfsync_yml(orgs), "sfdx-project.json": SFDX_PROJECT, **files},
        "Initial project",
    )
    git(repo, "checkout", "-q", "-b", "int")
    return repo, sha


def mdapi_path(source_path: str) -> str:
    """`force-app/main/default/classes/Foo.cls` -> `classes/Foo.cls` (classes only)."""
    return source_path.split("main/default/", 1)[1]


def seed(org: OrgHandle, files: Mapping[str, str], by: str = "Admin User") -> None:
    """Make the org hold exactly `files` (source paths of Apex classes), as an admin would."""
    org.reset()
    org.put_many({mdapi_path(p): text for p, text in files.items()}, by=by)


def org_files(org: OrgHandle) -> dict[str, bytes]:
    """Every file in the org."""
    return {path: org.read(path) for path in org.list()}


def expected_org(files: Mapping[str, str]) -> dict[str, bytes]:
    """The org files that hold exactly these source files."""
    return {mdapi_path(p): text.encode() for p, text in files.items()}


BASE_FILES = {**apex("Foo"), **apex("Bar")}
