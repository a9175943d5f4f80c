"""`sfsync drift`: an org against what git says it should hold.

What git says: for an env with a branch, the branch tip (`origin/<branch>`, else the local
branch); for a developer sandbox, its sync point (`refs/sfsync/envs/<env>`) with the changes
of the developer's branch (`HEAD`) since they parted on top. The org is listed (the types
the project tracks: the types of the components in those files) and its components are
retrieved; each is compared by meaning (`sfsync.org.versions`: XML as elements, other files
byte for byte):

- changed in the org: in both, different (who changed it last and when, from the org);
- only in the org: of a type the project tracks, not in git (standard objects excepted);
- missing from the org: in git, not in the org.

Containers kept as one file (CustomLabels, Workflow, SharingRules) are compared as that file.

    report = drift.run(project, "dev1", save=False)
    report.has_drift; report.to_json() (`sfsync.cli.reports.drift` renders it as markdown)

`save=True` commits the org's version of every changed and only-in-the-org component onto a
new branch (`drift/<env>-<time>`, or `branch`) on top of `HEAD` (a sandbox) or the env's
branch, through git plumbing: the work tree, the index and the current branch are untouched.
That is the first step of a sandbox refresh (README: "Sandbox refresh").
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfsync.errors import Refused, UsageError, plural
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.metadata.project import Project as MetadataProject
from sfsync.metadata.registry import Registry
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, chunks, content, listed
from sfsync.org.versions import versions_in_files
from sfsync.pipeline import behind
from sfsync.pipeline.config import Environment
from sfsync.pipeline.project import Project, metadata_project
from sfsync.workflows.backup import DEFAULT_API_VERSION


class Drifted(Refused):
    """The org holds something else than git says it should (exit 1)."""

    name = "Drift"


@dataclass(frozen=True)
class Item:
    """One component that drifted."""

    component: str
    kind: str
    """changed | only-in-org | missing"""
    by: str = ""
    when: str = ""

    def to_json(self) -> dict[str, str]:
        """`{component, lastModifiedByName, lastModifiedDate}`."""
        return {
            "component": self.component,
            "lastModifiedByName": self.by,
            "lastModifiedDate": self.when,
        }


@dataclass(frozen=True)
class Expected:
    """What git says the org holds: files of the package directories, and where from."""

    label: str
    commit: str
    files: Mapping[str, bytes] = field(repr=False)
    base: str
    """The commit a saved branch starts from (HEAD for a sandbox, the branch tip else)."""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """The drift of one env."""

    env: str
    org: str
    expected: str
    commit: str
    changed: tuple[Item, ...]
    only_in_org: tuple[Item, ...]
    missing: tuple[Item, ...]
    compared: int
    types: tuple[str, ...]
    sf_calls: int
    saved_branch: str | None = None
    saved_commit: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def has_drift(self) -> bool:
        """True when anything differs."""
        return bool(self.changed or self.only_in_org or self.missing)

    def summary(self) -> str:
        """One line."""
        if not self.has_drift:
            return (
                f"no drift: {self.env} ({self.org}) holds what {self.expected} has "
                f"({self.compared} components compared)"
            )
        return (
            f"{self.env} ({self.org}) drifted from {self.expected}: {len(self.changed)} changed "
            f"in the org, {len(self.only_in_org)} only in the org, {len(self.missing)} missing "
            f"from the org ({self.compared} components compared)"
        )

    def lines(self) -> list[str]:
        """The summary, then one line per component."""
        out = [self.summary()]
        for item in self.changed:
            out.append(f"  changed       {item.component}  ({item.by or '?'}, {item.when or '?'})")
        for item in self.only_in_org:
            out.append(f"  only in org   {item.component}  ({item.by or '?'}, {item.when or '?'})")
        for item in self.missing:
            out.append(f"  missing       {item.component}")
        if self.saved_branch:
            out.append(
                f"saved the org's versions on branch {self.saved_branch} "
                f"({(self.saved_commit or '')[:12]})"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        """The report as `--json` prints it."""
        return {
            "env": self.env,
            "org": self.org,
            "expected": {"ref": self.expected, "commit": self.commit},
            "drift": self.has_drift,
            "changed": [i.to_json() for i in self.changed],
            "onlyInOrg": [i.to_json() for i in self.only_in_org],
            "missingFromOrg": [i.to_json() for i in self.missing],
            "compared": self.compared,
            "types": list(self.types),
            "sfInvocations": self.sf_calls,
            "savedBranch": self.saved_branch,
            "savedCommit": self.saved_commit,
            "warnings": list(self.warnings),
        }


def expected(project: Project, env: Environment) -> Expected:
    """What git says `env`'s org holds (see the module doc)."""
    repo = project.root
    meta = metadata_project(repo)
    dirs = list(meta.package_dirs)
    if env.branch is not None:
        ref = behind.branch_ref(repo, project.config.remote, env.branch)
        if ref is None:
            raise UsageError(
                f"{env.name}: branch '{env.branch}' not found (neither "
                f"{project.config.remote}/{env.branch} nor a local branch): fetch it first"
            )
        tip = gitrepo.rev_parse(repo, ref)
        assert tip is not None
        label = ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")
        return Expected(label, tip, _files_at(repo, tip, dirs), tip)
    head = gitrepo.rev_parse(repo, "HEAD")
    if head is None:
        raise UsageError("this repository has no commit yet: commit your project first")
    sync = state.read_state(repo, env.name).state.synced_to
    if sync is None or gitrepo.rev_parse(repo, sync) is None:
        note = (
            f"{env.name} has no sync point (sfsync mark-synced): compared with HEAD alone"
            if sync is None
            else f"{env.name}'s sync point {sync[:12]} is not here (git fetch): compared with HEAD"
        )
        return Expected("HEAD", head, _files_at(repo, head, dirs), head, (note,))
    files = _files_at(repo, sync, dirs)
    base = gitrepo.merge_base(repo, sync, head) or sync
    if base != head:
        changes = gitrepo.diff_raw(repo, base, head, dirs)
        added = [c for c in changes if c.status != "D"]
        blobs = gitrepo.cat_file_batch(repo, [c.new_sha for c in added])
        for change in changes:
            if change.status == "D":
                files.pop(change.path, None)
        for change in added:
            data = blobs.get(change.new_sha)
            if data is not None:
                files[change.path] = data
    label = f"sync point {sync[:12]} + HEAD"
    return Expected(label, head, files, head)


