"""Names that reach git: git's own rules, the schema's patterns, and no option injection."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from pipeline import Pipeline, git
from sfsync.errors import SfsyncError
from sfsync.git import refnames, state, worktree
from sfsync.git import repo as gitrepo
from sfsync.pipeline import config_validation
from sfsync.pipeline.configfile import SCHEMA_PATH

BRANCHES = [
    "main",
    "feature/x",
    "release-1.2",
    "a./b",
    "é",
    "-x",
    "--upload-pack=touch pwned",
    "HEAD",
    "a..b",
    "a b",
    "a~1",
    "a^",
    "a:b",
    "a?",
    "a*",
    "a[b",
    "a\\b",
    "a\tb",
    "a\x7fb",
    "a@{x",
    ".a",
    "x/.y",
    "a/",
    "/a",
    "a//b",
    "a.",
    "foo.lock",
    "a.lock/b",
    "main\n",
]


@pytest.mark.parametrize("name", BRANCHES, ids=[repr(n) for n in BRANCHES])
def test_branch_rules_are_gits(tmp_path: Path, name: str) -> None:
    proc = subprocess.run(
        ["git", "check-ref-format", "--branch", name], cwd=tmp_path, capture_output=True
    )
    assert (refnames.branch_problem(name) is None) == (proc.returncode == 0)


@pytest.mark.parametrize("name", ["@", "@{-1}", "a/@{u}"])
def test_branch_shorthands_are_refused(name: str) -> None:
    # git expands these to another branch; a configured branch must name itself
    assert refnames.branch_problem(name) is not None


COMPONENTS = ["dev1", "dev_1", "dev-1", "d.e.v", "dev1.lock", "dev1.", "dev..1", ".dev", "a b"]


@pytest.mark.parametrize("name", COMPONENTS)
def test_env_names_are_ref_components(tmp_path: Path, name: str) -> None:
    proc = subprocess.run(
        ["git", "check-ref-format", f"refs/sfsync/envs/{name}"], cwd=tmp_path, capture_output=True
    )
    assert (refnames.component_problem(name) is None) == (proc.returncode == 0)


def test_an_env_name_is_one_component() -> None:
    assert refnames.component_problem("a/b") == "contains '/'"


def _schema_check(*keys: str) -> tuple[re.Pattern[str], int | None]:
    node = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for key in keys:
        node = node[key]
    return re.compile(node["pattern"]), node.get("maxLength")


NAMES = [
    *BRANCHES,
    *COMPONENTS,
    "origin",
    "up_stream",
    "_x",
    "user@example.com",
    "my org",
    " my org",
    "my org ",
    "my\torg",
    "my\u00a0org",
    "-o",
    # what every CI provider reads as something else: refused in sfsync.yml
    "x)touch${IFS}MARKER;;y",
    "z'||true||'",
    "${{github.token}}",
    'z"||$CI_COMMIT_BRANCH!="',
    "q'x",
    "rel+1",
    "a{b,c}",
    "a!b",
    # lengths: env names up to 64 characters, branches up to 200, orgs up to 255
    "e" * 64,
    "e" * 65,
    "b/" * 99 + "b",
    "b/" * 100 + "b",
    "o" * 255,
    "o" * 256,
]


@pytest.mark.parametrize("name", NAMES, ids=[repr(n)[:40] for n in NAMES])
def test_schema_patterns_say_what_the_checks_say(name: str) -> None:
    """Editors read the schema's patterns; sfsync reports with its checks: they agree."""
    pairs = [
        (("$defs", "environment", "properties", "branch"), config_validation.branch_problem),
        (("properties", "remote"), refnames.remote_problem),
        (("properties", "environments", "propertyNames"), config_validation.env_name_problem),
        (("$defs", "environment", "properties", "org"), config_validation.org_problem),
    ]
    for keys, check in pairs:
        pattern, longest = _schema_check(*keys)
        # `fullmatch` without the trailing newline `$` allows: the checks refuse "main\n" too
        matches = pattern.fullmatch(name) is not None and "\n" not in name
        matches = matches and (longest is None or len(name) <= longest)
        assert matches == (check(name) is None), (keys[-1], name)


def test_env_branches_are_git_branches() -> None:
    """What sfsync.yml accepts as a branch, git accepts (the allowlist is narrower)."""
    for name in NAMES:
        if config_validation.branch_problem(name) is None:
            assert refnames.branch_problem(name) is None, name


# --- option injection through git: the value is never read as an option -------------------

HOSTILE = "--upload-pack=touch {marker}; echo"
HOSTILE_PUSH = "--receive-pack=touch {marker}; echo"


@pytest.fixture
def pipe(tmp_path: Path) -> Pipeline:
    (tmp_path / "p").mkdir()
    return Pipeline(tmp_path / "p")


def test_fetch_does_not_run_an_upload_pack_from_the_remote_name(
    pipe: Pipeline, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    for branches in ([], ["main"]):
        with pytest.raises(SfsyncError):
            state.fetch(pipe.admin, HOSTILE.format(marker=marker), branches)
        assert not marker.exists()


def test_push_does_not_run_a_receive_pack_from_the_remote_name(
    pipe: Pipeline, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    state.append_event(pipe.admin, "int", state.Event(kind="ignore"), state.EnvState(), None)
    with pytest.raises(SfsyncError):
        state.push(pipe.admin, HOSTILE_PUSH.format(marker=marker), ["int"])
    ok, _, _ = worktree.push_ref(
        pipe.admin, HOSTILE_PUSH.format(marker=marker), git(pipe.admin, "rev-parse", "HEAD"), "x"
    )
    assert not ok
    assert not marker.exists()


def test_revs_are_never_options(pipe: Pipeline, tmp_path: Path) -> None:
    """Every call that takes a rev (from the command line, a hook's input, git config):
    `git diff --output=FILE` would write FILE if the rev were read as an option."""
    marker = tmp_path / "pwned"
    value = f"--output={marker}"
    repo = pipe.admin
    head = git(repo, "rev-parse", "HEAD")
    calls = [
        lambda: gitrepo.rev_parse(repo, value),
        lambda: gitrepo.ref_sha(repo, value),
        lambda: gitrepo.merge_base(repo, value, head),
        lambda: gitrepo.is_ancestor(repo, value, head),
        lambda: gitrepo.diff_names(repo, value, head),
        lambda: gitrepo.diff_name_status(repo, value, head),
        lambda: gitrepo.diff_raw(repo, value, head),
        lambda: gitrepo.first_parent_log(repo, None, value),
        lambda: gitrepo.first_parent_shas(repo, value),
        lambda: gitrepo.ls_tree_blobs(repo, value),
        lambda: gitrepo.merge_tree(repo, value, head),
        lambda: gitrepo.commit_parents(repo, value),
        lambda: gitrepo.refs_under(repo, value),
        lambda: gitrepo.config_get(repo, value),
        lambda: worktree.merge(repo, value, "m"),
        lambda: worktree.reset_keep(repo, value),
    ]
    for call in calls:
        # refused as a bad rev: fine, as long as git did not take it as an option
        with contextlib.suppress(SfsyncError):
            call()
        assert not marker.exists(), call
    assert git(repo, "rev-parse", "HEAD") == head
