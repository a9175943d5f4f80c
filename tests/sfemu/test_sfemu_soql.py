"""SOQL queries: the parser, the objects built from the store, paging over HTTP, and `sf`."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sfemu_zip import CLASS_META, apex, custom_object

from sfemu import OrgEmulator, OrgHandle, sobjects, soql
from sfemu.jobs import Emulator
from sfemu.store import OrgInfo, Root
from sfemu.testing import LoggedInOrg, SfCli

EARLY = "2026-01-05T10:00:00.000Z"
EDIT = "2026-11-30T23:47:19.000Z"
UTC = timezone.utc
XML = '<?xml version="1.0" encoding="UTF-8"?>\n'

# ----- the parser --------------------------------------------------------------------------


def test_parse_reads_every_clause() -> None:
    q = soql.parse(
        "SELECT Id, Name, CreatedBy.Name FROM ApexClass WHERE LastModifiedDate >= "
        "2026-11-30T23:47:19Z AND Name != 'x' AND NamespacePrefix = null "
        "ORDER BY Name DESC LIMIT 5"
    )
    assert [f.text for f in q.fields] == ["Id", "Name", "CreatedBy.Name"]
    assert (q.count, q.sobject.text, q.descending, q.limit) == (False, "ApexClass", True, 5)
    assert q.order is not None and q.order.text == "Name"
    assert [(c.field.text, c.op, c.value.kind) for c in q.where] == [
        ("LastModifiedDate", ">=", "datetime"),
        ("Name", "!=", "string"),
        ("NamespacePrefix", "=", "null"),
    ]


def test_keywords_and_names_are_case_insensitive() -> None:
    q = soql.parse("select count ( ) from apexclass where name = 'A' limit 1")
    assert (q.count, q.fields, q.sobject.text, q.limit) == (True, (), "apexclass", 1)
    plan = soql.bind(q, sobjects.OBJECTS["apexclass"].schema)
    assert plan.run([{"Name": "a"}, {"Name": "b"}]) == [{"Name": "a"}]


@pytest.mark.parametrize(
    ("literal", "instant"),
    [
        pytest.param(
            "2026-11-30T23:47:19Z", datetime(2026, 11, 30, 23, 47, 19, tzinfo=UTC), id="Z"
        ),
        pytest.param(
            "2026-11-30T23:47:19.250Z",
            datetime(2026, 11, 30, 23, 47, 19, 250000, tzinfo=UTC),
            id="millis",
        ),
        pytest.param(
            "2026-12-01T00:47:19+01:00", datetime(2026, 11, 30, 23, 47, 19, tzinfo=UTC), id="offset"
        ),
    ],
)
def test_datetime_literals_are_instants(literal: str, instant: datetime) -> None:
    (cond,) = soql.parse(f"SELECT Id FROM ApexClass WHERE CreatedDate = {literal}").where
    assert cond.value.value == instant


@pytest.mark.parametrize(
    ("written", "value"),
    [
        pytest.param(r"'O\'Brien'", "O'Brien", id="quote"),
        pytest.param(r"'a\\b'", "a\\b", id="backslash"),
        pytest.param(r"'line\nnext\Tx'", "line\nnext\tx", id="newline-tab"),
        pytest.param(r"'caf\u00e9'", "café", id="unicode"),
        pytest.param("true", True, id="true"),
        pytest.param("42", 42, id="integer"),
    ],
)
def test_values(written: str, value: object) -> None:
    (cond,) = soql.parse(f"SELECT Id FROM ApexClass WHERE Name = {written}").where
    assert cond.value.value == value


@pytest.mark.parametrize(
    ("query", "column", "reason"),
    [
        pytest.param("SELECT FROM ApexClass", 8, "unexpected token: 'FROM'", id="no-fields"),
        pytest.param("SELECT Id FROM", 15, "unexpected token: '<EOF>'", id="no-object"),
        pytest.param("SELECT Id, COUNT() FROM ApexClass", 17, "unexpected token: '('", id="mix"),
        pytest.param(
            "SELECT COUNT(Id) FROM ApexClass", 14, "unexpected token: 'Id'", id="count-id"
        ),
        pytest.param(
            "SELECT Id FROM ApexClass WHERE Name = 'a' OR Name = 'b'", 43, "'OR'", id="or"
        ),
        pytest.param("SELECT Id FROM ApexClass WHERE Name LIKE 'a%'", 37, "'LIKE'", id="like"),
        pytest.param(
            "SELECT Id FROM ApexClass ORDER BY Name NULLS LAST", 40, "'NULLS'", id="nulls"
        ),
        pytest.param("SELECT Id FROM ApexClass LIMIT -1", 32, "unexpected token: '-1'", id="limit"),
        pytest.param("SELECT Id FROM ApexClass GROUP BY Name", 26, "'GROUP'", id="group-by"),
        pytest.param("SELECT Id FROM ApexClass WHERE Name = 'open", 39, "Missing '", id="quote"),
        pytest.param(r"SELECT Id FROM ApexClass WHERE Name = 'a\qb'", 41, "Illegal", id="escape"),
        pytest.param("SELECT Id FROM ApexClass WHERE Name = 1.5", 39, "'1'", id="decimal"),
        pytest.param(
            "SELECT Id FROM ApexClass WHERE CreatedDate > 2026-13-01T00:00:00Z",
            46,
            "invalid date/time",
            id="bad-month",
        ),
        pytest.param("SELECT Id, Id FROM ApexClass", 12, "duplicate field selected: Id", id="dup"),
        pytest.param(
            "SELECT COUNT() FROM ApexClass ORDER BY Name", 40, "must be grouped", id="count-order"
        ),
    ],
)
def test_outside_the_subset_is_malformed(query: str, column: int, reason: str) -> None:
    with pytest.raises(soql.SoqlError) as err:
        soql.bind(soql.parse(query), sobjects.OBJECTS["apexclass"].schema)
    assert err.value.code == "MALFORMED_QUERY"
    assert f"ERROR at Row:1:Column:{column}\n" in err.value.message
    assert reason in err.value.message
    assert err.value.message.startswith(f"\n{query}\n{' ' * (column - 1)}^\n")


@pytest.mark.parametrize(
    ("where", "code", "reason"),
    [
        pytest.param("Body = 'x'", "INVALID_FIELD", "No such column 'Body' on entity 'ApexClass'"),
        pytest.param("Owner.Name = 'x'", "INVALID_FIELD", "relationship 'Owner'"),
        pytest.param("CreatedBy.Email = 'x'", "INVALID_FIELD", "'Email' on entity 'User'"),
        pytest.param(
            "LastModifiedDate > '2026-01-01T00:00:00Z'",
            "INVALID_FIELD",
            "must be of type dateTime and should not be enclosed in quotes",
        ),
        pytest.param(
            "Name = 2026-01-01T00:00:00Z", "INVALID_FIELD", "must be of type string and should be"
        ),
        pytest.param("CreatedDate > 2026-01-01", "INVALID_FIELD", "of type dateTime"),
        pytest.param("Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: nope"),
    ],
)
def test_fields_and_values_must_fit_the_object(where: str, code: str, reason: str) -> None:
    with pytest.raises(soql.SoqlError) as err:
        soql.bind(
            soql.parse(f"SELECT Id FROM ApexClass WHERE {where}"),
            sobjects.OBJECTS["apexclass"].schema,
        )
    assert (err.value.code, err.value.status) == (code, 400)
    assert reason in err.value.message


ROWS: list[dict[str, Any]] = [
    {
        "Id": "01p000000000001AAA",
        "Name": "Beta",
        "NamespacePrefix": None,
        "LastModifiedDate": datetime(2026, 11, 30, 23, 47, 19, tzinfo=UTC),
    },
    {
        "Id": "01p000000000002AAA",
        "Name": "alpha",
        "NamespacePrefix": "acme",
        "LastModifiedDate": datetime(2026, 11, 30, 23, 47, 18, tzinfo=UTC),
    },
    {"Id": "01p000000000003AAA", "Name": None, "NamespacePrefix": None, "LastModifiedDate": None},
]


def names(query: str) -> list[str | None]:
    plan = soql.bind(soql.parse(query), sobjects.OBJECTS["apexclass"].schema)
    return [r["Name"] for r in plan.run(ROWS)]


def test_datetimes_compare_as_instants_not_strings() -> None:
    # 00:47:19+01:00 is 23:47:19Z: the string would sort after both rows, the instant does not
    assert names(
        "SELECT Id FROM ApexClass WHERE LastModifiedDate >= 2026-12-01T00:47:19+01:00"
    ) == ["Beta"]
    assert names("SELECT Id FROM ApexClass WHERE LastModifiedDate < 2026-11-30T23:47:19.000Z") == [
        "alpha"
    ]


def test_strings_nulls_ids_order_and_limit() -> None:
    assert names("SELECT Id FROM ApexClass WHERE Name = 'BETA'") == ["Beta"]
    assert names("SELECT Id FROM ApexClass WHERE NamespacePrefix = null") == ["Beta", None]
    assert names("SELECT Id FROM ApexClass WHERE NamespacePrefix != ''") == ["alpha"]
    assert names("SELECT Id FROM ApexClass WHERE Id = '01p000000000002'") == ["alpha"]
    assert names("SELECT Id FROM ApexClass ORDER BY Name") == [None, "alpha", "Beta"]
    assert names("SELECT Id FROM ApexClass ORDER BY Name DESC LIMIT 2") == ["Beta", "alpha"]
    assert names("SELECT Id FROM ApexClass LIMIT 0") == []


def test_a_record_has_the_selected_fields_in_order() -> None:
    plan = soql.bind(
        soql.parse("SELECT LastModifiedBy.Name, Name, LastModifiedDate, Id FROM ApexClass"),
        sobjects.OBJECTS["apexclass"].schema,
    )
    row = {**ROWS[0], "LastModifiedBy.Name": "Dana Dev", "LastModifiedById": "005000000000001AAA"}
    record = plan.record(row, "/services/data/v62.0")
    assert list(record) == ["attributes", "LastModifiedBy", "Name", "LastModifiedDate", "Id"]
    assert record["attributes"] == {
        "type": "ApexClass",
        "url": "/services/data/v62.0/sobjects/ApexClass/01p000000000001AAA",
    }
    assert record["LastModifiedBy"] == {
        "attributes": {
            "type": "User",
            "url": "/services/data/v62.0/sobjects/User/005000000000001AAA",
        },
        "Name": "Dana Dev",
    }
    assert record["LastModifiedDate"] == "2026-11-30T23:47:19.000+0000"


# ----- the objects, from the store -----------------------------------------------------------


def folder_meta(kind: str, label: str) -> str:
    return f"{XML}<{kind}><accessType>Public</accessType><name>{label}</name></{kind}>\n"


@pytest.fixture
def org(tmp_path: Path) -> tuple[Root, OrgInfo, OrgHandle]:
    root = Root(tmp_path)
    info = root.create_org("prod")
    handle = OrgHandle(root.store("prod"))
    handle.put_many(
        {
            **apex("Foo"),
            **apex("Bar"),
            "objects/Widget__c.object": custom_object("Widget__c", ["Size__c", "Name"]),
            "objects/Account.object": custom_object("Account", ["Tier__c"], label=None),
            "layouts/Widget__c-Widget Layout.layout": f"{XML}<Layout/>\n",
            "layouts/Account-Account Layout.layout": f"{XML}<Layout/>\n",
            "reports/Sales-meta.xml": folder_meta("ReportFolder", "Sales Reports"),
            "reports/Sales/Pipeline.report": f"{XML}<Report/>\n",
            "email/Mail-meta.xml": folder_meta("EmailFolder", "Mail"),
            "email/Mail/Welcome.email": "Hello\n",
            "email/Mail/Welcome.email-meta.xml": f"{XML}<EmailTemplate/>\n",
            "dashboards/Boards-meta.xml": folder_meta("DashboardFolder", "Boards"),
            "dashboards/Boards/Kpis.dashboard": f"{XML}<Dashboard/>\n",
            "lwc/card/card.js": "export default class Card {}\n",
            "lwc/card/card.js-meta.xml": f"{XML}<LightningComponentBundle/>\n",
        },
        by="Ana Admin",
        when=EARLY,
    )
    return root, info, handle


def query(root: Root, text: str, tooling: bool = False) -> list[dict[str, Any]]:
    outcome = sobjects.run(root.store("prod"), text, tooling)
    return [outcome.plan.record(r, "/services/data/v62.0") for r in outcome.rows]


def listed_ids(root: Root, info: OrgInfo, **q: str) -> dict[str, str]:
    return {e["fullName"]: e["id"] for e in Emulator(root).list_metadata(info, [q])}


def test_ids_are_the_ids_listmetadata_reports(org: tuple[Root, OrgInfo, OrgHandle]) -> None:
    root, info, _ = org
    for sobject, tooling, listing, key in [
        ("ApexClass", False, {"type": "ApexClass"}, "Name"),
        ("CustomField", True, {"type": "CustomField"}, "DeveloperName"),
        ("Layout", True, {"type": "Layout"}, "Name"),
        ("LightningComponentBundle", True, {"type": "LightningComponentBundle"}, "DeveloperName"),
        ("Report", False, {"type": "Report", "folder": "Sales"}, "DeveloperName"),
        ("EmailTemplate", False, {"type": "EmailTemplate", "folder": "Mail"}, "DeveloperName"),
    ]:
        rows = query(root, f"SELECT Id, {key} FROM {sobject}", tooling)
        expected = listed_ids(root, info, **listing)
        assert sorted(r["Id"] for r in rows) == sorted(
            v for k, v in expected.items() if k != "Widget__c.Name"
        ), sobject
    # every common field, with the org's user behind every ...ById
    (foo,) = query(
        root,
        "SELECT Id, CreatedDate, CreatedById, CreatedBy.Name, LastModifiedDate, "
        "LastModifiedById, SystemModstamp, NamespacePrefix FROM ApexClass WHERE Name = 'Foo'",
    )
    assert foo["CreatedById"] == foo["LastModifiedById"] == info.user_id
    assert foo["CreatedBy"]["Name"] == "Ana Admin"
    assert foo["CreatedDate"] == foo["SystemModstamp"] == "2026-01-05T10:00:00.000+0000"
    assert foo["NamespacePrefix"] is None


def test_custom_fields_and_layouts_point_at_their_object(
    org: tuple[Root, OrgInfo, OrgHandle],
) -> None:
    root, info, handle = org
    handle.install_package(
        "acme",
        {"objects/acme__Invoice__c.object": custom_object("acme__Invoice__c", ["acme__Due__c"])},
    )
    objects = listed_ids(root, info, type="CustomObject")
    rows = query(
        root,
        "SELECT DeveloperName, TableEnumOrId, NamespacePrefix, ManageableState FROM CustomField "
        "ORDER BY DeveloperName",
        tooling=True,
    )
    assert [tuple(r.values())[1:] for r in rows] == [
        ("Due", objects["acme__Invoice__c"], "acme", "installed"),
        ("Size", objects["Widget__c"], None, "unmanaged"),
        ("Tier", "Account", None, "unmanaged"),  # a standard object is named, not an id
    ]  # Widget__c.Name is a standard field: not a CustomField row
    layouts = query(root, "SELECT Name, TableEnumOrId FROM Layout ORDER BY Name", tooling=True)
    assert [tuple(r.values())[1:] for r in layouts] == [
        ("Account Layout", "Account"),
        ("Widget Layout", objects["Widget__c"]),
    ]


def test_folder_items_point_at_their_folder(org: tuple[Root, OrgInfo, OrgHandle]) -> None:
    root, info, _ = org
    (report,) = query(root, "SELECT DeveloperName, OwnerId, FolderName FROM Report")
    assert report["DeveloperName"] == "Pipeline"
    assert report["OwnerId"] == listed_ids(root, info, type="ReportFolder")["Sales"]
    assert report["FolderName"] == "Sales Reports"  # the folder's label
    (mail,) = query(root, "SELECT DeveloperName, FolderId FROM EmailTemplate")
    assert (mail["DeveloperName"], mail["FolderId"]) == (
        "Welcome",
        listed_ids(root, info, type="EmailFolder")["Mail"],
    )
    (board,) = query(root, "SELECT DeveloperName, FolderId FROM Dashboard")
    assert (board["DeveloperName"], board["FolderId"]) == (
        "Kpis",
        listed_ids(root, info, type="DashboardFolder")["Boards"],
    )


def test_managed_names_lose_their_namespace(org: tuple[Root, OrgInfo, OrgHandle]) -> None:
    root, _, handle = org
    handle.install_package(
        "acme",
        {"classes/acme__Billing.cls": "x\n", "classes/acme__Billing.cls-meta.xml": CLASS_META},
    )
    rows = query(root, "SELECT Name, NamespacePrefix FROM ApexClass WHERE NamespacePrefix = 'acme'")
    assert [(r["Name"], r["NamespacePrefix"]) for r in rows] == [("Billing", "acme")]


def test_each_api_knows_its_own_objects(org: tuple[Root, OrgInfo, OrgHandle]) -> None:
    root, _, _ = org
    for text, tooling in [
        ("SELECT Id FROM CustomField", False),
        ("SELECT Id FROM LightningComponentBundle", False),
        ("SELECT Id FROM Report", True),
        ("SELECT Id FROM EmailTemplate", True),
        ("SELECT Id FROM Widget__c", False),
    ]:
        with pytest.raises(soql.SoqlError) as err:
            query(root, text, tooling)
        assert err.value.code == "INVALID_TYPE", text
        assert "is not supported." in err.value.message
    assert len(query(root, "SELECT Id FROM ApexClass", tooling=True)) == 2


def test_edits_and_deletes_show_in_the_next_query(org: tuple[Root, OrgInfo, OrgHandle]) -> None:
    root, _, handle = org
    since = f"SELECT Name, LastModifiedBy.Name FROM ApexClass WHERE LastModifiedDate >= {EDIT}"
    assert query(root, since) == []
    assert len(query(root, "SELECT Id FROM ApexClass")) == 2  # warms the cache
    handle.put("classes/Foo.cls", "public class Foo { /* v2 */ }\n", by="Dana Dev", when=EDIT)
    (foo,) = query(root, since)
    assert (foo["Name"], foo["LastModifiedBy"]["Name"]) == ("Foo", "Dana Dev")
    assert query(root, f"SELECT Id FROM ApexClass WHERE LastModifiedDate > {EDIT}") == []
    older = query(root, f"SELECT Name FROM ApexClass WHERE LastModifiedDate < {EDIT}")
    assert [r["Name"] for r in older] == ["Bar"]
    assert handle.delete("ApexClass:Bar")
    assert [r["Name"] for r in query(root, "SELECT Name FROM ApexClass")] == ["Foo"]
    assert handle.delete("CustomField:Widget__c.Size__c")
    assert query(root, "SELECT Id FROM CustomField WHERE DeveloperName = 'Size'", True) == []


# ----- over HTTP: answers, paging, the request log -----------------------------------------


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[OrgEmulator]:
    with OrgEmulator(tmp_path / "root") as e:
        yield e


def get(emu: OrgEmulator, token: str, path: str, **headers: str) -> tuple[int, Any]:
    req = urllib.request.Request(emu.url + path, headers={"Authorization": f"Bearer {token}"})
    for key, value in headers.items():
        req.add_header(key.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def q_path(text: str, tooling: bool = False) -> str:
    api = "/services/data/v62.0" + ("/tooling" if tooling else "")
    return f"{api}/query?q={urllib.parse.quote_plus(text)}"


def many_classes(handle: OrgHandle, count: int) -> None:
    files: dict[str, bytes | str] = {}
    for i in range(count):
        files.update(apex(f"C{i:05d}"))
    handle.put_many(files, when=EARLY)


def test_paging_over_more_than_2000_rows(emu: OrgEmulator) -> None:
    org = emu.create_org("big")
    many_classes(emu.org("big"), 2345)
    for tooling in (False, True):
        status, first = get(
            emu, org.access_token, q_path("SELECT Id, Name FROM ApexClass", tooling)
        )
        assert status == 200
        assert (first["totalSize"], first["done"], len(first["records"])) == (2345, False, 2000)
        api = "/services/data/v62.0" + ("/tooling" if tooling else "")
        assert re.fullmatch(rf"{api}/query/01g\w{{15}}-2000", first["nextRecordsUrl"])
        _, rest = get(emu, org.access_token, first["nextRecordsUrl"])
        assert (rest["totalSize"], rest["done"], len(rest["records"])) == (2345, True, 345)
        assert "nextRecordsUrl" not in rest
        got = [r["Name"] for r in first["records"] + rest["records"]]
        assert got == [f"C{i:05d}" for i in range(2345)]
    status, err = get(emu, org.access_token, "/services/data/v62.0/query/01gNOPE0000000AAA-2000")
    assert (status, err[0]["errorCode"]) == (400, "INVALID_QUERY_LOCATOR")
    # a smaller batch asked for in the query options header
    _, small = get(
        emu,
        org.access_token,
        q_path("SELECT Id FROM ApexClass"),
        Sforce_Query_Options="batchSize=500",
    )
    assert len(small["records"]) == 500 and small["nextRecordsUrl"].endswith("-500")
    _, count = get(emu, org.access_token, q_path("SELECT COUNT() FROM ApexClass"))
    assert count == {"totalSize": 2345, "done": True, "records": []}


def test_queries_are_logged_and_errors_answer_400(emu: OrgEmulator) -> None:
    org = emu.create_org("dev")
    emu.org("dev").put_many(apex("Foo"), when=EARLY)
    token = org.access_token
    assert get(emu, token, q_path("SELECT Id FROM ApexClass"))[0] == 200
    assert get(emu, token, q_path("SELECT Id FROM ApexClass", tooling=True))[0] == 200
    status, err = get(emu, token, q_path("SELECT Id FROM ApexClass WHERE"))
    assert status == 400 and err[0]["errorCode"] == "MALFORMED_QUERY"
    status, err = get(emu, token, q_path("SELECT Id FROM Nothing__c"))
    assert status == 400 and err[0]["errorCode"] == "INVALID_TYPE"
    status, columns = get(
        emu, token, q_path("SELECT Id, CreatedBy.Name FROM ApexClass") + "&columns=true"
    )
    assert [c["columnName"] for c in columns["columnMetadata"]] == ["Id", "CreatedBy"]
    assert columns["columnMetadata"][1]["joinColumns"][0]["displayName"] == "CreatedBy.Name"
    _, orgs = get(emu, token, q_path("SELECT Id, IsSandbox FROM Organization"))
    assert orgs["records"][0]["Id"] == org.org_id  # the login query still answers
    log = (emu.root.path / "requests.log").read_text(encoding="utf-8").splitlines()
    ends = [line.split(" ", 3)[-1] for line in log if " query" in line]
    assert ends == [
        "query ApexClass",
        "tooling query ApexClass",
        "query (MALFORMED_QUERY)",
        "query (INVALID_TYPE)",
        "query ApexClass (columns)",
        "query Organization",
    ]


# ----- end to end: the real sf CLI --------------------------------------------------------


@pytest.mark.e2e
def test_sf_data_query_reads_the_org(
    sf_cli: SfCli, sfemu_login: Callable[..., LoggedInOrg], sfemu: OrgEmulator
) -> None:
    org = sfemu_login("soql-e2e")
    handle = org.handle
    handle.reset()
    many_classes(handle, 2100)  # more than one batch: jsforce follows nextRecordsUrl
    handle.put_many(
        {"objects/Widget__c.object": custom_object("Widget__c", ["Size__c"])}, by="Dana Dev"
    )
    run = sf_cli.run(
        "data", "query", "--query", "SELECT Id, Name FROM ApexClass", "--target-org", org.alias
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    records = run.result["records"]
    assert run.result["totalSize"] == len(records) == 2100
    by_name = {r["Name"]: r["Id"] for r in records}
    assert by_name["C00042"] == handle.properties("ApexClass:C00042")["id"]
    run = sf_cli.run(
        "data", "query", "--use-tooling-api", "--target-org", org.alias,
        "--query", "SELECT Id, DeveloperName, LastModifiedBy.Name FROM CustomField",
    )  # fmt: skip
    assert run.exit_code == 0, run.stdout + run.stderr
    (field,) = run.result["records"]
    assert field["Id"] == handle.properties("CustomField:Widget__c.Size__c")["id"]
    assert (field["DeveloperName"], field["LastModifiedBy"]["Name"]) == ("Size", "Dana Dev")
    log = (sfemu.root.path / "requests.log").read_text(encoding="utf-8").splitlines()
    assert any(line.endswith(" query more ApexClass") for line in log)
    assert any(line.endswith(" tooling query CustomField") for line in log)
