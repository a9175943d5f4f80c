"""Replay real merges of Salesforce metadata: the element merge against `git merge-file`.

Every merge commit of a repository whose two sides both changed a metadata file gives a
three-way case (the merge base's version, each parent's version) and its answer: the file
the people who made the merge committed. For each case, both the element merge
(`sfsync.metadata.merge`) and git's line merge (`git merge-file`) run, and each result is
counted as: clean and identical to the committed file; clean with the same elements (the
committed file differs in formatting only); clean with the same elements in another order
(entries of a list placed differently); clean but different (the people changed more, or
the merge is wrong); a conflict. Cases that repeat (the same three versions merged again
on another branch) count once.

Clone a public Salesforce project with its history somewhere outside this project, then:

    git clone https://github.com/SalesforceFoundation/NPSP /tmp/npsp
    python scripts/merge_replay.py /tmp/npsp --merges 4000 --json-out replay.json

The figures in docs/merging.md were made this way.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sfsync.metadata.merge import merge_file, supported  # noqa: E402
from sfsync.metadata.merge.xmltree import Unmergeable, parse  # noqa: E402

OUTCOMES = ("identical", "same elements", "same, reordered", "different", "conflict")


def git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, check=True
    ).stdout


class Blobs:
    """File contents by `<rev>:<path>`, through one `git cat-file --batch`."""

    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=repo,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def get(self, spec: str) -> bytes | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(spec.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)
        return data

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


@dataclass(frozen=True)
class Case:
    merge: str
    path: str
    base: bytes
    ours: bytes
    theirs: bytes
    committed: bytes | None


def cases(repo: Path, limit: int) -> list[Case]:
    """Three-way cases from the newest `limit` merge commits reachable from HEAD."""
    lines = git(repo, "rev-list", "--merges", "--parents", f"--max-count={limit}", "HEAD")
    blobs = Blobs(repo)
    found: list[Case] = []
    seen: set[tuple[bytes, bytes, bytes]] = set()
    try:
        for line in lines.decode().splitlines():
            commit, *parents = line.split()
            if len(parents) != 2:
                continue
            proc = subprocess.run(
                ["git", "merge-base", "--all", *parents], cwd=repo, capture_output=True
            )
            bases = proc.stdout.decode().split()
            if proc.returncode != 0 or len(bases) != 1:
                continue  # no base, or a criss-cross merge
            base = bases[0]
            changed = []
            for parent in parents:
                out = git(repo, "diff-tree", "-r", "-z", "--name-only", base, parent)
                changed.append({p for p in out.decode().split("\0") if p})
            for path in sorted(changed[0] & changed[1]):
                if not supported(path):
                    continue
                versions = [blobs.get(f"{rev}:{path}") for rev in (base, *parents)]
                b, o, t = versions
                if b is None or o is None or t is None or o == t or b in (o, t):
                    continue  # added or deleted on a side, or git would not call a driver
                key = (b, o, t)
                if key in seen:
                    continue
                seen.add(key)
                found.append(Case(commit, path, b, o, t, blobs.get(f"{commit}:{path}")))
    finally:
        blobs.close()
    return found


def git_line_merge(base: bytes, ours: bytes, theirs: bytes, tmp: Path) -> tuple[bytes, bool]:
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
        (tmp / name).write_bytes(data)
    proc = subprocess.run(
        ["git", "merge-file", "-p", "ours", "base", "theirs"], cwd=tmp, capture_output=True
    )
    return proc.stdout, proc.returncode == 0


def same_elements(a: bytes, b: bytes | None) -> bool:
    if b is None:
        return False
    try:
        return parse(a).root.sig() == parse(b).root.sig()
    except (Unmergeable, RecursionError):
        return False


def unordered(sig: object) -> object:
    """A signature with every list of children sorted: what is left when order is ignored."""
    if isinstance(sig, tuple) and len(sig) == 4 and isinstance(sig[2], tuple):
        return (sig[0], sig[1], tuple(sorted((unordered(c) for c in sig[2]), key=repr)), sig[3])
    return sig


def same_unordered(a: bytes, b: bytes | None) -> bool:
    if b is None:
        return False
    try:
        return unordered(parse(a).root.sig()) == unordered(parse(b).root.sig())
    except (Unmergeable, RecursionError):
        return False


def outcome(merged: bytes, clean: bool, committed: bytes | None) -> str:
    if not clean:
        return "conflict"
    if merged == committed:
        return "identical"
    if same_elements(merged, committed):
        return "same elements"
    if same_unordered(merged, committed):
        return "same, reordered"
    return "different"


def kind(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name == "package.xml" or name.startswith("destructiveChanges"):
        return "manifest"
    return name.split(".", 1)[1].removesuffix("-meta.xml") if "." in name else name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a clone of a Salesforce project, with history")
    parser.add_argument("--merges", type=int, default=4000, help="newest merge commits to read")
    parser.add_argument("--json-out", type=Path, help="write the figures here")
    parser.add_argument(
        "--cases", type=Path, help="keep the cases in this file, and read them from it next time"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    if args.cases and args.cases.exists():
        with args.cases.open("rb") as fh:
            found = pickle.load(fh)  # a file this script wrote
    else:
        found = cases(args.repo, args.merges)
        if args.cases:
            with args.cases.open("wb") as fh:
                pickle.dump(found, fh)
    tmp = Path(subprocess.run(["mktemp", "-d"], capture_output=True, text=True).stdout.strip())
    totals: dict[str, Counter[str]] = {"element": Counter(), "git": Counter()}
    by_kind: dict[str, Counter[str]] = {}
    fallbacks: Counter[str] = Counter()
    crossed: Counter[tuple[str, str]] = Counter()  # (git outcome, element outcome)
    samples: dict[str, list[dict[str, str]]] = {}
    differs: list[dict[str, str]] = []
    for case in found:
        element = merge_file(case.base, case.ours, case.theirs, case.path)
        if not element.by_element:
            fallbacks[(element.fallback_reason or "").split(" (")[0]] += 1
        ours_outcome = outcome(element.content, element.clean, case.committed)
        line, line_clean = git_line_merge(case.base, case.ours, case.theirs, tmp)
        git_outcome = outcome(line, line_clean, case.committed)
        totals["element"][ours_outcome] += 1
        totals["git"][git_outcome] += 1
        row = by_kind.setdefault(kind(case.path), Counter())
        row["cases"] += 1
        row[f"element {ours_outcome}"] += 1
        row[f"git {git_outcome}"] += 1
        if ours_outcome == "different" and git_outcome in ("identical", "same elements"):
            differs.append({"merge": case.merge, "path": case.path})
        crossed[(git_outcome, ours_outcome)] += 1
        if ours_outcome == "different":
            samples.setdefault(git_outcome, []).append({"merge": case.merge, "path": case.path})
    subprocess.run(["rm", "-rf", str(tmp)], check=True)
    figures = {
        "repository": str(args.repo.resolve().name),
        "merges_read": args.merges,
        "cases": len(found),
        "element": dict(totals["element"]),
        "git": dict(totals["git"]),
        "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
        "fallbacks": dict(fallbacks),
        "element_different_where_git_right": differs,
        "git_then_element": {f"{g} / {e}": n for (g, e), n in sorted(crossed.items())},
        "element_different_samples": {k: v[:20] for k, v in samples.items()},
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"{len(found)} cases from {args.merges} merges of {figures['repository']}")
    print(f"{'':10}" + "".join(f"{o:>17}" for o in OUTCOMES))
    for tool in ("element", "git"):
        print(f"{tool:10}" + "".join(f"{totals[tool][o]:>17}" for o in OUTCOMES))
    print("\nwhere git was:       the element merge was")
    for git_outcome in OUTCOMES:
        row = {e: crossed[(git_outcome, e)] for e in OUTCOMES if crossed[(git_outcome, e)]}
        if row:
            print(f"  {git_outcome:17} {row}")
    if fallbacks:
        print("element merge fell back to git:", dict(fallbacks))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
