"""The only module that runs the Salesforce CLI (`sf`), always through `sh` and with `--json`.

Public API (every function takes the org's alias or username as `sf` knows it):

- `org_display(org) -> OrgInfo`: id, username, instance URL (never the access token).
- `retrieve(org, manifest, out_dir) -> Retrieved`: the manifest's components in source
  format under `out_dir` (made an sfdx project when it is not one), with who changed each
  component and when; members the org does not have are listed in `missing`.
- `deploy(org, project_dir, manifest, post_destructive=None, test_level=None, tests=(),
  check_only=False, wait=DEFAULT_WAIT, on_progress=None) -> Deployed`: a manifest deploy
  from `project_dir`. With `on_progress` the deploy runs `--async` and is polled with
  `deploy report` (for a person at a terminal); without it, one `sf` call waits for the end.
  A job still running when `sf` gives up waiting (exit 69) or whose connection dropped
  (exit 10) is resumed with `deploy resume`.
- `deploy_report(org, job_id)`, `deploy_resume(org, job_id, wait)`, `deploy_cancel(org,
  job_id)`: the job-id commands.
- `invocations() -> int`: how many `sf` processes this process started (for measurements).

Failures become sfsync errors that name the org and the next step: `DeployFailed` (exit 1,
the org refused: component and test errors in `.failures`), `SfError` (exit 3: a connection,
limit, login or CLI failure). `sf` prints no access token with `--json`; every message is
still passed through `redact`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sh

from sfsync.errors import ExecutableNotFound, ExternalError, Refused, UsageError, redact

SF_ENV_DEFAULTS = {
    "SF_DISABLE_TELEMETRY": "true",
    "SF_AUTOUPDATE_DISABLE": "true",
    "SF_SKIP_NEW_VERSION_CHECK": "true",
}
DEFAULT_WAIT = 60  # minutes `sf` waits for a deploy or retrieve
EXIT_PARTIAL = 68
EXIT_IN_PROGRESS = 69
EXIT_CONNECTION = 10
TEST_LEVELS = ("NoTestRun", "RunSpecifiedTests", "RunLocalTests", "RunAllTestsInOrg")
_RESUMES = 3  # a dropped connection is resumed at most this many times

_count = 0


class SfError(ExternalError):
    """`sf` or the org failed in a way that is not the org refusing the metadata (exit 3)."""

    name = "SfError"


@dataclass(frozen=True)
class Failure:
    """One component or test the org refused."""

    component: str
    """`Type:FullName`, or `ApexTestClass:Name.method` for a failing test."""
    problem: str
    kind: str = "Error"
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.component}{where}: {self.problem}"

    def to_json(self) -> dict[str, Any]:
        """`{component, problem, kind, line}`."""
        return {
            "component": self.component,
            "problem": self.problem,
            "kind": self.kind,
            "line": self.line,
        }


class DeployFailed(Refused):
    """The org refused the deploy: nothing of it was applied (exit 1)."""

    name = "DeployFailed"

    def __init__(
        self, message: str, *, failures: Sequence[Failure], job_id: str | None, org: str
    ) -> None:
        super().__init__(
            message,
            data={"org": org, "jobId": job_id, "failures": [f.to_json() for f in failures]},
        )
        self.failures = tuple(failures)
        self.job_id = job_id
        self.org = org


@dataclass(frozen=True)
class OrgInfo:
    """What `sf org display` says about an org (the access token is never kept)."""

    alias: str
    org_id: str
    username: str
    instance_url: str


@dataclass(frozen=True)
class FileProperties:
    """Who last changed a retrieved component, and when."""

    component: str
    last_modified_by: str
    last_modified_date: str


@dataclass(frozen=True)
class Retrieved:
    """A finished retrieve: the project folder, component properties, missing members."""

    out_dir: Path
    properties: Mapping[str, FileProperties]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Progress:
    """A deploy's progress, as `deploy report` tells it."""

    status: str
    done: int
    total: int
    errors: int = 0


@dataclass(frozen=True)
class Deployed:
    """A finished, successful deploy (or validation)."""

    job_id: str
    status: str
    deployed: tuple[str, ...]
    deleted: tuple[str, ...]
    check_only: bool
    tests_run: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class _Run:
    args: tuple[str, ...]
    exit_code: int
    data: dict[str, Any]

    @property
    def result(self) -> dict[str, Any]:
        value = self.data.get("result")
        return value if isinstance(value, dict) else {}


def invocations() -> int:
    """How many `sf` processes this process has started."""
    return _count


def version() -> str:
    """`sf --version`, first line."""
    text = str(_sf()("--version", _env=_env(), _timeout=60))
    return text.strip().splitlines()[0] if text.strip() else "unknown"


