"""The Python API: ``with OrgEmulator(root) as emu: org = emu.create_org("dev1", sandbox=True)``."""

from __future__ import annotations

import shutil
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sfemu import faults as ft
from sfemu import types
from sfemu.faults import Fault
from sfemu.jobs import Settings
from sfemu.server import EmulatorHTTPServer, serve
from sfemu.store import ADMIN_NAME, OrgInfo, OrgStore, Root, StoreError, now_iso
from sfemu.types import Component

List = list  # OrgHandle.list() shadows the builtin inside the class body


@dataclass(frozen=True)
class Org:
    """What ``sf org login access-token`` (or ``sfdx-url``) needs to log in to an emulated org."""

    name: str
    instance_url: str
    access_token: str
    org_id: str
    username: str
    sandbox: bool
    refresh_token: str = ""

    @property
    def sfdx_auth_url(self) -> str:
        """``force://PlatformCLI::<refresh token>@127.0.0.1:PORT`` for `sf org login sfdx-url`
        (the CLI always adds https://: serve with ``tls``)."""
        host = self.instance_url.split("://", 1)[-1]
        return f"force://PlatformCLI::{self.refresh_token}@{host}"


class OrgHandle:
    """The back door to one org: change it as an admin in Setup would, arm faults, read records.

    Works on the org's folder directly, so it also works while the server runs in another
    process (everything goes through the org's file lock).
    """

    def __init__(self, store: OrgStore) -> None:
        self._store = store

    @property
    def info(self) -> OrgInfo:
        """The org's ids, username and token."""
        return self._store.info

    # ----- metadata ---------------------------------------------------------------------------

    def put(
        self, path: str, content: bytes | str, by: str = ADMIN_NAME, when: str | None = None
    ) -> Component:
        """Write one file (Metadata API path, ``classes/Foo.cls``) as user ``by``.

        The owning component's lastModifiedByName/Date become ``by`` and ``when`` (now).
        """
        self.put_many({path: content}, by=by, when=when)
        comp = types.component_of(path)
        assert comp is not None
        return comp

    def put_many(
        self, files: dict[str, bytes | str], by: str = ADMIN_NAME, when: str | None = None
    ) -> None:
        """Write many files at once (one lock, one state write), as user ``by``.

        Like an edit in Setup, only what changed gets ``by`` and ``when`` (now) as its
        lastModifiedByName/Date: for an object file, the children (fields, ...) that are new
        or changed and the object itself when its own settings changed.
        """
        when = when or now_iso()
        owners: dict[Component, list[str]] = {}
        for path in files:
            comp = types.component_of(path)
            if comp is None:
                raise StoreError(f"{path}: no metadata type lives at this path")
            if not types.is_modelled(comp.type):
                raise StoreError(f"{path}: sfemu does not model {comp.type}")
            owners.setdefault(comp, []).append(path)
        with self._store.locked():
            state = self._store.state()
            for comp, paths in owners.items():
                before = self._store.snapshot_children(comp)
                for path in paths:
                    content = files[path]
                    data = content.encode("utf-8") if isinstance(content, str) else content
                    self._store.put_files({path: data})
                self._store.record_write(state, comp, before, by, when)
            self._store.save_state(state)

    def install_package(
        self,
        namespace: str,
        files: dict[str, bytes | str],
        manageable_state: str = "installed",
        by: str = ADMIN_NAME,
    ) -> List[str]:
        """Install a managed package: its files land in the org as components of ``namespace``.

        listMetadata and retrieve report them with ``namespacePrefix`` and ``manageableState``
        (``installed`` by default; ``beta``, ``released``... as the ManageableState
        enumeration of the Metadata API has them), and a deploy that changes one is refused as
        the platform refuses it. Returns the components, children included.
        """
        if not namespace.isidentifier():
            raise StoreError(f"invalid namespace prefix {namespace!r}")
        self.put_many(files, by=by)
        tops = {types.component_of(p) for p in files} - {None}
        with self._store.locked():
            state = self._store.state()
            marked: list[str] = []
            for comp in sorted((c for c in tops if c is not None), key=str):
                for member in [comp, *self._store.children(comp)]:
                    self._store.mark_managed(state, member, namespace, manageable_state)
                    marked.append(str(member))
            self._store.save_state(state)
        return marked

    def delete(self, component: str) -> bool:
        """Delete a component (``ApexClass:Foo``, ``CustomField:Account.X__c``) or a file path."""
        with self._store.locked():
            if ":" in component:
                type_name, _, name = component.partition(":")
                comp = Component(type_name, name)
                removed = self._store.remove_component(comp)
            else:
                removed = self._store.exists(component)
                self._store.remove_file(component)
                comp = types.component_of(component) or Component("", component)
            if removed:
                state = self._store.state()
                if comp not in self._store.components():
                    self._store.forget(state, comp)
                self._store.save_state(state)
            return removed

    def read(self, path: str) -> bytes:
        """The bytes of one file."""
        return self._store.read(path)

    def read_text(self, path: str) -> str:
        """One file as UTF-8 text."""
        return self.read(path).decode("utf-8")

    def exists(self, path: str) -> bool:
        """True when the file exists."""
        return self._store.exists(path)

    def list(self) -> list[str]:
        """Every file path in the org, sorted."""
        return self._store.files()

    def components(self) -> List[str]:
        """Every component (``Type:Name``, children included), sorted."""
        return sorted(str(c) for c in self._store.all_components())

    def properties(self, component: str) -> dict[str, str]:
        """Who created and last modified a component, and when."""
        type_name, _, name = component.partition(":")
        p = self._store.props(Component(type_name, name))
        return {
            "id": p.id,
            "createdByName": p.created_by_name,
            "createdDate": p.created_date,
            "lastModifiedByName": p.last_modified_by_name,
            "lastModifiedDate": p.last_modified_date,
            "namespacePrefix": p.namespace_prefix,
            "manageableState": p.manageable_state,
        }

    def reset(self) -> None:
        """Empty the org: no metadata, no recorded deployments, no armed faults."""
        with self._store.locked():
            shutil.rmtree(self._store.metadata)
            self._store.metadata.mkdir()
            self._store.changed()
            self._store.save_state({"props": {}, "deployments": []})
        ft.clear(self._store)

    def deployments(self) -> List[dict[str, Any]]:
        """Every finished deploy, oldest first: id, status, options, deployed, deleted, failed."""
        return list(self._store.state()["deployments"])

    # ----- faults -----------------------------------------------------------------------------

    def fail_next_deploy(self, component: str, problem: str, line: int | None = None) -> None:
        """The next deploy fails with ``problem`` on ``component`` (``ApexClass:Foo``)."""
        ft.arm(
            self._store,
            Fault("component_error", "deploy", component=component, problem=problem, line=line),
        )

    def fail_next_tests(self, test_class: str, message: str) -> None:
        """The next deploy that runs tests fails: ``test_class`` fails with ``message``."""
        ft.arm(self._store, Fault("test_failure", "deploy", component=test_class, problem=message))

    def drop_connection(self, operation: str = "checkDeployStatus", times: int = 1) -> None:
        """Close the connection without answering the next ``operation`` call(s)."""
        ft.arm(self._store, Fault("drop_connection", operation, times))

    def run_no_relevant_tests(self) -> None:
        """The next RunRelevantTests deploy runs no test (the beta's known failure)."""
        ft.arm(self._store, Fault("no_relevant_tests", "deploy"))

    def stay_in_progress(self, polls: int) -> None:
        """The next deploy answers InProgress for ``polls`` more polls."""
        ft.arm(self._store, Fault("stay_in_progress", "deploy", polls=polls))

    def request_limit(self, operation: str = "*", times: int = 1, after: int = 0) -> None:
        """Answer REQUEST_LIMIT_EXCEEDED to the next ``operation`` call(s) (after ``after``)."""
        ft.arm(self._store, Fault("request_limit", operation, times, after=after))

    def http_500(self, operation: str = "*", times: int = 1, after: int = 0) -> None:
        """Answer HTTP 500 to the next ``operation`` call(s) (after ``after`` go through)."""
        ft.arm(self._store, Fault("http_500", operation, times, after=after))

    def hostile_zip(self) -> None:
        """The next retrieve's zip tries to write outside its folder (zip-slip, symlink)."""
        ft.arm(self._store, Fault("hostile_zip", "retrieve"))

    def faults(self) -> List[Fault]:
        """Faults still armed."""
        return ft.pending(self._store)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        ft.clear(self._store)


