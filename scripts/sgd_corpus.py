"""sfsync delta against sfdx-git-delta on sfdx-git-delta's own end-to-end corpus.

The corpus lives on the branches `e2e/base` and `e2e/head` of the sfdx-git-delta repository;
clone it yourself (it is not part of this project) and pass the clone:

    git clone https://github.com/scolladon/sfdx-git-delta sgd
    python scripts/sgd_corpus.py sgd

Both tools run with the corpus's own flags (`--ignore-file .sgdignore
--ignore-destructive-file .sgdignoreDestructive --include-file .sgdinclude
--include-destructive-file .sgdincludeDestructive --ignore-whitespace --generate-delta`).
The corpus holds no `sfdx-project.json` and mixes layouts no single project can hold (`sf`
reads `labels/X.label-meta.xml` only with the decomposeCustomLabelsBeta2 preset, and with
decomposeWorkflowBeta it reads `workflows/X.workflow-meta.xml` as one component), so sfsync
runs twice on a scratch clone: the `*decomposed*` scenario folders with the four
decomposition presets, the others without. Every member and copied file that differs is
printed; `docs/delta-vs-sgd.md` explains each.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SGD_MAIN = ROOT / "node_modules" / "sfdx-git-delta" / "lib" / "main.js"
NODE = ROOT / ".venv" / "bin" / "node"
SFSYNC = ROOT / ".venv" / "bin" / "sfsync"
NS = "{http://soap.sforce.com/2006/04/metadata}"
PLAIN: dict[str, object] = {
    "packageDirectories": [{"path": "test", "default": True}],
    "sourceApiVersion": "62.0",
}
PRESETS = [
    "decomposeCustomLabelsBeta2",
    "decomposePermissionSetBeta2",
    "decomposeSharingRulesBeta",
    "decomposeWorkflowBeta",
]
FLAGS = {
    "ignore": ".sgdignore",
    "ignoreDestructive": ".sgdignoreDestructive",
    "include": ".sgdinclude",
    "includeDestructive": ".sgdincludeDestructive",
}
OPTIONS = {
    "ignore": "--ignore-file",
    "ignoreDestructive": "--ignore-destructive-file",
    "include": "--include-file",
    "includeDestructive": "--include-destructive-file",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def members(manifest: Path) -> set[str]:
    root = ET.parse(manifest).getroot()
    return {
        f"{t.findtext(NS + 'name')}:{m.text}"
        for t in root.findall(NS + "types")
        for m in t.findall(NS + "members")
    }


def copied(out: Path) -> set[str]:
    test = out / "test"
    return {p.relative_to(out).as_posix() for p in test.rglob("*") if p.is_file()}


def run_sgd(corpus: Path, out: Path) -> None:
    config = {
        "from": "e2e-base",
        "to": "e2e-head",
        "output": str(out),
        "source": ["."],
        "repo": str(corpus),
        "generateDelta": True,
        "ignoreWhitespace": True,
        **{key: str(corpus / name) for key, name in FLAGS.items()},
    }
    script = (
        f"const sgd = (await import({json.dumps(SGD_MAIN.as_uri())})).default;"
        f"const work = await sgd({json.dumps(config)});"
        "if (work.warnings.length) console.error(work.warnings.map(String).join('\\n'));"
    )
    subprocess.run([str(NODE), "--input-type=module", "-e", script], cwd=corpus, check=True)


def run_sfsync(corpus: Path, out: Path, presets: bool, scenarios: list[str]) -> list[str]:
    project = {**PLAIN, **({"sourceBehaviorOptions": PRESETS} if presets else {})}
    (corpus / "sfdx-project.json").write_text(json.dumps(project), encoding="utf-8")
    args = [str(SFSYNC), "delta", "--from", "e2e-base", "--to", "e2e-head", "-o", str(out)]
    args += ["--generate-delta", "--ignore-whitespace", "--json"]
    for key, name in FLAGS.items():
        args += [OPTIONS[key], name]
    for scenario in scenarios:
        args += ["--source-dir", f"test/{scenario}"]
    proc = subprocess.run(args, cwd=corpus, capture_output=True, text=True, check=False)
    envelope = json.loads(proc.stdout)
    if envelope["status"] != 0:
        raise SystemExit(f"sfsync failed: {envelope['message']}")
    warnings: list[str] = envelope["result"]["warnings"]
    return warnings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clone", type=Path, help="a clone of sfdx-git-delta with e2e/* fetched")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sgd-corpus-"))
    try:
        corpus = work / "corpus"
        clone = args.clone.resolve()
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(clone), str(corpus)], check=True)
        for branch in ("base", "head"):
            candidates = [f"refs/remotes/origin/e2e/{branch}", f"refs/heads/e2e/{branch}"]
            candidates.append(f"refs/heads/{branch}")
            for ref in candidates:
                found = subprocess.run(
                    ["git", "rev-parse", "-q", "--verify", ref], cwd=clone, capture_output=True
                )
                if found.returncode == 0:
                    git(corpus, "fetch", "-q", str(clone), f"+{ref}:refs/heads/e2e-{branch}")
                    break
            else:
                raise SystemExit(f"{args.clone}: no e2e/{branch} branch; fetch it first")
        git(corpus, "checkout", "-q", "e2e-head")
        run_sgd(corpus, work / "sgd")
        scenarios = sorted(
            {
                p.split("/")[1]
                for rev in ("e2e-base", "e2e-head")
                for p in git(corpus, "ls-tree", "-r", "--name-only", rev, "test").splitlines()
            }
        )
        package: set[str] = set()
        destructive: set[str] = set()
        files: set[str] = set()
        warnings: list[str] = []
        for presets in (False, True):
            chosen = [s for s in scenarios if ("decomposed" in s) == presets]
            out = work / f"sfsync-{'presets' if presets else 'plain'}"
            warnings += run_sfsync(corpus, out, presets, chosen)
            package |= members(out / "package" / "package.xml")
            destructive |= members(out / "destructiveChanges" / "destructiveChanges.xml")
            files |= copied(out)
        sgd = work / "sgd"
        theirs = (
            members(sgd / "package" / "package.xml"),
            members(sgd / "destructiveChanges" / "destructiveChanges.xml"),
            copied(sgd),
        )
        print(
            f"package.xml: sfdx-git-delta {len(theirs[0])}, sfsync {len(package)}; "
            f"destructiveChanges.xml: {len(theirs[1])}, {len(destructive)}; "
            f"copied files: {len(theirs[2])}, {len(files)}"
        )
        for title, sgd_side, ours in zip(
            ("package", "destructive", "copied"), theirs, (package, destructive, files), strict=True
        ):
            for item in sorted(sgd_side - ours):
                print(f"{title}\tonly sfdx-git-delta\t{item}")
            for item in sorted(ours - sgd_side):
                print(f"{title}\tonly sfsync\t{item}")
        for warning in warnings:
            print(f"warning\t{warning}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
