"""Round-trip an sfdx project through an emulated org with the real ``sf`` CLI.

``roundtrip(project, work)`` runs, in a fresh emulator under ``work``:

1. ``sf project convert source`` of every package directory: what the project means in
   Metadata API format (the expected files, and a package.xml of its components);
2. ``sf project deploy start`` of every package directory; when the org refuses types it
   does not offer ("Not available for deploy for this organization": sfemu's answer for a
   type it does not model), those types are noted as refused and the rest is deployed again
   by manifest, so the other types still make the trip;
3. ``sf project retrieve start`` of that package.xml twice: in Metadata API format
   (``--target-metadata-dir``) and in source format into a fresh project (where sf checks
   that every component came with the files its type needs), converted again; each file is
   compared with step 1 by meaning (``same_meaning``);
4. one component of each type deleted through ``destructiveChangesPost.xml`` (an active flow
   deactivated by its FlowDefinition in the same deploy, as an org requires), all in one
   deploy, then retrieved again: the org must say it no longer has them. A delete the org
   model refuses with the org's own words (a standard object, a workflow, a field or object
   the project's other components still use) counts as refused, not as a failure; the
   others are deleted without it.

The result is a row per type: components, deployed, came back the same (in both formats),
deleted. ``python scripts/roundtrip.py PROJECT...`` runs it from a shell.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfemu import semantics, types
from sfemu.emulator import OrgEmulator
from sfemu.sfcli import SfCli, SfRun, write_project
from sfemu.types import Component

MD = "http://soap.sforce.com/2006/04/metadata"
NS = "{" + MD + "}"
ORG = "roundtrip"
PLACEHOLDER = "roundtrip-placeholder"
Manifest = dict[str, list[str]]
Files = dict[tuple[str, str], dict[str, bytes]]


@dataclass
class TypeRow:
    """What happened to one metadata type of a project."""

    type: str
    components: int = 0
    deployed: int = 0
    same: int = 0
    deleted: str = ""
    """The component a destructive change named ("" when none was tried)."""
    delete_ok: bool = False
    refused: str = ""
    """The org's words when it refused the type (deploy) or its deletion, as an org does."""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every component deployed and came back the same and the delete worked, or the
        org refused the type (or its deletion) in its own words."""
        if self.problems:
            return False
        if self.refused and self.deployed == 0:
            return True
        return (
            self.deployed == self.components
            and self.same == self.components
            and (self.delete_ok or bool(self.refused) or not self.deleted)
        )

    def to_json(self) -> dict[str, Any]:
        """The row and whether it holds."""
        return {
            "type": self.type,
            "components": self.components,
            "deployed": self.deployed,
            "same": self.same,
            "deleted": self.deleted,
            "deleteOk": self.delete_ok,
            "refused": self.refused,
            "problems": self.problems,
            "ok": self.ok,
        }


@dataclass
class ProjectResult:
    """A project's round trip."""

    name: str
    rows: list[TypeRow]
    commit: str = ""
    deploy_seconds: float = 0.0
    retrieve_seconds: float = 0.0
    placeholders: tuple[str, ...] = ()
    """Environment variables the project's replacements read, set to a placeholder."""

    @property
    def ok(self) -> bool:
        """Every row holds."""
        return all(r.ok for r in self.rows)

    def row(self, type_name: str) -> TypeRow:
        """The row of `type_name` (made when missing)."""
        for r in self.rows:
            if r.type == type_name:
                return r
        made = TypeRow(type_name)
        self.rows.append(made)
        return made


# ----- the meaning of a file -----------------------------------------------------------------


def _element_key(elem: ET.Element) -> tuple[Any, ...]:
    return (
        elem.tag,
        tuple(sorted(elem.attrib.items())),
        (elem.text or "").strip(),
        tuple(_element_key(c) for c in elem),
    )


def _xml_meaning(data: bytes) -> tuple[Any, ...]:
    root = ET.fromstring(data)
    # the order of a metadata document's top-level entries is the org's to choose (it writes
    # them in its own order); below that, order means something (layout items, flow steps)
    entries = Counter(_element_key(c) for c in root)
    return (root.tag, tuple(sorted(root.attrib.items())), tuple(sorted(entries.items(), key=repr)))


def _zip_entries(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, ValueError):
        return None


