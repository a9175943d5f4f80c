"""`sfsync deploy --tests auto` and `tests:` in sfsync.yml: plans on real git repositories,
then the real sf against sfemu (RunSpecifiedTests with the chosen tests, the refusal of an
untested class, the org's coverage failure, RunRelevantTests)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sfemu.emulator import OrgEmulator
from sfemu.testing import LoggedInOrg
from sfsync.__main__ import main
from sfsync.git import state
from sfsync.pipeline.project import load as load_project
from sfsync.workflows import common
from workflows import CLASSES, META, apex, commit, git, new_repo, org_files, seed

Login = Callable[..., LoggedInOrg]
TEST = "@IsTest\nprivate class {name} {{\n    @IsTest static void it() {{ {body} }}\n}}\n"


def apex_test(name: str, body: str) -> dict[str, str]:
    return {
        f"{CLASSES}/{name}.cls": TEST.format(name=name, body=body),
        f"{CLASSES}/{name}.cls-meta.xml": META,
    }


BASE = {
    **apex("Service", " public void run() { Helper.go(); } "),
    **apex("Helper", " public static void go() { } "),
    **apex("Lonely"),
    **apex_test("ServiceTest", "new Service().run();"),
    **apex_test("UnrelatedTest", "System.assert(true);"),
}
HELPER_CHANGED = apex("Helper", " public static void go() { Integer v = 2; } ")
YML = """\
version: 1
remote: origin
environments:
  prod: {{org: {prod}, branch: main, protected: true{prod_tests}}}
  int:  {{org: {int}, branch: int, upstream: prod{int_tests}}}
"""


def run_json(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> dict[str, Any]:
    """Run sfsync with --json; check the exit code and the envelope's status."""
    assert main([*args, "--json"]) == code, capsys.readouterr().out[:3000]
    envelope: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert envelope["status"] == code
    return envelope


def project(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str],
    *,
    prod_tests: str = "",
    int_tests: str = "",
    api: str = "62.0",
    orgs: tuple[str, str] = ("at-prod", "at-int"),
) -> tuple[Path, str]:
    """A project holding BASE (what the orgs hold) whose int and main branches then received
    `change`; returns (repo, base sha)."""
    path, base = new_repo(tmp_path, {"prod": orgs[0], "int": orgs[1]}, BASE)
    yml = YML.format(
        prod=orgs[0],
        int=orgs[1],
        prod_tests=f", tests: {prod_tests}" if prod_tests else "",
        int_tests=f", tests: {int_tests}" if int_tests else "",
    )
    sfdx = json.dumps(
        {"packageDirectories": [{"path": "force-app", "default": True}], "sourceApiVersion": api}
    )
    base = commit(path, {"sfsync.yml": yml, "sfdx-project.json": sfdx}, "config")
    commit(path, change, "the change")
    git(path, "branch", "-f", "main", "int")
    monkeypatch.chdir(path)
    return path, base


# --- plans: no org is touched ----------------------------------------------------------------


def test_auto_picks_the_tests_that_reach_the_change_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = project(tmp_path, monkeypatch, apex("Helper", " public static void go() { } // 2"))
    envelope = run_json(
        capsys, "deploy", "--env", "int", "--baseline", base, "--tests", "auto", "--dry-run"
    )
    plan = envelope["result"]["plan"]
    assert (plan["testLevel"], plan["tests"]) == ("RunSpecifiedTests", ["ServiceTest"])
    selection = plan["testPlan"]["selection"]
    assert (plan["testPlan"]["mode"], plan["testPlan"]["source"]) == ("auto", "command line")
    (picked,) = selection["selected"]
    assert picked["why"][0]["chain"] == [
        "ApexClass:ServiceTest",
        "ApexClass:Service",
        "ApexClass:Helper",
    ]
    assert selection["targets"] == [
        {
            "component": "ApexClass:Helper",
            "why": "deployed",
            "needsCoverage": True,
            "tests": ["ServiceTest"],
        }
    ]
    assert selection["localTests"] == 2 and selection["uncovered"] == []


