"""`sfsync compare A B`: two orgs (or backups) side by side, then deploy what you pick.

A side is an environment of `sfsync.yml` (its org, through `sf`), `org:ALIAS` (any org `sf`
knows), `backup:ENV` (the newest backup of ENV; `backup:ENV~2` two before), or any git
revision holding a backup (`refs/sfsync-backups/prod@{yesterday}`). The types compared are
`types`, else the types the project tracks (its package directories). Each component is in
A only, in B only, or in both and then the same or different, compared by meaning
(`sfsync.org.versions`).

    result = compare.run(project, "uat", "prod", types=None)
    result.only_a, result.only_b, result.different
    result.diff("ApexClass:Foo")                       # unified diff of its files
    settled = compare.settle_target(project, "prod", wait=True)  # before run(), --deploy only
    plan = compare.plan_deploy(project, result, ["ApexClass:Foo"], done=settled.done)
    step = compare.deploy(project, result, plan, force=False)   # -> orgdeploy.StepResult

`deploy` sends A's version of each chosen component to B (and deletes from B a chosen
component only B has) through the deploy step every workflow uses
(`sfsync.org.deploy.run_payload`): B's lock, a snapshot of what is about to change first,
the stop on work found only in B's org (its version is neither git's for B nor A's), and a
`compare-deploy` event on `refs/sfsync/envs/<B>`. A compare-deploy (or any deploy) that a
killed run left on B is settled before B is compared (`settle_target`, `sfsync.org.jobs`): the
job is waited for and recorded, B's lock and claim are freed, and a component that job
deployed is reported as done instead of "not a difference".
"""

from __future__ import annotations

import difflib
import json
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata.apex import graph as apexgraph
from sfsync.metadata.apex import sources as apexsources
from sfsync.metadata.component import Component
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, chunks, content, listed, sf
from sfsync.org import deploy as orgdeploy
from sfsync.org.listed import Listed
from sfsync.org.payload import Payload, write_manifests
from sfsync.org.versions import Version, versions_in_files
from sfsync.pipeline.config import Environment
from sfsync.pipeline.project import Project, metadata_project
from sfsync.workflows import apextests, drift
from sfsync.workflows.backup import DEFAULT_API_VERSION


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its components, their files, and what it is."""

    spec: str
    label: str
    kind: str
    """org | backup"""
    components: Mapping[str, Listed] = field(repr=False)
    files: Mapping[str, bytes] = field(repr=False)
    env: Environment | None = None
    commit: str | None = None

    def to_json(self) -> dict[str, Any]:
        """`{spec, label, kind, env, commit, components}`."""
        return {
            "spec": self.spec,
            "label": self.label,
            "kind": self.kind,
            "env": self.env.name if self.env else None,
            "commit": self.commit,
            "components": len(self.components),
        }


@dataclass(frozen=True)
class Entry:
    """A component that differs between the sides, with who changed it last on each."""

    component: str
    a: Listed | None
    b: Listed | None

    def to_json(self) -> dict[str, Any]:
        """`{component, a: {lastModifiedByName, lastModifiedDate} | null, b: ...}`."""

        def side(item: Listed | None) -> dict[str, str] | None:
            if item is None:
                return None
            return {"lastModifiedByName": item.modified_by, "lastModifiedDate": item.modified_date}

        return {"component": self.component, "a": side(self.a), "b": side(self.b)}


@dataclass(frozen=True)
class Result:
    """The comparison."""

    a: Side
    b: Side
    types: tuple[str, ...]
    only_a: tuple[Entry, ...]
    only_b: tuple[Entry, ...]
    different: tuple[Entry, ...]
    same: int
    sf_calls: int

    def entry(self, component: str) -> tuple[str, Entry] | None:
        """(only-a | only-b | different, entry) for a component that differs, else None."""
        for kind, entries in (
            ("only-a", self.only_a),
            ("only-b", self.only_b),
            ("different", self.different),
        ):
            for item in entries:
                if item.component == component:
                    return kind, item
        return None

    def diff(self, component: str) -> str:
        """A unified diff of the component's files, A (`a/...`) to B (`b/...`)."""
        a = _files_of(self.a, component)
        b = _files_of(self.b, component)
        if not a and not b:
            raise UsageError(
                f"--show {component}: neither {self.a.label} nor {self.b.label} has it "
                f"(among {', '.join(self.types)})"
            )
        out: list[str] = []
        for path in sorted(set(a) | set(b)):
            old = _lines(a.get(path))
            new = _lines(b.get(path))
            if old == new:
                continue
            out.extend(
                difflib.unified_diff(
                    old,
                    new,
                    fromfile=f"a/{path}" if path in a else "/dev/null",
                    tofile=f"b/{path}" if path in b else "/dev/null",
                )
            )
        return "".join(out)

    def to_json(self) -> dict[str, Any]:
        """The comparison as `--json` prints it."""
        return {
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "types": list(self.types),
            "onlyInA": [e.to_json() for e in self.only_a],
            "onlyInB": [e.to_json() for e in self.only_b],
            "different": [e.to_json() for e in self.different],
            "same": self.same,
            "sfInvocations": self.sf_calls,
        }


