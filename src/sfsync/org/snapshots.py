"""Snapshots: what an org held, retrieved just before sfsync deployed over it.

A snapshot is a commit on `refs/sfsync/snapshots/<env>/<id>` (no parent) whose tree is a
small sfdx project as `sf project retrieve start` wrote it (`sfdx-project.json`,
`force-app/...`) plus `snapshot.json`: env, org, the components that were present and
absent, who last changed each one and when, and the from/to commits of the deployment it
protects. A rollback redeploys the snapshot's present components and deletes its absent ones.

    snap = snapshots.create(repo, "dev1", "dev1-sandbox", retrieved_dir, present=[...],
                            absent=[...], properties={...}, from_sha=a, to_sha=b)
    snapshots.read(repo, "dev1", snap.id); snapshots.list_snapshots(repo, "dev1")
    snapshots.materialize(repo, snap, out_dir)   # the files, ready to deploy
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfsync.errors import ExternalError, UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata.writer import temp_name

REF_PREFIX = "refs/sfsync/snapshots/"
META_FILE = "snapshot.json"
SKIP_DIRS = frozenset({".sf", ".sfdx", ".git"})


@dataclass(frozen=True)
class Snapshot:
    """One snapshot: its id, ref, commit and `snapshot.json`."""

    env: str
    id: str
    commit: str
    org: str
    present: tuple[str, ...]
    absent: tuple[str, ...]
    properties: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    from_sha: str | None = None
    to_sha: str | None = None
    created: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """`refs/sfsync/snapshots/<env>/<id>`."""
        return ref_name(self.env, self.id)

    def to_json(self) -> dict[str, Any]:
        """The `snapshot.json` document."""
        return {
            "format": 1,
            "env": self.env,
            "id": self.id,
            "org": self.org,
            "present": list(self.present),
            "absent": list(self.absent),
            "properties": {k: dict(v) for k, v in self.properties.items()},
            "from": self.from_sha,
            "to": self.to_sha,
            "created": self.created,
            "details": dict(self.details),
        }


def ref_name(env: str, snapshot_id: str) -> str:
    """The ref of snapshot `snapshot_id` of `env`."""
    for part in (env, snapshot_id):
        if not part or "/" in part or part.startswith(".") or ".." in part:
            raise UsageError(f"'{part}' is not a valid snapshot or environment name")
    return f"{REF_PREFIX}{env}/{snapshot_id}"


def new_id() -> str:
    """A sortable, unique id: `20261121T220102Z-3fa9c1`."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def create(
    repo: Path | str,
    env: str,
    org: str,
    retrieved_dir: Path,
    *,
    present: Sequence[str],
    absent: Sequence[str],
    properties: Mapping[str, Mapping[str, str]] | None = None,
    from_sha: str | None = None,
    to_sha: str | None = None,
    details: Mapping[str, Any] | None = None,
    snapshot_id: str | None = None,
) -> Snapshot:
    """Store the files under `retrieved_dir` as a new snapshot commit and ref."""
    snap = Snapshot(
        env=env,
        id=snapshot_id or new_id(),
        commit="",
        org=org,
        present=tuple(sorted(present)),
        absent=tuple(sorted(absent)),
        properties=dict(properties or {}),
        from_sha=from_sha,
        to_sha=to_sha,
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        details=dict(details or {}),
    )
    files = _files(retrieved_dir)
    shas = gitrepo.hash_files(repo, [retrieved_dir / rel for rel in files])
    blobs = dict(zip(files, shas, strict=True))
    meta = (json.dumps(snap.to_json(), indent=2, sort_keys=True) + "\n").encode("utf-8")
    blobs[META_FILE] = gitrepo.hash_blob(repo, meta)
    with tempfile.TemporaryDirectory(prefix="sfsync-snap-") as scratch:
        tree = gitrepo.write_nested_tree(repo, blobs, Path(scratch))
    message = f"snapshot {env} {snap.id}\n\nbefore deploying {to_sha or '?'} to {org}\n"
    commit = gitrepo.commit_tree(repo, tree, [], message)
    ref = snap.ref
    if not gitrepo.update_ref_cas(repo, ref, commit, None, f"sfsync snapshot {env}"):
        raise ExternalError(f"{ref} exists already; run the command again")
    return Snapshot(**{**snap.__dict__, "commit": commit})


