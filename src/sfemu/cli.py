"""``sfemu``: serve emulated orgs, create them, and drive the back door from a shell."""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
from pathlib import Path
from typing import Any

from sfemu.faults import KINDS, Fault
from sfemu.jobs import API_VERSIONS
from sfemu.store import Root, StoreError


def version() -> str:
    """The installed version (sfemu ships in the sfsync distribution)."""
    from importlib import metadata

    try:
        return metadata.version("sfsync")
    except metadata.PackageNotFoundError:
        return "unknown"


def _sub(
    sub: Any, name: str, summary: str, description: str, examples: list[str]
) -> argparse.ArgumentParser:
    """A subcommand whose description and examples keep their lines (no rewrapping)."""
    shown = "\n".join(f"  {example}" for example in examples)
    return sub.add_parser(  # type: ignore[no-any-return]
        name,
        help=summary,
        description=f"{description}\n\nExample{'s' if len(examples) > 1 else ''}:\n{shown}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sfemu",
        description="A local Salesforce org emulator for the sf CLI (loopback only).",
        epilog="Run `sfemu COMMAND --help` for a command's options and an example.",
    )
    p.add_argument("--version", action="version", version=f"sfemu {version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = _sub(
        sub,
        "serve",
        "serve every org under --root; prints the URL, then how to log in",
        "Serve the orgs under DIR on 127.0.0.1 until stopped (Ctrl-C or SIGTERM).\n"
        "Prints the URL as the first line of stdout, then, on stderr, each org and the\n"
        "command that prints its access token (sfemu create-org on its name).",
        ["sfemu serve --root .sfemu --port 0 --org dev1:sandbox"],
    )
    s.add_argument(
        "--root", required=True, type=Path, metavar="DIR", help="folder holding the orgs"
    )
    s.add_argument("--port", type=int, default=0, metavar="PORT", help="port (0 picks a free one)")
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
        metavar="N",
        help="status polls a deploy stays InProgress (default 1)",
    )
    s.add_argument(
        "--zip-limit",
        type=int,
        default=None,
        metavar="BYTES",
        help="largest deploy/retrieve zip the org accepts (default: 39 MB, as Salesforce)",
    )
    s.add_argument(
        "--api-version",
        type=_api_version,
        default=None,
        metavar="VERSION",
        help=f"the newest API version the orgs serve (default {API_VERSIONS[-1]}; 66.0 models "
        "Spring '26, the first to accept RunRelevantTests); sf keeps the version it saw at "
        "login: sf org logout, then log in again",
    )
    s.add_argument(
        "--tls-cert",
        type=Path,
        default=None,
        help="serve https with this PEM certificate for 127.0.0.1 (with --tls-key)",
    )
    s.add_argument("--tls-key", type=Path, default=None, help="the certificate's PEM key")

    c = _sub(
        sub,
        "create-org",
        "create an org; prints its login details as JSON",
        "Create the org NAME under DIR and print its instance URL, access token, org id and "
        "username as JSON\n(the token is what `sf org login access-token` takes; with a "
        "server on https, also\nsfdxAuthUrl, for `sf org login sfdx-url --sfdx-url-file`).\n\n"
        "NAME may exist already (e.g. made by `serve --org`): it is left as it is (its\n"
        "metadata, and production or sandbox as it was created) and its login details are\n"
        "printed again. This is how to get the credentials of an org that serve runs.",
        [
            "sfemu create-org --root .sfemu dev1 --sandbox",
            "sfemu create-org --root .sfemu dev1   # again: the same org's login details",
        ],
    )
    c.add_argument(
        "--root", required=True, type=Path, metavar="DIR", help="folder holding the orgs"
    )
    c.add_argument("name", metavar="NAME", help="the org's name (letters, digits, '_', '-')")
    c.add_argument("--sandbox", action="store_true", help="a sandbox (default: a production org)")

    f = _sub(
        sub,
        "fault",
        "arm a fault for an org (works while serve runs)",
        "Arm a fault for the org's next matching calls. KIND is one of:\n"
        + "\n".join(f"  {kind}" for kind in KINDS),
        [
            "sfemu fault --root .sfemu dev1 component_error --component ApexClass:Foo "
            "--problem 'Invalid type: Bar' --line 3",
            "sfemu fault --root .sfemu dev1 drop_connection --times 2",
        ],
    )
    f.add_argument(
        "--root", required=True, type=Path, metavar="DIR", help="folder holding the orgs"
    )
    f.add_argument("org", metavar="ORG", help="the org's name")
    f.add_argument("kind", choices=KINDS, metavar="KIND", help="what goes wrong (see above)")
    f.add_argument(
        "--operation",
        default=None,
        metavar="OP",
        help="SOAP method (deploy, checkDeployStatus, ...), 'rest' or '*' (default: by KIND)",
    )
    f.add_argument(
        "--times", type=int, default=1, metavar="N", help="how many calls it fires on (default 1)"
    )
    f.add_argument(
        "--component",
        default="",
        metavar="TYPE:NAME",
        help="the failing component (component_error) or test class (test_failure)",
    )
    f.add_argument("--problem", default="", metavar="TEXT", help="the error message to report")
    f.add_argument(
        "--line", type=int, default=None, metavar="N", help="the line the problem is reported on"
    )
    f.add_argument(
        "--polls",
        type=int,
        default=0,
        metavar="N",
        help="stay_in_progress: polls the deploy stays InProgress",
    )
    f.add_argument(
        "--after", type=int, default=0, metavar="N", help="let this many matching calls through"
    )

    d = _sub(
        sub,
        "deployments",
        "print an org's recorded deployments as JSON",
        "Print the deployments the org recorded (what each deployed and deleted) as JSON.",
        ["sfemu deployments --root .sfemu dev1"],
    )
    d.add_argument(
        "--root", required=True, type=Path, metavar="DIR", help="folder holding the orgs"
    )
    d.add_argument("org", metavar="ORG", help="the org's name")
    return p


