"""Logging `sf` in to an env's org in CI, from secrets in environment variables.

Two ways, by what the variables hold (`<KEY>` is the env's name upper-cased, other
characters as `_`: dev-1 -> DEV_1; when one env is logged in, the names without the suffix
are read too, which is what a CI matrix leg sets):

- sfdx auth URL: `SFSYNC_AUTH_URL_<KEY>` = `force://<client id>:<secret>:<refresh token>@<host>`
  (from `sf org display --verbose --json`, `result.sfdxAuthUrl`) -> `sf org login sfdx-url`;
- JWT: `SFSYNC_JWT_KEY` (the private key, PEM) or `SFSYNC_JWT_KEY_FILE`, `SFSYNC_CLIENT_ID_<KEY>`
  (or `SFSYNC_CLIENT_ID`), `SFSYNC_USERNAME_<KEY>`, optionally `SFSYNC_INSTANCE_URL_<KEY>`
  (default: login.salesforce.com for the top env, test.salesforce.com for sandboxes)
  -> `sf org login jwt`.

The auth URL goes to `sf` on its standard input (`--sfdx-url-stdin`): never an argument,
never a file. `sf org login jwt` reads the private key only from a file (`--jwt-key-file`);
that file lives in a folder only this user can enter (0700, the file 0600) and is removed
when the login ends, also when sfsync is stopped by SIGTERM (what a CI cancel sends to the
process group), SIGHUP or Ctrl-C; only a kill -9 can leave it. Nothing is printed (the alias
is the env's `org:` in sfsync.yml).

    done = login.login(env, environ=os.environ, single=True, production=False)
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from sfsync.errors import UsageError
from sfsync.org import sf
from sfsync.pipeline.config import Environment

METHODS = ("auto", "sfdx-url", "jwt")
PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"


@dataclass(frozen=True)
class LoggedIn:
    """One org `sf` is now logged in to."""

    env: str
    org: str
    method: str
    variable: str
    """The variable the secret came from (its name, never its value)."""
    username: str
    org_id: str

    def to_json(self) -> dict[str, str]:
        """As `--json` shows it."""
        return {
            "env": self.env,
            "org": self.org,
            "method": self.method,
            "from": self.variable,
            "username": self.username,
            "orgId": self.org_id,
        }


def login(
    env: Environment,
    *,
    environ: Mapping[str, str],
    single: bool,
    production: bool,
    method: str = "auto",
) -> LoggedIn:
    """Log `sf` in to `env`'s org (alias = its `org:`) from the secrets in `environ`."""
    if method not in METHODS:
        raise UsageError(f"--method {method}: use one of {', '.join(METHODS)}")
    names = _Names(env.secret_key, environ, single)
    url_var = names.find("SFSYNC_AUTH_URL")
    if method == "sfdx-url" or (method == "auto" and url_var is not None):
        if url_var is None:
            raise UsageError(f"{names.wanted('SFSYNC_AUTH_URL')} is not set: {_URL_HINT}")
        return _sfdx_url(env, url_var, environ[url_var])
    client_var = names.find("SFSYNC_CLIENT_ID", shared=True)
    user_var = names.find("SFSYNC_USERNAME")
    key_var = names.find("SFSYNC_JWT_KEY", shared=True) or names.find(
        "SFSYNC_JWT_KEY_FILE", shared=True
    )
    if client_var is None or user_var is None or key_var is None:
        if method == "jwt":
            missing = [
                names.wanted(base, shared=base != "SFSYNC_USERNAME")
                for base, var in (
                    ("SFSYNC_CLIENT_ID", client_var),
                    ("SFSYNC_USERNAME", user_var),
                    ("SFSYNC_JWT_KEY", key_var),
                )
                if var is None
            ]
            raise UsageError(f"{env.name}: {', '.join(missing)} not set, for `sf org login jwt`")
        raise UsageError(
            f"no login secret for {env.name}: set {names.wanted('SFSYNC_AUTH_URL')} "
            f"({_URL_HINT}), or {names.wanted('SFSYNC_CLIENT_ID', shared=True)}, "
            f"{names.wanted('SFSYNC_USERNAME')} and SFSYNC_JWT_KEY for a JWT login"
        )
    instance_var = names.find("SFSYNC_INSTANCE_URL")
    instance = environ[instance_var] if instance_var else None
    instance = instance or (PRODUCTION_LOGIN if production else SANDBOX_LOGIN)
    with _secret_file(environ[key_var], is_path=key_var.endswith("_FILE")) as key_file:
        info = sf.login_jwt(
            env.org,
            username=environ[user_var].strip(),
            client_id=environ[client_var].strip(),
            key_file=key_file,
            instance_url=instance.strip(),
        )
    return LoggedIn(env.name, env.org, "jwt", user_var, info.username, info.org_id)


_URL_HINT = (
    "its value is the org's sfdx auth URL, `result.sfdxAuthUrl` of "
    "`sf org display --verbose --json --target-org <org>`"
)


class _Names:
    """Which variable holds a secret: `<BASE>_<KEY>`, else `<BASE>` for one env (or shared)."""

    def __init__(self, key: str, environ: Mapping[str, str], single: bool) -> None:
        self.key = key
        self.environ = environ
        self.single = single

    def find(self, base: str, *, shared: bool = False) -> str | None:
        for name in (f"{base}_{self.key}", base):
            if name == base and not (self.single or shared):
                continue
            if self.environ.get(name, "").strip():
                return name
        return None

    def wanted(self, base: str, *, shared: bool = False) -> str:
        return f"{base}_{self.key}" + (f" (or {base})" if self.single or shared else "")


def _sfdx_url(env: Environment, variable: str, value: str) -> LoggedIn:
    value = value.strip()
    if not value.startswith("force://"):
        raise UsageError(f"{variable} does not hold an sfdx auth URL (force://...): {_URL_HINT}")
    info = sf.login_sfdx_url(env.org, value)
    return LoggedIn(env.name, env.org, "sfdx-url", variable, info.username, info.org_id)


@contextmanager
def _secret_file(value: str, *, is_path: bool) -> Iterator[Path]:
    """`value` in a file only this user can read, in a folder only this user can enter,
    removed afterwards and on SIGTERM, SIGHUP and SIGINT; or `value` as a path when the
    variable names a file (the user's own: left alone)."""
    if is_path:
        path = Path(value.strip())
        if not path.is_file():
            raise UsageError(f"SFSYNC_JWT_KEY_FILE: {path} is not a file")
        yield path
        return
    with _removed_on_signal() as folders:
        folder = Path(tempfile.mkdtemp(prefix="sfsync-secret-"))  # 0700
        folders.append(folder)
        name = folder / "key"
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value if value.endswith("\n") else value + "\n")
        yield name


class _Stopped(BaseException):
    """A signal arrived while a secret was on disk: clean up, then die of it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _removed_on_signal() -> Iterator[list[Path]]:
    """The folders appended to the yielded list are removed when the block ends, and when
    SIGTERM, SIGHUP or SIGINT arrive (then the process ends by that signal, as it would
    have)."""
    folders: list[Path] = []
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():

        def stop(signum: int, frame: FrameType | None) -> None:
            raise _Stopped(signum)

        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            previous[int(sig)] = signal.signal(sig, stop)
    stopped: _Stopped | None = None
    try:
        yield folders
    except _Stopped as exc:
        stopped = exc
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
    if stopped is not None:
        if stopped.signum == signal.SIGINT:
            raise KeyboardInterrupt
        signal.raise_signal(stopped.signum)
