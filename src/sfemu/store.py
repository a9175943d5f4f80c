"""The emulator's disk layout: orgs, their metadata in Metadata API format, and their records.

::

    ROOT/orgs.json                 org names, ids, users and access tokens
    ROOT/orgs/<name>/metadata/     the org's metadata, as a Metadata API zip would hold it
    ROOT/orgs/<name>/state.json    per-component properties (who changed it, when) + deployments
    ROOT/orgs/<name>/faults.json   faults waiting to be injected (see faults.py)
    ROOT/orgs/<name>/generation    a token that changes whenever the org's files change
    ROOT/server.json               URL and admin token of the server serving ROOT, while it runs

Every write goes through a temp file and ``os.replace`` under an ``flock``, so a test process can
change an org (the back door) while a server in another process serves it. Reading an org of
50,000 components (its file list, components, children and properties) is cached per process
and keyed by the ``generation`` token, which every locked section that changed files renews:
a change made by another process is seen on the next call.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from sfemu import safexml, types
from sfemu.types import Component

ADMIN_NAME = "Admin User"


class StoreError(Exception):
    """A request the store cannot honour (unknown org, a path outside the org)."""


def now_iso() -> str:
    """Salesforce's timestamp format: ``2026-11-21T20:54:23.000Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def _write_json(path: Path, data: Any) -> None:
    write_atomic(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created if missing); works across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def safe_relpath(path: str) -> str:
    """Normalise a Metadata API path; refuse absolute paths and ``..`` (zip-slip)."""
    if "\\" in path or "\x00" in path:
        raise StoreError(f"refusing path {path!r}: backslash or NUL in the name")
    p = PurePosixPath(path)
    if p.is_absolute() or any(part in ("..", "") for part in path.split("/")) or not p.parts:
        raise StoreError(f"refusing path {path!r}: it leaves the org's metadata folder")
    return p.as_posix()


@dataclass(frozen=True)
class OrgInfo:
    """An org as the login calls describe it."""

    name: str
    org_id: str
    user_id: str
    username: str
    access_token: str
    sandbox: bool
    created: str
    refresh_token: str = ""
    """What an sfdx auth URL carries (``force://PlatformCLI::<refresh token>@host``)."""

    @property
    def instance_name(self) -> str:
        """Salesforce's instance label (``CS42`` for sandboxes, ``NA42`` otherwise)."""
        return "CS42" if self.sandbox else "NA42"


def _sf_id(prefix: str) -> str:
    return prefix + "000" + secrets.token_hex(6).upper()[:12]


@dataclass(frozen=True)
class FileProps:
    """The properties Salesforce reports for a component (FileProperties in the WSDL).

    ``namespace_prefix`` and ``manageable_state`` tell managed-package components apart:
    ``installed`` (and the other states of the ManageableState enumeration) for a component
    of an installed package, ``unmanaged`` for the org's own.
    """

    id: str
    created_by_name: str
    created_date: str
    last_modified_by_name: str
    last_modified_date: str
    namespace_prefix: str = ""
    manageable_state: str = "unmanaged"

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> FileProps:
        """Read a stored record (unknown keys ignored, missing optional keys defaulted)."""
        try:
            return cls(**raw)
        except TypeError:
            known = {f.name for f in fields(cls)}
            return cls(**{k: v for k, v in raw.items() if k in known})


_CACHE_LOCK = threading.Lock()
# org folder -> (generation token, what was computed from it); see the module doc
_CACHE: dict[tuple[str, str], tuple[str, Any]] = {}


