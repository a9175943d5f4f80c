"""pull-upstream against sfemu on a 5,000-component project with 12 upstream deployments.

Measures what `sfsync pull-upstream` deploys (from the emulator's own deployment record)
against what the 12 deployments changed, how many times it runs `sf` (a counting wrapper
placed first on PATH for that run only), and its wall time next to a full-project deploy
(`sf project deploy start --source-dir force-app`) of the same org in the same run.

Writes ``{"title", "columns", "rows", "notes"}`` to ``--json-out``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sfemu import OrgEmulator
from sfemu.testing import SfCli, find_sf

API = "62.0"
CLASSES = "force-app/main/default/classes"
OBJECT = "force-app/main/default/objects/Bench__c"
SFSYNC_YML = """\
version: 1
remote: origin
environments:
  prod: {org: prod, branch: main}
  int:  {org: int,  branch: int, upstream: prod}
  dev1: {org: dev1, upstream: int}
"""
CLASS_META = (
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


def class_files(name: str, version: int = 0) -> dict[str, str | None]:
    """An Apex class (source format) at a given version."""
    return {
        f"{CLASSES}/{name}.cls": f"public class {name} {{\n    // v{version}\n}}\n",
        f"{CLASSES}/{name}.cls-meta.xml": CLASS_META,
    }


def field_file(name: str, version: int = 0) -> dict[str, str | None]:
    """A text field of Bench__c (source format) at a given version."""
    return {
        f"{OBJECT}/fields/{name}.field-meta.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            f"    <fullName>{name}</fullName>\n    <label>{name} v{version}</label>\n"
            "    <length>80</length>\n    <type>Text</type>\n</CustomField>\n"
        )
    }


@dataclass
class Project:
    """The generated repositories and the ground truth of what upstream changed."""

    root: Path
    remote: Path
    admin: Path
    dev: Path
    components: int = 0
    changed: set[str] = field(default_factory=set)
    deployments: int = 0


def git(repo: Path, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout.strip()


def write(repo: Path, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        path = repo / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def generate(root: Path, env: dict[str, str], classes: int, fields: int, changes: int) -> Project:
    """Baseline of `classes` Apex classes + Bench__c with `fields` fields; `changes` deployments
    on int (modified, added and deleted classes and fields), pushed to a bare remote."""
    p = Project(root, root / "remote.git", root / "admin", root / "dev1")
    git(root, "init", "-q", "--bare", "-b", "main", str(p.remote), env=env)
    git(root, "clone", "-q", str(p.remote), str(p.admin), env=env)
    files: dict[str, str | None] = {
        "sfsync.yml": SFSYNC_YML,
        "sfdx-project.json": json.dumps(
            {
                "packageDirectories": [{"path": "force-app", "default": True}],
                "sourceApiVersion": API,
            }
        ),
        f"{OBJECT}/Bench__c.object-meta.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <deploymentStatus>Deployed</deploymentStatus>\n    <label>Bench</label>\n"
            "    <nameField><label>Name</label><type>Text</type></nameField>\n"
            "    <pluralLabel>Benches</pluralLabel>\n    <sharingModel>ReadWrite</sharingModel>\n"
            "</CustomObject>\n"
        ),
    }
    for i in range(classes):
        files.update(class_files(f"C{i:05d}"))
    for i in range(fields):
        files.update(field_file(f"F{i:05d}__c"))
    p.components = classes + fields + 1
    write(p.admin, files)
    git(p.admin, "add", "-A", env=env)
    git(p.admin, "commit", "-q", "-m", "Baseline", env=env)
    git(p.admin, "branch", "int", env=env)
    git(p.admin, "push", "-q", "origin", "main", "int", env=env)
    git(root, "clone", "-q", str(p.remote), str(p.dev), env=env)
    git(p.dev, "checkout", "-q", "-b", "story/dev1", "origin/int", env=env)
    git(p.dev, "config", "sfsync.env", "dev1", env=env)
    # 12 deployments on int, each a first-parent commit changing one to three components
    git(p.admin, "checkout", "-q", "int", env=env)
    for d in range(changes):
        change: dict[str, str | None] = {}
        kind = d % 4
        if kind == 0:  # two classes modified
            for i in (d * 7, d * 7 + 1):
                change.update(class_files(f"C{i:05d}", d + 1))
                p.changed.add(f"ApexClass:C{i:05d}")
        elif kind == 1:  # a new field and a modified class
            change.update(field_file(f"New{d:02d}__c", d + 1))
            p.changed.add(f"CustomField:Bench__c.New{d:02d}__c")
            change.update(class_files(f"C{d * 7 + 2:05d}", d + 1))
            p.changed.add(f"ApexClass:C{d * 7 + 2:05d}")
        elif kind == 2:  # a new class and a modified field
            change.update(class_files(f"Added{d:02d}", d + 1))
            p.changed.add(f"ApexClass:Added{d:02d}")
            change.update(field_file(f"F{d:05d}__c", d + 1))
            p.changed.add(f"CustomField:Bench__c.F{d:05d}__c")
        else:  # a deleted class
            name = f"C{classes - 1 - d:05d}"
            change.update({k: None for k in class_files(name)})
            p.changed.add(f"ApexClass:{name}")
        write(p.admin, change)
        git(p.admin, "add", "-A", env=env)
        git(p.admin, "commit", "-q", "-m", f"Deployment {d + 1}", env=env)
        p.deployments += 1
    return p


def counting_wrapper(folder: Path, log: Path, real_sf: Path) -> Path:
    """A `sf` script that logs its arguments to `log`, then runs the real one."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "sf"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" >> {shlex.quote(str(log))}\n'
        f'exec {shlex.quote(str(real_sf))} "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return folder


