"""The files the reference graph reads, from one commit (through `sfsync.git`).

    files = sources.at_revision(repo, sha, ("force-app",), prefix="")   # {path: bytes}

Only what `graph.build` reads is loaded: Apex classes and triggers, flows, LWC scripts, Aura
markup, Visualforce pages and components, in the package directories, in one
`git cat-file --batch`. Paths are project-relative (without `prefix`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sfsync.git import repo as gitrepo

_SUFFIXES = (".cls", ".trigger", ".flow-meta.xml", ".page", ".component")
_BUNDLE_SUFFIXES = {"lwc": (".js", ".ts"), "aura": (".cmp", ".app")}


def wanted(path: str) -> bool:
    """True for a file the graph reads."""
    if path.endswith(_SUFFIXES):
        return True
    parts = path.split("/")
    return len(parts) >= 3 and path.endswith(_BUNDLE_SUFFIXES.get(parts[-3], ("\0",)))


def at_revision(
    repo: Path | str, rev: str, package_dirs: Sequence[str], prefix: str = ""
) -> dict[str, bytes]:
    """The graph's files in `package_dirs` at commit `rev`."""
    base = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    roots = [f"{base}{d}".rstrip("/") for d in package_dirs] or [base.rstrip("/")]
    blobs = gitrepo.ls_tree_blobs(repo, rev, [r for r in roots if r])
    chosen = {path[len(base) :]: sha for path, sha in blobs.items() if wanted(path)}
    contents = gitrepo.cat_file_batch(repo, chosen.values())
    return {path: data for path, sha in chosen.items() if (data := contents.get(sha)) is not None}
