"""The HTTP side: the REST and SOAP calls the ``sf`` CLI makes, on 127.0.0.1 only."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sfemu import faults as ft
from sfemu import rest, soap, sobjects, soql, types
from sfemu.jobs import DeployJob, Emulator, Settings
from sfemu.store import OrgInfo, Root, write_atomic

MAX_BODY = 60 * 1024 * 1024  # a little over the SOAP message limit (50 MB)


@dataclass(frozen=True)
class BadFraming:
    """A request whose body length cannot be read (see `Handler._body`)."""

    why: str


NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


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
                    for v in self.emu.settings.api_versions()
                ],
            )
            return
        if org is None:
            self._json(401, INVALID_SESSION)
            return
        if self._rest_fault(org, "rest"):
            return
        base = self.emu.url
        if path == "/services/oauth2/userinfo" or path == f"/id/{org.org_id}/{org.user_id}":
            # the identity URL answers what userinfo does (plus the same fields sf reads)
            self._json(200, rest.userinfo(org, base))
            return
        m = re.fullmatch(r"/services/data/v([\d.]+)(/tooling)?(/.*)?", path)
        if not m:
            self._json(404, NOT_FOUND)
            return
        tail = m.group(3) or ""
        api = f"/services/data/v{m.group(1)}{m.group(2) or ''}"
        more = re.fullmatch(r"/query(?:All)?/(\w+)-(\d+)", tail)
        if tail == "":
            self._json(200, {"sobjects": "sobjects", "query": "query", "tooling": "tooling"})
        elif tail in ("/query", "/queryAll"):
            self._query(org, api, bool(m.group(2)), parse_qs(parts.query))
        elif more:
            self._query_more(org, api, more.group(1), int(more.group(2)))
        elif re.fullmatch(r"/sobjects/User/\w+", tail):
            self._json(200, rest.user(org, base))
        elif tail == "/sobjects/Organization/" + org.org_id:
            self._json(200, rest.organization(org, base))
        elif tail == "/limits":
            self._json(200, {"DailyApiRequests": {"Max": 15000, "Remaining": 14999}})
        else:
            self._json(404, NOT_FOUND)

    def _query(self, org: OrgInfo, api: str, tooling: bool, params: dict[str, list[str]]) -> None:
        """``GET .../query?q=SOQL`` (and ``/tooling/query``): see soql.py and sobjects.py."""
        text = params.get("q", [""])[0]
        prefix = "tooling query" if tooling else "query"
        # the first FROM is the query's own (FROM is reserved: no field has that name)
        first = re.match(r"\s*select\b(?:(?!\bfrom\b).)*\bfrom\s+(\w+)", text, re.I | re.S)
        legacy = first.group(1).lower() if first else ""
        if legacy in ("organization", "user"):  # what `sf` asks at login: the whole record
            self._log(f"{prefix} {legacy.capitalize()}")
            self._json(200, rest.query(org, legacy, self.emu.url))
            return
        columns = params.get("columns", [""])[0].lower() == "true"
        store = self.emu.root.store(org.name)
        try:
            outcome = sobjects.run(store, text, tooling)
        except soql.SoqlError as exc:
            self._log(f"{prefix} ({exc.code})")
            self._json(exc.status, exc.body())
            return
        name = outcome.plan.schema.name
        self._log(f"{prefix} {name} (columns)" if columns else f"{prefix} {name}")
        if columns:  # what `sf data query` asks for the columns of its table
            self._json(200, sobjects.columns(outcome.plan))
            return
        batch = sobjects.batch_size(self.headers.get("Sforce-Query-Options", ""))
        cursor = sobjects.Cursor(org.name, outcome, api, batch)
        self._json(200, sobjects.page(self.server.cursors, cursor, 0))

    def _query_more(self, org: OrgInfo, api: str, locator: str, offset: int) -> None:
        """``GET .../query/<locator>-<offset>``: the next batch of a query (``nextRecordsUrl``)."""
        cursor = self.server.cursors.get(locator, org.name)
        prefix = "tooling query more" if api.endswith("/tooling") else "query more"
        if cursor is None or offset > len(cursor.outcome.rows):
            self._log(f"{prefix} (INVALID_QUERY_LOCATOR)")
            self._json(
                400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]
            )
            return
        self._log(f"{prefix} {cursor.outcome.plan.schema.name}")
        self._json(200, sobjects.page(self.server.cursors, cursor, offset, locator))

    def _body(self) -> bytes | BadFraming | None:
        """The request body (Content-Length, or chunked as node's fetch sends a form); None
        when it is over the limit; `BadFraming` when its length cannot be read.

        RFC 9112, section 6.3: a Content-Length that is not a number (`-1`, `abc`, two
        different values) or a chunk size that is not hex makes the framing invalid, and
        "the server MUST respond with a 400 (Bad Request) status code and then close the
        connection" - never read on to the end of the stream."""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            values = self.headers.get_all("Content-Length") or []
            lengths = {v.strip() for value in values for v in value.split(",")}
            if not lengths:
                return b""
            if len(lengths) != 1 or not all(v.isdigit() and v.isascii() for v in lengths):
                return BadFraming(f"Content-Length {', '.join(sorted(lengths))}")
            length = int(lengths.pop())
            return None if length > MAX_BODY else self.rfile.read(length)
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            if line and not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", line):
                return BadFraming("chunk size " + line[:40].decode("ascii", "replace"))
            chunk = int(line or b"0", 16)
            if chunk == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return b"".join(chunks)
            size += chunk
            if size > MAX_BODY:
                return None
            chunks.append(self.rfile.read(chunk))
            self.rfile.readline(1024)  # the CRLF after each chunk

    def _oauth_token(self, body: bytes) -> None:
        """The token endpoint, for the refresh-token grant (what `sf org login sfdx-url` sends).

        Other grants (JWT bearer, web server) are not modelled: they answer like an org whose
        connected app does not allow them, `400 unsupported_grant_type`.
        """
        form = parse_qs(body.decode("utf-8", errors="replace"))
        grant = form.get("grant_type", [""])[0]
        if grant != "refresh_token":
            self._log(f"grant_type={grant or '(none)'} (unsupported)")
            self._json(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
            return
        org = self.emu.root.org_by_refresh_token(form.get("refresh_token", [""])[0])
        self._log("grant_type=refresh_token" + ("" if org else " (invalid)"))
        if org is None:
            self._json(
                400,
                {"error": "invalid_grant", "error_description": "expired access/refresh token"},
            )
            return
        self._json(200, rest.token_response(org, self.emu.url))

    # ----- SOAP ------------------------------------------------------------------------------

    def do_POST(self) -> None:
        """Metadata API SOAP calls, and the OAuth token endpoint."""
        path = urlsplit(self.path).path
        body = self._body()
        if isinstance(body, BadFraming):
            self._log(f"(bad framing: {body.why})")
            self.close_connection = True
            self._json(400, [{"message": "Bad Request", "errorCode": "BAD_REQUEST"}])
            return
        if body is None:
            self._log("(body too large)")
            self._xml(
                500, soap.fault("EXCEEDED_MAX_SIZE_REQUEST", "Maximum size of request reached")
            )
            self.close_connection = True
            return
        if path.rstrip("/") == "/services/oauth2/token":
            self._oauth_token(body)
            return
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
            self._log(f"error {type(exc).__name__}: {exc}")
            self._xml(500, soap.fault("INVALID_ID_FIELD", str(exc).strip("'\"")))
            return
        except Exception as exc:  # answer like the platform, and keep serving
            self._log(f"error {type(exc).__name__}: {exc}")
            self._xml(500, soap.fault("UNKNOWN_EXCEPTION", f"{type(exc).__name__}: {exc}"))
            return
        self._xml(200, soap.envelope(req.method, result))

    def soap_deploy(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        params = req.params()
        options = params.get("DeployOptions") or params.get("deployOptions") or {}
        zip_b64 = str(params.get("ZipFile") or params.get("zipFile") or "")
        version = re.search(r"/services/Soap/m/([\d.]+)", self.path)
        job = self.emu.start_deploy(
            org,
            zip_b64,
            options if isinstance(options, dict) else {},
            float(version.group(1)) if version else 0.0,
        )
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

    def soap_deployRecentValidation(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        validation_id = str(req.params().get("validationId", ""))
        return self.emu.quick_deploy(org, validation_id).id

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
                    "manageableState": p.manageable_state,
                    "namespacePrefix": p.namespace_prefix or None,
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
        if len(queries) > 3:
            # "The queries array can contain up to three ListMetadataQuery queries for each
            # call" (Metadata API, listMetadata()); a fourth fails the call
            # (https://github.com/jsforce/jsforce/issues/22)
            raise ValueError(f"listMetadata takes at most 3 queries a call, not {len(queries)}")
        return self.emu.list_metadata(org, [q for q in queries if isinstance(q, dict)])

    def soap_describeMetadata(self, org: OrgInfo, req: soap.SoapRequest) -> Any:
        return self.emu.describe_metadata()


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
        self.cursors = sobjects.Cursors()
        self.log_path = emulator.root.path / "requests.log"

    def log_request_line(self, line: str) -> None:
        """Append one line (method, path, SOAP operation; never a token) to requests.log."""
        with self._log_lock, open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{time.strftime('%H:%M:%S')} {line}\n")


def serve(
    root: Root,
    port: int = 0,
    settings: Settings | None = None,
    tls: ssl.SSLContext | None = None,
) -> EmulatorHTTPServer:
    """Create the server bound to 127.0.0.1:``port`` (0 picks a free port); not yet serving.

    With ``tls`` (a server-side context holding a certificate for 127.0.0.1) it serves https:
    `sf org login sfdx-url` always talks https to the URL's host.
    """
    emulator = Emulator(root, settings)
    httpd = EmulatorHTTPServer(emulator, port)
    scheme = "http"
    if tls is not None:
        # the handshake happens in the request's thread, not in the accepting one
        httpd.socket = tls.wrap_socket(
            httpd.socket, server_side=True, do_handshake_on_connect=False
        )
        scheme = "https"
    emulator.url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    write_atomic(
        root.path / "server.json",
        json.dumps({"url": emulator.url, "pid": os.getpid()}).encode("utf-8"),
    )
    return httpd
