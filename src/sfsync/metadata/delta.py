"""The net metadata difference between two commits: what to deploy, what to delete.

Collect, then act: `compute_delta` only reads git (one `git diff --raw`, one `git ls-tree`
of the target commit, one `git cat-file --batch` for the file contents it needs) and
returns a `Delta`; `sfsync.metadata.writer.write_delta` writes it out. What is decided per
component is `sfsync.metadata.collect`; the per-type rules are `sfsync.metadata.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata.collect import Collector, Touched
from sfsync.metadata.component import Component
from sfsync.metadata.filters import PathFilters, same_but_whitespace
from sfsync.metadata.manifest import ordered_types
from sfsync.metadata.project import Project
from sfsync.metadata.resolver import Resolver
from sfsync.metadata.tree import Tree

DEFAULT_API_VERSION = "62.0"


@dataclass(frozen=True)
class Delta:
    """What changed between two commits, as manifests and the files to deploy them.

    `package` and `destructive` map a type to its members; `added` is the part of
    `package` that did not exist at `from_sha` (the rest was modified). `files` are the
    project-relative paths a deployment of `package` needs at `to_sha`; `contents` holds
    the bytes of those already read (pruned copies always, every file when sources were
    loaded).
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
    added: dict[str, list[str]] = field(default_factory=dict)
    project_json: bytes | None = field(default=None, repr=False)  # b"": none at --to

    @property
    def components(self) -> list[Component]:
        """Every component to deploy, in manifest order."""
        return [Component(t, m) for t, members in ordered_types(self.package) for m in members]

    @property
    def destructive_components(self) -> list[Component]:
        """Every component to delete, in manifest order."""
        return [Component(t, m) for t, members in ordered_types(self.destructive) for m in members]

    @property
    def modified(self) -> dict[str, list[str]]:
        """The part of `package` that existed at `from_sha`."""
        out: dict[str, list[str]] = {}
        for type_name, members in self.package.items():
            new = set(self.added.get(type_name, ()))
            kept = [m for m in members if m not in new]
            if kept:
                out[type_name] = kept
        return out

    def is_empty(self) -> bool:
        """True when nothing is to be deployed or deleted."""
        return not self.package and not self.destructive


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
    filters: PathFilters | None = None,
) -> Delta:
    """The components added, changed and deleted between two commits of `repo`.

    `source_dirs` (project-relative) narrow the diff to those folders; `merge_base` compares
    from the common ancestor (three-dot). With `load_sources` the contents of every file to
    copy are read in the same single `git cat-file --batch` pass. `toplevel`: the work tree
    root of `repo` when the caller knows it (one git call less). `filters`: the
    sfdx-git-delta path options (`sfsync.metadata.filters`).
    """
    top = toplevel or gitrepo.toplevel(repo)
    if project is None:
        project = Project.load(repo)
    filters = filters or PathFilters()
    prefix = _prefix(top, project)
    from_sha, to_sha = resolve_commits(top, from_ref, to_ref, merge_base=merge_base)
    resolver = Resolver(project)
    warnings: list[str] = list(project.dir_warnings)
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
    if source_dirs:
        _check_scopes_exist(top, from_sha, to_sha, [_join(prefix, s) for s in scopes], source_dirs)
    changes = gitrepo.diff_raw(top, from_sha, to_sha, [f":(literal){p}" for p in pathspecs])

    package_roots = [_join(prefix, d) for d in project.package_dirs if d or prefix]
    new_blobs: dict[str, str] = {}
    for repo_path, sha in gitrepo.ls_tree_blobs(top, to_sha, package_roots).items():
        path = _strip(prefix, repo_path)
        if path is not None:
            new_blobs[path] = sha
    to_tree = Tree(new_blobs)

    statuses: dict[str, str] = {}  # project path -> A, M, D, or X (deleted by include)
    old_blobs: dict[str, str] = {}
    for change in changes:
        path = _strip(prefix, change.path)
        if path is None:
            continue
        _check_name(change.path)
        status = change.status if change.status in "AD" else "M"
        if filters.skips(change.path, status):
            continue
        statuses[path] = status
        if change.status != "A":
            old_blobs[path] = change.old_sha
    if filters.ignore_whitespace:
        _drop_whitespace_changes(top, statuses, old_blobs, new_blobs)
    if filters.includes:
        in_scope = [_join(prefix, s) + "/" if _join(prefix, s) else "" for s in scopes]
        for path in new_blobs:
            repo_path = _join(prefix, path)
            if not any(repo_path.startswith(s) for s in in_scope):
                continue
            if filters.included(repo_path) and statuses.get(path) != "A":
                statuses[path] = "A"
                old_blobs.pop(path, None)  # compared with nothing: all of it is new
            if filters.included_destructive(repo_path):
                statuses[path] = "X"

    touched: dict[Component, Touched] = {}
    for path, status in statuses.items():
        resolved = resolver.resolve(path)
        if resolved is None:
            if project.package_dir_of(path) is not None and not resolver.is_ignored(path):
                warnings.append(
                    f"{path}: no metadata type matches this path (neither does sf's), so it "
                    "is left out; rename or move it, or list it in .forceignore"
                )
            continue
        entry = touched.setdefault(resolved.component, Touched())
        entry.resolved.append(resolved)
        entry.statuses[path] = status

    collector = Collector(resolver, to_tree, warnings, from_sha, to_sha)
    for component, entry in touched.items():
        collector.plan(component, entry)
    collector.plan_done()

    # one pass over git for every content: in-file diffs, pruned copies, sources
    wanted = set(collector.needs_old_new) | set(collector.needs_new)
    if load_sources:
        wanted |= set(collector.files)
    # objects by sha: no path walk per file inside git
    names = [new_blobs[p] for p in wanted if p in new_blobs]
    names += [old_blobs[p] for p in collector.needs_old_new if p in old_blobs]
    project_file = f"{to_sha}:{_join(prefix, 'sfdx-project.json')}"
    if load_sources:
        names.append(project_file)  # the copy's sfdx-project.json, in the same read
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
        added=dict(ordered_types(collector.added)),
        project_json=(blobs.get(project_file) or b"") if load_sources else None,
    )