def test_the_explanation_in_markdown_and_on_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = project(tmp_path, monkeypatch, apex("Helper", " public static void go() { } // 2"))
    args = ["deploy", "--env", "int", "--baseline", base, "--tests", "auto", "--dry-run"]
    assert main([*args, "--format", "markdown"]) == 0
    report = capsys.readouterr().out
    assert "**Tests: RunSpecifiedTests** (auto, command line): 1 test class of 2 local" in report
    assert (  # escaped as anyone's text (`reports.text`): GitHub shows `->` and `(uses ...)`
        "| `ServiceTest` | reaches ApexClass:Helper: ServiceTest -&gt; Service \\(uses Service\\) "
        "-&gt; Helper \\(uses Helper\\) |"
    ) in report
    assert "| `ApexClass:Helper` | deployed | ServiceTest |" in report
    assert main(args) == 0
    assert "test    ServiceTest: reaches ApexClass:Helper" in capsys.readouterr().out


def test_deployed_apex_no_test_reaches_is_refused_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, base = project(tmp_path, monkeypatch, apex("Lonely", " Integer v = 2; "))
    envelope = run_json(
        capsys, "deploy", "--env", "int", "--baseline", base, "--tests", "auto", "--yes", code=1
    )
    assert envelope["name"] == "Uncovered"
    assert "no test class reaches ApexClass:Lonely" in envelope["message"]
    assert "\n" not in envelope["message"]
    assert envelope["data"]["tests"]["selection"]["uncovered"] == ["ApexClass:Lonely"]
    assert state.read_state(path, "int").commit is None
    assert main(["deploy", "--env", "int", "--baseline", base, "--tests", "auto", "--yes",
                 "--format", "markdown"]) == 1  # fmt: skip
    assert "reached by no test: `ApexClass:Lonely`" in capsys.readouterr().out