@dataclass(frozen=True)
class DeployPlan:
    """What `--deploy` sends from A to B."""

    env: Environment
    deploy: tuple[str, ...]
    delete: tuple[str, ...]
    done: tuple[str, ...] = ()
    """Chosen components the job of a killed run deployed (recorded by `settle_target`)."""

    @property
    def empty(self) -> bool:
        """True when nothing is left to send."""
        return not self.deploy and not self.delete

    def to_json(self) -> dict[str, Any]:
        """`{env, org, deploy, delete, done}`."""
        return {
            "env": self.env.name,
            "org": self.env.org,
            "deploy": list(self.deploy),
            "delete": list(self.delete),
            "done": list(self.done),
        }


@dataclass(frozen=True)
class Settled:
    """What became of a deploy a killed run left on B (see `settle_target`)."""

    notes: tuple[str, ...] = ()
    done: frozenset[str] = frozenset()
    """The components its recorded job deployed or deleted (`Type:FullName`)."""


def run(
    project: Project,
    a: str,
    b: str,
    *,
    types: Collection[str] | None = None,
    include_managed: bool = False,
    jobs: int = listed.DEFAULT_JOBS,
    max_files: int = chunks.FILE_LIMIT,
) -> Result:
    """Compare side `a` with side `b` (see the module doc)."""
    if a == b:
        raise UsageError(f"compare {a} {b}: compare two different sides")
    specs = [_parse(project, a), _parse(project, b)]
    meta = metadata_project(project.root)
    api_version = meta.api_version or DEFAULT_API_VERSION
    registry = backups.project().registry
    chosen = list(types) if types else _tracked_types(project)
    if not chosen:
        raise UsageError(
            "the project tracks no metadata type yet (its package directories are empty): "
            "name the types to compare with --types"
        )
    top = sorted({_top_type(registry, t) for t in chosen})
    scope = listing_scope(registry, top)
    calls = 0
    sides: list[Side] = []
    with tempfile.TemporaryDirectory(prefix="sfsync-compare-") as scratch:
        for index, spec in enumerate(specs):
            side, used = _load(
                project,
                spec,
                Path(scratch) / f"side-{index}",
                top,
                scope,
                include_managed=include_managed,
                jobs=jobs,
                max_files=max_files,
                api_version=api_version,
            )
            sides.append(side)
            calls += used
    first, second = sides
    keys_a = set(first.components)
    keys_b = set(second.components)
    both = sorted(keys_a & keys_b)
    wanted = {listed.resolver_component(registry, k) for k in both}
    project_b = backups.project()
    va = versions_in_files(first.files, project_b, wanted)
    vb = versions_in_files(second.files, project_b, wanted)
    different = [
        Entry(k, first.components[k], second.components[k])
        for k in both
        if va.get(listed.resolver_component(registry, k))
        != vb.get(listed.resolver_component(registry, k))
    ]
    return Result(
        a=first,
        b=second,
        types=tuple(sorted(scope)),
        only_a=tuple(Entry(k, first.components[k], None) for k in sorted(keys_a - keys_b)),
        only_b=tuple(Entry(k, None, second.components[k]) for k in sorted(keys_b - keys_a)),
        different=tuple(different),
        same=len(both) - len(different),
        sf_calls=calls,
    )


