"""The net metadata difference between two commits: what to deploy, what to delete.

Collect, then act: `compute_delta` only reads git (one `git diff --name-status`, one
`git ls-tree` of the target commit, one `git cat-file --batch` for the file contents it
needs) and returns a `Delta`; `sfsync.metadata.writer.write_delta` writes it out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata import infile, prune
from sfsync.metadata.component import Component, Resolved
from sfsync.metadata.kinds import HANDLERS
from sfsync.metadata.manifest import ordered_types
from sfsync.metadata.project import Project
from sfsync.metadata.resolver import Resolver
from sfsync.metadata.tree import Tree

DEFAULT_API_VERSION = "62.0"
_Reader = Callable[[str], "bytes | None"]
_MASTER_DETAIL = re.compile(rb"<type>\s*MasterDetail\s*</type>")


@dataclass(frozen=True)
class Delta:
    """What changed between two commits, as manifests and the files to deploy them.

    `package` and `destructive` map a type to its members. `files` are the project-relative
    paths a deployment of `package` needs at `to_sha`; `contents` holds the bytes of those
    already read (pruned in-file containers always, every file when sources were loaded).
    """

    repo: Path
    from_sha: str
    to_sha: str
    project: Project
    prefix: str
    api_version: str
    package: dict[str, list[str]]
    destructive: dict[str, list[str]]
    warnings: list[str]
    files: list[str]
    contents: dict[str, bytes] = field(default_factory=dict, repr=False)
    changed_paths: int = 0
    blob_shas: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def components(self) -> list[Component]:
        """Every component to deploy, in manifest order."""
        return [Component(t, m) for t, members in ordered_types(self.package) for m in members]

    @property
    def destructive_components(self) -> list[Component]:
        """Every component to delete, in manifest order."""
        return [Component(t, m) for t, members in ordered_types(self.destructive) for m in members]

    def is_empty(self) -> bool:
        """True when nothing is to be deployed or deleted."""
        return not self.package and not self.destructive


@dataclass
class _Touched:
    resolved: list[Resolved] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # project path -> A/M/D

    @property
    def first(self) -> Resolved:
        return self.resolved[0]

    def has_upsert(self) -> bool:
        return any(s != "D" for s in self.statuses.values())


def resolve_commits(
    repo: Path, from_ref: str, to_ref: str, *, merge_base: bool = False
) -> tuple[str, str]:
    """The two commits to compare; bad, swapped or unreachable refs raise `UsageError`."""
    hint = " (this is a shallow clone: fetch more history, e.g. `git fetch --unshallow`)"
    shas = gitrepo.rev_parse_commits(repo, [from_ref, to_ref])
    if shas is None:  # say which one
        for option, ref in (("--from", from_ref), ("--to", to_ref)):
            if gitrepo.rev_parse(repo, ref) is None:
                raise UsageError(
                    f"{option} {ref!r}: no such commit in {repo}"
                    + (hint if gitrepo.is_shallow(repo) else "; check the name or `git fetch` it")
                )
        raise UsageError(f"--from {from_ref!r} / --to {to_ref!r}: not commits in {repo}")
    from_sha, to_sha = shas
    if from_sha == to_sha:
        return from_sha, to_sha
    base = gitrepo.merge_base(repo, from_sha, to_sha)
    if base is None:
        raise UsageError(
            f"--from {from_ref!r} and --to {to_ref!r} share no history"
            + (hint if gitrepo.is_shallow(repo) else "; pick two commits of the same branch line")
        )
    if merge_base:
        return base, to_sha
    if base == to_sha:
        raise UsageError(
            f"--from {from_ref!r} is newer than --to {to_ref!r} (they look swapped); "
            "pass the older commit as --from"
        )
    return from_sha, to_sha


def compute_delta(
    repo: Path | str,
    from_ref: str,
    to_ref: str = "HEAD",
    project: Project | None = None,
    *,
    source_dirs: Sequence[str] = (),
    merge_base: bool = False,
    api_version: str | None = None,
    load_sources: bool = False,
    toplevel: Path | None = None,
) -> Delta:
    """The components added, changed and deleted between two commits of `repo`.

    `source_dirs` (project-relative) narrow the diff to those folders; `merge_base` compares
    from the common ancestor (three-dot). With `load_sources` the contents of every file to
    copy are read in the same single `git cat-file --batch` pass. `toplevel`: the work tree
    root of `repo` when the caller knows it (one git call less).
    """
    top = toplevel or gitrepo.toplevel(repo)
    if project is None:
        project = Project.load(repo)
    prefix = _prefix(top, project)
    from_sha, to_sha = resolve_commits(top, from_ref, to_ref, merge_base=merge_base)
    resolver = Resolver(project)
    warnings: list[str] = []
    if api_version is None:
        api_version = project.api_version
        if api_version is None:
            api_version = DEFAULT_API_VERSION
            warnings.append(
                f"sfdx-project.json has no sourceApiVersion: manifests use {api_version} "
                "(set it, or pass --api-version)"
            )
    scopes = [_scope(d, project) for d in source_dirs] or list(project.package_dirs)
    pathspecs = [_join(prefix, s) for s in scopes] if (prefix or any(scopes)) else []
    changes = gitrepo.diff_raw(top, from_sha, to_sha, [f":(literal){p}" for p in pathspecs])
    old_blobs: dict[str, str] = {}

    touched: dict[Component, _Touched] = {}
    for change in changes:
        path = _strip(prefix, change.path)
        if path is None:
            continue
        resolved = resolver.resolve(path)
        if resolved is None:
            continue
        entry = touched.setdefault(resolved.component, _Touched())
        entry.resolved.append(resolved)
        entry.statuses[path] = "D" if change.status == "D" else "M"
        if change.status != "A":
            old_blobs[path] = change.old_sha

    package_roots = [_join(prefix, d) for d in project.package_dirs if d or prefix]
    new_blobs: dict[str, str] = {}
    for repo_path, sha in gitrepo.ls_tree_blobs(top, to_sha, package_roots).items():
        path = _strip(prefix, repo_path)
        if path is not None:
            new_blobs[path] = sha
    to_tree = Tree(new_blobs)

    collector = _Collector(resolver, to_tree, warnings)
    for component, entry in touched.items():
        collector.plan(component, entry)

    # one pass over git for every content: in-file diffs, pruned copies, sources
    wanted = set(collector.needs_old_new)
    for field_paths in collector.master_detail_parents.values():
        wanted.update(field_paths)  # is the field master-detail?
    if load_sources:
        wanted |= set(collector.files)
        wanted |= set(collector.master_detail_parents)
    # objects by sha: no path walk per file inside git
    names = [new_blobs[p] for p in wanted if p in new_blobs]
    names += [old_blobs[p] for p in collector.needs_old_new if p in old_blobs]
    blobs = gitrepo.cat_file_batch(top, names) if names else {}

    def blob(shas: dict[str, str], path: str) -> bytes | None:
        sha = shas.get(path)
        return blobs.get(sha) if sha is not None else None

    collector.finish(lambda p: blob(old_blobs, p), lambda p: blob(new_blobs, p), load_sources)
    return Delta(
        repo=top,
        from_sha=from_sha,
        to_sha=to_sha,
        project=project,
        prefix=prefix,
        api_version=api_version,
        package=dict(ordered_types(collector.package)),
        destructive=dict(ordered_types(collector.destructive)),
        warnings=warnings,
        files=sorted(collector.files),
        contents=collector.contents,
        changed_paths=len(changes),
        blob_shas={p: new_blobs[p] for p in collector.files if p in new_blobs},
    )


class _Collector:
    """Decides, component by component, what goes to the package, the destructive changes
    and the copy; the contents it needs are fetched in one batch between `plan` and `finish`.
    """

    def __init__(self, resolver: Resolver, to_tree: Tree, warnings: list[str]) -> None:
        self.resolver = resolver
        self.registry = resolver.registry
        self.to_tree = to_tree
        self.warnings = warnings
        self.package: dict[str, set[str]] = {}
        self.destructive: dict[str, set[str]] = {}
        self.destroyed: set[Component] = set()
        self.files: set[str] = set()
        self.contents: dict[str, bytes] = {}
        self.needs_old_new: set[str] = set()
        self.in_file: list[tuple[Resolved, str]] = []
        self.pruned: list[tuple[Component, _Touched, list[str]]] = []
        self.master_detail_parents: dict[str, list[str]] = {}  # object meta -> its fields

    def _add(self, target: dict[str, set[str]], component: Component) -> None:
        target.setdefault(component.type, set()).add(component.full_name)

    def plan(self, component: Component, entry: _Touched) -> None:
        resolved = entry.first
        mtype = resolved.mtype
        if mtype.in_file_children:
            for path in entry.statuses:
                self.needs_old_new.add(path)
                self.in_file.append((resolved, path))
            return
        if mtype.name in prune.PRUNED_TYPES:
            self.needs_old_new.update(entry.statuses)
            roots: list[str] = []
            if resolved.root is not None:
                # a decomposed container (translations, PermissionSet preset) needs its root
                files = HANDLERS[mtype.adapter].files(self.resolver, resolved, self.to_tree)
                roots = [p for p in files if _is_root(p, resolved)]
                self.needs_old_new.update(roots)
            self.pruned.append((component, entry, roots))
            return
        handler = HANDLERS[mtype.adapter]
        if entry.has_upsert() or handler.exists(self.resolver, resolved, self.to_tree):
            self._add(self.package, component)
            self.files.update(handler.files(self.resolver, resolved, self.to_tree))
            if mtype.name == "CustomField" and resolved.root and resolved.parent:
                meta = f"{resolved.root}/{resolved.parent.full_name}.object-meta.xml"
                if self.to_tree.has(meta):
                    self.master_detail_parents.setdefault(meta, []).append(resolved.path)
        else:
            self.destroyed.add(component)

    def finish(self, old: _Reader, new: _Reader, load_sources: bool) -> None:
        for resolved, path in self.in_file:
            self._finish_in_file(resolved, path, old(path), new(path))
        for component, entry, roots in self.pruned:
            self._finish_pruned(component, entry, roots, old, new)
        for meta, field_paths in self.master_detail_parents.items():
            for field_path in field_paths:
                data = new(field_path)
                if data is not None and _MASTER_DETAIL.search(data):
                    self.files.add(meta)
        self._finish_destructive()
        # an element moved between files (labels in two package dirs) is not deleted
        for type_name, members in self.destructive.items():
            members -= self.package.get(type_name, set())
        if load_sources:
            for path in self.files:
                if path not in self.contents:
                    data = new(path)
                    if data is not None:
                        self.contents[path] = data

    def _finish_in_file(
        self, resolved: Resolved, path: str, old: bytes | None, new: bytes | None
    ) -> None:
        mtype = resolved.mtype
        parent = resolved.component.full_name
        diff = infile.diff_elements(self.registry, mtype, old, new, path)
        for type_name, keys in diff.changed.items():
            child = self.registry.by_name(type_name)
            for key in keys:
                member = (
                    key if child is not None and child.ignore_parent_name else f"{parent}.{key}"
                )
                self._add(self.package, Component(type_name, member))
        for type_name, keys in diff.removed.items():
            child = self.registry.by_name(type_name)
            for key in keys:
                member = (
                    key if child is not None and child.ignore_parent_name else f"{parent}.{key}"
                )
                self._add(self.destructive, Component(type_name, member))
        if diff.container_changed:
            self._add(self.package, resolved.component)
        if new is not None and (diff.changed or diff.container_changed):
            self.files.add(path)
            self.contents[path] = infile.keep_elements(self.registry, mtype, new, diff, path)

    def _finish_pruned(
        self, component: Component, entry: _Touched, roots: list[str], old: _Reader, new: _Reader
    ) -> None:
        resolved = entry.first
        handler = HANDLERS[resolved.mtype.adapter]
        if not handler.exists(self.resolver, resolved, self.to_tree):
            self.destroyed.add(component)
            return
        copies: dict[str, bytes] = {}
        for path in entry.statuses:
            data = new(path)
            if data is None:
                continue
            before = old(path)
            if prune.changed(before, data, path):
                copies[path] = prune.prune(before, data, path)
        deleted_parts = any(s == "D" for s in entry.statuses.values())
        if not copies and not deleted_parts:
            return  # formatting only
        self._add(self.package, component)
        for path in roots:
            data = new(path)
            if path not in copies and data is not None:
                copies[path] = prune.prune(data, data, path)  # its own values only
        self.files.update(copies)
        self.contents.update(copies)

    def _finish_destructive(self) -> None:
        for component in sorted(self.destroyed):
            entry_parent = self._parent_of(component)
            if entry_parent is not None and entry_parent in self.destroyed:
                continue  # deleting the object deletes its fields
            if component.type == "Flow":
                self.warnings.append(
                    f"Flow:{component.full_name} was deleted but is not in destructiveChanges.xml: "
                    "destructive changes cannot delete a flow with an active version; deactivate "
                    "it and delete its versions in Setup"
                )
                continue
            if component.type == "RecordType":
                self.warnings.append(
                    f"RecordType:{component.full_name} was deleted but is not in "
                    "destructiveChanges.xml: the Metadata API cannot delete record types; "
                    "deactivate it in Setup"
                )
                continue
            self._add(self.destructive, component)

    def _parent_of(self, component: Component) -> Component | None:
        mtype = self.registry.by_name(component.type)
        if mtype is None or mtype.parent is None or "." not in component.full_name:
            return None
        parent_type = self.registry.types.get(mtype.parent)
        if parent_type is None:
            return None
        return Component(parent_type.name, component.full_name.split(".", 1)[0])


def _is_root(path: str, resolved: Resolved) -> bool:
    name = PurePosixPath(path).name
    return path.count("/") == (resolved.root or "").count("/") + 1 and name.startswith(
        resolved.component.full_name + "."
    )


def _prefix(top: Path, project: Project) -> str:
    if project.root is None:
        return ""
    try:
        rel = Path(project.root).resolve().relative_to(top.resolve())
    except ValueError as exc:
        raise UsageError(f"{project.root}: the project is not inside the repository {top}") from exc
    return "" if str(rel) == "." else rel.as_posix()


def _scope(source_dir: str, project: Project) -> str:
    norm = PurePosixPath(source_dir.replace("\\", "/").rstrip("/"))
    text = norm.as_posix()
    if text.startswith("../") or norm.is_absolute():
        raise UsageError(f"--source-dir {source_dir!r}: give a folder inside the project")
    return "" if text == "." else text


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return f"{prefix}/{path}" if path else prefix


def _strip(prefix: str, path: str) -> str | None:
    if not prefix:
        return path
    if path.startswith(prefix + "/"):
        return path[len(prefix) + 1 :]
    return None


def flatten(types: dict[str, list[str]]) -> Iterable[str]:
    """`Type:Member` strings of a `{Type: [members]}` mapping, in manifest order."""
    for type_name, members in ordered_types(types):
        for member in members:
            yield f"{type_name}:{member}"
