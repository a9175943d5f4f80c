"""The engine as git runs it: `python -m sfsync.metadata.merge %O %A %B %P` as a merge driver
in a real repository merges what a line merge cannot, and leaves markers git recognises."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from mergecase import E, X, document

PROFILE = "force-app/main/default/profiles/Admin.profile-meta.xml"
LABELS = "force-app/main/default/labels/CustomLabels.labels-meta.xml"
A, B, C = "Account.A__c", "Account.B__c", "Account.C__c"


def fp(field: str, editable: bool) -> E:
    return E("fieldPermissions", E("editable", editable), E("field", field), E("readable", True))


def lab(name: str, value: str) -> E:
    return E("labels", E("fullName", name), E("value", value))


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=check)


def commit(repo: Path, files: dict[str, bytes], message: str) -> None:
    for path, data in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(data)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def test_git_merge_with_the_engine_as_driver(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    driver = f"{shlex.quote(sys.executable)} -m sfsync.metadata.merge %O %A %B %P"
    git(repo, "config", "merge.sfsync.driver", driver)
    (repo / ".gitattributes").write_text(
        "*.profile-meta.xml merge=sfsync\n*.labels-meta.xml merge=sfsync\n"
    )
    commit(
        repo,
        {
            PROFILE: document("Profile", [fp("Account.A__c", False), fp("Account.B__c", False)]),
            LABELS: document("CustomLabels", [lab("Hello", "Hi"), lab("Bye", "Bye")]),
        },
        "base",
    )
    git(repo, "checkout", "-qb", "theirs")
    commit(
        repo,
        {
            PROFILE: document("Profile", [fp(A, False), fp(B, True), fp(C, True)]),
            LABELS: document("CustomLabels", [lab("Hello", "Hey"), lab("Bye", "Bye")]),
        },
        "theirs",
    )
    git(repo, "checkout", "-q", "main")
    commit(
        repo,
        {
            PROFILE: document("Profile", [fp("Account.A__c", True), fp("Account.B__c", False)]),
            LABELS: document("CustomLabels", [lab("Hello", "Hello"), lab("Bye", "Bye")]),
        },
        "ours",
    )
    merge = git(repo, "merge", "--no-edit", "theirs", check=False)
    assert merge.returncode == 1  # the labels conflict: git stops the merge
    # the profile merged by element: both sides' changes, the added entry, no markers
    assert (repo / PROFILE).read_bytes() == document(
        "Profile", [fp("Account.A__c", True), fp("Account.B__c", True), fp("Account.C__c", True)]
    )
    # the labels file: markers around the one label both changed, git sees the conflict
    assert (repo / LABELS).read_bytes() == document(
        "CustomLabels", [X([lab("Hello", "Hello")], [lab("Hello", "Hey")]), lab("Bye", "Bye")]
    )
    unmerged = git(repo, "diff", "--name-only", "--diff-filter=U").stdout.split()
    assert unmerged == [LABELS]
    assert "conflict: CustomLabels CustomLabels: labels Hello: value Hello vs Hey" in merge.stderr
