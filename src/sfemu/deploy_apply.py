"""Carrying out a checked deploy: write its plan into the org's store, all or nothing.

``apply`` runs under the org's lock when the polls reach the end of the job (a canceled or
failed deploy never gets here); ``validate_only`` reports a checkOnly deploy's successes
without touching the org.
"""

from __future__ import annotations

from typing import Any

from sfemu import safexml, semantics, types
from sfemu.deploy_model import DeployMessage, DeployOutcome, DeployPlan
from sfemu.store import OrgStore, children_in
from sfemu.types import Component


def apply(store: OrgStore, p: DeployPlan, by: str) -> DeployOutcome:
    """Apply a plan that does not fail (skipping failed components); record who changed what."""
    successes: list[DeployMessage] = []
    deleted: list[str] = []
    with store.locked():
        state = store.state()

        def delete(comps: list[Component]) -> None:
            for comp in comps:
                if store.remove_component(comp):
                    store.forget(state, comp)
                    deleted.append(f"{types.reported_type(comp)}:{comp.full_name}")
                    successes.append(
                        DeployMessage(
                            types.reported_type(comp),
                            comp.full_name,
                            "destructiveChanges.xml",
                            True,
                            deleted=True,
                        )
                    )

        delete(p.pre_deletes)
        before = store.components()
        held_names = semantics.HeldNames(before)
        for deployed_as, files in sorted(p.writes.items(), key=lambda kv: str(kv[0])):
            # a name that differs from a held one only in case updates the held component,
            # which keeps its spelling (sfemu.semantics)
            comp = held_names.held(deployed_as)
            files = {semantics.respelled(path, deployed_as, comp): d for path, d in files.items()}
            old = {path: store.read(path) for path in before.get(comp, [])}
            if comp.type in semantics.OVERLAID:
                files = {
                    path: semantics.overlay(old[path], data) if path in old else data
                    for path, data in files.items()
                }
            if comp.type == "FlowDefinition":
                _set_flow_status(store, state, comp, files, by)
            created = comp not in before
            changed = not created and old != files
            if changed:
                for path in old:
                    if path not in files:
                        store.remove_file(path)
            if created or changed:
                store.put_files(files)
                store.touch(state, comp, by)
            successes.append(
                DeployMessage(
                    types.reported_type(comp),
                    deployed_as.full_name,
                    main_file(files) or "",
                    True,
                    created,
                    changed,
                    id=store.props(comp, state).id,
                )
            )
        for parent_as, (incoming, own) in sorted(p.merges.items(), key=lambda kv: str(kv[0])):
            mtype = types.get(parent_as.type)
            assert mtype is not None
            parent = held_names.held(parent_as)
            path = store.parent_file(parent) or ""
            old_kids = {c: safexml.to_bytes(e) for c, e in store.children(parent).items()}
            old_bytes = store.read(path) if store.exists(path) else None
            store.merge_parent(parent, incoming, own)
            new_bytes = store.read(path)
            if own:
                created = old_bytes is None
                changed = not created and old_bytes != new_bytes
                if created or changed:
                    store.touch(state, parent, by)
                successes.append(
                    DeployMessage(
                        parent.type,
                        parent_as.full_name,
                        path,
                        True,
                        created,
                        changed,
                        id=store.props(parent, state).id,
                    )
                )
            new_kids = store.children(parent)
            held_kids = semantics.HeldNames(new_kids)
            for child in children_in(incoming, mtype, parent_as.full_name):
                if child not in p.child_components:
                    continue
                held = held_kids.held(child)
                created = held not in old_kids
                changed = not created and old_kids[held] != safexml.to_bytes(new_kids[held])
                if created or changed:
                    store.touch(state, held, by)
                successes.append(
                    DeployMessage(
                        child.type,
                        child.full_name,
                        path,
                        True,
                        created,
                        changed,
                        id=store.props(held, state).id,
                    )
                )
        delete(p.post_deletes)
        for comp in (*p.pre_deletes, *p.post_deletes):
            if comp.type == "Flow":  # a deleted flow takes its definition with it
                store.remove_component(Component("FlowDefinition", comp.full_name))
        store.save_state(state)
    deployed = tuple(
        sorted(str(Component(m.component_type, m.full_name)) for m in successes if not m.deleted)
    )
    return DeployOutcome(tuple(successes), deployed, tuple(deleted))


def _set_flow_status(
    store: OrgStore,
    state: dict[str, Any],
    definition: Component,
    files: dict[str, bytes],
    by: str,
) -> None:
    """A deployed FlowDefinition (de)activates its flow's version."""
    flow = semantics.flow_of(definition)
    path = store.parent_file(flow) or ""
    if not store.exists(path):
        return
    for data in files.values():
        deactivate = semantics.deactivating(data)
        if deactivate is not None:
            status = "Obsolete" if deactivate else "Active"
            store.put_files({path: semantics.with_status(store.read(path), status)})
            store.touch(state, flow, by)
            return


def validate_only(p: DeployPlan) -> DeployOutcome:
    """The successes a checkOnly deploy reports, without touching the org."""
    successes = [DeployMessage(types.reported_type(c), c.full_name, "", True) for c in p.components]
    successes += [
        DeployMessage(
            types.reported_type(c), c.full_name, "destructiveChanges.xml", True, deleted=True
        )
        for c in p.pre_deletes + p.post_deletes
    ]
    validated = tuple(f"{types.reported_type(c)}:{c.full_name}" for c in p.components)
    return DeployOutcome(tuple(successes), validated, ())


def main_file(files: dict[str, bytes]) -> str | None:
    """The file a component's messages name: its first file that is not ``-meta.xml``."""
    names = sorted(files)
    plain = [n for n in names if not n.endswith(types.META)]
    return (plain or names)[0] if names else None