def settle_target(project: Project, b: str, *, wait: bool = True) -> Settled:
    """Before `--deploy` compares B: finish a deploy a killed run left on B's env (wait for
    its job, record it, free the lock and the claim), as `sfsync deploy` does. `wait=False`
    (a dry run) only names it. Nothing to do when B is not an environment."""
    from sfsync.org import jobs as orgjobs

    if b not in project.config.names:
        return Settled()
    env = project.config.env(b)
    if not wait:  # a dry run: name the pending job, and what it deploys if it succeeds
        note = orgjobs.pending_note(project.paths.common_dir, env.name)
        pending = orgjobs.read(project.paths.common_dir, env.name)
        return Settled((note,) if note else (), _event_components(pending.event if pending else {}))
    settled = orgjobs.settle(project.root, env, "compare")
    if settled is None:
        return Settled()
    done = _event_components(settled.record.event.to_json()) if settled.record else frozenset()
    return Settled((settled.message,), done)


def _event_components(event: Mapping[str, Any]) -> frozenset[str]:
    """The components an event (as journaled: `Event.to_json`) deployed or deleted."""
    details = event.get("details") or {}
    return frozenset(
        [
            *(str(c) for c in event.get("components") or ()),
            *(str(c) for c in details.get("deleted") or ()),
        ]
    )


def plan_deploy(
    project: Project,
    result: Result,
    components: Sequence[str],
    *,
    done: Collection[str] = (),
) -> DeployPlan:
    """Check the chosen components: each must differ, and B must be an environment.

    `done`: components a killed run's job deployed to B (`Settled.done`); one of them that
    no longer differs is reported as done, not refused.
    """
    env = result.b.env
    if env is None or result.b.kind != "org":
        raise UsageError(
            f"--deploy needs B to be an environment of sfsync.yml (an org sfsync records "
            f"events for), not {result.b.spec}"
        )
    registry = backups.project().registry
    deploy: list[str] = []
    delete: list[str] = []
    finished: list[str] = []
    for name in dict.fromkeys(components):
        found = result.entry(name)
        if found is None:
            if str(listed.resolver_component(registry, name)) in done:
                finished.append(name)
                continue
            raise UsageError(
                f"--deploy {name}: not a difference between {result.a.label} and "
                f"{result.b.label} (it is the same on both, or on neither)"
            )
        (delete if found[0] == "only-b" else deploy).append(name)
    return DeployPlan(env, tuple(deploy), tuple(delete), tuple(finished))


