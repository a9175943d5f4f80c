"""Path -> component for the sample table, presets, .forceignore and package directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitfixtures import commit, git, init_project, write
from metadata_samples import CASES, Case
from sfsync.errors import ConfigError
from sfsync.metadata.project import Project
from sfsync.metadata.resolver import Resolver

PROJECT = json.dumps({"packageDirectories": [{"path": "force-app", "default": True}]})


def _resolver(project_json: str = PROJECT, forceignore: str = "") -> Resolver:
    return Resolver(Project.from_texts(project_json, forceignore))


def test_table_covers_at_least_60_types() -> None:
    assert len({c.expected.split(":")[0] for c in CASES}) >= 60


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_every_file_of_a_case_resolves_to_its_component(case: Case) -> None:
    resolver = _resolver()
    assert {str(resolver.component(p)) for p in case.paths} == {case.expected}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("force-app/main/default/lwc/jsconfig.json", id="file-beside-bundles"),
        pytest.param("force-app/main/default/lwc/.eslintrc.json", id="dot-file"),
        pytest.param("force-app/main/default/classes/Foo.cls.dup", id="dup-file"),
        pytest.param("docs/classes/Foo.cls-meta.xml", id="outside-package-dirs"),
        pytest.param("force-app/README.md", id="not-metadata"),
        pytest.param("force-app", id="the-package-dir-itself"),
    ],
)
def test_paths_that_are_no_component(path: str) -> None:
    assert _resolver().component(path) is None


def test_forceignore_excludes_like_sf() -> None:
    resolver = _resolver(
        forceignore="# tests\n**/__tests__/**\nforce-app/main/default/classes/Legacy*\nprofiles/\n"
    )
    base = "force-app/main/default"
    assert resolver.component(f"{base}/lwc/card/__tests__/card.test.js") is None
    assert resolver.component(f"{base}/classes/LegacyThing.cls") is None
    assert resolver.component(f"{base}/profiles/Admin.profile-meta.xml") is None
    assert str(resolver.component(f"{base}/classes/Thing.cls")) == "ApexClass:Thing"
    assert str(resolver.component(f"{base}/lwc/card/card.js")) == "LightningComponentBundle:card"


def test_forceignore_negation_re_includes() -> None:
    resolver = _resolver(forceignore="**/classes/*\n!**/classes/Keep.cls*\n")
    assert resolver.component("force-app/classes/Drop.cls") is None
    assert str(resolver.component("force-app/classes/Keep.cls")) == "ApexClass:Keep"


def test_every_package_directory_and_nested_folders() -> None:
    project = json.dumps({"packageDirectories": [{"path": "force-app"}, {"path": "libs/shared/"}]})
    resolver = _resolver(project)
    assert str(resolver.component("libs/shared/any/deep/classes/X.cls")) == "ApexClass:X"
    assert str(resolver.component("force-app/a/b/objects/Account/fields/F__c.field-meta.xml")) == (
        "CustomField:Account.F__c"
    )
    assert resolver.component("libs/other/classes/X.cls") is None


@pytest.mark.parametrize(
    ("preset", "path", "expected"),
    [
        pytest.param(
            "decomposeCustomLabelsBeta2",
            "labels/Greeting.label-meta.xml",
            "CustomLabel:Greeting",
            id="labels",
        ),
        pytest.param(
            "decomposeWorkflowBeta",
            "workflows/Case/workflowRules/Escalate.workflowRule-meta.xml",
            "WorkflowRule:Case.Escalate",
            id="workflow-rule",
        ),
        pytest.param(
            "decomposeWorkflowBeta",
            "workflows/Case/Case.workflow-meta.xml",
            "Workflow:Case",
            id="workflow",
        ),
        pytest.param(
            "decomposeSharingRulesBeta",
            "sharingRules/Account/sharingOwnerRules/Peers.sharingOwnerRule-meta.xml",
            "SharingOwnerRule:Account.Peers",
            id="sharing-rule",
        ),
        pytest.param(
            "decomposePermissionSetBeta2",
            "permissionsets/Billing/objectSettings/Account.objectSettings-meta.xml",
            "PermissionSet:Billing",
            id="permission-set-part",
        ),
        pytest.param(
            "decomposePermissionSetBeta2",
            "permissionsets/Billing/Billing.permissionset-meta.xml",
            "PermissionSet:Billing",
            id="permission-set",
        ),
    ],
)
def test_decomposition_presets(preset: str, path: str, expected: str) -> None:
    project = json.dumps(
        {"packageDirectories": [{"path": "force-app"}], "sourceBehaviorOptions": [preset]}
    )
    resolver = _resolver(project)
    assert str(resolver.component(f"force-app/main/default/{path}")) == expected


def test_without_preset_a_decomposed_label_file_is_not_a_label() -> None:
    resolved = _resolver().component("force-app/main/default/labels/Greeting.label-meta.xml")
    assert str(resolved) != "CustomLabel:Greeting"


def test_extra_types_from_configuration() -> None:
    project = Project.from_texts(
        PROJECT,
        extra_types=[{"name": "Gizmo", "directoryName": "gizmos", "suffix": "gizmo"}],
    )
    resolver = Resolver(project)
    assert str(resolver.component("force-app/gizmos/Spinner.gizmo-meta.xml")) == "Gizmo:Spinner"


def test_project_at_a_revision(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "repo", package_dirs=("app",))
    first = git(repo, "rev-parse", "HEAD")
    write(repo, {"sfdx-project.json": PROJECT, ".forceignore": "**/Skip*\n"})
    second = commit(repo, "move to force-app")
    assert Project.at_revision(repo, first).package_dirs == ("app",)
    later = Project.at_revision(repo, second)
    assert later.package_dirs == ("force-app",)
    assert later.forceignore.denies("force-app/classes/Skip.cls")
    with pytest.raises(ConfigError, match="not found in commit"):
        Project.at_revision(repo, first, prefix="sub")


def test_bad_project_files() -> None:
    with pytest.raises(ConfigError, match="not valid JSON"):
        Project.from_texts("{")
    with pytest.raises(ConfigError, match="packageDirectories"):
        Project.from_texts("{}")
    with pytest.raises(ConfigError, match="outside the project"):
        Project.from_texts(json.dumps({"packageDirectories": [{"path": "../x"}]}))
