"""Change signals: what a count and a `LastModifiedDate >=` query tell an incremental backup."""

from __future__ import annotations

from typing import Any

import pytest

from sfsync.org import changes
from sfsync.org.changes import Context, Signal
from sfsync.org.listed import Listed

CTX = Context(
    objects={"01I000000000001AAA": "Widget__c"},
    folders={"ReportFolder": {"00l000000000001AAA": "Sales"}},
)
SINCE = "2026-11-30T10:00:00Z"
ASKED = "2026-11-30T10:00:30Z"


def row(rid: str, when: str = "2026-11-30T10:00:05.000+0000", **fields: Any) -> dict[str, Any]:
    return {
        "attributes": {"type": "X"},
        "Id": rid,
        "NamespacePrefix": None,
        "CreatedDate": "2026-01-01T00:00:00.000+0000",
        "CreatedBy": {"Name": "Ana Admin"},
        "LastModifiedDate": when,
        "LastModifiedBy": {"Name": "Dana Dev"},
        **fields,
    }


def answer(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"totalSize": len(rows), "done": True, "records": list(rows)}


def count(n: int) -> dict[str, Any]:
    return {"totalSize": n, "done": True, "records": []}


def classes(*names: str) -> dict[str, Listed]:
    return {
        f"ApexClass:{n}": Listed(
            "ApexClass", n, f"classes/{n}.cls", f"01p{i:015d}", "Ana Admin",
            "2026-01-01T00:00:00.000Z", "Ana Admin", "2026-11-30T09:00:00.000Z",
        )
        for i, n in enumerate(names)
    }  # fmt: skip


def test_the_rows_since_the_signal_are_the_changes_and_the_rest_is_kept() -> None:
    before = classes("Keep", "Edit")
    edited = row(before["ApexClass:Edit"].id, Name="Edit")
    added = row("01pNEW000000000AAA", "2026-11-30T10:00:07.000+0000", Name="Added")
    out = changes.apply(
        changes.SPECS["ApexClass"], Signal(2, ASKED), before, count(3),
        answer(edited, added), CTX, include_managed=False,
        asked=ASKED,
    )  # fmt: skip
    assert out.components is not None
    assert out.components["ApexClass:Keep"] == before["ApexClass:Keep"]
    assert out.components["ApexClass:Edit"].modified_date == "2026-11-30T10:00:05.000Z"
    assert out.components["ApexClass:Edit"].modified_by == "Dana Dev"
    new = out.components["ApexClass:Added"]
    assert (new.file_name, new.id, new.created_by) == (
        "classes/Added.cls",
        added["Id"],
        "Ana Admin",
    )
    assert out.signal == Signal(3, ASKED)


def test_a_count_the_new_rows_do_not_explain_asks_which_ids_are_left() -> None:
    before = classes("A", "B", "C")
    spec = changes.SPECS["ApexClass"]
    out = changes.apply(spec, Signal(3, ASKED), before, count(2), answer(), CTX, False, ASKED)
    assert out.deletions and out.components is not None
    assert changes.ids_query(spec) == {"q": "SELECT Id FROM ApexClass", "tooling": True}
    ids = answer(*({"Id": before[k].id} for k in ("ApexClass:A", "ApexClass:C")))
    settled = changes.settle_deletions(out, ids)
    assert settled.components is not None and not settled.deletions
    assert sorted(settled.components) == ["ApexClass:A", "ApexClass:C"]
    # an id answer it cannot trust: the type is listed
    broken = changes.settle_deletions(out, {"totalSize": 9, "records": []})
    assert broken.components is None and "id query" in broken.why
    # deleted and created again under the same name: a new id, the count did not move; the
    # old id is gone, the new component stays
    again = row("01pAGAIN00000000AAA", Name="C")
    out = changes.apply(spec, Signal(3, ASKED), before, count(3), answer(again), CTX, False, ASKED)
    assert out.deletions and out.signal == Signal(3, ASKED)
    ids = answer({"Id": before["ApexClass:A"].id}, {"Id": before["ApexClass:B"].id}, again)
    settled = changes.settle_deletions(out, ids)
    assert settled.components is not None
    assert settled.components["ApexClass:C"].id == again["Id"]
    assert sorted(settled.components) == ["ApexClass:A", "ApexClass:B", "ApexClass:C"]


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        ((count(1), {"error": {"name": "INVALID_TYPE", "message": "no"}}), "did not answer"),
        (({"error": {"name": "X"}}, answer()), "did not answer"),
        ((count(1), {"totalSize": 5, "done": False, "records": []}), "did not answer"),
        ((count(2), answer(row("01pX", LastModifiedDate=None, Name="X"))), "id or a date"),
    ],
)
def test_an_answer_it_cannot_trust_falls_back_to_listing(answers: Any, why: str) -> None:
    out = changes.apply(
        changes.SPECS["ApexClass"], Signal(1, ASKED), classes("A"), *answers, CTX, False, ASKED
    )
    assert out.components is None and why in out.why


