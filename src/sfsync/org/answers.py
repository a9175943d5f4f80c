"""What `sf --json` answers mean: the results, the failures, and the errors they become.

Every function here reads an answer `sf` already gave (`Run`: arguments, exit code, parsed
JSON); none runs `sf` (that is `sfsync.org.sf`, which re-exports the public names). A failed
deploy becomes `DeployFailed` (exit 1, the org refused: component and test errors in
`.failures`), anything else `sf` throws becomes `SfError` (exit 3) with the next step; every
message from `sf` is passed through `redact`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfsync.errors import ExternalError, Refused, printable, printable_data, redact
from sfsync.pipeline.init import KnownOrg

EXIT_PARTIAL = 68
EXIT_CONNECTION = 10  # sf's exit code when the connection dropped while it polled


class SfError(ExternalError):
    """`sf` or the org failed in a way that is not the org refusing the metadata (exit 3)."""

    name = "SfError"


class RetrieveLimitExceeded(SfError):
    """The org refused a retrieve as too large (LIMIT_EXCEEDED: files, zip or unzipped size);
    asking for fewer components at a time gets them (exit 3 when nobody does)."""

    name = "RetrieveLimitExceeded"


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
    """A deploy's progress, as `deploy report` tells it (components and tests apart)."""

    status: str
    components_done: int = 0
    components_total: int = 0
    component_errors: int = 0
    tests_done: int = 0
    tests_total: int = 0
    test_errors: int = 0
    env: str = ""
    """The env being deployed to (set by the deploy step; `sf` does not know it)."""
    check_only: bool = False

    @property
    def done(self) -> int:
        """Components deployed plus tests completed (what a progress bar shows)."""
        return self.components_done + self.tests_done

    @property
    def total(self) -> int:
        """Components plus tests to go through (0 while the org has not counted them)."""
        return self.components_total + self.tests_total

    @property
    def errors(self) -> int:
        """Component errors plus test errors."""
        return self.component_errors + self.test_errors

    def line(self) -> str:
        """One line for a log: `deploy int: InProgress | 64/91 components (0 errors) | 0/12
        tests`."""
        verb = "validate" if self.check_only else "deploy"
        where = f" {self.env}" if self.env else ""
        tests = f" | {self.tests_done}/{self.tests_total} tests" if self.tests_total else ""
        if self.test_errors:
            tests += f" ({self.test_errors} failed)"
        return (
            f"{verb}{where}: {self.status} | {self.components_done}/{self.components_total} "
            f"components ({self.component_errors} errors){tests}"
        )


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
class Run:
    """One `sf ... --json` process: its arguments, exit code and parsed output."""

    args: tuple[str, ...]
    exit_code: int
    data: dict[str, Any]

    @property
    def result(self) -> dict[str, Any]:
        """The answer's `result` object (empty when it has none)."""
        value = self.data.get("result")
        return value if isinstance(value, dict) else {}


def parse(stdout: str) -> dict[str, Any] | None:
    """The JSON object `sf --json` printed (a warning line may come first), or None."""
    text = stdout.strip()
    if not text:
        return None
    start = text.find("{")  # a warning line may come before the JSON
    if start < 0:
        return None
    try:
        data = json.loads(text[start:])
    except (ValueError, RecursionError):
        return None
    # everything below is the org's text (names, messages, who changed what): no terminal
    # control reaches the screen or the JSON sfsync prints
    cleaned = printable_data(data)
    return cleaned if isinstance(cleaned, dict) else None


_NODE_FOOTER = re.compile(r"^Node\.js (v\d+[\d.]*)$")
_JS_ERROR = re.compile(r"^(?:[A-Z][A-Za-z]*)?Error(?: \[[A-Z0-9_]+\])?: .+")


def no_answer(stdout: str, stderr: str, *, what: str, org: str, exit_code: int) -> str:
    """The one line for an `sf` run that printed no JSON: the last line it printed, or, when
    node itself crashed (a stack trace ending `Node.js v20.20.2`, as an `sf` whose modules
    need a newer node does), the error and the node version, with what to check."""
    where = "" if org == "(all)" else f" on org '{org}'"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    node = _NODE_FOOTER.match(lines[-1]) if lines else None
    if node is not None:
        error = next((line for line in lines if _JS_ERROR.match(line)), "no error message")
        return (
            f"sf crashed trying to {what}{where} (exit {exit_code}) under Node.js "
            f"{node.group(1)}: {printable(redact(error))}; check that this Node.js is one "
            "your sf supports (`node --version`; the Salesforce CLI needs a recent LTS) and "
            "that `sf org list` works"
        )
    shown = printable(redact((stdout.strip() or stderr.strip() or "no output").splitlines()[-1]))
    return (
        f"sf failed trying to {what}{where} (exit {exit_code}): {shown}; check that `sf` "
        "works (`sf org list`)"
    )