def test_the_refusal_explains_the_tests_it_did_find(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The refused selection says which tests it picked (not "0 test classes" beside a table
    of one), and the markdown keeps its own line breaks and bold instead of escaping them."""
    change = {**apex("Lonely", " Integer v = 2; "), **HELPER_CHANGED}
    _, base = project(tmp_path, monkeypatch, change)
    args = ["deploy", "--env", "int", "--baseline", base, "--tests", "auto", "--dry-run"]
    envelope = run_json(capsys, *args, code=1)
    tests = envelope["data"]["tests"]
    assert (tests["level"], tests["tests"]) == ("RunSpecifiedTests", ["ServiceTest"])
    assert main([*args, "--format", "markdown"]) == 1
    report = capsys.readouterr().out
    assert "**Tests: RunSpecifiedTests** (auto, command line): 1 test class of 2 local" in report
    assert "| `ApexClass:Lonely` | deployed | **none** |" in report
    assert "&lt;br&gt;" not in report and "\\*\\*none" not in report


def test_each_reason_is_a_line_of_its_markdown_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = project(tmp_path, monkeypatch, apex("Service", " public void run() { } // 2"))
    args = ["deploy", "--env", "int", "--baseline", base, "--tests", "auto", "--dry-run"]
    assert main([*args, "--format", "markdown"]) == 0
    assert (
        "| `ServiceTest` | reaches ApexClass:Service: ServiceTest -&gt; Service \\(uses Service\\)"
        "<br>named after ApexClass:Service |"
    ) in capsys.readouterr().out


def test_the_env_may_allow_uncovered_apex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = project(
        tmp_path,
        monkeypatch,
        {**apex("Lonely", " Integer v = 2; "), **apex("Helper", " static void go() { } ")},
        int_tests="{mode: auto, allow_uncovered: true, always: [UnrelatedTest]}",
    )
    plan = run_json(capsys, "deploy", "--env", "int", "--baseline", base, "--dry-run")["result"][
        "plan"
    ]
    assert plan["testLevel"] == "RunSpecifiedTests"
    assert plan["tests"] == ["ServiceTest", "UnrelatedTest"]
    assert plan["testPlan"]["source"] == "sfsync.yml"
    assert (
        "ApexClass:Lonely is reached by no test (tests.allow_uncovered)"
        in (plan["testPlan"]["notes"])
    )


LABELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    "    <labels><fullName>Hello</fullName><language>en_US</language><protected>false"
    "</protected><shortDescription>Hello</shortDescription><value>Hi</value></labels>\n"
    "</CustomLabels>\n"
)


@pytest.mark.parametrize(
    ("env", "level"),
    [pytest.param("int", "NoTestRun", id="sandbox"), pytest.param("prod", "OrgDefault", id="prod")],
)
def test_no_apex_runs_no_tests_where_salesforce_allows_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: str,
    level: str,
) -> None:
    labels = {"force-app/main/default/labels/CustomLabels.labels-meta.xml": LABELS}
    _, base = project(tmp_path, monkeypatch, labels, prod_tests="auto", int_tests="auto")
    plan = run_json(capsys, "deploy", "--env", env, "--baseline", base, "--dry-run")["result"][
        "plan"
    ]
    assert (plan["testLevel"], plan["tests"]) == (level, [])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(
            ["--test-level", "RunRelevantTests"],
            "Salesforce accepts RunRelevantTests from API 66.0 (sourceApiVersion is 62.0",
            id="relevant-too-old",
        ),
        pytest.param(
            ["--tests", "auto", "--test-level", "RunLocalTests"],
            "--tests auto runs RunSpecifiedTests",
            id="auto-with-level",
        ),
        pytest.param(
            ["--tests", "auto", "--tests", "FooTest"], "give no other --tests", id="auto-and-name"
        ),
        pytest.param(
            ["--test-level", "RunSpecifiedTests"], "needs --tests CLASS", id="specified-without"
        ),
    ],
)
def test_bad_test_options_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needle: str,
) -> None:
    _, base = project(tmp_path, monkeypatch, apex("Helper", " static void go() { } "))
    envelope = run_json(
        capsys, "deploy", "--env", "int", "--baseline", base, *args, "--dry-run", code=2
    )
    assert needle in envelope["message"]


def test_relevant_tests_are_accepted_from_api_66(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = project(
        tmp_path,
        monkeypatch,
        apex("Helper", " static void go() { } "),
        int_tests="RunRelevantTests",
        api="66.0",
    )
    plan = run_json(capsys, "deploy", "--env", "int", "--baseline", base, "--dry-run")["result"][
        "plan"
    ]
    assert plan["testLevel"] == "RunRelevantTests" and plan["testPlan"]["source"] == "sfsync.yml"


@pytest.mark.parametrize(
    ("int_tests", "args"),
    [
        pytest.param("RunRelevantTests", [], id="sfsync.yml"),
        pytest.param("", ["--test-level", "RunRelevantTests"], id="command-line"),
    ],
)
def test_relevant_tests_with_nothing_to_deploy_is_up_to_date(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    int_tests: str,
    args: list[str],
) -> None:
    """An org already at the tip: RunRelevantTests is checked against the project's
    sourceApiVersion (66.0), not refused as if it had none."""
    path, _ = project(tmp_path, monkeypatch, HELPER_CHANGED, int_tests=int_tests, api="66.0")
    tip = git(path, "rev-parse", "int").strip()
    result = run_json(capsys, "deploy", "--env", "int", "--baseline", tip, *args, "--yes")
    assert result["result"]["upToDate"] is True


# --- against the org ---------------------------------------------------------------------------


@pytest.fixture
def orgs(sfemu_login: Login, sf_home: Path) -> tuple[LoggedInOrg, LoggedInOrg]:
    """`at-prod` (production) and `at-int` (a sandbox), both holding BASE."""
    prod = sfemu_login("at-prod", sandbox=False)
    sandbox = sfemu_login("at-int", sandbox=True)
    for org in (prod, sandbox):
        seed(org.handle, BASE)
    return prod, sandbox


@pytest.mark.e2e
def test_auto_deploys_to_production_with_the_tests_it_picked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    orgs: tuple[LoggedInOrg, LoggedInOrg],
) -> None:
    prod = orgs[0]
    path, base = project(tmp_path, monkeypatch, HELPER_CHANGED)
    result = run_json(
        capsys, "deploy", "--env", "prod", "--confirm", "prod", "--baseline", base,
        "--tests", "auto", "--yes",
    )["result"]  # fmt: skip
    assert result["testLevel"] == "RunSpecifiedTests" and result["testsRun"] == 1
    record = prod.handle.deployments()[-1]
    assert record["status"] == "Succeeded"
    assert record["options"]["testLevel"] == "RunSpecifiedTests"
    assert record["options"]["runTests"] == ["ServiceTest"]
    assert record["coverageWarnings"] == []
    assert state.read_state(path, "prod").state.deployed == git(path, "rev-parse", "main")


@pytest.mark.e2e
def test_an_untested_class_is_refused_before_the_org_is_asked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    orgs: tuple[LoggedInOrg, LoggedInOrg],
) -> None:
    prod = orgs[0]
    before = (org_files(prod.handle), len(prod.handle.deployments()))
    _, base = project(tmp_path, monkeypatch, apex("Lonely", " Integer v = 2; "))
    envelope = run_json(
        capsys, "deploy", "--env", "prod", "--confirm", "prod", "--baseline", base,
        "--tests", "auto", "--yes", code=1,
    )  # fmt: skip
    assert envelope["name"] == "Uncovered" and "ApexClass:Lonely" in envelope["message"]
    assert (org_files(prod.handle), len(prod.handle.deployments())) == before


@pytest.mark.e2e
def test_the_org_refuses_named_tests_that_cover_nothing_deployed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    orgs: tuple[LoggedInOrg, LoggedInOrg],
) -> None:
    prod = orgs[0]
    before = org_files(prod.handle)
    path, base = project(tmp_path, monkeypatch, HELPER_CHANGED)
    envelope = run_json(
        capsys, "deploy", "--env", "prod", "--confirm", "prod", "--baseline", base,
        "--tests", "UnrelatedTest", "--yes", code=1,
    )  # fmt: skip
    assert envelope["name"] == "DeployFailed"
    assert (
        "ApexClass:Helper: Test coverage of selected Apex Class is 0%, at least 75% test "
        "coverage is required"
    ) in envelope["message"]
    assert org_files(prod.handle) == before
    assert prod.handle.deployments()[-1]["coverageWarnings"] == [
        {
            "name": "Helper",
            "message": "Test coverage of selected Apex Class is 0%, at least 75% test coverage "
            "is required",
        }
    ]
    assert state.read_state(path, "prod").commit is None


@pytest.mark.e2e
@pytest.mark.parametrize("beta_fails", [False, True], ids=["runs-tests", "runs-none"])
def test_run_relevant_tests_and_its_zero_test_failure(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sfemu: OrgEmulator,
    sfemu_login: Login,
    sf_home: Path,
    beta_fails: bool,
) -> None:
    # an org on API 66.0 (Spring '26): sf remembers the newest version it saw at login
    monkeypatch.setattr(sfemu.settings, "newest_api", 66)
    prod = sfemu_login("at-prod-66", sandbox=False)
    seed(prod.handle, BASE)
    _, base = project(
        tmp_path, monkeypatch, HELPER_CHANGED, api="66.0", orgs=("at-prod-66", "at-int")
    )
    if beta_fails:
        prod.handle.run_no_relevant_tests()
    result = run_json(
        capsys, "deploy", "--env", "prod", "--confirm", "prod", "--baseline", base,
        "--test-level", "RunRelevantTests", "--yes",
    )["result"]  # fmt: skip
    record = prod.handle.deployments()[-1]
    assert record["options"]["testLevel"] == "RunRelevantTests"
    loud = [w for w in result["warnings"] if "RUNRELEVANTTESTS RAN NO TESTS" in w]
    if beta_fails:
        assert result["testsRun"] == 0 and record["tests"] == []
        assert loud and "ApexClass:Helper" in loud[0]
    else:
        assert record["tests"] == ["ServiceTest"] and result["testsRun"] == 1
        assert not loud


@pytest.mark.e2e
def test_an_org_older_than_the_level_refuses_it_in_its_own_words(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    orgs: tuple[LoggedInOrg, LoggedInOrg],
) -> None:
    # sourceApiVersion 66.0, but the org (and so sf's connection) is on 65.0
    _, base = project(tmp_path, monkeypatch, HELPER_CHANGED, api="66.0")
    envelope = run_json(
        capsys, "deploy", "--env", "prod", "--confirm", "prod", "--baseline", base,
        "--test-level", "RunRelevantTests", "--yes", code=1,
    )  # fmt: skip
    # the DeployResult's errorMessage is the only reason given: it must reach the user
    assert (
        "'RunRelevantTests' is not a valid value for the enum 'TestLevel'" in (envelope["message"])
    )


@pytest.mark.e2e
def test_back_promote_and_pull_upstream_deploy_with_the_envs_tests(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    orgs: tuple[LoggedInOrg, LoggedInOrg],
) -> None:
    """The deploy step those two workflows share (`workflows.common.deploy`) takes the env's
    `tests: auto`."""
    sandbox = orgs[1]
    path, base = project(tmp_path, monkeypatch, HELPER_CHANGED, int_tests="auto")
    proj = load_project(path)
    outcome = common.deploy(
        proj,
        proj.config.env("int"),
        from_sha=base,
        to_sha=git(path, "rev-parse", "int"),
        kind="back-promote",
        exclude=(),
        policy="stop",
        new_state=lambda current: current,
        details={"summary": "back-promote for the test"},
    )
    assert outcome.step["testPlan"]["source"] == "sfsync.yml"
    assert outcome.step["testLevel"] == "RunSpecifiedTests"
    record = sandbox.handle.deployments()[-1]
    assert record["options"]["runTests"] == ["ServiceTest"]


@pytest.mark.e2e
def test_compare_deploy_runs_the_target_envs_tests(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    orgs: tuple[LoggedInOrg, LoggedInOrg],
) -> None:
    prod, sandbox = orgs
    # the sandbox holds a newer Helper than git and prod; compare sends it to prod
    sandbox.handle.put_many({"classes/Helper.cls": HELPER_CHANGED[f"{CLASSES}/Helper.cls"]})
    _, _base = project(tmp_path, monkeypatch, {}, prod_tests="auto")
    result = run_json(
        capsys, "compare", "int", "prod", "--types", "ApexClass", "--deploy", "ApexClass:Helper",
        "--yes",
    )["result"]  # fmt: skip
    assert result["step"]["testLevel"] == "RunSpecifiedTests"
    record = prod.handle.deployments()[-1]
    assert record["options"]["runTests"] == ["ServiceTest"] and record["status"] == "Succeeded"


def _controlling_terminal() -> None:
    """In the child: the pty on stdin becomes its terminal, so Ctrl-C there sends SIGINT,
    which it handles as Python does by default (a pytest-xdist worker ignores SIGINT, and a
    child would inherit that)."""
    import fcntl
    import signal
    import termios

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _at_a_terminal(cwd: Path, args: list[str], answer: bytes) -> tuple[int, str]:
    """Run sfsync at a pseudo-terminal; type `answer` at its question."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfsync", *args],
        cwd=cwd, stdin=child_fd, stdout=child_fd, stderr=child_fd, start_new_session=True,
        preexec_fn=_controlling_terminal,
    )  # fmt: skip
    os.close(child_fd)
    seen, answered, deadline = b"", False, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if select.select([main_fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(main_fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            if not answered and b"[y/N]" in seen:
                os.write(main_fd, answer)
                answered = True
            if proc.poll() is not None and not select.select([main_fd], [], [], 0.2)[0]:
                break
        return proc.wait(timeout=30), seen.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main_fd)


@pytest.mark.parametrize(
    ("answer", "code", "said"),
    [
        pytest.param(b"n\r", 1, "answered no: nothing more was done", id="no"),
        pytest.param(b"\x03", 130, "aborted by the user", id="ctrl-c"),
    ],
)
def test_no_at_the_question_is_exit_1_and_ctrl_c_is_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: bytes, code: int, said: str
) -> None:
    path, base = project(tmp_path, monkeypatch, HELPER_CHANGED)
    exit_code, seen = _at_a_terminal(path, ["deploy", "--env", "int", "--baseline", base], answer)
    assert (exit_code, said in seen) == (code, True), seen
    assert state.read_state(path, "int").commit is None  # nothing recorded, no org asked