def org_display(org: str) -> OrgInfo:
    """The org's id, username and instance URL (`sf org display`; no token is kept)."""
    run = _call(("org", "display", "--target-org", org), org=org, what="read the org")
    if run.exit_code != 0:
        raise _thrown(run, org, "read the org")
    result = run.result
    return OrgInfo(
        alias=str(result.get("alias") or org),
        org_id=str(result.get("id") or ""),
        username=str(result.get("username") or ""),
        instance_url=str(result.get("instanceUrl") or ""),
    )


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
            report = deploy_report(org, str(job_id), cwd=project_dir)
            result = report.result
            on_progress(_progress(result))
            if _truthy(result.get("done")) or report.exit_code not in (0, EXIT_IN_PROGRESS):
                return _finish(report, org, project_dir, check_only, wait)
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


def _retrieved(run: _Run, org: str, out_dir: Path) -> Retrieved:
    """A retrieve's answer; a failed one may exit 0, so status/success/messages decide."""
    if run.exit_code != 0 and "result" not in run.data:
        raise _thrown(run, org, "retrieve")
    result = run.result
    status = str(result.get("status", ""))
    if run.exit_code != 0 or not _truthy(result.get("success", True)) or status == "Failed":
        detail = (
            result.get("errorMessage")
            or "; ".join(_messages(result))
            or run.data.get("message")
            or status
        )
        hint = (
            "the change is too large to snapshot in one retrieve: deploy it in smaller steps"
            if "LIMIT_EXCEEDED" in str(detail)
            else "check the org, then run the command again"
        )
        raise SfError(f"retrieve from org '{org}' failed: {detail}; nothing was deployed ({hint})")
    properties: dict[str, FileProperties] = {}
    for item in _as_list(result.get("fileProperties")):
        if not isinstance(item, dict) or item.get("type") == "Package":
            continue
        name = f"{item.get('type')}:{item.get('fullName')}"
        properties[name] = FileProperties(
            name, str(item.get("lastModifiedByName") or ""), str(item.get("lastModifiedDate") or "")
        )
    return Retrieved(out_dir, properties, tuple(_messages(result)))


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
    global _count
    _count += 1
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


def _parse(stdout: str) -> dict[str, Any] | None:
    text = stdout.strip()
    if not text:
        return None
    start = text.find("{")  # a warning line may come before the JSON
    if start < 0:
        return None
    try:
        data = json.loads(text[start:])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _finish(
    run: _Run,
    org: str,
    cwd: Path | None,
    check_only: bool,
    wait: int,
    resumes: int = 0,
) -> Deployed:
    """Turn a deploy/report/resume answer into `Deployed`, resuming a job still running."""
    data = run.data
    result = run.result
    extra = data.get("data")
    job_id = result.get("id") or (extra.get("id") if isinstance(extra, dict) else None)
    if run.exit_code in (EXIT_IN_PROGRESS, EXIT_CONNECTION) and job_id and resumes < _RESUMES:
        # sf stopped waiting (69) or lost the connection (10): the job keeps running
        args = ("project", "deploy", "resume", "--job-id", str(job_id), "--wait", str(wait))
        again = _call(args, org=org, what="resume deploy", cwd=cwd)
        return _finish(again, org, cwd, check_only, wait, resumes + 1)
    if data.get("name") == "FailedValidationError":
        # `sf project deploy validate` throws the org's refusal as one message
        lines = [ln.strip() for ln in str(data.get("message", "")).splitlines() if ln.strip()]
        head = f"validation on org '{org}' failed"
        raise DeployFailed(
            "\n".join([f"{head}: {lines[0]}" if lines else head, *(f"  {ln}" for ln in lines[1:])]),
            failures=[],
            job_id=str(job_id) if job_id else None,
            org=org,
        )
    if "result" not in data or not result:
        raise _thrown(run, org, "deploy", job_id=str(job_id) if job_id else None)
    status = str(result.get("status", ""))
    success = _truthy(result.get("success")) and status in ("Succeeded", "")
    if run.exit_code == 0 and (success or status == "Succeeded"):
        files = _as_list(result.get("files"))
        deployed = sorted(
            {
                f"{f.get('type')}:{f.get('fullName')}"
                for f in files
                if isinstance(f, dict) and f.get("state") in ("Created", "Changed", "Unchanged")
            }
        )
        deleted = sorted(
            {
                f"{f.get('type')}:{f.get('fullName')}"
                for f in files
                if isinstance(f, dict) and f.get("state") == "Deleted"
            }
        )
        return Deployed(
            job_id=str(job_id or ""),
            status=status or "Succeeded",
            deployed=tuple(deployed),
            deleted=tuple(deleted),
            check_only=check_only or _truthy(result.get("checkOnly")),
            tests_run=_int(result.get("numberTestsCompleted")),
            raw=result,
        )
    failures = _failures(result)
    if status == "Canceled":
        raise SfError(
            f"deploy {job_id} to org '{org}' was canceled; nothing more was changed: "
            "run the command again"
        )
    partial = run.exit_code == EXIT_PARTIAL or status == "SucceededPartial"
    what = "validation" if check_only else "deploy"
    head = (
        f"{what} to org '{org}' partially succeeded ({len(failures)} failed)"
        if partial
        else f"{what} to org '{org}' failed ({len(failures) or 'no'} component or test errors)"
    )
    lines = [f"{head}: {failures[0]}" if failures else head]
    lines += [f"  {f}" for f in failures[1:20]]
    if len(failures) > 20:
        lines.append(f"  ... and {len(failures) - 20} more")
    if not failures and data.get("message"):
        lines.append(f"  {data.get('message')}")
    raise DeployFailed("\n".join(lines), failures=failures, job_id=job_id, org=org)


