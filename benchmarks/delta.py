"""Benchmark: `sfsync delta` against sfdx-git-delta, on a project of a real app's size (about
1,800 files, a 350-path diff) and on a large one (20,000 files, a 5,000-path diff).

Both tools run as fresh processes on the same repository in the same run: sfsync through its
CLI (`sfsync delta`, Python start-up included), sfdx-git-delta through its node API
(`node` importing the pinned package's `lib/main.js`, node start-up included). Each is timed
manifests-only and with `--generate-delta`; peak memory is the child's maximum RSS. The
members both tools list are compared. Also measured: the hook's path, resolving 300 paths
to components in a fresh interpreter including imports and the registry load.

    python benchmarks/delta.py --json-out result.json [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SGD_MAIN = ROOT / "node_modules" / "sfdx-git-delta" / "lib" / "main.js"
NODE = ROOT / ".venv" / "bin" / "node"
SFSYNC = ROOT / ".venv" / "bin" / "sfsync"
BASE = "force-app/main/default"
NS = "http://soap.sforce.com/2006/04/metadata"


def _xml(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'


def _meta(root: str, n: int) -> str:
    return _xml(root, f"    <apiVersion>62.0</apiVersion>\n    <description>v{n}</description>\n")


def project_files(revision: int) -> dict[str, str]:
    """The 20,000 files of the project (contents depend on `revision` where they change)."""
    files: dict[str, str] = {}
    for i in range(4000):  # 8,000 files
        files[f"{BASE}/classes/Service{i:05d}.cls"] = f"public class Service{i:05d} {{ }}\n"
        files[f"{BASE}/classes/Service{i:05d}.cls-meta.xml"] = _meta("ApexClass", 1)
    for i in range(600):  # 2,400 files
        name = f"card{i:04d}"
        for ext in ("js", "html", "css"):
            files[f"{BASE}/lwc/{name}/{name}.{ext}"] = f"/* {name} */\n"
        files[f"{BASE}/lwc/{name}/{name}.js-meta.xml"] = _meta("LightningComponentBundle", 1)
    for o in range(100):  # 4,100 files
        obj = f"Object{o:03d}__c"
        files[f"{BASE}/objects/{obj}/{obj}.object-meta.xml"] = _xml(
            "CustomObject", f"    <label>{obj}</label>\n"
        )
        for f in range(40):
            files[f"{BASE}/objects/{obj}/fields/Field{f:02d}__c.field-meta.xml"] = _xml(
                "CustomField", "    <type>Text</type>\n    <length>80</length>\n"
            )
    for i in range(2000):
        files[f"{BASE}/layouts/Object{i % 100:03d}__c-Layout {i:04d}.layout-meta.xml"] = _xml(
            "Layout", "    <layoutSections/>\n"
        )
    for i in range(1000):
        files[f"{BASE}/flows/Flow{i:04d}.flow-meta.xml"] = _xml("Flow", "    <label>f</label>\n")
    for i in range(700):  # 1,400 files
        files[f"{BASE}/triggers/Trigger{i:04d}.trigger"] = (
            "trigger T on Account (before insert) {}\n"
        )
        files[f"{BASE}/triggers/Trigger{i:04d}.trigger-meta.xml"] = _meta("ApexTrigger", 1)
    for i in range(550):  # 1,100 files
        files[f"{BASE}/pages/Page{i:04d}.page"] = "<apex:page/>\n"
        files[f"{BASE}/pages/Page{i:04d}.page-meta.xml"] = _meta("ApexPage", 1)
    assert len(files) == 20000, len(files)
    if revision == 1:
        return files
    # the second commit: 5,000 changed paths
    for i in range(1500):  # 1,500 modified classes
        files[f"{BASE}/classes/Service{i:05d}.cls"] = f"public class Service{i:05d} {{ int x; }}\n"
    for i in range(500):  # 1,000 added paths
        files[f"{BASE}/classes/NewService{i:04d}.cls"] = "public class NewService {}\n"
        files[f"{BASE}/classes/NewService{i:04d}.cls-meta.xml"] = _meta("ApexClass", 1)
    for i in range(3700, 4000):  # 600 deleted paths
        del files[f"{BASE}/classes/Service{i:05d}.cls"]
        del files[f"{BASE}/classes/Service{i:05d}.cls-meta.xml"]
    for i in range(300):  # 300 bundle edits
        files[f"{BASE}/lwc/card{i:04d}/card{i:04d}.js"] = "/* changed */\n"
    for o in range(25):  # 1,000 changed fields
        obj = f"Object{o:03d}__c"
        for f in range(40):
            files[f"{BASE}/objects/{obj}/fields/Field{f:02d}__c.field-meta.xml"] = _xml(
                "CustomField", "    <type>Text</type>\n    <length>255</length>\n"
            )
    for i in range(400):  # 400 layouts
        files[f"{BASE}/layouts/Object{i % 100:03d}__c-Layout {i:04d}.layout-meta.xml"] = _xml(
            "Layout", "    <layoutSections><label>x</label></layoutSections>\n"
        )
    for i in range(300):  # 300 trigger edits
        files[f"{BASE}/triggers/Trigger{i:04d}.trigger"] = (
            "trigger T on Account (after insert) {}\n"
        )
    for i in range(200):  # 200 deleted fields
        obj = f"Object{50 + i // 40:03d}__c"
        del files[f"{BASE}/objects/{obj}/fields/Field{i % 40:02d}__c.field-meta.xml"]
    return files


def small_project_files(revision: int) -> dict[str, str]:
    """A project the size of a real app (1,834 files); revision 2 changes about 350 paths."""
    files: dict[str, str] = {}
    for i in range(600):  # 1,200 files
        files[f"{BASE}/classes/Svc{i:04d}.cls"] = f"public class Svc{i:04d} {{ }}\n"
        files[f"{BASE}/classes/Svc{i:04d}.cls-meta.xml"] = _meta("ApexClass", 1)
    for i in range(60):  # 240 files
        name = f"tile{i:03d}"
        for ext in ("js", "html", "css"):
            files[f"{BASE}/lwc/{name}/{name}.{ext}"] = f"/* {name} */\n"
        files[f"{BASE}/lwc/{name}/{name}.js-meta.xml"] = _meta("LightningComponentBundle", 1)
    for o in range(10):  # 210 files
        obj = f"Thing{o:02d}__c"
        files[f"{BASE}/objects/{obj}/{obj}.object-meta.xml"] = _xml(
            "CustomObject", f"    <label>{obj}</label>\n"
        )
        for f in range(20):
            files[f"{BASE}/objects/{obj}/fields/F{f:02d}__c.field-meta.xml"] = _xml(
                "CustomField", "    <type>Text</type>\n    <length>80</length>\n"
            )
    for i in range(50):
        files[f"{BASE}/layouts/Thing{i % 10:02d}__c-Layout {i:02d}.layout-meta.xml"] = _xml(
            "Layout", "    <layoutSections/>\n"
        )
    for i in range(30):
        files[f"{BASE}/flows/Flow{i:02d}.flow-meta.xml"] = _xml("Flow", "    <label>f</label>\n")
    for i in range(52):  # 104 files
        files[f"{BASE}/triggers/Trg{i:02d}.trigger"] = "trigger T on Account (before insert) {}\n"
        files[f"{BASE}/triggers/Trg{i:02d}.trigger-meta.xml"] = _meta("ApexTrigger", 1)
    assert len(files) == 1834, len(files)
    if revision == 1:
        return files
    for i in range(120):  # 120 modified classes
        files[f"{BASE}/classes/Svc{i:04d}.cls"] = f"public class Svc{i:04d} {{ int x; }}\n"
    for i in range(20):  # 40 added paths
        files[f"{BASE}/classes/NewSvc{i:02d}.cls"] = "public class NewSvc {}\n"
        files[f"{BASE}/classes/NewSvc{i:02d}.cls-meta.xml"] = _meta("ApexClass", 1)
    for i in range(590, 600):  # 20 deleted paths
        del files[f"{BASE}/classes/Svc{i:04d}.cls"]
        del files[f"{BASE}/classes/Svc{i:04d}.cls-meta.xml"]
    for i in range(30):  # 30 bundle edits
        files[f"{BASE}/lwc/tile{i:03d}/tile{i:03d}.js"] = "/* changed */\n"
    for o in range(3):  # 60 changed fields
        for f in range(20):
            files[f"{BASE}/objects/Thing{o:02d}__c/fields/F{f:02d}__c.field-meta.xml"] = _xml(
                "CustomField", "    <type>Text</type>\n    <length>255</length>\n"
            )
    for i in range(40):  # 40 layouts
        files[f"{BASE}/layouts/Thing{i % 10:02d}__c-Layout {i:02d}.layout-meta.xml"] = _xml(
            "Layout", "    <layoutSections><label>x</label></layoutSections>\n"
        )
    for i in range(20):  # 20 flows
        files[f"{BASE}/flows/Flow{i:02d}.flow-meta.xml"] = _xml("Flow", "    <label>g</label>\n")
    for i in range(20):  # 20 trigger edits
        files[f"{BASE}/triggers/Trg{i:02d}.trigger"] = "trigger T on Account (after insert) {}\n"
    for i in range(12):  # 12 deleted fields
        del files[f"{BASE}/objects/Thing09__c/fields/F{i:02d}__c.field-meta.xml"]
    return files


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def build_repo(repo: Path, files_at: Callable[[int], dict[str, str]]) -> tuple[str, str]:
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "bench@example.com")
    git(repo, "config", "user.name", "bench")
    (repo / "sfdx-project.json").write_text(
        json.dumps(
            {
                "packageDirectories": [{"path": "force-app", "default": True}],
                "sourceApiVersion": "62.0",
            }
        )
    )

    def materialise(files: dict[str, str]) -> None:
        current = (
            {p.relative_to(repo).as_posix() for p in (repo / "force-app").rglob("*") if p.is_file()}
            if (repo / "force-app").exists()
            else set()
        )
        for gone in current - set(files):
            (repo / gone).unlink()
        for path, text in files.items():
            target = repo / path
            if path in current and target.read_text() == text:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)

    materialise(files_at(1))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    materialise(files_at(2))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    head = git(repo, "rev-parse", "HEAD")
    return base, head


# an installed package has its bytecode compiled: let the first (warm-up) run write it
_BYTECODE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB) of one child process; fails loudly on error."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_BYTECODE_ENV
    )
    assert proc.stdout is not None and proc.stderr is not None
    stdout = proc.stdout.read()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(
            f"{cmd[0]} failed ({proc.returncode}):\n{stdout.decode()}\n{stderr.decode()}"
        )
    return elapsed, usage.ru_maxrss


def sgd_cmd(repo: Path, base: str, head: str, out: Path, generate: bool) -> list[str]:
    config = {
        "from": base,
        "to": head,
        "output": str(out),
        "source": ["force-app"],
        "repo": str(repo),
        "generateDelta": generate,
        "ignoreWhitespace": False,
        "apiVersion": 62,
    }
    script = (
        f"const sgd = (await import({json.dumps(SGD_MAIN.as_uri())})).default;"
        f"const work = await sgd({json.dumps(config)});"
        "if (work.warnings.length) console.error(work.warnings.map(String).join('\\n'));"
    )
    return [str(NODE), "--input-type=module", "-e", script]


def sfsync_cmd(base: str, head: str, out: Path, generate: bool) -> list[str]:
    cmd = [str(SFSYNC), "delta", "--from", base, "--to", head, "--output-dir", str(out), "--json"]
    return cmd + (["--generate-delta"] if generate else [])


def members(path: Path) -> set[str]:
    root = ET.parse(path).getroot()
    found = set()
    for types in root.findall(f"{{{NS}}}types"):
        name = types.findtext(f"{{{NS}}}name")
        found |= {f"{name}:{m.text}" for m in types.findall(f"{{{NS}}}members")}
    return found


def hook_path_ms(repo: Path, runs: int) -> tuple[float, float]:
    """Fresh interpreter, 300 paths -> components: (ms after `sfsync.git.repo`, which the hook
    loads anyway: metadata imports + project + registry + resolution; ms including the
    standard-library imports too). Interpreter start-up excluded; median over `runs` after
    one warm-up run that writes the bytecode caches an installed package has."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import sfsync.git.repo\n"
        "t1 = time.perf_counter()\n"
        "from sfsync.metadata.project import Project\n"
        "from sfsync.metadata.resolver import Resolver\n"
        f"r = Resolver(Project.load({str(repo)!r}))\n"
        "paths = [p for p in open('paths.txt').read().split('\\n') if p]\n"
        "names = {r.component(p) for p in paths}\n"
        "t2 = time.perf_counter()\n"
        "print((t2 - t1) * 1000, (t2 - t0) * 1000)\n"
    )
    files = git(repo, "ls-files").splitlines()
    step = max(1, len(files) // 300)
    (repo.parent / "paths.txt").write_text("\n".join(files[::step][:300]))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    marginal, total = [], []
    for run in range(runs + 1):
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=repo.parent,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        if run:
            first, second = out.stdout.split()
            marginal.append(float(first))
            total.append(float(second))
    return statistics.median(marginal), statistics.median(total)


def run_scenario(
    work: Path,
    repo: Path,
    files_at: Callable[[int], dict[str, str]],
    runs: int,
    notes: list[str],
) -> list[list[str]]:
    """Both tools on one repository, manifests only and with --generate-delta."""
    base, head = build_repo(repo, files_at)
    changed = len(git(repo, "diff", "--name-only", base, head).splitlines())
    total = len(git(repo, "ls-files").splitlines())
    project = f"{total:,} files, {changed:,}-path diff"
    rows: list[list[str]] = []
    for generate in (False, True):
        label = "with --generate-delta" if generate else "manifests only"
        results: dict[str, tuple[float, int, Path]] = {}
        for tool in ("sfdx-git-delta 6.31.0", "sfsync"):
            times, peaks = [], []
            out = work / f"out-{tool.split()[0]}-{int(generate)}"
            for run in range(runs + 1):  # run 0 warms the caches and is not counted
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir(parents=True)
                if tool == "sfsync":
                    cmd = sfsync_cmd(base, head, out, generate)
                else:
                    cmd = sgd_cmd(repo, base, head, out, generate)
                elapsed, peak = timed(cmd, repo)
                if run:
                    times.append(elapsed)
                    peaks.append(peak)
            results[tool] = (statistics.median(times), max(peaks), out)
        sgd_t, sgd_mem, sgd_out = results["sfdx-git-delta 6.31.0"]
        our_t, our_mem, our_out = results["sfsync"]
        same = []
        for manifest in ("package/package.xml", "destructiveChanges/destructiveChanges.xml"):
            theirs, ours = members(sgd_out / manifest), members(our_out / manifest)
            same.append(theirs == ours)
            if theirs != ours:
                notes.append(
                    f"{project}, {label}, {manifest}: only sfdx-git-delta lists "
                    f"{sorted(theirs - ours)[:5]} ({len(theirs - ours)}), only sfsync lists "
                    f"{sorted(ours - theirs)[:5]} ({len(ours - theirs)})"
                )
        count = len(members(our_out / "package/package.xml")) + len(
            members(our_out / "destructiveChanges/destructiveChanges.xml")
        )
        rows.append(
            [
                project,
                label,
                "sfdx-git-delta 6.31.0",
                f"{sgd_t:.2f} s",
                f"{sgd_mem / 1024:.0f} MiB",
                "1.0x",
                "",
            ]
        )
        rows.append(
            [
                project,
                label,
                "sfsync",
                f"{our_t:.2f} s",
                f"{our_mem / 1024:.0f} MiB",
                f"{sgd_t / our_t:.1f}x",
                f"{count} members, {'same' if all(same) else 'DIFFERENT'}",
            ]
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=5, help="timed runs on the app-sized project")
    parser.add_argument(
        "--large-runs",
        type=int,
        default=1,
        help="timed runs on the large project (sfdx-git-delta takes minutes there)",
    )
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    parser.add_argument("--hook-only", action="store_true", help="only the hook-path figure")
    parser.add_argument(
        "--only", choices=["app-sized", "large"], help="one project instead of both"
    )
    args = parser.parse_args()
    for needed in (SGD_MAIN, NODE, SFSYNC):
        if not needed.exists():
            print(f"{needed} missing: run `make setup` first", file=sys.stderr)
            return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="sfsync-bench-"))
    rows: list[list[str]] = []
    notes: list[str] = []
    scenarios: list[tuple[str, Callable[[int], dict[str, str]]]] = [
        ("app-sized", small_project_files),
        ("large", project_files),
    ]
    repo = work / "large" / "repo"
    if args.hook_only and repo.exists():
        hook, hook_total = hook_path_ms(repo, max(args.runs, 5))
        print(f"{hook:.1f} ms after sfsync.git.repo, {hook_total:.1f} ms in all")
        return 0
    for scenario, files_at in scenarios:
        if args.only and scenario != args.only:
            continue
        repo = work / scenario / "repo"
        if repo.exists():
            shutil.rmtree(repo)
        runs = args.runs if scenario == "app-sized" else args.large_runs
        rows += run_scenario(work / scenario, repo, files_at, runs, notes)
    hook, hook_total = hook_path_ms(repo, max(args.runs, 5))
    notes.insert(
        0,
        f"Median of {args.runs} runs (app-sized) and {args.large_runs} (large) after a warm-up "
        "run, peak = max RSS of the child process; sfsync runs as its "
        "CLI, sfdx-git-delta through its node API in a fresh node process (start-up included "
        "for both).",
    )
    notes.append(
        f"Hook path, 300 paths -> components in a fresh interpreter: {hook:.1f} ms for the "
        f"metadata imports, project, registry and resolution once `sfsync.git.repo` is loaded "
        f"(the hook loads it anyway); {hook_total:.1f} ms counting the standard-library "
        "imports too (interpreter start-up excluded)."
    )
    table = {
        "title": "sfsync delta vs sfdx-git-delta",
        "columns": ["project", "mode", "tool", "time", "peak memory", "speed-up", "members"],
        "rows": rows,
        "notes": notes,
    }
    args.json_out.write_text(json.dumps(table, indent=2), encoding="utf-8")
    print(json.dumps(table, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