def deploy(
    project: Project,
    result: Result,
    plan: DeployPlan,
    *,
    force: bool = False,
    on_progress: Callable[[sf.Progress], None] | None = None,
) -> orgdeploy.StepResult:
    """Send A's versions of the plan's components to B through the shared deploy step."""
    repo = project.root
    registry = backups.project().registry
    meta = metadata_project(repo)
    api_version = meta.api_version or DEFAULT_API_VERSION
    to_deploy = [listed.resolver_component(registry, k) for k in plan.deploy]
    to_delete = [listed.resolver_component(registry, k) for k in plan.delete]
    choice = _tests(project, result, plan, to_deploy, meta)
    expected_b = _expected_of_b(project, result, plan.env)

    def target(wanted: Collection[Component]) -> dict[Component, Version]:
        return versions_in_files(result.a.files, backups.project(), wanted)

    def write(out: Path, removed: set[Component]) -> None:
        out.mkdir(parents=True, exist_ok=True)
        (out / backups.PROJECT_FILE).write_bytes(
            (
                json.dumps(
                    {
                        "packageDirectories": [{"path": backups.PACKAGE_DIR, "default": True}],
                        "sourceApiVersion": api_version,
                    }
                )
                + "\n"
            ).encode("utf-8")
        )
        (out / backups.PACKAGE_DIR).mkdir(parents=True, exist_ok=True)
        keep = {listed.listing_key(registry, c) for c in to_deploy if c not in removed}
        for path, data in sorted(_owned_files(result.a, keep).items()):
            backups.write_inside(out, path, data)
        write_manifests(
            out,
            [c for c in to_deploy if c not in removed],
            [c for c in to_delete if c not in removed],
            api_version,
        )

    payload = Payload(
        deploy=to_deploy,
        delete=to_delete,
        api_version=api_version,
        from_sha=None,
        to_sha=None,
        expected=expected_b,
        target=target,
        write=write,
        extra_types=meta.extra_types,
    )
    details = {
        "compare": {"a": result.a.to_json(), "b": result.b.to_json()},
        "summary": (
            f"compare-deploy {plan.env.name}: {len(plan.deploy)} from {result.a.label}, "
            f"{len(plan.delete)} deleted"
        ),
    }
    return orgdeploy.run_payload(
        repo,
        plan.env,
        payload,
        kind="compare-deploy",
        policy="force" if force else "stop",
        exclude=(),
        test_level=choice.level,
        tests=choice.tests,
        check_only=False,
        update_state=lambda current: current,
        details=details,
        on_progress=on_progress,
        on_snapshot=None,
        command="compare",
    )


def listing_scope(registry: Any, top: Sequence[str]) -> set[str]:
    """The types a listing of `top` covers: them, their child types and folder types."""
    out: set[str] = set()
    for name in top:
        mtype = registry.by_name(name)
        if mtype is None:
            continue
        out.add(mtype.name)
        out.update(registry.types[c].name for c in mtype.children if c in registry.types)
        if mtype.folder_type and mtype.folder_type in registry.types:
            out.add(registry.types[mtype.folder_type].name)
    return out


# --- internals -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """A side as written on the command line, resolved (nothing fetched yet)."""

    spec: str
    env: Environment | None = None
    org: str | None = None
    rev: str | None = None


def _parse(project: Project, spec: str) -> _Spec:
    config = project.config
    if spec in config.names:
        env = config.env(spec)
        return _Spec(spec, env=env, org=env.org)
    if spec.startswith("org:") and spec.removeprefix("org:"):
        return _Spec(spec, org=spec.removeprefix("org:"))
    rev = spec
    if spec.startswith("backup:"):
        name, tilde, back = spec.removeprefix("backup:").partition("~")
        config.env(name)  # a UsageError with a suggestion when it is no env
        rev = backups.ref_name(name) + (f"~{back}" if tilde else "")
        if not _is_rev(project.root, rev):
            raise UsageError(f"{spec}: no such backup ({rev}); make one with sfsync backup")
    if not _is_rev(project.root, rev):
        raise UsageError(
            f"'{spec}' is neither an environment of sfsync.yml ({', '.join(config.names)}), "
            "org:ALIAS, backup:ENV nor a git revision holding a backup (sfsync backup makes them)"
        )
    return _Spec(spec, rev=rev)


def _load(
    project: Project,
    spec: _Spec,
    scratch: Path,
    top: Sequence[str],
    scope: set[str],
    *,
    include_managed: bool,
    jobs: int,
    max_files: int,
    api_version: str,
) -> tuple[Side, int]:
    """A side's components and files; the `sf` calls it took."""
    if spec.org is not None:
        env = spec.env
        got = content.fetch(
            spec.org,
            scratch,
            types=top,
            keep=lambda key: key.partition(":")[0] in scope,
            include_managed=include_managed,
            jobs=jobs,
            max_files=max_files,
            api_version=api_version,
        )
        comps = {k: v for k, v in got.listing.components.items() if k.partition(":")[0] in scope}
        label = f"{env.name} ({spec.org})" if env else spec.org
        return Side(spec.spec, label, "org", comps, got.files, env=env), got.sf_calls
    assert spec.rev is not None
    found = backups.read(project.root, spec.rev)
    assert found is not None
    comps = {k: v for k, v in found.manifest.components.items() if k.partition(":")[0] in scope}
    resolver = Resolver(backups.project())
    owned = backups.attribute(found.source(), resolver)
    paths = [p for k in comps for p in owned.get(k, ())]
    source = found.source()
    blobs = gitrepo.cat_file_batch(project.root, [source[p] for p in paths])
    files = {p: data for p in paths if (data := blobs.get(source[p])) is not None}
    label = f"backup {found.manifest.env} {found.manifest.taken} ({found.commit[:12]})"
    return Side(spec.spec, label, "backup", comps, files, commit=found.commit), 0


