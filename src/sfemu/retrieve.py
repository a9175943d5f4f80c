"""The Metadata API ``retrieve``: resolve an unpackaged manifest against an org, build the zip."""

from __future__ import annotations

import io
import stat
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field

from sfemu import manifest as mf
from sfemu import safexml, types
from sfemu.store import OrgStore, children_in
from sfemu.types import Component

FILE_LIMIT = 10_000
UNZIPPED_LIMIT = 600 * 1024 * 1024
# What a hostile org may put in a retrieve zip (the ``hostile_zip`` fault): entries that climb
# out of the folder they are extracted into, an absolute path and a symbolic link.
HOSTILE_ENTRIES: tuple[tuple[str, bytes, bool], ...] = (
    ("classes/../../../../sfemu-zip-slip.cls", b"public class Slip {}\n", False),
    ("../../sfemu-zip-slip.txt", b"written outside\n", False),
    ("/tmp/sfemu-zip-slip-absolute.txt", b"written outside\n", False),
    ("classes/SfemuLink.cls", b"../../../../../../etc/passwd", True),
)
HOSTILE_RESOURCE = "SfemuSlip"  # a static resource whose own zip climbs out of its folder


def _hostile_resource() -> dict[str, bytes]:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("../../../../../sfemu-zip-slip-static.txt", "written outside\n")
        zf.writestr("ok.txt", "inside\n")
    meta = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<StaticResource xmlns="http://soap.sforce.com/2006/04/metadata">'
        b"<cacheControl>Private</cacheControl><contentType>application/zip</contentType>"
        b"</StaticResource>\n"
    )
    return {
        f"staticresources/{HOSTILE_RESOURCE}.resource": inner.getvalue(),
        f"staticresources/{HOSTILE_RESOURCE}.resource-meta.xml": meta,
    }


@dataclass(frozen=True)
class FileProperty:
    """One entry of ``fileProperties`` in a RetrieveResult (also used by listMetadata)."""

    component: Component
    file_name: str
    id: str
    created_by_name: str
    created_date: str
    last_modified_by_name: str
    last_modified_date: str
    user_id: str
    namespace_prefix: str = ""
    manageable_state: str = "unmanaged"


@dataclass(frozen=True)
class RetrieveOutcome:
    """What ``checkRetrieveStatus`` reports once the retrieve is done."""

    zip_bytes: bytes = b""
    file_properties: tuple[FileProperty, ...] = ()
    messages: tuple[tuple[str, str], ...] = ()  # (fileName, problem)
    error_code: str = ""
    error_message: str = ""

    @property
    def success(self) -> bool:
        """False when the whole retrieve failed (limits)."""
        return not self.error_code


@dataclass
class _Selection:
    whole: set[Component] = field(default_factory=set)
    children: dict[Component, set[Component]] = field(default_factory=dict)


def _select(
    store: OrgStore, request: mf.Manifest, prefix: str
) -> tuple[_Selection, list[tuple[str, str]]]:
    comps = store.components()
    sel = _Selection()
    messages: list[tuple[str, str]] = []
    child_cache: dict[Component, dict[Component, ET.Element]] = {}

    def kids(parent: Component) -> dict[Component, ET.Element]:
        if parent not in child_cache:
            child_cache[parent] = store.children(parent)
        return child_cache[parent]

    for type_name, members in request.items():
        mtype = types.get(type_name)
        if mtype is None:
            messages.append((f"{prefix}package.xml", f"Entity type: '{type_name}' is unknown"))
            continue
        for raw in members:
            member = raw.rstrip("/")
            if mtype.is_child and mtype.parent:
                if member == "*":
                    for p in store.components_of_type(mtype.parent):
                        for c in kids(p):
                            if c.type == type_name:
                                sel.children.setdefault(p, set()).add(c)
                    continue
                wanted = Component(type_name, member)
                owner = store.child_owners().get(wanted)
                if owner is None:
                    messages.append(_missing(prefix, type_name, member))
                else:
                    sel.children.setdefault(owner, set()).add(wanted)
                continue
            if member == "*" and mtype.allows_wildcard:
                for c in comps:
                    if c.type == type_name and (
                        type_name != "CustomObject" or types.is_custom_object_name(c.full_name)
                    ):
                        sel.whole.add(c)
                continue
            comp = Component(type_name, member)
            if comp in comps:
                sel.whole.add(comp)
                contents = types.contents_of(comp)
                if contents is not None:
                    # a site comes whole: its views, routes, themes... with it
                    kind, start = contents
                    sel.whole.update(
                        c for c in store.components_of_type(kind) if c.full_name.startswith(start)
                    )
            else:
                messages.append(_missing(prefix, type_name, member))
    return sel, messages


