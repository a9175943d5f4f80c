"""Oracle: sfsync resolves paths to the same components as the real, pinned `sf` CLI.

Runs `sf project generate manifest` (no org needed) over a generated project covering the
sample table (and once more with the decomposition presets), and validates a
`--generate-delta` folder with `sf project convert source` and `generate manifest`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from gitfixtures import commit, git, init_project, remove, write
from metadata_samples import CASES, IN_FILE, content_for, element_member
from sfsync.metadata.delta import compute_delta, flatten
from sfsync.metadata.project import Project
from sfsync.metadata.resolver import Resolver
from sfsync.metadata.writer import write_delta

SF = REPO_ROOT / "node_modules" / ".bin" / "sf"
NS = {"p": "http://soap.sforce.com/2006/04/metadata"}
BASE = "force-app/main/default"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not SF.exists(), reason="run `make setup` (pinned sf CLI) first"),
]


def sf(cwd: Path, *args: str) -> dict[str, object]:
    """Run the pinned sf CLI with --json in `cwd`; fail the test on a non-zero status."""
    env = dict(os.environ)
    env["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(
        [str(SF), *args, "--json"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def manifest_members(path: Path) -> set[str]:
    root = ET.parse(path).getroot()
    members = set()
    for types in root.findall("p:types", NS):
        name = types.findtext("p:name", namespaces=NS)
        members |= {f"{name}:{m.text}" for m in types.findall("p:members", NS)}
    return members


def _project(root: Path, presets: list[str] | None = None) -> None:
    data: dict[str, object] = {
        "packageDirectories": [{"path": "force-app", "default": True}],
        "sourceApiVersion": "62.0",
    }
    if presets:
        data["sourceBehaviorOptions"] = presets
    root.mkdir(parents=True, exist_ok=True)
    (root / "sfdx-project.json").write_text(json.dumps(data), encoding="utf-8")


def test_sample_table_matches_sf(tmp_path: Path) -> None:
    root = tmp_path / "project"
    _project(root)
    write(root, {p: content_for(p, c.id) for c in CASES for p in c.paths})
    source_dirs = [arg for c in CASES for p in c.paths for arg in ("--source-dir", p)]
    sf(root, "project", "generate", "manifest", "--output-dir", "out", *source_dirs)

    resolver = Resolver(Project.load(root))
    ours = {str(resolver.component(p)) for c in CASES for p in c.paths}
    # sf also lists the elements of in-file containers (CustomLabel:First next to CustomLabels)
    ours |= {element_member(c) for c in CASES if c.id in IN_FILE}
    assert manifest_members(root / "out" / "package.xml") == ours


PRESET_FILES = {
    "labels/Greeting.label-meta.xml": "CustomLabel",
    "workflows/Case/Case.workflow-meta.xml": "Workflow",
    "workflows/Case/workflowRules/Escalate.workflowRule-meta.xml": "WorkflowRule",
    "workflows/Case/workflowAlerts/Notify.workflowAlert-meta.xml": "WorkflowAlert",
    "sharingRules/Account/Account.sharingRules-meta.xml": "SharingRules",
    "sharingRules/Account/sharingOwnerRules/Peers.sharingOwnerRule-meta.xml": "SharingOwnerRule",
    "permissionsets/Billing/Billing.permissionset-meta.xml": "PermissionSet",
    "permissionsets/Billing/objectSettings/Account.objectSettings-meta.xml": "ObjectSettings",
}


def test_decomposition_presets_match_sf(tmp_path: Path) -> None:
    root = tmp_path / "project"
    _project(
        root,
        [
            "decomposeCustomLabelsBeta2",
            "decomposeWorkflowBeta",
            "decomposeSharingRulesBeta",
            "decomposePermissionSetBeta2",
        ],
    )
    ns = NS["p"]
    files = {}
    for rel, root_tag in PRESET_FILES.items():
        body = "<fullName>x</fullName><label>x</label><description>d</description>"
        if root_tag == "ObjectSettings":
            body = (
                "<objectPermissions><object>Account</object><allowRead>true</allowRead>"
                "</objectPermissions>"
            )
        files[f"{BASE}/{rel}"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<{root_tag} xmlns="{ns}">{body}</{root_tag}>\n'
        )
    write(root, files)
    source_dirs = [arg for p in files for arg in ("--source-dir", p)]
    sf(root, "project", "generate", "manifest", "--output-dir", "out", *source_dirs)
    resolver = Resolver(Project.load(root))
    ours = {str(resolver.component(p)) for p in files}
    assert manifest_members(root / "out" / "package.xml") == ours


def test_generated_delta_converts_and_lists_the_same_members(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "repo")
    write(repo, {p: content_for(p, c.id, 1) for c in CASES for p in c.paths})
    before = commit(repo, "all")
    changed = [c for i, c in enumerate(CASES) if i % 2 == 0]
    write(repo, {p: content_for(p, c.id, 2) for c in changed for p in c.paths})
    remove(repo, f"{BASE}/classes/service")
    after = commit(repo, "half")
    delta = compute_delta(repo, before, after)
    out = write_delta(delta, tmp_path / "out", generate_source=True)
    ours = set(flatten(delta.package))
    assert set(flatten(delta.destructive)) == {"ApexClass:Billing"}

    # the copy holds the source of every member: sf converts it with the manifest ...
    sf(
        out,
        "project",
        "convert",
        "source",
        "--manifest",
        "package/package.xml",
        "--output-dir",
        "mdapi",
    )
    assert (out / "mdapi" / "package.xml").exists()
    # ... and lists exactly those members when it reads the copied source alone
    sf(out, "project", "generate", "manifest", "--source-dir", "force-app", "--output-dir", "check")
    theirs = manifest_members(out / "check" / "package.xml")
    # sf names in-file containers next to the elements the delta lists
    containers = {c.expected for c in CASES if c.id in IN_FILE}
    assert ours <= theirs
    assert theirs - ours <= containers
    git(repo, "status")  # the repository is untouched by the run
    shutil.rmtree(out)
