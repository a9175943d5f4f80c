"""Merge by element: time per file as git starts the driver, and a 50-file `git merge`.

Generated metadata files, each changed on both sides in different entries (a clean merge):
typical files (a 300-entry profile, a permission set, a layout, a flow, a labels file, a
picklist field) and a 5,000-entry profile. For each, the driver runs the way git runs it
(`sh -c "<driver> %O %A %B %P"`, a fresh process that writes the result into %A), RUNS times
after a warm-up: median and 95th percentile. Then a repository with 50 such files changed on
both branches is merged with `git merge`, once with the driver (`merge=sfsync` for every
file) and once without (git's line merge; the changes are far enough apart for it to merge
cleanly too), and the same 50 files merged in one fresh Python process (what a merge inside
sfsync can do: one start-up for all files). In the same run: the engine alone in this
process (no process start), and the import time of the engine (`python -X importtime`, the
`sfsync.metadata.merge` modules).
The driver is `sfsync merge-driver` when the installed sfsync has it, else
`python -m sfsync.metadata.merge`. Goals: typical file <= 60 ms median, 5,000-entry profile
<= 300 ms, the 50-file merge no slower than 3x `git merge` without the driver.
"""

# ruff: noqa: E501  (generated metadata: one element per line)

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RUNS = 31
MERGE_RUNS = 7
NS = "http://soap.sforce.com/2006/04/metadata"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def doc(root: str, body: list[str]) -> bytes:
    return f'{HEAD}<{root} xmlns="{NS}">\n{"".join(body)}</{root}>\n'.encode()


def el(tag: str, *children: str, depth: int = 1, **leaves: object) -> str:
    pad = "    " * depth
    inner = "".join(f"{pad}    <{k}>{_text(v)}</{k}>\n" for k, v in leaves.items())
    return f"{pad}<{tag}>\n{inner}{''.join(children)}{pad}</{tag}>\n"


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# --- the files: (path, base, ours, theirs); each side changes entries the other does not


