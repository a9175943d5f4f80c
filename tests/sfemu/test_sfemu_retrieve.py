from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sfemu_zip import CLASS_META, custom_object

from sfemu import OrgHandle
from sfemu import retrieve as rt
from sfemu.store import OrgStore, Root


@pytest.fixture
def store(tmp_path: Path) -> OrgStore:
    root = Root(tmp_path)
    root.create_org("dev1")
    s = root.store("dev1")
    org = OrgHandle(s)
    for name in ("Foo", "Bar"):
        org.put(f"classes/{name}.cls", f"public class {name} {{}}\n")
        org.put(f"classes/{name}.cls-meta.xml", CLASS_META)
    org.put("objects/Widget__c.object", custom_object("Widget__c", ["A__c", "B__c"]))
    org.put("objects/Account.object", custom_object("Account", ["Tier__c"]))
    org.put("reports/Sales-meta.xml", "<ReportFolder/>")
    org.put("reports/Sales/Pipeline.report", "<Report/>")
    return s


def names(outcome: rt.RetrieveOutcome) -> list[str]:
    return sorted(zipfile.ZipFile(io.BytesIO(outcome.zip_bytes)).namelist())


def test_wildcards_folders_and_missing_members(store: OrgStore) -> None:
    out = rt.retrieve(
        store,
        {
            "ApexClass": ["*"],
            "CustomObject": ["*"],
            "Report": ["*", "Sales", "Sales/Pipeline"],
            "Layout": ["Nope"],
        },
        "62.0",
    )
    assert out.success
    assert names(out) == [
        "classes/Bar.cls", "classes/Bar.cls-meta.xml",
        "classes/Foo.cls", "classes/Foo.cls-meta.xml",
        "objects/Widget__c.object", "package.xml", "reports/Sales-meta.xml",
        "reports/Sales/Pipeline.report",
    ]  # fmt: skip
    problems = [p for _, p in out.messages]
    assert "Entity of type 'Report' named '*' cannot be found" in problems  # no * for folders
    assert "Entity of type 'Layout' named 'Nope' cannot be found" in problems
    types = {(p.component.type, p.component.full_name) for p in out.file_properties}
    assert ("CustomField", "Widget__c.A__c") in types and ("Package", "package.xml") in types


def test_children_alone_come_in_a_partial_parent(store: OrgStore) -> None:
    out = rt.retrieve(store, {"CustomField": ["Widget__c.B__c"]}, "62.0", single_package=False)
    zf = zipfile.ZipFile(io.BytesIO(out.zip_bytes))
    assert sorted(zf.namelist()) == [
        "unpackaged/objects/Widget__c.object",
        "unpackaged/package.xml",
    ]
    text = zf.read("unpackaged/objects/Widget__c.object").decode()
    assert "B__c" in text and "A__c" not in text and "<label>Thing</label>" not in text


def test_file_limit(store: OrgStore) -> None:
    out = rt.retrieve(store, {"ApexClass": ["*"]}, "62.0", file_limit=3)
    assert not out.success and out.zip_bytes == b""
    assert out.error_message == "LIMIT_EXCEEDED: Too many files in retrieve call, limit is: 3"
