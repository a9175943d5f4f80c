"""Console entry point for `sfsync`.

`sfsync check` (what the git hooks run at every commit and push) goes straight to the lean
`sfsync.hooks.check`, and `sfsync merge-driver` (what git runs once per file it merges) to
`sfsync.hooks.merge_driver`, without importing typer or rich; `-h/--help` still goes through
the full CLI.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    options = args[: args.index("--")] if "--" in args else args  # after `--`: hook arguments
    if args[:1] == ["check"] and not {"-h", "--help"} & set(options):
        from sfsync.hooks.check import main as check_main

        return check_main(args[1:])
    if args[:1] == ["merge-driver"] and len(args) > 1 and not args[1].startswith("-"):
        # git's temporary files never start with "-": `--help` (and any option) is the CLI's
        from sfsync.hooks.merge_driver import main as driver_main

        return driver_main(args[1:])
    from sfsync.cli.app import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
