"""`sfsync init`: the proposal (in memory), the file it writes (real git), and, marked e2e,
the proposal from the real `sf org list` of orgs logged in to sfemu."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline import SFDX_PROJECT, git
from sfemu import OrgEmulator
from sfemu.testing import SfCli
from sfsync.cli import app
from sfsync.errors import UsageError
from sfsync.git import mergedriver
from sfsync.org.answers import Run, known_orgs
from sfsync.pipeline import init
from sfsync.pipeline.config_validation import validate_text
from sfsync.pipeline.configfile import SCHEMA_PATH

KnownOrg = init.KnownOrg


def envs(proposal: init.Proposal) -> list[tuple[str, str, str | None, str | None]]:
    return [(e.name, e.org, e.branch, e.upstream) for e in proposal.envs]


@pytest.mark.parametrize(
    ("orgs", "branches", "expected", "note"),
    [
        pytest.param(
            [
                KnownOrg("admin@acme.com", "prod"),
                KnownOrg("admin@acme.com.uat", "uat", sandbox=True),
                KnownOrg("admin@acme.com.int", "int", sandbox=True),
                KnownOrg("ana@acme.com.dev1", "dev1-sb", sandbox=True),
                KnownOrg("test-x@example.com", "scratch1", scratch=True),
            ],
            ["main", "uat", "int", "feature/x"],
            [
                ("prod", "prod", "main", None),
                ("uat", "uat", "uat", "prod"),
                ("int", "int", "int", "uat"),
                ("dev1-sb", "dev1-sb", None, "int"),
            ],
            "scratch orgs are left out",
            id="aliases",
        ),
        pytest.param(
            [
                KnownOrg("admin@acme.com"),
                KnownOrg("admin@acme.com.develop", sandbox=True),
                KnownOrg("ana@acme.com.anadev", sandbox=True),
            ],
            ["master", "develop"],
            [
                ("prod", "admin@acme.com", "master", None),
                ("develop", "admin@acme.com.develop", "develop", "prod"),
                ("anadev", "ana@acme.com.anadev", None, "develop"),
            ],
            None,
            id="sandbox-names-from-usernames",
        ),
        pytest.param(
            [
                KnownOrg("admin@acme.com", "acme-prod"),
                KnownOrg("admin@acme.com.full", "acme-uat", sandbox=True),
                KnownOrg("admin@acme.com.partial", "acme_int", sandbox=True),
                KnownOrg("ana@acme.com.anadev", "ana-dev", sandbox=True),
                KnownOrg("bob@acme.com.bobdev", "bob-dev", sandbox=True),
            ],
            ["main", "uat", "int", "dev"],
            [
                ("prod", "acme-prod", "main", None),
                ("uat", "acme-uat", "uat", "prod"),
                ("int", "acme_int", "int", "uat"),
                ("ana-dev", "ana-dev", None, "int"),
                ("bob-dev", "bob-dev", None, "int"),
            ],
            None,
            id="team-prefixed-aliases",
        ),
        pytest.param(
            [
                KnownOrg("admin@acme.com", "prod"),
                KnownOrg("ana@acme.com.anadev", "ana-dev", sandbox=True),
                KnownOrg("bob@acme.com.bobdev", "bob-dev", sandbox=True),
            ],
            ["main", "dev"],
            [
                ("prod", "prod", "main", None),
                ("dev", "dev", "dev", "prod"),
                ("ana-dev", "ana-dev", None, "dev"),
                ("bob-dev", "bob-dev", None, "dev"),
            ],
            "no sandbox logged in for dev",
            id="a-word-two-sandboxes-share-matches-neither",
        ),
        pytest.param(
            [KnownOrg("a@acme.com", "prod"), KnownOrg("b@acme.com", "other-prod")],
            ["main", "staging"],
            [("prod", "prod", "main", None), ("staging", "staging", "staging", "prod")],
            "no sandbox logged in for staging",
            id="placeholders",
        ),
        pytest.param(
            [],
            [],
            [("prod", "prod", "main", None)],
            "no production orgs logged in",
            id="nothing",
        ),
    ],
)
def test_proposal(
    orgs: list[KnownOrg], branches: list[str], expected: list[Any], note: str | None
) -> None:
    proposal = init.propose(orgs, branches)
    assert envs(proposal) == expected
    assert proposal.envs[0].protected and not any(e.protected for e in proposal.envs[1:])
    if note:
        assert any(note in n for n in proposal.notes), proposal.notes
    # whatever was proposed renders into a valid sfsync.yml
    validate_text(init.render(proposal.envs, schema_ref=init.SCHEMA_COPY))


def test_flags_chain_branch_envs_and_hang_sandboxes_below() -> None:
    proposal = init.from_flags(
        ["prod=main:p", "uat=uat:u", "int=int:i", "dev1=:d1", "hotfix=:hf:uat"]
    )
    assert envs(proposal) == [
        ("prod", "p", "main", None),
        ("uat", "u", "uat", "prod"),
        ("int", "i", "int", "uat"),
        ("dev1", "d1", None, "int"),
        ("hotfix", "hf", None, "uat"),
    ]
    for bad in ("prod", "prod=main", "prod=main:", "=main:p", "a=b:c:d:e"):
        with pytest.raises(UsageError, match="NAME=BRANCH:ORG"):
            init.from_flags([bad])


def test_rendered_file_reads_back_with_odd_names_quoted() -> None:
    specs = [
        init.EnvSpec("prod", "true", "main", None, True),
        init.EnvSpec("uat", "my org", "release/uat", "prod"),
        init.EnvSpec("dev1", "1.0", None, "uat"),
        init.EnvSpec("dev2", "@ana", None, "uat"),
    ]
    text = init.render(specs, schema_ref="https://example.com/sfsync.schema.json")
    assert text.startswith(
        "# yaml-language-server: $schema=https://example.com/sfsync.schema.json\n"
    )
    data = validate_text(text)
    assert data["environments"] == {
        "prod": {"org": "true", "branch": "main", "protected": True},
        "uat": {"org": "my org", "branch": "release/uat", "upstream": "prod"},
        "dev1": {"org": "1.0", "upstream": "uat"},
        "dev2": {"org": "@ana", "upstream": "uat"},
    }
    assert "# notify:" in text and "--confirm prod" in text


def test_env_names_from_aliases() -> None:
    assert init.env_name("Dev 1") == "Dev-1"
    assert init.env_name("dev1", taken={"dev1"}) == "dev1-2"
    assert init.env_name("_x") == "x"
    assert init.env_name("!!!") == "sandbox"


def test_sf_org_list_answer() -> None:
    answer = {
        "status": 0,
        "result": {
            "nonScratchOrgs": [
                {"username": "a@acme.com", "alias": "prod", "orgId": "00D1", "isSandbox": False},
                {"username": "a@acme.com.uat", "alias": "uat", "isSandbox": True},
            ],
            "sandboxes": [{"username": "a@acme.com.uat", "alias": "uat", "isSandbox": True}],
            "scratchOrgs": [{"username": "test-1@example.com", "isScratch": True}],
        },
    }
    orgs = known_orgs(Run(("org", "list"), 0, answer))
    assert [(o.ref, o.sandbox, o.scratch) for o in orgs] == [
        ("prod", False, False),
        ("uat", True, False),
        ("test-1@example.com", False, True),
    ]


# --- the command, in a real repository (no sf: the environments come from --env) ------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "crm"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "sfdx-project.json").write_text(SFDX_PROJECT, encoding="utf-8")
    git(path, "add", "sfdx-project.json")
    git(path, "commit", "-q", "-m", "project")
    git(path, "branch", "uat")
    git(path, "branch", "int")
    return path


FLAGS = ["--env", "prod=main:acme-prod", "--env", "int=int:acme-int", "--env", "dev1=:ana-dev"]


def sfsync(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> Any:
    monkeypatch.chdir(repo)
    capsys.readouterr()
    code = app.main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_init_writes_a_valid_file_sets_the_env_and_installs_hooks(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, out = sfsync(
        repo, monkeypatch, capsys, "init", "--yes", *FLAGS, "--set-env", "dev1", "--install-hooks"
    )
    assert code == 0, out
    text = (repo / "sfsync.yml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=.sfsync/sfsync.schema.json\n")
    assert (repo / ".sfsync" / "sfsync.schema.json").read_bytes() == SCHEMA_PATH.read_bytes()
    assert git(repo, "config", "sfsync.env") == "dev1"
    assert sorted(Path(p).name for p in out["result"]["hooks"]) == ["pre-commit", "pre-push"]
    code, checked = sfsync(repo, monkeypatch, capsys, "config", "validate")
    assert code == 0
    assert [(e["name"], e["upstream"]) for e in checked["result"]["environments"]] == [
        ("prod", None),
        ("int", "prod"),
        ("dev1", "int"),
    ]
    # never replaced without --force; with it, the old file is kept
    code, out = sfsync(repo, monkeypatch, capsys, "init", "--yes", *FLAGS)
    assert code == 2 and "already exists: pass --force" in out["message"]
    code, out = sfsync(repo, monkeypatch, capsys, "init", "--yes", "--force", *FLAGS[:2])
    assert code == 0
    assert (repo / "sfsync.yml.bak").read_text(encoding="utf-8") == text
    assert "int" not in validate_text((repo / "sfsync.yml").read_text())["environments"]


def test_it_ends_with_the_commands_that_finish_the_set_up(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """What init wrote is committed whole (the merge driver's .gitattributes too: the old
    "next" left it untracked), the developer's sandbox is marked synced to its upstream's
    branch, then status; the plain text shows the same commands."""
    args = ["init", "--yes", *FLAGS, "--set-env", "dev1", "--install-hooks", "--merge-driver"]
    code, out = sfsync(repo, monkeypatch, capsys, *args)
    assert code == 0, out
    assert out["result"]["next"] == [
        'git add sfsync.yml .sfsync .gitattributes && git commit -m "sfsync: the pipeline"',
        "sfsync mark-synced --env dev1 origin/int --push",
        "sfsync status --fetch",
    ]
    git(repo, "add", "sfsync.yml", ".sfsync", ".gitattributes")
    assert "??" not in git(repo, "status", "--porcelain")  # nothing init wrote is left out
    capsys.readouterr()
    code = app.main(["init", "--yes", "--force", *FLAGS, "--schema-url", "https://x.test/s.json"])
    text = capsys.readouterr().out
    assert code == 0
    assert 'next:\n  git add sfsync.yml && git commit -m "sfsync: the pipeline"\n' in text, text
    assert "every env branch: main, int" in text
    assert "mark-synced" not in text  # no --set-env: no sandbox of one's own to mark
    assert "  sfsync status --fetch\n" in text


def test_errors_now_point_at_an_init_that_exists(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, out = sfsync(repo, monkeypatch, capsys, "status")
    assert code == 2 and "run `sfsync init`" in out["message"]
    code, out = sfsync(repo, monkeypatch, capsys, "init", "--dry-run", *FLAGS)
    assert code == 0 and out["result"]["config"].count("upstream: int") == 1
    assert not (repo / "sfsync.yml").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(FLAGS, "no terminal to ask on: pass --yes", id="no-tty"),
        pytest.param(["--yes", *FLAGS, "--set-env", "dev9"], "--set-env dev9", id="unknown-env"),
        pytest.param(["--yes", "--env", "prod=main:p", "--env", "x y=:s"], "x y", id="bad-name"),
    ],
)
def test_refusals(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, args: list[str], needle: str
) -> None:
    code, out = sfsync(repo, monkeypatch, capsys, "init", *args)
    assert code == 2 and needle in out["message"], out
    assert not (repo / "sfsync.yml").exists()


def init_answering(repo: Path, answers: list[str]) -> tuple[subprocess.Popen[bytes], bytes]:
    """`sfsync init` in `repo` with a pseudo-terminal as stdin (so it asks), typing `answers`
    one by one: the finished process and its stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfsync", "init", *FLAGS],
        cwd=repo,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    try:
        for answer in answers:
            time.sleep(0.3)
            os.write(master, answer.encode() + b"\n")
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    return proc, err


