from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sfemu import open_root
from sfemu.cli import main
from sfemu.testing import HttpsEmulator, SfCli


def test_create_org_and_arm_a_fault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-org", "--root", str(tmp_path), "dev1", "--sandbox"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "dev1" and info["sandbox"] is True and "!" in info["accessToken"]
    argv = ["fault", "--root", str(tmp_path), "dev1", "component_error",
            "--component", "ApexClass:Foo", "--problem", "Boom"]  # fmt: skip
    assert main(argv) == 0
    (fault,) = open_root(tmp_path)["dev1"].faults()
    assert (fault.kind, fault.operation, fault.component) == (
        "component_error",
        "deploy",
        "ApexClass:Foo",
    )


def test_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deployments", "--root", str(tmp_path), "ghost"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sfemu: no org named 'ghost'") and err.count("\n") == 1
    main(["create-org", "--root", str(tmp_path), "dev1"])
    assert main(["fault", "--root", str(tmp_path), "dev1", "component_error"]) == 2


def test_serve_prints_its_url_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfemu", "serve", "--root", str(tmp_path), "--org", "dev1:sandbox"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/services/data", timeout=5) as resp:
            assert resp.status == 200
        # the back door and faults from this process reach the server in the other one
        dev1 = open_root(tmp_path)["dev1"]
        dev1.http_500("rest")
        req = urllib.request.Request(url + "/services/oauth2/userinfo")
        req.add_header("Authorization", f"Bearer {dev1.info.access_token}")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 500
        with urllib.request.urlopen(req, timeout=5) as resp:  # the fault fired once
            assert json.loads(resp.read())["organization_id"] == dev1.info.org_id
        assert "GET /services/oauth2/userinfo fault=http_500" in (
            (tmp_path / "requests.log").read_text()
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sfemu", "--version"], capture_output=True, text=True, check=False
    )
    from sfsync import __version__

    assert proc.returncode == 0 and proc.stdout == f"sfemu {__version__}\n"


def test_every_option_says_what_it_is_for() -> None:
    import argparse

    from sfemu.cli import _parser

    parser = _parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, sub in commands.choices.items():
        for action in sub._actions:
            assert action.help, f"sfemu {name} {'/'.join(action.option_strings) or action.dest}"
        text = sub.format_help()
        assert f"  sfemu {name} --root .sfemu" in text  # the example, on a line of its own


def test_serve_models_a_newer_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--api-version 66.0`: the orgs list 66.0 (what RunRelevantTests needs); a version that
    is not one is a usage error."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfemu", "serve", "--root", str(tmp_path), "--api-version", "66.0"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        with urllib.request.urlopen(url + "/services/data", timeout=5) as resp:
            versions = [v["version"] for v in json.loads(resp.read())]
        assert versions[-1] == "66.0"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--root", str(tmp_path), "--api-version", "66.5"])
    assert exited.value.code == 2
    assert "'66.5' is not an API version: write one like 66.0" in capsys.readouterr().err


@pytest.mark.e2e
def test_create_org_prints_the_sfdx_url_the_real_sf_logs_in_with(
    sfemu_https: HttpsEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On https, create-org prints sfdxAuthUrl: before, a shell user built it by hand from
    refreshToken and instanceUrl (the Python API had it as Org.sfdx_auth_url)."""
    root = sfemu_https.emulator.root.path
    assert main(["create-org", "--root", str(root), "cli-url", "--sandbox"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["sfdxAuthUrl"] == sfemu_https.emulator.create_org("cli-url").sfdx_auth_url
    url = tmp_path / "auth.url"
    url.write_text(info["sfdxAuthUrl"], encoding="utf-8")
    sf = SfCli(tmp_path / "home")
    run = sf.run("org", "login", "sfdx-url", "--sfdx-url-file", str(url), "--alias", "cli-url",
                 env=sfemu_https.sf_env)  # fmt: skip
    assert run.exit_code == 0, run.stdout
    assert run.result["username"] == info["username"]
    # without a server on https (here: none running) there is no URL sf could use
    assert main(["create-org", "--root", str(tmp_path / "plain"), "dev1"]) == 0
    assert "sfdxAuthUrl" not in json.loads(capsys.readouterr().out)
