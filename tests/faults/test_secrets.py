"""Secrets: two envs never share one, and `sfsync ci login` leaves none behind.

- Envs whose CI secret names collide (`int` and `INT`, `dev-1` and `dev_1`: both read
  SFSYNC_AUTH_URL_INT / _DEV_1) are refused by `sfsync config validate` at their line, so
  `ci login --env INT` can no longer log INT's alias in to int's org.
- `ci login` hands the auth URL to `sf` on its standard input: a SIGTERM to the process
  group mid-login (what a CI cancel sends) or a kill -9 leaves no file holding it. The JWT
  key `sf` can only read from a file lives in a 0700 folder and is removed on SIGTERM and
  Ctrl-C. End to end: the real `sf` against sfemu over https.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import processes
from pipeline import SFDX_PROJECT, git
from sfemu.testing import HttpsEmulator, SfCli
from sfsync.__main__ import main

CONFIG = """\
version: 1
environments:
  prod: {org: acme-prod, branch: main}
  int: {org: acme-int, branch: int, upstream: prod}
"""


def project(root: Path, config: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sfsync.yml").write_text(config, encoding="utf-8")
    (root / "sfdx-project.json").write_text(SFDX_PROJECT, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    return root


@pytest.mark.parametrize(
    ("envs", "needle"),
    [
        pytest.param(
            "  INT: {org: acme-int2, branch: int2, upstream: prod}",
            "sfsync.yml:5: environments.INT: its CI secrets would be named like int's "
            "(SFSYNC_AUTH_URL_INT",
            id="case",
        ),
        pytest.param(
            "  dev-1: {org: a, upstream: int}\n  dev_1: {org: b, upstream: int}",
            "sfsync.yml:6: environments.dev_1: its CI secrets would be named like dev-1's "
            "(SFSYNC_AUTH_URL_DEV_1",
            id="dash-underscore",
        ),
        pytest.param(
            "  dev.1: {org: a, upstream: int}\n  DEV-1: {org: b, upstream: int}",
            "sfsync.yml:6: environments.DEV-1: its CI secrets would be named like dev.1's",
            id="dot-dash",
        ),
    ],
)
def test_envs_sharing_a_secret_name_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, envs: str, needle: str
) -> None:
    root = project(tmp_path / "repo", CONFIG + envs + "\n")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SFSYNC_AUTH_URL_INT", "force://PlatformCLI::s3cret@127.0.0.1:1")
    for argv in (["config", "validate"], ["ci", "login", "--env", "INT"]):
        capsys.readouterr()
        code = main([*argv, "--json"])
        out = json.loads(capsys.readouterr().out)
        assert code == 2 and needle in out["message"], (argv, out)
        assert "s3cret" not in json.dumps(out)


# --- no secret left behind ------------------------------------------------------------------


@pytest.fixture
def login_env(tmp_path: Path, sfemu_https: HttpsEmulator) -> Iterator[dict[str, Any]]:
    """A CI runner: a clone with sfsync.yml, sf not logged in, an org in sfemu, a TMPDIR."""
    org = sfemu_https.emulator.create_org("secret-int", sandbox=True)
    runner = SfCli(tmp_path / "runner-home")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {
        **runner.env,
        **sfemu_https.sf_env,
        "TMPDIR": str(tmpdir),
        "SFSYNC_AUTH_URL_INT": org.sfdx_auth_url,
    }
    yield {
        "root": project(tmp_path / "repo", CONFIG),
        "env": env,
        "tmpdir": tmpdir,
        "secret": org.refresh_token,
        "org": org,
        "https": sfemu_https,
    }


def holding(folder: Path, secret: str) -> list[Path]:
    """Files under `folder` whose bytes hold `secret`."""
    found = []
    for path in folder.rglob("*"):
        try:
            if path.is_file() and secret.encode() in path.read_bytes():
                found.append(path)
        except OSError:
            continue
    return found


def start_login(setup: dict[str, Any], *args: str) -> subprocess.Popen[bytes]:
    """`sfsync ci login --env int ARGS` in its own process group, as a CI job runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "sfsync", "ci", "login", "--env", "int", *args, "--json"],
        cwd=setup["root"],
        env=setup["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_for_sf(proc: subprocess.Popen[bytes], needle: str, timeout: float = 60) -> None:
    """Until the `sf org login` child runs (its command line holds `needle`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(needle in p.cmdline for p in processes.descendants(proc.pid)):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"no `{needle}` process under sfsync")


def stop_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    """Send `signum` to the whole group, then make sure nothing of it runs on."""
    below = processes.descendants(proc.pid)
    os.killpg(proc.pid, signum)
    try:
        proc.wait(timeout=30)
    finally:
        left = processes.wait_gone(below, 30)
        processes.kill(left)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    proc.communicate()


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_a_login_stopped_mid_way_leaves_no_file_holding_the_auth_url(
    login_env: dict[str, Any], signum: int
) -> None:
    proc = start_login(login_env)
    wait_for_sf(proc, "sfdx-url")
    stop_group(proc, signum)
    assert proc.returncode == -signum
    assert holding(login_env["tmpdir"], login_env["secret"]) == []
    assert sorted(p.name for p in login_env["tmpdir"].iterdir()) == []
    assert holding(login_env["root"], login_env["secret"]) == []


@pytest.mark.e2e
def test_the_auth_url_reaches_sf_on_standard_input_only(login_env: dict[str, Any]) -> None:
    """Never an argument, never a file: the login works, and no process had it in argv."""
    proc = start_login(login_env)
    seen: list[str] = []
    while proc.poll() is None:
        seen += [p.cmdline for p in processes.descendants(proc.pid)]
        time.sleep(0.05)
    out, err = proc.communicate()
    assert proc.returncode == 0, out + err
    assert json.loads(out)["result"]["logins"][0]["orgId"] == login_env["org"].org_id
    assert any("--sfdx-url-file /dev/stdin" in c for c in seen)
    assert not any(login_env["secret"] in c for c in seen)
    assert sorted(login_env["tmpdir"].iterdir()) == []


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_jwt_key_file_is_private_and_removed_when_stopped(
    login_env: dict[str, Any], signum: int
) -> None:
    key = "-----BEGIN PRIVATE KEY-----\nMIIBs3cretkey\n-----END PRIVATE KEY-----"
    login_env["env"] = {
        **login_env["env"],
        "SFSYNC_JWT_KEY": key,
        "SFSYNC_CLIENT_ID": "3MVG9client",
        "SFSYNC_USERNAME_INT": login_env["org"].username,
        "SFSYNC_INSTANCE_URL_INT": login_env["https"].emulator.url,
    }
    proc = start_login(login_env, "--method", "jwt")
    wait_for_sf(proc, "jwt")
    files = [p for p in login_env["tmpdir"].rglob("*") if p.is_file()]
    assert len(files) == 1 and b"MIIBs3cretkey" in files[0].read_bytes()
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
    if signum == signal.SIGINT:  # Ctrl-C reaches the foreground group: sfsync and sf
        stop_group(proc, signum)
    else:
        stop_group(proc, signum)
        assert proc.returncode == -signal.SIGTERM
    assert holding(login_env["tmpdir"], "MIIBs3cretkey") == []
    assert sorted(login_env["tmpdir"].iterdir()) == []


def test_sfsync_init_never_proposes_envs_sharing_a_secret() -> None:
    """The sibling in `sfsync init`: sandbox aliases `dev-1`, `dev_1`, `DEV.1` and a
    300-character one become env names that validate and share no secret name."""
    from sfsync.pipeline import config_validation, init
    from sfsync.pipeline.configfile import secret_key

    aliases = ["dev-1", "dev_1", "DEV.1", "x" * 300]
    orgs = [init.KnownOrg("admin@acme.com", "prod")] + [
        init.KnownOrg(f"u{i}@acme.com.sb", alias, sandbox=True) for i, alias in enumerate(aliases)
    ]
    proposal = init.propose(orgs, ["main"])
    names = [e.name for e in proposal.envs]
    assert len(names) == 5
    assert len({secret_key(n) for n in names}) == 5, names
    assert [config_validation.env_name_problem(n) for n in names] == [None] * 5


def test_json_output_redacts_a_secret_before_a_quote_and_stays_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--json` redacted its serialized text: `force://...@host"` took the backslash of the
    escaped quote with it and the output was no JSON at all (seen when sf echoed an auth URL
    in an error)."""
    from sfsync.cli.output import print_json

    secret = "force://PlatformCLI::5Aep861tok3n@127.0.0.1:8443"
    print_json(
        {
            "status": 3,
            "message": f'sf said: invalid URL "{secret}" (quoted)',
            "data": {"urls": [f'"{secret}"'], f"key {secret}": 1},
        }
    )
    out = capsys.readouterr().out
    parsed = json.loads(out)
    assert "5Aep861tok3n" not in out
    assert parsed["message"].startswith('sf said: invalid URL "force://<redacted>')
