"""Hook latency: wall time of `sfsync check` on a large project, next to `python3 -c pass`.

Generates (with `git fast-import`) a repository of 20,000 metadata files and 2,000 upstream
deployments on `int`, a developer sandbox `dev1` on a story branch, and times the hook as git
runs it: a fresh `sfsync check` process each time (after one warm-up run that caches the
validated config). Target: median <= 150 ms on a 2-core machine.
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
from pathlib import Path

FILES = 20_000
COMMITS = 2_000
RUNS = 21
CLASSES = "force-app/main/default/classes"

SFSYNC_YML = """\
version: 1
remote: origin
environments:
  prod: {org: prod, branch: main}
  uat:  {org: uat,  branch: uat,  upstream: prod}
  int:  {org: int,  branch: int,  upstream: uat}
  dev1: {org: dev1-sandbox, upstream: int}
hooks:
  block: behind
  max_behind: 0
"""


def _blob(text: str) -> bytes:
    data = text.encode()
    return b"data %d\n%s\n" % (len(data), data)


def _commit(ref: str, mark: int, parent: int | None, when: int, message: str) -> bytes:
    head = f"commit {ref}\nmark :{mark}\n"
    head += f"author Bench <bench@example.com> {when} +0000\n"
    head += f"committer Bench <bench@example.com> {when} +0000\n"
    out = head.encode() + _blob(message)
    if parent is not None:
        out += f"from :{parent}\n".encode()
    return out


def project_files() -> list[tuple[str, str]]:
    """FILES source files spread like a real org: objects with fields, classes, triggers, LWC."""
    root = "force-app/main/default"
    files: list[tuple[str, str]] = []
    for o in range(250):
        obj = f"Object{o:03d}__c"
        files.append((f"{root}/objects/{obj}/{obj}.object-meta.xml", f"<CustomObject>{o}"))
        for f in range(40):
            path = f"{root}/objects/{obj}/fields/Field{f:02d}__c.field-meta.xml"
            files.append((path, f"<CustomField>{o}.{f}</CustomField>"))
    meta = "<ApexClass><apiVersion>62.0</apiVersion></ApexClass>"
    for c in range(3000):
        files.append((f"{CLASSES}/Class{c:04d}.cls", f"public class Class{c:04d} {{ }}"))
        files.append((f"{CLASSES}/Class{c:04d}.cls-meta.xml", meta))
    for t in range(500):
        for ext in ("js", "html", "css", "js-meta.xml"):
            files.append((f"{root}/lwc/cmp{t:03d}/cmp{t:03d}.{ext}", f"// {t} {ext}"))
    for t in range(FILES - len(files)):
        files.append((f"{root}/layouts/Layout{t:04d}.layout-meta.xml", f"<Layout>{t}</Layout>"))
    return files


def generate(repo: Path) -> None:
    """Initial project on main/uat/int, then COMMITS deployments on int (fast-import)."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    files = project_files()
    parts = [_commit("refs/heads/main", 1, None, 1_700_000_000, "Initial project")]
    parts.append(b"M 100644 inline sfsync.yml\n" + _blob(SFSYNC_YML))
    project = '{"packageDirectories": [{"path": "force-app", "default": true}]}'
    parts.append(b"M 100644 inline sfdx-project.json\n" + _blob(project))
    parts += [f"M 100644 inline {path}\n".encode() + _blob(text) for path, text in files]
    parts.append(b"\n")
    for n in range(COMMITS):
        mark = n + 2
        when = 1_700_000_000 + 60 * (n + 1)
        parts.append(_commit("refs/heads/int", mark, mark - 1, when, f"Deployment {n + 1}"))
        # each deployment changes two components; every fourth also an Apex class
        picks = [(n * 37) % 10_250, (n * 91 + 5) % 10_250]
        if n % 4 == 0:
            picks.append(10_250 + 2 * ((n * 13) % 3000))
        for index in picks:
            path, text = files[index]
            parts.append(f"M 100644 inline {path}\n".encode() + _blob(f"{text} v{n}"))
        parts.append(b"\n")
    parts.append(b"reset refs/heads/uat\nfrom :1\n\n")
    stream = b"".join(parts)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=stream, check=True)
    git = ["git", "-C", str(repo)]
    for branch in ("main", "uat", "int"):
        subprocess.run([*git, "update-ref", f"refs/remotes/origin/{branch}", branch], check=True)
    subprocess.run([*git, "checkout", "-q", "-b", "story", "int~10"], check=True)
    subprocess.run([*git, "config", "sfsync.env", "dev1"], check=True)


def sfsync_exe() -> list[str]:
    found = shutil.which("sfsync", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "sfsync"]


def mark_synced(repo: Path, ref: str) -> None:
    subprocess.run(
        [*sfsync_exe(), "mark-synced", "--env", "dev1", ref],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def timed(cmd: list[str], cwd: Path, expect: int) -> list[float]:
    """Wall times (ms) of RUNS fresh processes, after one warm-up run."""
    times = []
    for run in range(RUNS + 1):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        elapsed = (time.perf_counter() - start) * 1000
        if proc.returncode != expect:
            raise SystemExit(
                f"{' '.join(cmd)} exited {proc.returncode}, expected {expect}: "
                f"{proc.stderr.decode(errors='replace')}"
            )
        if run:
            times.append(elapsed)
    return times


def row(label: str, times: list[float]) -> list[str]:
    return [
        label,
        f"{statistics.median(times):.0f}",
        f"{min(times):.0f}",
        f"{max(times):.0f}",
        str(len(times)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args()
    env_keys = [k for k in os.environ if k.startswith("GIT_")]
    for key in env_keys:  # a hook's GIT_DIR must not retarget the generated repository
        del os.environ[key]
    # an installed package has its bytecode compiled (pip does it); an editable checkout may
    # not, e.g. under PYTHONDONTWRITEBYTECODE: compile it once so every run measures the same
    import sfsync

    compileall.compile_dir(str(Path(sfsync.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory(prefix="sfsync-bench-") as tmp:
        repo = Path(tmp) / "project"
        start = time.perf_counter()
        generate(repo)
        built = time.perf_counter() - start
        check = [*sfsync_exe(), "check"]
        rows = [row("python3 -c pass", timed([sys.executable, "-c", "pass"], repo, 0))]
        mark_synced(repo, "int~10")
        rows.append(row("sfsync check, 10 deployments behind", timed(check, repo, 1)))
        mark_synced(repo, "int")
        subprocess.run(["git", "checkout", "-q", "int"], cwd=repo, check=True)
        rows.append(row("sfsync check, up to date", timed(check, repo, 0)))
        mark_synced(repo, "main")
        subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
        rows.append(row(f"sfsync check, {COMMITS} deployments behind", timed(check, repo, 1)))
    table = {
        "title": "Hook latency (sfsync check, wall time per git hook run)",
        "columns": ["command", "median ms", "min ms", "max ms", "runs"],
        "rows": rows,
        "notes": [
            f"Repository: {FILES:,} metadata files, {COMMITS:,} upstream deployments on int "
            f"(generated with git fast-import in {built:.1f} s). Each run is a fresh process, "
            "as git starts it; one warm-up run first (it caches the validated config). "
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}. Target: median <= 150 ms.",
        ],
    }
    args.json_out.write_text(json.dumps(table, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