def same_meaning(path: str, expected: bytes, actual: bytes) -> bool:
    """True when two versions of a Metadata API file say the same thing: XML as elements
    (whitespace between them and the order of the document's top-level entries do not
    count), JSON as values, a zip (a static resource sf zipped) by its entries; anything
    else byte for byte."""
    if expected == actual:
        return True
    if expected[:2] == b"PK" and actual[:2] == b"PK":
        entries = _zip_entries(expected)
        return entries is not None and entries == _zip_entries(actual)
    if path.endswith(".xml") or expected.lstrip().startswith(b"<?xml"):
        try:
            return _xml_meaning(expected) == _xml_meaning(actual)
        except ET.ParseError:
            return False
    if path.endswith(".json"):
        try:
            return bool(json.loads(expected) == json.loads(actual))
        except ValueError:
            return False
    return False


# ----- manifests and files -------------------------------------------------------------------


def read_manifest(path: Path) -> tuple[Manifest, str]:
    """`{type: [members]}` and the version of a package.xml."""
    out: Manifest = {}
    root = ET.parse(path).getroot()
    for t in root.findall(f"{NS}types"):
        name = (t.findtext(f"{NS}name") or "").strip()
        out.setdefault(name, []).extend((m.text or "").strip() for m in t.findall(f"{NS}members"))
    return out, (root.findtext(f"{NS}version") or "62.0").strip()


def write_manifest(path: Path, members: Mapping[str, list[str]], version: str) -> None:
    """A package.xml (or destructive manifest) of `members`."""
    root = ET.Element("Package", xmlns=MD)
    for name in sorted(members):
        t = ET.SubElement(root, "types")
        for m in sorted(members[name]):
            ET.SubElement(t, "members").text = m
        ET.SubElement(t, "name").text = name
    ET.SubElement(root, "version").text = version
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root) + b"\n")


def _owner(rel: str) -> tuple[str, str]:
    """The component a Metadata API file belongs to, found without the emulator's model
    where it has none (a file deep in a type's folder belongs to the folder under it)."""
    comp = types.component_of(rel)
    if comp is not None and types.is_modelled(comp.type):
        return comp.type, comp.full_name
    parts = rel.split("/")
    if parts[0] == "digitalExperiences" and len(parts) >= 4:
        return "DigitalExperienceBundle", f"{parts[1]}/{parts[2]}"
    owner = types.type_of_directory(parts[0])
    if owner is not None and len(parts) >= 3:
        return owner, parts[1]
    return "?", rel


def files_by_component(folder: Path) -> Files:
    """The Metadata API files under `folder` (manifests left out), by owning component."""
    out: Files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if not path.is_file() or rel == "package.xml" or rel.startswith("destructiveChanges"):
            continue
        out.setdefault(_owner(rel), {})[rel] = path.read_bytes()
    return out


def _child_entry(files: Files, mtype: types.MetadataType, member: str) -> bytes | None:
    """The entry of child component `member` in its parent's file, as XML bytes."""
    ptype = types.get(mtype.parent or "")
    if ptype is None:
        return None
    parent = "" if mtype.ignore_parent_name else member.split(".", 1)[0]
    child = member if mtype.ignore_parent_name else member.split(".", 1)[-1]
    for (t, name), fs in files.items():
        if t != ptype.name or (parent and name != parent):
            continue
        for path, data in fs.items():
            if not path.endswith("." + (ptype.suffix or "")):
                continue
            for e in ET.fromstring(data).findall(f"{NS}{mtype.element}"):
                if (e.findtext(f"{NS}{mtype.id_element}") or "").strip() == child:
                    return ET.tostring(e)
    return None


def compare(
    converted: Path, back: Path, manifest: Manifest, result: ProjectResult, label: str
) -> set[tuple[str, str]]:
    """The components whose files (or child entries) came back the same; every other one
    is noted on its type's row."""
    expected = files_by_component(converted)
    actual = files_by_component(back)
    same: set[tuple[str, str]] = set()
    for (t, rel), _ in expected.items():
        if t == "?":
            result.row("(no type)").problems.append(f"{label}: {rel} belongs to no component")
    for type_name, members in manifest.items():
        mtype = types.get(type_name)
        row = result.row(type_name)
        if row.refused and row.deployed == 0:
            continue
        for member in members:
            if mtype is not None and mtype.is_child and mtype.parent:
                want_entry = _child_entry(expected, mtype, member)
                have_entry = _child_entry(actual, mtype, member)
                if have_entry is None:
                    row.problems.append(f"{label}: {member}: not retrieved")
                elif want_entry is not None and same_meaning(".xml", want_entry, have_entry):
                    same.add((type_name, member))
                else:
                    row.problems.append(f"{label}: {member}: came back different")
                continue
            want = expected.get((type_name, member), {})
            have = actual.get((type_name, member), {})
            if not have:
                row.problems.append(f"{label}: {member}: not retrieved")
                continue
            missing = sorted(set(want) - set(have))
            extra = sorted(set(have) - set(want))
            differ = sorted(p for p in set(want) & set(have) if not _same_file(p, want, have))
            if missing or extra or differ:
                row.problems.append(
                    f"{label}: {member}: missing {missing[:3]} extra {extra[:3]} "
                    f"different {differ[:3]}"
                )
            else:
                same.add((type_name, member))
    return same


