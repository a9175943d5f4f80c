"""The Metadata API ``deploy``: validate a zip against an org, then apply it all-or-nothing.

``plan`` reads and checks everything without touching the org (here: the limits, the
manifests, each component's files, the destructive changes, the tests to run); ``apply``
(``sfemu.deploy_apply``) writes the plan under the org's lock. The server runs ``plan`` when
the deploy arrives and ``apply`` when the polls reach the end of the job, so a canceled or
failed deploy never changes the org. The plan and its messages are ``sfemu.deploy_model``;
every name is importable from here.
"""

from __future__ import annotations

import contextlib
import io
import stat
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from sfemu import coverage, safexml, semantics, types
from sfemu import manifest as mf
from sfemu.deploy_apply import apply, main_file, validate_only
from sfemu.deploy_model import (
    DeployMessage,
    DeployOptions,
    DeployOutcome,
    DeployPlan,
    InjectedError,
)
from sfemu.store import OrgStore, StoreError, children_in, safe_relpath
from sfemu.types import Component

__all__ = [
    "FILE_LIMIT",
    "MANIFESTS",
    "TEST_LEVELS",
    "UNZIPPED_LIMIT",
    "ZIP_LIMIT",
    "DeployMessage",
    "DeployOptions",
    "DeployOutcome",
    "DeployPlan",
    "InjectedError",
    "apply",
    "plan",
    "validate_only",
]

ZIP_LIMIT = 39 * 1024 * 1024
UNZIPPED_LIMIT = 600 * 1024 * 1024
FILE_LIMIT = 10_000
TEST_LEVELS = (
    "NoTestRun",
    "RunSpecifiedTests",
    "RunLocalTests",
    "RunAllTestsInOrg",
    "RunRelevantTests",
)
RELEVANT_SINCE = 66.0  # RunRelevantTests (beta) is in the Metadata API WSDL from 66.0
MANAGED_LOCKED = ("installed", "released", "deprecated")
MANIFESTS = (
    "package.xml",
    "destructiveChanges.xml",
    "destructiveChangesPre.xml",
    "destructiveChangesPost.xml",
)


def _unzip(
    zip_bytes: bytes, plan: DeployPlan, zip_limit: int
) -> tuple[dict[str, bytes], str] | None:
    if len(zip_bytes) > zip_limit:
        plan.error_code = "LIMIT_EXCEEDED"
        plan.error_message = (
            f"LIMIT_EXCEEDED: The deploy zip file is {len(zip_bytes)} bytes; "
            f"the maximum size is {zip_limit} bytes"
        )
        return None
    try:
        zf = zipfile.ZipFile(io.BytesIO(zip_bytes))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        plan.error_code = "INVALID_ZIP"
        plan.error_message = f"INVALID_ZIP: the deploy zip file cannot be read: {exc}"
        return None
    if sum(1 for i in infos if i.filename.rsplit("/", 1)[-1] not in MANIFESTS) > FILE_LIMIT:
        plan.error_code = "LIMIT_EXCEEDED"
        plan.error_message = (
            f"LIMIT_EXCEEDED: Too many files in deploy call, limit is: {FILE_LIMIT}"
        )
        return None
    if sum(i.file_size for i in infos) > UNZIPPED_LIMIT:
        plan.error_code = "LIMIT_EXCEEDED"
        plan.error_message = f"LIMIT_EXCEEDED: The unzipped deploy is over {UNZIPPED_LIMIT} bytes"
        return None
    files: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir():
            continue
        mode = info.external_attr >> 16
        try:
            if stat.S_ISLNK(mode):
                raise StoreError(f"refusing path {info.filename!r}: symbolic links are not allowed")
            name = safe_relpath(info.filename)
        except StoreError as exc:
            plan.failures.append(
                DeployMessage(
                    "", info.filename, info.filename, False, problem=str(exc), problem_type="Error"
                )
            )
            continue
        files[name] = zf.read(info)
    if plan.failures:
        return None
    prefix = ""
    if "package.xml" not in files:
        roots = sorted(p[: -len("package.xml")] for p in files if p.endswith("/package.xml"))
        if not roots:
            plan.error_code = "INVALID_ZIP"
            plan.error_message = "No package.xml found"
            return None
        prefix = roots[0]
    return {p[len(prefix) :]: d for p, d in files.items() if p.startswith(prefix)}, prefix