def _missing(prefix: str, type_name: str, member: str) -> tuple[str, str]:
    return (
        f"{prefix}package.xml",
        f"Entity of type '{type_name}' named '{member}' cannot be found",
    )


def retrieve(
    store: OrgStore,
    request: mf.Manifest,
    api_version: str,
    single_package: bool = True,
    file_limit: int = FILE_LIMIT,
    zip_limit: int | None = None,
    hostile: bool = False,
    unzipped_limit: int = UNZIPPED_LIMIT,
) -> RetrieveOutcome:
    """Retrieve ``request`` (type -> members) from ``store`` as Salesforce would.

    The limits are the Metadata API's: 10,000 files, a 39 MB zip and 600 MB unzipped per
    retrieve (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/
    meta_retrieve.htm); over one, the retrieve fails with LIMIT_EXCEEDED. ``hostile`` adds
    the ``HOSTILE_ENTRIES`` to the zip (a zip-slip attempt, for tests).
    """
    prefix = "" if single_package else "unpackaged/"
    with store.locked():
        state = store.state_for_reading()
        sel, messages = _select(store, request, prefix)
        comps = store.components()
        files: dict[str, bytes] = {}
        props: list[FileProperty] = []
        listed: mf.Manifest = {}

        def prop(comp: Component, file_name: str) -> None:
            p = store.props(comp, state)
            props.append(
                FileProperty(
                    comp,
                    prefix + file_name,
                    p.id,
                    p.created_by_name,
                    p.created_date,
                    p.last_modified_by_name,
                    p.last_modified_date,
                    store.info.user_id,
                    p.namespace_prefix,
                    p.manageable_state,
                )
            )
            listed.setdefault(comp.type, []).append(comp.full_name)

        for comp in sorted(sel.whole, key=str):
            paths = comps[comp]
            for path in paths:
                files[path] = store.read(path)
            main: str = next((p for p in paths if not p.endswith(types.META)), paths[0])
            mtype = types.get(comp.type)
            if mtype is not None and mtype.adapter in ("bundle",):
                main = f"{mtype.directory}/{comp.full_name}"
            prop(comp, main)
            if mtype is not None and mtype.children:
                for child in sorted(store.children(comp), key=str):
                    prop(child, store.parent_file(comp) or str(main))
        for parent, chosen in sorted(sel.children.items(), key=lambda kv: str(kv[0])):
            ppath = store.parent_file(parent)
            assert ppath is not None
            if parent in sel.whole:
                continue  # the whole file (all children) is already in the zip
            full = safexml.parse(store.read(ppath))
            partial = ET.Element(full.tag)
            ptype = types.get(parent.type)
            assert ptype is not None
            for child, elem in children_in(full, ptype, parent.full_name).items():
                if child in chosen:
                    partial.append(elem)
                    prop(child, ppath)
            files[ppath] = safexml.to_bytes(partial)

    if len(files) > file_limit:  # package.xml is not counted
        return RetrieveOutcome(
            error_code="LIMIT_EXCEEDED",
            error_message=(
                f"LIMIT_EXCEEDED: Too many files in retrieve call, limit is: {file_limit}"
            ),
        )
    if sum(len(d) for d in files.values()) > unzipped_limit:
        return RetrieveOutcome(
            error_code="LIMIT_EXCEEDED",
            error_message=(
                f"LIMIT_EXCEEDED: The retrieved files are over {unzipped_limit} bytes unzipped"
            ),
        )
    if hostile:
        files.update(_hostile_resource())
        listed.setdefault("StaticResource", []).append(HOSTILE_RESOURCE)
    files["package.xml"] = mf.render(listed, api_version)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files):
            zf.writestr(prefix + path, files[path])
        for name, data, link in HOSTILE_ENTRIES if hostile else ():
            info = zipfile.ZipInfo(name if name.startswith("/") else prefix + name)
            if link:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data)
    data = buf.getvalue()
    if zip_limit is not None and len(data) > zip_limit:
        return RetrieveOutcome(
            error_code="LIMIT_EXCEEDED",
            error_message=(
                f"LIMIT_EXCEEDED: The retrieved zip file is {len(data)} bytes, "
                f"over the limit of {zip_limit} bytes"
            ),
        )
    package_prop = FileProperty(
        Component("Package", prefix + "package.xml"),
        prefix + "package.xml",
        "",
        store.info.username,
        store.info.created,
        store.info.username,
        store.info.created,
        store.info.user_id,
    )
    return RetrieveOutcome(data, (*props, package_prop), tuple(messages))
