"""Packing components into retrieves that fit the Metadata API's limits."""

from __future__ import annotations

from pathlib import Path

from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, chunks
from sfsync.org.chunks import Size

REGISTRY = backups.project().registry


def test_chunks_hold_at_most_the_file_limit() -> None:
    keys = [f"ApexClass:C{i:05d}" for i in range(12_000)]  # 24,000 files
    planned = chunks.plan_chunks(REGISTRY, keys, {})
    assert [len(c) for c in planned] == [5_000, 5_000, 2_000]  # ceil(24,000 / 10,000)
    assert sorted(k for c in planned for k in c) == sorted(keys)


def test_children_of_one_parent_share_its_file() -> None:
    fields = [f"CustomField:Account.F{i:03d}__c" for i in range(50)]
    planned = chunks.plan_chunks(REGISTRY, fields, {}, max_files=3)
    assert len(planned) == 1  # one Account.object in the zip


def test_sizes_from_the_last_backup_and_the_zip_budget() -> None:
    known = {"LightningComponentBundle:big": Size(files=9, size=1_000)}
    assert chunks.estimate(REGISTRY, "LightningComponentBundle:big", known).files == 9
    assert chunks.estimate(REGISTRY, "LightningComponentBundle:new", {}).files == 6
    # what a run learned about its bundles counts for the ones it has not seen
    learned = {"LightningComponentBundle": 8}
    assert chunks.estimate(REGISTRY, "LightningComponentBundle:new", {}, learned).files == 8
    bundles = [f"LightningComponentBundle:c{i:04d}" for i in range(2_500)]
    assert [len(c) for c in chunks.plan_chunks(REGISTRY, bundles, {}, type_files=learned)] == [
        1_250,
        1_250,
    ]
    assert chunks.estimate(REGISTRY, "CustomObject:Account", {}).files == 1
    resources = {f"StaticResource:R{i}": Size(files=2, size=10 * 1024 * 1024) for i in range(8)}
    planned = chunks.plan_chunks(REGISTRY, list(resources), resources)
    assert [len(c) for c in planned] == [3, 3, 2]  # binary: 30 MB of 36 MB estimated per zip


def test_what_is_retrieved_for_children() -> None:
    listed = ["CustomLabels:CustomLabels", "CustomLabel:Greeting", "CustomObject:W__c"]
    wanted = ["CustomLabel:Greeting", "CustomField:W__c.A__c", "CustomObject:W__c", "Workflow:Case"]
    wanted.append("WorkflowRule:Lead.Assign")
    assert chunks.retrieval_set(REGISTRY, wanted, listed) == [
        "CustomLabels:CustomLabels",  # a label alone would come back as a file of one label
        "CustomObject:W__c",  # the field comes with its object
        "Workflow:Case",
        "Workflow:Lead",
    ]
    assert chunks.manifest_for(REGISTRY, ["ReportFolder:Sales", "Report:Sales/Pipe"]) == {
        "Report": ["Sales", "Sales/Pipe"]
    }


def test_only_the_files_of_what_was_asked_are_accepted(tmp_path: Path) -> None:
    base = "force-app/main/default"
    files = {
        f"{base}/objects/W__c/W__c.object-meta.xml": tmp_path / "a",  # a stub from the field
        f"{base}/objects/W__c/fields/A__c.field-meta.xml": tmp_path / "b",
        f"{base}/classes/Foo.cls": tmp_path / "c",
        f"{base}/weird/thing.txt": tmp_path / "d",
    }
    resolver = Resolver(backups.project())
    got = chunks.accepted(files, {"CustomField:W__c.A__c", "ApexClass:Foo"}, REGISTRY, resolver)
    assert got == [
        f"{base}/classes/Foo.cls",
        f"{base}/objects/W__c/fields/A__c.field-meta.xml",
        f"{base}/weird/thing.txt",
    ]


def test_source_files_skip_symlinks_and_sf_folders(tmp_path: Path) -> None:
    (tmp_path / "force-app" / "classes").mkdir(parents=True)
    (tmp_path / "force-app" / "classes" / "Foo.cls").write_text("x")
    (tmp_path / ".sf").mkdir()
    (tmp_path / ".sf" / "state").write_text("x")
    (tmp_path / "sfdx-project.json").write_text("{}")
    outside = tmp_path.parent / "outside-secret.txt"
    outside.write_text("secret")
    (tmp_path / "force-app" / "classes" / "Link.cls").symlink_to(outside)
    assert list(chunks.source_files(tmp_path)) == ["force-app/classes/Foo.cls"]