def _same_file(path: str, want: dict[str, bytes], have: dict[str, bytes]) -> bool:
    # a parent file (objects/X.object) is XML whatever its suffix
    return same_meaning(path + ".xml" if "." in path else path, want[path], have[path])


# ----- running sf ----------------------------------------------------------------------------


def message_of(run: SfRun) -> str:
    """What a failed sf call said, in one line."""
    problems = _failures(run)
    if problems:
        return "; ".join(f"{t}:{n}: {p}" for t, n, p in problems[:5])
    try:
        return str(run.json.get("message") or run.stdout)[:400]
    except ValueError:
        return (run.stdout.strip() or run.stderr.strip())[-400:]


def _failures(run: SfRun) -> list[tuple[str, str, str]]:
    try:
        result = run.result
    except ValueError:
        return []
    files = result.get("files", []) if isinstance(result, dict) else []
    return [
        (str(f.get("type")), str(f.get("fullName")), str(f.get("error")))
        for f in files or []
        if isinstance(f, dict) and f.get("state") == "Failed"
    ]


def _deployed(run: SfRun) -> Counter[str]:
    try:
        result = run.result
    except ValueError:
        return Counter()
    files = result.get("files", []) if isinstance(result, dict) else []
    seen = {
        (str(f.get("type")), str(f.get("fullName")))
        for f in files or []
        if isinstance(f, dict) and f.get("state") in ("Created", "Changed", "Unchanged")
    }
    return Counter(t for t, _ in seen)


def _package_dirs(project: Path) -> list[str]:
    data = json.loads((project / "sfdx-project.json").read_text(encoding="utf-8"))
    return [str(p["path"]) for p in data.get("packageDirectories", [])]


def _apply_replacements(copy: Path) -> tuple[str, ...]:
    """Apply the project's `replacements` (sfdx-project.json) to its copy, as `sf project
    deploy start` applies them to what it sends (`sf project convert source` does not), and
    drop them: the conversion and the deploy then see the same files. A value read from an
    unset environment variable (`replaceWithEnv`) is a placeholder; returns those names."""
    config = copy / "sfdx-project.json"
    data = json.loads(config.read_text(encoding="utf-8"))
    placeholders: set[str] = set()
    for r in data.pop("replacements", []):
        if not isinstance(r, dict):
            continue
        if r.get("replaceWithEnv"):
            name = str(r["replaceWithEnv"])
            value = os.environ.get(name)
            if value is None:
                placeholders.add(name)
                value = PLACEHOLDER
        elif r.get("replaceWithFile"):
            value = (copy / str(r["replaceWithFile"])).read_text(encoding="utf-8")
        else:
            continue
        paths = [copy / str(r["filename"])] if r.get("filename") else []
        if r.get("glob"):
            paths += sorted(copy.glob(str(r["glob"])))
        for path in paths:
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            if r.get("stringToReplace"):
                text = text.replace(str(r["stringToReplace"]), value)
            elif r.get("regexToReplace"):
                text = re.sub(str(r["regexToReplace"]), value.replace("\\", "\\\\"), text)
            path.write_text(text, encoding="utf-8")
    config.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return tuple(sorted(placeholders))