def _failures(result: Mapping[str, Any]) -> list[Failure]:
    """Component failures (files[] or details.componentFailures) and test failures."""
    found: dict[tuple[str, str], Failure] = {}
    for item in _as_list(result.get("files")):
        if isinstance(item, dict) and item.get("state") == "Failed":
            failure = Failure(
                f"{item.get('type')}:{item.get('fullName')}",
                str(item.get("error") or "failed"),
                str(item.get("problemType") or "Error"),
                _line(item.get("lineNumber")),
            )
            found[(failure.component, failure.problem)] = failure
    details = result.get("details") if isinstance(result.get("details"), dict) else {}
    assert isinstance(details, dict)
    for item in _as_list(details.get("componentFailures")):
        if not isinstance(item, dict):
            continue
        failure = Failure(
            f"{item.get('componentType')}:{item.get('fullName')}",
            str(item.get("problem") or "failed"),
            str(item.get("problemType") or "Error"),
            _line(item.get("lineNumber")),
        )
        found.setdefault((failure.component, failure.problem), failure)
    tests = details.get("runTestResult") if isinstance(details.get("runTestResult"), dict) else {}
    assert isinstance(tests, dict)
    for item in _as_list(tests.get("failures")):
        if not isinstance(item, dict):
            continue
        name = str(item.get("name") or "")
        method = item.get("methodName")
        failure = Failure(
            f"ApexTestClass:{name}.{method}" if method else f"ApexTestClass:{name}",
            str(item.get("message") or "test failed"),
            "TestFailure",
        )
        found.setdefault((failure.component, failure.problem), failure)
    return list(found.values())


def _thrown(run: _Run, org: str, what: str, *, job_id: str | None = None) -> SfError:
    """One line for an error `sf` threw: `{name, message, exitCode, data}`."""
    data = run.data
    name = str(data.get("name") or "")
    lines = [
        line.strip()
        for line in str(data.get("message") or "").splitlines()
        if line.strip() and not line.startswith(("Parsing --", "See more help"))
    ]
    message = "; ".join(lines[:2]) or "no message"
    job = f" (job {job_id})" if job_id else ""
    if "REQUEST_LIMIT_EXCEEDED" in name or "REQUEST_LIMIT_EXCEEDED" in message:
        hint = "the org's API request limit is used up: wait, then run the command again"
    elif name in ("NoOrgFound", "NamedOrgNotFoundError", "NoAuthInfoFound") or (
        "No authorization information found" in message
    ):
        hint = f"sf has no login for '{org}': log in with `sf org login web --alias {org}`"
    elif name in ("INVALID_SESSION_ID", "InvalidSessionId") or "INVALID_SESSION_ID" in message:
        hint = f"the login for '{org}' expired: log in again with `sf org login web --alias {org}`"
    elif name == "SourceConflictError":
        conflicts = sorted(
            {
                f"{c.get('type')}:{c.get('fullName')}"
                for c in _as_list(data.get("data"))
                if isinstance(c, dict)
            }
        )
        hint = (
            f"sf reports changes in the org that conflict with the project "
            f"({', '.join(conflicts) or 'see sf project retrieve preview'}): retrieve them "
            "into git first"
        )
    elif name == "MetadataTransferError" or "HTTP status code" in message:
        hint = "the connection to the org failed: check the network, then run the command again"
    else:
        hint = "run the command again; if it keeps failing, run the sf command by hand"
    return SfError(
        redact(f"sf could not {what} on org '{org}'{job}: {name + ': ' if name else ''}{message}")
        + f"; {hint}",
        data={"org": org, "sfName": name, "exitCode": run.exit_code},
    )


def _progress(result: Mapping[str, Any]) -> Progress:
    return Progress(
        status=str(result.get("status") or "InProgress"),
        done=_sum(result, "numberComponentsDeployed", "numberTestsCompleted"),
        total=_sum(result, "numberComponentsTotal", "numberTestsTotal"),
        errors=_sum(result, "numberComponentErrors", "numberTestErrors"),
    )


def _sum(result: Mapping[str, Any], *keys: str) -> int:
    return sum(_int(result.get(key)) for key in keys)


def _messages(result: Mapping[str, Any]) -> list[str]:
    out = []
    for item in _as_list(result.get("messages")):
        if isinstance(item, dict):
            text = item.get("problem") or item.get("message") or ""
            name = item.get("fileName")
            out.append(f"{name}: {text}" if name else str(text))
        elif item:
            out.append(str(item))
    return out


def _as_list(value: Any) -> list[Any]:
    """`componentFailures` and friends: an object for one entry, a list for several."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _truthy(value: Any) -> bool:
    """Booleans that may arrive as the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _line(value: Any) -> int | None:
    number = _int(value)
    return number or None
