"""End-to-end: the real pinned ``sf`` CLI against sfemu."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sfemu_sample import SAMPLE_COMPONENTS, SAMPLE_FILES, apex_class, field, sample_project, tree

from sfemu import OrgEmulator
from sfemu.testing import HttpsEmulator, LoggedInOrg, SfCli, SfRun, write_project

pytestmark = pytest.mark.e2e

Login = Callable[..., LoggedInOrg]


def files_of(run: SfRun) -> set[tuple[str, str, str]]:
    """(type, fullName, state) of every entry of result.files."""
    return {(f["type"], f["fullName"], f["state"]) for f in run.result["files"]}


def deploy(sf: SfCli, project: Path, alias: str, *extra: str) -> SfRun:
    return sf.run("project", "deploy", "start", "-o", alias, "-d", "force-app", *extra, cwd=project)


@dataclass(frozen=True)
class Deployed:
    org: LoggedInOrg
    project: Path
    run: SfRun
    before: dict[str, bytes]  # the org's files right after the deploy


@pytest.fixture(scope="module")
def deployed(
    sf_cli: SfCli, sfemu_login: Login, tmp_path_factory: pytest.TempPathFactory
) -> Deployed:
    """The sample project deployed once to org e2e-main (tests that read it share it)."""
    org = sfemu_login("e2e-main")
    project = tmp_path_factory.mktemp("sample")
    sample_project(project)
    run = deploy(sf_cli, project, org.alias)
    snapshot = {p: org.handle.read(p) for p in org.handle.list()}
    return Deployed(org, project, run, snapshot)


def org_files(org: LoggedInOrg) -> dict[str, bytes]:
    return {p: org.handle.read(p) for p in org.handle.list()}


def test_login_shows_the_emulated_org(
    sf_cli: SfCli, deployed: Deployed, sfemu: OrgEmulator
) -> None:
    org = deployed.org
    run = sf_cli.run("org", "display", "-o", org.alias)
    assert run.exit_code == 0, run.stdout
    assert run.result["id"] == org.org.org_id
    assert run.result["username"] == org.org.username
    assert run.result["instanceUrl"].rstrip("/") == sfemu.url
    assert run.result["connectedStatus"] == "Connected"


def test_login_with_an_sfdx_auth_url_over_https(
    sf_cli: SfCli, sfemu_https: HttpsEmulator, tmp_path: Path
) -> None:
    org = sfemu_https.emulator.create_org("https-int", sandbox=True)
    url_file = tmp_path / "auth-url.txt"
    url_file.write_text(org.sfdx_auth_url, encoding="utf-8")
    run = sf_cli.run(
        "org", "login", "sfdx-url", "--sfdx-url-file", str(url_file), "--alias", "https-int",
        env=sfemu_https.sf_env,
    )  # fmt: skip
    assert run.exit_code == 0, run.stdout
    assert run.result["orgId"] == org.org_id and run.result["username"] == org.username
    assert run.result["instanceUrl"] == sfemu_https.emulator.url
    shown = sf_cli.run("org", "display", "-o", "https-int", env=sfemu_https.sf_env)
    assert shown.result["connectedStatus"] == "Connected"
    assert org.refresh_token not in shown.stdout
    log = (sfemu_https.emulator.root.path / "requests.log").read_text(encoding="utf-8")
    assert "POST /services/oauth2/token grant_type=refresh_token\n" in log
    # a URL with a refresh token the org did not issue is refused by the token endpoint
    url_file.write_text(org.sfdx_auth_url.replace("::5Aep", "::5Aeq"), encoding="utf-8")
    bad = sf_cli.run(
        "org", "login", "sfdx-url", "--sfdx-url-file", str(url_file), env=sfemu_https.sf_env
    )
    assert bad.exit_code == 1 and "expired access/refresh token" in bad.stdout


def test_login_with_a_wrong_token_is_refused(sf_cli: SfCli, sfemu: OrgEmulator) -> None:
    run = sf_cli.run(
        "org",
        "login",
        "access-token",
        "--instance-url",
        sfemu.url,
        "--no-prompt",
        env={"SF_ACCESS_TOKEN": "00D000000000000!not-a-token"},
    )
    assert run.exit_code == 1
    assert "Session expired or invalid" in run.json["message"]


def test_deploy_creates_every_component(deployed: Deployed) -> None:
    run = deployed.run
    assert run.exit_code == 0, run.stdout
    assert run.result["status"] == "Succeeded"
    assert {f"{t}:{n}" for t, n, _ in files_of(run)} == SAMPLE_COMPONENTS
    assert {s for _, _, s in files_of(run)} == {"Created"}
    assert sorted(deployed.before) == SAMPLE_FILES
    record = deployed.org.handle.deployments()[-1]
    assert record["status"] == "Succeeded"
    assert set(record["deployed"]) == SAMPLE_COMPONENTS
    assert set(record["created"]) == SAMPLE_COMPONENTS and record["changed"] == []
    assert record["deleted"] == []
    obj = deployed.before["objects/Widget__c.object"].decode()
    assert "<fullName>Size__c</fullName>" in obj and "<fullName>Weight__c</fullName>" in obj


def test_retrieve_into_a_fresh_project_is_byte_equal(
    deployed: Deployed, sf_cli: SfCli, tmp_path: Path
) -> None:
    manifest = tmp_path / "package.xml"
    manifest.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <types><members>*</members><name>ApexClass</name></types>\n"
        "    <types><members>*</members><name>LightningComponentBundle</name></types>\n"
        "    <types><members>Widget__c</members><name>CustomObject</name></types>\n"
        "    <types><members>Sales</members><members>Sales/Pipeline</members>"
        "<name>Report</name></types>\n"
        "    <version>62.0</version>\n</Package>\n",
        encoding="utf-8",
    )
    fresh = tmp_path / "fresh"
    write_project(fresh)
    run = sf_cli.run(
        "project",
        "retrieve",
        "start",
        "-o",
        deployed.org.alias,
        "-x",
        str(manifest),
        cwd=fresh,
    )
    assert run.exit_code == 0, run.stdout
    assert run.result["success"] is True
    assert tree(fresh / "force-app") == tree(deployed.project / "force-app")
    props = {p["fullName"]: p for p in run.result["fileProperties"]}
    assert props["AccountService"]["lastModifiedByName"] == "Admin User"


def test_back_door_edit_shows_in_the_next_retrieve(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    org.handle.put("classes/Hotfix.cls", "public class Hotfix { /* setup */ }\n", by="Jane Admin")
    org.handle.put(
        "classes/Hotfix.cls-meta.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n",
        by="Jane Admin",
    )
    write_project(tmp_path)
    run = sf_cli.run(
        "project", "retrieve", "start", "-o", org.alias,
        "-m", "ApexClass:Hotfix", "-m", "ApexClass:NoSuchClass", cwd=tmp_path,
    )  # fmt: skip
    assert run.exit_code == 0, run.stdout
    retrieved = tmp_path / "force-app/main/default/classes/Hotfix.cls"
    assert retrieved.read_text() == "public class Hotfix { /* setup */ }\n"
    props = {p["fullName"]: p for p in run.result["fileProperties"]}
    assert props["Hotfix"]["lastModifiedByName"] == "Jane Admin"
    messages = run.result["messages"]
    assert any("named 'NoSuchClass' cannot be found" in m["problem"] for m in messages), run.stdout[
        :3000
    ]


def test_post_destructive_changes_remove_components(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    project = tmp_path / "p"
    sample_project(project)
    assert deploy(sf_cli, project, org.alias).exit_code == 0
    (tmp_path / "destructiveChangesPost.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <types>\n        <members>Widget__c.Weight__c</members>\n"
        "        <name>CustomField</name>\n    </types>\n"
        "    <types>\n        <members>AccountServiceTest</members>\n"
        "        <name>ApexClass</name>\n    </types>\n"
        "    <version>62.0</version>\n</Package>\n",
        encoding="utf-8",
    )
    (tmp_path / "package.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <types>\n        <members>AccountService</members>\n"
        "        <name>ApexClass</name>\n    </types>\n"
        "    <version>62.0</version>\n</Package>\n",
        encoding="utf-8",
    )
    run = sf_cli.run(
        "project",
        "deploy",
        "start",
        "-o",
        org.alias,
        "-x",
        str(tmp_path / "package.xml"),
        "--post-destructive-changes",
        str(tmp_path / "destructiveChangesPost.xml"),
        cwd=project,
    )
    assert run.exit_code == 0, run.stdout
    comps = org.handle.components()
    assert "ApexClass:AccountServiceTest" not in comps
    assert "CustomField:Widget__c.Weight__c" not in comps
    assert "CustomField:Widget__c.Size__c" in comps
    record = org.handle.deployments()[-1]
    assert record["deployed"] == ["ApexClass:AccountService"]
    assert sorted(record["deleted"]) == [
        "ApexClass:AccountServiceTest",
        "CustomField:Widget__c.Weight__c",
    ]


def _manifest(path: Path, members: dict[str, list[str]]) -> Path:
    types = "".join(
        "    <types>\n"
        + "".join(f"        <members>{m}</members>\n" for m in names)
        + f"        <name>{name}</name>\n    </types>\n"
        for name, names in members.items()
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        f"{types}    <version>62.0</version>\n</Package>\n",
        encoding="utf-8",
    )
    return path


def test_a_field_apex_uses_cannot_be_deleted(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    # as an org answers (SFDO-Tooling/CumulusCI#142): the field stays, the deploy fails
    org = sfemu_scratch_org
    project = tmp_path / "p"
    default = sample_project(project)
    apex_class(
        default, "Scale", "public class Scale { Decimal w(Widget__c x) { return x.Weight__c; } }\n"
    )
    assert deploy(sf_cli, project, org.alias).exit_code == 0
    empty = _manifest(tmp_path / "package.xml", {})

    def delete(members: dict[str, list[str]]) -> SfRun:
        post = _manifest(tmp_path / "destructiveChangesPost.xml", members)
        return sf_cli.run(
            "project", "deploy", "start", "-o", org.alias, "-x", str(empty),
            "--post-destructive-changes", str(post), cwd=project,
        )  # fmt: skip

    run = delete({"CustomField": ["Widget__c.Weight__c"]})
    assert run.exit_code == 1, run.stdout
    # sf lists the failure once with the project's file and once without
    assert {(f["type"], f["fullName"], f["error"]) for f in _failed(run)} == {
        (
            "CustomField",
            "Widget__c.Weight__c",
            "This custom field is referenced elsewhere in salesforce.com. : Apex Class - Scale.",
        )
    }
    assert "CustomField:Widget__c.Weight__c" in org.handle.components()
    # deleted with its user, it goes (an org's answer too)
    run = delete({"CustomField": ["Widget__c.Weight__c"], "ApexClass": ["Scale"]})
    assert run.exit_code == 0, run.stdout
    assert "CustomField:Widget__c.Weight__c" not in org.handle.components()


def test_dry_run_changes_nothing(deployed: Deployed, sf_cli: SfCli, tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(deployed.project, project)
    apex_class(
        project / "force-app/main/default",
        "AccountService",
        "public class AccountService { /* changed */ }\n",
    )
    run = deploy(sf_cli, project, deployed.org.alias, "--dry-run", "--test-level", "RunLocalTests")
    assert run.exit_code == 0, run.stdout
    assert run.result["checkOnly"] is True
    assert org_files(deployed.org) == deployed.before
    record = deployed.org.handle.deployments()[-1]
    assert record["options"]["checkOnly"] is True
    assert record["deployed"] == [] and "ApexClass:AccountService" in record["validated"]
    assert record["options"]["testLevel"] == "RunLocalTests"
    assert record["tests"] == ["AccountServiceTest"]


def test_validate_then_quick_deploy(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    default = write_project(tmp_path)
    apex_class(default, "Quick")
    run = sf_cli.run("project", "deploy", "validate", "-o", org.alias, "-d", "force-app",
                     cwd=tmp_path)  # fmt: skip
    assert run.exit_code == 0, run.stdout
    assert org.handle.list() == []
    quick = sf_cli.run("project", "deploy", "quick", "--job-id", run.result["id"],
                       "-o", org.alias, cwd=tmp_path)  # fmt: skip
    assert quick.exit_code == 0, quick.stdout
    assert quick.result["status"] == "Succeeded"
    assert org.handle.list() == ["classes/Quick.cls", "classes/Quick.cls-meta.xml"]
    validated, deployed = org.handle.deployments()
    assert validated["validated"] == deployed["deployed"] == ["ApexClass:Quick"]


def _failed(run: SfRun) -> list[dict[str, Any]]:
    return [f for f in run.result["files"] if f["state"] == "Failed"]


def test_bad_component_fails_and_leaves_the_org_unchanged(
    deployed: Deployed, sf_cli: SfCli, tmp_path: Path
) -> None:
    project = tmp_path / "p"
    shutil.copytree(deployed.project, project)
    default = project / "force-app/main/default"
    apex_class(default, "AccountService", "public class AccountService { /* v2 */ }\n")
    apex_class(default, "Broken")
    (default / "classes/Broken.cls-meta.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <apiVersion>62.0</apiVersion>\n    <status>Active\n</ApexClass>\n",
        encoding="utf-8",
    )
    run = deploy(sf_cli, project, deployed.org.alias)
    assert run.exit_code == 1, run.stdout
    assert run.json["status"] == 1
    assert run.result["status"] == "Failed"
    (failure,) = _failed(run)
    assert failure["fullName"] == "Broken" and failure["type"] == "ApexClass"
    assert failure["problemType"] == "Error" and failure["lineNumber"] == 5
    assert "Error parsing file" in failure["error"]
    assert org_files(deployed.org) == deployed.before
    assert deployed.org.handle.deployments()[-1]["status"] == "Failed"


def test_field_on_a_missing_object_fails(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    default = write_project(tmp_path)
    field(default, "Gadget__c", "Colour__c", "Colour")
    run = deploy(sf_cli, tmp_path, org.alias)
    assert run.exit_code == 1, run.stdout
    (failure,) = _failed(run)
    assert failure["fullName"] == "Gadget__c.Colour__c"
    assert "no CustomObject named Gadget__c found" in failure["error"]
    assert org.handle.list() == []


def test_injected_component_error(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    default = write_project(tmp_path)
    apex_class(default, "Foo")
    apex_class(default, "Bar")
    org.handle.fail_next_deploy("ApexClass:Foo", "Variable does not exist: x", line=3)
    run = deploy(sf_cli, tmp_path, org.alias)
    assert run.exit_code == 1, run.stdout
    (failure,) = _failed(run)
    assert (failure["fullName"], failure["lineNumber"]) == ("Foo", 3)
    assert failure["error"].startswith("Variable does not exist: x")
    assert org.handle.list() == []
    run = deploy(sf_cli, tmp_path, org.alias)  # the fault fired once
    assert run.exit_code == 0, run.stdout
    assert org.handle.list() == [
        "classes/Bar.cls",
        "classes/Bar.cls-meta.xml",
        "classes/Foo.cls",
        "classes/Foo.cls-meta.xml",
    ]


def test_injected_test_failure_fails_the_deploy(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    default = write_project(tmp_path)
    apex_class(default, "Svc")
    apex_class(default, "SvcTest", "@isTest\nprivate class SvcTest {}\n")
    org.handle.fail_next_tests("SvcTest", "System.AssertException: Assertion Failed")
    run = deploy(sf_cli, tmp_path, org.alias, "--test-level", "RunLocalTests")
    assert run.exit_code == 1, run.stdout
    assert (run.result["status"], run.result["numberTestErrors"]) == ("Failed", 1)
    (failure,) = run.result["details"]["runTestResult"]["failures"]
    assert (failure["name"], failure["message"]) == (
        "SvcTest",
        "System.AssertException: Assertion Failed",
    )
    assert org.handle.list() == []
    assert org.handle.deployments()[-1]["testFailures"][0]["test"] == "SvcTest"


def test_async_then_report_and_resume(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    default = write_project(tmp_path)
    apex_class(default, "Later")
    org.handle.stay_in_progress(polls=1)
    run = deploy(sf_cli, tmp_path, org.alias, "--async")
    assert run.exit_code == 0, run.stdout
    job = run.result["id"]
    assert run.result["done"] is False
    report = sf_cli.run("project", "deploy", "report", "--job-id", job, cwd=tmp_path)
    assert report.exit_code == 0, report.stdout
    assert report.result["status"] == "InProgress"
    assert org.handle.list() == []
    resumed = sf_cli.run("project", "deploy", "resume", "--job-id", job, cwd=tmp_path)
    assert resumed.exit_code == 0, resumed.stdout
    assert resumed.result["status"] == "Succeeded"
    assert resumed.result["numberComponentsDeployed"] == 1
    assert org.handle.list() == ["classes/Later.cls", "classes/Later.cls-meta.xml"]


def test_cancel_leaves_the_org_unchanged(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    default = write_project(tmp_path)
    apex_class(default, "Never")
    run = deploy(sf_cli, tmp_path, org.alias, "--async")
    job = run.result["id"]
    cancel = sf_cli.run("project", "deploy", "cancel", "--job-id", job, cwd=tmp_path)
    assert cancel.exit_code == 0, cancel.stdout
    assert cancel.result["status"] == "Canceled"
    assert org.handle.list() == []
    assert org.handle.deployments()[-1]["status"] == "Canceled"


def test_retrieve_of_more_than_10000_files_fails(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    meta = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
    )
    files: dict[str, bytes | str] = {}
    for i in range(5001):  # 10,002 files
        files[f"classes/C{i:04d}.cls"] = f"public class C{i:04d} {{}}\n"
        files[f"classes/C{i:04d}.cls-meta.xml"] = meta
    org.handle.put_many(files)
    write_project(tmp_path)
    run = sf_cli.run(
        "project", "retrieve", "start", "-o", org.alias, "-m", "ApexClass", cwd=tmp_path
    )
    # like Salesforce: the retrieve call succeeds, its result says Failed (and sf exits 0)
    assert run.exit_code == 0, run.stdout[:2000]
    assert (run.result["status"], run.result["success"]) == ("Failed", False)
    assert run.result["errorStatusCode"] == "LIMIT_EXCEEDED"
    assert run.result["errorMessage"] == (
        "LIMIT_EXCEEDED: Too many files in retrieve call, limit is: 10000"
    )
    assert not (tmp_path / "force-app/main/default/classes").exists()


def test_zip_over_the_size_limit_is_refused(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, sfemu: OrgEmulator, tmp_path: Path
) -> None:
    default = write_project(tmp_path)
    noise = base64.b64encode(os.urandom(4000)).decode()  # does not compress
    apex_class(default, "Big", f"public class Big {{}}\n// {noise}\n")
    limit = sfemu.settings.zip_limit
    sfemu.settings.zip_limit = 1000  # 39 MB in the platform; lowered for the test
    try:
        run = deploy(sf_cli, tmp_path, sfemu_scratch_org.alias)
    finally:
        sfemu.settings.zip_limit = limit
    assert run.exit_code == 1, run.stdout
    assert (run.result["status"], run.result["errorStatusCode"]) == ("Failed", "LIMIT_EXCEEDED")
    assert "maximum size is 1000 bytes" in run.result["errorMessage"]
    assert sfemu_scratch_org.handle.list() == []


def test_generate_manifest_from_org(deployed: Deployed, sf_cli: SfCli, tmp_path: Path) -> None:
    run = sf_cli.run(
        "project",
        "generate",
        "manifest",
        "--from-org",
        deployed.org.alias,
        "--output-dir",
        str(tmp_path),
        cwd=deployed.project,
    )
    assert run.exit_code == 0, run.stdout
    text = (tmp_path / "package.xml").read_text()
    for member in ("AccountService", "Widget__c.Size__c", "greeting", "Sales/Pipeline"):
        assert f"<members>{member}</members>" in text


def test_sf_home_lets_code_under_test_run_sf_with_the_session_logins(
    deployed: Deployed, sf_home: Path
) -> None:
    # code under test runs sf with os.environ, as sfsync's own driver does
    assert os.environ["HOME"] == str(sf_home)
    sf = shutil.which("sf")
    assert sf is not None
    proc = subprocess.run(
        [sf, "org", "list", "--json"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout
    aliases = {o.get("alias") for o in json.loads(proc.stdout)["result"]["nonScratchOrgs"]}
    assert deployed.org.alias in aliases


def test_request_limit_and_http_500_and_dropped_connection(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    default = write_project(tmp_path)
    apex_class(default, "Foo")
    org.handle.request_limit("deploy")
    run = deploy(sf_cli, tmp_path, org.alias)
    assert run.exit_code == 1
    assert run.json["name"] == "sf:REQUEST_LIMIT_EXCEEDED"
    org.handle.http_500("checkDeployStatus")
    run = deploy(sf_cli, tmp_path, org.alias)
    assert run.exit_code == 1 and "HTTP status code: 500" in run.json["message"]
    org.handle.drop_connection("checkDeployStatus")
    run = deploy(sf_cli, tmp_path, org.alias)
    assert run.exit_code == 10 and run.json["name"] == "MetadataTransferError"
    job = run.json["data"]["id"]
    assert org.handle.list() == []  # the job is still running in the org
    resumed = sf_cli.run("project", "deploy", "resume", "--job-id", job, cwd=tmp_path)
    assert resumed.exit_code == 0 and resumed.result["status"] == "Succeeded"
    assert org.handle.list() == ["classes/Foo.cls", "classes/Foo.cls-meta.xml"]
