"""The only module that runs the Salesforce CLI (`sf`), always through `sh` and with `--json`.

Public API (every function takes the org's alias or username as `sf` knows it):

- `org_display(org) -> OrgInfo`: id, username, instance URL (never the access token).
- `org_list() -> tuple[KnownOrg, ...]`: the orgs `sf` is logged in to (for `sfsync init`).
- `login_sfdx_url(alias, url_file)`, `login_jwt(alias, username=, client_id=, key_file=,
  instance_url=) -> OrgInfo`: CI logins; the secret goes through a file, never an argument.
- `retrieve(org, manifest, out_dir) -> Retrieved`: the manifest's components in source
  format under `out_dir` (made an sfdx project when it is not one), with who changed each
  component and when; members the org does not have are listed in `missing`.
- `deploy(org, project_dir, manifest, post_destructive=None, test_level=None, tests=(),
  check_only=False, wait=DEFAULT_WAIT, on_progress=None) -> Deployed`: a manifest deploy
  from `project_dir`. With `on_progress` the deploy runs `--async` and is polled with
  `deploy report` at most every `POLL_SECONDS` (a progress bar at a terminal, a progress line
  in a CI log); without it, one `sf` call waits for the end.
  A job still running when `sf` gives up waiting (exit 69) or whose connection dropped
  (exit 10) is resumed with `deploy resume`.
- `deploy_report(org, job_id)`, `deploy_resume(org, job_id, wait)`, `deploy_cancel(org,
  job_id)`: the job-id commands.
- `invocations() -> int`: how many `sf` processes this thread started (for measurements;
  the deploy steps of parallel sandboxes run in threads of their own).

Failures become sfsync errors that name the org and the next step: `DeployFailed` (exit 1,
the org refused: component and test errors in `.failures`), `SfError` (exit 3: a connection,
limit, login or CLI failure). `sf` prints no access token with `--json`; every message is
still passed through `redact`.

What the answers mean (the result types, the errors, the failure lists) is
`sfsync.org.answers`; its public names are importable from here too.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sh

from sfsync.errors import ExecutableNotFound, UsageError, redact
from sfsync.org.answers import (
    EXIT_PARTIAL,
    Deployed,
    DeployFailed,
    Failure,
    FileProperties,
    OrgInfo,
    Progress,
    Retrieved,
    SfError,
)
from sfsync.org.answers import Run as _Run
from sfsync.org.answers import deployed as _deployed
from sfsync.org.answers import job_id as _job_id
from sfsync.org.answers import known_orgs as _known_orgs
from sfsync.org.answers import org_info as _org_info
from sfsync.org.answers import parse as _parse
from sfsync.org.answers import progress as _progress
from sfsync.org.answers import retrieved as _retrieved
from sfsync.org.answers import thrown as _thrown
from sfsync.org.answers import truthy as _truthy
from sfsync.pipeline.init import KnownOrg

__all__ = [
    "DEFAULT_WAIT",
    "EXIT_CONNECTION",
    "EXIT_IN_PROGRESS",
    "EXIT_PARTIAL",
    "SF_ENV_DEFAULTS",
    "TEST_LEVELS",
    "DeployFailed",
    "Deployed",
    "Failure",
    "FileProperties",
    "OrgInfo",
    "Progress",
    "Retrieved",
    "SfError",
    "deploy",
    "deploy_cancel",
    "deploy_report",
    "deploy_resume",
    "invocations",
    "login_jwt",
    "login_sfdx_url",
    "org_display",
    "org_list",
    "retrieve",
    "version",
]

SF_ENV_DEFAULTS = {
    "SF_DISABLE_TELEMETRY": "true",
    "SF_AUTOUPDATE_DISABLE": "true",
    "SF_SKIP_NEW_VERSION_CHECK": "true",
}
DEFAULT_WAIT = 60  # minutes `sf` waits for a deploy or retrieve
EXIT_IN_PROGRESS = 69
EXIT_CONNECTION = 10
TEST_LEVELS = ("NoTestRun", "RunSpecifiedTests", "RunLocalTests", "RunAllTestsInOrg")
_RESUMES = 3  # a dropped connection is resumed at most this many times
POLL_SECONDS = 5.0  # at least this long between two `deploy report` polls

_counter = threading.local()


def invocations() -> int:
    """How many `sf` processes the calling thread has started."""
    return int(getattr(_counter, "count", 0))


def version() -> str:
    """`sf --version`, first line."""
    text = str(_sf()("--version", _env=_env(), _timeout=60))
    return text.strip().splitlines()[0] if text.strip() else "unknown"


def org_list() -> tuple[KnownOrg, ...]:
    """The orgs `sf` is logged in to (`sf org list`, without pinging them)."""
    run = _call(("org", "list", "--skip-connection-status"), org="(all)", what="list the orgs")
    return _known_orgs(run)


def login_sfdx_url(alias: str, url_file: Path) -> OrgInfo:
    """`sf org login sfdx-url` from a file holding the auth URL (never on the command line)."""
    args = ("org", "login", "sfdx-url", "--sfdx-url-file", str(url_file), "--alias", alias)
    return _org_info(_call(args, org=alias, what="log in"), alias, what="log in")


def login_jwt(
    alias: str, *, username: str, client_id: str, key_file: Path, instance_url: str
) -> OrgInfo:
    """`sf org login jwt` with a connected app's consumer key and the private key in a file."""
    args = (
        "org", "login", "jwt", "--username", username, "--client-id", client_id,
        "--jwt-key-file", str(key_file), "--instance-url", instance_url, "--alias", alias,
    )  # fmt: skip
    return _org_info(_call(args, org=alias, what="log in"), alias, what="log in")


