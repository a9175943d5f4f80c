"""The ledger: `sfsync log --component` over a long event chain.

Generates (with `git fast-import`) a repository whose `refs/sfsync/envs/int` holds 1,000
and 10,000 events (two years of several deployments a day): deployments of 5 components
each out of 2,000, every tenth event a rollback of an earlier one, claims and releases in
between, as the deploy step records them (`state.json` and `event.json` per commit). Then
times, each as a fresh process: `sfsync log --env int --component ApexClass:C00042 --json`
(one component's history, changed by every fortieth event), `sfsync log --env int --json`
(every event), and the naive way of reading the same records, one `git cat-file` process
per event, next to the floor: one `git cat-file --batch-all-objects --batch` printing every
object of the repository. The git processes of the `--component` run are counted with
`GIT_TRACE`.
Target: <= 1 s for 10,000 events.
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

SIZES = (1_000, 10_000)
COMPONENTS = 2_000
PER_EVENT = 5
RUNS = 5
NAIVE_SAMPLE = 1_000  # the naive reader is timed on this many events and scaled
PROJECT_JSON = '{"packageDirectories": [{"path": "force-app", "default": true}]}\n'
WATCHED = "ApexClass:C00042"
CONFIG = "version: 1\nenvironments:\n  int: {org: int, branch: int}\n"


def _blob(data: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(data), data)


def generate(repo: Path, events: int) -> str:
    """A project on `int` and `events` events on refs/sfsync/envs/int; the sha of one."""
    subprocess.run(["git", "init", "-q", "-b", "int", str(repo)], check=True)
    rng = random.Random(events)
    stream = bytearray()
    when = 1_700_000_000
    stream += b"commit refs/heads/int\nmark :1\n"
    stream += b"committer Bench <bench@example.com> %d +0000\n" % when
    stream += _blob(b"project")
    stream += b"M 100644 inline sfsync.yml\n" + _blob(CONFIG.encode())
    stream += b"M 100644 inline sfdx-project.json\n" + _blob(PROJECT_JSON.encode())
    deploys: list[int] = []
    for n in range(events):
        when += 600
        kind = "deploy"
        if n % 10 == 9 and deploys:
            kind = "rollback"
        elif n % 10 in (3, 4):
            kind = ("claim", "release")[n % 10 - 3]
        names = [f"ApexClass:C{rng.randrange(COMPONENTS):05d}" for _ in range(PER_EVENT)]
        if n % 40 == 0:
            names[0] = WATCHED  # a component some stories keep changing
        if kind == "deploy":
            deploys.append(n)
            details = {"snapshot": f"refs/sfsync/snapshots/int/s{n}", "deleted": []}
        elif kind == "rollback":
            target = rng.choice(deploys)
            details = {"rolledBack": f"{target:040x}", "restored": f"s{target}", "deleted": []}
        else:
            names, details = [], {}
        event = {
            "format": 1,
            "kind": kind,
            "who": "Bench <bench@example.com>",
            "when": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(when)),
            "org": "int",
            "from": f"{n:040x}",
            "to": f"{n + 1:040x}",
            "components": sorted(set(names)),
            "details": details,
        }
        state = {"format": 1, "deployed": f"{n + 1:040x}", "ignored": [], "skipped": []}
        stream += b"commit refs/sfsync/envs/int\nmark :%d\n" % (n + 2)
        stream += b"committer Bench <bench@example.com> %d +0000\n" % when
        stream += _blob(f"{kind} int".encode())
        if n:
            stream += b"from :%d\n" % (n + 1)
        stream += b"deleteall\n"
        stream += b"M 100644 inline event.json\n" + _blob(json.dumps(event).encode())
        stream += b"M 100644 inline state.json\n" + _blob(json.dumps(state).encode())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=bytes(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "int"], cwd=repo, check=True)
    return WATCHED


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, bytes]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env, check=True)
    return time.perf_counter() - start, proc.stdout


def measure(events: int, work: Path) -> list[object]:
    repo = work / f"repo-{events}"
    component = generate(repo, events)
    sfsync = [sys.executable, "-m", "sfsync"]
    one: list[float] = []
    everything: list[float] = []
    history: list[object] = []
    for _ in range(RUNS):
        took, out = timed(
            [*sfsync, "log", "--env", "int", "--component", component, "--json"], repo
        )
        one.append(took)
        history = json.loads(out)["result"]["history"]
        took, out = timed([*sfsync, "log", "--env", "int", "--json"], repo)
        everything.append(took)
        assert len(json.loads(out)["result"]["events"]) == events
    trace = work / f"trace-{events}"
    timed(
        [*sfsync, "log", "--env", "int", "--component", component, "--json"],
        repo,
        {**os.environ, "GIT_TRACE": str(trace)},
    )
    processes = sum("trace: built-in: git" in line for line in trace.read_text().splitlines())
    shas = subprocess.run(
        ["git", "rev-list", "refs/sfsync/envs/int"], cwd=repo, capture_output=True, check=True
    ).stdout.split()
    sample = shas[:NAIVE_SAMPLE]
    start = time.perf_counter()
    for sha in sample:
        subprocess.run(
            ["git", "cat-file", "blob", f"{sha.decode()}:event.json"],
            cwd=repo,
            capture_output=True,
            check=True,
        )
    naive = (time.perf_counter() - start) * len(shas) / len(sample)
    floor = statistics.median(
        timed(["git", "cat-file", "--batch-all-objects", "--batch"], repo)[0] for _ in range(RUNS)
    )
    return [
        f"{events:,}",
        len(history),
        f"{statistics.median(one):.2f} s",
        f"{statistics.median(everything):.2f} s",
        f"{naive:.1f} s",
        f"{floor:.2f} s",
        processes,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="sfsync-bench-ledger-") as tmp:
        for events in SIZES:
            rows.append(measure(events, Path(tmp)))
            print(rows[-1], file=sys.stderr, flush=True)
    table = {
        "title": "sfsync log --component: one component's history from the state ref",
        "columns": [
            "events",
            "entries for the component",
            "log --component (median)",
            "log, every event (median)",
            "one git process per event",
            "git reading every object",
            "git processes",
        ],
        "rows": rows,
        "notes": [
            f"Median of {RUNS} fresh processes each; the per-event reader is timed on "
            f"{NAIVE_SAMPLE:,} events and scaled. Load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        ],
    }
    text = json.dumps(table, indent=2)
    if args.json_out:
        args.json_out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
