"""`.forceignore` patterns matched like the `sf` CLI (gitignore rules, case-insensitive)."""

from __future__ import annotations

import pytest

from sfsync.metadata.forceignore import ForceIgnore

RULES = """
# comment
**/jsconfig.json
**/__tests__/**
/force-app/main/default/profiles/
*.bak
force-app/**/settings/*
!force-app/**/settings/Keep.settings-meta.xml
docs
"""


@pytest.mark.parametrize(
    ("path", "denied"),
    [
        pytest.param("force-app/main/default/lwc/jsconfig.json", True, id="any-depth-name"),
        pytest.param("force-app/lwc/card/__tests__/card.test.js", True, id="double-star-dir"),
        pytest.param(
            "force-app/main/default/profiles/Admin.profile-meta.xml", True, id="anchored-dir"
        ),
        pytest.param(
            "other/main/default/profiles/Admin.profile-meta.xml", False, id="anchor-holds"
        ),
        pytest.param("force-app/classes/Old.cls.bak", True, id="extension"),
        pytest.param("force-app/main/default/settings/Case.settings-meta.xml", True, id="glob"),
        pytest.param("force-app/main/default/settings/Keep.settings-meta.xml", False, id="negated"),
        pytest.param("force-app/docs/readme.md", True, id="name-matches-folder"),
        pytest.param("force-app/main/default/classes/A.cls", False, id="kept"),
        pytest.param("force-app/main/default/classes/.eslintrc", True, id="default-dot-files"),
        pytest.param("force-app/main/default/classes/A.cls.dup", True, id="default-dup"),
        pytest.param("FORCE-APP/LWC/JSCONFIG.JSON", True, id="case-insensitive"),
    ],
)
def test_patterns(path: str, denied: bool) -> None:
    assert ForceIgnore(RULES).denies(path) is denied


def test_without_file_only_defaults_apply() -> None:
    ignore = ForceIgnore()
    assert ignore.denies("a/.git/config")
    assert not ignore.denies("force-app/main/default/classes/A.cls")