def test_fields_layouts_and_reports_are_named_from_the_same_runs_listing() -> None:
    field = row("00N1", DeveloperName="Size", TableEnumOrId="01I000000000001AAA")
    std = row("00N2", DeveloperName="Tier", TableEnumOrId="Account")
    out = changes.apply(
        changes.SPECS["CustomField"],
        Signal(0, ASKED),
        {},
        count(2),
        answer(field, std),
        CTX,
        False,
        ASKED,
    )
    assert out.components is not None
    assert sorted(out.components) == [
        "CustomField:Account.Tier__c",
        "CustomField:Widget__c.Size__c",
    ]
    assert out.components["CustomField:Widget__c.Size__c"].file_name == "objects/Widget__c.object"
    layout = row("00h1", Name="Widget Layout", TableEnumOrId="01I000000000001AAA")
    out = changes.apply(
        changes.SPECS["Layout"], Signal(0, ASKED), {}, count(1), answer(layout), CTX, False, ASKED
    )
    assert out.components is not None and list(out.components) == ["Layout:Widget__c-Widget Layout"]
    odd = row("00h2", Name="Widget (Sales) Layout", TableEnumOrId="01I000000000001AAA")
    out = changes.apply(
        changes.SPECS["Layout"], Signal(0, ASKED), {}, count(1), answer(odd), CTX, False, ASKED
    )
    assert out.components is None  # listMetadata would write %28Sales%29: list the type
    report = row("00O1", DeveloperName="Pipeline", OwnerId="00l000000000001AAA")
    out = changes.apply(
        changes.SPECS["Report"], Signal(0, ASKED), {}, count(1), answer(report), CTX, False, ASKED
    )
    assert out.components is not None and list(out.components) == ["Report:Sales/Pipeline"]
    # a field of an object this run did not list, a report in a personal folder: list the type
    lost = row("00N3", DeveloperName="Gone", TableEnumOrId="01I999999999999AAA")
    out = changes.apply(
        changes.SPECS["CustomField"],
        Signal(0, ASKED),
        {},
        count(1),
        answer(lost),
        CTX,
        False,
        ASKED,
    )
    assert out.components is None and "names no component" in out.why
    mine = row("00O2", DeveloperName="Mine", OwnerId="005000000000001AAA")
    out = changes.apply(
        changes.SPECS["Report"], Signal(0, ASKED), {}, count(1), answer(mine), CTX, False, ASKED
    )
    assert out.components is None


def test_a_renamed_component_leaves_its_old_name() -> None:
    before = {
        "CustomField:Widget__c.Old__c": Listed(
            "CustomField", "Widget__c.Old__c", "objects/Widget__c.object", "00N1"
        )
    }
    renamed = row("00N1", DeveloperName="New", TableEnumOrId="01I000000000001AAA")
    out = changes.apply(
        changes.SPECS["CustomField"],
        Signal(1, ASKED),
        before,
        count(1),
        answer(renamed),
        CTX,
        False,
        ASKED,
    )
    assert out.components is not None
    assert list(out.components) == ["CustomField:Widget__c.New__c"]


def test_managed_rows_are_skipped_unless_asked() -> None:
    pkg = row("01pPKG", Name="Helper", NamespacePrefix="acme", ManageableState="installed")
    out = changes.apply(
        changes.SPECS["ApexClass"], Signal(1, ASKED, managed=4), classes("A"), count(2),
        answer(pkg), CTX, include_managed=False,
        asked=ASKED,
    )  # fmt: skip
    assert out.components is not None and list(out.components) == ["ApexClass:A"]
    assert out.managed == 5 and out.signal is not None and out.signal.managed == 5
    out = changes.apply(
        changes.SPECS["ApexClass"], Signal(1, ASKED), classes("A"), count(2), answer(pkg), CTX,
        include_managed=True,
        asked=ASKED,
    )  # fmt: skip
    assert out.components is not None
    assert out.components["ApexClass:acme__Helper"].manageable_state == "installed"


def test_signals_queries_and_dates() -> None:
    spec = changes.SPECS["ApexClass"]
    assert changes.count_query(spec) == {"q": "SELECT COUNT() FROM ApexClass", "tooling": True}
    asked = changes.changes_query(spec, SINCE)["q"]
    assert asked.endswith("FROM ApexClass WHERE LastModifiedDate >= 2026-11-30T10:00:00Z")
    with pytest.raises(ValueError, match="not a SOQL datetime"):
        changes.changes_query(spec, "2026-11-30' OR Name != '")
    assert changes.SPECS["Report"].tooling is False
    assert changes.first_signal(count(7), 2, ASKED) == Signal(7, ASKED, 2)
    assert changes.first_signal({"error": {}}, 0, ASKED) is None
    assert changes.listing_date("2026-11-30T10:00:09.000+0000") == "2026-11-30T10:00:09.000Z"
    assert changes.listing_date("yesterday") == ""
    sig = Signal(3, ASKED, 1)
    assert Signal.from_json(sig.to_json()) == sig
    assert Signal.from_json({"count": 3}) is None  # when was it asked?
    assert Signal.from_json({**sig.to_json(), "asked": "2026-11-30"}) is None
    assert Signal.from_json({**sig.to_json(), "count": "3"}) is None
    # the next query starts a day before the last one was asked (a deployment still running
    # then may commit components dated before it)
    assert sig.since() == "2026-11-29T10:00:30Z"
