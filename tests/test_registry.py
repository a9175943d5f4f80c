"""The shipped registry equals the pinned `sf` CLI's; presets and extra types apply."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO_ROOT
from sfsync.errors import ConfigError
from sfsync.metadata.registry import load_registry, preset_names

SDR = REPO_ROOT / "node_modules" / "@salesforce" / "source-deploy-retrieve"
CLI_REGISTRY = SDR / "lib" / "src" / "registry" / "metadataRegistry.json"
needs_cli = pytest.mark.skipif(not CLI_REGISTRY.is_file(), reason="run `make setup` first")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_registry", REPO_ROOT / "scripts" / "gen_registry.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_cli
def test_shipped_data_is_what_the_pinned_cli_generates() -> None:
    gen = _generator()
    shipped = (REPO_ROOT / "src" / "sfsync" / "metadata" / "data" / "registry.json").read_text()
    assert shipped == gen.render(gen.generate()), "run scripts/gen_registry.py"


@needs_cli
def test_every_cli_type_and_child_type_agrees() -> None:
    raw = json.loads(CLI_REGISTRY.read_text(encoding="utf-8"))
    registry = load_registry()
    pairs = [(tid, t) for tid, t in raw["types"].items()]
    for t in raw["types"].values():
        pairs += list((t.get("children") or {}).get("types", {}).items())
    assert len(registry.types) == len(pairs)
    for type_id, cli in pairs:
        ours = registry.get(type_id)
        assert (ours.name, ours.directory_name, ours.suffix) == (
            cli["name"],
            cli["directoryName"],
            cli.get("suffix"),
        ), type_id
        assert ours.adapter == (cli.get("strategies") or {}).get("adapter", "default"), type_id
        assert ours.in_folder == bool(cli.get("inFolder")), type_id
        assert ours.strict_directory_name == bool(cli.get("strictDirectoryName")), type_id
    assert registry.suffixes == raw["suffixes"]
    assert list(registry.strict_directory_names.items()) == list(
        raw["strictDirectoryNames"].items()
    )
    assert registry.child_types == raw["childTypes"]


def test_registry_size_matches_the_issue() -> None:
    registry = load_registry()
    parents = [t for t in registry.types.values() if t.parent is None]
    children = [t for t in registry.types.values() if t.parent is not None]
    assert len(parents) >= 535 and len(children) >= 36


def test_presets_replace_types() -> None:
    assert "decomposePermissionSetBeta2" in preset_names()
    plain = load_registry()
    decomposed = load_registry(["decomposeWorkflowBeta"])
    assert plain.get("workflow").adapter == "default"
    assert decomposed.get("workflow").adapter == "decomposed"


def test_unknown_preset_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown option 'decomposeEverything'"):
        load_registry(["decomposeEverything"])


def test_extra_types_are_added() -> None:
    registry = load_registry(
        extra_types=[
            {
                "name": "Gizmo",
                "directoryName": "gizmos",
                "suffix": "gizmo",
                "strictDirectoryName": True,
                "strategy": "matchingContentFile",
            }
        ]
    )
    gizmo = registry.get("gizmo")
    assert gizmo.adapter == "matchingContentFile"
    assert registry.by_suffix("gizmo") == gizmo
    assert registry.strict_directory_names["gizmos"] == "gizmo"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        pytest.param({"name": "X", "suffix": "x"}, "missing directoryName", id="missing"),
        pytest.param(
            {"name": "X", "directoryName": "x", "suffix": "x", "strategy": "magic"},
            "strategy 'magic'",
            id="bad-strategy",
        ),
    ],
)
def test_bad_extra_types(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_registry(extra_types=[entry])


def test_extra_types_read_from_sfsync_yml(tmp_path: Path) -> None:
    from sfsync.pipeline.project import metadata_project

    (tmp_path / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "app"}]}')
    (tmp_path / "sfsync.yml").write_text(
        "version: 1\n"
        "environments:\n  prod: {org: prod, branch: main}\n"
        "metadata:\n  extra_types:\n    - {name: Gizmo, directoryName: gizmos, suffix: gizmo}\n"
    )
    project = metadata_project(tmp_path)
    assert project.registry.by_name("Gizmo") is not None


def test_invalid_sfsync_yml_is_a_config_error(tmp_path: Path) -> None:
    from sfsync.errors import ConfigError
    from sfsync.pipeline.project import metadata_project

    (tmp_path / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "app"}]}')
    (tmp_path / "sfsync.yml").write_text("metadata:\n  extra_types: []\n")
    with pytest.raises(ConfigError, match="missing required keys 'version'"):
        metadata_project(tmp_path)
