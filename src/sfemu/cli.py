"""``sfemu``: serve emulated orgs, create them, and drive the back door from a shell."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from sfemu.faults import KINDS, Fault
from sfemu.store import Root, StoreError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sfemu",
        description="A local Salesforce org emulator for the sf CLI (loopback only).",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "serve",
        help="serve every org under --root; prints the URL",
        description="Serve the orgs under ROOT on 127.0.0.1. Example:\n"
        "  sfemu serve --root .sfemu --port 0",
    )
    s.add_argument("--root", required=True, type=Path, help="folder holding the orgs")
    s.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    s.add_argument(
        "--org",
        action="append",
        default=[],
        metavar="NAME[:sandbox]",
        help="create this org first (repeatable)",
    )
    s.add_argument(
        "--progress-polls",
        type=int,
        default=1,
        help="status polls a deploy stays InProgress (default 1)",
    )
    s.add_argument("--zip-limit", type=int, default=None, help="deploy/retrieve zip limit, bytes")
    s.add_argument(
        "--tls-cert",
        type=Path,
        default=None,
        help="serve https with this PEM certificate for 127.0.0.1 (with --tls-key)",
    )
    s.add_argument("--tls-key", type=Path, default=None, help="the certificate's PEM key")

    c = sub.add_parser(
        "create-org",
        help="create an org; prints its login details as JSON",
        description="Example: sfemu create-org --root .sfemu dev1 --sandbox",
    )
    c.add_argument("--root", required=True, type=Path)
    c.add_argument("name")
    c.add_argument("--sandbox", action="store_true")

    f = sub.add_parser(
        "fault",
        help="arm a fault for an org (works while serve runs)",
        description="Example: sfemu fault --root .sfemu dev1 component_error "
        "--component ApexClass:Foo --problem 'Invalid type: Bar'",
    )
    f.add_argument("--root", required=True, type=Path)
    f.add_argument("org")
    f.add_argument("kind", choices=KINDS)
    f.add_argument("--operation", default=None, help="SOAP method, 'rest' or '*'")
    f.add_argument("--times", type=int, default=1)
    f.add_argument("--component", default="")
    f.add_argument("--problem", default="")
    f.add_argument("--line", type=int, default=None)
    f.add_argument("--polls", type=int, default=0)

    d = sub.add_parser("deployments", help="print an org's recorded deployments as JSON")
    d.add_argument("--root", required=True, type=Path)
    d.add_argument("org")
    return p


def _serve(args: argparse.Namespace) -> int:
    from sfemu.emulator import OrgEmulator

    tls = None
    if args.tls_cert is not None or args.tls_key is not None:
        if args.tls_cert is None or args.tls_key is None:
            print("sfemu: --tls-cert and --tls-key go together", file=sys.stderr)
            return 2
        import ssl

        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    emu = OrgEmulator(
        args.root,
        args.port,
        progress_polls=args.progress_polls,
        zip_limit=args.zip_limit,
        tls=tls,
    )
    emu.start()
    for spec in args.org:
        name, _, kind = spec.partition(":")
        emu.create_org(name, sandbox=kind == "sandbox")
    print(emu.url, flush=True)
    stop = {"now": False}

    def _stop(*_a: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stop["now"]:
            signal.pause()
    finally:
        emu.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``sfemu`` command line; returns the exit code (2 for usage errors)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        root = Root(args.root)
        if args.command == "create-org":
            info = root.create_org(args.name, sandbox=args.sandbox)
            url = ""
            server = root.path / "server.json"
            if server.exists():
                url = json.loads(server.read_text(encoding="utf-8"))["url"]
            print(
                json.dumps(
                    {
                        "name": info.name,
                        "instanceUrl": url,
                        "accessToken": info.access_token,
                        "refreshToken": info.refresh_token,
                        "orgId": info.org_id,
                        "username": info.username,
                        "sandbox": info.sandbox,
                    }
                )
            )
            return 0
        store = root.store(args.org)
        if args.command == "fault":
            from sfemu import faults

            default_op = {
                "component_error": "deploy",
                "test_failure": "deploy",
                "stay_in_progress": "deploy",
                "drop_connection": "checkDeployStatus",
            }.get(args.kind, "*")
            faults.arm(
                store,
                Fault(
                    args.kind,
                    args.operation or default_op,
                    args.times,
                    args.component,
                    args.problem,
                    args.line,
                    args.polls,
                ),
            )
            return 0
        print(json.dumps(store.state()["deployments"], indent=1))
        return 0
    except (StoreError, ValueError, OSError) as exc:
        print(f"sfemu: {exc}", file=sys.stderr)
        return 2
