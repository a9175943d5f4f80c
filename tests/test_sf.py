"""The sf driver: the shapes sf answers with, turned into results or one clear error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sfemu.testing import LoggedInOrg
from sfsync.org import answers, sf

Login = Callable[..., LoggedInOrg]


def finish(exit_code: int, data: dict[str, Any]) -> sf.Deployed:
    return sf._finish(sf._Run(("project", "deploy"), exit_code, data), "int", None, False, 1)


FAILED_FILE = {
    "type": "ApexClass",
    "fullName": "Foo",
    "state": "Failed",
    "error": "Variable does not exist: x",
    "problemType": "Error",
    "lineNumber": "3",
}


def test_success_lists_deployed_and_deleted_components() -> None:
    done = finish(
        0,
        {
            "status": 0,
            "result": {
                "id": "0Af1",
                "status": "Succeeded",
                "success": "true",  # booleans may be strings
                "files": [
                    {"type": "ApexClass", "fullName": "Foo", "state": "Changed"},
                    {"type": "ApexClass", "fullName": "Bar", "state": "Deleted"},
                ],
            },
        },
    )
    assert done.job_id == "0Af1" and done.deployed == ("ApexClass:Foo",)
    assert done.deleted == ("ApexClass:Bar",)


@pytest.mark.parametrize(
    "result",
    [
        pytest.param({"status": "Failed", "success": False, "files": [FAILED_FILE]}, id="files"),
        pytest.param(
            {
                "status": "Failed",
                "success": "false",
                "details": {
                    "componentFailures": {  # one failure: an object, not a list
                        "componentType": "ApexClass",
                        "fullName": "Foo",
                        "problem": "Variable does not exist: x",
                        "lineNumber": 3,
                    }
                },
            },
            id="one-component-failure-object",
        ),
    ],
)
def test_a_refused_deploy_names_the_org_component_and_line(result: dict[str, Any]) -> None:
    with pytest.raises(sf.DeployFailed) as caught:
        finish(1, {"status": 1, "result": {"id": "0Af2", **result}})
    message = caught.value.message
    assert message.startswith("deploy to org 'int' failed")
    assert "ApexClass:Foo (line 3): Variable does not exist: x" in message
    assert caught.value.exit_code == 1 and caught.value.job_id == "0Af2"


def test_one_failure_in_files_and_details_is_listed_once() -> None:
    # sf's files[] repeats details.componentFailures with `(line:column)` appended
    result = {
        "status": "Failed",
        "success": False,
        "files": [{**FAILED_FILE, "error": "Variable does not exist: x (3:1)"}],
        "details": {
            "componentFailures": {
                "componentType": "ApexClass",
                "fullName": "Foo",
                "problem": "Variable does not exist: x",
                "lineNumber": 3,
            }
        },
    }
    with pytest.raises(sf.DeployFailed) as caught:
        finish(1, {"status": 1, "result": result})
    assert caught.value.message == (
        "deploy to org 'int' failed (1 component or test error): "
        "ApexClass:Foo (line 3): Variable does not exist: x"
    )
    assert len(caught.value.failures) == 1


def test_component_failures_as_a_list_and_test_failures() -> None:
    result = {
        "status": "Failed",
        "success": False,
        "details": {
            "componentFailures": [
                {"componentType": "ApexClass", "fullName": "A", "problem": "bad a"},
                {"componentType": "ApexClass", "fullName": "B", "problem": "bad b"},
            ],
            "runTestResult": {
                "failures": {"name": "FooTest", "methodName": "itWorks", "message": "Assert"}
            },
        },
    }
    with pytest.raises(sf.DeployFailed) as caught:
        finish(1, {"status": 1, "result": result})
    assert [f.component for f in caught.value.failures] == [
        "ApexClass:A",
        "ApexClass:B",
        "ApexTestClass:FooTest.itWorks",
    ]


def test_partial_success_is_a_failure_that_says_so() -> None:
    result = {"status": "SucceededPartial", "success": True, "files": [FAILED_FILE]}
    with pytest.raises(sf.DeployFailed, match="partially succeeded"):
        finish(68, {"status": 68, "result": result})


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        pytest.param(
            {"name": "sf:REQUEST_LIMIT_EXCEEDED", "message": "limit", "exitCode": 1},
            "request limit",
            id="request-limit",
        ),
        pytest.param(
            {"name": "MetadataTransferError", "message": "HTTP status code: 500", "exitCode": 1},
            "the org's server answered HTTP 500",
            id="http-500",
        ),
        pytest.param(
            {"name": "NoOrgFound", "message": "No authorization information found for int."},
            "sf org login web --alias int",
            id="no-login",
        ),
    ],
)
def test_thrown_errors_become_one_sfsync_error(data: dict[str, Any], needle: str) -> None:
    with pytest.raises(sf.SfError) as caught:
        finish(1, {"status": 1, **data})
    assert "org 'int'" in caught.value.message and needle in caught.value.message
    assert caught.value.exit_code == 3


def test_an_answer_sf_could_not_use_says_what_sf_said_and_not_the_network() -> None:
    # what the pinned sf prints when the org sends a site's .site-meta.xml without its folder
    message = (
        "Metadata API request failed: unpackaged/experiences/E_Bikes1.site-meta.xml: "
        "Expected source files for type 'ExperienceBundle'"
    )
    data = {"name": "MetadataTransferError", "message": message, "data": {"id": "09S1"}}
    with pytest.raises(sf.SfError) as caught:
        retrieved(1, {"status": 1, "exitCode": 1, **data})
    text = caught.value.message
    assert text.startswith(
        "sf could not retrieve ExperienceBundle:E_Bikes1 on org 'dev1': Expected source files "
        "for type 'ExperienceBundle' (unpackaged/experiences/E_Bikes1.site-meta.xml came "
        "without them); "
    )
    assert "network" not in text and "connection" not in text
    assert "sf project retrieve start --metadata ExperienceBundle:E_Bikes1" in text
    assert caught.value.exit_code == 3


@pytest.mark.e2e
def test_a_site_without_its_files_is_named_by_the_real_sf(
    sfemu_login: Login, sf_home: Path, tmp_path: Path
) -> None:
    org = sfemu_login("core-site")
    org.handle.reset()
    # an org whose answer holds a site's .site-meta.xml and none of its folder
    org.handle.put(
        "experiences/E_Bikes1.site-meta.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ExperienceBundle xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <label>E-Bikes</label>\n    <type>customSite</type>\n</ExperienceBundle>\n",
    )
    manifest = tmp_path / "package.xml"
    manifest.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <types><members>E_Bikes1</members><name>ExperienceBundle</name></types>\n"
        "    <version>62.0</version>\n</Package>\n",
        encoding="utf-8",
    )
    with pytest.raises(sf.SfError) as caught:
        sf.retrieve(org.alias, manifest, tmp_path / "out")
    text = caught.value.message
    assert text.startswith(
        "sf could not retrieve ExperienceBundle:E_Bikes1 on org 'core-site': Expected source "
        "files for type 'ExperienceBundle'"
    )
    assert "network" not in text


@pytest.mark.parametrize(
    ("exit_code", "message"),
    [
        pytest.param(1, "Metadata API request failed: socket hang up", id="hang-up"),
        pytest.param(
            1, "Metadata API request failed: connect ECONNREFUSED 127.0.0.1:9", id="refused"
        ),
        pytest.param(10, "Metadata API request failed: something else", id="exit-10"),
        pytest.param(1, "Metadata API request failed: a", id="other-not-network"),
    ],
)
def test_only_a_connection_failure_is_called_one(exit_code: int, message: str) -> None:
    with pytest.raises(sf.SfError) as caught:
        retrieved(
            exit_code, {"status": exit_code, "name": "MetadataTransferError", "message": message}
        )
    # a refused connection is named with its address (nothing answers there), not guessed
    text = caught.value.message
    network = "check the network" in text or "connection to 127.0.0.1:9 was refused" in text
    assert network == (not message.endswith(": a"))
    if not network:
        assert caught.value.message.startswith(
            "sf could not retrieve on org 'dev1': a; run the same"
        )


def test_tokens_never_reach_the_message() -> None:
    token = "00D5g000004abcd!AQ4AQFakeTokenValue.abc"
    with pytest.raises(sf.SfError) as caught:
        finish(1, {"status": 1, "name": "Weird", "message": f"bad session {token}"})
    assert token not in caught.value.message


@pytest.mark.e2e
def test_org_display_names_the_org_without_its_token(sfemu_login: Login, sf_home: Path) -> None:
    org = sfemu_login("core-int")
    info = sf.org_display(org.alias)
    assert info.org_id == org.org.org_id and info.username == org.org.username
    assert org.org.access_token not in repr(info)


@pytest.mark.e2e
def test_an_org_value_is_never_read_as_a_flag(sfemu_login: Login, sf_home: Path) -> None:
    # as two arguments, `--target-org --help` makes sf print its help (and a value like
    # `--target-org=other` would switch orgs): sfsync writes `--target-org=<value>`
    sfemu_login("core-int")
    with pytest.raises(sf.SfError) as caught:
        sf.org_display("--help")
    assert "sf has no login for '--help'" in caught.value.message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ("org", "display", "--target-org", "-o"),
            ["org", "display", "--target-org=-o"],
            id="org",
        ),
        pytest.param(
            ("project", "deploy", "start", "--tests", "--dry-run", "--ignore-conflicts"),
            ["project", "deploy", "start", "--tests=--dry-run", "--ignore-conflicts"],
            id="tests",
        ),
        pytest.param(
            ("project", "deploy", "report", "--job-id", "0Af1", "--wait", "5"),
            ["project", "deploy", "report", "--job-id=0Af1", "--wait=5"],
            id="job",
        ),
    ],
)
def test_flag_values_are_joined_to_their_flag(args: tuple[str, ...], expected: list[str]) -> None:
    assert sf._joined(args) == expected


def test_an_answer_reaches_sfsync_without_terminal_control() -> None:
    stdout = json.dumps(
        {
            "status": 0,
            "result": {
                "fileProperties": [
                    {"lastModifiedByName": "Dana \x1b]0;pwned\x07\x1b[2JDev", "type": "ApexClass"}
                ]
            },
        }
    )
    data = answers.parse(stdout)
    assert data is not None
    assert data["result"]["fileProperties"][0]["lastModifiedByName"] == "Dana Dev"


def retrieved(exit_code: int, data: dict[str, Any]) -> sf.Retrieved:
    return sf._retrieved(sf._Run(("project", "retrieve"), exit_code, data), "dev1", Path("."))


def test_a_retrieve_that_failed_with_exit_0_is_a_failure() -> None:
    data = {
        "status": 0,
        "result": {
            "status": "Failed",
            "success": False,
            "errorStatusCode": "LIMIT_EXCEEDED",
            "errorMessage": "LIMIT_EXCEEDED: Too many files in retrieve call, limit is: 10000",
        },
    }
    with pytest.raises(sf.SfError, match=r"org 'dev1' failed: LIMIT_EXCEEDED.*smaller steps"):
        retrieved(0, data)


def test_a_retrieve_lists_who_changed_what_and_the_missing_members() -> None:
    data = {
        "status": 0,
        "result": {
            "status": "Succeeded",
            "success": "true",
            "fileProperties": [
                {"type": "Package", "fullName": "unpackaged/package.xml"},
                {
                    "type": "ApexClass",
                    "fullName": "Foo",
                    "lastModifiedByName": "Jane Admin",
                    "lastModifiedDate": "2026-11-21T10:00:00.000Z",
                },
            ],
            "messages": {
                "fileName": "package.xml",
                "problem": "Entity of type 'ApexClass' named 'Gone' cannot be found",
            },
        },
    }
    got = retrieved(0, data)
    assert list(got.properties) == ["ApexClass:Foo"]
    assert got.properties["ApexClass:Foo"].last_modified_by == "Jane Admin"
    assert got.missing == ("package.xml: Entity of type 'ApexClass' named 'Gone' cannot be found",)


def test_source_conflicts_name_the_components() -> None:
    data = {
        "name": "SourceConflictError",
        "message": "2 conflicts detected",
        "data": [
            {"state": "Conflict", "fullName": "Foo", "type": "ApexClass"},
            {"state": "Conflict", "fullName": "Foo", "type": "ApexClass"},
        ],
    }
    with pytest.raises(sf.SfError, match=r"conflict with the project \(ApexClass:Foo\)"):
        finish(1, {"status": 1, **data})


def test_a_thrown_failed_validation_is_a_refused_deploy() -> None:
    message = "Failed to validate the deployment (0Af3).\nError in Foo - Unexpected token\n"
    with pytest.raises(sf.DeployFailed, match="validation on org 'int' failed") as caught:
        finish(1, {"status": 1, "name": "FailedValidationError", "message": message})
    assert "Error in Foo - Unexpected token" in caught.value.message


@pytest.mark.parametrize(
    ("result", "line"),
    [
        pytest.param(
            {
                "status": "InProgress",
                "numberComponentsDeployed": 64,
                "numberComponentsTotal": 91,
                "numberComponentErrors": 0,
                "numberTestsCompleted": 0,
                "numberTestsTotal": 12,
            },
            "deploy int: InProgress | 64/91 components (0 errors) | 0/12 tests",
            id="with-tests",
        ),
        pytest.param(
            {"status": "Pending"},
            "deploy int: Pending | 0/0 components (0 errors)",
            id="not-counted-yet",
        ),
        pytest.param(
            {
                "status": "InProgress",
                "checkOnly": "true",
                "numberComponentsDeployed": "3",
                "numberComponentsTotal": "3",
                "numberComponentErrors": "1",
                "numberTestsCompleted": 4,
                "numberTestsTotal": 5,
                "numberTestErrors": 2,
            },
            "validate int: InProgress | 3/3 components (1 errors) | 4/5 tests (2 failed)",
            id="validation-with-failures",
        ),
    ],
)
def test_progress_reads_the_deploy_counters_into_one_line(
    result: dict[str, Any], line: str
) -> None:
    from dataclasses import replace

    from sfsync.org.answers import progress

    seen = replace(progress(result), env="int")
    assert seen.line() == line
    assert seen.done == seen.components_done + seen.tests_done


def test_sf_runs_without_its_log_file_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """sf waits for its log file's writer thread as it exits (~0.4 s a call): sfsync turns it
    off unless the environment says otherwise; the auto-updater is always off."""
    monkeypatch.delenv("SF_DISABLE_LOG_FILE", raising=False)
    monkeypatch.setenv("SF_DISABLE_AUTOUPDATE", "false")
    env = sf._env()
    assert (env["SF_DISABLE_LOG_FILE"], env["SF_DISABLE_AUTOUPDATE"]) == ("true", "true")
    monkeypatch.setenv("SF_DISABLE_LOG_FILE", "false")
    assert sf._env()["SF_DISABLE_LOG_FILE"] == "false"


# what the pinned sf printed under Node.js 20 (its modules need node >= 22): node's own crash
NODE_CRASH = """\
/repo/node_modules/undici/lib/interceptor/decompress.js:78
  zstd: createZstdDecompress.bind(null, { params: { [constants.ZSTD_d_windowLogMax]: 23 } })
                             ^

