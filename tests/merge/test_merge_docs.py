"""docs/merging.md names every list the key tables merge by key, and every file pattern."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfsync.metadata.merge import gitattributes_patterns
from sfsync.metadata.merge.rules import KEYED
from sfsync.metadata.merge.schemas import SCHEMAS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "merging.md").read_text(encoding="utf-8")
TABLE = DOC[DOC.index("### The key table") : DOC.index("## What a conflict looks like")]

ROOT_LISTS = sorted(
    {
        (tag, key.partition("|")[0].partition("/")[0])
        for schema in SCHEMAS.values()
        for tag, rule in schema.root.items()
        if rule.kind == KEYED
        for key in rule.key
    }
)


@pytest.mark.parametrize(("tag", "key"), ROOT_LISTS, ids=[f"{t}-{k}" for t, k in ROOT_LISTS])
def test_key_table_names_every_keyed_list(tag: str, key: str) -> None:
    assert f"`{tag}`" in TABLE
    assert f"`{key}`" in TABLE or key == "layout"  # a layout assignment: "the layout's object"


PATTERNS = DOC[DOC.index("Every file pattern that merges by element") :].split("```")[1].split()


def test_docs_list_exactly_the_file_patterns() -> None:
    assert sorted(PATTERNS) == sorted(gitattributes_patterns())
