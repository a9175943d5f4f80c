"""The job engine behind the Metadata API calls: deploys advance over status polls."""

from __future__ import annotations

import base64
import binascii
import copy
import secrets
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from sfemu import deploy as dp
from sfemu import faults as ft
from sfemu import manifest as mf
from sfemu import retrieve as rt
from sfemu import soap, types
from sfemu.store import ADMIN_NAME, OrgInfo, OrgStore, Root, now_iso

API_VERSIONS = [f"{v}.0" for v in range(31, 66)]
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
    newest_api: int = int(float(API_VERSIONS[-1]))
    """The newest API version `/services/data` lists (a test raises it to model a newer
    release: RunRelevantTests needs 66.0)."""

    def api_versions(self) -> list[str]:
        """The versions `/services/data` lists, oldest first."""
        return [f"{v}.0" for v in range(31, self.newest_api + 1)]


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

    def start_deploy(
        self, org: OrgInfo, zip_b64: str, raw_options: dict[str, Any], api_version: float = 0.0
    ) -> DeployJob:
        """Check the zip now; the org changes when the polls reach the end of the job.

        ``api_version``: the SOAP endpoint's version (0: the newest this emulator serves).
        """
        store = self.root.store(org.name)
        version = api_version or float(API_VERSIONS[-1])
        options = dp.DeployOptions.from_soap(
            raw_options, production=not org.sandbox, api_version=version
        )
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
        no_relevant = options.test_level == "RunRelevantTests" and bool(
            ft.take(store, ("no_relevant_tests",), "deploy")
        )
        plan = dp.plan(
            store,
            data,
            options,
            injected,
            self.settings.zip_limit,
            no_relevant_tests=no_relevant,
        )
        if plan.tests:
            failing = ft.take(store, ("test_failure",), "deploy")
            plan.test_failures = tuple(
                (f.component.removeprefix("ApexClass:"), f.problem) for f in failing
            )
        job = DeployJob(
            id=new_id("0Af"),
            org=org.name,
            plan=plan,
            polls_needed=self.settings.progress_polls + extra,
            created=now_iso(),
            by=ADMIN_NAME,
        )
        with self._lock:
            self.jobs[job.id] = job
        return job

    def quick_deploy(self, org: OrgInfo, validation_id: str) -> DeployJob:
        """Deploy a validated (checkOnly, Succeeded) job's components without checking again."""
        validated = self.jobs.get(validation_id)
        if (
            validated is None
            or validated.org != org.name
            or not validated.plan.options.check_only
            or validated.status != "Succeeded"
        ):
            raise LookupError(f"invalid id: {validation_id} is not a successful validation")
        plan = copy.copy(validated.plan)
        plan.options = replace(plan.options, check_only=False)
        job = DeployJob(
            id=new_id("0Af"),
            org=org.name,
            plan=plan,
            polls_needed=self.settings.progress_polls,
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
            "testFailures": [{"test": n, "message": m} for n, m in plan.test_failures],
            "coverageWarnings": [{"name": n, "message": m} for n, m in plan.coverage_warnings],
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
            "numberTestErrors": len(plan.test_failures) if done else 0,
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
                "componentFailures": [
                    deploy_message(m, job.created) for m in failures + plan.warnings
                ],
                "componentSuccesses": [deploy_message(m, job.created) for m in successes],
                "runTestResult": {
                    "failures": [
                        {
                            "id": "01p000000000001AAA",
                            "message": message,
                            "methodName": "test",
                            "name": name,
                            "namespace": None,
                            "stackTrace": f"Class.{name}.test: line 1, column 1",
                            "time": 1,
                            "type": "Class",
                        }
                        for name, message in plan.test_failures
                    ],
                    "codeCoverageWarnings": [
                        {
                            "id": f"01p{index:012d}AAA",
                            "message": message,
                            "name": name,
                            "namespace": None,
                        }
                        for index, (name, message) in enumerate(plan.coverage_warnings, 2)
                    ],
                    "numFailures": len(plan.test_failures),
                    "numTestsRun": len(plan.tests),
                    "successes": [
                        {"id": "01p000000000000AAA", "methodName": "test", "name": t, "time": 1}
                        for t in plan.tests
                        if t not in dict(plan.test_failures)
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
        store = self.root.store(org.name)
        hostile = bool(ft.take(store, ("hostile_zip",), "retrieve"))
        outcome = rt.retrieve(
            store,
            request,
            version,
            single_package=single,
            file_limit=self.settings.retrieve_file_limit,
            zip_limit=self.settings.zip_limit,
            hostile=hostile,
        )
        job = RetrieveJob(new_id("09S"), org.name, outcome)
        with self._lock:
            self.retrieves[job.id] = job
        return job

    def list_metadata(self, org: OrgInfo, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """FileProperties of every component of the queried types (and folders).

        As the Metadata API (listMetadata() takes up to three queries a call; sf sends one), a
        folder type (``ReportFolder``) lists the folders, an in-folder type (``Report``) needs
        ``folder`` and lists that folder's items, a child type (``CustomField``) lists the
        children of every parent. Each entry carries ``namespacePrefix`` and
        ``manageableState`` (``installed`` for a managed package's components). Cached per
        org generation: fast with 50,000 components.
        """
        store = self.root.store(org.name)
        out: list[dict[str, Any]] = []
        with store.locked():
            state = store.state_for_reading()
            comps = store.components()
            owners = store.child_owners()
            for q in queries:
                type_name = str(q.get("type", ""))
                folder = str(q.get("folder") or "")
                mtype = types.get(type_name)
                if mtype is None:
                    continue
                content = types.content_of_folder_type(type_name)
                if content is not None:  # ReportFolder etc: the folders of the content type
                    matches = [
                        c for c in store.components_of_type(content.name) if "/" not in c.full_name
                    ]
                elif mtype.is_child:
                    matches = sorted((c for c in owners if c.type == type_name), key=str)
                elif mtype.in_folder:
                    prefix = folder + "/"
                    matches = [
                        c
                        for c in store.components_of_type(type_name)
                        if folder and c.full_name.startswith(prefix)
                    ]
                else:
                    matches = store.components_of_type(type_name)
                for c in matches:
                    p = store.props(c, state)
                    files = comps.get(c)
                    if files:
                        file_name = sorted(files, key=lambda f: f.endswith(types.META))[0]
                    else:
                        owner = owners.get(c)
                        file_name = (store.parent_file(owner) if owner else None) or ""
                    out.append(
                        {
                            "createdById": org.user_id,
                            "createdByName": p.created_by_name,
                            "createdDate": p.created_date,
                            "fileName": file_name,
                            "fullName": c.full_name,
                            "id": p.id,
                            "lastModifiedById": org.user_id,
                            "lastModifiedByName": p.last_modified_by_name,
                            "lastModifiedDate": p.last_modified_date,
                            "manageableState": p.manageable_state,
                            "namespacePrefix": p.namespace_prefix or None,
                            "type": type_name,
                        }
                    )
        return out

    @staticmethod
    def describe_metadata() -> dict[str, Any]:
        """describeMetadata: every top-level type the emulator knows."""
        objects = []
        for t in sorted(types.registry().values(), key=lambda t: t.name):
            if (
                t.is_child
                or t.container
                or (
                    t.folder_type is None
                    and any(o.folder_type == t.name for o in types.registry().values())
                )
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


def deploy_message(m: dp.DeployMessage, created: str) -> dict[str, Any]:
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


def new_id(prefix: str) -> str:
    return (prefix + "5g" + secrets.token_hex(8).upper())[:15] + "AAA"
