"""Components a workflow held back (pull-upstream --exclude, back-promote skips).

They stay behind until pulled or ignored, whatever the env's sync point says: for each, the
newest deployment on the upstream that changed it counts as behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sfsync.git import repo as gitrepo
from sfsync.pipeline.deployments import Deployment
from sfsync.pipeline.history import History


def component_paths(
    repo: Path | str,
    rev: str,
    package_dirs: Sequence[str],
    name: Callable[[str], str | None],
    components: Iterable[str],
) -> dict[str, list[str]]:
    """The files of each of `components` in commit `rev` (components without files left out)."""
    wanted = set(components)
    found: dict[str, list[str]] = {}
    if not wanted:
        return found
    paths = list(gitrepo.ls_tree_blobs(repo, rev, package_dirs))
    # naming every file costs ~250 ms for 20,000 files (the hook runs this): first name only
    # the files whose path mentions a wanted member's last name part, then, for what is
    # still missing (e.g. a label inside its labels file), every other file
    tokens = {_leaf(c) for c in wanted}
    likely = [p for p in paths if any(t in p.lower() for t in tokens)]
    chosen = set(likely)
    for group in (likely, [p for p in paths if p not in chosen]):
        for path in group:
            component = name(path)
            if component in wanted:
                found.setdefault(component, []).append(path)
        if len(found) == len(wanted):
            break
    return found


def _leaf(component: str) -> str:
    """`ApexClass:Foo` -> `foo`, `CustomField:Account.Tier__c` -> `tier__c` (lower case)."""
    member = component.partition(":")[2]
    return member.replace("/", ".").rsplit(".", 1)[-1].lower() or member.lower()


def held_back(
    repo: Path | str,
    up: str,
    package_dirs: Sequence[str],
    name: Callable[[str], str | None],
    components: Sequence[str],
    *,
    ignored: Iterable[str] = (),
    history: History | None = None,
) -> list[Deployment]:
    """For components an env holds back (excluded, skipped): the newest deployment on `up`
    that changed each of them, unless that deployment is ignored.

    They stay behind until pulled or ignored, whatever the env's sync point says. The
    commits `history` knows are searched first (a pull excludes what the hook has seen
    behind); `git log` reads only the older ones, and only for what is still missing.
    """
    paths = component_paths(repo, up, package_dirs, name, components)
    by_path = {path: component for component, files in paths.items() for path in files}
    if not by_path:
        return []
    newest: dict[str, tuple[str, str, str, str]] = {}  # component -> sha, subject, author, date
    older: str | None = up
    if history is not None:
        chain, _ = history.chain_to(up, ())
        for sha, parent in chain:
            older = parent
            for path, _, _ in history.changes(sha):
                component = by_path.get(path)
                if component is not None and component not in newest:
                    author, date, subject = history.info(sha)
                    newest[component] = (sha, subject, author, date)
            if len(newest) == len(paths):
                break
    if older is not None and len(newest) < len(paths):
        missing = sorted(p for p, c in by_path.items() if c not in newest)
        for entry in gitrepo.first_parent_log(repo, None, older, missing):
            for path in entry.paths:
                component = by_path.get(path)
                if component is not None and component not in newest:
                    newest[component] = (entry.sha, entry.subject, entry.author, entry.date)
            if len(newest) == len(paths):
                break
    skip = set(ignored)
    grouped: dict[tuple[str, str, str, str], list[str]] = {}
    for component, commit in newest.items():
        if commit[0] not in skip:
            grouped.setdefault(commit, []).append(component)
    return [Deployment(*commit, tuple(sorted(c))) for commit, c in grouped.items()]


def merge_deployments(first: Sequence[Deployment], extra: Sequence[Deployment]) -> list[Deployment]:
    """`first` then the deployments of `extra` it lacks; one entry per sha, components merged."""
    merged = {d.sha: d for d in first}
    order = [d.sha for d in first]
    for d in extra:
        if d.sha in merged:
            old = merged[d.sha]
            components = tuple(sorted({*old.components, *d.components}))
            merged[d.sha] = Deployment(d.sha, d.subject, d.author, d.date, components)
        else:
            merged[d.sha] = d
            order.append(d.sha)
    return [merged[sha] for sha in order]