def _parse_manifest(
    files: dict[str, bytes], name: str, prefix: str, plan: DeployPlan
) -> mf.Manifest | None:
    data = files.get(name)
    if data is None:
        return None
    try:
        return mf.parse(data)
    except safexml.XmlError as exc:
        plan.failures.append(
            DeployMessage(
                "",
                name,
                prefix + name,
                False,
                problem=str(exc),
                problem_type="Error",
                line=exc.line,
                column=exc.column,
            )
        )
        return None


def plan(
    store: OrgStore,
    zip_bytes: bytes,
    options: DeployOptions,
    injected: tuple[InjectedError, ...] = (),
    zip_limit: int = ZIP_LIMIT,
    *,
    no_relevant_tests: bool = False,
) -> DeployPlan:
    """Check a deploy zip against ``store`` and decide what it would do.

    ``no_relevant_tests``: RunRelevantTests runs nothing and checks no coverage (the fault
    that models the beta's failure, ``sfemu.coverage``).
    """
    result = DeployPlan(options)
    too_early = options.test_level == "RunRelevantTests" and options.api_version < RELEVANT_SINCE
    if options.test_level not in TEST_LEVELS or too_early:
        # the org's words for a value its WSDL version does not have (ForceCLI/force#457)
        result.error_code = "INVALID_CROSS_REFERENCE_KEY"
        result.error_message = (
            f"'{options.test_level}' is not a valid value for the enum 'TestLevel'"
        )
        return result
    unzipped = _unzip(zip_bytes, result, zip_limit)
    if unzipped is None:
        return result
    files, prefix = unzipped
    package = _parse_manifest(files, "package.xml", prefix, result) or {}
    pre: mf.Manifest = {}
    for name in ("destructiveChangesPre.xml", "destructiveChanges.xml"):
        for t, ms in (_parse_manifest(files, name, prefix, result) or {}).items():
            pre.setdefault(t, []).extend(ms)
    post = _parse_manifest(files, "destructiveChangesPost.xml", prefix, result) or {}
    if result.failures:
        return result
    pkg_root = safexml.parse(files["package.xml"])
    result.api_version = safexml.child_text(pkg_root, "version")

    by_comp: dict[Component, dict[str, bytes]] = {}
    unclaimed: list[str] = []
    for path, data in files.items():
        if path in MANIFESTS:
            continue
        comp = types.component_of(path)
        if comp is not None:
            by_comp.setdefault(comp, {})[path] = data
        else:
            unclaimed.append(path)

    with store.locked():
        existing = store.components()
        org_children: dict[Component, set[Component]] = {}

        def org_kids(parent: Component) -> set[Component]:
            if parent not in org_children:
                try:
                    org_children[parent] = set(store.children(parent))
                except safexml.XmlError:
                    org_children[parent] = set()
            return org_children[parent]

        def fail(
            comp: Component, file_name: str, problem: str, err: safexml.XmlError | None = None
        ) -> None:
            result.failures.append(
                DeployMessage(
                    types.reported_type(comp),
                    comp.full_name,
                    prefix + file_name,
                    False,
                    problem=problem,
                    problem_type="Error",
                    line=err.line if err else None,
                    column=err.column if err else None,
                )
            )

        parsed_parents: dict[Component, ET.Element] = {}
        wanted: list[Component] = []
        for type_name, members in package.items():
            mtype = types.get(type_name)
            for raw in members:
                member = raw.rstrip("/") if mtype is not None and mtype.in_folder else raw
                comp = Component(type_name, member)
                if mtype is None:
                    fail(
                        comp,
                        "package.xml",
                        f"Unknown type name '{type_name}' specified in package.xml",
                    )
                    continue
                if not types.is_modelled(type_name):
                    fail(comp, main_file(by_comp.get(comp, {})) or "package.xml", _unmodelled(comp))
                    continue
                if member == "*" and mtype.allows_wildcard and not mtype.is_child:
                    wanted.extend(c for c in by_comp if c.type == type_name)
                    continue
                wanted.append(comp)

        # a file of a type's folder that no component claims is a layout the emulator does
        # not know: refused, never dropped
        for path in sorted(unclaimed):
            owner = types.type_of_directory(path.split("/", 1)[0])
            if owner is not None:
                fail(Component(owner, path), path, _unmodelled(Component(owner, path)))

        deployed_objects = {c for c in wanted if _has_children(c.type)}
        for comp in wanted:
            mtype = types.get(comp.type)
            assert mtype is not None
            if mtype.is_child and mtype.parent:
                parent = _zip_parent(comp, mtype, by_comp, store)
                parent_name = parent.full_name
                pfile = store.parent_file(parent) or ""
                if pfile not in files:
                    fail(comp, "package.xml", _not_in_zip(comp))
                    continue
                root = _parse_or_fail(parsed_parents, parent, files[pfile], pfile, fail)
                if root is None:
                    continue
                if comp not in children_in(root, types.get(mtype.parent) or mtype, parent_name):
                    fail(comp, pfile, _not_in_zip(comp))
                    continue
                if (
                    parent.type == "CustomObject"
                    and types.is_custom_object_name(parent_name)
                    and parent not in existing
                    and parent not in deployed_objects
                    and semantics.held_as(parent, existing) not in existing  # any case
                ):
                    fail(
                        comp,
                        pfile,
                        f"In field: {types.split_child(comp.full_name)[1]} - "
                        f"no CustomObject named {parent_name} found",
                    )
                    continue
                result.merges.setdefault(parent, (root, False))
                result.child_components[comp] = prefix + pfile
                continue
            comp_files = by_comp.get(comp)
            if not comp_files:
                fail(comp, "package.xml", _not_in_zip(comp))
                continue
            bad = False
            for path, data in sorted(comp_files.items()):
                if (
                    path.endswith(".xml")
                    or (mtype.children and path == store.parent_file(comp))
                    or mtype.adapter == "default"
                ):
                    try:
                        parsed = safexml.parse(data)
                    except safexml.XmlError as exc:
                        fail(comp, path, str(exc), exc)
                        bad = True
                        continue
                    if mtype.children and path == store.parent_file(comp):
                        parsed_parents[comp] = parsed
            if bad:
                continue
            if mtype.children and comp in parsed_parents:
                result.merges[comp] = (parsed_parents[comp], True)
                for child in children_in(parsed_parents[comp], mtype, comp.full_name):
                    result.child_components[child] = prefix + (store.parent_file(comp) or "")
            else:
                result.writes[comp] = comp_files

        # forced errors from the fault injector
        for inj in injected:
            type_name, _, name = inj.component.partition(":")
            comp = Component(type_name, name)
            file_name = main_file(by_comp.get(comp, {})) or "package.xml"
            result.failures.append(
                DeployMessage(
                    type_name,
                    name,
                    prefix + file_name,
                    False,
                    problem=inj.problem,
                    problem_type="Error",
                    line=inj.line,
                    column=1 if inj.line else None,
                )
            )
            result.writes.pop(comp, None)
            result.child_components.pop(comp, None)

        # an installed package's components belong to the package: the platform refuses to
        # change them ("Cannot modify managed object")
        state = store.state_for_reading()
        for comp in [*result.writes, *(c for c, (_, own) in result.merges.items() if own)]:
            props = store.props(comp, state)
            if comp in existing and props.manageable_state in MANAGED_LOCKED:
                fail(
                    comp,
                    main_file(by_comp.get(comp, {})) or "package.xml",
                    f"Cannot modify managed object: entity={comp.type}, "
                    f"component={props.id}, state={props.manageable_state}",
                )
                result.writes.pop(comp, None)
                result.merges.pop(comp, None)

        will_exist = set(existing) | set(result.writes) | set(result.merges)
        for manifest_, target, fname in (
            (pre, result.pre_deletes, "destructiveChangesPre.xml"),
            (post, result.post_deletes, "destructiveChangesPost.xml"),
        ):
            for type_name, members in manifest_.items():
                mtype = types.get(type_name)
                for member in members:
                    comp = Component(type_name, member.rstrip("/"))
                    if mtype is None:
                        fail(comp, fname, f"Unknown type name '{type_name}' specified in {fname}")
                        continue
                    pool: Collection[Component] = (
                        existing if target is result.pre_deletes else will_exist
                    )
                    if mtype.is_child and mtype.parent:
                        parent = store.child_owners().get(comp) or _zip_parent(
                            comp, mtype, by_comp, store
                        )
                        pool = org_kids(parent) | set(result.child_components)
                    # API names ignore case: `foo` names the org's `Foo`
                    comp = semantics.held_as(comp, pool)
                    present = comp in pool
                    refusal = semantics.undeletable(comp) if present else None
                    if refusal is not None:
                        fail(comp, fname, refusal)
                        continue
                    if present:
                        target.append(comp)
                        continue
                    msg = DeployMessage(
                        type_name,
                        comp.full_name,
                        prefix + fname,
                        options.ignore_warnings,
                        problem=f"No {type_name} named: {comp.full_name} found",
                        problem_type="Warning" if options.ignore_warnings else "Error",
                    )
                    (result.warnings if options.ignore_warnings else result.failures).append(msg)

        _refuse_active_flows(store, result, prefix)
        _refuse_used(store, existing, result, prefix)
        apex_deployed = [c for c in result.writes if c.type in _APEX]
        if not options.level_given and not apex_deployed:
            result.options = replace(options, test_level="NoTestRun")
        if result.options.test_level in ("RunSpecifiedTests", "RunRelevantTests"):
            org = _org_apex(store, existing, result)
            deployed = [str(c) for c in apex_deployed]
            if result.options.test_level == "RunRelevantTests":
                result.tests = () if no_relevant_tests else coverage.relevant(org, deployed)
            else:
                result.tests = result.options.run_tests
            # the rule gates production; a sandbox deploy is not refused for coverage
            if not no_relevant_tests and not store.info.sandbox:
                result.coverage_warnings = tuple(coverage.uncovered(org, deployed, result.tests))
        else:
            result.tests = _tests(store, existing, result)
    return result