TypeError: Cannot read properties of undefined (reading 'bind')
    at Object.<anonymous> (/repo/node_modules/undici/lib/interceptor/decompress.js:78:30)
    at Module._compile (node:internal/modules/cjs/loader:1521:14)

Node.js v20.20.2
"""


def test_node_crashing_under_sf_is_named_with_its_error_and_version() -> None:
    """The old line quoted the last one ("Node.js v20.20.2"), as if it were the error."""
    line = answers.no_answer("", NODE_CRASH, what="list the orgs", org="(all)", exit_code=1)
    assert line.startswith(
        "sf crashed trying to list the orgs (exit 1) under Node.js v20.20.2: TypeError: "
        "Cannot read properties of undefined (reading 'bind'); check that this Node.js is one "
        "your sf supports (`node --version`"
    ), line
    other = answers.no_answer("", "boom\nlast words\n", what="x", org="dev1", exit_code=2)
    assert other == (
        "sf failed trying to x on org 'dev1' (exit 2): last words; check that `sf` works "
        "(`sf org list`)"
    )


def _older_node() -> str | None:
    """A node older than the pinned sf needs (22), when this machine has one."""
    import subprocess

    for candidate in ("/usr/bin/node", "/usr/local/bin/node"):
        if Path(candidate).is_file():
            version = subprocess.run(
                [candidate, "--version"], capture_output=True, text=True, check=False
            ).stdout
            if version.startswith("v") and int(version[1:].split(".")[0]) < 22:
                return candidate
    return None


@pytest.mark.e2e
def test_the_real_sf_under_an_older_node_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _older_node()
    if old is None:
        pytest.skip("no Node.js older than 22 on this machine")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(old)
    sf_bin = Path(__file__).resolve().parents[1] / "node_modules" / ".bin"
    monkeypatch.setenv("PATH", f"{bin_dir}:{sf_bin}:/usr/bin:/bin")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(sf.SfError) as caught:
        sf.org_list()
    message = str(caught.value)
    assert message.startswith("sf crashed trying to list the orgs (exit "), message
    assert "under Node.js v" in message and "Error" in message and "\n" not in message
