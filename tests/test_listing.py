"""Reading listMetadata answers and naming components as listMetadata and sf's manifests do."""

from __future__ import annotations

import pytest

from sfsync.errors import UsageError
from sfsync.metadata.component import Component
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, listed, listing, listing_by_type, listscope, sf
from sfsync.org.listed import Listed

REGISTRY = backups.project().registry


def test_file_properties_are_read_with_managed_state_and_nil_values() -> None:
    entry = {
        "type": "ApexClass",
        "fullName": "acme__Billing",
        "fileName": "classes/acme__Billing.cls",
        "id": "01p000000000001",
        "createdByName": "Ana",
        "createdDate": "2026-01-01T00:00:00.000Z",
        "lastModifiedByName": "Dana",
        "lastModifiedDate": "2026-02-01T00:00:00.000Z",
        "namespacePrefix": "acme",
        "manageableState": "installed",
    }
    item = Listed.from_file_properties(entry)
    assert item is not None
    assert (item.key, item.managed, item.modified_by) == ("ApexClass:acme__Billing", True, "Dana")
    assert Listed.from_json(item.key, item.to_json()) == item
    own = Listed.from_file_properties({**entry, "namespacePrefix": {"$": {"xsi:nil": "true"}}})
    assert own is not None and own.namespace == ""
    unmanaged = Listed.from_file_properties({**entry, "manageableState": "unmanaged"})
    assert unmanaged is not None and not unmanaged.managed
    assert "manageableState" not in unmanaged.to_json()
    assert Listed.from_file_properties({"type": "Package", "fullName": "unpackaged"}) is None


def test_a_component_deleted_and_created_again_is_a_new_version() -> None:
    old = Listed("ApexClass", "Foo", id="01p1", modified_date="2026-01-01T00:00:00.000Z")
    same_date_new_id = Listed("ApexClass", "Foo", id="01p2", modified_date=old.modified_date)
    assert old.version() != same_date_new_id.version()


@pytest.mark.parametrize(
    ("key", "member", "resolved"),
    [
        pytest.param("ReportFolder:Sales", ("Report", "Sales"), "Report:Sales/", id="folder"),
        pytest.param("Report:Sales/Pipe", ("Report", "Sales/Pipe"), "Report:Sales/Pipe", id="item"),
        pytest.param("EmailFolder:Mkt", ("EmailTemplate", "Mkt"), "EmailTemplate:Mkt/", id="email"),
        pytest.param("ApexClass:Foo", ("ApexClass", "Foo"), "ApexClass:Foo", id="plain"),
    ],
)
def test_names_between_listing_manifest_and_resolver(
    key: str, member: tuple[str, str], resolved: str
) -> None:
    assert listed.package_member(REGISTRY, key) == member
    component = listed.resolver_component(REGISTRY, key)
    assert str(component) == resolved
    assert listed.listing_key(REGISTRY, component) == key


def test_parents_of_children() -> None:
    assert listed.parent_key(REGISTRY, "CustomField:Account.Tier__c") == "CustomObject:Account"
    assert listed.parent_key(REGISTRY, "CustomLabel:Greeting") is None  # its name does not say
    assert listed.parent_key(REGISTRY, "ApexClass:Foo") is None


def test_queries_list_each_type_folder_and_child_type_with_members() -> None:
    present = {
        "ApexClass": ["Foo"],
        "CustomObject": ["Widget__c"],
        "CustomField": ["Widget__c.Size__c"],
        "Report": ["Sales", "Sales/Pipe", "Ops", "unfiled$public/Old"],
        "Flow": [],
    }
    queries = listing_by_type._queries(REGISTRY, present, None, set())
    assert queries == [
        ("ApexClass", None),
        ("CustomField", None),
        ("CustomObject", None),
        ("ReportFolder", None),
        ("Report", "Ops"),
        ("Report", "Sales"),
    ]
    only = listing_by_type._queries(REGISTRY, present, ["CustomObject"], set())
    assert only == [("CustomField", None), ("CustomObject", None)]
    skipped = listing_by_type._queries(REGISTRY, present, None, {"CustomObject", "Report"})
    assert skipped == [("ApexClass", None)]


def test_type_names_and_unknown_types() -> None:
    assert listscope.type_names(["ApexClass, CustomObject", "ApexClass", " "]) == [
        "ApexClass",
        "CustomObject",
    ]
    with pytest.raises(UsageError, match="did you mean 'ApexClass'"):
        listscope.check_names(["ApexClas"], {"ApexClass"}, REGISTRY, "--types")
    assert listscope.check_names(
        ["CustomField", "ReportFolder"], {"CustomObject"}, REGISTRY, "x"
    ) == [
        "CustomField",
        "ReportFolder",
    ]


def test_a_listing_covers_its_scope_minus_what_was_skipped() -> None:
    everything = listed.Listing("prod", {}, None, frozenset({"Profile"}))
    assert everything.covers("ApexClass") and not everything.covers("Profile")
    some = listed.Listing("prod", {}, frozenset({"ApexClass"}))
    assert some.covers("ApexClass") and not some.covers("Flow")
    assert Component("ApexClass", "Foo") == listed.resolver_component(REGISTRY, "ApexClass:Foo")


def test_a_failed_listmetadata_is_an_error_not_an_empty_type() -> None:
    ok = {"type": "ApexClass", "entries": [{"type": "ApexClass", "fullName": "Foo"}]}
    unsupported = {"type": "Bot", "error": {"name": "sf:INVALID_TYPE", "message": "INVALID_TYPE"}}
    assert [i.key for i in listing._entries("prod", [ok, unsupported])] == ["ApexClass:Foo"]
    failed = {"type": "Flow", "error": {"name": "HttpApiError", "message": "HTTP 500"}}
    # read as "no flows", every flow of the last backup would be reported deleted
    with pytest.raises(sf.SfError, match="listMetadata of Flow on org 'prod' failed"):
        listing._entries("prod", [ok, failed])


def test_documents_and_folders_are_named_as_list_metadata_names_them() -> None:
    """sf names a document without its file's extension (`Brand/logo`), listMetadata with it
    (`Brand/logo.png`); a folder's meta file is the folder, not a document."""
    resolver = Resolver(backups.project())
    base = "force-app/main/default"
    paths = [
        f"{base}/documents/Brand/logo.png",
        f"{base}/documents/Brand/logo.document-meta.xml",
        f"{base}/documents/Brand.documentFolder-meta.xml",
        f"{base}/reports/Sales.reportFolder-meta.xml",
        f"{base}/reports/Sales/Pipeline.report-meta.xml",
        f"{base}/classes/Foo.cls",
    ]
    assert listed.path_keys(resolver.registry, resolver.component, paths) == {
        paths[0]: "Document:Brand/logo.png",
        paths[1]: "Document:Brand/logo.png",
        paths[2]: "DocumentFolder:Brand",
        paths[3]: "ReportFolder:Sales",
        paths[4]: "Report:Sales/Pipeline",
        paths[5]: "ApexClass:Foo",
    }
    # a meta file whose content file is not among the paths keeps sf's name
    assert listed.path_keys(resolver.registry, resolver.component, paths[1:2]) == {
        paths[1]: "Document:Brand/logo"
    }