_APEX = ("ApexClass", "ApexTrigger")
_APEX_BODY = (".cls", ".trigger")


def _org_apex(
    store: OrgStore,
    existing: dict[Component, list[str]],
    result: DeployPlan,
    *,
    applied: bool = True,
) -> dict[str, coverage.Apex]:
    """The org's classes and triggers as they will be once the deploy is applied, or, with
    ``applied`` False, as a pre-deletion sees them (the package not yet deployed)."""
    deleted = set(result.pre_deletes) | (set(result.post_deletes) if applied else set())
    bodies: dict[Component, bytes] = {}
    for comp, paths in existing.items():
        if comp.type in _APEX and comp not in deleted:
            for path in paths:
                if path.endswith(_APEX_BODY):
                    bodies[comp] = store.read(path)
    for comp, files in result.writes.items() if applied else ():
        if comp.type in _APEX:
            for path, data in files.items():
                if path.endswith(_APEX_BODY):
                    bodies[comp] = data
    return {
        str(comp): coverage.read(str(comp), data.decode("utf-8", errors="replace"))
        for comp, data in bodies.items()
    }


_CHECKED_FOR_USE = ("ApexClass", "CustomField", "CustomObject")


def _refuse_used(
    store: OrgStore, existing: dict[Component, list[str]], result: DeployPlan, prefix: str
) -> None:
    """What other metadata still uses cannot be deleted (``sfemu.semantics``): a class that
    Apex names, a custom field that Apex or a formula of its object names, a custom object
    that Apex names."""
    for deletes, fname, applied in (
        (result.pre_deletes, "destructiveChangesPre.xml", False),
        (result.post_deletes, "destructiveChangesPost.xml", True),
    ):
        targets = [c for c in deletes if c.type in _CHECKED_FOR_USE]
        if not targets:
            continue
        org = list(_org_apex(store, existing, result, applied=applied).values())
        gone = set(result.pre_deletes) | (set(result.post_deletes) if applied else set())
        for comp in targets:
            problem = _users(store, result, comp, org, gone, applied)
            if problem:
                result.failures.append(
                    DeployMessage(
                        comp.type,
                        comp.full_name,
                        prefix + fname,
                        False,
                        problem=problem,
                        problem_type="Error",
                    )
                )


