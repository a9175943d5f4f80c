"""A pipeline with a history, for the dashboard's tests (and its screenshot): real git, state
refs written by sfsync's own code (`tracking.mark_synced`, `tracking.ignore`,
`state.append_event`: the deploy events a deploy would record, with no org), a backup
committed by `backups.store` with `backup_commit.message`, a drift result as
`sfsync drift --json` writes it, and (with `hostile=True`) an event whose every field is
an attack on the page.

prod (main) <- uat <- int <- dev1, dev2 (tests/pipeline.py). What the envs are behind:

    uat   2 deployments (Foo, Bar on main)       dev1  1 deployment (Baz on int)
    int   1 deployment  (Qux on uat)             dev2  never synced
    uat's last run failed (a `release`); prod drifted (a drift result).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import Pipeline, cls, git
from sfsync.git import state
from sfsync.org import backups
from sfsync.org.listed import Listed
from sfsync.pipeline import project, tracking
from sfsync.workflows import backup_commit

SECRET = "ghp_s3cretTOKENs3cretTOKENs3cretTOKEN1234"
HOSTILE_NAME = "<script>window.hacked=1;alert('name')</script>"
HOSTILE = {
    "components": [
        f"ApexClass:{HOSTILE_NAME}",
        "ApexClass:<img src=x onerror=alert('img')>",
        "javascript:alert('scheme')",
        "CustomField:Account.\x1b[31mRed\x07__c",
        "ApexClass:Evil\u202egnp.exe",
        "ApexClass:" + "Long" * 1500,
    ],
    "who": "<b onmouseover=alert('who')>Mallory</b> <mallory@evil.example>",
    "summary": "</li></ol><script>alert('summary')</script><a href=\"javascript:alert(1)\">x</a>",
    "to": "javascript:alert('sha')",
    "deployId": "\"><svg onload=alert('job')>",
}


@dataclass(frozen=True)
class Built:
    """The admin clone and what the tests check against."""

    pipe: Pipeline
    admin: Path
    drift_file: Path
    deployed: dict[str, str]
    """Class name -> the commit that deployed it."""


def build(root: Path, *, hostile: bool = False, github: bool = True) -> Built:
    pipe = Pipeline(root)
    admin = pipe.admin
    base = git(admin, "rev-parse", "main")
    foo = pipe.deploy("main", cls("Foo"), "Foo: the account service")
    bar = pipe.deploy("main", cls("Bar"), "Bar")
    qux = pipe.deploy("uat", cls("Qux"), "Qux on uat")
    proj = project.load(admin)
    tracking.mark_synced(proj, "dev1", "origin/int")
    baz = pipe.deploy("int", cls("Baz"), "Baz on int")
    git(admin, "fetch", "-q", "origin")
    git(admin, "checkout", "-q", "main")

    def record(env: str, kind: str, **fields: object) -> None:
        current = state.read_state(admin, env)
        new = current.state
        if kind in ("deploy", "back-promote") and env != "dev1":
            new = replace(new, deployed=str(fields.get("to_sha")))
        event = state.Event(kind=kind, org=env, **fields)  # type: ignore[arg-type]
        state.append_event(admin, env, event, new, current.commit)

    record(
        "prod", "deploy", from_sha=base, to_sha=bar,
        components=("ApexClass:Foo", "ApexClass:Bar"),
        details={"summary": "deploy prod: 2 deployed, 0 deleted", "deployId": "0AfPROD0001"},
    )  # fmt: skip
    record(
        "uat", "deploy", from_sha=base, to_sha=qux, components=("ApexClass:Qux",),
        details={"summary": "deploy uat: 1 deployed, 0 deleted", "deployId": "0AfUAT00001"},
    )  # fmt: skip
    record("uat", "claim", details={"summary": "deploy claims uat"})
    record("uat", "release", details={"summary": "released uat: nothing deployed (DeployFailed)"})
    record(
        "int", "back-promote", from_sha=base, to_sha=baz, components=("ApexClass:Baz",),
        details={"summary": "back-promote int: 1 deployed", "deleted": ["ApexClass:Old"]},
    )  # fmt: skip
    if hostile:
        record(
            "int", "deploy", from_sha=base, to_sha=HOSTILE["to"],
            components=tuple(HOSTILE["components"]), who=HOSTILE["who"],
            details={"summary": HOSTILE["summary"] + f" https://x:{SECRET}@github.com/a",
                     "deployId": HOSTILE["deployId"]},
        )  # fmt: skip
    # a backup of prod, as `sfsync backup` commits it
    manifest = backups.Manifest(
        env="prod", org="prod", taken="2024-05-01T02:00:00+00:00", mode="full",
        api_version="62.0",
        components={"ApexClass:Foo": Listed("ApexClass", "Foo"),
                    "ApexClass:Bar": Listed("ApexClass", "Bar")},
    )  # fmt: skip
    env = proj.config.env("prod")
    message = backup_commit.message(env, "full", True, [], [], [], manifest)
    blob = git(admin, "hash-object", "-w", "--stdin", input="public class Foo {}\n")
    backups.store(admin, "prod", {"force-app/main/default/classes/Foo.cls": blob}, manifest,
                  None, message)  # fmt: skip
    # prod drifted: the document `sfsync drift --env prod --json` prints (exit 1)
    drift = root / "drift"
    drift.mkdir()
    drift_file = drift / "prod.json"
    result = {
        "env": "prod", "org": "prod", "expected": {"ref": "origin/main", "commit": bar},
        "drift": True,
        "changed": [{"component": "ApexClass:Foo", "lastModifiedByName": "Org Admin",
                     "lastModifiedDate": "2024-05-02T09:00:00.000Z"}],
        "onlyInOrg": [{"component": "ApexClass:Hotfix", "lastModifiedByName": "Org Admin",
                       "lastModifiedDate": "2024-05-02T09:30:00.000Z"}],
        "missingFromOrg": [], "compared": 4, "types": ["ApexClass"], "sfInvocations": 3,
        "savedBranch": None, "savedCommit": None, "warnings": [],
    }  # fmt: skip
    envelope = {"status": 1, "name": "Drift", "message": "prod drifted", "data": result}
    drift_file.write_text(json.dumps(envelope, indent=2), encoding="utf-8")
    if github:
        # the page links commits to the host, and never shows the token in this URL
        git(
            admin,
            "remote",
            "set-url",
            "origin",
            f"https://x-access-token:{SECRET}@github.com/acme/crm.git",
        )
    return Built(pipe, admin, drift_file, {"Foo": foo, "Bar": bar, "Qux": qux, "Baz": baz})
