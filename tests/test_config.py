from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfsync.errors import ConfigError, UsageError
from sfsync.pipeline import config

GOOD = """\
version: 1
remote: origin
environments:
  prod: {org: prod, branch: main, protected: true}
  uat:  {org: uat,  branch: uat,  upstream: prod}
  int:  {org: int,  branch: int,  upstream: uat}
  dev1: {org: dev1-sandbox, upstream: int}
  dev2: {org: dev2-sandbox, upstream: int}
hooks:
  block: overlap
  max_behind: 2
metadata:
  extra_types:
    - {name: MyType, directoryName: myTypes, suffix: myType, strategy: plain, inFolder: false}
"""
PROJECT = '{"packageDirectories": [{"path": "./force-app/", "default": true}, {"path": "lib"}]}'


def project(tmp_path: Path, yml: str, sfdx: str | None = PROJECT) -> Path:
    (tmp_path / "sfsync.yml").write_text(yml, encoding="utf-8")
    if sfdx is not None:
        (tmp_path / "sfdx-project.json").write_text(sfdx, encoding="utf-8")
    return tmp_path


def error_of(tmp_path: Path, yml: str, sfdx: str | None = PROJECT) -> str:
    with pytest.raises(ConfigError) as info:
        config.load(project(tmp_path, yml, sfdx))
    assert info.value.exit_code == 2
    return info.value.message


def test_valid_config(tmp_path: Path) -> None:
    cfg = config.load(project(tmp_path, GOOD))
    assert cfg.names == ("prod", "uat", "int", "dev1", "dev2")
    assert [e.name for e in cfg.pipeline()] == ["prod", "uat", "int", "dev1", "dev2"]
    assert cfg.env("prod").protected is True
    assert cfg.env("dev1").is_sandbox and not cfg.env("int").is_sandbox
    assert cfg.upstream_of("dev1") == cfg.env("int")
    assert [e.name for e in cfg.downstream_of("int")] == ["dev1", "dev2"]
    assert cfg.hooks == config.HookPolicy(block="overlap", max_behind=2)
    assert cfg.extra_types == (
        config.ExtraType("MyType", "myTypes", "myType", strategy="plain", in_folder=False),
    )
    assert cfg.package_dirs == ("force-app", "lib")


def test_unknown_env_lookup_suggests(tmp_path: Path) -> None:
    cfg = config.load(project(tmp_path, GOOD))
    with pytest.raises(UsageError, match=r"'dev3' is not an environment.*did you mean 'dev2'"):
        cfg.env("dev3")  # closest by difflib: dev2


@pytest.mark.parametrize(
    ("yml", "expected"),
    [
        pytest.param(
            GOOD.replace("dev2-sandbox, upstream: int", "dev2-sandbox, upstream: itn"),
            "sfsync.yml:8: environments.dev2.upstream: 'itn' is not an environment "
            "(did you mean 'int'?)",
            id="unknown-upstream",
        ),
        pytest.param(
            GOOD.replace("dev1-sandbox, upstream: int", "dev1-sandbox, upstrem: int"),
            "sfsync.yml:7: environments.dev1.upstrem: unknown key (did you mean 'upstream'?)",
            id="unknown-env-key",
        ),
        pytest.param(
            GOOD.replace("remote: origin", "remot: origin"),
            "sfsync.yml:2: remot: unknown key (did you mean 'remote'?)",
            id="unknown-top-key",
        ),
        pytest.param(
            GOOD.replace("block: overlap", "block: overlp"),
            "sfsync.yml:10: hooks.block: 'overlp' is not one of behind, overlap "
            "(did you mean 'overlap'?)",
            id="bad-enum",
        ),
        pytest.param(
            GOOD.replace("branch: main, protected: true}", "branch: main, upstream: int}"),
            "environments.prod.upstream: cycle prod -> int -> uat -> prod",
            id="cycle",
        ),
        pytest.param(
            GOOD.replace("branch: uat,  upstream: prod", "branch: uat"),
            "sfsync.yml:5: environments.uat: a second root (also prod)",
            id="two-roots",
        ),
        pytest.param(
            GOOD.replace("branch: int,  upstream: uat", "branch: uat,  upstream: uat"),
            "sfsync.yml:6: environments.int.branch: branch 'uat' is already used by uat",
            id="branch-twice",
        ),
        pytest.param(
            GOOD.replace("dev2-sandbox, upstream: int", "dev2-sandbox, upstream: dev1"),
            "environments.dev2.upstream: 'dev1' has no branch",
            id="sandbox-upstream",
        ),
        pytest.param(
            GOOD.replace("uat:  {org: uat,", "uat:  {orgg: uat,"),
            "environments.uat: missing required key 'org'",
            id="missing-org",
        ),
        pytest.param(
            GOOD.replace("protected: true", "protected: 'sure'"),
            "sfsync.yml:4: environments.prod.protected: expected a boolean, got 'sure'",
            id="protected-type",
        ),
        pytest.param(
            GOOD.replace("version: 1", "version: 2"),
            "sfsync.yml:1: version: must be 1, got 2",
            id="version",
        ),
        pytest.param(
            GOOD.replace("suffix: myType, ", ""),
            "metadata.extra_types[0]: missing required key 'suffix'",
            id="extra-type-shape",
        ),
        pytest.param(
            "remote: origin\n",
            "sfsync.yml:1: (top level): missing required keys 'version', 'environments'",
            id="missing-two-keys",
        ),
        pytest.param(
            GOOD + "hooks:\n  max_behind: 1\n",
            "sfsync.yml:15: hooks: duplicate key",
            id="duplicate-key",
        ),
        pytest.param("version: 1\nenvironments: [\n", "not valid YAML", id="bad-yaml"),
        pytest.param("", "sfsync.yml: the file is empty", id="empty"),
    ],
)
def test_config_errors(tmp_path: Path, yml: str, expected: str) -> None:
    assert expected in error_of(tmp_path, yml)