def _apex_label(apex: coverage.Apex) -> tuple[str, str]:
    kind = "Apex Trigger" if apex.key.startswith("ApexTrigger:") else "Apex Class"
    return kind, apex.name


def _users(
    store: OrgStore,
    result: DeployPlan,
    comp: Component,
    org: list[coverage.Apex],
    gone: set[Component],
    applied: bool,
) -> str | None:
    """The org's refusal of deleting `comp` while others use it, else None."""
    if comp.type == "ApexClass":
        name = comp.full_name.lower()
        if any(name in a.words and a.name.lower() != name for a in org):
            return semantics.APEX_IN_USE
        return None
    if comp.type == "CustomObject":
        name = comp.full_name.lower()
        users = [_apex_label(a) for a in org if name in a.words and a.sobject != name]
        return semantics.in_use(semantics.OBJECT_IN_USE, users) if users else None
    obj, field_name = types.split_child(comp.full_name)
    if not field_name:
        return None
    wanted = {obj.lower(), field_name.lower()}
    users = [_apex_label(a) for a in org if wanted <= (a.words | {a.sobject or ""})]
    for other, formula in _formulas(store, result, obj, applied).items():
        other_comp = Component("CustomField", f"{obj}.{other}")
        if other.lower() == field_name.lower() or other_comp in gone:
            continue
        if field_name.lower() in semantics.formula_words(formula):
            users.append(("Custom Formula Field", f"{obj}.{other}"))
    return semantics.in_use(semantics.FIELD_IN_USE, users) if users else None