def has_pull_upstream() -> bool:
    """True when this build of sfsync has `sfsync pull-upstream`."""
    from sfsync.cli.app import COMMANDS

    return "pull-upstream" in COMMANDS


def full_deploy(sf: SfCli, project: Path) -> tuple[float, int]:
    """`sf project deploy start --source-dir force-app` to dev1: seconds, components."""
    t0 = time.perf_counter()
    run = sf.run("project", "deploy", "start", "--source-dir", "force-app", "-o", "dev1",
                 "--wait", "30", cwd=project, timeout=1800)  # fmt: skip
    took = time.perf_counter() - t0
    if run.exit_code != 0:
        raise RuntimeError(f"full deploy failed: {run.stdout[-800:]}")
    return took, int(run.result.get("numberComponentsDeployed") or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", required=True, type=Path)
    parser.add_argument("--classes", type=int, default=3500)
    parser.add_argument("--fields", type=int, default=1499)
    parser.add_argument("--changes", type=int, default=12)
    args = parser.parse_args()
    real_sf = find_sf()
    if real_sf is None:
        print("the pinned sf CLI is missing: run `make setup`", file=sys.stderr)
        return 2
    rows: list[list[object]] = []
    notes: list[str] = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sf = SfCli(root / "home")
        (sf.home / ".gitconfig").write_text(
            "[init]\n\tdefaultBranch = main\n[user]\n\tname = Bench Admin\n"
            '\temail = bench@example.com\n[protocol "file"]\n\tallow = always\n',
            encoding="utf-8",
        )
        env = {**sf.env, **IDENTITY, "GIT_CONFIG_NOSYSTEM": "1"}
        t0 = time.perf_counter()
        p = generate(root, env, args.classes, args.fields, args.changes)
        generated = time.perf_counter() - t0
        subprocess.run(
            [sys.executable, "-m", "sfsync", "mark-synced", "--env", "dev1", "origin/main"],
            cwd=p.dev, env=env, check=True, capture_output=True,
        )  # fmt: skip
        git(p.admin, "push", "-q", "origin", "int", env=env)
        with OrgEmulator(root / "emu", progress_polls=0) as emu:
            sf.login(emu.create_org("dev1", sandbox=True), "dev1")
            dev1 = emu.org("dev1")
            took, count = full_deploy(sf, p.dev)
            rows.append(["full-project deploy (baseline)", 1, count, "", "", f"{took:.1f}"])
            git(p.dev, "fetch", "-q", "origin", env=env)
            pull_time: float | None = None
            if has_pull_upstream():
                log = root / "sf-calls.log"
                wrapper = counting_wrapper(root / "wrapper", log, real_sf)
                run_env = {**env, "PATH": f"{wrapper}{os.pathsep}{env['PATH']}"}
                before = len(dev1.deployments())
                t0 = time.perf_counter()
                proc = subprocess.run(
                    [sys.executable, "-m", "sfsync", "pull-upstream", "--yes", "--json"],
                    cwd=p.dev, env=run_env, capture_output=True, text=True, check=False,
                )  # fmt: skip
                took = time.perf_counter() - t0
                if proc.returncode != 0:
                    raise RuntimeError(f"pull-upstream failed: {proc.stdout}{proc.stderr}")
                calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
                kinds = Counter(" ".join(c.split()[:3]) for c in calls)
                new = dev1.deployments()[before:]
                deployed = {c for d in new for c in (*d.get("deployed", ()), *d.get("deleted", ()))}
                same = deployed == p.changed
                ratio = len(deployed) / len(p.changed)
                rows.append([
                    f"sfsync pull-upstream ({p.deployments} upstream deployments)",
                    len(calls), len(deployed), len(p.changed),
                    f"{ratio:.2f}" + ("" if same else " (different sets!)"), f"{took:.1f}",
                ])  # fmt: skip
                pull_time = took
                notes.append(
                    "sf invocations of the pull: "
                    + ", ".join(f"`sf {k}` x{n}" for k, n in sorted(kinds.items()))
                    + "."
                )
            else:
                rows.append([
                    f"sfsync pull-upstream ({p.deployments} upstream deployments)",
                    "not yet available", "", len(p.changed), "", "not yet available",
                ])  # fmt: skip
                notes.append(
                    "`sfsync pull-upstream` is not in this build yet: its row is empty, "
                    "nothing was measured in its place."
                )
                git(p.dev, "merge", "-q", "origin/int", "-m", "Merge int", env=env)
            took, count = full_deploy(sf, p.dev)
            rows.append(["full-project deploy (after the pull)", 1, count, "", "", f"{took:.1f}"])
            if pull_time is not None:
                notes.append(
                    f"pull-upstream took {pull_time / took:.0%} of the time of a full-project "
                    "deploy of the same org."
                )
    notes.insert(
        0,
        f"Project: {p.components:,} components ({args.classes:,} Apex classes, the object "
        f"Bench__c and {args.fields:,} of its fields), generated with git in {generated:.1f} s; "
        f"{p.deployments} deployments on int changing {len(p.changed)} components (modified, "
        "added and deleted). Components deployed = deployed + deleted in the emulator's own "
        "record of the pull's deployment(s). Wall time includes sf start-up; sfemu on "
        f"127.0.0.1, {os.cpu_count()} CPUs, load average {load:.1f} at the start.",
    )
    table = {
        "title": "pull-upstream vs a full-project deploy (5,000 components, 12 upstream changes)",
        "columns": [
            "run",
            "sf invocations",
            "components deployed",
            "components changed",
            "deployed / changed",
            "wall time s",
        ],
        "rows": rows,
        "notes": notes,
    }
    args.json_out.write_text(json.dumps(table, indent=1), encoding="utf-8")
    print(json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