def run(
    project: Project,
    env_name: str,
    *,
    save: bool = False,
    branch: str | None = None,
    include_managed: bool = False,
    jobs: int = listed.DEFAULT_JOBS,
    max_files: int = chunks.FILE_LIMIT,
) -> Report:
    """Compare `env_name`'s org with git; with `save`, commit the org's work to a branch."""
    env = project.config.env(env_name)
    repo = project.root
    meta = metadata_project(repo)
    api_version = meta.api_version or DEFAULT_API_VERSION
    want = expected(project, env)
    registry = backups.project().registry
    git_keys = _components(meta, want.files)
    tracked = sorted({k.partition(":")[0] for k in git_keys})
    if not tracked:
        raise UsageError(
            f"{want.label} holds no metadata in {', '.join(meta.package_dirs)}: nothing to compare"
        )
    top = sorted({_top_type(registry, t) for t in tracked})
    with tempfile.TemporaryDirectory(prefix="sfsync-drift-") as scratch:
        got = content.fetch(
            env.org,
            Path(scratch),
            types=top,
            keep=lambda key: key.partition(":")[0] in tracked,
            include_managed=include_managed,
            jobs=jobs,
            max_files=max_files,
            api_version=api_version,
        )
    org_keys = {k for k in got.listing.components if k.partition(":")[0] in tracked}
    both = sorted(org_keys & git_keys)
    wanted = {listed.resolver_component(registry, k) for k in both}
    org_versions = got.versions(wanted)
    git_versions = versions_in_files(want.files, meta, wanted)
    comps = got.listing.components
    changed = [
        _item(comps, k, "changed")
        for k in both
        if org_versions.get(listed.resolver_component(registry, k))
        != git_versions.get(listed.resolver_component(registry, k))
    ]
    only = [
        _item(comps, k, "only-in-org")
        for k in sorted(org_keys - git_keys)
        if not _standard(registry, k)
    ]
    missing = [
        Item(k, "missing")
        for k in sorted(git_keys - org_keys)
        if got.listing.covers(k.partition(":")[0])
    ]
    report = Report(
        env=env.name,
        org=env.org,
        expected=want.label,
        commit=want.commit,
        changed=tuple(changed),
        only_in_org=tuple(only),
        missing=tuple(missing),
        compared=len(org_keys | git_keys),
        types=tuple(tracked),
        sf_calls=got.sf_calls,
        warnings=want.warnings,
    )
    if save and (changed or only):
        name, commit = save_branch(project, env, want, got.files, [*changed, *only], branch)
        report = Report(**{**report.__dict__, "saved_branch": name, "saved_commit": commit})
    return report


