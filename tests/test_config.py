from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from sfsync.errors import ConfigError, UsageError
from sfsync.pipeline import config, configfile

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


TESTS_YML = """\
version: 1
environments:
  prod:
    org: prod
    branch: main
    tests: {mode: auto, depth: 2, always: [SmokeTest], allow_uncovered: true}
  uat: {org: uat, branch: uat, upstream: prod, tests: auto}
  int: {org: int, branch: int, upstream: uat, tests: RunLocalTests}
  dev1: {org: dev1-sandbox, upstream: int}
"""


def test_tests_per_env(tmp_path: Path) -> None:
    cfg = config.load(project(tmp_path, TESTS_YML))
    assert cfg.env("prod").tests == config.TestPolicy(
        "auto", depth=2, always=("SmokeTest",), allow_uncovered=True
    )
    assert cfg.env("uat").tests == config.TestPolicy("auto")
    assert cfg.env("int").tests == config.TestPolicy("RunLocalTests")
    assert cfg.env("dev1").tests is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "tests: auto}",
            "tests: autox}",
            "sfsync.yml:7: environments.uat.tests: 'autox' is not one of auto, NoTestRun, "
            "RunLocalTests, RunAllTestsInOrg, RunRelevantTests (did you mean 'auto'?)",
            id="tests-bad-word",
        ),
        pytest.param(
            "depth: 2,",
            "depth: 0,",
            "sfsync.yml:6: environments.prod.tests.depth: must be >= 1, got 0",
            id="tests-depth",
        ),
        pytest.param(
            "always: [SmokeTest]",
            "always: ['Smoke Test']",
            "sfsync.yml:6: environments.prod.tests.always[0]: 'Smoke Test' is not an Apex class "
            "name",
            id="tests-always-name",
        ),
        pytest.param(
            "allow_uncovered: true}",
            "allow_uncoverd: true}",
            "sfsync.yml:6: environments.prod.tests.allow_uncoverd: unknown key (did you mean "
            "'allow_uncovered'?)",
            id="tests-unknown-key",
        ),
        pytest.param(
            "tests: RunLocalTests}",
            "tests: {mode: RunLocalTests, depth: 4}}",
            "sfsync.yml:8: environments.int.tests.depth: only with mode auto (mode is "
            "RunLocalTests)",
            id="tests-depth-without-auto",
        ),
        pytest.param(
            "tests: RunLocalTests}",
            "tests: {depth: 4}}",
            "sfsync.yml:8: environments.int.tests: missing required key 'mode'",
            id="tests-no-mode",
        ),
    ],
)
def test_tests_config_errors(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in TESTS_YML
    assert expected in error_of(tmp_path, TESTS_YML.replace(old, new))


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
        pytest.param(
            GOOD.replace("remote: origin", "remote: '--receive-pack=touch pwned; echo'"),
            "sfsync.yml:2: remote: '--receive-pack=touch pwned; echo' is not a git remote "
            "name: it starts with '-'",
            id="remote-option",
        ),
        pytest.param(
            GOOD.replace("remote: origin", "remote: 'ext::sh -c touch% pwned'"),
            "sfsync.yml:2: remote: 'ext::sh -c touch% pwned' is not a git remote name: it "
            "contains ':' (a remote name, e.g. origin, not a URL)",
            id="remote-url",
        ),
        pytest.param(
            GOOD.replace("branch: uat,", "branch: '--upload-pack=x',"),
            "sfsync.yml:5: environments.uat.branch: '--upload-pack=x' is not a git branch "
            "name: it starts with '-'",
            id="branch-option",
        ),
        pytest.param(
            GOOD.replace("branch: uat,", "branch: 'a..b',"),
            "sfsync.yml:5: environments.uat.branch: 'a..b' is not a git branch name: it "
            "contains '..'",
            id="branch-dots",
        ),
        pytest.param(
            GOOD.replace("{org: uat,", "{org: '--target-org=prod',"),
            "sfsync.yml:5: environments.uat.org: '--target-org=prod' is not an sf alias or "
            "username: it starts with '-'",
            id="org-option",
        ),
        pytest.param(
            GOOD.replace("  dev2: {", "  dev2.lock: {"),
            "sfsync.yml:8: environments.dev2.lock: 'dev2.lock' cannot be an environment name: "
            "it ends with '.lock'",
            id="env-lock",
        ),
        pytest.param(
            GOOD.replace("  dev2: {", "  dev2.: {"),
            "environments.dev2.: 'dev2.' cannot be an environment name: it ends with '.'",
            id="env-trailing-dot",
        ),
        pytest.param(
            GOOD.replace("  dev2: {", "  dev..2: {"),
            "environments.dev..2: 'dev..2' cannot be an environment name: it contains '..'",
            id="env-double-dot",
        ),
        pytest.param(
            "version: 1\nenvironments:\n  prod: &p {org: prod, branch: main}\n",
            "sfsync.yml:3: anchors and aliases are not supported",
            id="anchor",
        ),
        pytest.param(
            "version: 1\nx: &a [*a]\nenvironments: {}\n",
            "sfsync.yml:2: anchors and aliases are not supported",
            id="recursive-alias",
        ),
        pytest.param(
            "version: 1\nenvironments: " + "[" * 5000 + "]" * 5000 + "\n",
            "sfsync.yml:2: not valid YAML",
            id="deep-nesting",
        ),
        pytest.param("", "sfsync.yml: the file is empty", id="empty"),
    ],
)
def test_config_errors(tmp_path: Path, yml: str, expected: str) -> None:
    assert expected in error_of(tmp_path, yml)


