"""The dashboard picture of the manual (docs/img/dashboard.png), made the way a user makes it.

Builds a small pipeline in a temporary folder (real git; events recorded by sfsync's own
`state.append_event` and `tracking.mark_synced`, as deploys and syncs record them), runs
`sfsync report --html`, and photographs the page in the system's Chromium (Debian's
`chromium` package, driven by Playwright):

    python scripts/dashboard_screenshot.py [--out docs/img/dashboard.png] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sfsync.git import state
from sfsync.pipeline import project, tracking

CONFIG = """\
version: 1
remote: origin
environments:
  prod:   {org: acme-prod, branch: main, protected: true}
  uat:    {org: acme-uat, branch: uat, upstream: prod}
  hotfix: {org: acme-hotfix, branch: hotfix, upstream: prod}
  int:    {org: acme-int, branch: int, upstream: uat}
  ana:    {org: ana-dev, upstream: int}
  ben:    {org: ben-dev, upstream: int}
  chen:   {org: chen-dev, upstream: int}
  dara:   {org: dara-dev, upstream: int}
"""
PROJECT = '{"packageDirectories": [{"path": "force-app", "default": true}]}\n'
CLASSES = "force-app/main/default/classes"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def deploy(repo: Path, branch: str, name: str, message: str) -> str:
    if branch != "HEAD":
        git(repo, "checkout", "-q", branch)
    path = repo / CLASSES / f"{name}.cls"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"public class {name} {{ /* {message} */ }}\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    git(repo, "push", "-q", "origin", branch)
    return git(repo, "rev-parse", "HEAD")


def record(repo: Path, env: str, kind: str, to: str, components: tuple[str, ...]) -> None:
    current = state.read_state(repo, env)
    event = state.Event(
        kind=kind, org=env, from_sha=current.state.deployed, to_sha=to, components=components,
        details={"summary": f"{kind} {env}: {len(components)} deployed, 0 deleted"},
    )  # fmt: skip
    new = state.EnvState(deployed=to) if kind != "pull-upstream" else current.state
    state.append_event(repo, env, event, new, current.commit)


def build(root: Path) -> Path:
    remote, repo = root / "remote.git", root / "crm"
    git(root, "init", "-q", "--bare", "-b", "main", str(remote))
    git(root, "clone", "-q", str(remote), str(repo))
    (repo / "sfsync.yml").write_text(CONFIG, encoding="utf-8")
    (repo / "sfdx-project.json").write_text(PROJECT, encoding="utf-8")
    base = deploy(repo, "HEAD", "AccountService", "Account service")
    for branch in ("uat", "hotfix", "int"):
        git(repo, "branch", branch, base)
        git(repo, "push", "-q", "origin", branch)
    for env in ("prod", "uat", "hotfix", "int"):
        record(repo, env, "deploy", base, ("ApexClass:AccountService",))
    proj = project.load(repo)
    for env in ("ana", "ben", "chen", "dara"):
        tracking.mark_synced(proj, env, "origin/int")
    feature = deploy(repo, "int", "InvoiceBatch", "Invoice batch")
    record(repo, "int", "deploy", feature, ("ApexClass:InvoiceBatch",))
    tracking.mark_synced(proj, "ana", "origin/int")
    fix = deploy(repo, "main", "TaxRules", "Tax rules fix")
    record(repo, "prod", "deploy", fix, ("ApexClass:TaxRules",))
    more = deploy(repo, "main", "QuoteSync", "Quote sync")
    record(repo, "prod", "deploy", more, ("ApexClass:QuoteSync",))
    git(repo, "fetch", "-q", "origin")
    drift = root / "drift"
    drift.mkdir()
    result = {"env": "hotfix", "drift": True, "compared": 120, "expected": {"ref": "hotfix"},
              "changed": [{"component": "ApexClass:AccountService",
                           "lastModifiedByName": "Org Admin",
                           "lastModifiedDate": "2024-05-02T09:00:00.000Z"}]}  # fmt: skip
    (drift / "hotfix.json").write_text(
        json.dumps({"status": 1, "name": "Drift", "message": "", "data": result}),
        encoding="utf-8",
    )
    return repo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img/dashboard.png"))
    parser.add_argument("--keep", type=Path, help="also keep the site in this folder")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="sfsync-dashboard-") as tmp:
        root = Path(tmp)
        os.environ.update(GIT_AUTHOR_NAME="Ana Admin", GIT_AUTHOR_EMAIL="ana@example.com",
                          GIT_COMMITTER_NAME="Ana Admin",
                          GIT_COMMITTER_EMAIL="ana@example.com")  # fmt: skip
        repo = build(root)
        site = args.keep or root / "site"
        subprocess.run(
            [sys.executable, "-m", "sfsync", "report", "--html", str(site), "--drift",
             str(root / "drift")], cwd=repo, check=True,
        )  # fmt: skip
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto((site / "index.html").as_uri())
            page.locator('section[aria-labelledby="graph-h"]').screenshot(path=str(args.out))
            browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
