"""`python -m sfsync.metadata.merge BASE OURS THEIRS PATH`: git's merge-driver convention.

Merges into OURS; exit 0 when clean, 1 when conflicts remain (with markers), 2 on bad usage.
`sfsync merge-driver` is the command users configure; this entry point is for measuring the
engine alone.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 4:
        print("usage: python -m sfsync.metadata.merge BASE OURS THEIRS PATH", file=sys.stderr)
        return 2
    from sfsync.metadata.merge import merge_file

    base_file, ours_file, theirs_file, path = args
    with open(base_file, "rb") as fh:
        base = fh.read()
    with open(ours_file, "rb") as fh:
        ours = fh.read()
    with open(theirs_file, "rb") as fh:
        theirs = fh.read()
    result = merge_file(base, ours, theirs, path)
    with open(ours_file, "wb") as fh:
        fh.write(result.content)
    if result.fallback_reason:
        print(f"sfsync: {path}: merged by line ({result.fallback_reason})", file=sys.stderr)
    for conflict in result.conflicts:
        print(f"sfsync: conflict: {conflict.describe()}", file=sys.stderr)
    return 0 if result.clean else 1


if __name__ == "__main__":
    sys.exit(main())
