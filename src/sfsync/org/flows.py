"""Deleting Flows for real: deactivate, then delete, in one deployment.

An org refuses to delete a flow whose version is active: destructive changes naming it fail
with "insufficient access rights on cross-reference id" (docs.gearset.com, "Changes to Flows
in v44 of the Metadata API"; the Tooling API's Flow reference: a flow version can be deleted
"as long as it isn't active"). A Flow file cannot deactivate itself (deploying
`<status>Draft</status>` or `Obsolete` leaves the active version active:
dev.to/tdrnk/salesforce-flow-deactivation-using-metadata-api-5dn4); a FlowDefinition with
`activeVersionNumber` 0 does. So the deploy step adds, for every flow it deletes, a
FlowDefinition that deactivates it to the package; the deletions are *post*-destructive
changes, which the org applies after the package, in the same all-or-nothing deployment.

A flow the org no longer has (a re-run after the deletion went through) is neither
deactivated nor deleted again, so a re-run succeeds. Wildcards are refused: only named
flows are deactivated.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.metadata.component import Component

DEFINITION = "FlowDefinition"
_NS = "http://soap.sforce.com/2006/04/metadata"


def flows_to_delete(delete: Sequence[Component]) -> list[Component]:
    """The Flows among the deletions; a wildcard is refused."""
    flows = [c for c in delete if c.type == "Flow"]
    for flow in flows:
        if "*" in flow.full_name:
            raise UsageError(
                f"{flow}: a wildcard cannot name the flows to deactivate and delete; "
                "list each flow by name"
            )
    return flows


def plan(
    delete: Sequence[Component], absent: Collection[str] | None
) -> tuple[list[Component], list[Component]]:
    """(deletions to send, flows to deactivate first).

    `absent`: the components the org does not have (from the snapshot); None when unknown
    (a validation): every flow is deactivated and deleted.
    """
    flows = flows_to_delete(delete)
    gone = {f for f in flows if absent is not None and str(f) in absent}
    return [c for c in delete if c not in gone], [f for f in flows if f not in gone]


def definitions(flows: Sequence[Component]) -> list[Component]:
    """The FlowDefinition components that deactivate `flows`."""
    return [Component(DEFINITION, f.full_name) for f in flows]


def write_definitions(project_dir: Path, package_dir: str, flows: Sequence[Component]) -> None:
    """Write a deactivating `FlowDefinition` source file per flow into the payload project."""
    folder = project_dir / (package_dir or ".") / "flowDefinitions"
    folder.mkdir(parents=True, exist_ok=True)
    for flow in flows:
        (folder / f"{flow.full_name}.flowDefinition-meta.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<FlowDefinition xmlns="{_NS}">\n'
            "    <activeVersionNumber>0</activeVersionNumber>\n"
            "</FlowDefinition>\n",
            encoding="utf-8",
        )