def org_display(org: str) -> OrgInfo:
    """The org's id, username and instance URL (`sf org display`; no token is kept)."""
    run = _call(("org", "display", "--target-org", org), org=org, what="read the org")
    return _org_info(run, org)


def retrieve(
    org: str, manifest: Path, out_dir: Path, *, api_version: str | None = None
) -> Retrieved:
    """Retrieve the manifest's components from `org` into the project folder `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (out_dir / "sfdx-project.json").exists():
        project: dict[str, Any] = {"packageDirectories": [{"path": "force-app", "default": True}]}
        if api_version:
            project["sourceApiVersion"] = api_version
        (out_dir / "sfdx-project.json").write_text(json.dumps(project, indent=2) + "\n")
        (out_dir / "force-app").mkdir(exist_ok=True)
    args = (
        "project",
        "retrieve",
        "start",
        "--target-org",
        org,
        "--manifest",
        str(manifest),
        "--ignore-conflicts",
        "--wait",
        str(DEFAULT_WAIT),
    )
    run = _call(args, org=org, what="retrieve", cwd=out_dir)
    return _retrieved(run, org, out_dir)


def deploy(
    org: str,
    project_dir: Path,
    manifest: Path,
    post_destructive: Path | None = None,
    test_level: str | None = None,
    tests: Sequence[str] = (),
    check_only: bool = False,
    wait: int = DEFAULT_WAIT,
    on_progress: Callable[[Progress], None] | None = None,
) -> Deployed:
    """Deploy the manifest's components from `project_dir` to `org` (see the module doc)."""
    if test_level is not None and test_level not in TEST_LEVELS:
        raise UsageError(f"test level '{test_level}' is not one of {', '.join(TEST_LEVELS)}")
    if tests and test_level not in (None, "RunSpecifiedTests"):
        raise UsageError("--tests needs --test-level RunSpecifiedTests (or no --test-level)")
    if tests:
        test_level = "RunSpecifiedTests"
    args = ["project", "deploy", "start", "--target-org", org, "--manifest", str(manifest)]
    if post_destructive is not None:
        args += ["--post-destructive-changes", str(post_destructive)]
    if test_level:
        args += ["--test-level", test_level]
    for test in tests:
        args += ["--tests", test]
    if check_only:
        args.append("--dry-run")
    args.append("--ignore-conflicts")
    if on_progress is None:
        run = _call((*args, "--wait", str(wait)), org=org, what="deploy", cwd=project_dir)
        return _finish(run, org, project_dir, check_only, wait)
    started = _call((*args, "--async"), org=org, what="deploy", cwd=project_dir)
    job_id = started.result.get("id") if started.exit_code == 0 else None
    if not job_id:
        return _finish(started, org, project_dir, check_only, wait)
    try:
        while True:
            asked = time.monotonic()
            report = deploy_report(org, str(job_id), cwd=project_dir)
            result = report.result
            on_progress(_progress(result))
            if _truthy(result.get("done")) or report.exit_code not in (0, EXIT_IN_PROGRESS):
                return _finish(report, org, project_dir, check_only, wait)
            # `sf` start-up already takes a second or two; poll no more often than this
            time.sleep(max(0.0, POLL_SECONDS - (time.monotonic() - asked)))
    except KeyboardInterrupt:
        # the job would go on in the org: stop it, so nothing lands that sfsync did not record
        deploy_cancel(org, str(job_id), cwd=project_dir)
        raise