def profile(entries: int, name: str = "Admin") -> tuple[str, bytes, bytes, bytes]:
    """A profile of about `entries` entries: field, object, class, page, tab and user
    permissions, sorted as Salesforce writes them."""
    objects = max(1, entries // 25)
    fields = entries - objects * 2 - 40

    def build(change: Callable[[str, int], bool]) -> bytes:
        body = [
            el("applicationVisibilities", application=f"App{i}", default=False, visible=True)
            for i in range(5)
        ]
        body += [
            el("classAccesses", apexClass=f"Class{i:04d}", enabled=change("class", i))
            for i in range(10)
        ]
        body.append("    <custom>true</custom>\n")
        body += [
            el(
                "fieldPermissions",
                editable=change("field", i),
                field=f"Obj{i % objects:03d}__c.Field{i:05d}__c",
                readable=True,
            )
            for i in sorted(range(fields), key=lambda i: (i % objects, i))
        ]
        body += [el("layoutAssignments", layout=f"Obj{i:03d}__c-Layout") for i in range(objects)]
        body += [
            el("objectPermissions", allowCreate=change("object", i), allowDelete=False, allowEdit=True, allowRead=True,
               modifyAllRecords=False, object=f"Obj{i:03d}__c", viewAllRecords=False)
            for i in range(objects)
        ]  # fmt: skip
        body += [el("pageAccesses", apexPage=f"Page{i:03d}", enabled=True) for i in range(10)]
        body += [
            el("tabVisibilities", tab=f"Obj{i:03d}__c", visibility="DefaultOn") for i in range(10)
        ]
        body.append("    <userLicense>Salesforce</userLicense>\n")
        body += [
            el("userPermissions", enabled=change("user", i), name=f"Perm{i:02d}") for i in range(5)
        ]
        return doc("Profile", body)

    n = fields

    def ours(kind: str, i: int) -> bool:
        return (kind == "field" and i % max(1, n // 10) == 1) or (kind == "object" and i == 0)

    def theirs(kind: str, i: int) -> bool:
        return (kind == "field" and i % max(1, n // 10) == 5) or (kind == "user" and i == 3)

    base = build(lambda kind, i: False)
    return (
        f"force-app/main/default/profiles/{name}.profile-meta.xml",
        base,
        build(ours),
        build(theirs),
    )


def permission_set() -> tuple[str, bytes, bytes, bytes]:
    def build(extra: int, edit_from: int) -> bytes:
        body = [
            el(
                "fieldPermissions",
                editable=i >= edit_from,
                field=f"Account.F{i:03d}__c",
                readable=True,
            )
            for i in range(80 + extra)
        ]
        body.append("    <label>Sales</label>\n")
        body += [el("objectPermissions", allowCreate=True, allowDelete=False, allowEdit=True, allowRead=True,
                    modifyAllRecords=False, object=f"Obj{i}__c", viewAllRecords=False) for i in range(10)]  # fmt: skip
        return doc("PermissionSet", body)

    return (
        "force-app/main/default/permissionsets/Sales.permissionset-meta.xml",
        build(0, 999),
        build(3, 999),
        build(0, 70),
    )


def layout() -> tuple[str, bytes, bytes, bytes]:
    def section(label: str, fields: list[str]) -> str:
        half = len(fields) // 2
        columns = "".join(
            el(
                "layoutColumns",
                *(el("layoutItems", depth=3, behavior="Edit", field=f) for f in part),
                depth=2,
            )
            for part in (fields[:half], fields[half:])
        )
        heading = "".join(
            f"        <{k}>{v}</{k}>\n"
            for k, v in (
                ("customLabel", "false"),
                ("detailHeading", "true"),
                ("editHeading", "true"),
                ("label", label),
            )
        )
        style = "        <style>TwoColumnsTopToBottom</style>\n"
        return f"    <layoutSections>\n{heading}{columns}{style}    </layoutSections>\n"

    def build(first: list[str], last: list[str]) -> bytes:
        body = [section("Information", first)]
        body += [section(f"Section {s}", [f"S{s}F{i}__c" for i in range(8)]) for s in range(3)]
        body.append(section("Details", last))
        body += [el("relatedLists", relatedList=f"Related{i}") for i in range(6)]
        return doc("Layout", body)

    info = [f"F{i}__c" for i in range(10)]
    return (
        "force-app/main/default/layouts/Account-Account Layout.layout-meta.xml",
        build(info, ["D1__c", "D2__c"]),
        build([*info, "New1__c", "New2__c"], ["D1__c", "D2__c"]),
        build(info, ["D1__c", "D2__c", "D3__c", "D4__c"]),
    )


def flow() -> tuple[str, bytes, bytes, bytes]:
    def build(labels: dict[int, str], extra: int) -> bytes:
        body = []
        for i in range(30 + extra):
            body.append(
                el("assignments", depth=1, name=f"Assign_{i:02d}", label=labels.get(i, f"Assign {i}"), locationX=176, locationY=100 * i)
                .replace("    </assignments>\n", f"        <assignmentItems>\n            <assignToReference>v{i}</assignToReference>\n"
                         f"            <operator>Assign</operator>\n            <value>\n                <numberValue>{i}.0</numberValue>\n"
                         f"            </value>\n        </assignmentItems>\n        <connector>\n            <targetReference>Assign_{i + 1:02d}</targetReference>\n"
                         "        </connector>\n    </assignments>\n")
            )  # fmt: skip
        body += [
            "    <apiVersion>60.0</apiVersion>\n",
            "    <label>Bench</label>\n",
            "    <processType>AutoLaunchedFlow</processType>\n",
            "    <status>Active</status>\n",
        ]
        body += [
            el(
                "variables",
                name=f"v{i}",
                dataType="Number",
                isCollection=False,
                isInput=False,
                isOutput=False,
                scale=2,
            )
            for i in range(30)
        ]
        return doc("Flow", body)

    return (
        "force-app/main/default/flows/Bench.flow-meta.xml",
        build({}, 0),
        build({3: "Set three"}, 2),
        build({20: "Set twenty"}, 0),
    )


def labels() -> tuple[str, bytes, bytes, bytes]:
    def build(values: dict[int, str]) -> bytes:
        body = [
            el(
                "labels",
                fullName=f"Label_{i:03d}",
                language="en_US",
                protected=False,
                shortDescription=f"Label {i}",
                value=values.get(i, f"Text {i}"),
            )
            for i in range(200)
        ]
        return doc("CustomLabels", body)

    return (
        "force-app/main/default/labels/CustomLabels.labels-meta.xml",
        build({}),
        build({10: "Changed ten"}),
        build({150: "Changed 150"}),
    )


def picklist_field() -> tuple[str, bytes, bytes, bytes]:
    def build(names: list[str]) -> bytes:
        values = "".join(
            f"            <value>\n                <fullName>{n}</fullName>\n                <default>false</default>\n"
            f"                <label>{n}</label>\n            </value>\n"
            for n in names
        )
        body = [
            "    <fullName>Stage__c</fullName>\n    <label>Stage</label>\n",
            f"    <valueSet>\n        <restricted>true</restricted>\n        <valueSetDefinition>\n{values}"
            "            <sorted>false</sorted>\n        </valueSetDefinition>\n    </valueSet>\n",
        ]
        return doc("CustomField", body)

    names = [f"Value {i}" for i in range(40)]
    return (
        "force-app/main/default/objects/Account/fields/Stage__c.field-meta.xml",
        build(names),
        build([*names[:5], "New A", *names[5:]]),
        build([*names[:30], "New B", *names[30:]]),
    )


TYPICAL: list[tuple[str, Callable[[], tuple[str, bytes, bytes, bytes]]]] = [
    ("profile, 300 entries", lambda: profile(300)),
    ("permission set, 90 entries", permission_set),
    ("layout, 5 sections", layout),
    ("flow, 30 elements", flow),
    ("labels, 200 labels", labels),
    ("picklist field, 40 values", picklist_field),
]


# --- measuring


def driver_command() -> str:
    """The merge driver as `.git/config` would hold it (before git substitutes %O...)."""
    probe = subprocess.run(
        [sys.executable, "-c", "import sfsync.hooks.merge_driver"], capture_output=True
    )
    exe = shutil.which("sfsync", path=str(Path(sys.executable).parent))
    if probe.returncode == 0 and exe:
        return f"{shlex.quote(exe)} merge-driver %O %A %B %P"
    return f"{shlex.quote(sys.executable)} -m sfsync.metadata.merge %O %A %B %P"


def per_file(
    tmp: Path, command: str, path: str, base: bytes, ours: bytes, theirs: bytes
) -> tuple[list[float], list[float]]:
    """Wall and CPU times (ms) of the driver as git starts it, RUNS times after a warm-up."""
    files = {name: tmp / name for name in ("base", "ours", "theirs")}
    files["base"].write_bytes(base)
    files["theirs"].write_bytes(theirs)
    line = (
        command.replace("%O", shlex.quote(str(files["base"])))
        .replace("%A", shlex.quote(str(files["ours"])))
        .replace("%B", shlex.quote(str(files["theirs"])))
        .replace("%P", shlex.quote(path))
    )
    times, cpu = [], []
    for run in range(RUNS + 1):
        files["ours"].write_bytes(ours)
        used = children_cpu()
        start = time.perf_counter()
        proc = subprocess.run(["sh", "-c", line], cwd=tmp, capture_output=True)
        elapsed = (time.perf_counter() - start) * 1000
        if proc.returncode != 0:
            raise SystemExit(f"driver failed on {path}: {proc.stderr.decode(errors='replace')}")
        if run:
            times.append(elapsed)
            cpu.append(children_cpu() - used)
    return times, cpu


def children_cpu() -> float:
    """CPU time (ms, user + system) used so far by the finished child processes: on a loaded
    machine it moves less than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def in_process(path: str, base: bytes, ours: bytes, theirs: bytes) -> float:
    from sfsync.metadata.merge import merge_file

    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = merge_file(base, ours, theirs, path)
        times.append((time.perf_counter() - start) * 1000)
        if not (result.by_element and result.clean):
            raise SystemExit(f"{path}: not a clean element merge ({result.fallback_reason})")
    return statistics.median(times)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


ONE_PROCESS = """
import sys
from pathlib import Path
from sfsync.metadata.merge import merge_file
root = Path(sys.argv[1])
for case in sorted(root.iterdir()):
    path = (case / "path").read_text()
    result = merge_file(*((case / n).read_bytes() for n in ("base", "ours", "theirs")), path)
    assert result.clean and result.by_element, path
    (case / "ours").write_bytes(result.content)
"""


def one_process(tmp: Path, cases: list[tuple[str, bytes, bytes, bytes]]) -> tuple[float, float]:
    """Median wall time (ms) of merging the same files in one fresh Python process, as a
    merge inside sfsync could (the files read and written, start-up and imports included)."""
    root = tmp / "one-process"
    times, cpu = [], []
    for run in range(MERGE_RUNS + 1):
        shutil.rmtree(root, ignore_errors=True)
        for n, (path, base, ours, theirs) in enumerate(cases):
            case = root / f"{n:02d}"
            case.mkdir(parents=True)
            for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
                (case / name).write_bytes(data)
            (case / "path").write_text(path)
        used = children_cpu()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", ONE_PROCESS, str(root)], check=True)
        if run:
            times.append((time.perf_counter() - start) * 1000)
            cpu.append(children_cpu() - used)
    return statistics.median(times), statistics.median(cpu)


def fifty_files(
    tmp: Path, command: str
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Median wall and CPU times (ms) of `git merge` of 50 files changed on both sides, with
    the driver and without; and of merging them in one process."""
    repo = tmp / "repo"
    git(tmp, "init", "-q", "-b", "main", str(repo))
    git(repo, "config", "user.name", "Bench")
    git(repo, "config", "user.email", "bench@example.com")
    git(repo, "config", "merge.sfsync.driver", command)
    cases: list[tuple[str, bytes, bytes, bytes]] = []
    for n in range(50):
        path, base, ours, theirs = TYPICAL[n % len(TYPICAL)][1]()
        stem, _, suffix = path.rpartition("/")[2].partition(".")
        cases.append((f"{path.rpartition('/')[0]}/{stem}{n:02d}.{suffix}", base, ours, theirs))

    def write(which: int) -> None:
        for path, *versions in cases:
            target = repo / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(versions[which - 1])
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"version {which}")

    write(1)
    git(repo, "branch", "theirs")
    write(2)
    git(repo, "checkout", "-q", "theirs")
    write(3)
    git(repo, "checkout", "-q", "main")
    ours_head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()

    def merge(attributes: str) -> tuple[float, float]:
        (repo / ".git" / "info").mkdir(exist_ok=True)
        (repo / ".git" / "info" / "attributes").write_text(attributes)
        times, cpu = [], []
        for run in range(MERGE_RUNS + 1):
            git(repo, "reset", "-q", "--hard", ours_head)
            used = children_cpu()
            start = time.perf_counter()
            proc = subprocess.run(
                ["git", "merge", "-q", "--no-edit", "theirs"], cwd=repo, capture_output=True
            )
            elapsed = (time.perf_counter() - start) * 1000
            if proc.returncode != 0:
                raise SystemExit(
                    f"git merge failed ({attributes.strip()!r}): {proc.stdout.decode()}{proc.stderr.decode()}"
                )
            if run:
                times.append(elapsed)
                cpu.append(children_cpu() - used)
        return statistics.median(times), statistics.median(cpu)

    from sfsync.metadata.merge import gitattributes_patterns

    with_driver = merge("".join(f"{p} merge=sfsync\n" for p in gitattributes_patterns()))
    without = merge("")
    return with_driver, without, one_process(tmp, cases)


def import_ms() -> float:
    """Import time (ms) of what the driver's merge imports beyond the interpreter, from
    `python -X importtime`: the top-level imports' cumulative times (they do not overlap)."""
    code = "import sfsync.metadata.merge.engine, sfsync.metadata.merge.schemas"
    samples = []
    for _ in range(9):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
        )
        total = 0
        for line in proc.stderr.splitlines():
            fields = line.removeprefix("import time:").split("|")
            # a top-level import's name follows one space; a nested one is indented further
            if len(fields) == 3 and fields[2].startswith(" sfsync"):
                total += int(fields[1])
        samples.append(total / 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        del os.environ[key]
    import sfsync

    compileall.compile_dir(str(Path(sfsync.__file__).parent), quiet=1)
    command = driver_command()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="sfsync-bench-merge-") as tmpdir:
        tmp = Path(tmpdir)

        def row(label: str, timed: tuple[list[float], list[float]], *extra: str) -> list[str]:
            wall, cpu = timed
            med, high, spent = statistics.median(wall), p95(wall), statistics.median(cpu)
            return [label, f"{med:.0f}", f"{high:.0f}", f"{spent:.0f}", *extra]

        rows.append(
            row(
                "a process that does nothing (`true`)",
                per_file(tmp, "true %O %A %B %P", "x", b"", b"", b""),
                "",
                "",
            )
        )
        python = f"{shlex.quote(sys.executable)} -c pass %O %A %B %P"
        rows.append(row("`python -c pass`", per_file(tmp, python, "x", b"", b"", b""), "", ""))
        kinds = [*TYPICAL, ("profile, 5,000 entries", lambda: profile(5000))]
        for label, make in kinds:
            path, base, ours, theirs = make()
            timed = per_file(tmp, command, path, base, ours, theirs)
            engine = in_process(path, base, ours, theirs)
            rows.append(row(label, timed, f"{engine:.1f}", f"{len(ours) // 1024} KB"))
        with_driver, without, together = fifty_files(tmp, command)
    load_after = os.getloadavg()
    for label, (wall, spent) in (
        ("50-file `git merge` with the driver", with_driver),
        ("50-file `git merge` without (line merge)", without),
        ("the same 50 files merged in one process", together),
    ):
        rows.append([label, f"{wall:.0f}", "", f"{spent:.0f}", "", ""])
    table = {
        "title": "Merge by element (wall time per file as git starts the driver)",
        "columns": ["file", "median ms", "p95 ms", "CPU ms", "engine alone ms", "size"],
        "rows": rows,
        "notes": [
            f"Driver: `{command.split(' %O')[0].rsplit('/', 1)[-1]}`; {RUNS} runs per file after a "
            f"warm-up, each a fresh process started through `sh -c` as git does; engine alone: "
            f"`merge_file` in this process; CPU ms: user + system time of the process (and its "
            f"children), which a loaded machine inflates less than wall time. The 50-file merge: "
            f"median of {MERGE_RUNS} `git merge` runs, {with_driver[0] / without[0]:.1f}x the "
            f"line merge in wall time, {with_driver[1] / without[1]:.1f}x in CPU time (in one "
            f"process: {together[0] / without[0]:.1f}x and {together[1] / without[1]:.1f}x). "
            f"Engine import time "
            f"{import_ms():.0f} ms (`python -X importtime`). {os.cpu_count()} CPUs, Python "
            f"{sys.version.split()[0]}, load average {load_before[0]:.1f} before and "
            f"{load_after[0]:.1f} after. Goals: typical file <= 60 ms median, 5,000-entry "
            "profile <= 300 ms, 50-file merge <= 3x the line merge.",
        ],
    }
    args.json_out.write_text(json.dumps(table, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
