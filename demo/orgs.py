"""The demo's orgs: logging `sf` in, the baseline deploy, and reading what each org holds.

Reads go through the emulator's back door (`sfemu.open_root`): the proofs look at the org
itself, not at what sfsync says about it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import sample
from rich.table import Table
from stage import Stage, StageError, console

from sfemu.emulator import OrgHandle, open_root

EMPTY_OBJECT = re.compile(rb"(<\?xml[^>]*>)?\s*<CustomObject[^>]*>\s*</CustomObject>\s*")
LOGIN = ("sf", "org", "login", "access-token")
DEPLOY = ("sf", "project", "deploy", "start")

# (label, org file path) rows of the closing table
CONTENT_ROWS = (
    ("ApexClass:AccountService", "classes/AccountService.cls"),
    ("ApexClass:InvoiceService", "classes/InvoiceService.cls"),
    ("ApexClass:TierService", "classes/TierService.cls"),
    ("LightningComponentBundle:accountCard", "lwc/accountCard/accountCard.js"),
    ("CustomField:Invoice__c.DueDate__c", "objects/Invoice__c.object#DueDate__c"),
    ("CustomField:Account.Tier__c", "objects/Account.object#Tier__c"),
)


class Orgs:
    """The emulated orgs, seen through `sf` (deploys) and the back door (proofs)."""

    def __init__(self, stage: Stage, url: str) -> None:
        self.stage = stage
        self.url = url
        self.names: list[str] = []

    def handle(self, name: str) -> OrgHandle:
        """The back door to one org."""
        return open_root(self.stage.emu_root)[name]

    def login_all(self, names: Sequence[str]) -> None:
        """`sf org login access-token` to each org (alias = env name), one after the other."""
        self.names = list(names)
        handles = open_root(self.stage.emu_root)
        self.stage.show_command(
            "release",
            [*LOGIN, "--instance-url", self.url, "--alias", "<org>", "--no-prompt", "--json"],
            {"SF_ACCESS_TOKEN": "<token of the org>"},
        )

        def login(name: str) -> str:
            ran = self.stage.run(
                "release",
                self.stage.ws,
                [
                    "sf",
                    "org",
                    "login",
                    "access-token",
                    "--instance-url",
                    self.url,
                    "--alias",
                    name,
                    "--no-prompt",
                    "--json",
                ],
                env={"SF_ACCESS_TOKEN": handles[name].info.access_token},
                quiet=True,
                expect=None,
            )
            if ran.code != 0:
                raise StageError(f"sf could not log in to {name}: {_sf_message(ran.output)}")
            return str(_sf_json(ran.output)["result"]["username"])

        # one at a time: concurrent logins race on sf's encryption key and alias file (a
        # login then reads the other's half-written JSON: "Unexpected end of JSON input")
        users = [login(name) for name in self.names]
        for name, user in zip(self.names, users, strict=False):
            console.print(f"  logged in: [bold]{name}[/] as {user}")

    def _deploy(self, cwd: Path, org: str, args: Sequence[str]) -> str:
        ran = self.stage.run(
            "release",
            cwd,
            ["sf", "project", "deploy", "start", *args, "--target-org", org, "--json"],
            quiet=True,
            expect=None,
        )
        if ran.code != 0:
            raise StageError(f"deploy to {org} failed: {_sf_message(ran.output)}")
        result = _sf_json(ran.output)["result"]
        return f"{result.get('status')}, {result.get('numberComponentsDeployed')} components"

    def deploy_baseline(self, repo: Path, names: Sequence[str]) -> None:
        """`sf project deploy start --source-dir force-app` to each org, two at a time."""
        self.stage.show_command(
            "release",
            [*DEPLOY, "--source-dir", "force-app", "--target-org", "<org>", "--json"],
        )

        def one(name: str) -> str:
            return self._deploy(repo, name, ["--source-dir", "force-app"])

        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(one, names))
        for name, text in zip(names, results, strict=False):
            console.print(f"  {name}: {text}")

    def deploy_paths(self, repo: Path, org: str, paths: Sequence[str]) -> None:
        """A developer deploys some of their files to their own sandbox."""
        dirs = sorted({_source_path(p) for p in paths})
        args = [a for d in dirs for a in ("--source-dir", d)]
        self.stage.show_command(
            org, ["sf", "project", "deploy", "start", *args, "--target-org", org, "--json"]
        )
        console.print(f"  {self._deploy(repo, org, args)}")

    def deploy_delta(self, repo: Path, org: str, old: str, new: str) -> None:
        """Deploy the net difference old..new with `sfsync delta` and `sf` (no sfsync deploy)."""
        out = self.stage.ws / f"delta-{org}"
        self.stage.run(
            "release",
            repo,
            ["sfsync", "delta", "--from", old, "--to", new, "-o", str(out), "--generate-delta"],
        )
        args = ["--manifest", "package/package.xml"]
        args += ["--post-destructive-changes", "destructiveChanges/destructiveChanges.xml"]
        self.stage.show_command(
            "release", ["sf", "project", "deploy", "start", *args, "--target-org", org]
        )
        console.print(f"  {self._deploy(out, org, args)}")

    # ----- reading the orgs -----------------------------------------------------------------

    def fingerprint(self, name: str) -> str:
        """A hash of every file the org holds (path and bytes).

        An object file with nothing in it is left out: it is how the emulator keeps a
        standard object (Account) whose last custom field was deleted, which in an org is
        the same as never having deployed to it.
        """
        h = self.handle(name)
        digest = hashlib.sha256()
        for path in h.list():
            data = h.read(path)
            if path.startswith("objects/") and EMPTY_OBJECT.fullmatch(data):
                continue
            digest.update(path.encode() + b"\0" + data + b"\0")
        return digest.hexdigest()

    def version(self, org: str, path: str) -> str:
        """The version marker of a file in an org, or ``-`` when it is absent."""
        h = self.handle(org)
        if "#" in path:
            file, _, field = path.partition("#")
            if not h.exists(file):
                return "-"
            found = re.search(
                rf"<fullName>{re.escape(field)}</fullName>(.*?)</fields>", h.read_text(file), re.S
            )
            return sample.version_of(found.group(1)) if found else "-"
        return sample.version_of(h.read_text(path)) if h.exists(path) else "-"

    def has_field(self, org: str, obj: str, field: str) -> bool:
        """True when the org's object file holds the field."""
        return self.version(org, f"objects/{obj}.object#{field}") != "-"

    def contents_table(self) -> None:
        """Which version of each component each org holds."""
        table = Table(title="version of each component, read from the orgs themselves")
        table.add_column("component")
        for name in self.names:
            table.add_column(name)
        for label, path in CONTENT_ROWS:
            cells = []
            for name in self.names:
                v = self.version(name, path)
                style = {"hotfix": "green", "-": "dim"}.get(v)
                if v.endswith("sandbox-edit"):
                    style = "magenta"
                cells.append(f"[{style}]{v}[/]" if style else v)
            table.add_row(label, *cells)
        console.print(table)


def _source_path(rel: str) -> str:
    """The folder (LWC bundle) or file to name in `--source-dir` for a source file."""
    parts = rel.split("/")
    if "lwc" in parts:
        return "/".join(parts[: parts.index("lwc") + 2])
    return rel.removesuffix("-meta.xml") if rel.endswith(".cls-meta.xml") else rel


def _sf_json(text: str) -> dict[str, Any]:
    start = text.find("{")
    try:
        data = json.loads(text[start:]) if start >= 0 else {}
    except json.JSONDecodeError:
        data = {}
    return data if isinstance(data, dict) else {}


def _sf_message(text: str) -> str:
    data = _sf_json(text)
    return str(data.get("message") or text[-400:])
