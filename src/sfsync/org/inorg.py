"""The in-org check before a deploy: snapshot the components, find work only the org has.

One `sf` retrieve of the payload's components is both the snapshot
(`refs/sfsync/snapshots/<env>/<id>`) and what is compared: a component whose org version
differs from its version at `from` and at `to`, and from what the env's last recorded event
put there (a rollback's version, `sfsync.org.left`), was changed (or deleted) in the org,
outside git. The deploy step's policy decides what happens to it (`stop` raises `InOrgWork` here,
before anything is stored).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfsync.errors import Refused, plural
from sfsync.metadata.component import Component
from sfsync.metadata.manifest import render
from sfsync.metadata.project import Project
from sfsync.org import left, sf, snapshots
from sfsync.org.payload import Payload, by_type
from sfsync.org.snapshots import Snapshot
from sfsync.org.versions import Version, files_under, parse_component, versions_in_files
from sfsync.pipeline.config import Environment


class InOrgWork(Refused):
    """The org holds changes that are not in git; deploying would overwrite them (exit 1)."""

    name = "InOrgWork"


@dataclass(frozen=True)
class OrgChange:
    """A component whose org version is neither the one sfsync deployed nor the target."""

    component: str
    last_modified_by: str
    last_modified_date: str
    in_org: bool

    def __str__(self) -> str:
        who = self.last_modified_by or "someone"
        when = f" on {self.last_modified_date}" if self.last_modified_date else ""
        what = "changed" if self.in_org else "deleted"
        return f"{self.component} ({what} in the org by {who}{when})"

    def to_json(self) -> dict[str, Any]:
        """`{component, lastModifiedByName, lastModifiedDate, inOrg}`."""
        return {
            "component": self.component,
            "lastModifiedByName": self.last_modified_by,
            "lastModifiedDate": self.last_modified_date,
            "inOrg": self.in_org,
        }


def snapshot_and_check(
    repo: Path,
    env: Environment,
    payload: Payload,
    deploy: list[Component],
    delete: list[Component],
    folder: Path,
    kind: str,
    policy: str,
) -> tuple[Snapshot, list[OrgChange], list[str]]:
    """Retrieve the components (one sf call), compare the versions, store the snapshot.

    With policy `stop`, work found only in the org raises `InOrgWork` before anything is
    stored.
    """
    wanted = sorted({*deploy, *delete})
    folder.mkdir(parents=True)
    manifest = folder.parent / "retrieve-package.xml"
    manifest.write_bytes(render(by_type(wanted), payload.api_version))
    retrieved = sf.retrieve(env.org, manifest, folder, api_version=payload.api_version)
    files = files_under(folder)
    files.pop("sfdx-project.json", None)
    org_project = Project.load(folder, extra_types=payload.extra_types)
    in_org = versions_in_files(files, org_project, wanted)
    expected = payload.expected(wanted)
    target = payload.target(wanted)
    changes: list[OrgChange] = []
    already: list[str] = []
    for component in wanted:
        have = in_org.get(component)
        if have == target.get(component):
            already.append(str(component))
        elif have != expected.get(component):
            props = retrieved.properties.get(str(component))
            changes.append(
                OrgChange(
                    str(component),
                    props.last_modified_by if props else "",
                    props.last_modified_date if props else "",
                    have is not None,
                )
            )
    if changes:
        changes = _not_left_by_sfsync(repo, env, changes, in_org, payload)
    if changes and policy == "stop":
        raise _in_org_work(env, changes, kind)
    properties = {
        name: {"lastModifiedByName": p.last_modified_by, "lastModifiedDate": p.last_modified_date}
        for name, p in retrieved.properties.items()
    }
    snap = snapshots.create(
        repo,
        env.name,
        env.org,
        folder,
        present=[str(c) for c in wanted if c in in_org],
        absent=[str(c) for c in wanted if c not in in_org],
        properties=properties,
        from_sha=payload.from_sha,
        to_sha=payload.to_sha,
        details={"kind": kind},
    )
    return snap, changes, already


def _not_left_by_sfsync(
    repo: Path,
    env: Environment,
    changes: list[OrgChange],
    in_org: Mapping[Component, Version],
    payload: Payload,
) -> list[OrgChange]:
    """The changes whose org version is not what the env's last recorded event put there.

    Git at `from` does not know every version sfsync deployed: a rollback of part of a
    deployment (or of an older one) puts back a snapshot's version and leaves `deployed`
    where it was. The ledger (`sfsync.org.left`) knows it, so that is no work done in the org.
    """
    flagged = [parse_component(c.component) for c in changes]
    recorded = left.now(repo, env.name, flagged, payload.extra_types)
    return [
        change
        for change, component in zip(changes, flagged, strict=True)
        if component not in recorded or recorded[component] != in_org.get(component)
    ]


def _in_org_work(env: Environment, changes: Sequence[OrgChange], kind: str) -> InOrgWork:
    lines = [
        f"{env.name} ({env.org}) has {plural(len(changes), 'component')} changed in the org "
        f"that {'is' if len(changes) == 1 else 'are'} not in git; {kind} would overwrite "
        f"{'it' if len(changes) == 1 else 'them'}, so nothing was deployed:"
    ]
    lines += [f"  {c}" for c in changes]
    leave_out = "--except" if kind == "rollback" else "--exclude"  # rollback's option
    lines.append(
        "Retrieve them into git (sf project retrieve start) and commit, or leave them out "
        f"with {leave_out} Type:Name, or overwrite them with --force."
    )
    return InOrgWork("\n".join(lines), data={"changes": [c.to_json() for c in changes]})
