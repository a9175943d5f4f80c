"""pytest fixtures: a running emulator and orgs logged in with the real ``sf`` CLI.

Register with ``pytest_plugins = ["sfemu.testing"]`` in a conftest.py. Fixtures:

- ``sfemu`` (session): a running :class:`~sfemu.OrgEmulator` in a temp root.
- ``sf_cli`` (session): an :class:`SfCli` whose HOME is one temp folder for the whole session,
  so each org is logged in once and every test reuses the login.
- ``sfemu_login`` (session): ``sfemu_login("dev1", sandbox=True)`` creates the org (once) and
  logs ``sf`` in to it with alias ``dev1``; returns a :class:`LoggedInOrg`.
- ``sfemu_scratch_org`` (function): an org emptied for this test (login shared by all tests).
- ``sf_home`` (function): points HOME (and XDG folders) at the session's sf home for one test,
  so code under test that runs ``sf`` itself sees the logins.
- ``sfemu_https`` (session): a second emulator serving https with a certificate from a test
  CA (``trustme``, a development dependency), for ``sf org login sfdx-url``, which only talks
  https; ``sf`` trusts the CA through ``NODE_EXTRA_CA_CERTS`` (``HttpsEmulator.sf_env``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sfemu.emulator import Org, OrgEmulator, OrgHandle
from sfemu.sfcli import SF_ENV, SfCli, SfRun, find_sf, sf_environment, write_project

__all__ = [
    "SF_ENV",
    "HttpsEmulator",
    "LoggedInOrg",
    "SfCli",
    "SfRun",
    "find_sf",
    "sf_environment",
    "write_project",
]


@dataclass(frozen=True)
class LoggedInOrg:
    """An emulated org that ``sf`` knows under ``alias``."""

    alias: str
    org: Org
    handle: OrgHandle


@pytest.fixture(scope="session")
def sfemu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgEmulator]:
    """A running emulator for the test session (one root, one port)."""
    # deploys finish on their first status poll (each poll costs sf a second); tests of
    # progress arm org.stay_in_progress(polls)
    emu = OrgEmulator(tmp_path_factory.mktemp("sfemu-root"), progress_polls=0)
    with emu:
        yield emu


@dataclass(frozen=True)
class HttpsEmulator:
    """A running emulator that serves https, and the CA file ``sf`` must trust."""

    emulator: OrgEmulator
    ca_file: Path

    @property
    def sf_env(self) -> dict[str, str]:
        """What ``sf`` needs in its environment to trust the emulator's certificate."""
        return {"NODE_EXTRA_CA_CERTS": str(self.ca_file)}


@pytest.fixture(scope="session")
def sfemu_https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsEmulator]:
    """An emulator on https://127.0.0.1 with a test CA's certificate (for sfdx-url logins)."""
    import ssl

    import trustme

    folder = tmp_path_factory.mktemp("sfemu-https")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with OrgEmulator(folder / "root", progress_polls=0, tls=context) as emu:
        yield HttpsEmulator(emu, ca_file)


@pytest.fixture(scope="session")
def sf_cli(tmp_path_factory: pytest.TempPathFactory) -> SfCli:
    """The real sf CLI with one HOME for the session (logins are made once and reused)."""
    try:
        return SfCli(tmp_path_factory.mktemp("sf-home"))
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def sfemu_login(sfemu: OrgEmulator, sf_cli: SfCli) -> Callable[..., LoggedInOrg]:
    """``sfemu_login(name, sandbox=True, alias=None)``: create the org and log sf in, once."""
    done: dict[str, LoggedInOrg] = {}
    lock = threading.Lock()

    def login(name: str, sandbox: bool = True, alias: str | None = None) -> LoggedInOrg:
        with lock:
            key = alias or name
            if key not in done:
                org = sfemu.create_org(name, sandbox=sandbox)
                sf_cli.login(org, key)
                done[key] = LoggedInOrg(key, org, sfemu.org(name))
            return done[key]

    return login


@pytest.fixture
def sfemu_scratch_org(sfemu_login: Callable[..., LoggedInOrg]) -> LoggedInOrg:
    """An empty org (alias ``scratch``) for one test; the login is shared, the org is reset."""
    org = sfemu_login("scratch", sandbox=True)
    org.handle.reset()
    return org


@pytest.fixture
def sf_home(sf_cli: SfCli, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME, XDG folders and PATH at the session's sf environment for this test."""
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(key, sf_cli.env[key])
    monkeypatch.setenv("PATH", sf_cli.env["PATH"])
    for key, value in SF_ENV.items():
        monkeypatch.setenv(key, value)
    return sf_cli.home