def test_at_a_terminal_it_asks(repo: Path) -> None:
    """The questions, answered through a pseudo-terminal (stdin is a tty)."""
    answers = [
        "n",  # Use this pipeline? no: edit it
        "acme-prod-2",  # prod's org
        "",  # prod's branch: main
        "",  # int's org: acme-int
        "",  # int's branch: int
        "-",  # dev1: leave it out
        "int",  # my own env
        "n",  # no hooks
        "y",  # the merge driver
    ]
    proc, err = init_answering(repo, answers)
    assert proc.returncode == 0, err.decode()
    data = validate_text((repo / "sfsync.yml").read_text(encoding="utf-8"))
    assert data["environments"] == {
        "prod": {"org": "acme-prod-2", "branch": "main", "protected": True},
        "int": {"org": "acme-int", "branch": "int", "upstream": "prod"},
    }
    assert git(repo, "config", "sfsync.env") == "int"
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert "*.profile-meta.xml merge=sfsync" in (repo / ".gitattributes").read_text()
    assert git(repo, "config", "merge.sfsync.driver") == mergedriver.DRIVER_COMMAND


def test_a_mistyped_own_env_is_asked_again(repo: Path) -> None:
    """Refused after the last question (exit 2, as if `--set-env` had been passed), every
    answer was lost; now the question is asked again, with a suggestion."""
    answers = ["", "dev9", "dev1", "n", "n"]  # the pipeline, a typo, the env, hooks, driver
    proc, err = init_answering(repo, answers)
    text = err.decode()
    assert proc.returncode == 0, text
    assert (
        "dev9 is not an environment of this pipeline (did you mean 'dev1'?): one of prod, int, "
        "dev1, or empty"
    ) in text
    assert git(repo, "config", "sfsync.env") == "dev1"
    assert (repo / "sfsync.yml").is_file()


# --- end to end: the proposal from the real `sf org list` ----------------------------------


@pytest.mark.e2e
def test_the_proposal_comes_from_sf_org_list(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    home = tmp_path / "sf-home"  # its own sf HOME: only these four logins
    sf = SfCli(home)
    with OrgEmulator(tmp_path / "emu", progress_polls=0) as emu:
        for name, sandbox in (("acme", False), ("uat", True), ("int", True), ("ana", True)):
            sf.login(emu.create_org(f"init-{name}", sandbox=sandbox), name)
        for key in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "PATH"):
            monkeypatch.setenv(key, sf.env[key])
        code, out = sfsync(repo, monkeypatch, capsys, "init", "--yes", "--set-env", "ana")
    assert code == 0, out
    assert [
        (e["name"], e["org"], e["branch"], e["upstream"]) for e in out["result"]["environments"]
    ] == [
        ("prod", "acme", "main", None),
        ("uat", "uat", "uat", "prod"),
        ("int", "int", "int", "uat"),
        ("ana", "ana", None, "int"),
    ]
    assert git(repo, "config", "sfsync.env") == "ana"
