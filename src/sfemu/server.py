"""The HTTP side: the REST and SOAP calls the ``sf`` CLI makes, on 127.0.0.1 only."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sfemu import deploy as dp
from sfemu import faults as ft
from sfemu import manifest as mf
from sfemu import retrieve as rt
from sfemu import soap, types
from sfemu.store import ADMIN_NAME, OrgInfo, OrgStore, Root, now_iso, write_atomic

API_VERSIONS = [f"{v}.0" for v in range(31, 66)]
MAX_BODY = 60 * 1024 * 1024  # a little over the SOAP message limit (50 MB)
NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
TERMINAL = ("Succeeded", "SucceededPartial", "Failed", "Canceled")


@dataclass
class DeployJob:
    """A deploy between its ``deploy`` call and its final status."""

    id: str
    org: str
    plan: dp.DeployPlan
    polls_needed: int
    created: str
    by: str
    polls: int = 0
    status: str = "Queued"
    completed: str = ""
    outcome: dp.DeployOutcome | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class RetrieveJob:
    """A retrieve; its result is computed when the call arrives."""

    id: str
    org: str
    outcome: rt.RetrieveOutcome


@dataclass
class Settings:
    """Server-wide behaviour; tests lower the limits."""

    progress_polls: int = 1
    zip_limit: int = dp.ZIP_LIMIT
    retrieve_file_limit: int = rt.FILE_LIMIT


class Emulator:
    """Serves every org under one root; holds the in-flight deploy and retrieve jobs."""

    def __init__(self, root: Root, settings: Settings | None = None) -> None:
        self.root = root
        self.settings = settings or Settings()
        self.jobs: dict[str, DeployJob] = {}
        self.retrieves: dict[str, RetrieveJob] = {}
        self._lock = threading.Lock()
        self.url = ""

    # ----- deploy ----------------------------------------------------------------------------

    def start_deploy(self, org: OrgInfo, zip_b64: str, raw_options: dict[str, Any]) -> DeployJob:
        """Check the zip now; the org changes when the polls reach the end of the job."""
        store = self.root.store(org.name)
        options = dp.DeployOptions.from_soap(raw_options)
        fired = ft.take(store, ("component_error", "stay_in_progress"), "deploy")
        injected = tuple(
            dp.InjectedError(f.component, f.problem, f.line)
            for f in fired
            if f.kind == "component_error"
        )
        extra = sum(f.polls for f in fired if f.kind == "stay_in_progress")
        try:
            data = base64.b64decode(zip_b64, validate=False)
        except (binascii.Error, ValueError):
            data = b""
        plan = dp.plan(store, data, options, injected, self.settings.zip_limit)
        job = DeployJob(
            id=_new_id("0Af"),
            org=org.name,
            plan=plan,
            polls_needed=self.settings.progress_polls + extra,
            created=now_iso(),
            by=ADMIN_NAME,
        )
        with self._lock:
            self.jobs[job.id] = job
        return job

    def poll_deploy(self, job: DeployJob) -> None:
        """Advance a job by one poll; apply it when it reaches the end."""
        with job.lock:
            if job.status in TERMINAL:
                return
            if job.polls < job.polls_needed:
                job.polls += 1
                job.status = "InProgress"
                return
            store = self.root.store(job.org)
            plan = job.plan
            if plan.fails:
                job.status = "Failed"
            elif plan.options.check_only:
                job.outcome = dp.validate_only(plan)
                job.status = "SucceededPartial" if plan.failures else "Succeeded"
            else:
                job.outcome = dp.apply(store, plan, job.by)
                if plan.failures:
                    job.status = "SucceededPartial" if job.outcome.successes else "Failed"
                else:
                    job.status = "Succeeded"
            self._finish(job, store)

    def cancel_deploy(self, job: DeployJob) -> None:
        """Cancel a job that has not finished (a finished job stays as it is)."""
        with job.lock:
            if job.status in TERMINAL:
                return
            job.status = "Canceled"
            self._finish(job, self.root.store(job.org))

    def _finish(self, job: DeployJob, store: OrgStore) -> None:
        job.completed = now_iso()
        plan = job.plan
        outcome = job.outcome
        check_only = plan.options.check_only
        record = {
            "id": job.id,
            "status": job.status,
            "createdDate": job.created,
            "completedDate": job.completed,
            "createdByName": job.by,
            "options": plan.options.as_record(),
            "deployed": list(outcome.deployed) if outcome and not check_only else [],
            "validated": list(outcome.deployed) if outcome and check_only else [],
            "created": outcome.with_state(created=True) if outcome and not check_only else [],
            "changed": outcome.with_state(changed=True) if outcome and not check_only else [],
            "deleted": list(outcome.deleted) if outcome else [],
            "failed": [
                {"component": f"{m.component_type}:{m.full_name}", "problem": m.problem}
                for m in plan.failures
            ],
            "errorMessage": plan.error_message,
            "tests": list(plan.tests),
        }
        with store.locked():
            state = store.state()
            state["deployments"].append(record)
            store.save_state(state)

    def deploy_result(self, job: DeployJob, details: bool) -> dict[str, Any]:
        """The DeployResult of ``checkDeployStatus``."""
        plan = job.plan
        done = job.status in TERMINAL
        total = plan.total
        if done and job.outcome is not None:
            deployed = len([m for m in job.outcome.successes])
        elif done:
            deployed = 0
        else:
            deployed = (total * job.polls) // (job.polls_needed + 1)
        failures = plan.failures if done else []
        result: dict[str, Any] = {
            "canceledBy": None,
            "checkOnly": plan.options.check_only,
            "completedDate": job.completed or None,
            "createdBy": self.root.orgs()[job.org].user_id,
            "createdByName": job.by,
            "createdDate": job.created,
            "details": None,
            "done": done,
            "errorMessage": plan.error_message or None if done else None,
            "errorStatusCode": plan.error_code or None if done else None,
            "id": job.id,
            "ignoreWarnings": plan.options.ignore_warnings,
            "lastModifiedDate": job.completed or job.created,
            "numberComponentErrors": len(failures),
            "numberComponentsDeployed": deployed,
            "numberComponentsTotal": total,
            "numberTestErrors": 0,
            "numberTestsCompleted": len(plan.tests) if done and job.status != "Canceled" else 0,
            "numberTestsTotal": len(plan.tests),
            "rollbackOnError": plan.options.rollback_on_error,
            "runTestsEnabled": plan.options.test_level != "NoTestRun",
            "startDate": job.created,
            "stateDetail": None if done else f"Deploying components ({deployed}/{total})",
            "status": "Pending" if job.status == "Queued" else job.status,
            "success": job.status in ("Succeeded", "SucceededPartial"),
        }
        if job.status == "Canceled":
            result["canceledBy"] = self.root.orgs()[job.org].user_id
            result["canceledByName"] = ADMIN_NAME
        if details and done:
            successes = job.outcome.successes if job.outcome else ()
            result["details"] = {
                "componentFailures": [_message(m, job.created) for m in failures + plan.warnings],
                "componentSuccesses": [_message(m, job.created) for m in successes],
                "runTestResult": {
                    "numFailures": 0,
                    "numTestsRun": len(plan.tests),
                    "successes": [
                        {"id": "01p000000000000AAA", "methodName": "test", "name": t, "time": 1}
                        for t in plan.tests
                    ],
                    "totalTime": len(plan.tests),
                },
            }
        return result

    # ----- retrieve / list / describe ---------------------------------------------------------

    def start_retrieve(self, org: OrgInfo, req: soap.SoapRequest) -> RetrieveJob:
        """Compute the retrieve result now; ``checkRetrieveStatus`` hands it out."""
        rr = req.element("request") or req.element("retrieveRequest")
        params = soap.to_python(rr) if rr is not None else {}
        unpackaged = None
        if rr is not None:
            found = [c for c in rr if c.tag.endswith("unpackaged")]
            unpackaged = found[0] if found else None
        request = mf.from_element(unpackaged) if unpackaged is not None else {}
        single = str(params.get("singlePackage", "false")).lower() == "true"
        version = str(params.get("apiVersion") or API_VERSIONS[-1])
        outcome = rt.retrieve(
            self.root.store(org.name),
            request,
            version,
            single_package=single,
            file_limit=self.settings.retrieve_file_limit,
            zip_limit=self.settings.zip_limit,
        )
        job = RetrieveJob(_new_id("09S"), org.name, outcome)
        with self._lock:
            self.retrieves[job.id] = job
        return job

    def list_metadata(self, org: OrgInfo, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """FileProperties of every component of the queried types (and folders)."""
        store = self.root.store(org.name)
        out: list[dict[str, Any]] = []
        with store.locked():
            state = store.state()
            comps = store.components()
            everything: set[types.Component] | None = None
            for q in queries:
                type_name = str(q.get("type", ""))
                folder = str(q.get("folder") or "")
                mtype = types.get(type_name)
                if mtype is None:
                    continue
                content = next(
                    (t for t in types.registry().values() if t.folder_type == type_name), None
                )
                if content is not None:  # ReportFolder etc: the folders of the content type
                    matches = [
                        c for c in comps if c.type == content.name and "/" not in c.full_name
                    ]
                    shown = type_name
                elif mtype.is_child:
                    if everything is None:
                        everything = store.all_components()
                    matches = [c for c in everything if c.type == type_name]
                    shown = type_name
                else:
                    matches = [
                        c
                        for c in comps
                        if c.type == type_name
                        and (
                            not mtype.in_folder or (folder and c.full_name.startswith(folder + "/"))
                        )
                    ]
                    shown = type_name
                for c in sorted(matches, key=str):
                    p = store.props(c, state)
                    files = comps.get(c) or [
                        store.parent_file(
                            types.Component(mtype.parent or "", c.full_name.split(".")[0])
                        )
                        or ""
                    ]
                    out.append(
                        {
                            "createdById": org.user_id,
                            "createdByName": p.created_by_name,
                            "createdDate": p.created_date,
                            "fileName": sorted(files, key=lambda f: f.endswith(types.META))[0],
                            "fullName": c.full_name,
                            "id": p.id,
                            "lastModifiedById": org.user_id,
                            "lastModifiedByName": p.last_modified_by_name,
                            "lastModifiedDate": p.last_modified_date,
                            "manageableState": "unmanaged",
                            "type": shown,
                        }
                    )
        return out

    @staticmethod
    def describe_metadata() -> dict[str, Any]:
        """describeMetadata: every top-level type the emulator knows."""
        objects = []
        for t in sorted(types.registry().values(), key=lambda t: t.name):
            if t.is_child or (
                t.folder_type is None
                and any(o.folder_type == t.name for o in types.registry().values())
            ):
                continue
            objects.append(
                {
                    "childXmlNames": [name for name, _ in t.children] or None,
                    "directoryName": t.directory,
                    "inFolder": t.in_folder,
                    "metaFile": t.adapter in ("matchingContentFile", "mixedContent"),
                    "suffix": t.suffix,
                    "xmlName": t.name,
                }
            )
        return {
            "metadataObjects": objects,
            "organizationNamespace": "",
            "partialSaveAllowed": True,
            "testRequired": False,
        }


def _message(m: dp.DeployMessage, created: str) -> dict[str, Any]:
    return {
        "changed": m.changed,
        "columnNumber": m.column,
        "componentType": m.component_type,
        "created": m.created,
        "createdDate": created,
        "deleted": m.deleted,
        "fileName": m.file_name,
        "fullName": m.full_name,
        "id": m.id or None,
        "lineNumber": m.line,
        "problem": m.problem or None,
        "problemType": m.problem_type or None,
        "success": m.success,
    }


def _new_id(prefix: str) -> str:
    return (prefix + "5g" + secrets.token_hex(8).upper())[:15] + "AAA"


class Handler(BaseHTTPRequestHandler):
    """One HTTP request; ``server.emulator`` is the shared state."""

    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Requests go to the emulator's request log instead of stderr."""

    # ----- plumbing --------------------------------------------------------------------------

    @property
    def emu(self) -> Emulator:
        return self.server.emulator

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, data: Any) -> None:
        self._send(code, json.dumps(data).encode("utf-8"), "application/json;charset=UTF-8")

    def _xml(self, code: int, body: bytes) -> None:
        self._send(code, body, "text/xml;charset=UTF-8")

    def _log(self, what: str) -> None:
        self.server.log_request_line(f"{self.command} {urlsplit(self.path).path} {what}".rstrip())

    def _token_org(self, token: str) -> OrgInfo | None:
        return self.emu.root.org_by_token(token) if token else None

    def _bearer(self) -> str:
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith(("bearer ", "oauth ")):
            return auth.split(" ", 1)[1].strip()
        return ""

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _rest_fault(self, org: OrgInfo, operation: str) -> bool:
        fired = ft.take(
            self.emu.root.store(org.name),
            ("drop_connection", "request_limit", "http_500"),
            operation,
        )
        if not fired:
            return False
        kind = fired[0].kind
        self._log(f"fault={kind}")
        if kind == "drop_connection":
            self._drop()
        elif kind == "request_limit":
            self._json(
                403,
                [
                    {
                        "message": "TotalRequests Limit exceeded.",
                        "errorCode": "REQUEST_LIMIT_EXCEEDED",
                    }
                ],
            )
        else:
            self._json(
                500, [{"message": "An unexpected error occurred", "errorCode": "UNKNOWN_EXCEPTION"}]
            )
        return True

    # ----- REST ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        """REST calls: userinfo, versions, sobjects, queries, tooling describe."""
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        org = self._token_org(self._bearer())
        self._log("" if org else "(no valid token)")
        if path == "/services/data" or path == "/services/data/":
            self._json(
                200,
                [
                    {"label": f"v{v}", "url": f"/services/data/v{v}", "version": v}
                    for v in API_VERSIONS
                ],
            )
            return
        if org is None:
            self._json(401, INVALID_SESSION)
            return
        if self._rest_fault(org, "rest"):
            return
        base = self.emu.url
        if path == "/services/oauth2/userinfo":
            self._json(200, _userinfo(org, base))
            return
        m = re.fullmatch(r"/services/data/v[\d.]+(/tooling)?(/.*)?", path)
        if not m:
            self._json(404, NOT_FOUND)
            return
        rest = m.group(2) or ""
        if rest == "":
            self._json(200, {"sobjects": "sobjects", "query": "query", "tooling": "tooling"})
        elif rest == "/query":
            q = parse_qs(parts.query).get("q", [""])[0]
            m = re.search(r"\bfrom\s+(\w+)", q, re.IGNORECASE)
            sobject = m.group(1) if m else ""
            self._log(f"FROM {sobject}")
            if sobject.lower() not in ("organization", "user"):
                self._json(
                    400,
                    [
                        {
                            "message": f"sObject type '{sobject}' is not supported.",
                            "errorCode": "INVALID_TYPE",
                        }
                    ],
                )
                return
            self._json(200, _query(org, sobject, base))
        elif re.fullmatch(r"/sobjects/User/\w+", rest):
            self._json(200, _user(org, base))
        elif rest == "/sobjects/Organization/" + org.org_id:
            self._json(200, _organization(org, base))
        elif rest == "/limits":
            self._json(200, {"DailyApiRequests": {"Max": 15000, "Remaining": 14999}})
        else:
            self._json(404, NOT_FOUND)

    # ----- SOAP ------------------------------------------------------------------------------

    def do_POST(self) -> None:
        """Metadata API SOAP calls."""
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._log("(body too large)")
            self._xml(
                500, soap.fault("EXCEEDED_MAX_SIZE_REQUEST", "Maximum size of request reached")
            )
            self.close_connection = True
            return
        body = self.rfile.read(length)
        if not re.fullmatch(r"/services/Soap/m/[\d.]+", path):
            org = self._token_org(self._bearer())
            self._log("")
            self._json(401 if org is None else 404, INVALID_SESSION if org is None else NOT_FOUND)
            return
        try:
            req = soap.parse_request(body)
        except soap.SoapError as exc:
            self._log("(bad SOAP)")
            self._xml(500, soap.fault("INVALID_XML", str(exc)))
            return
        org = self._token_org(req.session_id)
        self._log(req.method if org else f"{req.method} (no valid session)")
        if os.environ.get("SFEMU_DUMP"):
            redacted = re.sub(
                rb"<sessionId>[^<]*</sessionId>", b"<sessionId>REDACTED</sessionId>", body
            )
            write_atomic(self.emu.root.path / f"last-{req.method}.xml", redacted)
        if org is None:
            self._xml(
                500,
                soap.fault(
                    "INVALID_SESSION_ID",
                    "Invalid Session ID found in SessionHeader: Illegal Session",
                ),
            )
            return
        fired = ft.take(
            self.emu.root.store(org.name),
            ("drop_connection", "request_limit", "http_500"),
            req.method,
        )
        if fired:
            kind = fired[0].kind
            self._log(f"fault={kind}")
            if kind == "drop_connection":
                self._drop()
            elif kind == "request_limit":
                self._xml(
                    500, soap.fault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                )
            else:
                self._send(500, b"<html><body>Internal Server Error</body></html>", "text/html")
            return
        handler = getattr(self, "soap_" + req.method, None)
        if handler is None:
            self._xml(500, soap.fault("INVALID_OPERATION", f"unsupported operation {req.method}"))
            return
        try:
            result = handler(org, req)
        except LookupError as exc:
            self._xml(500, soap.fault("INVALID_ID_FIELD", str(exc).strip("'\"")))
            return
        self._xml(200, soap.envelope(req.method, result))

    def soap_deploy(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        params = req.params()
        options = params.get("DeployOptions") or params.get("deployOptions") or {}
        zip_b64 = str(params.get("ZipFile") or params.get("zipFile") or "")
        job = self.emu.start_deploy(org, zip_b64, options if isinstance(options, dict) else {})
        return {"done": False, "id": job.id, "state": "Queued"}

    def _job(self, org: OrgInfo, job_id: str) -> DeployJob:
        job = self.emu.jobs.get(job_id)
        if job is None or job.org != org.name:
            raise LookupError(f"invalid id: {job_id}")
        return job

    def soap_checkDeployStatus(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        params = req.params()
        job = self._job(org, str(params.get("asyncProcessId", "")))
        self.emu.poll_deploy(job)
        details = str(params.get("includeDetails", "false")).lower() == "true"
        return self.emu.deploy_result(job, details)

    def soap_cancelDeploy(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        params = req.params()
        job = self._job(org, str(params.get("String") or params.get("id") or ""))
        self.emu.cancel_deploy(job)
        return {"done": job.status == "Canceled", "id": job.id}

    def soap_retrieve(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        job = self.emu.start_retrieve(org, req)
        return {"done": False, "id": job.id, "state": "Queued"}

    def soap_checkRetrieveStatus(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        params = req.params()
        job_id = str(params.get("asyncProcessId", ""))
        job = self.emu.retrieves.get(job_id)
        if job is None or job.org != org.name:
            raise LookupError(f"invalid id: {job_id}")
        o = job.outcome
        include_zip = str(params.get("includeZip", "true")).lower() != "false"
        return {
            "done": True,
            "errorMessage": o.error_message or None,
            "errorStatusCode": o.error_code or None,
            "fileProperties": [
                {
                    "createdById": p.user_id,
                    "createdByName": p.created_by_name,
                    "createdDate": p.created_date,
                    "fileName": p.file_name,
                    "fullName": p.component.full_name,
                    "id": p.id,
                    "lastModifiedById": p.user_id,
                    "lastModifiedByName": p.last_modified_by_name,
                    "lastModifiedDate": p.last_modified_date,
                    "manageableState": "unmanaged",
                    "type": types.reported_type(p.component),
                }
                for p in o.file_properties
            ],
            "id": job.id,
            "messages": [{"fileName": f, "problem": p} for f, p in o.messages],
            "status": "Succeeded" if o.success else "Failed",
            "success": o.success,
            "zipFile": base64.b64encode(o.zip_bytes).decode("ascii")
            if include_zip and o.success
            else None,
        }

    def soap_listMetadata(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        queries = req.params().get("queries") or []
        if isinstance(queries, dict):
            queries = [queries]
        return self.emu.list_metadata(org, [q for q in queries if isinstance(q, dict)])

    def soap_describeMetadata(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        return self.emu.describe_metadata()


def _userinfo(org: OrgInfo, base: str) -> dict[str, Any]:
    return {
        "sub": f"{base}/id/{org.org_id}/{org.user_id}",
        "user_id": org.user_id,
        "organization_id": org.org_id,
        "preferred_username": org.username,
        "nickname": "admin",
        "name": ADMIN_NAME,
        "email": org.username,
        "email_verified": True,
        "given_name": "Admin",
        "family_name": "User",
        "zoneinfo": "Europe/London",
        "locale": "en_US",
        "language": "en_US",
        "active": True,
        "user_type": "STANDARD",
        "is_app_installed": True,
        "urls": {
            "enterprise": f"{base}/services/Soap/c/{{version}}/{org.org_id[:15]}",
            "metadata": f"{base}/services/Soap/m/{{version}}/{org.org_id[:15]}",
            "partner": f"{base}/services/Soap/u/{{version}}/{org.org_id[:15]}",
            "rest": f"{base}/services/data/v{{version}}/",
            "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
            "query": f"{base}/services/data/v{{version}}/query/",
            "tooling_rest": f"{base}/services/data/v{{version}}/tooling/",
        },
        "updated_at": org.created,
    }


def _user(org: OrgInfo, base: str) -> dict[str, Any]:
    return {
        "attributes": {"type": "User", "url": f"/services/data/v62.0/sobjects/User/{org.user_id}"},
        "Id": org.user_id,
        "Username": org.username,
        "Name": ADMIN_NAME,
        "Email": org.username,
        "IsActive": True,
    }


def _organization(org: OrgInfo, base: str) -> dict[str, Any]:
    return {
        "attributes": {
            "type": "Organization",
            "url": f"/services/data/v62.0/sobjects/Organization/{org.org_id}",
        },
        "Id": org.org_id,
        "Name": f"sfemu {org.name}",
        "InstanceName": org.instance_name,
        "IsSandbox": org.sandbox,
        "TrialExpirationDate": None,
        "NamespacePrefix": None,
        "OrganizationType": "Enterprise Edition" if org.sandbox else "Developer Edition",
    }


def _query(org: OrgInfo, sobject: str, base: str) -> dict[str, Any]:
    sobject = sobject.lower()
    records: list[dict[str, Any]] = []
    if sobject == "organization":
        records = [_organization(org, base)]
    elif sobject == "user":
        records = [_user(org, base)]
    return {"totalSize": len(records), "done": True, "records": records}


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its emulator and keeps a request log."""

    daemon_threads = True
    # sf sends ~500 listMetadata calls at once (generate manifest --from-org); a short listen
    # backlog drops their SYNs and the client backs off for minutes
    request_queue_size = 1024

    def __init__(self, emulator: Emulator, port: int) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.emulator = emulator
        self._log_lock = threading.Lock()
        self.log_path = emulator.root.path / "requests.log"

    def log_request_line(self, line: str) -> None:
        """Append one line (method, path, SOAP operation; never a token) to requests.log."""
        with self._log_lock, open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{time.strftime('%H:%M:%S')} {line}\n")


def serve(root: Root, port: int = 0, settings: Settings | None = None) -> EmulatorHTTPServer:
    """Create the server bound to 127.0.0.1:``port`` (0 picks a free port); not yet serving."""
    emulator = Emulator(root, settings)
    httpd = EmulatorHTTPServer(emulator, port)
    emulator.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    write_atomic(
        root.path / "server.json",
        json.dumps({"url": emulator.url, "pid": os.getpid()}).encode("utf-8"),
    )
    return httpd