def _formulas(store: OrgStore, result: DeployPlan, obj: str, applied: bool) -> dict[str, str]:
    """Formula fields of object `obj` (field name -> formula): as held, and as deployed when
    the package is applied (a deployed object or field replaces the held entry)."""
    parent = Component("CustomObject", obj)
    roots: list[ET.Element] = []
    path = store.parent_file(parent)
    if path and store.exists(path):
        with contextlib.suppress(safexml.XmlError):
            roots.append(safexml.parse(store.read(path)))
    if applied:
        roots += [root for p, (root, _) in result.merges.items() if p == parent]
    formulas: dict[str, str] = {}
    for root in roots:
        for element in safexml.children(root, "fields"):
            name = safexml.child_text(element, "fullName").strip()
            if name:
                formulas[name] = safexml.child_text(element, "formula")
    return {name: text for name, text in formulas.items() if text.strip()}


def _refuse_active_flows(store: OrgStore, result: DeployPlan, prefix: str) -> None:
    """An active flow cannot be deleted (see ``sfemu.semantics``); a FlowDefinition in the
    package that deactivates it counts for the deletions applied after the package."""
    deactivated = {
        semantics.flow_of(comp)
        for comp, files in result.writes.items()
        if comp.type == "FlowDefinition"
        and any(semantics.deactivating(data) for data in files.values())
    }
    for deletes, fname, after in (
        (result.pre_deletes, "destructiveChangesPre.xml", False),
        (result.post_deletes, "destructiveChangesPost.xml", True),
    ):
        for comp in deletes:
            if comp.type != "Flow" or (after and comp in deactivated):
                continue
            path = store.parent_file(comp) or ""
            if store.exists(path) and semantics.flow_is_active(store.read(path)):
                result.failures.append(
                    DeployMessage(
                        "Flow",
                        comp.full_name,
                        prefix + fname,
                        False,
                        problem=f"{semantics.FLOW_IN_USE}: {store.props(comp).id}",
                        problem_type="Error",
                    )
                )


