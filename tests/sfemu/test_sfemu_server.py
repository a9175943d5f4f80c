from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sfemu_zip import apex, make_zip, package

from sfemu import Org, OrgEmulator

SOAP = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns="http://soap.sforce.com/2006/04/metadata"><soapenv:Header><SessionHeader>'
    "<sessionId>{token}</sessionId></SessionHeader></soapenv:Header>"
    "<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
)


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[OrgEmulator]:
    with OrgEmulator(tmp_path / "root", progress_polls=1) as e:
        yield e


def get(emu: OrgEmulator, path: str, token: str | None) -> tuple[int, Any]:
    req = urllib.request.Request(emu.url + path)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def soap(emu: OrgEmulator, token: str, body: str) -> tuple[int, str]:
    req = urllib.request.Request(
        emu.url + "/services/Soap/m/62.0",
        data=SOAP.format(token=token, body=body).encode(),
        headers={"Content-Type": "text/xml", "SOAPAction": '""'},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def tag(xml: str, name: str) -> str:
    m = re.search(f"<{name}>(.*?)</{name}>", xml, re.S)
    assert m, xml
    return m.group(1)


def test_binds_to_loopback_and_serves_the_login_calls(emu: OrgEmulator) -> None:
    assert emu.url.startswith("http://127.0.0.1:")
    org = emu.create_org("dev1", sandbox=True)
    status, info = get(emu, "/services/oauth2/userinfo", org.access_token)
    assert status == 200
    assert (info["organization_id"], info["preferred_username"]) == (org.org_id, org.username)
    _, user = get(emu, f"/services/data/v51.0/sobjects/User/{info['user_id']}", org.access_token)
    assert user["Username"] == org.username
    _, result = get(
        emu, "/services/data/v62.0/query?q=SELECT+Name+FROM+Organization", org.access_token
    )
    assert result["totalSize"] == 1 and result["records"][0]["IsSandbox"] is True
    status, err = get(
        emu, "/services/data/v62.0/tooling/sobjects/SourceMember/describe", org.access_token
    )
    assert status == 404 and "The requested resource does not exist" in err[0]["message"]


def test_unknown_tokens_get_invalid_session_id(emu: OrgEmulator) -> None:
    emu.create_org("dev1")
    status, err = get(emu, "/services/oauth2/userinfo", "00D000000000000!forged")
    assert status == 401 and err[0]["errorCode"] == "INVALID_SESSION_ID"
    status, body = soap(emu, "forged", "<describeMetadata/>")
    assert status == 500 and tag(body, "faultcode") == "sf:INVALID_SESSION_ID"


def deploy(emu: OrgEmulator, org: Org, files: dict[str, str | bytes], options: str = "") -> str:
    zip_b64 = base64.b64encode(make_zip(files)).decode()
    _, body = soap(
        emu, org.access_token,
        f"<deploy><ZipFile>{zip_b64}</ZipFile><DeployOptions>{options}"
        "<singlePackage>true</singlePackage></DeployOptions></deploy>",
    )  # fmt: skip
    return tag(body, "id")


def check(emu: OrgEmulator, org: Org, job: str) -> str:
    return soap(
        emu, org.access_token,
        f"<checkDeployStatus><asyncProcessId>{job}</asyncProcessId>"
        "<includeDetails>true</includeDetails></checkDeployStatus>",
    )[1]  # fmt: skip


def test_deploy_progresses_over_polls_then_applies(emu: OrgEmulator) -> None:
    org = emu.create_org("dev1")
    emu.org("dev1").stay_in_progress(1)
    job = deploy(emu, org, {"package.xml": package({"ApexClass": ["Foo"]}), **apex("Foo")})
    states = [tag(check(emu, org, job), "status") for _ in range(3)]
    assert states == ["InProgress", "InProgress", "Succeeded"]
    assert emu.org("dev1").list() == ["classes/Foo.cls", "classes/Foo.cls-meta.xml"]
    final = check(emu, org, job)
    assert tag(final, "numberComponentsDeployed") == "1" and "<created>true</created>" in final
    (record,) = emu.org("dev1").deployments()
    assert (record["id"], record["status"], record["deployed"]) == (
        job,
        "Succeeded",
        ["ApexClass:Foo"],
    )
    assert record["options"]["testLevel"] == "RunLocalTests"  # production default


def test_sandboxes_run_no_tests_by_default(emu: OrgEmulator) -> None:
    org = emu.create_org("dev1", sandbox=True)
    job = deploy(emu, org, {"package.xml": package({"ApexClass": ["Foo"]}), **apex("Foo")})
    for _ in range(3):
        check(emu, org, job)
    assert emu.org("dev1").deployments()[-1]["options"]["testLevel"] == "NoTestRun"


def test_cancel_and_unknown_ids(emu: OrgEmulator) -> None:
    org = emu.create_org("dev1")
    job = deploy(emu, org, {"package.xml": package({"ApexClass": ["Foo"]}), **apex("Foo")})
    _, body = soap(emu, org.access_token, f"<cancelDeploy><String>{job}</String></cancelDeploy>")
    assert tag(body, "done") == "true"
    assert tag(check(emu, org, job), "status") == "Canceled"
    assert emu.org("dev1").list() == []
    other = emu.create_org("dev2")
    query = f"<checkDeployStatus><asyncProcessId>{job}</asyncProcessId></checkDeployStatus>"
    status, body = soap(emu, other.access_token, query)
    assert status == 500 and "INVALID_ID_FIELD" in body  # another org's job is not visible


def test_faults_fire_once(emu: OrgEmulator) -> None:
    org = emu.create_org("dev1")
    handle = emu.org("dev1")
    handle.request_limit("describeMetadata")
    status, body = soap(emu, org.access_token, "<describeMetadata/>")
    assert status == 500 and tag(body, "faultcode") == "sf:REQUEST_LIMIT_EXCEEDED"
    handle.http_500("rest")
    assert get(emu, "/services/oauth2/userinfo", org.access_token)[0] == 500
    handle.drop_connection("describeMetadata")
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        soap(emu, org.access_token, "<describeMetadata/>")
    assert handle.faults() == []
    status, body = soap(emu, org.access_token, "<describeMetadata/>")
    assert status == 200 and "<xmlName>ApexClass</xmlName>" in body


def test_soap_bodies_with_entities_are_refused(emu: OrgEmulator) -> None:
    org = emu.create_org("dev1")
    req = urllib.request.Request(
        emu.url + "/services/Soap/m/62.0",
        data=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    assert err.value.code == 500 and b"DOCTYPE" in err.value.read()
    assert org.access_token  # the org is untouched


def test_orgs_and_metadata_survive_a_restart(tmp_path: Path) -> None:
    with OrgEmulator(tmp_path) as first:
        org = first.create_org("dev1")
        first.org("dev1").put("classes/Foo.cls", "public class Foo {}\n")
    with OrgEmulator(tmp_path) as second:
        assert get(second, "/services/oauth2/userinfo", org.access_token)[0] == 200
        assert second.org("dev1").read_text("classes/Foo.cls") == "public class Foo {}\n"
        query = "<listMetadata><queries><type>ApexClass</type></queries></listMetadata>"
        _, body = soap(second, org.access_token, query)
        assert tag(body, "fullName") == "Foo"


def test_token_endpoint_over_https_grants_refresh_tokens(tmp_path: Path) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    with OrgEmulator(tmp_path / "root", tls=server_side) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        org = emu.create_org("int", sandbox=True)
        assert org.sfdx_auth_url == (
            f"force://PlatformCLI::{org.refresh_token}@{emu.url.removeprefix('https://')}"
        )

        def token(form: bytes, chunked: bool = False) -> tuple[int, dict[str, Any]]:
            body: Any = iter([form]) if chunked else form  # an iterable is sent chunked
            req = urllib.request.Request(
                emu.url + "/services/oauth2/token",
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            try:
                with urllib.request.urlopen(req, timeout=5, context=client) as resp:
                    return resp.status, json.loads(resp.read())
            except urllib.error.HTTPError as err:
                return err.code, json.loads(err.read())

        grant = f"grant_type=refresh_token&client_id=PlatformCLI&refresh_token={org.refresh_token}"
        status, answer = token(grant.encode(), chunked=True)
        assert status == 200
        assert answer["access_token"] == org.access_token
        assert answer["instance_url"] == emu.url and answer["token_type"] == "Bearer"
        assert answer["id"] == f"{emu.url}/id/{org.org_id}/{json_user(emu, org)}"
        status, answer = token(b"grant_type=refresh_token&refresh_token=5Aepnot-issued")
        assert (status, answer["error"]) == (400, "invalid_grant")
        status, answer = token(b"grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer")
        assert (status, answer["error"]) == (400, "unsupported_grant_type")


def json_user(emu: OrgEmulator, org: Org) -> str:
    """The org's admin user id, as userinfo tells it."""
    return str(emu.root.orgs()[org.name].user_id)


def test_list_metadata_takes_up_to_three_queries_a_call(emu: OrgEmulator) -> None:
    org = emu.create_org("dev1")
    emu.org("dev1").put_many(
        {
            "classes/Foo.cls": "public class Foo {}\n",
            "triggers/T.trigger": "trigger T on Account (before insert) {}\n",
        }
    )
    three = "".join(
        f"<queries><type>{t}</type></queries>" for t in ("ApexClass", "ApexTrigger", "ApexPage")
    )
    status, body = soap(emu, org.access_token, f"<listMetadata>{three}</listMetadata>")
    assert status == 200
    assert sorted(re.findall(r"<type>(\w+)</type>", body)) == ["ApexClass", "ApexTrigger"]
    four = three + "<queries><type>Flow</type></queries>"
    status, body = soap(emu, org.access_token, f"<listMetadata>{four}</listMetadata>")
    assert status == 500 and "at most 3 queries" in body
