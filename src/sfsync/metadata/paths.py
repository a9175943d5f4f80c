"""Source-format file name rules shared by the resolver's kind handlers."""

from __future__ import annotations

import posixpath

META_XML = "-meta.xml"
# plain string work rather than regexes: compiling them costs the hook more than using them


def parse_metadata_xml(basename: str) -> tuple[str, str] | None:
    """(fullName, suffix) of `Name.suffix-meta.xml`, or None for other file names.

    Same result as the CLI's `/(.+)\\.(.+)-meta\\.xml/`: the suffix follows the last dot
    that leaves a non-empty name and suffix.
    """
    end = basename.rfind(META_XML)
    if end < 3:
        return None
    head = basename[:end]
    dot = head.rfind(".", 1, len(head) - 1)
    if dot < 1:
        return None
    return head[:dot], head[dot + 1 :]


def parse_folder_xml(basename: str) -> str | None:
    """The folder name of a folder's own `Name-meta.xml` (no dot in Name), else None."""
    end = basename.rfind(META_XML)
    if end < 1:
        return None
    name = basename[:end]
    return None if "." in name else name


def ext_name(path: str) -> str:
    """The extension without its dot (`Foo.cls` -> `cls`); '' for none or a dot file."""
    return posixpath.splitext(path)[1][1:]


def base_name(name: str) -> str:
    """A file or folder name up to its first dot (`card.js-meta.xml` -> `card`)."""
    return name.split(".", 1)[0]


def nested_full_name(parts: list[str], directory_name: str) -> str | None:
    """`reports/Sales/Q1/Pipe.report-meta.xml` -> `Sales/Q1/Pipe` (folders kept)."""
    if directory_name not in parts:
        return None
    index = len(parts) - 1 - parts[::-1].index(directory_name)
    rest = parts[index + 1 :]
    if not rest:
        return None
    rest = [*rest[:-1], rest[-1].replace(META_XML, "", 1).split(".")[0]]
    return "/".join(rest)


def last_index(parts: list[str], name: str) -> int:
    """Index of the last `name` in `parts`, -1 when absent."""
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] == name:
            return index
    return -1
