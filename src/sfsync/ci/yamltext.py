"""YAML text out of plain data, the way people write CI files: keys in the order given,
scripts as `|` block scalars, lists indented under their key, a `#` comment header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a list used twice is written twice, never as `&id001` / `*id001`

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # `steps:` then `  - run: ...`, not `- run:` flush with the key
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _text)


def dump(data: Any, header: Sequence[str] = ()) -> str:
    """`data` as YAML, after `header` as comment lines."""
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
        allow_unicode=True,
    )
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header)
    return comments + body


def script(lines: Sequence[str | None]) -> str:
    """Shell lines as one block (None entries are left out); a trailing newline for `|`."""
    return "\n".join(line for line in lines if line is not None) + "\n"
