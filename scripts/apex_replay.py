"""Replay `--tests auto` over the history of a real Apex code base.

For each of the last N first-parent commits that add or change Apex (classes, triggers), the
graph is built from the commit's own source and the tests are selected for the Apex it
changed, as `sfsync deploy --tests auto` would. Reported: the tests selected against all the
local tests, for one-class changes and for all; the time to read the source from git, build
the graph and select; and recall on an independent check: every test class whose code
(comments and strings removed, by the simple expression below, not by sfsync's lexer)
names a changed class or trigger as a whole word must be among the selected.

    python scripts/apex_replay.py --repo /path/to/NPSP --name NPSP --commits 150 \\
        [--depth 3] [--json-out result.json]

The repository is only read (a bare clone works). Nothing of it is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sfsync.metadata.apex import graph as apexgraph
from sfsync.metadata.apex import select as apexselect
from sfsync.metadata.apex import sources as apexsources

# the independent check's own reading of Apex: drop comments and string literals, find words
_NOISE = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)|'(?:[^'\\\n]|\\.)*'?", re.S)
_ISTEST = re.compile(r"@istest\b", re.I)
_TESTMETHOD = re.compile(r"\btestmethod\b", re.I)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def package_dirs(repo: Path, rev: str) -> list[str]:
    try:
        data = json.loads(git(repo, "show", f"{rev}:sfdx-project.json"))
        return [str(d["path"]).strip("./").rstrip("/") for d in data["packageDirectories"]]
    except (subprocess.CalledProcessError, ValueError, KeyError, TypeError):
        return [""]


def apex_commits(repo: Path, limit: int) -> list[tuple[str, list[str]]]:
    """The newest `limit` first-parent commits adding or changing .cls/.trigger files."""
    out: list[tuple[str, list[str]]] = []
    log = git(
        repo, "log", "--first-parent", "-m", "--diff-filter=AM", "--name-only", "--format=@%H",
        "--", "*.cls", "*.trigger",
    )  # fmt: skip
    sha = ""
    files: list[str] = []
    for line in log.splitlines():
        if line.startswith("@"):
            if sha and files:
                out.append((sha, files))
                if len(out) >= limit:
                    return out
            sha, files = line[1:], []
        elif line.endswith((".cls", ".trigger")):
            files.append(line)
    if sha and files and len(out) < limit:
        out.append((sha, files))
    return out


def component(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".cls"):
        return f"ApexClass:{name[:-4]}"
    return f"ApexTrigger:{name[: -len('.trigger')]}"


def check(files: dict[str, bytes], changed: list[str]) -> set[str]:
    """Test classes (with test methods) whose code names a changed class or trigger."""
    names = {c.partition(":")[2].lower() for c in changed}
    if not names:
        return set()
    word = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.I)
    found: set[str] = set()
    for path, data in files.items():
        if not path.endswith(".cls"):
            continue
        code = _NOISE.sub(" ", data.decode("utf-8", errors="replace"))
        name = path.rsplit("/", 1)[-1][:-4]
        # a test class that runs tests: @IsTest on the class and a method, or testMethod
        if len(_ISTEST.findall(code)) < 2 and not _TESTMETHOD.search(code):
            continue
        hits = {m.group(1).lower() for m in word.finditer(code)} - {name.lower()}
        if hits:
            found.add(name.lower())
    return found


def replay(repo: Path, name: str, commits: int, depth: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for sha, paths in apex_commits(repo, commits):
        dirs = package_dirs(repo, sha)
        started = time.perf_counter()
        files = apexsources.at_revision(repo, sha, dirs)
        read = time.perf_counter() - started
        started = time.perf_counter()
        graph = apexgraph.build(files)
        built = time.perf_counter() - started
        changed = sorted({component(p) for p in paths if any(p.startswith(d) for d in dirs)})
        started = time.perf_counter()
        selection = apexselect.select(graph, changed, apexselect.Options(depth=depth))
        selected = time.perf_counter() - started
        local = len(graph.tests())
        picked = {n.lower() for n in selection.names()}
        code_changes = [
            c
            for c in changed
            if (k := graph.key(*c.split(":", 1))) is not None
            and (unit := graph.nodes[k].unit) is not None
            and not unit.is_test
        ]
        expected = check(files, code_changes)
        rows.append(
            {
                "commit": sha[:12],
                "changed": changed,
                "codeChanges": len(code_changes),
                "classes": sum(1 for k in graph.nodes if k.startswith("ApexClass:")),
                "localTests": local,
                "selected": len(picked),
                "share": len(picked) / local if local else 0.0,
                "uncovered": list(selection.uncovered),
                "missed": sorted(expected - picked),
                "readSeconds": read,
                "graphSeconds": built,
                "selectSeconds": selected,
            }
        )
        print(
            f"{name} {sha[:10]} {len(code_changes)} changed: {len(picked)}/{local} tests, "
            f"missed {len(expected - picked)}, graph {built:.2f}s",
            file=sys.stderr,
        )
    return summary(name, rows)


def summary(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    def share(items: list[dict[str, Any]]) -> list[float]:
        return [float(r["share"]) for r in items if int(r["localTests"])]

    one = [r for r in rows if r["codeChanges"] == 1]
    with_code = [r for r in rows if int(r["codeChanges"]) > 0]
    checked = len(with_code)
    missed = [r for r in rows if r["missed"]]
    times = [float(r["graphSeconds"]) + float(r["selectSeconds"]) for r in rows]
    return {
        "name": name,
        "commits": len(rows),
        "oneClassCommits": len(one),
        "classes": rows[0]["classes"] if rows else 0,
        "localTests": rows[0]["localTests"] if rows else 0,
        "medianShareOneClass": statistics.median(share(one)) if share(one) else None,
        "p90ShareOneClass": _p90(share(one)),
        "medianShareAll": statistics.median(share(with_code)) if share(with_code) else None,
        "commitsChecked": checked,
        "commitsWithMisses": len(missed),
        "misses": [{"commit": r["commit"], "missed": r["missed"]} for r in missed][:20],
        "medianGraphAndSelectSeconds": statistics.median(times) if times else None,
        "maxGraphAndSelectSeconds": max(times) if times else None,
        "medianReadSeconds": statistics.median(r["readSeconds"] for r in rows) if rows else None,
        "rows": rows,
    }


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--commits", type=int, default=150)
    parser.add_argument("--depth", type=int, default=apexselect.DEFAULT_DEPTH)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    result = replay(args.repo, args.name, args.commits, args.depth)
    text = json.dumps(result, indent=2)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    brief = {k: v for k, v in result.items() if k != "rows"}
    print(json.dumps(brief, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