def _is_rev(repo: Path, rev: str) -> bool:
    return gitrepo.rev_parse(repo, rev) is not None


def _files_of(side: Side, component: str) -> dict[str, bytes]:
    return _owned_files(side, {component})


def _tests(
    project: Project,
    result: Result,
    plan: DeployPlan,
    to_deploy: Sequence[Component],
    meta: Any,
) -> apextests.TestChoice:
    """B's `tests:` for A's versions: the graph is the project's source at HEAD with the
    deployed components as A has them."""

    def files() -> dict[str, bytes]:
        head = gitrepo.rev_parse(project.root, "HEAD")
        base = apexsources.at_revision(project.root, head, meta.package_dirs) if head else {}
        return apexgraph.overlay(base, _owned_files(result.a, set(plan.deploy)))

    return apextests.choose(
        plan.env, [str(c) for c in to_deploy], api_version=meta.api_version, files=files
    )


def _owned_files(side: Side, keys: set[str]) -> dict[str, bytes]:
    owned = backups.attribute(side.files, Resolver(backups.project()))
    return {p: side.files[p] for k in keys for p in owned.get(k, ())}


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    return text.splitlines(keepends=True)


def _tracked_types(project: Project) -> list[str]:
    meta = metadata_project(project.root)
    head = gitrepo.rev_parse(project.root, "HEAD")
    if head is None:
        return []
    blobs = gitrepo.ls_tree_blobs(project.root, head, [d for d in meta.package_dirs if d])
    resolver = Resolver(meta)
    registry = meta.registry
    out = set()
    for path in blobs:
        component = resolver.component(path)
        if component is not None:
            out.add(listed.listing_key(registry, component).partition(":")[0])
    return sorted(out)


def _top_type(registry: Any, type_name: str) -> str:
    mtype = registry.by_name(type_name)
    if mtype is None:
        raise UsageError(f"--types {type_name}: not a metadata type sfsync knows")
    parent = registry.parent_of(mtype)
    if parent is not None:
        return str(parent.name)
    if mtype.folder_content_type and mtype.folder_content_type in registry.types:
        return str(registry.types[mtype.folder_content_type].name)
    return str(mtype.name)


def _expected_of_b(
    project: Project, result: Result, env: Environment
) -> Callable[[Collection[Component]], dict[Component, Version]]:
    """What B should hold: for a component git tracks, git's version for B's env (its branch,
    or its sync point plus HEAD), so a change made only in B's org stops the deploy; for the
    others, what the comparison saw in B's org (a change since then stops it)."""
    try:
        want: drift.Expected | None = drift.expected(project, env)
    except UsageError:
        want = None
    meta = metadata_project(project.root)
    resolver = Resolver(meta)
    tracked = set()
    if want is not None:
        tracked = {c for p in want.files if (c := resolver.component(p)) is not None}

    def expected(wanted: Collection[Component]) -> dict[Component, Version]:
        seen = versions_in_files(result.b.files, backups.project(), wanted)
        in_git = versions_in_files(want.files, meta, wanted) if want is not None else {}
        out: dict[Component, Version] = {}
        for component in wanted:
            version = in_git.get(component) if component in tracked else seen.get(component)
            if version is not None:
                out[component] = version
        return out

    return expected