def alias_bomb(levels: int) -> str:
    """A few hundred bytes whose aliases expand to 9**levels strings."""
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("environments: {prod: {org: prod, branch: main}}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    # 9 levels: ~400 bytes, 387 million strings once expanded (memory runs out first)
    yml = alias_bomb(9)
    assert len(yml) < 600
    started = time.monotonic()
    assert error_of(tmp_path, yml) == (
        "sfsync.yml:2: anchors and aliases are not supported (write each value out)"
    )
    assert time.monotonic() - started < 5  # the old code had not finished after minutes


def test_not_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    root = project(tmp_path, GOOD)
    (root / "sfsync.yml").write_bytes(GOOD.encode().replace(b"dev1-sandbox", b"dev1-\xe9"))
    with pytest.raises(ConfigError) as caught:
        config.load(root)
    assert caught.value.message == (
        "sfsync.yml:7: not UTF-8 text (byte 0xe9): save the file as UTF-8"
    )


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    root = project(tmp_path, GOOD)
    (root / "sfsync.yml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert config.load(root).names[0] == "prod"


def _chain(count: int) -> str:
    lines = ["version: 1", "environments:", "  prod: {org: prod, branch: main}"]
    upstream = "prod"
    for index in range(count):
        lines.append(f"  e{index}: {{org: o{index}, branch: b{index}, upstream: {upstream}}}")
        upstream = f"e{index}"
    return "\n".join(lines) + "\n"


def _calls(tmp_path: Path, count: int) -> int:
    """Python and builtin calls made to validate a chain of `count` envs and walk it."""
    root = project(tmp_path / str(count), _chain(count))
    calls = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        cfg = config.load(root)
        assert len(cfg.pipeline()) == count + 1
        assert cfg.env(f"e{count - 1}").upstream == f"e{count - 2}"
    finally:
        sys.setprofile(None)
    return calls


def test_validation_is_linear_in_the_number_of_environments(tmp_path: Path) -> None:
    # a deterministic count, not a timing: twice the envs, about twice the calls (a
    # quadratic walk makes it 4x; 20,000 envs took minutes)
    (tmp_path / "400").mkdir()
    (tmp_path / "800").mkdir()
    small, large = _calls(tmp_path, 400), _calls(tmp_path, 800)
    assert large / small < 2.2, (small, large)


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

    schema = json.loads(configfile.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]["environment"]["properties"]) == {
        "org",
        "branch",
        "upstream",
        "protected",
        "tests",
    }
