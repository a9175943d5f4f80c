"""Oracle: sfsync resolves paths to the same components as the real, pinned `sf` CLI.

Runs `sf project generate manifest` (no org needed) over a generated project covering the
sample table (and once more with the decomposition presets), and validates a
`--generate-delta` folder with `sf project convert source` and `generate manifest`. For every
class of changed path (in-file children, decomposed children, types deployed whole or
pruned, bundles, experiences, single files, renames, objects in two package directories),
the converted package must hold the change itself, not only list its name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
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


# --- every class of changed path: the converted package holds the change --------------------


def _doc(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS["p"]}">\n{body}</{root}>\n'


def _perm(field: str, value: str) -> str:
    return (
        f"    <fieldPermissions><editable>{value}</editable><field>{field}</field>"
        "<readable>true</readable></fieldPermissions>\n"
    )


def _in_file(root: str, element: str, name: str, marker: str) -> str:
    return _doc(
        root,
        f"    <{element}><fullName>{name}</fullName>"
        f"<description>{marker}</description></{element}>\n",
    )


@dataclass(frozen=True)
class Change:
    """One class of changed path: files at both commits, where sf writes it, what it holds."""

    before: dict[str, str]
    after: dict[str, str | None]
    converted: str  # a path in the converted (Metadata API) folder
    holds: tuple[str, ...]  # every one must be in it (the change, and what must go with it)
    presets: bool = False


def _plain_changes() -> dict[str, Change]:
    d = BASE
    de = f"{d}/digitalExperiences/site/Store1/sfdc_cms__view/home"
    ps_body = "    <label>Sales</label>\n" + "".join(
        _perm(f"Account.F{i}__c", "true") for i in range(5)
    )
    md = "    <sharingModel>ControlledByParent</sharingModel>\n"
    return {
        "workflow-alert": Change(
            {
                f"{d}/workflows/Case.workflow-meta.xml": _in_file(
                    "Workflow", "alerts", "Notify", "v1"
                )
            },
            {
                f"{d}/workflows/Case.workflow-meta.xml": _in_file(
                    "Workflow", "alerts", "Notify", "CHANGED-wf"
                )
            },
            "workflows/Case.workflow",
            ("CHANGED-wf",),
        ),
        "workflow-rule": Change(
            {f"{d}/workflows/Lead.workflow-meta.xml": _in_file("Workflow", "rules", "Route", "v1")},
            {
                f"{d}/workflows/Lead.workflow-meta.xml": _in_file(
                    "Workflow", "rules", "Route", "CHANGED-rule"
                )
            },
            "workflows/Lead.workflow",
            ("CHANGED-rule",),
        ),
        "sharing-rules": Change(
            {
                f"{d}/sharingRules/Account.sharingRules-meta.xml": _in_file(
                    "SharingRules", "sharingOwnerRules", "Peers", "v1"
                )
            },
            {
                f"{d}/sharingRules/Account.sharingRules-meta.xml": _in_file(
                    "SharingRules", "sharingOwnerRules", "Peers", "CHANGED-share"
                )
            },
            "sharingRules/Account.sharingRules",
            ("CHANGED-share",),
        ),
        "assignment-rules": Change(
            {
                f"{d}/assignmentRules/Lead.assignmentRules-meta.xml": _in_file(
                    "AssignmentRules", "assignmentRule", "Std", "v1"
                )
            },
            {
                f"{d}/assignmentRules/Lead.assignmentRules-meta.xml": _in_file(
                    "AssignmentRules", "assignmentRule", "Std", "CHANGED-assign"
                )
            },
            "assignmentRules/Lead.assignmentRules",
            ("CHANGED-assign",),
        ),
        "auto-response-rules": Change(
            {
                f"{d}/autoResponseRules/Case.autoResponseRules-meta.xml": _in_file(
                    "AutoResponseRules", "autoResponseRule", "Std", "v1"
                )
            },
            {
                f"{d}/autoResponseRules/Case.autoResponseRules-meta.xml": _in_file(
                    "AutoResponseRules", "autoResponseRule", "Std", "CHANGED-auto"
                )
            },
            "autoResponseRules/Case.autoResponseRules",
            ("CHANGED-auto",),
        ),
        "escalation-rules": Change(
            {
                f"{d}/escalationRules/Case.escalationRules-meta.xml": _in_file(
                    "EscalationRules", "escalationRule", "Std", "v1"
                )
            },
            {
                f"{d}/escalationRules/Case.escalationRules-meta.xml": _in_file(
                    "EscalationRules", "escalationRule", "Std", "CHANGED-esc"
                )
            },
            "escalationRules/Case.escalationRules",
            ("CHANGED-esc",),
        ),
        "matching-rules": Change(
            {
                f"{d}/matchingRules/Account.matchingRule-meta.xml": _in_file(
                    "MatchingRules", "matchingRules", "Acct", "v1"
                )
            },
            {
                f"{d}/matchingRules/Account.matchingRule-meta.xml": _in_file(
                    "MatchingRules", "matchingRules", "Acct", "CHANGED-match"
                )
            },
            "matchingRules/Account.matchingRule",
            ("CHANGED-match",),
        ),
        "labels-text-whitespace": Change(
            {
                f"{d}/labels/CustomLabels.labels-meta.xml": _doc(
                    "CustomLabels",
                    "    <labels><fullName>Plan</fullName><value> Zeitpläne</value></labels>\n",
                )
            },
            {
                f"{d}/labels/CustomLabels.labels-meta.xml": _doc(
                    "CustomLabels",
                    "    <labels><fullName>Plan</fullName><value>Zeitpläne</value></labels>\n",
                )
            },
            "labels/CustomLabels.labels",
            ("<value>Zeitpläne</value>",),
        ),
        "bot-version": Change(
            {
                f"{d}/bots/Helper/Helper.bot-meta.xml": _doc("Bot", "    <label>Helper</label>\n"),
                f"{d}/bots/Helper/v1.botVersion-meta.xml": _doc(
                    "BotVersion", "    <fullName>v1</fullName>\n    <description>v1</description>\n"
                ),
            },
            {
                f"{d}/bots/Helper/v1.botVersion-meta.xml": _doc(
                    "BotVersion",
                    "    <fullName>v1</fullName>\n    <description>CHANGED-bot</description>\n",
                )
            },
            "bots/Helper.bot",
            ("CHANGED-bot", "<label>Helper</label>"),
        ),
        "custom-field": Change(
            {
                f"{d}/objects/Account/fields/Tier__c.field-meta.xml": _doc(
                    "CustomField",
                    "    <fullName>Tier__c</fullName>\n    <label>v1</label>\n"
                    "    <type>Text</type>\n",
                )
            },
            {
                f"{d}/objects/Account/fields/Tier__c.field-meta.xml": _doc(
                    "CustomField",
                    "    <fullName>Tier__c</fullName>\n    <label>CHANGED-field</label>\n"
                    "    <type>Text</type>\n",
                )
            },
            "objects/Account.object",
            ("CHANGED-field",),
        ),
        "object-translation": Change(
            {
                f"{d}/objectTranslations/Case-es/Case-es.objectTranslation-meta.xml": _doc(
                    "CustomObjectTranslation", "    <gender>Feminine</gender>\n"
                ),
                f"{d}/objectTranslations/Case-es/Tier__c.fieldTranslation-meta.xml": _doc(
                    "CustomFieldTranslation", "    <label>v1</label>\n    <name>Tier__c</name>\n"
                ),
            },
            {
                f"{d}/objectTranslations/Case-es/Tier__c.fieldTranslation-meta.xml": _doc(
                    "CustomFieldTranslation",
                    "    <label>CHANGED-cot</label>\n    <name>Tier__c</name>\n",
                )
            },
            "objectTranslations/Case-es.objectTranslation",
            ("CHANGED-cot", "<gender>Feminine</gender>"),
        ),
        "permission-set-whole": Change(
            {f"{d}/permissionsets/Sales.permissionset-meta.xml": _doc("PermissionSet", ps_body)},
            {
                f"{d}/permissionsets/Sales.permissionset-meta.xml": _doc(
                    "PermissionSet",
                    ps_body.replace(_perm("Account.F2__c", "true"), _perm("Account.F2__c", "false"))
                    + "    <description>CHANGED-ps</description>\n",
                )
            },
            "permissionsets/Sales.permissionset",
            ("CHANGED-ps", "Account.F0__c", "Account.F4__c"),
        ),
        "profile-pruned": Change(
            {
                f"{d}/profiles/Support.profile-meta.xml": _doc(
                    "Profile", "    <custom>true</custom>\n" + _perm("Account.A__c", "true")
                )
            },
            {
                f"{d}/profiles/Support.profile-meta.xml": _doc(
                    "Profile",
                    "    <custom>true</custom>\n"
                    + _perm("Account.A__c", "true")
                    + _perm("Account.CHANGED__c", "true"),
                )
            },
            "profiles/Support.profile",
            ("Account.CHANGED__c", "<custom>true</custom>"),
        ),
        "lwc-bundle": Change(
            {
                f"{d}/lwc/card/card.js": "export default 1;\n",
                f"{d}/lwc/card/card.js-meta.xml": _doc(
                    "LightningComponentBundle", "    <apiVersion>62.0</apiVersion>\n"
                ),
            },
            {f"{d}/lwc/card/card.js": "export default 'CHANGED-lwc';\n"},
            "lwc/card/card.js",
            ("CHANGED-lwc",),
        ),
        "digital-experience-item": Change(
            {
                f"{d}/digitalExperiences/site/Store1/Store1.digitalExperience-meta.xml": _doc(
                    "DigitalExperienceBundle", "    <label>Store1</label>\n"
                ),
                f"{de}/_meta.json": '{"apiName": "home"}\n',
                f"{de}/content.json": '{"v": 1}\n',
            },
            {f"{de}/content.json": '{"v": "CHANGED-de"}\n'},
            "digitalExperiences/site/Store1/sfdc_cms__view/home/content.json",
            ("CHANGED-de",),
        ),
        "wave-application-alone": Change(
            {f"{d}/wave/MyApp.wapp": '{"v": 1}\n'},
            {f"{d}/wave/MyApp.wapp": '{"v": "CHANGED-wave"}\n'},
            "wave/MyApp.wapp",
            ("CHANGED-wave",),
        ),
        "case-only-rename": Change(
            {
                f"{d}/classes/customerSvc.cls": "public class customerSvc {}\n",
                f"{d}/classes/customerSvc.cls-meta.xml": _doc(
                    "ApexClass", "    <apiVersion>62.0</apiVersion>\n"
                ),
            },
            {
                f"{d}/classes/customerSvc.cls": None,
                f"{d}/classes/customerSvc.cls-meta.xml": None,
                f"{d}/classes/CustomerSvc.cls": "public class CustomerSvc { /* CHANGED-case */ }\n",
                f"{d}/classes/CustomerSvc.cls-meta.xml": _doc(
                    "ApexClass", "    <apiVersion>62.0</apiVersion>\n"
                ),
            },
            "classes/CustomerSvc.cls",
            ("CHANGED-case",),
        ),
        "object-with-master-detail": Change(
            {
                f"{d}/objects/Line__c/Line__c.object-meta.xml": _doc(
                    "CustomObject", md + "    <label>v1</label>\n"
                ),
                f"{d}/objects/Line__c/fields/Inv__c.field-meta.xml": _doc(
                    "CustomField",
                    "    <fullName>Inv__c</fullName>\n    <type>MasterDetail</type>\n",
                ),
            },
            {
                f"{d}/objects/Line__c/Line__c.object-meta.xml": _doc(
                    "CustomObject", md + "    <label>CHANGED-md</label>\n"
                )
            },
            "objects/Line__c.object",
            ("CHANGED-md", "<type>MasterDetail</type>"),
        ),
        # sf converts the first package directory's copy of a file found in two; the delta
        # copies both (and warns), so the change in the first one reaches the org
        "object-in-two-package-dirs": Change(
            {
                f"{d}/objects/Asset/Asset.object-meta.xml": _doc(
                    "CustomObject", "    <description>v1</description>\n"
                ),
                "core/objects/Asset/Asset.object-meta.xml": _doc(
                    "CustomObject", "    <enableHistory>true</enableHistory>\n"
                ),
            },
            {
                f"{d}/objects/Asset/Asset.object-meta.xml": _doc(
                    "CustomObject", "    <description>CHANGED-two</description>\n"
                )
            },
            "objects/Asset.object",
            ("CHANGED-two",),
        ),
        "flow-with-translation": Change(
            {
                f"{d}/flows/Onboard.flow-meta.xml": _doc("Flow", "    <label>v1</label>\n"),
                f"{d}/translations/de.translation-meta.xml": _doc(
                    "Translations",
                    "    <flowDefinitions>\n        <fullName>Onboard</fullName>\n"
                    "        <label>Ein</label>\n    </flowDefinitions>\n",
                ),
            },
            {f"{d}/flows/Onboard.flow-meta.xml": _doc("Flow", "    <label>CHANGED-flow</label>\n")},
            "translations/de.translation",
            ("<fullName>Onboard</fullName>",),
        ),
    }


def _preset_changes() -> dict[str, Change]:
    d = BASE
    rule = f"{d}/sharingRules/Account/sharingCriteriaRules/Peers.sharingCriteriaRule-meta.xml"
    settings = (
        "    <objectPermissions><object>{}</object><allowRead>{}</allowRead></objectPermissions>\n"
    )
    return {
        "decomposed-workflow-alert": Change(
            {
                f"{d}/workflows/Case/workflowAlerts/Notify.workflowAlert-meta.xml": _doc(
                    "WorkflowAlert",
                    "    <fullName>Notify</fullName>\n    <description>v1</description>\n",
                )
            },
            {
                f"{d}/workflows/Case/workflowAlerts/Notify.workflowAlert-meta.xml": _doc(
                    "WorkflowAlert",
                    "    <fullName>Notify</fullName>\n    <description>CHANGED-dwf</description>\n",
                )
            },
            "workflows/Case.workflow",
            ("CHANGED-dwf",),
            presets=True,
        ),
        "decomposed-sharing-rule": Change(
            {
                f"{rule}": _doc(
                    "SharingCriteriaRule", "    <fullName>Peers</fullName>\n    <label>v1</label>\n"
                )
            },
            {
                f"{rule}": _doc(
                    "SharingCriteriaRule",
                    "    <fullName>Peers</fullName>\n    <label>CHANGED-dsr</label>\n",
                )
            },
            "sharingRules/Account.sharingRules",
            ("CHANGED-dsr",),
            presets=True,
        ),
        "decomposed-label": Change(
            {
                f"{d}/labels/Greet.label-meta.xml": _doc(
                    "CustomLabel", "    <fullName>Greet</fullName>\n    <value>v1</value>\n"
                )
            },
            {
                f"{d}/labels/Greet.label-meta.xml": _doc(
                    "CustomLabel", "    <fullName>Greet</fullName>\n    <value>CHANGED-dl</value>\n"
                )
            },
            "labels/CustomLabels.labels",
            ("CHANGED-dl",),
            presets=True,
        ),
        "decomposed-permission-set-whole": Change(
            {
                f"{d}/permissionsets/Ops/Ops.permissionset-meta.xml": _doc(
                    "PermissionSet", "    <label>Ops</label>\n"
                ),
                f"{d}/permissionsets/Ops/objectSettings/Account.objectSettings-meta.xml": _doc(
                    "ObjectSettings", settings.format("Account", "true")
                ),
                f"{d}/permissionsets/Ops/objectSettings/Case.objectSettings-meta.xml": _doc(
                    "ObjectSettings", settings.format("Case", "true")
                ),
            },
            {
                f"{d}/permissionsets/Ops/objectSettings/Case.objectSettings-meta.xml": _doc(
                    "ObjectSettings",
                    settings.format("Case", "false") + "    <description>x</description>\n",
                )
            },
            "permissionsets/Ops.permissionset",
            ("<object>Case</object>", "<object>Account</object>", "<label>Ops</label>"),
            presets=True,
        ),
    }


CHANGES = {**_plain_changes(), **_preset_changes()}
PRESETS = [
    "decomposeCustomLabelsBeta2",
    "decomposePermissionSetBeta2",
    "decomposeSharingRulesBeta",
    "decomposeWorkflowBeta",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """For each project kind (plain, with the presets): one delta of all changes, converted."""
    out: dict[bool, Path] = {}
    for presets in (False, True):
        changes = [c for c in CHANGES.values() if c.presets == presets]
        extra: dict[str, object] = {"sourceBehaviorOptions": PRESETS} if presets else {}
        repo = init_project(
            tmp_path_factory.mktemp("convert") / "repo",
            package_dirs=("force-app", "core"),
            extra=extra,
        )
        write(repo, {p: t for c in changes for p, t in c.before.items()})
        before = commit(repo, "before")
        for change in changes:
            for path, text in change.after.items():
                if text is None:
                    remove(repo, path)
                else:
                    write(repo, {path: text})
        delta = compute_delta(repo, before, commit(repo, "after"))
        assert delta.destructive == {}
        folder = write_delta(delta, tmp_path_factory.mktemp("delta") / "out", generate_source=True)
        sf(
            folder,
            "project",
            "convert",
            "source",
            "--manifest",
            "package/package.xml",
            "--output-dir",
            "mdapi",
        )
        out[presets] = folder / "mdapi"
    return out


@pytest.mark.parametrize("name", list(CHANGES))
def test_converted_delta_holds_the_change(converted: dict[bool, Path], name: str) -> None:
    change = CHANGES[name]
    target = converted[change.presets] / change.converted
    assert target.is_file(), sorted(
        p.relative_to(target.parents[1]).as_posix() for p in target.parents[1].rglob("*")
    )
    text = target.read_text(encoding="utf-8")
    for needle in change.holds:
        assert needle in text, f"{change.converted} lacks {needle!r}:\n{text}"


def test_single_file_types_without_meta_match_sf(tmp_path: Path) -> None:
    """`wave/MyApp.wapp`: every single-file type's file standing alone, as sf reads it."""
    registry = Project.from_texts('{"packageDirectories": [{"path": "force-app"}]}').registry
    files = []
    for type_id in registry.types:
        mtype = registry.types[type_id]
        plain = mtype.adapter == "default" and not mtype.children and mtype.suffix
        # in-folder, folder and nested types (reports, territories) live in folders of their own
        nested = mtype.in_folder or mtype.folder_type or mtype.folder_content_type
        if plain and not (mtype.parent or nested or mtype.alias_for):
            files.append(f"{BASE}/{mtype.directory_name}/Alone{len(files)}.{mtype.suffix}")
    root = tmp_path / "project"
    _project(root)
    write(root, {p: "<x/>" for p in files})
    sf(root, "project", "generate", "manifest", "--source-dir", "force-app", "--output-dir", "out")
    resolver = Resolver(Project.load(root))
    ours = {str(resolver.component(p)) for p in files}
    assert len(files) > 400
    assert manifest_members(root / "out" / "package.xml") == ours
