"""Run every benchmark, print its table, and write the tables into docs/benchmarks.md.

Each benchmark is a script `benchmarks/<name>.py` that accepts `--json-out FILE` and writes
`{"title": str, "columns": [str], "rows": [[cell]], "notes": [str]}` there. Each runs in its
own process so that timings and peak memory are its own. The benchmarks page holds each table
between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGE = HERE.parent / "docs" / "benchmarks.md"


def discover() -> list[str]:
    return sorted(
        p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_") and p.stem != "run"
    )


def markdown(table: dict[str, object]) -> str:
    columns = [str(c) for c in table["columns"]]  # type: ignore[attr-defined]
    rows = [[str(c) for c in row] for row in table["rows"]]  # type: ignore[attr-defined]
    lines = [f"**{table['title']}**", "", "| " + " | ".join(columns) + " |"]
    lines.append("| " + " | ".join("---" for _ in columns) + " |")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    notes = [str(n) for n in table.get("notes", [])]  # type: ignore[attr-defined]
    if notes:
        lines.append("")
        lines += notes
    return "\n".join(lines)


def update_page(name: str, text: str) -> bool:
    content = PAGE.read_text(encoding="utf-8")
    pattern = re.compile(
        rf"(<!-- bench:{re.escape(name)} -->\n).*?(<!-- /bench:{re.escape(name)} -->)", re.S
    )
    if not pattern.search(content):
        return False
    # the pair may be adjacent (a fresh section) or hold a previous table
    content = pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(2), content)
    tmp = PAGE.with_suffix(".md.tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(PAGE)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument(
        "--update-docs", action="store_true", help="write the tables into docs/benchmarks.md"
    )
    args = parser.parse_args()
    names = args.names or discover()
    failed = 0
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "result.json"
            print(f"== {name}", file=sys.stderr, flush=True)
            proc = subprocess.run(
                [sys.executable, str(HERE / f"{name}.py"), "--json-out", str(out)]
            )
            if proc.returncode != 0 or not out.exists():
                print(f"benchmark {name} failed (exit {proc.returncode})", file=sys.stderr)
                failed += 1
                continue
            table = json.loads(out.read_text(encoding="utf-8"))
        text = markdown(table)
        print(text + "\n")
        if args.update_docs and not update_page(name, text):
            print(f"docs/benchmarks.md has no <!-- bench:{name} --> section", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
