"""The only module that runs the Salesforce CLI (`sf`), always through `sh` and with `--json`.

Public API (every function takes the org's alias or username as `sf` knows it):

- `org_display(org) -> OrgInfo`: id, username, instance URL (never the access token).
- `org_list() -> tuple[KnownOrg, ...]`: the orgs `sf` is logged in to (for `sfsync init`).
- `login_sfdx_url(alias, url)`, `login_jwt(alias, username=, client_id=, key_file=,
  instance_url=) -> OrgInfo`: CI logins; the auth URL goes on sf's standard input, the JWT
  key through a file (sf reads it nowhere else); a secret is never an argument.
- `retrieve(org, manifest, out_dir) -> Retrieved`: the manifest's components in source
  format under `out_dir` (made an sfdx project when it is not one), with who changed each
  component and when; members the org does not have are listed in `missing`. An org that
  finds the retrieve too large raises `RetrieveLimitExceeded` (ask for fewer at a time).
- `list_metadata_types(org)`: describeMetadata (`sf org list metadata-types`), the raw result;
  `list_metadata(org, type, folder=None)`: listMetadata for one type (or one folder of an
  in-folder type), the raw FileProperties (`sf org list metadata`; `sfsync.org.listing` reads
  them); `manifest_from_org(org, out_dir)`: every component of the org as a package.xml
  (`sf project generate manifest --from-org`, which lists every type in one process);
  `list_metadata_many(org, queries)`: describeMetadata and listMetadata of many types and
  folders in one `node` process that loads the installed sf CLI's own library
  (@salesforce/core) and login (`list_metadata.js` beside this module); `ListerUnavailable`
  when that library cannot be found (then list type by type with `list_metadata`).
- `deploy(org, project_dir, manifest, post_destructive=None, test_level=None, tests=(),
  check_only=False, wait=DEFAULT_WAIT, on_progress=None, on_started=None) -> Deployed`: a
  manifest deploy from `project_dir`, always started with `--async`; `on_started(job_id)`
  runs before the job is waited for. With `on_progress` the job is polled with `deploy
  report`, soon after the start, then at most every `POLL_SECONDS` (a progress bar at a
  terminal, a progress line in a CI log); without it, one `deploy resume` waits for the end.
  A job still running when `sf` gives up waiting (exit 69) or whose connection dropped
  (exit 10) is resumed with `deploy resume`.
- `deploy_report(org, job_id)`, `deploy_resume(org, job_id, wait)`, `deploy_cancel(org,
  job_id)`, `deploy_final_status(org, job_id)`: the job-id commands.
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
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sh

from sfsync.errors import ExecutableNotFound, UsageError, redact
from sfsync.org.answers import (
    EXIT_CONNECTION,
    EXIT_PARTIAL,
    Deployed,
    DeployFailed,
    Failure,
    FileProperties,
    OrgInfo,
    Progress,
    Retrieved,
    RetrieveLimitExceeded,
    SfError,
)
from sfsync.org.answers import Run as _Run
from sfsync.org.answers import deployed as _deployed
from sfsync.org.answers import job_id as _job_id
from sfsync.org.answers import known_orgs as _known_orgs
from sfsync.org.answers import no_answer as _no_answer
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
    "ORG_DEFAULT",
    "SF_ENV_DEFAULTS",
    "SF_ENV_FORCED",
    "TEST_LEVELS",
    "DeployFailed",
    "Deployed",
    "Failure",
    "FileProperties",
    "ListerUnavailable",
    "OrgInfo",
    "Progress",
    "RetrieveLimitExceeded",
    "Retrieved",
    "SfError",
    "deploy",
    "deploy_cancel",
    "deploy_final_status",
    "deploy_report",
    "deploy_resume",
    "invocations",
    "list_metadata",
    "list_metadata_many",
    "list_metadata_types",
    "login_jwt",
    "login_sfdx_url",
    "manifest_from_org",
    "org_display",
    "org_list",
    "require",
    "retrieve",
    "version",
]

# Set unless the caller's environment sets them. sf's log file (~/.sf/sf-*.log) is written by
# a worker thread that each sf process waits for as it exits: about 0.4 s per call; set
# SF_DISABLE_LOG_FILE=false to keep it.
SF_ENV_DEFAULTS = {
    "SF_DISABLE_TELEMETRY": "true",
    "SF_SKIP_NEW_VERSION_CHECK": "true",
    "SF_DISABLE_LOG_FILE": "true",
}
# Always set, whatever the caller's environment says: `sf`'s auto-updater (oclif's
# plugin-update, `dist/hooks/init.js`) runs unless SF_DISABLE_AUTOUPDATE is true, and spawns
# a detached `sf update --autoupdate` that outlives the command. The legacy
# SF_AUTOUPDATE_DISABLE alone does not stop it: @salesforce/cli's `dist/util/env.js` only
# turns updates off for an npm install when neither variable is set.
SF_ENV_FORCED = {"SF_DISABLE_AUTOUPDATE": "true"}
DEFAULT_WAIT = 60  # minutes `sf` waits for a deploy or retrieve
EXIT_IN_PROGRESS = 69
TEST_LEVELS = (
    "NoTestRun",
    "RunSpecifiedTests",
    "RunLocalTests",
    "RunAllTestsInOrg",
    "RunRelevantTests",
)
"""What `sf project deploy start --test-level` accepts (RunRelevantTests: beta, API 66.0+; the
pinned CLI lists it and checks the version only when `--api-version` is given)."""
ORG_DEFAULT = "OrgDefault"
"""No `--test-level` at all: the org decides (no tests in a sandbox; in production, tests
only when the package holds Apex)."""
_RESUMES = 3  # a dropped connection is resumed at most this many times
POLL_SECONDS = 5.0  # at least this long between two `deploy report` polls, once under way
FIRST_POLL_SECONDS = 0.5  # the first wait; each next one doubles up to POLL_SECONDS

_counter = threading.local()


def invocations() -> int:
    """How many `sf` processes the calling thread has started."""
    return int(getattr(_counter, "count", 0))


def require() -> None:
    """Raise `ExecutableNotFound` (exit 3) unless `sf` is on PATH: a workflow checks its
    tools before it moves a branch or takes a lease."""
    _sf()


def version() -> str:
    """`sf --version`, first line."""
    text = str(_sf()("--version", _env=_env(), _timeout=60))
    return text.strip().splitlines()[0] if text.strip() else "unknown"


def org_list() -> tuple[KnownOrg, ...]:
    """The orgs `sf` is logged in to (`sf org list`, without pinging them)."""
    run = _call(("org", "list", "--skip-connection-status"), org="(all)", what="list the orgs")
    return _known_orgs(run)


def login_sfdx_url(alias: str, url: str) -> OrgInfo:
    """`sf org login sfdx-url` with the auth URL on sf's standard input: never an argument,
    never a file on disk.

    sf reads it as the file `/dev/stdin` (read to its end), not with `--sfdx-url-stdin`: that
    flag gives up on standard input after 10 ms (@oclif/core parser/parse.js, `readStdin`)
    and then logs in with the URL "-", which a busy CI runner can hit. Where there is no
    `/dev/stdin` (Windows), the flag is the way left."""
    source = (
        ("--sfdx-url-file", "/dev/stdin")
        if os.path.exists("/dev/stdin")
        else ("--sfdx-url-stdin", "-")
    )
    args = ("org", "login", "sfdx-url", *source, "--alias", alias)
    return _org_info(_call(args, org=alias, what="log in", stdin=url + "\n"), alias, what="log in")


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
    ours = not (out_dir / "sfdx-project.json").exists()  # a project only this call writes into
    if ours:
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
    try:
        return _retrieved(run, org, out_dir)
    except SfError as exc:
        # now and then sf reads a class's meta file back before it has written the class
        # ("Expected source files for type 'ApexClass'" on a file it just wrote here): a
        # retrieve changes nothing in the org, so it is asked once more into an empty folder
        if not ours or "Expected source files" not in str(exc) or str(out_dir) not in str(exc):
            raise
        shutil.rmtree(out_dir / "force-app", ignore_errors=True)
        (out_dir / "force-app").mkdir()
        run = _call(args, org=org, what="retrieve", cwd=out_dir)
        return _retrieved(run, org, out_dir)


def list_metadata_types(org: str, *, api_version: str | None = None) -> dict[str, Any]:
    """describeMetadata: `{metadataObjects: [{xmlName, inFolder, childXmlNames, ...}], ...}`."""
    args = ["org", "list", "metadata-types", "--target-org", org]
    if api_version:
        args += ["--api-version", api_version]
    run = _call(args, org=org, what="describe the metadata types")
    if run.exit_code != 0 or not isinstance(run.data.get("result"), dict):
        raise _thrown(run, org, "describe the metadata types")
    return run.result


def list_metadata(
    org: str, metadata_type: str, *, folder: str | None = None, api_version: str | None = None
) -> list[dict[str, Any]]:
    """listMetadata of one type (one folder of an in-folder type): its FileProperties."""
    args = ["org", "list", "metadata", "--target-org", org, "--metadata-type", metadata_type]
    if folder:
        args += ["--folder", folder]
    if api_version:
        args += ["--api-version", api_version]
    what = f"list {metadata_type}" + (f" in folder {folder}" if folder else "")
    run = _call(args, org=org, what=what)
    if run.exit_code != 0 or "result" not in run.data:
        raise _thrown(run, org, what)
    value = run.data.get("result")
    entries = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return [e for e in entries if isinstance(e, dict)]


class ListerUnavailable(SfError):
    """The installed sf CLI's library cannot be loaded to list many types in one process."""

    name = "ListerUnavailable"


