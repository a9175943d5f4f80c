"""Dashboard: `sfsync report --html` of 50 environments in 5 tiers and 5,000 events.

Generates (with `git fast-import`) a repository whose `main` holds 600 deployments of Apex
classes (a pool of 1,000), ten branch envs cut from it at different points (prod, uat,
hotfix; int, perf; team0..team4) and 40 developer sandboxes (8 per team) synced some
deployments back; refs/sfsync/envs/* with 5,000 events (100 per env: deploys,
back-promotions, pulls, ignores, rollbacks, each naming 1-4 components) in the format
sfsync writes (`state.Event`/`state.EnvState.to_json`), a backup ref per branch env and a
`sfsync drift --json` result for each branch env. Then times `sfsync report --html` as a
process (the first run, with no cache of what each commit changed, and warm runs) and
measures the site. Targets: <= 3 s, and no page over 500 KB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sfsync.git.state import EnvState, Event

DEPLOYMENTS = 600
POOL = 1_000
EVENTS_PER_ENV = 100
RUNS = 5
CLASSES = "force-app/main/default/classes"
PROJECT_JSON = '{"packageDirectories": [{"path": "force-app", "default": true}]}\n'
META = "<ApexClass><apiVersion>62.0</apiVersion></ApexClass>\n"
BRANCH_ENVS = {  # env: (branch, upstream, how many main deployments back it is cut)
    "prod": ("main", None, 0),
    "uat": ("uat", "prod", 3),
    "hotfix": ("hotfix", "prod", 1),
    "int": ("int", "uat", 8),
    "perf": ("perf", "uat", 12),
    **{f"team{i}": (f"team{i}", "int" if i < 3 else "perf", 14 + 3 * i) for i in range(5)},
}
KINDS = ("deploy", "back-promote", "pull-upstream", "ignore", "rollback")


def config() -> str:
    lines = ["version: 1", "remote: origin", "environments:"]
    for env, (branch, upstream, _) in BRANCH_ENVS.items():
        up = f", upstream: {upstream}" if upstream else ""
        lines.append(f"  {env}: {{org: {env}, branch: {branch}{up}}}")
    for n in range(40):
        lines.append(f"  dev{n}: {{org: dev{n}-sandbox, upstream: team{n % 5}}}")
    return "\n".join(lines) + "\n"


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, input=data, capture_output=True, check=True)
    return proc.stdout.decode().strip()


def blob(text: str) -> bytes:
    raw = text.encode("utf-8")
    return b"data %d\n%s\n" % (len(raw), raw)


def commit(
    ref: str, mark: int, when: int, message: str, files: dict[str, str], parent: str | None
) -> bytes:
    out = [f"commit {ref}\nmark :{mark}\n".encode()]
    out.append(f"committer Dev <dev@example.com> {when} +0000\n".encode())
    out.append(blob(message))
    if parent:
        out.append(f"from {parent}\n".encode())
    for path, text in files.items():
        out.append(f"M 100644 inline {path}\n".encode() + blob(text))
    return b"".join(out)


def build(repo: Path, rng: random.Random) -> dict[str, int]:
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    start = 1_700_000_000
    stream = [
        commit(
            "refs/heads/main",
            1,
            start,
            "Project",
            {"sfsync.yml": config(), "sfdx-project.json": PROJECT_JSON},
            None,
        )
    ]
    for n in range(1, DEPLOYMENTS + 1):
        name = f"Cls{rng.randrange(POOL)}"
        files = {
            f"{CLASSES}/{name}.cls": f"public class {name} {{ // v{n}\n}}\n",
            f"{CLASSES}/{name}.cls-meta.xml": META,
        }
        stream.append(
            commit("refs/heads/main", n + 1, start + 60 * n, f"Deploy {name}", files, f":{n}")
        )
    git(repo, "fast-import", "--quiet", data=b"".join(stream))
    git(repo, "reset", "-q", "--hard", "main")
    for branch, _, back in BRANCH_ENVS.values():
        if branch != "main":
            git(repo, "branch", branch, f"main~{back}")
    # the remote-tracking refs `sfsync status` reads first: a clone that has fetched
    for branch, *_ in BRANCH_ENVS.values():
        git(repo, "update-ref", f"refs/remotes/origin/{branch}", f"refs/heads/{branch}")
    tips = {env: git(repo, "rev-parse", branch) for env, (branch, *_) in BRANCH_ENVS.items()}
    events = state_refs(repo, rng, tips, start)
    backups(repo, start)
    return {"events": events}


def state_refs(repo: Path, rng: random.Random, tips: dict[str, str], start: int) -> int:
    """100 events per env, in the format `state.append_event` writes."""
    envs = [*BRANCH_ENVS, *(f"dev{n}" for n in range(40))]
    stream = []
    mark = 100_000
    count = 0
    for env in envs:
        team = f"team{int(env[3:]) % 5}" if env.startswith("dev") else None
        synced = git(repo, "rev-parse", f"{team}~{rng.randrange(1, 6)}") if team else None
        parent = None
        for n in range(EVENTS_PER_ENV):
            kind = KINDS[n % len(KINDS)] if team else ("deploy", "back-promote")[n % 2]
            comps = tuple(f"ApexClass:Cls{rng.randrange(POOL)}" for _ in range(rng.randint(1, 4)))
            when = f"2024-{1 + n // 10:02d}-{1 + n % 28:02d}T10:{n % 60:02d}:00+00:00"
            event = Event(
                kind=kind,
                who=f"Dev {n % 7} <dev{n % 7}@example.com>",
                when=when,
                org=env,
                from_sha=tips.get(env, synced),
                to_sha=tips.get(env, synced),
                components=comps,
                details={
                    "summary": f"{kind} {env}: {len(comps)} deployed",
                    "deployId": f"0Af{n:012d}",
                },
            )
            new_state = EnvState(synced_to=synced, deployed=tips.get(env))
            mark += 1
            files = {"state.json": _dump(new_state.to_json()), "event.json": _dump(event.to_json())}
            stream.append(
                commit(f"refs/sfsync/envs/{env}", mark, start + n, f"{kind} {env}", files, parent)
            )
            parent = f":{mark}"
            count += 1
    git(repo, "fast-import", "--quiet", data=b"".join(stream))
    return count


def backups(repo: Path, start: int) -> None:
    stream = []
    for index, env in enumerate(BRANCH_ENVS):
        message = (
            f"backup {env}: first backup, 2000 components (full)\n\norg: {env}; 2000 components\n"
        )
        stream.append(
            commit(
                f"refs/sfsync-backups/{env}",
                200_000 + index,
                start,
                message,
                {"sfsync-backup.json": "{}\n"},
                None,
            )
        )
    git(repo, "fast-import", "--quiet", data=b"".join(stream))


def _dump(data: dict[str, object]) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def drift_results(folder: Path, rng: random.Random) -> None:
    folder.mkdir()
    for env in BRANCH_ENVS:
        items = [
            {
                "component": f"ApexClass:Cls{rng.randrange(POOL)}",
                "lastModifiedByName": "Admin",
                "lastModifiedDate": "2024-05-01T00:00:00.000Z",
            }
            for _ in range(rng.randrange(3))
        ]
        result = {
            "env": env,
            "drift": bool(items),
            "changed": items,
            "onlyInOrg": [],
            "missingFromOrg": [],
            "compared": 2000,
            "expected": {"ref": env},
        }
        doc = (
            {"status": 1, "name": "Drift", "message": "", "data": result}
            if items
            else {"status": 0, "result": result}
        )
        (folder / f"{env}.json").write_text(json.dumps(doc), encoding="utf-8")


def report(repo: Path, site: Path, drift: Path) -> tuple[float, float, dict[str, object]]:
    """Wall time, CPU time (user + system, git included) and the --json result."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sfsync",
            "report",
            "--html",
            str(site),
            "--drift",
            str(drift),
            "--json",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - used.ru_utime) + (after.ru_stime - used.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"sfsync report failed: {proc.stdout}{proc.stderr}")
    result: dict[str, object] = json.loads(proc.stdout)["result"]
    return took, cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        del os.environ[key]
    rng = random.Random(23)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sfsync-bench-dashboard-") as tmp:
        repo = Path(tmp) / "crm"
        began = time.perf_counter()
        built = build(repo, rng)
        generated = time.perf_counter() - began
        drift = Path(tmp) / "drift"
        drift_results(drift, rng)
        site = Path(tmp) / "site"
        first, first_cpu, result = report(repo, site, drift)
        runs = [report(repo, site, drift) for _ in range(RUNS)]
        warm = [r[0] for r in runs]
        warm_cpu = [r[1] for r in runs]
        files = [p for p in site.rglob("*.html")]
        sizes = {p.relative_to(site).as_posix(): p.stat().st_size for p in files}
    load_after = os.getloadavg()
    largest = max(sizes.items(), key=lambda item: item[1])
    envs = result["environments"]
    assert isinstance(envs, list)
    rows = [
        ["environments (tiers)", f"{len(envs)} (5)"],
        ["events", f"{result['events']:,}"],
        ["components", f"{result['components']:,}"],
        [
            "first run (no cache of what each commit changed)",
            f"{first:.2f} s ({first_cpu:.2f} s CPU)",
        ],
        [
            f"warm run, median of {RUNS}",
            f"{statistics.median(warm):.2f} s ({statistics.median(warm_cpu):.2f} s CPU)",
        ],
        ["pages", f"{len(sizes):,}"],
        ["index.html", f"{sizes['index.html'] / 1024:.0f} KB"],
        ["largest page", f"{largest[1] / 1024:.0f} KB ({largest[0].split('/')[0]}/...)"],
        ["whole site", f"{sum(sizes.values()) / 1024 / 1024:.1f} MB"],
    ]
    table = {
        "title": "sfsync report --html: 50 environments, 5,000 events",
        "columns": ["measure", "value"],
        "rows": rows,
        "notes": [
            f"A repository of {DEPLOYMENTS} deployments of Apex classes on main (a pool of "
            f"{POOL:,}), 10 branch envs cut from it 0 to 26 deployments back, 40 sandboxes "
            f"synced 1 to 5 back, {built['events']:,} events on refs/sfsync/envs/* (1-4 "
            "components each), a backup ref per branch env and 10 drift results (generated in "
            f"{generated:.0f} s). Each run is `sfsync report --html` as a process, the site "
            "replaced; CPU: user + system time of the process and the git it ran (on a busy "
            f"machine the wall time waits for a CPU). {os.cpu_count()} CPUs, Python "
            f"{sys.version.split()[0]}, load average "
            f"{load_before[0]:.1f} before and {load_after[0]:.1f} after. Targets: <= 3 s, no "
            "page over 500 KB.",
        ],
    }
    args.json_out.write_text(json.dumps(table, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