def read(repo: Path | str, env: str, snapshot_id: str) -> Snapshot:
    """The snapshot `snapshot_id` of `env` (UsageError when there is none)."""
    ref = ref_name(env, snapshot_id)
    found = gitrepo.cat_file_objects(repo, [ref, f"{ref}:{META_FILE}"])
    head = found.get(ref)
    blob = found.get(f"{ref}:{META_FILE}")
    if head is None or blob is None:
        raise UsageError(
            f"no snapshot {snapshot_id} of {env} ({ref}); list them with "
            f"`git for-each-ref {REF_PREFIX}{env}/` (fetch refs/sfsync/* if it was taken elsewhere)"
        )
    return _parse(env, snapshot_id, head.sha, blob.data)


def list_snapshots(repo: Path | str, env: str) -> list[Snapshot]:
    """Every snapshot of `env`, oldest first."""
    refs = gitrepo.refs_under(repo, f"{REF_PREFIX}{env}/")
    names = sorted(refs)
    blobs = gitrepo.cat_file_batch(repo, [f"{refs[n]}:{META_FILE}" for n in names])
    out = []
    for name in names:
        data = blobs.get(f"{refs[name]}:{META_FILE}")
        if data is not None:
            out.append(_parse(env, name.rsplit("/", 1)[1], refs[name], data))
    return out


def files(repo: Path | str, snap: Snapshot) -> dict[str, bytes]:
    """The snapshot's project files (`snapshot.json` left out): path -> bytes."""
    blobs = gitrepo.ls_tree_blobs(repo, snap.commit)
    blobs.pop(META_FILE, None)
    contents = gitrepo.cat_file_batch(repo, blobs.values())
    return {path: data for path, sha in blobs.items() if (data := contents.get(sha)) is not None}


def materialize(repo: Path | str, snap: Snapshot, out_dir: Path) -> Path:
    """Write the snapshot's project (ready for `sf project deploy start`) into `out_dir`."""
    out = Path(os.path.realpath(out_dir))
    for rel, data in files(repo, snap).items():
        parts = rel.split("/")
        if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ExternalError(f"{snap.ref}: refusing to write {rel!r} outside {out}")
        target = out.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(temp_name(target.name))
        tmp.write_bytes(data)
        os.replace(tmp, target)
    _package_dirs_exist(out)
    return out


def _package_dirs_exist(out: Path) -> None:
    """sf refuses a project whose package directories are missing: a snapshot of components
    that were all absent (a rollback that only deletes) has no files in them."""
    project_file = out / "sfdx-project.json"
    if not project_file.is_file():
        return
    try:
        dirs = json.loads(project_file.read_text(encoding="utf-8")).get("packageDirectories", [])
    except (ValueError, RecursionError):
        return
    for entry in dirs:
        rel = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        parts = rel.replace("\\", "/").split("/")
        if rel and not rel.startswith("/") and not any(p in ("", ".", "..") for p in parts):
            out.joinpath(*parts).mkdir(parents=True, exist_ok=True)


def _files(root: Path) -> list[str]:
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    found = [f for f in found if f != META_FILE]
    return found


def _parse(env: str, snapshot_id: str, commit: str, raw: bytes) -> Snapshot:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ExternalError(f"{REF_PREFIX}{env}/{snapshot_id}: bad {META_FILE}: {exc}") from exc
    return Snapshot(
        env=env,
        id=snapshot_id,
        commit=commit,
        org=str(data.get("org") or ""),
        present=tuple(data.get("present") or ()),
        absent=tuple(data.get("absent") or ()),
        properties=dict(data.get("properties") or {}),
        from_sha=data.get("from"),
        to_sha=data.get("to"),
        created=str(data.get("created") or ""),
        details=dict(data.get("details") or {}),
    )