def test_each_problem_reported_once(tmp_path: Path) -> None:
    assert error_of(tmp_path, "remote: origin\n") == (
        "sfsync.yml:1: (top level): missing required keys 'version', 'environments'"
    )


def test_all_errors_reported_in_line_order(tmp_path: Path) -> None:
    yml = GOOD.replace("remote: origin", "remot: origin").replace("upstream: int}", "upstream: x}")
    message = error_of(tmp_path, yml)
    lines = message.splitlines()
    assert lines[0].startswith("sfsync.yml:2: remot: unknown key")
    assert lines[1].startswith("sfsync.yml:7: environments.dev1.upstream: 'x'")
    assert lines[2].startswith("sfsync.yml:8: environments.dev2.upstream: 'x'")


@pytest.mark.parametrize(
    ("sfdx", "expected"),
    [
        pytest.param(None, "sfdx-project.json not found", id="missing"),
        pytest.param("{not json", "sfdx-project.json:1: not valid JSON", id="invalid-json"),
        pytest.param("{}", "packageDirectories is missing or empty", id="no-dirs"),
        pytest.param('{"packageDirectories": [{}]}', "packageDirectories[0].path", id="no-path"),
        pytest.param(
            '{"packageDirectories": [{"path": "../x"}]}', "must be a relative", id="outside"
        ),
    ],
)
def test_project_file_errors(tmp_path: Path, sfdx: str | None, expected: str) -> None:
    assert expected in error_of(tmp_path, GOOD, sfdx)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sfsync\.yml not found"):
        config.load(tmp_path)


def test_cache_is_keyed_by_content(tmp_path: Path) -> None:
    root = project(tmp_path, GOOD)
    cache = tmp_path / "cache"
    first = config.load(root, cache_dir=cache)
    stored = json.loads((cache / config.CACHE_FILE).read_text(encoding="utf-8"))
    assert stored["config"]["packageDirectories"] == ["force-app", "lib"]
    assert config.load(root, cache_dir=cache) == first
    # an edited file is validated again: the cache never hides a new error
    (root / "sfsync.yml").write_text(GOOD.replace("upstream: int}", "upstream: itn}"))
    with pytest.raises(ConfigError, match="'itn' is not an environment"):
        config.load(root, cache_dir=cache)
    # nor does it survive a change in sfdx-project.json
    (root / "sfsync.yml").write_text(GOOD)
    (root / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "src"}]}')
    assert config.load(root, cache_dir=cache).package_dirs == ("src",)


def test_schema_is_shipped_and_valid() -> None:
    import jsonschema

    schema = json.loads(config.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]["environment"]["properties"]) == {
        "org",
        "branch",
        "upstream",
        "protected",
    }
