"""sfemu throughput: deploy, retrieve and listMetadata of N Apex classes, in process and via sf.

Writes ``{"title", "columns", "rows", "notes"}`` to ``--json-out``.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
import zipfile
from pathlib import Path

from sfemu import OrgEmulator
from sfemu import deploy as dp
from sfemu import retrieve as rt
from sfemu.jobs import Emulator
from sfemu.testing import SfCli, write_project

META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
)


def _zip(n: int) -> bytes:
    members = "".join(f"<members>C{i:05d}</members>" for i in range(n))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "package.xml",
            '<Package xmlns="http://soap.sforce.com/2006/04/metadata">'
            f"<types>{members}<name>ApexClass</name></types><version>62.0</version></Package>",
        )
        for i in range(n):
            zf.writestr(f"classes/C{i:05d}.cls", f"public class C{i:05d} {{}}\n")
            zf.writestr(f"classes/C{i:05d}.cls-meta.xml", META)
    return buf.getvalue()


def in_process(n: int, root: Path) -> list[object]:
    emu = OrgEmulator(root)
    emu.root.create_org("bench")
    store = emu.root.store("bench")
    data = _zip(n)
    t0 = time.perf_counter()
    plan = dp.plan(store, data, dp.DeployOptions())
    dp.apply(store, plan, "Bench")
    t1 = time.perf_counter()
    out = rt.retrieve(store, {"ApexClass": ["*"]}, "62.0")
    t2 = time.perf_counter()
    listed = Emulator(emu.root).list_metadata(store.info, [{"type": "ApexClass"}])
    t3 = time.perf_counter()
    assert len(listed) == n and out.success
    return [n, f"{len(data) / 1024:.0f} KiB", f"{t1 - t0:.2f}", f"{t2 - t1:.2f}", f"{t3 - t2:.3f}"]


def via_sf(n: int, root: Path) -> list[object]:
    with OrgEmulator(root / "emu", progress_polls=0) as emu:
        org = emu.create_org("bench")
        sf = SfCli(root / "home")
        sf.login(org, "bench")
        default = write_project(root / "project")
        (default / "classes").mkdir()
        for i in range(n):
            (default / "classes" / f"C{i:05d}.cls").write_text(f"public class C{i:05d} {{}}\n")
            (default / "classes" / f"C{i:05d}.cls-meta.xml").write_text(META)
        t0 = time.perf_counter()
        run = sf.run("project", "deploy", "start", "-o", "bench", "-d", "force-app",
                     cwd=root / "project")  # fmt: skip
        t1 = time.perf_counter()
        assert run.exit_code == 0, run.stdout[:500]
        run = sf.run("project", "retrieve", "start", "-o", "bench", "-m", "ApexClass",
                     cwd=root / "project")  # fmt: skip
        t2 = time.perf_counter()
        assert run.exit_code == 0, run.stdout[:500]
        t3 = time.perf_counter()
        run = sf.run("org", "display", "-o", "bench")
        t4 = time.perf_counter()
    return [n, f"{t1 - t0:.1f}", f"{t2 - t1:.1f}", f"{t4 - t3:.1f}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", required=True, type=Path)
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--sf-size", type=int, default=1000)
    args = parser.parse_args()
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            rows.append(in_process(n, Path(tmp) / f"in-{n}"))
        sf_row = via_sf(args.sf_size, Path(tmp) / "sf")
    table = {
        "title": "sfemu: Apex classes deployed, retrieved and listed (seconds)",
        "columns": ["classes", "zip", "deploy (plan+apply)", "retrieve *", "listMetadata"],
        "rows": rows,
        "notes": [
            f"Through the real sf CLI, {sf_row[0]} classes: `project deploy start` "
            f"{sf_row[1]} s, `project retrieve start -m ApexClass` {sf_row[2]} s, "
            f"`org display` (CLI start-up and one call) {sf_row[3]} s.",
        ],
    }
    args.json_out.write_text(json.dumps(table, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