def _login_help(root: Root, given: Path, url: str) -> list[str]:
    """How to log `sf` in to each org served (no secret printed: the command that prints it)."""
    orgs = root.orgs()
    where = shlex.quote(str(given))
    lines = [
        f"sfemu: serving {len(orgs)} org{'' if len(orgs) == 1 else 's'} at {url} (Ctrl-C stops)"
    ]
    for name, info in sorted(orgs.items()):
        kind = "sandbox" if info.sandbox else "production"
        lines.append(
            f"  {name} ({kind}, {info.username}): sfemu create-org --root {where} {name} "
            "prints its access token"
        )
    if orgs:
        lines.append(
            "log sf in to one: SF_ACCESS_TOKEN=<accessToken> sf org login access-token "
            f"--instance-url {url} --alias <name> --no-prompt"
        )
    else:
        lines.append(f"no org yet: sfemu create-org --root {where} NAME (or serve --org NAME)")
    return lines


def _api_version(text: str) -> int:
    """`66.0` (or `66`) as the major version; argparse shows a ValueError as a usage error."""
    major, _, minor = text.partition(".")
    if not major.isdigit() or minor not in ("", "0") or int(major) < int(float(API_VERSIONS[0])):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an API version: write one like 66.0 (at least {API_VERSIONS[0]})"
        )
    return int(major)


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
        newest_api=args.api_version,
    )
    emu.start()
    for spec in args.org:
        name, _, kind = spec.partition(":")
        emu.create_org(name, sandbox=kind == "sandbox")
    print(emu.url, flush=True)  # the first line of stdout: what scripts read
    for line in _login_help(emu.root, args.root, emu.url):
        print(line, file=sys.stderr, flush=True)
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
            details = {
                "name": info.name,
                "instanceUrl": url,
                "accessToken": info.access_token,
                "refreshToken": info.refresh_token,
                "orgId": info.org_id,
                "username": info.username,
                "sandbox": info.sandbox,
            }
            if url.startswith("https://"):  # sf org login sfdx-url talks https only
                host = url.split("://", 1)[1]
                details["sfdxAuthUrl"] = f"force://PlatformCLI::{info.refresh_token}@{host}"
            print(json.dumps(details))
            return 0
        store = root.store(args.org)
        if args.command == "fault":
            from sfemu import faults

            default_op = {
                "component_error": "deploy",
                "test_failure": "deploy",
                "stay_in_progress": "deploy",
                "drop_connection": "checkDeployStatus",
                "hostile_zip": "retrieve",
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
                    args.after,
                ),
            )
            return 0
        print(json.dumps(store.state()["deployments"], indent=1))
        return 0
    except (StoreError, ValueError, OSError) as exc:
        print(f"sfemu: {exc}", file=sys.stderr)
        return 2
