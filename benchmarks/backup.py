"""sfsync backup of a generated org (50,000 components, > 100,000 files) against the naive way.

For each org size (`--sizes`, default 10,000, 25,000 and 50,000 components: is the cost
linear?) an org is generated in sfemu through its back door, with mixed types: Apex classes
and triggers, Lightning web components of 8 files, custom objects with 40 fields each,
layouts, flows, permission sets, static resources, reports and email templates in folders,
each last changed in one of the past 12 months (an org built over time). Then, through the
real pinned `sf`:

- `sfsync backup --env prod --json` (the first backup: full), as its own process: wall time,
  retrieve calls (counted in the emulator's request log), peak RSS;
- on the largest org only: 100 changes made in Setup (the back door: classes edited, added
  and deleted, fields relabelled, reports and components edited), then `sfsync backup`
  again (incremental), checked against the emulator: every changed component is in the new
  backup at its new version and nothing else was retrieved;
- on the largest org only: the naive way peers take on every run,
  `sf project generate manifest --from-org` and one `sf project retrieve start --manifest`
  per chunk of 5,000 members (a chunk the org refuses as too large is split in two).

Writes ``{"title", "columns", "rows", "notes"}`` to ``--json-out``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path

from sfemu import OrgEmulator
from sfemu import types as sfemu_types
from sfemu.emulator import OrgHandle
from sfemu.testing import SfCli, find_sf

API = "62.0"
NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NAIVE_CHUNK = 5_000
FIELDS_PER_OBJECT = 40
LWC_FILES = 8
SFSYNC_YML = "version: 1\nremote: origin\nenvironments:\n  prod: {org: prod, branch: main}\n"
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench Admin",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench Admin",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Org:
    """What was generated: counts by kind."""

    components: int
    mdapi_files: int
    classes: int
    objects: int
    reports: int
    lwc: int


def xml(root: str, body: str) -> str:
    return f"{HEAD}<{root} {NS}>\n{body}</{root}>\n"


def generate(handle: OrgHandle, components: int) -> Org:
    """An org of about `components` components, written through the back door."""
    scale = components / 50_000
    n_objects = max(1, round(300 * scale))
    n_triggers = round(3_000 * scale)
    n_lwc = round(4_000 * scale)
    n_layouts = round(2_000 * scale)
    n_report_folders = max(1, round(100 * scale))
    n_reports = round(4_000 * scale)
    n_email_folders = max(1, round(20 * scale))
    n_emails = round(1_000 * scale)
    n_flows = round(2_000 * scale)
    n_permsets = round(500 * scale)
    n_resources = round(500 * scale)
    others = (
        n_objects * (1 + FIELDS_PER_OBJECT)
        + n_triggers
        + n_lwc
        + n_layouts
        + n_report_folders
        + n_reports
        + n_email_folders
        + n_emails
        + n_flows
        + n_permsets
        + n_resources
    )
    n_classes = max(1, components - others)
    files: dict[str, bytes | str] = {}
    class_meta = xml(
        "ApexClass", f"    <apiVersion>{API}</apiVersion>\n    <status>Active</status>\n"
    )
    for i in range(n_classes):
        files[f"classes/C{i:06d}.cls"] = (
            f"public with sharing class C{i:06d} {{\n    public static Integer value() {{\n"
            f"        return {i};\n    }}\n}}\n"
        )
        files[f"classes/C{i:06d}.cls-meta.xml"] = class_meta
    trigger_meta = xml(
        "ApexTrigger", f"    <apiVersion>{API}</apiVersion>\n    <status>Active</status>\n"
    )
    for i in range(n_triggers):
        files[f"triggers/T{i:05d}.trigger"] = f"trigger T{i:05d} on Account (before insert) {{ }}\n"
        files[f"triggers/T{i:05d}.trigger-meta.xml"] = trigger_meta
    for i in range(n_objects):
        name = f"Obj{i:04d}__c"
        fields = "".join(
            f"    <fields>\n        <fullName>F{j:02d}__c</fullName>\n"
            f"        <label>Field {j}</label>\n        <length>80</length>\n"
            "        <type>Text</type>\n    </fields>\n"
            for j in range(FIELDS_PER_OBJECT)
        )
        files[f"objects/{name}.object"] = xml(
            "CustomObject",
            f"    <deploymentStatus>Deployed</deploymentStatus>\n    <label>Object {i}</label>\n"
            f"    <pluralLabel>Objects {i}</pluralLabel>\n"
            "    <sharingModel>ReadWrite</sharingModel>\n" + fields,
        )
    lwc_meta = xml(
        "LightningComponentBundle",
        f"    <apiVersion>{API}</apiVersion>\n    <isExposed>false</isExposed>\n",
    )
    for i in range(n_lwc):
        name = f"cmp{i:05d}"
        files[f"lwc/{name}/{name}.js"] = (
            'import { LightningElement } from "lwc";\n'
            f"export default class Cmp{i} extends LightningElement {{}}\n"
        )
        files[f"lwc/{name}/{name}.html"] = f"<template><p>component {i}</p></template>\n"
        files[f"lwc/{name}/{name}.css"] = ":host { display: block; }\n"
        files[f"lwc/{name}/{name}.js-meta.xml"] = lwc_meta
        for k in range(LWC_FILES - 4):
            files[f"lwc/{name}/helper{k}.js"] = f"export const helper{k} = () => {i + k};\n"
    for i in range(n_layouts):
        files[f"layouts/Account-Layout {i:04d}.layout"] = xml(
            "Layout",
            "    <layoutSections>\n        <style>TwoColumnsTopToBottom</style>\n"
            "    </layoutSections>\n",
        )
    for f in range(n_report_folders):
        files[f"reports/Folder{f:03d}-meta.xml"] = xml(
            "ReportFolder", f"    <accessType>Public</accessType>\n    <name>Folder {f}</name>\n"
        )
    for i in range(n_reports):
        folder = i % n_report_folders
        files[f"reports/Folder{folder:03d}/R{i:05d}.report"] = xml(
            "Report",
            f"    <format>Tabular</format>\n    <name>Report {i}</name>\n"
            "    <reportType>Opportunity</reportType>\n",
        )
    for f in range(n_email_folders):
        files[f"email/Mail{f:02d}-meta.xml"] = xml(
            "EmailFolder", f"    <accessType>Public</accessType>\n    <name>Mail {f}</name>\n"
        )
    for i in range(n_emails):
        folder = i % n_email_folders
        files[f"email/Mail{folder:02d}/E{i:05d}.email"] = f"Hello {{!Contact.Name}}, #{i}\n"
        files[f"email/Mail{folder:02d}/E{i:05d}.email-meta.xml"] = xml(
            "EmailTemplate",
            f"    <available>true</available>\n    <name>E{i}</name>\n    <type>text</type>\n",
        )
    for i in range(n_flows):
        files[f"flows/Flow{i:05d}.flow"] = xml(
            "Flow",
            f"    <apiVersion>{API}</apiVersion>\n    <label>Flow {i}</label>\n"
            "    <processType>AutoLaunchedFlow</processType>\n    <status>Active</status>\n",
        )
    for i in range(n_permsets):
        files[f"permissionsets/PS{i:04d}.permissionset"] = xml(
            "PermissionSet", f"    <label>Permission set {i}</label>\n"
        )
    for i in range(n_resources):
        files[f"staticresources/Res{i:04d}.resource"] = os.urandom(512)
        files[f"staticresources/Res{i:04d}.resource-meta.xml"] = xml(
            "StaticResource",
            "    <cacheControl>Private</cacheControl>\n"
            "    <contentType>application/octet-stream</contentType>\n",
        )
    # an org built over a year, not in one second: each component was last changed in one of
    # the past 12 months (a change query's window is the day before the last backup)
    months: dict[int, dict[str, bytes | str]] = {}
    for path, data in files.items():
        owner = sfemu_types.component_of(path)
        months.setdefault(zlib.crc32(str(owner).encode()) % 12, {})[path] = data
    today = datetime.datetime.now(datetime.timezone.utc)
    for month, batch in sorted(months.items()):
        when = today - datetime.timedelta(days=30 * (month + 1))
        handle.put_many(batch, by="Bench Admin", when=when.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    count = (
        n_classes + n_triggers + n_objects * (1 + FIELDS_PER_OBJECT) + n_lwc + n_layouts
        + n_report_folders + n_reports + n_email_folders + n_emails + n_flows + n_permsets
        + n_resources
    )  # fmt: skip
    return Org(count, len(files), n_classes, n_objects, n_reports, n_lwc)


def change_100(handle: OrgHandle, org: Org) -> dict[str, str]:
    """100 changes in Setup; what each changed component must look like in the backup."""
    changes: dict[str, bytes | str] = {}
    expect: dict[str, str] = {}
    for i in range(40):  # classes edited
        name = f"C{i * 97 % org.classes:06d}"
        changes[f"classes/{name}.cls"] = f"public class {name} {{ /* edited {i} */ }}\n"
        expect[f"ApexClass:{name}"] = f"edited {i}"
    for i in range(10):  # classes added
        name = f"Added{i:02d}"
        changes[f"classes/{name}.cls"] = f"public class {name} {{ }}\n"
        changes[f"classes/{name}.cls-meta.xml"] = xml(
            "ApexClass", f"    <apiVersion>{API}</apiVersion>\n    <status>Active</status>\n"
        )
        expect[f"ApexClass:{name}"] = f"class {name}"
    for i in range(10):  # reports edited
        path = next(p for p in handle.list() if p.endswith(f"/R{i * 13 % org.reports:05d}.report"))
        changes[path] = xml(
            "Report", f"    <format>Tabular</format>\n    <name>Edited {i}</name>\n"
        )
        expect[f"Report:{path[len('reports/') : -len('.report')]}"] = f"Edited {i}"
    for i in range(10):  # components edited
        name = f"cmp{i * 7 % org.lwc:05d}"
        changes[f"lwc/{name}/{name}.html"] = f"<template><p>edited {i}</p></template>\n"
        expect[f"LightningComponentBundle:{name}"] = f"edited {i}"
    handle.put_many(changes, by="Setup Admin")
    for i in range(20):  # fields relabelled, in Setup, one object at a time
        name = f"Obj{i % org.objects:04d}__c"
        field = f"F{i // org.objects % FIELDS_PER_OBJECT:02d}__c" if org.objects < 20 else "F00__c"
        path = f"objects/{name}.object"
        root = ET.fromstring(handle.read(path))
        for element in root.iter("{http://soap.sforce.com/2006/04/metadata}fields"):
            if element.findtext("{http://soap.sforce.com/2006/04/metadata}fullName") == field:
                label = element.find("{http://soap.sforce.com/2006/04/metadata}label")
                assert label is not None
                label.text = f"Relabelled {i}"
        ET.register_namespace("", "http://soap.sforce.com/2006/04/metadata")
        handle.put(path, HEAD + ET.tostring(root, encoding="unicode") + "\n", by="Setup Admin")
        expect[f"CustomField:{name}.{field}"] = f"Relabelled {i}"
    for i in range(10):  # classes deleted
        name = f"C{org.classes - 1 - i:06d}"
        handle.delete(f"ApexClass:{name}")
        expect[f"ApexClass:{name}"] = ""
    return expect


def retrieve_calls(emu: OrgEmulator) -> int:
    log = emu.root.path / "requests.log"
    if not log.exists():
        return 0
    return sum(
        1 for line in log.read_text(encoding="utf-8").splitlines() if line.endswith(" retrieve")
    )


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Wall time, peak RSS (KiB: the largest of the process and the sf it runs, read by
    wait4) and stdout of one command; fails loudly when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code != 0:
        raise SystemExit(
            f"{' '.join(cmd[:5])} failed ({code}):\n{out.decode()[-3000:]}\n{err.decode()[-3000:]}"
        )
    return elapsed, usage.ru_maxrss, out.decode()


def make_repo(root: Path, env: dict[str, str]) -> Path:
    repo = root / "repo"
    repo.mkdir()
    for args in (["init", "-q", "-b", "main"],):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    (repo / "sfsync.yml").write_text(SFSYNC_YML, encoding="utf-8")
    (repo / "sfdx-project.json").write_text(
        json.dumps(
            {
                "packageDirectories": [{"path": "force-app", "default": True}],
                "sourceApiVersion": API,
            }
        ),
        encoding="utf-8",
    )
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "project"], cwd=repo, env=env, check=True)
    return repo


def naive(sf: SfCli, root: Path, emu: OrgEmulator) -> tuple[float, int, int, int]:
    """generate manifest --from-org + chunked retrieves: seconds, retrieves, files, peak KiB."""
    work = root / "naive"
    work.mkdir()
    (work / "sfdx-project.json").write_text(
        json.dumps(
            {
                "packageDirectories": [{"path": "force-app", "default": True}],
                "sourceApiVersion": API,
            }
        ),
        encoding="utf-8",
    )
    (work / "force-app").mkdir()
    before = retrieve_calls(emu)
    start = time.perf_counter()
    peak = 0
    _, rss, _ = run_measured(
        [str(sf.sf), "project", "generate", "manifest", "--from-org", "prod", "--output-dir",
         str(work), "--json"], work, sf.env,
    )  # fmt: skip
    peak = max(peak, rss)
    root_el = ET.parse(work / "package.xml").getroot()
    ns = "{http://soap.sforce.com/2006/04/metadata}"
    members = [
        (t.findtext(f"{ns}name") or "", (m.text or ""))
        for t in root_el.iter(f"{ns}types")
        for m in t.iter(f"{ns}members")
    ]
    pending = [members[i : i + NAIVE_CHUNK] for i in range(0, len(members), NAIVE_CHUNK)]
    index = 0
    while pending:
        chunk = pending.pop(0)
        index += 1
        manifest = work / f"chunk{index}.xml"
        types: dict[str, list[str]] = {}
        for type_name, member in chunk:
            types.setdefault(type_name, []).append(member)
        body = "".join(
            "<types>" + "".join(f"<members>{m}</members>" for m in ms) + f"<name>{t}</name></types>"
            for t, ms in types.items()
        )
        manifest.write_text(f"{HEAD}<Package {NS}>{body}<version>{API}</version></Package>\n")
        _, rss, out = run_measured(
            [str(sf.sf), "project", "retrieve", "start", "-o", "prod", "--manifest", str(manifest),
             "--ignore-conflicts", "--wait", "60", "--json"], work, sf.env,
        )  # fmt: skip
        peak = max(peak, rss)
        result = json.loads(out[out.index("{") :]).get("result", {})
        if result.get("errorStatusCode") == "LIMIT_EXCEEDED":
            half = len(chunk) // 2
            pending[:0] = [chunk[:half], chunk[half:]]
    took = time.perf_counter() - start
    files = sum(1 for p in (work / "force-app").rglob("*") if p.is_file())
    return took, retrieve_calls(emu) - before, files, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", required=True, type=Path)
    parser.add_argument("--sizes", default="10000,25000,50000", help="org sizes, comma-separated")
    parser.add_argument("--changes", type=int, default=100, help="(fixed at 100)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive full retrieve")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if find_sf() is None:
        print("the pinned sf CLI is missing: run `make setup`", file=sys.stderr)
        return 2
    rows: list[list[object]] = []
    notes: list[str] = []
    load = os.getloadavg()[0]
    per_component: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sf = SfCli(root / "home")
        env = {**sf.env, **IDENTITY}
        with OrgEmulator(root / "emu", progress_polls=0) as emu:
            prod = emu.create_org("prod")
            sf.login(prod, "prod")
            handle = emu.org("prod")
            for size in sizes:
                handle.reset()
                t0 = time.perf_counter()
                org = generate(handle, size)
                made = time.perf_counter() - t0
                work = root / f"size-{size}"
                work.mkdir()
                repo = make_repo(work, env)
                cmd = [sys.executable, "-m", "sfsync", "backup", "--env", "prod", "--json"]
                before = retrieve_calls(emu)
                took, rss, out = run_measured(cmd, repo, env)
                full = json.loads(out)["result"]
                calls = retrieve_calls(emu) - before
                bound = math.ceil(org.mdapi_files / 10_000) + 2
                rows.append([
                    f"{org.components:,}", "sfsync backup (first: full)", calls, bound,
                    f"{full['files']:,}", f"{took:.1f}", f"{rss / 1024:.0f}",
                ])  # fmt: skip
                per_component.append((org.components, took))
                notes.append(
                    f"{org.components:,} components: {org.mdapi_files:,} files in Metadata API "
                    f"format (what the 10,000-file limit counts), {full['files']:,} in the "
                    f"backup (source format); generated in {made:.0f} s."
                )
                if size != sizes[-1]:
                    continue
                expect = change_100(handle, org)
                before = retrieve_calls(emu)
                took_inc, rss_inc, out = run_measured(cmd, repo, env)
                inc = json.loads(out)["result"]
                calls_inc = retrieve_calls(emu) - before
                verified = _verify(repo, env, expect, inc)
                rows.append([
                    f"{org.components:,}", "sfsync backup (incremental, 100 changes)", calls_inc,
                    "", f"{inc['retrieved']} retrieved", f"{took_inc:.1f}", f"{rss_inc / 1024:.0f}",
                ])  # fmt: skip
                asked = ", ".join(inc.get("changeQueries") or []) or "none"
                fell = "; ".join(
                    f"{t}: {w}" for t, w in (inc.get("changeQueryFallbacks") or {}).items()
                )
                notes.append(
                    f"Incremental: {len(inc['added'])} added, {len(inc['changed'])} changed, "
                    f"{len(inc['deleted'])} deleted; {verified}; "
                    f"{took / took_inc:.1f}x faster than the full backup. Types answered by "
                    f"change queries instead of listMetadata: {asked}"
                    + (f" (listed instead: {fell})." if fell else ".")
                )
                if not args.no_naive:
                    n_took, n_calls, n_files, n_rss = naive(sf, work, emu)
                    rows.append([
                        f"{org.components:,}",
                        "naive: generate manifest --from-org + chunked retrieve (every run)",
                        n_calls, "", f"{n_files:,}", f"{n_took:.1f}", f"{n_rss / 1024:.0f}",
                    ])  # fmt: skip
                    notes.append(
                        f"The naive way has no incremental mode: after the 100 changes it "
                        f"retrieves everything again ({n_took:.0f} s here), "
                        f"{n_took / took_inc:.1f}x the incremental backup."
                    )
    if len(per_component) > 1:
        rates = ", ".join(f"{n:,}: {t / n * 1000:.1f} ms" for n, t in per_component)
        notes.append(f"Full backup time per component (linear if flat): {rates}.")
    notes.append(
        "Peak RSS: the largest of the measured process and the sf processes it ran (os.wait4). "
        f"sfemu on 127.0.0.1 in the benchmark's process; {os.cpu_count()} CPUs, load average "
        f"{load:.1f} at the start; sizes measured: {', '.join(f'{s:,}' for s in sizes)}."
    )
    table = {
        "title": "sfsync backup: full and incremental, against the naive full retrieve",
        "columns": [
            "components",
            "run",
            "retrieves",
            "ceil(files/10k)+2",
            "files",
            "wall s",
            "peak MiB",
        ],
        "rows": rows,
        "notes": notes,
    }
    args.json_out.write_text(json.dumps(table, indent=1), encoding="utf-8")
    print(json.dumps(table, indent=1))
    return 0


def _verify(
    repo: Path, env: dict[str, str], expect: dict[str, str], result: dict[str, object]
) -> str:
    """Check the incremental backup against what was changed: every change is in it."""
    names = {c["component"] for key in ("added", "changed", "deleted") for c in result[key]}  # type: ignore[attr-defined]
    missing = sorted(set(expect) - names)
    extra = sorted(names - set(expect))
    tree = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "refs/sfsync-backups/prod"],
        cwd=repo, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    deleted = [k for k, v in expect.items() if not v]
    gone = all(f"/{k.split(':', 1)[1]}.cls" not in tree for k in deleted)
    if missing or extra or not gone:
        return f"CHECK FAILED (missing {missing[:5]}, extra {extra[:5]}, deleted gone: {gone})"
    return "every one of the 100 changes found, nothing else reported"


if __name__ == "__main__":
    raise SystemExit(main())