def org_info(run: Run, org: str, what: str = "read the org") -> OrgInfo:
    """`sf org display`'s (or a login's) answer; the access token in it is not kept."""
    if run.exit_code != 0:
        raise thrown(run, org, what)
    result = run.result
    return OrgInfo(
        alias=str(result.get("alias") or org),
        org_id=str(result.get("id") or result.get("orgId") or ""),
        username=str(result.get("username") or ""),
        instance_url=str(result.get("instanceUrl") or ""),
    )


def known_orgs(run: Run) -> tuple[KnownOrg, ...]:
    """`sf org list --json`: every org in `result`'s lists (nonScratchOrgs, sandboxes,
    devHubs, other, scratchOrgs), each once, in that order."""
    if run.exit_code != 0 or "result" not in run.data:
        raise thrown(run, "(all)", "list the orgs")
    seen: dict[str, KnownOrg] = {}
    for key in ("nonScratchOrgs", "sandboxes", "devHubs", "other", "scratchOrgs"):
        for item in _as_list(run.result.get(key)):
            if not isinstance(item, dict) or not item.get("username"):
                continue
            username = str(item["username"])
            if username in seen:
                continue
            seen[username] = KnownOrg(
                username=username,
                alias=str(item["alias"]) if item.get("alias") else None,
                org_id=str(item.get("orgId") or ""),
                instance_url=str(item.get("instanceUrl") or ""),
                sandbox=truthy(item.get("isSandbox")),
                scratch=key == "scratchOrgs" or truthy(item.get("isScratch")),
                dev_hub=truthy(item.get("isDevHub")),
            )
    return tuple(seen.values())


def retrieved(run: Run, org: str, out_dir: Path) -> Retrieved:
    """A retrieve's answer; a failed one may exit 0, so status/success/messages decide."""
    if run.exit_code != 0 and "result" not in run.data:
        raise thrown(run, org, "retrieve")
    result = run.result
    status = str(result.get("status", ""))
    if run.exit_code != 0 or not truthy(result.get("success", True)) or status == "Failed":
        detail = (
            result.get("errorMessage")
            or "; ".join(_messages(result))
            or run.data.get("message")
            or status
        )
        if "LIMIT_EXCEEDED" in str(result.get("errorStatusCode") or detail):
            raise RetrieveLimitExceeded(
                f"retrieve from org '{org}' failed: {detail}; nothing was deployed (the change "
                "is too large to snapshot in one retrieve: deploy it in smaller steps)",
                data={"org": org, "errorStatusCode": "LIMIT_EXCEEDED"},
            )
        raise SfError(
            f"retrieve from org '{org}' failed: {detail}; nothing was deployed "
            "(check the org, then run the command again)"
        )
    properties: dict[str, FileProperties] = {}
    for item in _as_list(result.get("fileProperties")):
        if not isinstance(item, dict) or item.get("type") == "Package":
            continue
        name = f"{item.get('type')}:{item.get('fullName')}"
        properties[name] = FileProperties(
            name, str(item.get("lastModifiedByName") or ""), str(item.get("lastModifiedDate") or "")
        )
    return Retrieved(out_dir, properties, tuple(_messages(result)))


def job_id(run: Run) -> Any:
    """The deploy job an answer is about (`result.id`, or `data.id` of a thrown error)."""
    extra = run.data.get("data")
    return run.result.get("id") or (extra.get("id") if isinstance(extra, dict) else None)