def _commit(project: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(project), "log", "-1", "--format=%h %cs"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


# ----- the round trip ------------------------------------------------------------------------


def roundtrip(project: Path, work: Path) -> ProjectResult:
    """Deploy, retrieve, compare and delete `project`; `work` is an empty scratch folder."""
    name = project.resolve().name
    copy = work / name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".git", "node_modules", ".sf*"))
    names = _apply_replacements(copy)
    result = ProjectResult(name, [], _commit(project), placeholders=names)
    sf = SfCli(work / "home")
    with OrgEmulator(work / "emu", progress_polls=0) as emu:
        sf.login(emu.create_org(ORG, sandbox=True), ORG)
        dirs = _package_dirs(copy)
        converted = work / "converted"
        run = sf.run(
            "project", "convert", "source", "--output-dir", str(converted),
            *_each("--source-dir", dirs), cwd=copy, timeout=900,
        )  # fmt: skip
        if run.exit_code != 0:
            raise RuntimeError(f"{name}: sf project convert source failed: {message_of(run)}")
        manifest, version = read_manifest(converted / "package.xml")
        for type_name, members in sorted(manifest.items()):
            result.row(type_name).components = len(members)
        _deploy(sf, copy, work, dirs, manifest, version, result)
        _retrieve(sf, copy, work, converted, manifest, version, result)
        _delete(sf, copy, work, manifest, version, result)
    result.rows.sort(key=lambda r: r.type)
    return result


def _each(flag: str, values: list[str]) -> list[str]:
    return [item for v in values for item in (flag, v)]


def _deploy(
    sf: SfCli,
    copy: Path,
    work: Path,
    dirs: list[str],
    manifest: Manifest,
    version: str,
    result: ProjectResult,
) -> None:
    t0 = time.perf_counter()
    run = sf.run(
        "project", "deploy", "start", "-o", ORG, "--wait", "60", *_each("--source-dir", dirs),
        cwd=copy, timeout=3600,
    )  # fmt: skip
    refused = {t for t, _, problem in _failures(run) if problem.startswith(types.NOT_AVAILABLE)}
    if run.exit_code != 0 and refused:
        # the org refused types it does not offer: note them, deploy the others by manifest
        for failure in _failures(run):
            if failure[0] in refused:
                result.row(failure[0]).refused = failure[2]
        kept = {t: ms for t, ms in manifest.items() if t not in refused}
        write_manifest(work / "deployable" / "package.xml", kept, version)
        run = sf.run(
            "project", "deploy", "start", "-o", ORG, "--wait", "60", "--manifest",
            str(work / "deployable" / "package.xml"), cwd=copy, timeout=3600,
        )  # fmt: skip
    result.deploy_seconds = time.perf_counter() - t0
    for type_name, count in _deployed(run).items():
        if type_name in manifest:  # sf also reports children (CustomFieldTranslation) alone
            result.row(type_name).deployed = count
    if run.exit_code != 0:
        for type_name, full_name, problem in _failures(run) or [("(deploy)", "", message_of(run))]:
            result.row(type_name).problems.append(f"deploy {full_name}: {problem}")


def _retrieve(
    sf: SfCli,
    copy: Path,
    work: Path,
    converted: Path,
    manifest: Manifest,
    version: str,
    result: ProjectResult,
) -> None:
    wanted = {t: ms for t, ms in manifest.items() if not result.row(t).refused}
    write_manifest(work / "wanted" / "package.xml", wanted, version)
    package = str(work / "wanted" / "package.xml")
    out = work / "retrieved"
    t0 = time.perf_counter()
    run = sf.run(
        "project", "retrieve", "start", "-o", ORG, "--manifest", package,
        "--target-metadata-dir", str(out), "--unzip", "--wait", "60", cwd=copy, timeout=3600,
    )  # fmt: skip
    result.retrieve_seconds = time.perf_counter() - t0
    same_md: set[tuple[str, str]] = set()
    if run.exit_code != 0:
        result.row("(retrieve)").problems.append(f"metadata format: {message_of(run)}")
    else:
        found = sorted(out.rglob("package.xml"), key=lambda p: len(p.parts))
        back = found[0].parent if found else out
        same_md = compare(converted, back, wanted, result, "metadata format")
    # the same retrieve in source format, as sfsync asks for it: into a fresh project (sf
    # checks here that every component came with the files its type needs), then converted
    source_back = work / "source-back"
    write_project(source_back, api_version=version)
    run = sf.run(
        "project", "retrieve", "start", "-o", ORG, "--manifest", package, "--wait", "60",
        cwd=source_back, timeout=3600,
    )  # fmt: skip
    same_src: set[tuple[str, str]] = set()
    if run.exit_code != 0:
        result.row("(retrieve)").problems.append(f"source format: {message_of(run)}")
    else:
        reconverted = work / "reconverted"
        run = sf.run(
            "project", "convert", "source", "--source-dir", "force-app",
            "--output-dir", str(reconverted), cwd=source_back, timeout=900,
        )  # fmt: skip
        if run.exit_code != 0:
            result.row("(retrieve)").problems.append(f"convert: {message_of(run)}")
        else:
            same_src = compare(converted, reconverted, wanted, result, "source format")
    for type_name, _member in sorted(same_md & same_src):
        result.row(type_name).same += 1


