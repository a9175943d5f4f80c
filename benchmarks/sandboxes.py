"""back-promote into 20 developer sandboxes on sfemu: serial, then --jobs 4, then --jobs 8.

One project (prod <- int <- dev01..dev20) on a bare remote, 20 sandbox orgs in one sfemu
that the real `sf` is logged in to. Before each run int receives the same kind of change
(5 Apex classes modified, 1 added) and every sandbox is one deployment behind; then
`sfsync back-promote --from int --sandboxes --jobs N --yes --json` runs as a fresh process
and its wall time is taken. Each run checks that every sandbox now holds int's version of
the changed classes (read from the orgs through the emulator's back door).

Writes ``{"title", "columns", "rows", "notes"}`` to ``--json-out``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sfemu import OrgEmulator
from sfemu.emulator import OrgHandle
from sfemu.testing import SfCli, find_sf

API = "62.0"
CLASSES = "force-app/main/default/classes"
META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    f"    <apiVersion>{API}</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
)
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench Admin",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench Admin",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
BASE_CLASSES = 40
CHANGED = 5


def git(repo: Path, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout.strip()


def body(name: str, version: int) -> str:
    return f"public class {name} {{\n    // v{version}\n}}\n"


def write_classes(repo: Path, names: dict[str, int]) -> None:
    for name, version in names.items():
        folder = repo / CLASSES
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.cls").write_text(body(name, version), encoding="utf-8")
        (folder / f"{name}.cls-meta.xml").write_text(META, encoding="utf-8")


def config(sandboxes: list[str]) -> str:
    lines = [
        "version: 1",
        "remote: origin",
        "environments:",
        "  prod: {org: bench-prod, branch: main}",
        "  int:  {org: bench-int, branch: int, upstream: prod}",
    ]
    lines += [f"  {name}: {{org: {name}, upstream: int}}" for name in sandboxes]
    return "\n".join(lines) + "\n"


def generate(root: Path, env: dict[str, str], sandboxes: list[str]) -> Path:
    """The admin clone of a project whose int branch every sandbox is synced to."""
    remote, admin = root / "remote.git", root / "admin"
    git(root, "init", "-q", "--bare", "-b", "main", str(remote), env=env)
    git(root, "clone", "-q", str(remote), str(admin), env=env)
    (admin / "sfsync.yml").write_text(config(sandboxes), encoding="utf-8")
    (admin / "sfdx-project.json").write_text(
        json.dumps(
            {
                "packageDirectories": [{"path": "force-app", "default": True}],
                "sourceApiVersion": API,
            }
        ),
        encoding="utf-8",
    )
    write_classes(admin, {f"C{i:03d}": 0 for i in range(BASE_CLASSES)})
    git(admin, "add", "-A", env=env)
    git(admin, "commit", "-q", "-m", "Baseline", env=env)
    git(admin, "branch", "int", env=env)
    git(admin, "push", "-q", "origin", "main", "int", env=env)
    git(admin, "checkout", "-q", "int", env=env)
    for name in sandboxes:
        sfsync(admin, env, "mark-synced", "--env", name, "origin/int")
    git(admin, "push", "-q", "origin", "refs/sfsync/*:refs/sfsync/*", env=env)
    return admin


def sfsync(repo: Path, env: dict[str, str], *args: str) -> dict[str, object]:
    """`sfsync ARGS --json` as a fresh process; its JSON envelope."""
    proc = subprocess.run(
        [sys.executable, "-m", "sfsync", *args, "--json"],
        cwd=repo, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        envelope: dict[str, object] = json.loads(proc.stdout)
    except ValueError as exc:
        raise RuntimeError(f"sfsync {' '.join(args)}: {proc.stdout}{proc.stderr}") from exc
    return envelope


def change_int(admin: Path, env: dict[str, str], run: int) -> dict[str, int]:
    """One deployment on int: CHANGED classes modified and one added; returns the new versions."""
    first = (run * CHANGED) % BASE_CLASSES
    versions = {f"C{(first + i) % BASE_CLASSES:03d}": run + 1 for i in range(CHANGED)}
    versions[f"New{run:02d}"] = 1
    write_classes(admin, versions)
    git(admin, "add", "-A", env=env)
    git(admin, "commit", "-q", "-m", f"Deployment {run + 1} on int", env=env)
    git(admin, "push", "-q", "origin", "int", env=env)
    return versions


def holds(org: OrgHandle, versions: dict[str, int]) -> bool:
    return all(
        org.exists(f"classes/{name}.cls") and org.read_text(f"classes/{name}.cls") == body(name, v)
        for name, v in versions.items()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", required=True, type=Path)
    parser.add_argument("--sandboxes", type=int, default=20)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 4, 8])
    args = parser.parse_args()
    if find_sf() is None:
        print("the pinned sf CLI is missing: run `make setup`", file=sys.stderr)
        return 2
    names = [f"dev{i + 1:02d}" for i in range(args.sandboxes)]
    rows: list[list[object]] = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sf = SfCli(root / "home")
        (sf.home / ".gitconfig").write_text(
            "[init]\n\tdefaultBranch = main\n[user]\n\tname = Bench Admin\n"
            '\temail = bench@example.com\n[protocol "file"]\n\tallow = always\n',
            encoding="utf-8",
        )
        env = {**sf.env, **IDENTITY, "GIT_CONFIG_NOSYSTEM": "1", "CI": "true"}
        admin = generate(root, env, names)
        with OrgEmulator(root / "emu") as emu:  # progress_polls=1, the emulator's default
            t0 = time.perf_counter()
            orgs = {name: emu.create_org(name, sandbox=True) for name in names}
            # one login at a time: concurrent `sf org login` processes rewrite sf's alias file
            # at once and one of them reads it half-written ("Unexpected end of JSON input")
            for name in names:
                sf.login(orgs[name], name)
            login_time = time.perf_counter() - t0
            baseline = {f"C{i:03d}": 0 for i in range(BASE_CLASSES)}
            for name in names:
                emu.org(name).put_many(
                    {
                        **{f"classes/{c}.cls": body(c, v) for c, v in baseline.items()},
                        **{f"classes/{c}.cls-meta.xml": META for c in baseline},
                    },
                    by="Baseline Admin",
                )
            serial: float | None = None
            for run, jobs in enumerate(args.jobs):
                versions = change_int(admin, env, run)
                t0 = time.perf_counter()
                out = sfsync(
                    admin, env, "back-promote", "--from", "int", "--sandboxes",
                    "--jobs", str(jobs), "--yes",
                )  # fmt: skip
                took = time.perf_counter() - t0
                if out.get("status") != 0:
                    raise RuntimeError(f"back-promote --jobs {jobs} failed: {out}")
                result = out["result"]
                assert isinstance(result, dict)
                envs = result["envs"]
                done = [e for e in envs if e["status"] == "done"]
                calls = sum(int(e.get("sfInvocations") or 0) for e in done)
                correct = sum(holds(emu.org(e["env"]), versions) for e in done)
                serial = took if serial is None else serial
                rows.append([
                    "serial (--jobs 1)" if jobs == 1 else f"--jobs {jobs}",
                    f"{len(done)}/{len(names)}",
                    f"{correct}/{len(names)}",
                    calls,
                    f"{took:.1f}",
                    f"{took / len(names):.2f}",
                    f"{serial / took:.2f}x",
                ])  # fmt: skip
    table = {
        "title": f"back-promote --sandboxes: {args.sandboxes} developer sandboxes on sfemu",
        "columns": [
            "run",
            "sandboxes updated",
            "hold int's version",
            "sf invocations",
            "wall time s",
            "s per sandbox",
            "speed-up",
        ],
        "rows": rows,
        "notes": [
            f"Each run: int receives one deployment ({CHANGED} Apex classes modified, 1 added; "
            f"project of {BASE_CLASSES} classes), then `sfsync back-promote --from int "
            "--sandboxes --jobs N --yes --json` runs as a fresh process (start-up, plan, one "
            "retrieve (the backup) and one deploy per sandbox, state refs pushed). "
            "'hold int's version' is read from the orgs afterwards.",
            f"sfemu on 127.0.0.1 (deploys answer InProgress for one poll), the pinned sf CLI; "
            f"{os.cpu_count()} CPUs, load average {load:.1f} at the start; {args.sandboxes} "
            f"logins took {login_time:.0f} s (not counted). One run each.",
        ],
    }
    args.json_out.write_text(json.dumps(table, indent=1), encoding="utf-8")
    print(json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
