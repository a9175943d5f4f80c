"""Merge driver: wall time of `git merge` when git starts `sfsync merge-driver` for each file.

Each case is a repository where both branches changed the same files; `git merge` runs with
the driver installed as `sfsync install-hooks --merge-driver` installs it (sfsync found on
PATH), and the same merge runs in an identical repository without it (git's line merge). One
file per merge shows what git starting the driver costs a file; the driver alone (run as git
runs it, on the same three files) shows what is the driver's own. Files:

- permission set: 80 field permissions; each side adds a different one at the same place
  (git's line merge conflicts there, the driver merges both);
- profile: 400 entries (field permissions, object permissions, class accesses), one changed
  on each side far apart (both merges are clean);
- labels: 200 custom labels, each side adds a different one at the same place;
- big profile: 5,000 field permissions, one changed on each side far apart;
- 50 files: 50 permission sets like the first, all merged in one `git merge`, one entry
  changed on each side far apart (both merges are clean).

Goals (issue 21): a typical file <= 60 ms median, the 5,000-entry profile <= 300 ms, a
50-file merge no slower than 3x `git merge` without the driver.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

RUNS = 21
BIG_RUNS = 11
PERMSETS = "force-app/main/default/permissionsets"
PROFILES = "force-app/main/default/profiles"
LABELS = "force-app/main/default/labels/CustomLabels.labels-meta.xml"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'

Files = dict[str, tuple[str, str, str]]
"""path -> (base, ours, theirs)"""


def field(name: str, editable: bool) -> str:
    return (
        "    <fieldPermissions>\n"
        f"        <editable>{str(editable).lower()}</editable>\n"
        f"        <field>{name}</field>\n"
        "        <readable>true</readable>\n"
        "    </fieldPermissions>\n"
    )


def permset(fields: Mapping[str, bool]) -> str:
    body = "".join(field(f, e) for f, e in sorted(fields.items()))
    return f"{HEAD}<PermissionSet {NS}>\n{body}    <label>Sales</label>\n</PermissionSet>\n"


def profile(fields: Mapping[str, bool], objects: int = 0, classes: int = 0) -> str:
    parts = [
        "    <classAccesses>\n"
        f"        <apexClass>Class{c:04d}</apexClass>\n"
        "        <enabled>true</enabled>\n"
        "    </classAccesses>\n"
        for c in range(classes)
    ]
    parts += [field(f, e) for f, e in sorted(fields.items())]
    parts += [
        "    <objectPermissions>\n"
        "        <allowCreate>true</allowCreate>\n"
        "        <allowDelete>false</allowDelete>\n"
        "        <allowEdit>true</allowEdit>\n"
        "        <allowRead>true</allowRead>\n"
        "        <modifyAllRecords>false</modifyAllRecords>\n"
        f"        <object>Object{o:03d}__c</object>\n"
        "        <viewAllRecords>false</viewAllRecords>\n"
        "    </objectPermissions>\n"
        for o in range(objects)
    ]
    body = "".join(parts)
    return f"{HEAD}<Profile {NS}>\n{body}    <custom>true</custom>\n</Profile>\n"


def labels(names: list[str]) -> str:
    body = "".join(
        "    <labels>\n"
        f"        <fullName>{n}</fullName>\n"
        "        <language>en_US</language>\n"
        "        <protected>false</protected>\n"
        f"        <shortDescription>{n}</shortDescription>\n"
        f"        <value>The {n} text</value>\n"
        "    </labels>\n"
        for n in sorted(names)
    )
    return f"{HEAD}<CustomLabels {NS}>\n{body}</CustomLabels>\n"


def fields(n: int) -> dict[str, bool]:
    return {f"Account.Field{i:04d}__c": False for i in range(n)}


def adjacent_additions() -> tuple[str, str, str]:
    base = fields(80)
    return (
        permset(base),
        permset({**base, "Account.Field0040a__c": True}),
        permset({**base, "Account.Field0040b__c": True}),
    )


def far_apart(n: int, make: Callable[[dict[str, bool]], str]) -> tuple[str, str, str]:
    base = fields(n)
    first, last = "Account.Field0001__c", f"Account.Field{n - 2:04d}__c"
    return make(base), make({**base, first: True}), make({**base, last: True})


def label_additions() -> tuple[str, str, str]:
    names = [f"Label{i:03d}" for i in range(200)]
    return labels(names), labels([*names, "Label100a"]), labels([*names, "Label100b"])


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def write(repo: Path, files: Mapping[str, str], message: str) -> None:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def build(root: Path, files: Files, *, driver: bool) -> tuple[Path, str]:
    """A repository whose `main` (ours) and `theirs` both changed `files`; main's sha."""
    from sfsync.hooks import driver_install

    repo = root / ("with" if driver else "without")
    git(root, "init", "-q", "-b", "main", str(repo))
    git(repo, "config", "user.name", "Bench")
    git(repo, "config", "user.email", "bench@example.com")
    if driver:
        driver_install.install(repo)
    write(repo, {p: base for p, (base, _, _) in files.items()}, "base")
    git(repo, "checkout", "-q", "-b", "theirs")
    write(repo, {p: theirs for p, (_, _, theirs) in files.items()}, "theirs")
    git(repo, "checkout", "-q", "main")
    write(repo, {p: ours for p, (_, ours, _) in files.items()}, "ours")
    return repo, git(repo, "rev-parse", "HEAD")