def deploy_report(org: str, job_id: str, *, cwd: Path | None = None) -> _Run:
    """`sf project deploy report`: the job's current status (raises only when sf cannot say)."""
    args = ("project", "deploy", "report", "--job-id", job_id, "--target-org", org)
    run = _call(args, org=org, what="report on deploy", cwd=cwd)
    if "result" not in run.data:
        raise _thrown(run, org, f"report on deploy {job_id}")
    return run


def deploy_resume(
    org: str, job_id: str, wait: int = DEFAULT_WAIT, *, cwd: Path | None = None
) -> Deployed:
    """`sf project deploy resume`: wait for a running job to end; its outcome as `deploy`'s."""
    args = ("project", "deploy", "resume", "--job-id", job_id, "--wait", str(wait))
    run = _call(args, org=org, what="resume deploy", cwd=cwd)
    return _finish(run, org, cwd, bool(run.result.get("checkOnly")), wait, resumes=1)


def deploy_cancel(org: str, job_id: str, *, cwd: Path | None = None) -> str:
    """`sf project deploy cancel`: stop a running job; returns its final status."""
    args = ("project", "deploy", "cancel", "--job-id", job_id, "--target-org", org)
    run = _call(args, org=org, what="cancel deploy", cwd=cwd)
    if run.exit_code != 0 and "result" not in run.data:
        raise _thrown(run, org, f"cancel deploy {job_id}")
    return str(run.result.get("status") or "Canceled")


# --- internals -------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for key, value in SF_ENV_DEFAULTS.items():
        env.setdefault(key, value)
    env.pop("SF_ACCESS_TOKEN", None)  # only `sf org login access-token` may receive one
    if "NODE_COMPILE_CACHE" not in env:
        # node >= 22.1 keeps sf's compiled modules here: about a second less per sf call
        cache = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        env["NODE_COMPILE_CACHE"] = os.path.join(cache, "sfsync", "node-compile-cache")
    return env


def _sf() -> sh.Command:
    try:
        return sh.Command("sf")
    except sh.CommandNotFound as exc:
        raise ExecutableNotFound(
            "Executable `sf` not found: install the Salesforce CLI (npm install -g @salesforce/cli)"
        ) from exc


def _call(args: Sequence[str], *, org: str, what: str, cwd: Path | None = None) -> _Run:
    """Run `sf ARGS --json`; parse its output (any exit code), raise when it is not JSON."""
    _counter.count = invocations() + 1
    full = (*args, "--json")
    try:
        proc = _sf()(
            *full,
            _env=_env(),
            _cwd=str(cwd) if cwd else None,
            _ok_code=list(range(256)),
            _return_cmd=True,
        )
    except sh.ErrorReturnCode as exc:  # killed by a signal: no exit code to read
        raise SfError(
            f"sf was stopped ({type(exc).__name__}) while trying to {what} on org '{org}'; "
            "run the command again"
        ) from exc
    stdout = proc.stdout.decode("utf-8", errors="replace") if proc.stdout else ""
    stderr = proc.stderr.decode("utf-8", errors="replace") if proc.stderr else ""
    data = _parse(stdout)
    if data is None:
        shown = redact((stdout.strip() or stderr.strip() or "no output").splitlines()[-1])
        raise SfError(
            f"sf failed trying to {what} on org '{org}' (exit {proc.exit_code}): {shown}; "
            "check that `sf` works (`sf org list`)"
        )
    return _Run(tuple(full), int(proc.exit_code), data)


def _finish(
    run: _Run,
    org: str,
    cwd: Path | None,
    check_only: bool,
    wait: int,
    resumes: int = 0,
) -> Deployed:
    """Turn a deploy/report/resume answer into `Deployed`, resuming a job still running."""
    job_id = _job_id(run)
    if run.exit_code in (EXIT_IN_PROGRESS, EXIT_CONNECTION) and job_id and resumes < _RESUMES:
        # sf stopped waiting (69) or lost the connection (10): the job keeps running
        args = ("project", "deploy", "resume", "--job-id", str(job_id), "--wait", str(wait))
        again = _call(args, org=org, what="resume deploy", cwd=cwd)
        return _finish(again, org, cwd, check_only, wait, resumes + 1)
    return _deployed(run, org, check_only)