def _zip_parent(
    comp: Component,
    mtype: types.MetadataType,
    by_comp: dict[Component, dict[str, bytes]],
    store: OrgStore,
) -> Component:
    """The parent whose file holds child `comp` (`Account` for `CustomField:Account.Tier__c`).

    A CustomLabel's name does not name its parent: every label of an org lives in one
    `labels/CustomLabels.labels` (the CLI's registry: `ignoreParentName`); `sf project convert
    source` writes that file and lists each label as a `CustomLabel` member beside
    `CustomLabels:CustomLabels`. The parent is the zip's file of that type holding the label,
    else the org's, else the conventional one.
    """
    assert mtype.parent is not None
    if not mtype.ignore_parent_name:
        return Component(mtype.parent, types.split_child(comp.full_name)[0])
    ptype = types.get(mtype.parent)
    element = mtype.element or ""
    for parent, files in sorted(by_comp.items(), key=lambda kv: str(kv[0])):
        path = store.parent_file(parent)
        if parent.type != mtype.parent or ptype is None or path not in files:
            continue
        try:
            root = safexml.parse(files[path])
        except safexml.XmlError:
            continue
        names = {safexml.child_text(e, mtype.id_element) for e in safexml.children(root, element)}
        if comp.full_name in names:
            return parent
    return store.child_owners().get(comp) or Component(mtype.parent, mtype.parent)


def _parse_or_fail(
    cache: dict[Component, ET.Element], parent: Component, data: bytes, path: str, fail: Any
) -> ET.Element | None:
    if parent in cache:
        return cache[parent]
    try:
        cache[parent] = safexml.parse(data)
    except safexml.XmlError as exc:
        fail(parent, path, str(exc), exc)
        return None
    return cache[parent]


def _has_children(type_name: str) -> bool:
    mtype = types.get(type_name)
    return mtype is not None and bool(mtype.children)


def _unmodelled(comp: Component) -> str:
    # the org's words for a type it does not offer (forcedotcom/cli#648: "LiveAgent Not
    # available for deploy for this organization"), and which type the emulator lacks
    return f"{types.NOT_AVAILABLE} (sfemu does not model {comp.type})"


def _not_in_zip(comp: Component) -> str:
    return (
        f"An object '{comp.full_name}' of type {comp.type} was named in package.xml, "
        "but was not found in zipped directory"
    )


def _tests(store: OrgStore, existing: dict[Component, list[str]], p: DeployPlan) -> tuple[str, ...]:
    level = p.options.test_level
    if level == "RunSpecifiedTests":
        return p.options.run_tests
    if level not in ("RunLocalTests", "RunAllTestsInOrg"):
        return ()
    names: set[str] = set()
    for comp, files in p.writes.items():
        if comp.type == "ApexClass" and any(b"@istest" in d.lower() for d in files.values()):
            names.add(comp.full_name)
    for comp, paths in existing.items():
        if comp.type == "ApexClass" and comp.full_name not in names:
            body = b"".join(store.read(x) for x in paths if not x.endswith(types.META))
            if b"@istest" in body.lower():
                names.add(comp.full_name)
    return tuple(sorted(names))