def pick_deletions(manifest: Manifest, skip: set[str]) -> dict[str, str]:
    """One member of each type to delete in one deploy: the last custom object, and of every
    other type the last member that does not belong to it (its fields, layouts...)."""
    objects = sorted(manifest.get("CustomObject", []))
    custom = [m for m in objects if types.is_custom_object_name(m)]
    # a custom object goes with what belongs to it; a standard one is refused by the org
    gone = custom[-1:] if "CustomObject" not in skip else []
    picks: dict[str, str] = {}
    if objects and "CustomObject" not in skip:
        picks["CustomObject"] = (custom or objects)[-1]
    ordered = sorted(manifest.items(), key=lambda kv: (_is_child(kv[0]), kv[0]))
    for type_name, members in ordered:
        if type_name in skip or type_name in picks or type_name == "CustomLabels":
            # CustomLabels holds every label of the org: its labels are deleted one by one
            continue
        mtype = types.get(type_name)
        parent_pick = picks.get(mtype.parent or mtype.container or "") if mtype else None
        candidates = sorted(
            m
            for m in members
            if m != "*"
            and not any(m.startswith(f"{g}.") or m.startswith(f"{g}-") for g in gone)
            and not (parent_pick and m.startswith(f"{parent_pick}."))
        )
        if mtype is not None and mtype.is_child and not mtype.ignore_parent_name:
            custom = [m for m in candidates if m.endswith("__c")]
            candidates = custom or candidates
        if candidates:
            picks[type_name] = candidates[-1]
    return picks


_IN_USE = (semantics.APEX_IN_USE, semantics.FIELD_IN_USE, semantics.OBJECT_IN_USE)


def _is_child(type_name: str) -> bool:
    """True for a type whose members live in another's file or folder (picked after it)."""
    mtype = types.get(type_name)
    return mtype is not None and (mtype.is_child or mtype.container is not None)


def _delete(
    sf: SfCli, copy: Path, work: Path, manifest: Manifest, version: str, result: ProjectResult
) -> None:
    skip = {r.type for r in result.rows if r.refused or r.deployed == 0}
    picks = pick_deletions(manifest, skip)
    refusals = {
        t: text for t, m in picks.items() if (text := semantics.undeletable(Component(t, m)))
    }
    for type_name, member in picks.items():
        result.row(type_name).deleted = member
    for type_name, text in refusals.items():
        # the org refuses these in its own words: try them alone and expect exactly that
        run = _destroy(
            sf, copy, work / f"delete-{type_name}", {type_name: picks[type_name]}, version
        )
        row = result.row(type_name)
        if run.exit_code != 0 and any(problem == text for *_, problem in _failures(run)):
            row.refused = text
        else:
            row.problems.append(f"delete {picks[type_name]}: expected the org's refusal '{text}'")
    deletable = {t: m for t, m in picks.items() if t not in refusals}
    if not deletable:
        return
    run = _destroy(sf, copy, work / "delete", deletable, version)
    for attempt in range(len(picks)):
        # what other metadata of the project still uses is refused, as an org refuses it
        # ("This custom object is used by another feature. ..."): note it, delete the rest
        failures = _failures(run)
        if run.exit_code == 0 or not failures:
            break
        if not all(problem.startswith(_IN_USE) for *_, problem in failures):
            break
        for type_name, _, problem in failures:
            result.row(type_name).refused = problem
            deletable.pop(type_name, None)
        if not deletable:
            return
        run = _destroy(sf, copy, work / f"delete-{attempt + 2}", deletable, version)
    if run.exit_code != 0:
        for type_name, member, problem in _failures(run) or [("(delete)", "", message_of(run))]:
            result.row(type_name).problems.append(f"delete {member}: {problem}")
        return
    # the org must now say it has none of them
    write_manifest(work / "gone" / "package.xml", {t: [m] for t, m in deletable.items()}, version)
    run = sf.run(
        "project", "retrieve", "start", "-o", ORG, "--manifest",
        str(work / "gone" / "package.xml"), "--target-metadata-dir", str(work / "gone-out"),
        "--wait", "60", cwd=copy, timeout=900,
    )  # fmt: skip
    try:
        messages = run.result.get("messages", []) if isinstance(run.result, dict) else []
    except ValueError:
        messages = []
    said = " ".join(str(m.get("problem", "")) for m in messages if isinstance(m, dict))
    for type_name, member in deletable.items():
        row = result.row(type_name)
        if f"Entity of type '{type_name}' named '{member}' cannot be found" in said:
            row.delete_ok = True
        elif member not in _listed(sf, copy, type_name, member):
            # sf retrieves some children through their parent (BotVersion in its Bot):
            # listMetadata of the type says whether the org still has it
            row.delete_ok = True
        else:
            row.problems.append(f"delete {member}: the org still has it")