def deployed(run: Run, org: str, check_only: bool) -> Deployed:
    """A finished deploy/report/resume answer as `Deployed`; `DeployFailed` or `SfError`."""
    data = run.data
    result = run.result
    job = job_id(run)
    if data.get("name") == "FailedValidationError":
        # `sf project deploy validate` throws the org's refusal as one message
        lines = [ln.strip() for ln in str(data.get("message", "")).splitlines() if ln.strip()]
        head = f"validation on org '{org}' failed"
        raise DeployFailed(
            "\n".join([f"{head}: {lines[0]}" if lines else head, *(f"  {ln}" for ln in lines[1:])]),
            failures=[],
            job_id=str(job) if job else None,
            org=org,
        )
    if "result" not in data or not result:
        raise thrown(run, org, "deploy", job_id=str(job) if job else None)
    status = str(result.get("status", ""))
    success = truthy(result.get("success")) and status in ("Succeeded", "")
    if run.exit_code == 0 and (success or status == "Succeeded"):
        files = _as_list(result.get("files"))
        names = sorted(
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
            job_id=str(job or ""),
            status=status or "Succeeded",
            deployed=tuple(names),
            deleted=tuple(deleted),
            check_only=check_only or truthy(result.get("checkOnly")),
            tests_run=_int(result.get("numberTestsCompleted")),
            raw=result,
        )
    failures = _failures(result)
    if status == "Canceled":
        raise SfError(
            f"deploy {job} to org '{org}' was canceled; nothing more was changed: "
            "run the command again"
        )
    partial = run.exit_code == EXIT_PARTIAL or status == "SucceededPartial"
    what = "validation" if check_only else "deploy"
    head = (
        f"{what} to org '{org}' partially succeeded ({len(failures)} failed)"
        if partial
        else f"{what} to org '{org}' failed ({_errors(len(failures))})"
    )
    lines = [f"{head}: {failures[0]}" if failures else head]
    lines += [f"  {f}" for f in failures[1:20]]
    if len(failures) > 20:
        lines.append(f"  ... and {len(failures) - 20} more")
    if not failures and result.get("errorMessage"):
        # a deploy the org refused as a whole (a bad option, a limit): no component failed
        lines.append(f"  {result.get('errorMessage')}")
    elif not failures and data.get("message"):
        lines.append(f"  {data.get('message')}")
    raise DeployFailed("\n".join(lines), failures=failures, job_id=job, org=org)


def _errors(count: int) -> str:
    if count == 0:
        return "no component or test error reported"
    return f"{count} component or test error{'' if count == 1 else 's'}"


# sf's files[] repeats details.componentFailures with the position appended to the message
# (`Variable does not exist: x (3:5)`: appendErrorWithLocation in source-deploy-retrieve's
# lib/src/client/diagnosticUtil.js); without it, both name the same failure
_LOCATION = re.compile(r"\s*\(\d+:\d+\)$")


