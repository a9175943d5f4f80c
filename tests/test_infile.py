"""In-file children compared element by element, and pruned containers, on in-memory files."""

from __future__ import annotations

import pytest

from sfsync.metadata import infile, prune
from sfsync.metadata.registry import load_registry
from sfsync.metadata.xmlsafe import parse

NS = "http://soap.sforce.com/2006/04/metadata"


def _doc(root: str, body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">{body}</{root}>'.encode()


def _rule(kind: str, name: str, active: str) -> str:
    return f"<{kind}><fullName>{name}</fullName><active>{active}</active></{kind}>"


@pytest.mark.parametrize(
    ("old", "new", "changed", "removed"),
    [
        pytest.param(None, _rule("rules", "R", "true"), {"WorkflowRule": {"R"}}, {}, id="added"),
        pytest.param(
            _rule("rules", "R", "true"),
            _rule("rules", "R", "false"),
            {"WorkflowRule": {"R"}},
            {},
            id="changed",
        ),
        pytest.param(_rule("alerts", "A", "true"), "", {}, {"WorkflowAlert": {"A"}}, id="removed"),
        pytest.param(
            _rule("rules", "R", "true"),
            "\n  " + _rule("rules", "R", "true"),
            {},
            {},
            id="formatting-only",
        ),
    ],
)
def test_workflow_elements(
    old: str | None, new: str, changed: dict[str, set[str]], removed: dict[str, set[str]]
) -> None:
    registry = load_registry()
    where = "Case.workflow-meta.xml"
    diff = infile.diff_elements(
        registry,
        registry.get("workflow"),
        parse(_doc("Workflow", old), where) if old is not None else None,
        parse(_doc("Workflow", new), where),
    )
    assert diff.changed == changed and diff.removed == removed
    assert diff.added == (changed if old is None else {})


def test_keep_elements_drops_unchanged_children() -> None:
    registry = load_registry()
    labels = registry.get("customlabels")
    old = _doc("CustomLabels", _rule("labels", "A", "1") + _rule("labels", "B", "1"))
    new = _doc("CustomLabels", _rule("labels", "A", "1") + _rule("labels", "B", "2"))
    diff = infile.diff_elements(registry, labels, parse(old, "x"), parse(new, "x"))
    kept = infile.keep_elements(registry, labels, parse(new, "x"), diff).decode()
    assert "<fullName>B</fullName>" in kept and "<fullName>A</fullName>" not in kept


def test_prune_keeps_simple_values_and_changed_blocks() -> None:
    block = "<classAccesses><apexClass>{}</apexClass><enabled>{}</enabled></classAccesses>"
    old = _doc(
        "Profile", "<custom>true</custom>" + block.format("A", "true") + block.format("B", "true")
    )
    new = _doc(
        "Profile", "<custom>true</custom>" + block.format("A", "true") + block.format("B", "false")
    )
    pruned = prune.prune(old, new, "x").data.decode()
    assert "<custom>true</custom>" in pruned
    assert "<apexClass>B</apexClass>" in pruned and "<apexClass>A</apexClass>" not in pruned
    assert prune.changed(old, new, "x") and not prune.changed(new, new, "x")


def test_prune_keeps_login_ip_ranges_whole_when_any_changed() -> None:
    ip = (
        "<loginIpRanges><endAddress>{0}</endAddress><startAddress>{0}</startAddress>"
        "</loginIpRanges>"
    )
    old = _doc("Profile", "<custom>true</custom>" + ip.format("1.1.1.1") + ip.format("2.2.2.2"))
    new = _doc("Profile", "<custom>true</custom>" + ip.format("1.1.1.1") + ip.format("3.3.3.3"))
    pruned = prune.prune(old, new, "x").data.decode()
    # the org replaces the whole list: every range of the new file is sent, the kept one too
    assert "1.1.1.1" in pruned and "3.3.3.3" in pruned and "2.2.2.2" not in pruned


def test_prune_leaves_unchanged_ip_ranges_out_and_names_removed_entries() -> None:
    ip = (
        "<loginIpRanges><endAddress>1.1.1.1</endAddress><startAddress>1.1.1.1</startAddress>"
        "</loginIpRanges>"
    )
    field = "<fieldPermissions><editable>{}</editable><field>{}</field></fieldPermissions>"
    old = _doc("Profile", ip + field.format("true", "A.X__c") + field.format("true", "A.Y__c"))
    new = _doc("Profile", ip + field.format("false", "A.X__c"))
    pruned = prune.prune(old, new, "x")
    text = pruned.data.decode()
    assert "loginIpRanges" not in text and "A.X__c" in text
    # a changed entry is not a removed one; the vanished one is named
    assert pruned.removed == ("fieldPermissions A.Y__c",)
