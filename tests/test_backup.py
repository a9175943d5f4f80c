"""`sfsync backup` with the real sf CLI against sfemu: full, incremental, resume, limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orgsample import (
    apex,
    custom_object,
    fresh_org,
    git,
    labels,
    make_repo,
    report,
    run,
    sample_org,
)
from sfemu import OrgEmulator
from sfemu.emulator import OrgHandle
from sfemu.testing import LoggedInOrg
from sfsync.cli import app

pytestmark = pytest.mark.e2e

REF = "refs/sfsync-backups/prod"
CLASSES = "force-app/main/default/classes"


@pytest.fixture
def prod(sfemu_login: Callable[..., LoggedInOrg], sf_home: Path) -> OrgHandle:
    handle = fresh_org(sfemu_login, "bk-prod", sandbox=False)
    handle.put_many(sample_org(), by="Ana Admin", when="2026-01-05T10:00:00.000Z")
    return handle


@pytest.fixture
def repo(tmp_path: Path, prod: OrgHandle) -> Path:
    return make_repo(tmp_path, {"prod": "bk-prod", "uat": "bk-uat", "dev1": "bk-dev1"})


def show(repo: Path, path: str, rev: str = REF) -> str:
    return git(repo, "show", f"{rev}:{path}") + "\n"


def manifest(repo: Path, rev: str = REF) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(show(repo, "sfsync-backup.json", rev))
    return data


def tree(repo: Path, rev: str = REF) -> set[str]:
    return set(git(repo, "ls-tree", "-r", "--name-only", rev).splitlines())


def retrieves(emu: OrgEmulator) -> int:
    log = (emu.root.path / "requests.log").read_text(encoding="utf-8")
    return sum(1 for line in log.splitlines() if line.endswith(" retrieve"))


def test_full_then_incremental_backup(
    repo: Path, prod: OrgHandle, sfemu: OrgEmulator, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, out = run(repo, "backup", "--env", "prod", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    first = out["result"]
    assert (first["mode"], first["chunks"], first["retrieves"]) == ("full", 1, 1)
    files = tree(repo)
    assert {
        f"{CLASSES}/AccountService.cls",
        "force-app/main/default/objects/Widget__c/fields/Size__c.field-meta.xml",
        "force-app/main/default/reports/Sales/Pipeline.report-meta.xml",
        "force-app/main/default/lwc/card/card.js",
        "force-app/main/default/labels/CustomLabels.labels-meta.xml",
        "sfsync-backup.json",
        "sfdx-project.json",
    } <= files
    comps = manifest(repo)["components"]
    assert comps["CustomField:Widget__c.Size__c"]["lastModifiedByName"] == "Ana Admin"
    assert {"ReportFolder:Sales", "Report:Sales/Pipeline", "CustomLabel:Greeting"} <= set(comps)
    assert "first backup" in git(repo, "log", "-1", "--format=%s", REF)
    # where the next backup's change queries start, per type that has one
    signals = manifest(repo)["changeSignals"]
    assert signals["ApexClass"]["count"] == sum(1 for k in comps if k.startswith("ApexClass:"))
    assert {"CustomField", "Report", "LightningComponentBundle"} <= set(signals)

    # nothing changed: no new commit, and nothing retrieved
    before = retrieves(sfemu)
    code, out = run(repo, "backup", "--env", "prod", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    assert out["result"]["upToDate"] is True
    assert retrieves(sfemu) == before
    assert git(repo, "rev-list", "--count", REF) == "1"

    # changes in Setup: a class edited, a field relabelled, a label changed, a report deleted
    prod.put_many(apex("Util", "// v2"), by="Dana Dev")
    prod.put_many(
        custom_object("Widget__c", {"Size__c": "Size (cm)", "Weight__c": "Weight"}), by="Dana Dev"
    )
    prod.put_many(labels({"Greeting": "Hi", "Farewell": "Bye"}), by="Lee Lead")
    prod.put_many(apex("Added"), by="Lee Lead")
    prod.delete("Report:Sales/Forecast")
    code, out = run(repo, "backup", "--env", "prod", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    result = out["result"]
    assert result["mode"] == "incremental"
    # the types with a query were asked what changed, not listed again (the deleted report
    # moved the count: the ids still there told which one went)
    assert {"ApexClass", "CustomField", "Report"} <= set(result["changeQueries"])
    assert result["changeQueryFallbacks"] == {}
    assert [c["component"] for c in result["added"]] == ["ApexClass:Added"]
    assert {c["component"] for c in result["changed"]} == {
        "ApexClass:Util",
        "CustomField:Widget__c.Size__c",
        "CustomLabel:Greeting",
    }
    assert [c["component"] for c in result["deleted"]] == ["Report:Sales/Forecast"]
    # only what changed was asked for (the label through its one file), in one retrieve
    assert (result["retrieves"], result["retrieved"]) == (1, 4)
    assert "// v2" in show(repo, f"{CLASSES}/Util.cls")
    assert "Size (cm)" in show(
        repo, "force-app/main/default/objects/Widget__c/fields/Size__c.field-meta.xml"
    )
    # the object's own file and the other label are still whole
    assert "<label>Widget</label>" in show(
        repo, "force-app/main/default/objects/Widget__c/Widget__c.object-meta.xml"
    )
    labels_text = show(repo, "force-app/main/default/labels/CustomLabels.labels-meta.xml")
    assert "<value>Hi</value>" in labels_text and "<value>Bye</value>" in labels_text
    assert "force-app/main/default/reports/Sales/Forecast.report-meta.xml" not in tree(repo)
    message = git(repo, "log", "-1", "--format=%B", REF)
    assert message.startswith("backup prod: 1 added, 3 changed, 1 deleted (incremental)")
    assert "Changed by: Dana Dev (2), Lee Lead (2)" in message
    assert "deleted  Report:Sales/Forecast" in message
    # git log -p of the ref is the org's history: the manifest line of Util moved
    diff = git(repo, "log", "-p", "-1", REF, "--", "sfsync-backup.json")
    assert '"ApexClass:Util"' in diff and "Dana Dev" in diff

    # the same org backed up in full gives the same files
    code, out = run(
        repo, "backup", "--env", "prod", "--full", monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 0, out
    assert out["result"]["upToDate"] is True

    # --full-every: full when the last full backup is that many days old
    for days, mode in (("30", "incremental"), ("0", "full")):
        code, out = run(
            repo, "backup", "--env", "prod", "--full-every", days,
            monkeypatch=monkeypatch, capsys=capsys,
        )  # fmt: skip
        assert code == 0, out
        assert (out["result"]["mode"], out["result"]["upToDate"]) == (mode, True)
    code, out = run(
        repo,
        "backup",
        "--env",
        "prod",
        "--full-every",
        "-1",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 2 and "--full-every -1" in out["message"], out

    # two backups compared side by side (no sf call), then the org against its backup
    code, out = run(
        repo, "compare", "backup:prod~1", "backup:prod", "--types", "ApexClass",
        "--show", "ApexClass:Util", monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert code == 0, out
    compared = out["result"]
    assert compared["sfInvocations"] == 0
    assert [e["component"] for e in compared["onlyInB"]] == ["ApexClass:Added"]
    assert [e["component"] for e in compared["different"]] == ["ApexClass:Util"]
    assert "+public class Util { // v2 }" in compared["diffs"]["ApexClass:Util"]
    prod.put_many(apex("AccountService", "// after the backup"), by="Dana Dev")
    code, out = run(
        repo, "compare", "prod", "backup:prod", "--types", "ApexClass",
        monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert code == 0, out
    assert [e["component"] for e in out["result"]["different"]] == ["ApexClass:AccountService"]
    assert out["result"]["onlyInA"] == out["result"]["onlyInB"] == []


def test_limit_exceeded_splits_and_a_failed_chunk_resumes(
    repo: Path, prod: OrgHandle, sfemu: OrgEmulator, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    for i in range(12):
        prod.put_many(apex(f"Bulk{i:02d}"), by="Ana Admin")
    # 15 classes, 30 files; sfsync packs 6 files (3 classes) per retrieve: 5 chunks. The org
    # takes only 4 files a retrieve (10,000 in the platform), so each chunk is split in two.
    # The 4th retrieve call fails with an HTTP 500: the run stops in chunk 2.
    prod.http_500("retrieve", after=3)
    # list type by type (one sf process each), the way without the sf CLI's library
    monkeypatch.setenv("SFSYNC_LIST_VIA", "sf")
    limit = sfemu.settings.retrieve_file_limit
    sfemu.settings.retrieve_file_limit = 4
    try:
        args = ("backup", "--env", "prod", "--types", "ApexClass", "--max-files", "6", "--push")
        code, out = run(repo, *args, monkeypatch=monkeypatch, capsys=capsys)
        assert code == 3, out
        assert "HTTP_500" in out["message"], out  # one line, exit 3
        assert git(repo, "for-each-ref", REF) == ""  # nothing committed yet
        before = retrieves(sfemu)
        capsys.readouterr()
        code = app.main([*args, "--json"])
        captured = capsys.readouterr()
        out = json.loads(captured.out)
    finally:
        sfemu.settings.retrieve_file_limit = limit
        prod.clear_faults()
    assert code == 0, out
    result = out["result"]
    assert (result["resumedAtChunk"], result["chunks"]) == (2, 5)
    # chunks 2 to 5 only, each split once: 4 x (one refused, two halves) retrieve calls
    assert retrieves(sfemu) - before == 12
    assert (result["retrieves"], result["splits"]) == (10, 5)  # chunk 1's count included
    # one line per chunk on stderr when no one watches a progress bar
    assert "prod: continuing the unfinished backup at chunk 2 of 5" in captured.err
    assert [ln for ln in captured.err.splitlines() if ": chunk " in ln][-1].startswith(
        "prod: chunk 5/5: 3 components, 6 files, 2 retrieves"
    )
    # --push: the remote has the backup
    assert git(repo, "ls-remote", "origin", REF).split()[0] == git(repo, "rev-parse", REF)
    assert result["pushed"] is True
    names = {
        p.rsplit("/", 1)[-1] for p in tree(repo) if p.startswith(CLASSES) and p.endswith(".cls")
    }
    assert names == {f"Bulk{i:02d}.cls" for i in range(12)} | {
        "AccountService.cls",
        "InvoiceService.cls",
        "Util.cls",
    }
    assert set(manifest(repo)["components"]) == {f"ApexClass:{n[:-4]}" for n in names}
    assert manifest(repo)["scope"] == ["ApexClass"]


def test_managed_components_are_left_out_and_a_hostile_zip_writes_nothing_outside(
    repo: Path, prod: OrgHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    prod.install_package("acme", {**apex("acme__Billing"), **report("acme__Reports", "Usage")})
    prod.hostile_zip()
    code, out = run(repo, "backup", "--env", "prod", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    result = out["result"]
    assert result["managedSkipped"] == 3  # the class, the report folder and its report
    comps = manifest(repo)["components"]
    assert not [k for k in comps if "acme__" in k]
    files = tree(repo)
    assert not [p for p in files if "acme__" in p]
    # the zip's entries that climb out of their folder or are symlinks end nowhere
    for path in files:
        assert path in ("sfsync-backup.json", "sfdx-project.json") or path.startswith(
            "force-app/main/default/"
        ), path
        assert ".." not in path.split("/")
    assert not [p for p in files if "SfemuLink" in p or "zip-slip.cls" in p]
    for folder in (tmp_path, tmp_path.parent, Path("/tmp")):
        assert not list(folder.glob("sfemu-zip-slip*")), folder
    assert git(repo, "status", "--porcelain") == ""

    code, out = run(
        repo,
        "backup",
        "--env",
        "prod",
        "--include-managed",
        "--types",
        "ApexClass",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0, out
    billing = manifest(repo)["components"]["ApexClass:acme__Billing"]
    assert (billing["namespacePrefix"], billing["manageableState"]) == ("acme", "installed")
    assert f"{CLASSES}/acme__Billing.cls" in tree(repo)
    # a backup of other options does not delete the types it did not look at
    assert "Report:Sales/Pipeline" in manifest(repo)["components"]

    # and a run without --include-managed leaves them as they are: not looked at, not deleted
    code, out = run(
        repo, "backup", "--env", "prod", "--types", "ApexClass", monkeypatch=monkeypatch,
        capsys=capsys,
    )  # fmt: skip
    assert code == 0, out
    assert out["result"]["upToDate"] is True and out["result"]["deleted"] == []
    assert "ApexClass:acme__Billing" in manifest(repo)["components"]


def document(folder: str, name: str) -> dict[str, str]:
    ns = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
    return {
        f"documents/{folder}-meta.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<DocumentFolder {ns}>\n'
            f"    <accessType>Public</accessType>\n    <name>{folder}</name>\n</DocumentFolder>\n"
        ),
        f"documents/{folder}/{name}": "PNG",
        f"documents/{folder}/{name}-meta.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Document {ns}>\n'
            f"    <internalUseOnly>false</internalUseOnly>\n    <name>{name}</name>\n"
            "    <public>true</public>\n</Document>\n"
        ),
    }


def test_the_folders_of_the_last_backup_are_listed_in_the_first_process(
    repo: Path, prod: OrgHandle, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Documents have no change query: their folders are listed, those the last backup saw
    in the same process as everything else, a new one in a second, a gone one dropped."""
    prod.put_many(document("Brand", "logo.png"), by="Ana Admin")
    code, out = run(repo, "backup", "--env", "prod", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    assert manifest(repo)["components"]["Document:Brand/logo.png"]["files"] == [
        "force-app/main/default/documents/Brand/logo.document-meta.xml",
        "force-app/main/default/documents/Brand/logo.png",
    ]
    code, out = run(repo, "backup", "--env", "prod", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    # nothing changed: one process listed and queried everything, nothing was retrieved
    assert (out["result"]["upToDate"], out["result"]["sfInvocations"]) == (True, 1)

    prod.delete("Document:Brand/logo.png")
    prod.delete("Document:Brand")
    prod.put_many(document("Press", "kit.png"), by="Lee Lead")
    code, out = run(repo, "backup", "--env", "prod", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    result = out["result"]
    assert {c["component"] for c in result["added"]} == {
        "DocumentFolder:Press",
        "Document:Press/kit.png",
    }
    assert {c["component"] for c in result["deleted"]} == {
        "DocumentFolder:Brand",
        "Document:Brand/logo.png",
    }
    # the listing process, the one for the new folder, the retrieve
    assert result["sfInvocations"] == 3
    now = manifest(repo)["components"]
    assert "Document:Press/kit.png" in now and "Document:Brand/logo.png" not in now
    # the files are kept under the names listMetadata gives (with the file's extension)
    assert now["Document:Press/kit.png"]["files"] == [
        "force-app/main/default/documents/Press/kit.document-meta.xml",
        "force-app/main/default/documents/Press/kit.png",
    ]
    assert now["DocumentFolder:Press"]["files"] == [
        "force-app/main/default/documents/Press.documentFolder-meta.xml"
    ]
    assert not any("/documents/Brand" in p for p in tree(repo))
