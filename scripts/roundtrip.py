"""Round-trip real Salesforce projects through sfemu with the real `sf` CLI.

For each project folder (an sfdx project), in a fresh emulated org: convert it with `sf
project convert source`, deploy it whole with `sf project deploy start`, retrieve it back
(Metadata API format, and source format into a fresh project), compare every file with the
conversion by meaning, then delete one component of each type with a destructive manifest
and check the org no longer has it (`sfemu.roundtrip` says how). Types the org refuses in
its own words (a type sfemu does not model, a standard object that cannot be deleted) are
shown as refused.

The projects stay outside this repository; clone them yourself, for example

    git clone https://github.com/trailheadapps/ebikes-lwc ../ebikes-lwc
    .venv/bin/python scripts/roundtrip.py ../ebikes-lwc ../apex-recipes

Nothing in a project folder changes (it is copied first). Values the project's
`replacements` read from the environment (`replaceWithEnv`) are set to a placeholder when
unset. `--markdown` prints the tables as docs/sfemu-real-projects.md has them, `--json-out
FILE` writes every detail. Exit code 1 when a type does not round-trip.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sfemu.roundtrip import ProjectResult, markdown, plain, roundtrip  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the round trip on every project named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="+", type=Path, metavar="PROJECT")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--json-out", type=Path, metavar="FILE", help="write every detail here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders")
    args = parser.parse_args(argv)
    for project in args.projects:
        if not (project / "sfdx-project.json").is_file():
            print(f"{project}: not an sfdx project (no sfdx-project.json)", file=sys.stderr)
            return 2
    results: list[ProjectResult] = []
    for project in args.projects:
        work = Path(tempfile.mkdtemp(prefix="roundtrip-"))
        try:
            result = roundtrip(project, work)
        finally:
            if args.keep:
                print(f"scratch folder kept: {work}", file=sys.stderr)
            else:
                shutil.rmtree(work, ignore_errors=True)
        results.append(result)
        print(markdown(result) if args.markdown else plain(result), flush=True)
        print(flush=True)
    if args.json_out:
        data = [
            {
                "project": r.name,
                "commit": r.commit,
                "deploySeconds": round(r.deploy_seconds, 1),
                "retrieveSeconds": round(r.retrieve_seconds, 1),
                "placeholders": list(r.placeholders),
                "ok": r.ok,
                "rows": [row.to_json() for row in r.rows],
            }
            for r in results
        ]
        args.json_out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