LISTER = Path(__file__).with_name("list_metadata.js")


def list_metadata_many(
    org: str,
    queries: Sequence[Mapping[str, Any]],
    *,
    describe: bool = False,
    api_version: str | None = None,
    concurrency: int = 8,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """describeMetadata (with `describe`) and listMetadata for each `{type, folder?, always?}`
    in one process: (describe result, [{type, folder, entries | error}])."""
    described, entries, _ = list_and_query(
        org, queries, describe=describe, api_version=api_version, concurrency=concurrency
    )
    return described, entries


def list_and_query(
    org: str,
    queries: Sequence[Mapping[str, Any]],
    soql: Sequence[Mapping[str, Any]] = (),
    *,
    describe: bool = False,
    api_version: str | None = None,
    concurrency: int = 8,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]:
    """`list_metadata_many`, with SOQL queries (`{q, tooling}`, every page) asked first in the
    same process: (describe result, listMetadata results, [{totalSize, records} | {error}])."""
    root = _sf_root()
    node = root / "bin" / "node" if (root / "bin" / "node").is_file() else None
    command = str(node) if node else "node"
    try:
        runner = sh.Command(command)
    except sh.CommandNotFound as exc:
        raise ListerUnavailable(f"`node` not found next to sf ({root})") from exc
    args = [str(LISTER), str(root), org, *([api_version] if api_version else [])]
    payload = json.dumps(
        {
            "describe": describe,
            "concurrency": concurrency,
            "queries": list(queries),
            "soql": list(soql),
        }
    )
    _counter.count = invocations() + 1
    try:
        proc = runner(*args, _in=payload, _env=_env(), _ok_code=list(range(256)), _return_cmd=True)
    except sh.ErrorReturnCode as exc:
        raise SfError(
            f"listing the metadata of org '{org}' was stopped ({type(exc).__name__}); "
            "run the command again"
        ) from exc
    stdout = proc.stdout.decode("utf-8", errors="replace") if proc.stdout else ""
    data = _parse(stdout)
    if data is None or data.get("name") == "LibraryNotFound":
        raise ListerUnavailable(
            f"cannot load @salesforce/core from the sf CLI in {root}: "
            + redact(str((data or {}).get("message") or stdout.strip()[-300:] or "no output"))
        )
    result = data.get("result")
    if data.get("status") != 0 or not isinstance(result, dict):
        # the command a person can run to see the same failure
        same = ("org", "list", "metadata", f"--target-org={org}")
        raise _thrown(_Run(same, int(proc.exit_code), data), org, "list its metadata")
    described = result.get("describe")
    entries = [r for r in result.get("results") or [] if isinstance(r, dict)]
    answers = [a if isinstance(a, dict) else {"error": {}} for a in result.get("soql") or []]
    return (described if isinstance(described, dict) else None), entries, answers


def _sf_root() -> Path:
    """The folder of the installed sf CLI (the one holding its `bin/` and `node_modules/`)."""
    found = shutil.which("sf")
    if found is None:
        raise ExecutableNotFound(
            "Executable `sf` not found: install the Salesforce CLI (npm install -g @salesforce/cli)"
        )
    real = Path(os.path.realpath(found))
    return real.parent.parent if real.parent.name == "bin" else real.parent


def manifest_from_org(
    org: str,
    out_dir: Path,
    *,
    include_managed: bool = False,
    api_version: str | None = None,
) -> Path:
    """Every component of `org` as `out_dir/package.xml`.

    `sf project generate manifest --from-org` lists every type the CLI knows in one process
    (its folders and child types too), which is how sfsync learns which types have members
    before it asks for their dates type by type. Managed-package components are left out
    unless `include_managed`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    ours = not (out_dir / "sfdx-project.json").exists()  # a project only this call writes into
    if ours:
        project: dict[str, Any] = {"packageDirectories": [{"path": "force-app", "default": True}]}
        if api_version:
            project["sourceApiVersion"] = api_version
        (out_dir / "sfdx-project.json").write_text(json.dumps(project, indent=2) + "\n")
        (out_dir / "force-app").mkdir(exist_ok=True)
    args = ["project", "generate", "manifest", "--from-org", org, "--output-dir", str(out_dir)]
    args += ["--name", "package.xml"]
    if include_managed:
        args += ["--include-packages", "managed", "--include-packages", "unlocked"]
    run = _call(args, org=org, what="list the org's components", cwd=out_dir)
    manifest = out_dir / "package.xml"
    if run.exit_code != 0 or not manifest.is_file():
        raise _thrown(run, org, "list the org's components")
    return manifest


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
    on_started: Callable[[str], None] | None = None,
) -> Deployed:
    """Deploy the manifest's components from `project_dir` to `org` (see the module doc).

    The job is started with `--async`; `on_started` gets its id before it is waited for or
    polled (the deploy step journals it there, so a run killed meanwhile is finished by the
    next one instead of leaving a job nobody records).
    """
    if test_level is not None and test_level not in (*TEST_LEVELS, ORG_DEFAULT):
        raise UsageError(f"test level '{test_level}' is not one of {', '.join(TEST_LEVELS)}")
    if tests and test_level not in (None, "RunSpecifiedTests"):
        raise UsageError("--tests needs --test-level RunSpecifiedTests (or no --test-level)")
    if tests:
        test_level = "RunSpecifiedTests"
    if test_level == ORG_DEFAULT:
        test_level = None
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
    started = _call((*args, "--async"), org=org, what="deploy", cwd=project_dir)
    job_id = started.result.get("id") if started.exit_code == 0 else None
    if not job_id:
        return _finish(started, org, project_dir, check_only, wait)
    if on_started is not None:
        on_started(str(job_id))
    if on_progress is None:
        resume = ("project", "deploy", "resume", "--job-id", str(job_id), "--wait", str(wait))
        run = _call(resume, org=org, what="resume deploy", cwd=project_dir)
        return _finish(run, org, project_dir, check_only, wait)
    interval = FIRST_POLL_SECONDS  # a small deploy ends in seconds: look again soon
    try:
        while True:
            asked = time.monotonic()
            report = deploy_report(org, str(job_id), cwd=project_dir)
            result = report.result
            on_progress(_progress(result))
            if _truthy(result.get("done")) or report.exit_code not in (0, EXIT_IN_PROGRESS):
                return _finish(report, org, project_dir, check_only, wait)
            # `sf` start-up already takes a second or two; poll no more often than this
            time.sleep(max(0.0, interval - (time.monotonic() - asked)))
            interval = min(POLL_SECONDS, interval * 2)
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


def deploy_final_status(org: str, job_id: str, wait: int = DEFAULT_WAIT) -> str:
    """The status a job ended with (Succeeded, SucceededPartial, Failed, Canceled), waiting
    for it when it still runs (`sf project deploy report --wait`, which needs no local cache
    of the job: any run on any machine can settle it)."""
    report = deploy_report(org, job_id)
    for _attempt in range(_RESUMES):
        if _truthy(report.result.get("done")):
            break
        args = ("project", "deploy", "report", "--job-id", job_id, "--target-org", org)
        _call((*args, "--wait", str(wait)), org=org, what="wait for deploy")
        report = deploy_report(org, job_id)
    if not _truthy(report.result.get("done")):
        raise SfError(
            f"deploy {job_id} on org '{org}' is still running after {wait} minutes: "
            "run the command again later"
        )
    return str(report.result.get("status") or "Failed")


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
    env.update(SF_ENV_FORCED)
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


def _call(
    args: Sequence[str],
    *,
    org: str,
    what: str,
    cwd: Path | None = None,
    stdin: str | None = None,
) -> _Run:
    """Run `sf ARGS --json` (with `stdin` on its standard input); parse its output (any exit
    code), raise when it is not JSON."""
    _counter.count = invocations() + 1
    full = (*_joined(args), "--json")
    try:
        proc = _sf()(
            *full,
            _env=_env(),
            _cwd=str(cwd) if cwd else None,
            _in=stdin,
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
        raise SfError(_no_answer(stdout, stderr, what=what, org=org, exit_code=int(proc.exit_code)))
    return _Run(tuple(full), int(proc.exit_code), data)


# The `sf` flags sfsync passes a value to. `_joined` writes them `--flag=value`: as two
# arguments, a value that looks like a flag (`--target-org --help`, an org alias from
# sfsync.yml) is read by `sf` as that flag instead (oclif's parser takes `--help` there).
_VALUE_FLAGS = frozenset(
    {
        "--target-org",
        "--manifest",
        "--post-destructive-changes",
        "--pre-destructive-changes",
        "--test-level",
        "--tests",
        "--job-id",
        "--wait",
        "--source-dir",
        "--metadata",
        "--output-dir",
        "--api-version",
        "--alias",
        "--username",
        "--client-id",
        "--jwt-key-file",
        "--instance-url",
    }
)


def _joined(args: Sequence[str]) -> list[str]:
    """`--flag value` pairs as `--flag=value`, so no value can be taken for a flag."""
    joined: list[str] = []
    items = iter(args)
    for item in items:
        if item in _VALUE_FLAGS:
            value = next(items, None)
            if value is None:
                raise UsageError(f"sf {item} needs a value")
            joined.append(f"{item}={value}")
        else:
            joined.append(item)
    return joined


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
