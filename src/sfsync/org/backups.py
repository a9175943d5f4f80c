"""Org backups in git: `refs/sfsync-backups/<env>`, one commit per backup.

Each commit's tree is a small sfdx project in source format, as `sf project retrieve start`
writes it (`sfdx-project.json`, `force-app/main/default/...`), plus `sfsync-backup.json`: the
manifest of every component the org held (its lastModifiedDate/ByName, createdDate/ByName,
id, fileName, and namespacePrefix/manageableState for managed ones), one component per line
so that `git log -p` shows who changed what. The commit's parent is the previous backup of
the env, so `git log -p refs/sfsync-backups/prod` is the org's history.

The ref lives outside `refs/sfsync/*` on purpose: sfsync fetches `refs/sfsync/*` for the
hooks and the workflows, and a production backup is far bigger than the state refs. Push it
with `sfsync backup --push` (or `git push origin refs/sfsync-backups/prod`), fetch it with
`git fetch origin 'refs/sfsync-backups/*:refs/sfsync-backups/*'`.

An unfinished backup keeps its place in `<git common dir>/sfsync/backups/<env>/`: the
listing it started from, its chunks and each finished chunk's files (as a git tree), so the
next run continues at the first chunk not done.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfsync.errors import ExternalError, UsageError
from sfsync.git import repo as gitrepo
from sfsync.metadata.project import Project
from sfsync.metadata.resolver import Resolver
from sfsync.metadata.writer import temp_name
from sfsync.org.changes import Signal
from sfsync.org.listed import Listed, path_keys
from sfsync.pipeline.dashboard import BackupInfo

REF_PREFIX = "refs/sfsync-backups/"
MANIFEST = "sfsync-backup.json"
PROJECT_FILE = "sfdx-project.json"
PACKAGE_DIR = "force-app"
FORMAT = 1
JOURNAL_DIR = ("sfsync", "backups")


@dataclass(frozen=True)
class Manifest:
    """`sfsync-backup.json`: what the org held when the backup was taken."""

    env: str
    org: str
    taken: str
    mode: str
    api_version: str
    components: Mapping[str, Listed]
    org_id: str = ""
    scope: tuple[str, ...] | None = None
    skipped: tuple[str, ...] = ()
    include_managed: bool = False
    files: Mapping[str, Sequence[str]] | None = None
    """Component -> its files in the tree ("": files no component claims); None when the
    manifest predates it (then the files are attributed again with the resolver)."""
    signals: Mapping[str, Signal] = field(default_factory=dict)
    """Type -> what its change query said (`sfsync.org.changes`): where the next incremental
    backup starts asking."""
    lines: Mapping[str, tuple[Listed, tuple[str, ...], str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Component -> (its entry, its files, its line) as read: `to_bytes` of a manifest built
    with the last one's `lines` writes the line of an unchanged component again as it was."""

    def to_bytes(self) -> bytes:
        """The JSON document, one component per line (so diffs show one line per change)."""
        head = {
            "format": FORMAT,
            "env": self.env,
            "org": self.org,
            "orgId": self.org_id,
            "taken": self.taken,
            "mode": self.mode,
            "apiVersion": self.api_version,
            "scope": list(self.scope) if self.scope is not None else None,
            "skipped": list(self.skipped),
            "includeManaged": self.include_managed,
            "changeSignals": {t: self.signals[t].to_json() for t in sorted(self.signals)},
        }
        files = dict(self.files or {})
        # files of no listed component (under "": of no component at all)
        head["otherFiles"] = {
            k: sorted(v) for k, v in files.items() if k not in self.components and v
        }
        lines = ["{"]
        lines += [f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}," for k, v in head.items()]
        lines.append('  "components": {')
        items = sorted(self.components.items())
        for index, (key, item) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            paths = tuple(sorted(files.get(key, ()))) if self.files is not None else None
            was = self.lines.get(key)
            if was is not None and paths is not None and was[0] == item and was[1] == paths:
                lines.append(f"    {was[2]}{comma}")
                continue
            entry: dict[str, Any] = dict(item.to_json())
            if paths is not None:
                entry["files"] = list(paths)
            lines.append(f"    {json.dumps(key)}: {json.dumps(entry, sort_keys=True)}{comma}")
        lines += ["  }", "}"]
        return ("\n".join(lines) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> Manifest:
        """Read `sfsync-backup.json`."""
        try:
            raw = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ExternalError(f"{where}: not a valid {MANIFEST} ({exc})") from exc
        if not isinstance(raw, dict):
            raise ExternalError(f"{where}: not a valid {MANIFEST}")
        comps = raw.get("components") or {}
        scope = raw.get("scope")
        files: dict[str, list[str]] | None = None
        if all(isinstance(v, dict) and isinstance(v.get("files"), list) for v in comps.values()):
            files = {str(k): [str(p) for p in v["files"]] for k, v in comps.items()}
            for key, paths in (raw.get("otherFiles") or {}).items():
                if isinstance(paths, list):
                    files[str(key)] = [str(p) for p in paths]
        components = {
            str(k): Listed.from_json(str(k), v) for k, v in comps.items() if isinstance(v, dict)
        }
        return cls(
            env=str(raw.get("env") or ""),
            org=str(raw.get("org") or ""),
            taken=str(raw.get("taken") or ""),
            mode=str(raw.get("mode") or ""),
            api_version=str(raw.get("apiVersion") or ""),
            components=components,
            org_id=str(raw.get("orgId") or ""),
            scope=tuple(scope) if isinstance(scope, list) else None,
            skipped=tuple(raw.get("skipped") or ()),
            include_managed=bool(raw.get("includeManaged")),
            files=files,
            signals=_signals(raw.get("changeSignals")),
            lines=_lines(data, components, files),
        )


@dataclass(frozen=True)
class Backup:
    """One backup commit: its manifest and files."""

    commit: str
    manifest: Manifest
    files: Mapping[str, str] = field(repr=False)
    """Path -> blob sha, the manifest and `sfdx-project.json` included."""

    def source(self) -> dict[str, str]:
        """The metadata files (path -> blob sha), without the manifest and project file."""
        return {p: sha for p, sha in self.files.items() if p not in (MANIFEST, PROJECT_FILE)}

    def sizes(self, repo: Path | str, paths: Iterable[str]) -> dict[str, int]:
        """The size in bytes of each of `paths` (read only for the paths asked: reading the
        size of every file of a 100,000-file backup costs seconds)."""
        wanted = {p: self.files[p] for p in paths if p in self.files}
        found = gitrepo.blob_sizes(repo, wanted.values())
        return {p: found.get(sha, 0) for p, sha in wanted.items()}


def ref_name(env: str) -> str:
    """`refs/sfsync-backups/<env>`."""
    if not env or "/" in env or env.startswith(".") or ".." in env:
        raise UsageError(f"'{env}' is not a valid environment name for a git ref")
    return REF_PREFIX + env


def read(repo: Path | str, rev: str) -> Backup | None:
    """The backup at `rev` (a ref or commit); None when `rev` names nothing."""
    commit = gitrepo.rev_parse(repo, rev)
    if commit is None:
        return None
    blob = gitrepo.cat_file_batch(repo, [f"{commit}:{MANIFEST}"]).get(f"{commit}:{MANIFEST}")
    if blob is None:
        raise UsageError(f"{rev} ({commit[:12]}) is not an sfsync backup: it has no {MANIFEST}")
    manifest = Manifest.from_bytes(blob, f"{rev}:{MANIFEST}")
    return Backup(commit, manifest, gitrepo.ls_tree_blobs(repo, commit))


def latest(repo: Path | str, env: str) -> Backup | None:
    """The newest backup of `env`, or None."""
    ref = ref_name(env)
    if gitrepo.ref_sha(repo, ref) is None:
        return None
    return read(repo, ref)


def summaries(repo: Path | str) -> dict[str, BackupInfo]:
    """The newest backup of every env that has one, read from the refs and their messages
    alone (one git process, no manifest: a production manifest is megabytes)."""
    text = gitrepo.run(
        repo,
        "for-each-ref",
        "--format=%(refname)%00%(objectname)%00%(committerdate:iso-strict)%00%(contents)%00",
        "--end-of-options",
        REF_PREFIX,
    ).stdout.decode("utf-8", errors="replace")
    found: dict[str, BackupInfo] = {}
    fields = text.split("\0")
    for index in range(0, len(fields) - 3, 4):
        ref, commit, when, message = fields[index].strip(), *fields[index + 1 : index + 4]
        env = ref.removeprefix(REF_PREFIX)
        lines = message.splitlines()
        subject = lines[0] if lines else ""
        # `backup_commit.message`: "backup prod: 3 added, ... (full)" / "org: X; N components"
        mode = subject.rsplit("(", 1)[-1].rstrip(")") if subject.endswith(")") else ""
        count = next(
            (
                int(m.group(1))
                for line in reversed(lines)
                if (m := _COMPONENTS_LINE.search(line)) is not None
            ),
            None,
        )
        found[env] = BackupInfo(env, commit, when, subject, mode, count)
    return found


_COMPONENTS_LINE = re.compile(r"^org: .*; (\d+) components?$")


def fetch(repo: Path | str, remote: str) -> str | None:
    """Fetch `refs/sfsync-backups/*` from `remote`, fast-forward only (a local backup that
    is not on the remote yet is kept); the problem as one line, or None."""
    spec = f"{REF_PREFIX}*:{REF_PREFIX}*"
    proc = gitrepo.run(
        repo, "fetch", "--quiet", "--no-tags", "--end-of-options", remote, spec, check=False
    )
    if proc.returncode == 0:
        return None
    detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
    return (
        f"git fetch {remote} {spec} failed: {detail[-1] if detail else 'no output'}; "
        "the backups shown are this clone's"
    )


def days_since_full(repo: Path | str, env: str) -> float | None:
    """Days since the newest full backup of `env` was committed (None: there is none). A
    backup's message says its mode: `backup prod: ... (full)`."""
    ref = ref_name(env)
    if gitrepo.ref_sha(repo, ref) is None:
        return None
    text = gitrepo.out(repo, "log", "--format=%ct %s", "--end-of-options", ref, "--")
    for line in text.splitlines():
        stamp, _, subject = line.partition(" ")
        if subject.endswith("(full)") and stamp.isdigit():
            return max(0.0, (time.time() - int(stamp)) / 86400)
    return None


def project() -> Project:
    """The sfdx project every backup is (one package directory, `force-app`)."""
    return Project.from_texts(_project_json().decode("utf-8"))


def attribute(paths: Iterable[str], resolver: Resolver) -> dict[str, list[str]]:
    """Component (`Type:FullName`, as listMetadata names it) -> its files among `paths`.

    Files no component claims are under the key "" (kept, never attributed).
    """
    out: dict[str, list[str]] = {}
    files = [p for p in paths if p not in (MANIFEST, PROJECT_FILE)]
    keys = path_keys(resolver.registry, resolver.component, files)
    for path in files:
        out.setdefault(keys.get(path, ""), []).append(path)
    return out


def store(
    repo: Path | str,
    env: str,
    blobs: Mapping[str, str],
    manifest: Manifest,
    parent: str | None,
    message: str,
    parent_files: Mapping[str, str] | None = None,
) -> str:
    """Commit the backup (files + manifest) on `refs/sfsync-backups/<env>` over `parent`.

    `parent_files` (the parent's path -> blob sha): the new tree is the parent's with what
    differs written, which is much faster than writing 100,000 entries again."""
    tree_blobs = dict(blobs)
    with tempfile.TemporaryDirectory(prefix="sfsync-backup-") as scratch:
        written = [Path(scratch) / MANIFEST, Path(scratch) / PROJECT_FILE]
        written[0].write_bytes(manifest.to_bytes())
        written[1].write_bytes(_project_json(manifest.api_version))
        tree_blobs[MANIFEST], tree_blobs[PROJECT_FILE] = gitrepo.hash_files(repo, written)
    if parent and parent_files is not None:
        add = {p: sha for p, sha in tree_blobs.items() if parent_files.get(p) != sha}
        remove = [p for p in parent_files if p not in tree_blobs]
        tree = gitrepo.tree_with(repo, parent, add, remove)
    else:
        tree = write_tree(repo, tree_blobs)
    commit = gitrepo.commit_tree(repo, tree, [parent] if parent else [], message)
    ref = ref_name(env)
    if not gitrepo.update_ref_cas(repo, ref, commit, parent, f"sfsync backup {env}"):
        raise ExternalError(
            f"{ref} moved while this backup ran (another backup of {env} finished first); "
            "run the command again"
        )
    return commit


def write_tree(repo: Path | str, blobs: Mapping[str, str]) -> str:
    """A git tree of `{path: blob sha}`."""
    with tempfile.TemporaryDirectory(prefix="sfsync-backup-") as scratch:
        return gitrepo.write_nested_tree(repo, blobs, Path(scratch))


def materialize(repo: Path | str, blobs: Mapping[str, str], out_dir: Path) -> Path:
    """Write `{path: blob sha}` as files under `out_dir`; nothing is written outside it."""
    out = Path(os.path.realpath(out_dir))
    out.mkdir(parents=True, exist_ok=True)
    contents = gitrepo.cat_file_batch(repo, blobs.values())
    for rel, sha in sorted(blobs.items()):
        data = contents.get(sha)
        if data is None:
            raise ExternalError(f"blob {sha} of {rel} is missing from the repository")
        write_inside(out, rel, data)
    return out


def write_inside(out: Path, rel: str, data: bytes) -> Path:
    """Write `out/rel` atomically, refusing a path that would leave `out` (zip-slip guard:
    `..`, an absolute path, a backslash, or a folder that is a symlink to elsewhere)."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or "\\" in rel or "\0" in rel:
        raise ExternalError(f"refusing to write {rel!r}: not a relative path inside {out}")
    if any(part in ("", ".", "..") for part in parts):
        raise ExternalError(f"refusing to write {rel!r}: it would leave {out}")
    target = out.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    real_parent = os.path.realpath(target.parent)
    if real_parent != str(out) and not real_parent.startswith(str(out) + os.sep):
        raise ExternalError(f"refusing to write {rel!r}: it would leave {out} (symlink?)")
    tmp = target.with_name(temp_name(target.name))
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


# --- the journal of an unfinished backup ----------------------------------------------------


def journal_dir(common_dir: Path, env: str) -> Path:
    """Where an unfinished backup of `env` keeps its place."""
    return common_dir.joinpath(*JOURNAL_DIR, env)


def read_journal(common_dir: Path, env: str) -> dict[str, Any] | None:
    """The unfinished backup of `env` (None: there is none, or it is unreadable)."""
    folder = journal_dir(common_dir, env)
    try:
        data = json.loads((folder / "journal.json").read_text(encoding="utf-8"))
        listing = json.loads((folder / "listing.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(listing, dict):
        return None
    data["listing"] = listing
    return data


def write_journal(
    common_dir: Path, env: str, data: Mapping[str, Any], listing: Mapping[str, Any] | None
) -> None:
    """Save the journal (and, at the start, the listing it works from) atomically."""
    folder = journal_dir(common_dir, env)
    folder.mkdir(parents=True, exist_ok=True)
    if listing is not None:
        _write_json(folder / "listing.json", listing)
    _write_json(folder / "journal.json", data)


def clear_journal(common_dir: Path, env: str) -> None:
    """Forget the unfinished backup of `env`."""
    shutil.rmtree(journal_dir(common_dir, env), ignore_errors=True)


# --- internals -------------------------------------------------------------------------


def _lines(
    data: bytes, comps: Mapping[str, Listed], files: Mapping[str, list[str]] | None
) -> dict[str, tuple[Listed, tuple[str, ...], str]]:
    """Each component's line as `to_bytes` wrote it (`"KEY": {...}`), with what it holds."""
    if files is None:
        return {}
    out: dict[str, tuple[Listed, tuple[str, ...], str]] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.startswith('    "'):
            continue
        text = line[4:].rstrip(",")
        end = text.find('": {')
        if end < 0:
            continue
        raw_key = text[1:end]
        try:  # a name with an escaped character is read as JSON (the common one is plain)
            key = json.loads(text[: end + 1]) if "\\" in raw_key else raw_key
        except (ValueError, RecursionError):
            continue
        item = comps.get(key) if isinstance(key, str) else None
        if item is not None:
            paths = tuple(files.get(key, ()))
            if list(paths) == sorted(paths):
                out[key] = (item, paths, text)
    return out


def _signals(raw: Any) -> dict[str, Signal]:
    """The change signals of a manifest; one that cannot be read is left out (its type is
    listed with listMetadata)."""
    out: dict[str, Signal] = {}
    for type_name, data in raw.items() if isinstance(raw, dict) else ():
        signal = Signal.from_json(data)
        if signal is not None:
            out[str(type_name)] = signal
    return out


def _project_json(api_version: str | None = None) -> bytes:
    data: dict[str, Any] = {"packageDirectories": [{"path": PACKAGE_DIR, "default": True}]}
    if api_version:
        data["sourceApiVersion"] = api_version
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