class Root:
    """The folder that holds every org of one emulator."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).resolve()
        self.path.mkdir(parents=True, exist_ok=True)
        self._orgs_file = self.path / "orgs.json"

    def _orgs(self) -> dict[str, Any]:
        data: dict[str, Any] = _read_json(self._orgs_file, {"orgs": {}})
        return data

    def orgs(self) -> dict[str, OrgInfo]:
        """All orgs by name."""
        return {n: OrgInfo(**o) for n, o in self._orgs()["orgs"].items()}

    def create_org(self, name: str, sandbox: bool = False) -> OrgInfo:
        """Create an empty org (or return the existing one of that name)."""
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise StoreError(f"invalid org name {name!r}: use letters, digits, - and _")
        with file_lock(self.path / ".orgs.lock"):
            data = self._orgs()
            if name in data["orgs"]:
                return OrgInfo(**data["orgs"][name])
            org_id = "00D" + secrets.token_hex(6).upper()[:12] + "AAA"
            info = OrgInfo(
                name=name,
                org_id=org_id[:18],
                user_id=_sf_id("005")[:15] + "AAA",
                username=f"admin@{name.lower()}.sfemu.test",
                access_token=f"{org_id[:15]}!{secrets.token_urlsafe(32)}",
                sandbox=sandbox,
                created=now_iso(),
                refresh_token=f"5Aep861{secrets.token_urlsafe(40)}",
            )
            data["orgs"][name] = asdict(info)
            _write_json(self._orgs_file, data)
        (self.path / "orgs" / name / "metadata").mkdir(parents=True, exist_ok=True)
        return info

    def org_by_token(self, token: str) -> OrgInfo | None:
        """The org whose access token is ``token``."""
        for info in self.orgs().values():
            if secrets.compare_digest(info.access_token, token):
                return info
        return None

    def org_by_refresh_token(self, token: str) -> OrgInfo | None:
        """The org that issued the refresh token ``token`` (orgs made before it: none)."""
        for info in self.orgs().values():
            if info.refresh_token and secrets.compare_digest(info.refresh_token, token):
                return info
        return None

    def store(self, name: str) -> OrgStore:
        """The metadata store of org ``name``."""
        orgs = self.orgs()
        if name not in orgs:
            raise StoreError(f"no org named {name!r} in {self.path}: create it first")
        return OrgStore(self.path / "orgs" / name, orgs[name])


class OrgStore:
    """One org's metadata (Metadata API layout) plus its component properties and deployments."""

    def __init__(self, folder: Path, info: OrgInfo) -> None:
        self.folder = folder
        self.info = info
        self.metadata = folder / "metadata"
        self.metadata.mkdir(parents=True, exist_ok=True)
        self._state_file = folder / "state.json"
        self._generation_file = folder / "generation"
        self._dirty = False
        # what this store wrote and removed under the lock: the cached file list and
        # components move to the new generation with just those paths (no rescan)
        self._wrote: set[str] = set()
        self._removed: set[str] = set()
        self._unknown = False

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the org's lock (across threads and processes); renew the generation on exit
        when files changed inside."""
        with file_lock(self.folder / ".lock"):
            before = self.generation()
            self._wrote, self._removed, self._unknown = set(), set(), False
            try:
                yield
            finally:
                if self._dirty:
                    self._dirty = False
                    token = secrets.token_hex(8)
                    write_atomic(self._generation_file, token.encode("ascii"))
                    if before and not self._unknown:
                        self._carry(before, token)

    def _carry(self, before: str, token: str) -> None:
        """Move the cached file list, components and index by type from generation
        `before` to `token`, changed only by the paths written and removed."""
        folder = str(self.folder)
        with _CACHE_LOCK:
            files = _CACHE.get((folder, "files"))
            comps = _CACHE.get((folder, "components"))
            by_type = _CACHE.get((folder, "by_type"))
        if files is None or files[0] != before:
            return
        wrote = {p for p in self._wrote if not any(part.startswith(".") for part in p.split("/"))}
        new_files = sorted((set(files[1]) - self._removed) | wrote)
        entries: dict[tuple[str, str], tuple[str, Any]] = {(folder, "files"): (token, new_files)}
        if comps is not None and comps[0] == before:
            new_comps = dict(comps[1])
            touched: set[Component] = set()
            for path in sorted(self._removed | wrote):
                comp = types.component_of(path)
                if comp is None:
                    continue
                touched.add(comp)
                paths = [p for p in new_comps.get(comp, []) if p != path]
                if path in wrote:
                    paths = sorted([*paths, path])
                if paths:
                    new_comps[comp] = paths
                else:
                    new_comps.pop(comp, None)
            # in the order a rescan gives: by each component's first file
            new_comps = dict(sorted(new_comps.items(), key=lambda item: item[1][0]))
            entries[(folder, "components")] = (token, new_comps)
            if by_type is not None and by_type[0] == before:
                new_index = dict(by_type[1])
                for type_name in {c.type for c in touched}:
                    members = sorted((c for c in new_comps if c.type == type_name), key=str)
                    if members:
                        new_index[type_name] = members
                    else:
                        new_index.pop(type_name, None)
                entries[(folder, "by_type")] = (token, new_index)
        with _CACHE_LOCK:
            _CACHE.update(entries)

    def changed(self) -> None:
        """Note that files changed outside ``_write``/``_remove`` (a folder wiped)."""
        self._dirty = True
        self._unknown = True

    def generation(self) -> str:
        """The token of the org's current files ("" when unknown: nothing is cached)."""
        try:
            return self._generation_file.read_text(encoding="ascii")
        except FileNotFoundError:
            return ""

    def _cached(self, what: str, compute: Any) -> Any:
        """``compute()``, reused while the generation token has not changed."""
        token = self.generation()
        key = (str(self.folder), what)
        if token and not self._dirty:
            with _CACHE_LOCK:
                hit = _CACHE.get(key)
            if hit is not None and hit[0] == token:
                return hit[1]
        value = compute()
        if token and not self._dirty:
            with _CACHE_LOCK:
                _CACHE[key] = (token, value)
        return value

    # ----- files -----------------------------------------------------------------------------

    def files(self) -> list[str]:
        """Every metadata file's path, sorted (cached: do not change the list)."""
        result: list[str] = self._cached("files", self._walk)
        return result

    def _walk(self) -> list[str]:
        out = []
        base = len(str(self.metadata)) + 1
        for dirpath, dirnames, filenames in os.walk(self.metadata):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for f in filenames:
                if not f.startswith(".") or f == ".":
                    out.append(os.path.join(dirpath, f)[base:].replace(os.sep, "/"))
        return sorted(out)

    def read(self, path: str) -> bytes:
        """The bytes of the file at ``path``."""
        try:
            return (self.metadata / safe_relpath(path)).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"{self.info.name} has no file {path}") from None

    def exists(self, path: str) -> bool:
        """True when the file exists."""
        return (self.metadata / safe_relpath(path)).is_file()

    def _write(self, path: str, data: bytes) -> None:
        self._dirty = True
        write_atomic(self.metadata / safe_relpath(path), data)
        self._wrote.add(path)
        self._removed.discard(path)

    def remove_file(self, path: str) -> None:
        """Delete one file (and folders it leaves empty)."""
        self._remove(path)

    def _remove(self, path: str) -> None:
        self._dirty = True
        self._removed.add(path)
        self._wrote.discard(path)
        target = self.metadata / safe_relpath(path)
        target.unlink(missing_ok=True)
        parent = target.parent
        while parent != self.metadata and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    # ----- components ------------------------------------------------------------------------

    def components(self) -> dict[Component, list[str]]:
        """Top-level components and their files (cached: do not change the mapping)."""
        result: dict[Component, list[str]] = self._cached("components", self._components)
        return result

    def _components(self) -> dict[Component, list[str]]:
        out: dict[Component, list[str]] = {}
        for path in self.files():
            comp = types.component_of(path)
            if comp is not None:
                out.setdefault(comp, []).append(path)
        return out

    def components_of_type(self, type_name: str) -> list[Component]:
        """The top-level components of one type, sorted (cached)."""
        index: dict[str, list[Component]] = self._cached("by_type", self._by_type)
        return index.get(type_name, [])

    def _by_type(self) -> dict[str, list[Component]]:
        out: dict[str, list[Component]] = {}
        for comp in sorted(self.components(), key=str):
            out.setdefault(comp.type, []).append(comp)
        return out

    def parent_file(self, parent: Component) -> str | None:
        """The single file holding a parent type's XML (``objects/Account.object``)."""
        mtype = types.get(parent.type)
        if mtype is None or mtype.suffix is None:
            return None
        return f"{mtype.directory}/{parent.full_name}.{mtype.suffix}"

    def children(self, parent: Component) -> dict[Component, ET.Element]:
        """Child components inside a parent's file (CustomField entries of an .object)."""
        mtype = types.get(parent.type)
        path = self.parent_file(parent)
        if mtype is None or not mtype.children or path is None or not self.exists(path):
            return {}
        root = safexml.parse(self.read(path))
        return children_in(root, mtype, parent.full_name)

    def all_components(self) -> set[Component]:
        """Top-level and child components (cached: do not change the set)."""
        result: set[Component] = self._cached("all", self._all_components)
        return result

    def _all_components(self) -> set[Component]:
        out = set(self.components())
        for comp in list(out):
            mtype = types.get(comp.type)
            if mtype is not None and mtype.children:
                out.update(self.children(comp))
        return out

    def child_owners(self) -> dict[Component, Component]:
        """Child component -> the parent whose file holds it (cached)."""
        result: dict[Component, Component] = self._cached("owners", self._child_owners)
        return result

    def _child_owners(self) -> dict[Component, Component]:
        out: dict[Component, Component] = {}
        for comp in self.components():
            mtype = types.get(comp.type)
            if mtype is not None and mtype.children:
                for child in self.children(comp):
                    out[child] = comp
        return out

    # ----- properties and records ------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The raw state document (component properties, deployments)."""
        data: dict[str, Any] = _read_json(self._state_file, {})
        data.setdefault("props", {})
        data.setdefault("deployments", [])
        return data

    def state_for_reading(self) -> dict[str, Any]:
        """The state document, cached while state.json is unchanged: never modify it."""
        try:
            st = self._state_file.stat()
        except FileNotFoundError:
            return self.state()
        token = f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"
        key = (str(self.folder), "state")
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
        if hit is not None and hit[0] == token:
            cached: dict[str, Any] = hit[1]
            return cached
        data = self.state()
        with _CACHE_LOCK:
            _CACHE[key] = (token, data)
        return data

    def save_state(self, state: dict[str, Any]) -> None:
        """Write the state document (call while holding the lock)."""
        _write_json(self._state_file, state)

    def props(self, comp: Component, state: dict[str, Any] | None = None) -> FileProps:
        """Who created and last changed ``comp``, and when."""
        st = state if state is not None else self.state()
        raw = st["props"].get(str(comp))
        if raw is None:
            when = self.info.created
            return FileProps(_stable_id(comp), ADMIN_NAME, when, ADMIN_NAME, when)
        return FileProps.from_record(raw)

    def touch(
        self, state: dict[str, Any], comp: Component, by: str, when: str | None = None
    ) -> bool:
        """Record a create or change of ``comp`` by user ``by``; True when it was created."""
        when = when or now_iso()
        key = str(comp)
        old = state["props"].get(key)
        if old is None:
            state["props"][key] = {
                "id": _stable_id(comp),
                "created_by_name": by,
                "created_date": when,
                "last_modified_by_name": by,
                "last_modified_date": when,
                "namespace_prefix": "",
                "manageable_state": "unmanaged",
            }
            return True
        old.update(last_modified_by_name=by, last_modified_date=when)
        return False

    @staticmethod
    def mark_managed(
        state: dict[str, Any], comp: Component, namespace: str, manageable_state: str
    ) -> None:
        """Record that ``comp`` belongs to the package of ``namespace`` (``installed``...)."""
        record = state["props"].get(str(comp))
        if record is not None:
            record.update(namespace_prefix=namespace, manageable_state=manageable_state)

    def record_write(
        self,
        state: dict[str, Any],
        comp: Component,
        before: dict[Component, bytes] | None,
        by: str,
        when: str,
    ) -> None:
        """After ``comp``'s files were written, move the dates of what changed, as Setup does.

        For a parent type (CustomObject), ``before`` holds its children's elements before the
        write (None: the file did not exist): only children that are new or changed get
        ``by``/``when``, children that disappeared are forgotten, and the parent itself moves
        only when its own (non-child) content changed or it is new.
        """
        mtype = types.get(comp.type)
        if mtype is None or not mtype.children or before is None:
            self.touch(state, comp, by, when)
            if mtype is not None and mtype.children:
                for child in self.children(comp):
                    self.touch(state, child, by, when)
            return
        after = {c: safexml.to_bytes(e) for c, e in self.children(comp).items()}
        for child, data in after.items():
            if before.get(child) != data:
                self.touch(state, child, by, when)
        for child in before:
            if child not in after:
                state["props"].pop(str(child), None)
        own_before = before.get(_OWN)
        if own_before is None or own_before != self._own_bytes(comp):
            self.touch(state, comp, by, when)

    def snapshot_children(self, comp: Component) -> dict[Component, bytes] | None:
        """A parent's child elements (and its own content under a marker), before a write."""
        mtype = types.get(comp.type)
        path = self.parent_file(comp)
        if mtype is None or not mtype.children or path is None or not self.exists(path):
            return None
        out = {c: safexml.to_bytes(e) for c, e in self.children(comp).items()}
        out[_OWN] = self._own_bytes(comp)
        return out

    def _own_bytes(self, comp: Component) -> bytes:
        mtype = types.get(comp.type)
        path = self.parent_file(comp)
        assert mtype is not None and path is not None
        root = safexml.parse(self.read(path))
        tags = {el for _, el in mtype.children}
        own = ET.Element(root.tag)
        own.extend(e for e in root if safexml.local(e.tag) not in tags)
        return safexml.to_bytes(own)

    @staticmethod
    def forget(state: dict[str, Any], comp: Component) -> None:
        """Drop the properties of a deleted component (and of its children)."""
        state["props"].pop(str(comp), None)
        mtype = types.get(comp.type)
        if mtype is not None and mtype.children:
            prefix = comp.full_name + "."
            for key in [k for k in state["props"] if k.split(":", 1)[1].startswith(prefix)]:
                state["props"].pop(key)

    # ----- changes (used by the back door and by deploys, under the lock) --------------------

    def put_files(self, files: dict[str, bytes]) -> None:
        """Write files as they are."""
        for path, data in files.items():
            self._write(path, data)

    def remove_component(self, comp: Component) -> bool:
        """Delete a top-level component's files or a child's element; True if it existed."""
        mtype = types.get(comp.type)
        if mtype is not None and mtype.is_child and mtype.parent:
            parent_name, child = types.split_child(comp.full_name)
            if mtype.ignore_parent_name:
                parent_name, child = "", comp.full_name
                return self._remove_child_anywhere(mtype, child)
            parent = Component(mtype.parent, parent_name)
            path = self.parent_file(parent)
            if path is None or not self.exists(path):
                return False
            root = safexml.parse(self.read(path))
            ptype = types.get(mtype.parent)
            assert ptype is not None
            found = children_in(root, ptype, parent_name).get(comp)
            if found is None:
                return False
            root.remove(found)
            self._write(path, safexml.to_bytes(root))
            return True
        files = list(self.components().get(comp, []))
        contents = types.contents_of(comp)
        if contents is not None:  # a site goes with its views, routes, themes...
            kind, start = contents
            for inner in self.components_of_type(kind):
                if inner.full_name.startswith(start):
                    files += self.components().get(inner, [])
        for path in files:
            self._remove(path)
        if mtype is not None and types.is_folder_member(mtype, comp.full_name):
            folder = self.metadata / mtype.directory / comp.full_name
            if folder.is_dir():
                shutil.rmtree(folder)
        return bool(files)

    def _remove_child_anywhere(self, mtype: types.MetadataType, child: str) -> bool:
        ptype = types.get(mtype.parent or "")
        if ptype is None:
            return False
        for parent in [c for c in self.components() if c.type == ptype.name]:
            path = self.parent_file(parent)
            if path is None:
                continue
            root = safexml.parse(self.read(path))
            found = children_in(root, ptype, parent.full_name).get(Component(mtype.name, child))
            if found is not None:
                root.remove(found)
                self._write(path, safexml.to_bytes(root))
                return True
        return False

    def merge_parent(self, parent: Component, incoming: ET.Element, replace_own: bool) -> None:
        """Upsert the child entries of ``incoming`` into the stored parent file.

        ``replace_own``: the parent itself is deployed, so its own (non-child) elements are
        replaced by the incoming ones; otherwise only the children change.
        """
        mtype = types.get(parent.type)
        path = self.parent_file(parent)
        assert mtype is not None and path is not None
        child_tags = {el for _, el in mtype.children}
        if self.exists(path):
            current = safexml.parse(self.read(path))
        else:
            current = ET.Element(f"{{{safexml.MD_NS}}}{parent.type}")
        own = [
            e
            for e in (incoming if replace_own else current)
            if safexml.local(e.tag) not in child_tags
        ]
        # API names ignore case: an entry whose name differs from a held one only in case
        # updates the held entry, which keeps its spelling (see ``semantics``)
        ids = mtype.id_elements()

        def name(e: ET.Element) -> str:
            return _child_name(e, ids.get(safexml.local(e.tag), "fullName"))

        kids = {
            (safexml.local(e.tag), name(e).casefold()): e
            for e in current
            if safexml.local(e.tag) in child_tags
        }
        for e in incoming:
            if safexml.local(e.tag) in child_tags:
                key = (safexml.local(e.tag), name(e).casefold())
                held = kids.get(key)
                if held is not None and name(held) != name(e):
                    e = _renamed(e, ids.get(key[0], "fullName"), name(held))
                kids[key] = e
        merged = ET.Element(current.tag, current.attrib)
        merged.extend(own)
        merged.extend(kids[k] for k in sorted(kids, key=lambda k: (k[0], name(kids[k]))))
        self._write(path, safexml.to_bytes(merged))


