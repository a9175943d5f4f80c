"""Console entry point for `sfsync`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from sfsync.cli import main as cli_main

    return cli_main(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