def save_branch(
    project: Project,
    env: Environment,
    want: Expected,
    org_files: Mapping[str, bytes],
    items: Sequence[Item],
    branch: str | None,
) -> tuple[str, str]:
    """Commit the org's versions of `items` on a new branch on top of `want.base`."""
    repo = project.root
    meta = metadata_project(repo)
    name = branch or f"drift/{env.name}-{dt.datetime.now(dt.timezone.utc):%Y%m%d-%H%M%S}"
    if gitrepo.run(repo, "check-ref-format", "--branch", name, check=False).returncode != 0:
        raise UsageError(f"--branch {name}: not a valid branch name")
    ref = f"refs/heads/{name}"
    if gitrepo.ref_sha(repo, ref) is not None:
        raise UsageError(f"branch {name} exists already: pass another --branch")
    chosen = {i.component for i in items}
    git_owned = _owned(meta, want.files)
    org_owned = _owned(backups.project(), org_files)
    default = f"{meta.package_dirs[0]}/main/default/" if meta.package_dirs[0] else "main/default/"
    remove: list[str] = []
    add: dict[str, bytes] = {}
    for key in sorted(chosen):
        old = git_owned.get(key, [])
        remove.extend(old)
        for path in org_owned.get(key, []):
            rest = path.removeprefix(f"{backups.PACKAGE_DIR}/main/default/")
            add[_place(rest, old, default)] = org_files[path]
    shas = {p: gitrepo.hash_blob(repo, data) for p, data in add.items()}
    tree = gitrepo.tree_with(repo, want.base, shas, [p for p in remove if p not in shas])
    lines = [
        f"drift {env.name}: the org's work ({plural(len(items), 'component')} not in git)",
        "",
        f"Saved by sfsync drift --save from {env.org}, compared with {want.label}.",
        "",
    ]
    lines += [
        f"{'changed' if i.kind == 'changed' else 'only in org'}  {i.component}  "
        f"({i.by or '?'}, {i.when or '?'})"
        for i in items
    ]
    commit = gitrepo.commit_tree(repo, tree, [want.base], "\n".join(lines) + "\n")
    if not gitrepo.update_ref_cas(repo, ref, commit, None, f"sfsync drift --save {env.name}"):
        raise UsageError(f"branch {name} was created meanwhile: pass another --branch")
    return name, commit


# --- internals -------------------------------------------------------------------------


def _files_at(repo: Path, commit: str, dirs: Sequence[str]) -> dict[str, bytes]:
    blobs = gitrepo.ls_tree_blobs(repo, commit, [d for d in dirs if d] or ())
    contents = gitrepo.cat_file_batch(repo, blobs.values())
    return {p: data for p, sha in blobs.items() if (data := contents.get(sha)) is not None}


def _components(project: MetadataProject, files: Mapping[str, bytes]) -> set[str]:
    registry = project.registry
    resolver = Resolver(project)
    return set(listed.path_keys(registry, resolver.component, files).values())


def _owned(project: MetadataProject, files: Mapping[str, bytes]) -> dict[str, list[str]]:
    return {k: v for k, v in backups.attribute(files, Resolver(project)).items() if k}


def _place(rest: str, old: Sequence[str], default: str) -> str:
    """Where a retrieved file (`classes/Foo.cls`, under main/default) goes in the repository:
    under the folder that holds the component's files in git, else the default package dir."""
    marker = f"/{rest.split('/', 1)[0]}/"
    for path in old:
        padded = f"/{path}"
        if marker in padded:
            prefix = padded.rsplit(marker, 1)[0].lstrip("/")
            return f"{prefix}/{rest}" if prefix else rest
    return default + rest


def _top_type(registry: Registry, type_name: str) -> str:
    mtype = registry.by_name(type_name)
    parent = registry.parent_of(mtype) if mtype is not None else None
    if parent is not None:
        return parent.name
    if mtype is not None and mtype.folder_content_type:
        content_type = registry.types.get(mtype.folder_content_type)
        if content_type is not None:
            return content_type.name
    return type_name


def _standard(registry: Registry, key: str) -> bool:
    """A standard object (Account): it is in every org, so never "only in the org"."""
    type_name, _, name = key.partition(":")
    return type_name == "CustomObject" and "__" not in name


def _item(comps: Mapping[str, listed.Listed], key: str, kind: str) -> Item:
    found = comps.get(key)
    return Item(key, kind, found.modified_by if found else "", found.modified_date if found else "")