def _check_name(repo_path: str) -> None:
    """A path git gave that is not UTF-8 cannot name a component: say which, and stop."""
    try:
        repo_path.encode("utf-8")
    except UnicodeEncodeError:
        shown = repo_path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise UsageError(
            f"{shown}: the file name is not valid UTF-8, and Salesforce metadata names must "
            "be; rename the file (git mv) and commit"
        ) from None


def _check_scopes_exist(
    top: Path, from_sha: str, to_sha: str, repo_paths: list[str], given: Sequence[str]
) -> None:
    """A `--source-dir` that is in neither commit is a typo: a silent empty delta would
    deploy nothing and report success."""
    names = [f"{sha}:{p}" for p in repo_paths if p for sha in (from_sha, to_sha)]
    found = gitrepo.cat_file_objects(top, names) if names else {}
    for repo_path, option in zip(repo_paths, given, strict=True):
        if not repo_path:
            continue
        if (
            found.get(f"{from_sha}:{repo_path}") is None
            and found.get(f"{to_sha}:{repo_path}") is None
        ):
            raise UsageError(
                f"--source-dir {option}: no such folder in --from {from_sha[:12]} or --to "
                f"{to_sha[:12]}; check the path (relative to the project)"
            )


def _drop_whitespace_changes(
    top: Path, statuses: dict[str, str], old_blobs: dict[str, str], new_blobs: dict[str, str]
) -> None:
    """`--ignore-whitespace`: forget modifications that only change whitespace."""
    modified = [p for p, s in statuses.items() if s == "M" and p in old_blobs and p in new_blobs]
    if not modified:
        return
    names = [old_blobs[p] for p in modified] + [new_blobs[p] for p in modified]
    blobs = gitrepo.cat_file_batch(top, names)
    for path in modified:
        old, new = blobs.get(old_blobs[path]), blobs.get(new_blobs[path])
        if old is not None and new is not None and same_but_whitespace(old, new):
            del statuses[path]


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
