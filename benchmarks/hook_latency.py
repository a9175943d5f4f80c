"""Hook latency: wall time of `sfsync check` (and `sfsync status`) on large repositories.

Generates (with `git fast-import`) two repositories of 20,000 metadata files and 2,000
upstream deployments on `int`:

- flat: 10,000 Apex classes (20,000 files) in one `classes/` folder, one class per deployment
  (git diffs a 20,000-entry tree for every commit it compares);
- spread: objects with fields, classes, LWC bundles and layouts in many folders, two or three
  files per deployment.

The developer's sandbox `dev1` is synced to `int~N` and their story branch holds one commit
of their own on top. Each `sfsync check` is a fresh process, as git starts it. A warm run
follows an earlier run (the validated config, what each commit changed and the component
names are cached under the git common dir); a first run has no cache of commits or names; a
run after a fetch has the cache of the previous run and 10 new upstream deployments. In the
same run: `python3 -c pass` (the floor of any Python hook) and a bare
`git rev-list --count sync..int` over the same commits. `sfsync status` covers 50
environments (prod, uat, int and 47 sandboxes synced 0 to 2,000 deployments back). Target:
median <= 150 ms for the hook at any distance after a first run, < 1 s for status.
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
from collections.abc import Callable
from pathlib import Path

FILES = 20_000
COMMITS = 2_000
RUNS = 21
FIRST_RUNS = 3  # a first run of the 2,000-behind case diffs 2,000 commits: seconds each
SANDBOXES = 47
CLASSES = "force-app/main/default/classes"
PROJECT_JSON = '{"packageDirectories": [{"path": "force-app", "default": true}]}'
CLASS_META = "<ApexClass><apiVersion>62.0</apiVersion></ApexClass>"


def sfsync_yml() -> str:
    """prod <- uat <- int <- dev1..dev47 (50 environments)."""
    sandboxes = "".join(
        f"  dev{n}: {{org: dev{n}-sandbox, upstream: int}}\n" for n in range(1, SANDBOXES + 1)
    )
    return (
        "version: 1\nremote: origin\nenvironments:\n"
        "  prod: {org: prod, branch: main}\n"
        "  uat:  {org: uat,  branch: uat,  upstream: prod}\n"
        "  int:  {org: int,  branch: int,  upstream: uat}\n"
        f"{sandboxes}hooks:\n  block: behind\n  max_behind: 0\n"
    )


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


def flat_files() -> list[tuple[str, str]]:
    """FILES files in one folder: 10,000 classes and their meta files."""
    files: list[tuple[str, str]] = []
    for c in range(FILES // 2):
        files.append((f"{CLASSES}/Class{c:05d}.cls", f"public class Class{c:05d} {{ }}"))
        files.append((f"{CLASSES}/Class{c:05d}.cls-meta.xml", CLASS_META))
    return files


def flat_picks(n: int) -> list[int]:
    """Deployment n changes one class (a different one each time)."""
    return [2 * ((n * 7) % (FILES // 2))]


def spread_files() -> list[tuple[str, str]]:
    """FILES files spread like a real org: objects with fields, classes, triggers, LWC."""
    root = "force-app/main/default"
    files: list[tuple[str, str]] = []
    for o in range(250):
        obj = f"Object{o:03d}__c"
        files.append((f"{root}/objects/{obj}/{obj}.object-meta.xml", f"<CustomObject>{o}"))
        for f in range(40):
            path = f"{root}/objects/{obj}/fields/Field{f:02d}__c.field-meta.xml"
            files.append((path, f"<CustomField>{o}.{f}</CustomField>"))
    for c in range(3000):
        files.append((f"{CLASSES}/Class{c:04d}.cls", f"public class Class{c:04d} {{ }}"))
        files.append((f"{CLASSES}/Class{c:04d}.cls-meta.xml", CLASS_META))
    for t in range(500):
        for ext in ("js", "html", "css", "js-meta.xml"):
            files.append((f"{root}/lwc/cmp{t:03d}/cmp{t:03d}.{ext}", f"// {t} {ext}"))
    for t in range(FILES - len(files)):
        files.append((f"{root}/layouts/Layout{t:04d}.layout-meta.xml", f"<Layout>{t}</Layout>"))
    return files


def spread_picks(n: int) -> list[int]:
    """Deployment n changes two components; every fourth also an Apex class."""
    picks = [(n * 37) % 10_250, (n * 91 + 5) % 10_250]
    if n % 4 == 0:
        picks.append(10_250 + 2 * ((n * 13) % 3000))
    return picks


def generate(repo: Path, files: list[tuple[str, str]], picks: Callable[[int], list[int]]) -> float:
    """Initial project on main/uat/int, then COMMITS deployments on int; seconds taken."""
    start = time.perf_counter()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    parts = [_commit("refs/heads/main", 1, None, 1_700_000_000, "Initial project")]
    parts.append(b"M 100644 inline sfsync.yml\n" + _blob(sfsync_yml()))
    parts.append(b"M 100644 inline sfdx-project.json\n" + _blob(PROJECT_JSON))
    parts += [f"M 100644 inline {path}\n".encode() + _blob(text) for path, text in files]
    parts.append(b"\n")
    for n in range(COMMITS):
        mark = n + 2
        when = 1_700_000_000 + 60 * (n + 1)
        parts.append(_commit("refs/heads/int", mark, mark - 1, when, f"Deployment {n + 1}"))
        for index in picks(n):
            path, text = files[index]
            parts.append(f"M 100644 inline {path}\n".encode() + _blob(f"{text} v{n}"))
        parts.append(b"\n")
    parts.append(b"reset refs/heads/uat\nfrom :1\n\n")
    stream = b"".join(parts)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=stream, check=True)
    for branch in ("main", "uat", "int"):
        git(repo, "update-ref", f"refs/remotes/origin/{branch}", branch)
    git(repo, "checkout", "-q", "-f", "main")
    git(repo, "config", "sfsync.env", "dev1")
    return time.perf_counter() - start


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def story(repo: Path, behind: int) -> None:
    """dev1 synced to int~behind, on a story branch with one commit of its own on top."""
    from sfsync.pipeline import project, tracking

    branch = f"story-{behind}"
    sync = f"int~{behind}" if behind < COMMITS else "main"
    if not git(repo, "branch", "--list", branch):
        git(repo, "checkout", "-q", "-b", branch, sync)
        own = repo / CLASSES / "MyStory.cls"
        own.parent.mkdir(parents=True, exist_ok=True)
        own.write_text("public class MyStory { }")
        (repo / CLASSES / "MyStory.cls-meta.xml").write_text(CLASS_META)
        git(repo, "add", CLASSES)
        git(repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-qm", "S")
    git(repo, "checkout", "-q", branch)
    tracking.mark_synced(project.load(repo), "dev1", git(repo, "rev-parse", sync))


def sync_sandboxes(repo: Path) -> None:
    """dev2..dev47 synced at distances spread over 0..COMMITS deployments."""
    from sfsync.pipeline import project, tracking

    proj = project.load(repo)
    for n in range(2, SANDBOXES + 1):
        behind = (n * COMMITS) // SANDBOXES
        sync = git(repo, "rev-parse", f"int~{behind}" if behind < COMMITS else "main")
        tracking.mark_synced(proj, f"dev{n}", sync)


def caches(repo: Path) -> list[Path]:
    return sorted((repo / ".git" / "sfsync").glob("behind-*.json"))


def forget(repo: Path) -> None:
    """No cache of commits or names: what a first run finds."""
    for path in caches(repo):
        path.unlink()


def timed(
    cmd: list[str],
    cwd: Path,
    expect: int,
    runs: int = RUNS,
    before: Callable[[], None] | None = None,
) -> list[float]:
    """Wall times (ms) of `runs` fresh processes, after one warm-up run; `before` (untimed)
    runs before each."""
    times = []
    for run in range(runs + 1):
        if before is not None:
            before()
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        elapsed = (time.perf_counter() - start) * 1000
        if proc.returncode != expect:
            raise SystemExit(
                f"{' '.join(cmd)} exited {proc.returncode}, expected {expect}: "
                f"{proc.stderr.decode(errors='replace')[-2000:]}"
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


def sfsync_exe() -> list[str]:
    found = shutil.which("sfsync", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "sfsync"]


def flat_rows(repo: Path) -> list[list[str]]:
    check = [*sfsync_exe(), "check"]
    sync_sandboxes(repo)
    rows = []
    story(repo, 0)
    rows.append(row("flat: sfsync check, up to date", timed(check, repo, 0)))
    for behind in (1, 10):
        story(repo, behind)
        rows.append(row(f"flat: sfsync check, {behind} behind", timed(check, repo, 1)))
    story(repo, COMMITS)
    count = ["git", "rev-list", "--count", "main..int"]
    rows.append(row(f"flat: git rev-list --count, {COMMITS:,} commits", timed(count, repo, 0)))
    first = timed(check, repo, 1, FIRST_RUNS, before=lambda: forget(repo))
    rows.append(row(f"flat: sfsync check, {COMMITS:,} behind, first run", first))
    rows.append(row(f"flat: sfsync check, {COMMITS:,} behind, warm", timed(check, repo, 1)))
    # the cache as a run left it before a fetch brought 10 more deployments
    forget(repo)
    git(repo, "update-ref", "refs/remotes/origin/int", "int~10")
    subprocess.run(check, cwd=repo, capture_output=True, check=False)
    saved = {path: path.read_bytes() for path in caches(repo)}
    git(repo, "update-ref", "refs/remotes/origin/int", "int")

    def restore() -> None:
        for path, data in saved.items():
            path.write_bytes(data)

    after_fetch = timed(check, repo, 1, before=restore)
    label = f"flat: sfsync check, {COMMITS:,} behind, first run after a fetch of 10"
    rows.append(row(label, after_fetch))
    status = [*sfsync_exe(), "status"]
    rows.append(row("flat: sfsync status, 50 environments", timed(status, repo, 0)))
    status_json = [*status, "--json"]  # every deployment of every env: 16 MB of JSON
    json_times = timed(status_json, repo, 0, FIRST_RUNS)
    rows.append(row("flat: sfsync status --json, 50 environments", json_times))
    return rows


def spread_rows(repo: Path) -> list[list[str]]:
    check = [*sfsync_exe(), "check"]
    rows = []
    for behind in (10, COMMITS):
        story(repo, behind)
        rows.append(row(f"spread: sfsync check, {behind:,} behind, warm", timed(check, repo, 1)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        del os.environ[key]  # a hook's GIT_DIR must not retarget the generated repositories
    # an installed package has its bytecode compiled (pip does it); an editable checkout may
    # not, e.g. under PYTHONDONTWRITEBYTECODE: compile it once so every run measures the same
    import sfsync

    compileall.compile_dir(str(Path(sfsync.__file__).parent), quiet=1)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sfsync-bench-") as tmp:
        flat, spread = Path(tmp) / "flat", Path(tmp) / "spread"
        built_flat = generate(flat, flat_files(), flat_picks)
        built_spread = generate(spread, spread_files(), spread_picks)
        rows = [row("python3 -c pass", timed([sys.executable, "-c", "pass"], flat, 0))]
        rows += flat_rows(flat)
        rows += spread_rows(spread)
    load_after = os.getloadavg()
    table = {
        "title": "Hook latency (sfsync check, wall time per git hook run)",
        "columns": ["command", "median ms", "min ms", "max ms", "runs"],
        "rows": rows,
        "notes": [
            f"Repositories: {FILES:,} metadata files and {COMMITS:,} upstream deployments on "
            "int each; flat: one `classes/` folder, one class per deployment (generated in "
            f"{built_flat:.0f} s); spread: many folders, 2-3 files per deployment "
            f"({built_spread:.0f} s). dev1 is synced N deployments back and has one commit of "
            "its own. Each run "
            "is a fresh process; warm: after a run that cached the config, what each commit "
            "changed and the component names; first run: no cache of commits or names; after "
            "a fetch: the cache of a run made 10 deployments earlier. status: 50 environments, "
            f"47 sandboxes synced 0 to {COMMITS:,} back. {os.cpu_count()} CPUs, Python "
            f"{sys.version.split()[0]}, load average {load_before[0]:.1f} before and "
            f"{load_after[0]:.1f} after. Target: median <= 150 ms for the hook after a first "
            "run, < 1 s for status.",
        ],
    }
    args.json_out.write_text(json.dumps(table, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
