"""Source-format file name rules shared by the resolver's kind handlers."""

from __future__ import annotations

import posixpath
import re

META_XML = "-meta.xml"
_METADATA_XML = re.compile(r"(.+)\.(.+)-meta\.xml")
_FOLDER_XML = re.compile(r"(.+)-meta\.xml")


def parse_metadata_xml(basename: str) -> tuple[str, str] | None:
    """(fullName, suffix) of `Name.suffix-meta.xml`, or None for other file names."""
    match = _METADATA_XML.search(basename)
    return (match.group(1), match.group(2)) if match else None


def parse_folder_xml(basename: str) -> str | None:
    """The folder name of a folder's own `Name-meta.xml` (no dot in Name), else None."""
    match = _FOLDER_XML.search(basename)
    return match.group(1) if match and "." not in match.group(1) else None


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