class OrgEmulator:
    """A running emulator serving every org under ``root`` on 127.0.0.1.

    ``progress_polls``: how many status polls a deploy answers InProgress before finishing;
    ``zip_limit`` and ``retrieve_file_limit`` lower Salesforce's limits for tests;
    ``tls``: a server-side ``ssl.SSLContext`` to serve https (`sf org login sfdx-url` only
    talks https; ``sf`` must trust the certificate, e.g. through ``NODE_EXTRA_CA_CERTS``);
    ``newest_api``: the newest API version served (66: Spring '26, RunRelevantTests).
    """

    def __init__(
        self,
        root: Path | str,
        port: int = 0,
        progress_polls: int = 1,
        zip_limit: int | None = None,
        retrieve_file_limit: int | None = None,
        tls: ssl.SSLContext | None = None,
        newest_api: int | None = None,
    ) -> None:
        self.root = Root(root)
        self._tls = tls
        settings = Settings(progress_polls=progress_polls)
        if zip_limit is not None:
            settings.zip_limit = zip_limit
        if retrieve_file_limit is not None:
            settings.retrieve_file_limit = retrieve_file_limit
        if newest_api is not None:
            settings.newest_api = newest_api
        self._settings = settings
        self._port = port
        self._httpd: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def settings(self) -> Settings:
        """Limits and progress speed (may be changed while running)."""
        return self._settings

    @property
    def url(self) -> str:
        """The instance URL of every org (``http://127.0.0.1:PORT``, https with ``tls``)."""
        if self._httpd is None:
            raise RuntimeError("the emulator is not running: call start() or use `with`")
        return self._httpd.emulator.url

    def start(self) -> OrgEmulator:
        """Start serving in a background thread."""
        if self._httpd is None:
            self._httpd = serve(self.root, self._port, self._settings, tls=self._tls)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, args=(0.05,), name="sfemu", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (the orgs stay on disk)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
            (self.root.path / "server.json").unlink(missing_ok=True)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> OrgEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def create_org(self, name: str, sandbox: bool = False) -> Org:
        """Create an org (or return the existing one) and say how to log in to it."""
        info = self.root.create_org(name, sandbox)
        return self._org(info)

    def orgs(self) -> list[Org]:
        """Every org."""
        return [self._org(i) for i in self.root.orgs().values()]

    def _org(self, info: OrgInfo) -> Org:
        return Org(
            info.name,
            self.url,
            info.access_token,
            info.org_id,
            info.username,
            info.sandbox,
            info.refresh_token,
        )

    def org(self, name: str) -> OrgHandle:
        """The back door to org ``name``."""
        return OrgHandle(self.root.store(name))


def open_root(root: Path | str) -> dict[str, OrgHandle]:
    """Back-door handles for every org under ``root``, without starting a server.

    Use this from a process other than the one running ``sfemu serve``.
    """
    r = Root(root)
    return {name: OrgHandle(r.store(name)) for name in r.orgs()}
