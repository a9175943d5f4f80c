"""Console entry point for `sfsync`.

`sfsync check` (what the git hooks run at every commit and push) goes straight to the lean
`sfsync.hooks.check` without importing typer or rich; `-h/--help` still goes through the full CLI.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    options = args[: args.index("--")] if "--" in args else args  # after `--`: hook arguments
    if args[:1] == ["check"] and not {"-h", "--help"} & set(options):
        from sfsync.hooks.check import main as check_main

        return check_main(args[1:])
    from sfsync.cli.app import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