def _failures(result: Mapping[str, Any]) -> list[Failure]:
    """Component failures (files[] or details.componentFailures) and test failures, each once."""
    found: dict[tuple[str, str], Failure] = {}
    for item in _as_list(result.get("files")):
        if isinstance(item, dict) and item.get("state") == "Failed":
            failure = Failure(
                f"{item.get('type')}:{item.get('fullName')}",
                _LOCATION.sub("", str(item.get("error") or "failed")),
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
    # insufficient coverage fails a deploy with no component or test error: each class or
    # trigger below the bar is a codeCoverageWarnings entry ("Test coverage of selected Apex
    # Class is 0%, at least 75% test coverage is required")
    for item in _as_list(tests.get("codeCoverageWarnings")):
        if not isinstance(item, dict):
            continue
        message = str(item.get("message") or "insufficient test coverage")
        kind = "ApexTrigger" if "Apex Trigger" in message else "ApexClass"
        named = item.get("name")
        failure = Failure(f"{kind}:{named}" if named else "(coverage)", message, "CodeCoverage")
        found.setdefault((failure.component, failure.problem), failure)
    return list(found.values())


def thrown(run: Run, org: str, what: str, *, job_id: str | None = None) -> SfError:
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
    shown = name
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
    elif (status := _HTTP_STATUS.search(message)) is not None:
        hint = (
            f"the org's server answered HTTP {status[1]} (sf's words above): run the command "
            f"again; if it keeps failing, run `{command_line(run.args)}` by hand to see sf's "
            "whole answer"
        )
    elif (connection := connection_failure(data, org)) is not None:
        said, hint = connection
        message = f"{message} ({said})"
        hint += f"; the command was `{command_line(run.args)}`"
    elif _network(run, message):
        hint = (
            "the connection to the org failed: check the network, then run the command again "
            f"(the command was `{command_line(run.args)}`)"
        )
    elif name == "MetadataTransferError":
        # sf had the org's answer and could not use it: say what sf said, not the network
        what, message, hint = _unusable_answer(what, message)
        shown = ""  # sf's wrapper of every such failure: its name says nothing here
    else:
        hint = (
            "run the command again; if it keeps failing, run "
            f"`{command_line(run.args)}` by hand to see sf's whole answer"
        )
    return SfError(
        redact(f"sf could not {what} on org '{org}'{job}: {shown + ': ' if shown else ''}{message}")
        + f"; {hint}",
        data={"org": org, "sfName": name, "exitCode": run.exit_code},
    )


_HTTP_STATUS = re.compile(r"HTTP status code:? *(\d{3})")


def command_line(args: Sequence[str]) -> str:
    """`sf project retrieve start --target-org=dev1`: the sf command words and its org, for a
    person to run again (not the file arguments, which name sfsync's temporary folders)."""
    words = [a for a in args if not a.startswith("-")][:4]
    org = [a for a in args if a.startswith("--target-org=")]
    return " ".join(["sf", *words, *org[:1]])


# node's codes for a connection that failed before the org could answer (undici's `fetch
# failed`, whose `cause` sf prints: `[cause]: Error: connect ECONNREFUSED 127.0.0.1:6101`)
_CONNECT = re.compile(
    r"\b(?P<code>ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|"
    r"ENETUNREACH|EPIPE|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET|CERT_HAS_EXPIRED|"
    r"SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|"
    r"UNABLE_TO_GET_ISSUER_CERT_LOCALLY|ERR_TLS_CERT_ALTNAME_INVALID)\b"
    r"(?: (?P<where>[\w.\-\[\]:]+))?"
)


def connection_failure(data: Mapping[str, Any], org: str) -> tuple[str, str] | None:
    """(what the connection error said, what to do) when `sf` failed to reach the org, from
    the error's `cause` (or message); None when sf's answer is not a connection failure:
    then nothing is guessed, sf's own message is quoted."""
    text = "\n".join(str(data.get(key) or "") for key in ("message", "cause"))
    found = _CONNECT.search(text)
    if found is None:
        return None
    code, where = found["code"], found["where"] or "the org's instance URL"
    check = f"`sf org display --target-org {org}` shows the instance URL sf uses"
    if code == "ECONNREFUSED":
        hint = (
            f"the connection to {where} was refused: nothing answers there (the org's server "
            f"is down, or the login points at the wrong address; {check})"
        )
    elif code in ("ENOTFOUND", "EAI_AGAIN"):
        hint = f"the host {where} was not found (DNS): check the network and the login ({check})"
    elif code == "ECONNRESET" or code == "EPIPE" or code == "UND_ERR_SOCKET":
        hint = f"the connection to {where} was cut: run the command again"
    elif "CERT" in code:
        hint = (
            f"the TLS certificate of {where} was not accepted ({code}): a proxy that inspects "
            "TLS needs its CA in NODE_EXTRA_CA_CERTS"
        )
    else:
        hint = f"the connection to {where} did not get through ({code}): check the network"
    said = f"{code} {found['where']}" if found["where"] else code
    return said, hint


# what sf's Metadata API client says when the connection, not the answer, failed: the
# errors it retries (isRetryableError in source-deploy-retrieve's
# lib/src/client/metadataTransfer.js), the retries running out, a refused connection and an
# HTTP error status
_NETWORK_WORDS = (
    "ETIMEDOUT",
    "ENOTFOUND",
    "ECONNRESET",
    "ECONNREFUSED",
    "EAI_AGAIN",
    "socket hang up",
    "connection timeout",
    "ERROR_HTTP_",
    "HTTP status code",
    "network socket disconnected",
    "consecutive retryable errors",
)
# source-deploy-retrieve's error_expected_source_files: "%s: Expected source files for type '%s'"
_EXPECTED_FILES = re.compile(
    r"(?P<path>\S+): Expected source files for type '(?P<type>[A-Za-z0-9_]+)'"
)


def _network(run: Run, message: str) -> bool:
    """True when `sf` failed to reach the org (rather than failing on what the org said)."""
    if run.exit_code == EXIT_CONNECTION:
        return True
    return any(word in message for word in _NETWORK_WORDS)


def _unusable_answer(what: str, message: str) -> tuple[str, str, str]:
    """(what failed, what sf said, the next step) for an org answer `sf` could not use."""
    said = message.removeprefix("Metadata API request failed: ")
    found = _EXPECTED_FILES.search(said)
    if found is None:
        return what, said, "run the same sf command by hand to see its whole answer"
    base = found["path"].rsplit("/", 1)[-1].removesuffix("-meta.xml").split(".", 1)[0]
    component = f"{found['type']}:{base}"
    return (
        f"{what} {component}",
        f"Expected source files for type '{found['type']}' ({found['path']} came without them)",
        f"the org's answer holds no files of {component} beside its -meta.xml: retrieve it "
        f"alone (sf project retrieve start --metadata {component}) to see what the org sends",
    )


def progress(result: Mapping[str, Any]) -> Progress:
    """A `deploy report` result as `Progress` (the DeployResult counters of the Metadata API:
    numberComponentsDeployed/Total/Errors, numberTestsCompleted/Total/Errors)."""
    return Progress(
        status=str(result.get("status") or "InProgress"),
        components_done=_int(result.get("numberComponentsDeployed")),
        components_total=_int(result.get("numberComponentsTotal")),
        component_errors=_int(result.get("numberComponentErrors")),
        tests_done=_int(result.get("numberTestsCompleted")),
        tests_total=_int(result.get("numberTestsTotal")),
        test_errors=_int(result.get("numberTestErrors")),
        check_only=truthy(result.get("checkOnly")),
    )


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


def truthy(value: Any) -> bool:
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
