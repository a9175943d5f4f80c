"""In-file children compared element by element, and pruned containers, on in-memory files."""

from __future__ import annotations

import pytest

from sfsync.metadata import infile, prune
from sfsync.metadata.registry import load_registry

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
    diff = infile.diff_elements(
        registry,
        registry.get("workflow"),
        _doc("Workflow", old) if old is not None else None,
        _doc("Workflow", new),
        "Case.workflow-meta.xml",
    )
    assert diff.changed == changed and diff.removed == removed


def test_keep_elements_drops_unchanged_children() -> None:
    registry = load_registry()
    labels = registry.get("customlabels")
    old = _doc("CustomLabels", _rule("labels", "A", "1") + _rule("labels", "B", "1"))
    new = _doc("CustomLabels", _rule("labels", "A", "1") + _rule("labels", "B", "2"))
    diff = infile.diff_elements(registry, labels, old, new, "x")
    kept = infile.keep_elements(registry, labels, new, diff, "x").decode()
    assert "<fullName>B</fullName>" in kept and "<fullName>A</fullName>" not in kept


def test_prune_keeps_simple_values_and_changed_blocks() -> None:
    block = "<classAccesses><apexClass>{}</apexClass><enabled>{}</enabled></classAccesses>"
    old = _doc(
        "Profile", "<custom>true</custom>" + block.format("A", "true") + block.format("B", "true")
    )
    new = _doc(
        "Profile", "<custom>true</custom>" + block.format("A", "true") + block.format("B", "false")
    )
    pruned = prune.prune(old, new, "x").decode()
    assert "<custom>true</custom>" in pruned
    assert "<apexClass>B</apexClass>" in pruned and "<apexClass>A</apexClass>" not in pruned
    assert prune.changed(old, new, "x") and not prune.changed(new, new, "x")