def _listed(sf: SfCli, copy: Path, type_name: str, member: str) -> set[str]:
    """The full names `sf org list metadata` gives for `type_name` (in `member`'s folder)."""
    args = ["org", "list", "metadata", "-o", ORG, "--metadata-type", type_name]
    mtype = types.get(type_name)
    if mtype is not None and mtype.in_folder and "/" in member:
        args += ["--folder", member.split("/", 1)[0]]
    run = sf.run(*args, cwd=copy)
    try:
        items = run.result
    except ValueError:
        items = None
    if run.exit_code != 0 or not isinstance(items, list):
        return {member}  # not known to be gone
    return {str(i.get("fullName")) for i in items if isinstance(i, dict)}


def _destroy(sf: SfCli, copy: Path, folder: Path, picks: Mapping[str, str], version: str) -> SfRun:
    """Deploy a destructiveChangesPost.xml of `picks` (active flows deactivated first)."""
    package: Manifest = {}
    flow = picks.get("Flow")
    if flow is not None:
        # an active flow cannot be deleted: its FlowDefinition deactivates it in the same
        # deploy, and destructiveChangesPost is applied after the package
        path = folder / "flowDefinitions" / f"{flow}.flowDefinition"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<FlowDefinition xmlns="{MD}">\n    <activeVersionNumber>0</activeVersionNumber>\n'
            "</FlowDefinition>\n",
            encoding="utf-8",
        )
        package["FlowDefinition"] = [flow]
    write_manifest(folder / "package.xml", package, version)
    write_manifest(
        folder / "destructiveChangesPost.xml", {t: [m] for t, m in picks.items()}, version
    )
    return sf.run(
        "project", "deploy", "start", "-o", ORG, "--metadata-dir", str(folder), "--wait", "60",
        cwd=copy, timeout=1800,
    )  # fmt: skip


# ----- output --------------------------------------------------------------------------------


def markdown(result: ProjectResult) -> str:
    """The project's rows as a Markdown table."""
    head = (
        f"**{result.name}**" + (f" ({result.commit})" if result.commit else "") + ": "
        f"deploy {result.deploy_seconds:.0f} s, retrieve {result.retrieve_seconds:.0f} s"
    )
    lines = [
        head,
        "",
        "| type | components | deployed | came back the same | one deleted |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for r in result.rows:
        if r.refused and r.deployed == 0:
            deleted = "-"
        elif r.refused:
            deleted = f"refused: {r.refused}"
        elif not r.deleted:
            deleted = "-"
        else:
            deleted = "yes" if r.delete_ok else "**no**"
        note = f" (refused: {r.refused})" if r.refused and r.deployed == 0 else ""
        mark = "" if r.ok else " **(fails)**"
        lines.append(
            f"| {r.type}{mark} | {r.components} | {r.deployed}{note} | {r.same} | {deleted} |"
        )
    return "\n".join(lines)


def plain(result: ProjectResult) -> str:
    """The project's rows, one line each, with what went wrong."""
    lines = [f"{result.name} ({result.commit}): {'ok' if result.ok else 'FAILED'}"]
    if result.placeholders:
        lines.append(f"  placeholders set for: {', '.join(result.placeholders)}")
    for r in result.rows:
        state = "ok " if r.ok else "BAD"
        deleted = r.deleted or "-"
        if r.deleted and not r.delete_ok:
            deleted += " (refused)" if r.refused else " (NOT deleted)"
        lines.append(
            f"  {state} {r.type:<32} {r.components:>4} deployed {r.deployed:>4} "
            f"same {r.same:>4}  deleted {deleted}"
        )
        if r.refused and r.deployed == 0:
            lines.append(f"      refused: {r.refused}")
        lines.extend(f"      {p}" for p in r.problems[:5])
        if len(r.problems) > 5:
            lines.append(f"      ... and {len(r.problems) - 5} more")
    return "\n".join(lines)
