from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfsync.pipeline.naming import Namer

D = "force-app/main/default"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(f"{D}/classes/Foo.cls", "ApexClass:Foo", id="class"),
        pytest.param(f"{D}/classes/Foo.cls-meta.xml", "ApexClass:Foo", id="class-meta"),
        pytest.param(f"{D}/triggers/T.trigger", "ApexTrigger:T", id="trigger"),
        pytest.param(f"{D}/lwc/myCard/myCard.js", "LightningComponentBundle:myCard", id="lwc"),
        pytest.param(f"{D}/aura/Box/BoxController.js", "AuraDefinitionBundle:Box", id="aura"),
        pytest.param(
            f"{D}/objects/Account/Account.object-meta.xml", "CustomObject:Account", id="object"
        ),
        pytest.param(
            f"{D}/objects/Account/fields/Tier__c.field-meta.xml",
            "CustomField:Account.Tier__c",
            id="field",
        ),
        pytest.param(
            f"{D}/objects/Account/validationRules/R1.validationRule-meta.xml",
            "ValidationRule:Account.R1",
            id="validation-rule",
        ),
        pytest.param(
            f"{D}/layouts/Account-Account Layout.layout-meta.xml",
            "Layout:Account-Account Layout",
            id="layout",
        ),
        pytest.param(f"{D}/flows/Onboard.flow-meta.xml", "Flow:Onboard", id="flow"),
        pytest.param(f"{D}/staticresources/logo.resource-meta.xml", "StaticResource:logo", id="sr"),
        pytest.param(f"{D}/staticresources/lib/js/a.js", "StaticResource:lib", id="sr-folder"),
        pytest.param(
            f"{D}/labels/CustomLabels.labels-meta.xml", "CustomLabels:CustomLabels", id="lbl"
        ),
        pytest.param(f"{D}/weird/thing.xyz", None, id="no-type-no-name"),
        pytest.param("docs/classes/Foo.cls", None, id="outside-package"),
    ],
)
def test_component_name(tmp_path: Path, path: str, expected: str | None) -> None:
    assert Namer(_project(tmp_path, ["force-app"]))(path) == expected


def test_second_package_directory(tmp_path: Path) -> None:
    namer = Namer(_project(tmp_path, ["force-app", "lib"]))
    assert namer("lib/classes/Util.cls") == "ApexClass:Util"


def test_forceignored_file_has_no_name(tmp_path: Path) -> None:
    root = _project(tmp_path, ["force-app"])
    (root / ".forceignore").write_text("**/jsconfig.json\n", encoding="utf-8")
    assert Namer(root)(f"{D}/lwc/jsconfig.json") is None


def test_extra_type_names_its_components(tmp_path: Path) -> None:
    root = _project(tmp_path, ["force-app"])
    path = f"{D}/gizmos/Spinner.gizmo-meta.xml"
    assert Namer(root)(path) is None
    extra = [{"name": "Gizmo", "directoryName": "gizmos", "suffix": "gizmo"}]
    assert Namer(root, extra)(path) == "Gizmo:Spinner"


def _project(root: Path, package_dirs: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    project = {"packageDirectories": [{"path": d} for d in package_dirs]}
    (root / "sfdx-project.json").write_text(json.dumps(project), encoding="utf-8")
    return root


def test_names_are_cached_and_the_cache_follows_what_names_depend_on(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", ["force-app"])
    cache = tmp_path / "cache"
    test_file = f"{D}/lwc/card/__tests__/card.test.js"
    settings = f"{D}/settings/Account.settings-meta.xml"
    gizmo = f"{D}/gizmos/Spinner.gizmo-meta.xml"
    first = Namer(root, cache_dir=cache)
    assert [first(p) for p in (test_file, settings, gizmo)] == [
        "LightningComponentBundle:card",
        "Settings:Account",
        None,
    ]
    first.save()
    warm = Namer(root, cache_dir=cache)
    assert warm(settings) == "Settings:Account"
    assert warm._resolver is None  # answered from the cache: no registry loaded
    # the sf project template ignores **/__tests__/**; `**settings` is a project's own choice
    (root / ".forceignore").write_text("**/__tests__/**\n**settings\n", encoding="utf-8")
    ignoring = Namer(root, cache_dir=cache)
    assert [ignoring(test_file), ignoring(settings)] == [None, None]
    ignoring.save()
    extra = [{"name": "Gizmo", "directoryName": "gizmos", "suffix": "gizmo"}]
    assert Namer(root, extra, cache_dir=cache)(gizmo) == "Gizmo:Spinner"
    project_json = root / "sfdx-project.json"
    project_json.write_text(json.dumps({"packageDirectories": [{"path": "src"}]}))
    assert Namer(root, cache_dir=cache)(f"{D}/classes/Foo.cls") is None  # not a package dir


def test_a_damaged_names_cache_is_not_trusted(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", ["force-app"])
    cache = tmp_path / "cache"
    namer = Namer(root, cache_dir=cache)
    assert namer(f"{D}/classes/Foo.cls") == "ApexClass:Foo"
    namer.save()
    path = cache / "behind-names.json"
    path.write_bytes(path.read_bytes().replace(b"ApexClass:Foo", b"ApexClass:Bar"))
    assert Namer(root, cache_dir=cache)(f"{D}/classes/Foo.cls") == "ApexClass:Foo"