def timed_merges(repo: Path, ours: str, runs: int) -> tuple[list[float], int]:
    """Wall times (ms) of `git merge theirs` from `ours`, after one warm-up; its exit code."""
    times = []
    code = 0
    for run in range(runs + 1):
        git(repo, "reset", "-q", "--hard", ours)
        start = time.perf_counter()
        proc = subprocess.run(
            ["git", "merge", "-q", "--no-edit", "theirs"], cwd=repo, capture_output=True
        )
        elapsed = (time.perf_counter() - start) * 1000
        if proc.returncode not in (0, 1):
            raise SystemExit(f"git merge failed: {proc.stderr.decode(errors='replace')}")
        code = proc.returncode
        if run:
            times.append(elapsed)
    return times, code


def timed_driver(root: Path, case: tuple[str, str, str], path: str, runs: int) -> list[float]:
    """Wall times (ms) of `sfsync merge-driver` alone, as git starts it, on three files."""
    exe = shutil.which("sfsync") or "sfsync"
    folder = root / "driver"
    folder.mkdir(exist_ok=True)
    for name, text in zip(("O", "A0", "B"), case, strict=True):
        (folder / name).write_text(text, encoding="utf-8")
    times = []
    for run in range(runs + 1):
        shutil.copyfile(folder / "A0", folder / "A")
        start = time.perf_counter()
        subprocess.run([exe, "merge-driver", "O", "A", "B", path], cwd=folder, capture_output=True)
        if run:
            times.append((time.perf_counter() - start) * 1000)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        del os.environ[key]
    # git finds `sfsync` on PATH, as for a user; the bytecode compiled as pip would have it
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    import sfsync

    compileall.compile_dir(str(Path(sfsync.__file__).parent), quiet=1)
    cases: list[tuple[str, Files, int]] = [
        (
            "permission set, 80 entries",
            {f"{PERMSETS}/Sales.permissionset-meta.xml": adjacent_additions()},
            RUNS,
            "typical",
        ),
        (
            "profile, 400 entries",
            {f"{PROFILES}/Admin.profile-meta.xml": far_apart(300, lambda f: profile(f, 50, 50))},
            RUNS,
            "typical",
        ),
        ("labels, 200 labels", {LABELS: label_additions()}, RUNS),
        (
            "profile, 5,000 entries",
            {f"{PROFILES}/Big.profile-meta.xml": far_apart(5000, profile)},
            BIG_RUNS,
            "big",
        ),
        (
            "50 permission sets in one merge",
            {
                f"{PERMSETS}/Set{n:02d}.permissionset-meta.xml": far_apart(80, permset)
                for n in range(50)
            },
            BIG_RUNS,
        ),
    ]
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="sfsync-bench-merge-") as tmp:
        for label, files, runs in cases:
            root = Path(tmp) / label.replace(" ", "-").replace(",", "")
            root.mkdir()
            with_repo, with_ours = build(root, files, driver=True)
            without_repo, without_ours = build(root, files, driver=False)
            merged, code_with = timed_merges(with_repo, with_ours, runs)
            plain, code_without = timed_merges(without_repo, without_ours, runs)
            if len(files) == 1:
                path, case = next(iter(files.items()))
                alone = timed_driver(root, case, path, runs)
                driver_cell = f"{statistics.median(alone):.0f} / {p95(alone):.0f}"
            else:
                driver_cell = ""
            ratio = statistics.median(merged) / statistics.median(plain)
            rows.append(
                [
                    label,
                    f"{statistics.median(merged):.0f} / {p95(merged):.0f}",
                    driver_cell,
                    f"{statistics.median(plain):.0f} / {p95(plain):.0f}",
                    f"{ratio:.1f}x",
                    ("clean" if code_with == 0 else "conflict")
                    + " / "
                    + ("clean" if code_without == 0 else "conflict"),
                ]
            )
    load_after = os.getloadavg()
    table = {
        "title": "Merge driver (git merge with `sfsync merge-driver` against git's line merge)",
        "columns": [
            "merge",
            "git merge + driver, median / p95 ms",
            "driver alone, median / p95 ms",
            "git merge without, median / p95 ms",
            "ratio",
            "result with / without",
        ],
        "rows": rows,
        "notes": [
            "Each merge is a fresh `git merge` after `git reset --hard` (not timed), git "
            "starting `sfsync merge-driver` once per file both sides changed, sfsync found on "
            "PATH (as `sfsync install-hooks --merge-driver` configures it); without: the same "
            "repository without the driver. Driver alone: the process git starts, on the same "
            f"three files. {RUNS} runs ({BIG_RUNS} for the big profile and the 50 files) after "
            f"one warm-up. {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"{git_version.strip()}, "
            f"load average {load_before[0]:.1f} before and {load_after[0]:.1f} after. "
            "Goals: a typical file <= 60 ms median with the driver, the 5,000-entry profile "
            "<= 300 ms, 50 files <= 3x git merge without the driver.",
        ],
    }
    args.json_out.write_text(json.dumps(table, indent=2), encoding="utf-8")
    print(json.dumps(table, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
