"""Benchmark: `--tests auto` on a generated code base of 1,000 Apex classes.

The code base (`benchmarks/_apexgen.py`) is layered like a real org's: services call
selectors and domain classes, a dozen helpers are used everywhere, seven objects have a
trigger and a handler, about 40% of the classes are tests, with comments, strings, inline
SOQL and generics in every class. Measured, each the median of several runs:

- graph: `graph.build` over the files in memory (lexing, parsing, linking);
- selection: `select.select` for a one-class change, over 200 classes drawn at random;
- end to end: read the files from a git commit (`sources.at_revision`), build, select, as
  `sfsync deploy --tests auto` does before it deploys;
- the share of the local tests picked for a one-class change (median and 90th percentile).

Goal: graph + selection <= 1 s for 1,000 classes.

    python benchmarks/apex_tests.py --json-out result.json [--classes 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _apexgen import codebase

from sfsync.metadata.apex import graph as apexgraph
from sfsync.metadata.apex import select as apexselect
from sfsync.metadata.apex import sources as apexsources


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def _commit(repo: Path, files: dict[str, bytes]) -> str:
    _git(repo, "init", "-q", "-b", "main")
    for path, data in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit",
         "-qm", "code base")  # fmt: skip
    return _git(repo, "rev-parse", "HEAD").strip()


def measure(classes: int, runs: int) -> dict[str, Any]:
    files = codebase(classes)
    graph_times = []
    graph = apexgraph.build(files)
    for _ in range(runs):
        started = time.perf_counter()
        graph = apexgraph.build(files)
        graph_times.append(time.perf_counter() - started)
    code = sorted(
        k
        for k, n in graph.nodes.items()
        if n.unit is not None and not n.unit.is_test and k.startswith("ApexClass:")
    )
    rng = random.Random(11)
    sample = rng.sample(code, min(200, len(code)))
    select_times = []
    shares = []
    local = len(graph.tests())
    for key in sample:
        started = time.perf_counter()
        selection = apexselect.select(graph, [key])
        select_times.append(time.perf_counter() - started)
        shares.append(len(selection.picks) / local)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        sha = _commit(repo, files)
        end_to_end = []
        for index in range(runs):
            started = time.perf_counter()
            read = apexsources.at_revision(repo, sha, ["force-app"])
            built = apexgraph.build(read)
            apexselect.select(built, [sample[index % len(sample)]])
            end_to_end.append(time.perf_counter() - started)
    ordered = sorted(shares)
    return {
        "classes": sum(1 for k in graph.nodes if k.startswith("ApexClass:")),
        "triggers": sum(1 for k in graph.nodes if k.startswith("ApexTrigger:")),
        "tests": local,
        "megabytes": sum(len(v) for v in files.values()) / 1e6,
        "graph": statistics.median(graph_times),
        "select": statistics.median(select_times),
        "endToEnd": statistics.median(end_to_end),
        "shareMedian": statistics.median(shares),
        "shareP90": ordered[int(0.9 * (len(ordered) - 1))],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", type=Path, required=True)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = measure(args.classes, args.runs)
    goal = float(figures["graph"]) + float(figures["select"])
    table = {
        "title": "--tests auto: reference graph and test selection (generated code base)",
        "columns": [
            "code base",
            "graph",
            "selection (one class)",
            "git read + graph + selection",
            "tests picked for one class (median / p90)",
            "goal: graph + selection <= 1 s",
        ],
        "rows": [
            [
                f"{figures['classes']} classes, {figures['triggers']} triggers, "
                f"{figures['tests']} test classes ({float(figures['megabytes']):.1f} MB)",
                f"{float(figures['graph']):.2f} s",
                f"{float(figures['select']) * 1000:.1f} ms",
                f"{float(figures['endToEnd']):.2f} s",
                f"{float(figures['shareMedian']):.1%} / {float(figures['shareP90']):.1%}",
                "met" if goal <= 1.0 else f"missed ({goal:.2f} s)",
            ]
        ],
        "notes": [
            "Medians; selection over 200 one-class changes drawn at random (default depth "
            f"{apexselect.DEFAULT_DEPTH}); load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores. Real code bases: docs/deploy-tests.md "
            "(scripts/apex_replay.py)."
        ],
    }
    args.json_out.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