_OWN = Component("", "")  # a parent's own (non-child) content in ``snapshot_children``


def _child_name(elem: ET.Element, id_element: str = "fullName") -> str:
    return safexml.child_text(elem, id_element)


def _renamed(elem: ET.Element, id_element: str, name: str) -> ET.Element:
    """A copy of a child entry whose name (its ``id_element``) is ``name``."""
    out = ET.Element(elem.tag, elem.attrib)
    out.text, out.tail = elem.text, elem.tail
    for child in elem:
        if safexml.local(child.tag) == id_element:
            copy = ET.SubElement(out, child.tag, child.attrib)
            copy.text, copy.tail = name, child.tail
        else:
            out.append(child)
    return out


def children_in(
    root: ET.Element, mtype: types.MetadataType, parent_name: str
) -> dict[Component, ET.Element]:
    """The child components of a parent document, keyed by component."""
    by_tag = {el: name for name, el in mtype.children}
    out: dict[Component, ET.Element] = {}
    for e in root:
        child_type = by_tag.get(safexml.local(e.tag))
        if child_type is None:
            continue
        ctype = types.get(child_type)
        if ctype is None:
            continue
        name = _child_name(e, ctype.id_element)
        if not name:
            continue
        full = name if ctype.ignore_parent_name else f"{parent_name}.{name}"
        out[Component(child_type, full)] = e
    return out


def _stable_id(comp: Component) -> str:
    import hashlib

    digest = hashlib.sha1(str(comp).encode("utf-8")).hexdigest().upper()
    return ("0" + digest[:2] + "8A" + digest[2:12] + "AAA")[:18]
