"""`sfsync check`: verdicts, output, exit codes, policies, and the lean import path."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import SFSYNC_YML, Pipeline, cls, git, write
from sfsync.__main__ import main
from sfsync.errors import UsageError
from sfsync.hooks.check import CheckArgs, parse_args, read_push_refs

BYPASS = (
    "Run: sfsync pull-upstream   (or: sfsync ignore --all)   "
    "bypass once: SKIP=sfsync-behind git commit ..."
)


@pytest.fixture
def behind_dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Pipeline, Path]:
    """dev1 synced, then two deployments on int; the test runs inside dev1's clone."""
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    pipe.deploy("int", cls("Foo"), "Add Foo")
    pipe.deploy("int", {**cls("Bar"), **cls("Baz")}, "Add Bar and Baz")
    git(dev, "fetch", "-q", "origin")
    monkeypatch.chdir(dev)
    return pipe, dev


def test_blocked_lists_deployments(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "dev1 is 2 deployments behind int (3 components):"
    assert lines[1].split()[1:4] == ["Add", "Bar", "and"]
    assert lines[2].split()[1:3] == ["Add", "Foo"]
    assert "(Test Author, 20" in lines[2]
    assert lines[3] == BYPASS


def test_blocked_json(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--json"]) == 1
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["status"] == 1
    assert envelope["name"] == "Behind"
    assert envelope["message"] == "dev1 is 2 deployments behind int (3 components)"
    data = envelope["data"]
    assert data["deploymentsBehind"] == 2
    assert data["componentsBehind"] == ["ApexClass:Bar", "ApexClass:Baz", "ApexClass:Foo"]
    assert [d["subject"] for d in data["deployments"]] == ["Add Bar and Baz", "Add Foo"]
    assert set(data["deployments"][0]) >= {"sha", "subject", "author", "date"}


def test_ignore_all_unblocks(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ignore", "--all"]) == 0
    capsys.readouterr()
    assert main(["check", "--json"]) == 0
    envelope = json.loads(capsys.readouterr().out)
    assert envelope == {"status": 0, "result": envelope["result"]}
    assert envelope["result"]["deploymentsBehind"] == 0
    assert len(envelope["result"]["ignoredDeployments"]) == 2


def test_skip_env(
    behind_dev: tuple[Pipeline, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SKIP", "ruff, sfsync-behind")
    assert main(["check"]) == 0
    assert "skipped" in capsys.readouterr().err


def test_stage_from_pre_commit_env(
    behind_dev: tuple[Pipeline, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PRE_COMMIT_HOOK_STAGE", "pre-push")
    assert main(["check"]) == 1
    assert "bypass once: SKIP=sfsync-behind git push ..." in capsys.readouterr().err
    assert main(["check", "--stage", "commit"]) == 1
    assert "git commit ..." in capsys.readouterr().err
    assert main(["check", "--stage", "merge"]) == 2
    assert "--stage 'merge': expected commit or push" in capsys.readouterr().err


def test_max_behind_allows_with_warning(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, dev = behind_dev
    (dev / "sfsync.yml").write_text(SFSYNC_YML.replace("max_behind: 0", "max_behind: 2"))
    assert main(["check"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("sfsync: warning: dev1 is 2 deployments behind int")
    assert "hooks.max_behind" in err


def test_overlap_policy_commit(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, dev = behind_dev
    (dev / "sfsync.yml").write_text(SFSYNC_YML.replace("block: behind", "block: overlap"))
    write_staged(dev, cls("Mine"))
    assert main(["check"]) == 0
    assert "None of them touches your changes" in capsys.readouterr().err
    write_staged(dev, cls("Foo", "Integer mine;"))
    assert main(["check", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)["data"]
    assert data["overlapping"] == ["ApexClass:Foo"]


def test_overlap_policy_push(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, dev = behind_dev
    config = SFSYNC_YML.replace("block: behind", "block: overlap")
    (dev / "sfsync.yml").write_text(config)
    write(dev, {"sfsync.yml": config, **cls("Mine")}, "my story")
    assert main(["check", "--stage", "push"]) == 0
    capsys.readouterr()
    write(dev, cls("Bar", "Integer mine;"), "touches Bar")
    assert main(["check", "--stage", "push"]) == 1
    assert "Your changes touch: ApexClass:Bar" in capsys.readouterr().err


def write_staged(repo: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
        git(repo, "add", rel)


def test_no_config_passes_with_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 0
    assert "no sfsync.yml" in capsys.readouterr().err


def test_a_branch_without_the_config_says_which_branch_has_it(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """sfsync.yml committed to one branch and not yet merged into the one checked out (a
    story cut from an env branch before it got the file): the hook still passes, and it, like
    every command, names the branches that have the file instead of "run sfsync init"."""
    _, dev = behind_dev
    git(dev, "switch", "-q", "-c", "old-story")
    git(dev, "rm", "-q", "sfsync.yml")
    git(dev, "commit", "-q", "--no-verify", "-m", "a branch without it")
    assert not (dev / "sfsync.yml").exists()
    capsys.readouterr()
    assert main(["check"]) == 0
    err = capsys.readouterr().err
    assert "no sfsync.yml on this branch (" in err and "`git merge " in err, err
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "sfsync.yml is not on this branch: " in err and "sfsync init" not in err, err
    assert len(err.strip().splitlines()) == 1


def test_no_env_passes_with_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = Pipeline(tmp_path)
    monkeypatch.chdir(pipe.admin)
    assert main(["check"]) == 0
    assert "git config sfsync.env" in capsys.readouterr().err


def test_a_broken_config_does_not_block_who_never_opted_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = Pipeline(tmp_path)
    (pipe.admin / "sfsync.yml").write_text("version: 1\nenvironments: [\n")
    monkeypatch.chdir(pipe.admin)
    assert main(["check"]) == 0
    assert "git config sfsync.env" in capsys.readouterr().err
    git(pipe.admin, "config", "sfsync.env", "dev1")  # opted in: now the broken file is an error
    assert main(["check"]) == 2
    assert "sfsync.yml:3: not valid YAML" in capsys.readouterr().err


def test_config_error_exit_2(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, dev = behind_dev
    (dev / "sfsync.yml").write_text(SFSYNC_YML.replace("upstream: int}", "upstream: itn}"))
    assert main(["check", "--json"]) == 2
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["name"] == "ConfigError"
    assert envelope["message"].startswith(
        "sfsync.yml:7: environments.dev1.upstream: 'itn' is not an environment "
        "(did you mean 'int'?)"
    )
    git(dev, "config", "sfsync.env", "dve1")
    (dev / "sfsync.yml").write_text(SFSYNC_YML)
    assert main(["check"]) == 2
    assert "git config sfsync.env: 'dve1' is not an environment" in capsys.readouterr().err


def test_check_with_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    monkeypatch.chdir(dev)
    pipe.deploy("int", cls("Foo"), "Add Foo")
    assert main(["check"]) == 0  # not fetched yet: the hook never touches the network
    assert main(["check", "--fetch"]) == 1
    assert "dev1 is 1 deployment behind int (1 component):" in capsys.readouterr().err


def test_check_imports_no_typer_or_rich(behind_dev: tuple[Pipeline, Path]) -> None:
    _, dev = behind_dev
    code = (
        "import sys\n"
        "from sfsync.__main__ import main\n"
        "rc = main(['check'])\n"
        "names = ('typer', 'rich', 'click', 'jsonschema', 'yaml', 'sfsync.metadata.resolver')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    # the first run validates and caches the config and names the components behind; the
    # second must not import the heavy bits (nor the registry: the names are cached)
    (dev / ".git" / "sfsync" / "config-cache.json").unlink()
    first = "1 ['jsonschema', 'yaml', 'sfsync.metadata.resolver']"
    for expected in (first, "1 []"):
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=dev, capture_output=True, text=True, check=False
        )
        assert proc.stdout.strip() == expected, proc.stderr
    help_proc = subprocess.run(
        [sys.executable, "-m", "sfsync", "check", "--help"],
        cwd=dev,
        capture_output=True,
        text=True,
        check=False,
    )
    assert help_proc.returncode == 0 and "SKIP=sfsync-behind" in help_proc.stdout


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param([], CheckArgs(), id="none"),
        pytest.param(
            ["--env", "dev2", "--stage=push", "--fetch", "--json"],
            CheckArgs(env="dev2", stage="push", fetch=True, json=True),
            id="options",
        ),
        pytest.param(
            ["--stage", "push", "--refs-from-stdin", "origin", "/srv/remote.git"],
            CheckArgs(stage="push", refs_from_stdin=True, hook_args=("origin", "/srv/remote.git")),
            id="pre-push-hook",
        ),
        pytest.param(
            ["--stage", "push", "--refs-from-stdin", "--", "--env=dev2", "/srv/remote.git"],
            CheckArgs(
                stage="push", refs_from_stdin=True, hook_args=("--env=dev2", "/srv/remote.git")
            ),
            id="remote-named-like-an-option",
        ),
    ],
)
def test_parse_args(argv: list[str], expected: CheckArgs) -> None:
    assert parse_args(argv) == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--bogus"], "unknown option --bogus", id="unknown"),
        pytest.param(["--env"], "--env needs a value", id="missing-value"),
    ],
)
def test_parse_args_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_args(argv)


def test_read_push_refs() -> None:
    lines = "refs/heads/a 1111 refs/heads/a 2222\nrefs/heads/b 3333 refs/heads/b 0000\n"
    assert read_push_refs(io.StringIO(lines)) == [("1111", "2222"), ("3333", "0000")]


def test_pushing_only_state_refs_is_not_blocked(tmp_path: Path) -> None:
    """sfsync pushes refs/sfsync/* itself (pull-upstream, ignore --push): the pre-push hook
    of a developer who is behind must let that through, and still block their branches."""
    pipeline = Pipeline(tmp_path)
    dev = pipeline.developer("dev1")
    pipeline.deploy("int", cls("Foo"), "Add Foo")
    subprocess.run(["git", "fetch", "-q", "origin"], cwd=dev, check=True)
    sha = "1" * 40
    check = [sys.executable, "-m", "sfsync", "check", "--stage", "push", "--refs-from-stdin"]

    def run(stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            check, cwd=dev, input=stdin, capture_output=True, text=True, check=False
        )

    state_only = run(f"refs/sfsync/envs/dev1 {sha} refs/sfsync/envs/dev1 {'0' * 40}\n")
    assert state_only.returncode == 0, state_only.stderr
    branch = run(
        f"refs/sfsync/envs/dev1 {sha} refs/sfsync/envs/dev1 {'0' * 40}\n"
        f"refs/heads/story-dev1 {sha} refs/heads/story-dev1 {'0' * 40}\n"
    )
    assert branch.returncode == 1, branch.stderr
    assert "dev1 is 1 deployment behind int" in branch.stderr
    # git runs pre-push with no input when every ref is up to date ("Everything up-to-date"):
    # sfsync's second push of its own refs after a deploy step must not be refused
    nothing = run("")
    assert nothing.returncode == 0, nothing.stderr
    assert "nothing is pushed" in nothing.stderr


def test_message_lists_the_newest_ten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    for n in range(13):
        pipe.deploy("int", cls(f"C{n}"), f"Add C{n}")
    git(dev, "fetch", "-q", "origin")
    monkeypatch.chdir(dev)
    assert main(["check"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "dev1 is 13 deployments behind int (13 components):"
    assert [line.split()[1:3] for line in lines[1:11]] == [
        ["Add", f"C{n}"] for n in range(12, 2, -1)
    ]
    assert lines[11] == "  ... and 3 more (sfsync status --env dev1)"
    assert lines[12] == BYPASS
    assert main(["check", "--json"]) == 1
    assert len(json.loads(capsys.readouterr().out)["data"]["deployments"]) == 13


def test_two_worktrees_checking_at_once_share_one_cache(
    behind_dev: tuple[Pipeline, Path],
) -> None:
    from sfsync.git import state
    from sfsync.pipeline import project
    from sfsync.pipeline.history import History

    _, dev = behind_dev
    other = dev.parent / "dev1-second-worktree"
    git(dev, "worktree", "add", "-q", "-b", "story-two", str(other))
    cache = project.load(dev).cache_dir
    check = [sys.executable, "-m", "sfsync", "check", "--json"]
    for _ in range(3):
        for stale in cache.glob("behind-*.json"):
            stale.unlink()
        runs = [
            subprocess.Popen(check, cwd=where, stdout=subprocess.PIPE, text=True)
            for where in (dev, other)
        ]
        answers = [json.loads(run.communicate()[0]) for run in runs]
        assert [a["data"]["deploymentsBehind"] for a in answers] == [2, 2]
        assert [a["data"]["componentsBehind"] for a in answers] == [
            ["ApexClass:Bar", "ApexClass:Baz", "ApexClass:Foo"]
        ] * 2
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith("behind-")) == [
        "behind-commits.json",
        "behind-names.json",
    ]
    # what is left is whole and serves the next run: the chain without asking git
    synced = state.read_state(dev, "dev1").state.synced_to
    assert synced is not None
    up = git(dev, "rev-parse", "origin/int")
    chain = History(dev, ["force-app"], cache).walk(up, synced)
    assert chain is not None and len(chain) == 2


def test_sync_point_not_fetched_is_one_clear_line(
    behind_dev: tuple[Pipeline, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from sfsync.git import state

    _, dev = behind_dev
    unknown = "1234567890" * 4  # e.g. recorded by a clone whose commits were not fetched
    state.update(
        dev,
        "dev1",
        state.Event(kind="mark-synced"),
        lambda s: state.EnvState(synced_to=unknown),
    )
    assert main(["check"]) == 2
    assert capsys.readouterr().err == (
        "sfsync check: error: dev1 is synced to 123456789012, which is not in this "
        "repository: run `git fetch origin` (or --fetch)\n"
    )
