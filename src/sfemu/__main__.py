"""``python -m sfemu`` and the ``sfemu`` console script."""

from __future__ import annotations

import sys

from sfemu.cli import main as _main


def main() -> int:
    """Entry point of the ``sfemu`` console script."""
    return _main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
