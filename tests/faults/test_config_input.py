"""The fault matrix, config and input rows: hostile `sfsync.yml`, arguments and org text.

One row per probe (its id is the probe's name). Each row runs the real entry point in a
real git pipeline (a bare remote and clones); the rows that involve an org run the real
`sf` against sfemu. A row states what must hold: the exit code, the one line the user sees,
and that nothing ran (a marker file a hostile value would create does not exist), nothing
moved and nothing reached the terminal that an org or a file put there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline import SFSYNC_YML, Pipeline, cls, git
from sfsync.__main__ import main
from wfpipeline import WfPipeline, apex, class_text


@dataclass
class Probe:
    """A pipeline with dev1's clone (synced to int, then one deployment behind)."""

    pipe: Pipeline
    dev: Path
    tmp: Path
    capsys: pytest.CaptureFixture[str]

    @property
    def marker(self) -> Path:
        """The file a hostile value would create if git or sf ran it."""
        return self.tmp / "pwned"

    def config(self, text: str) -> None:
        """Replace dev1's sfsync.yml (uncommitted: what a pull of a hostile commit brings)."""
        (self.dev / "sfsync.yml").write_text(text, encoding="utf-8")

    def run(self, *args: str) -> tuple[int, dict[str, Any]]:
        """`sfsync ARGS --json` in dev1's clone: (exit code, the one JSON object)."""
        self.capsys.readouterr()
        argv = list(args)
        argv.insert(argv.index("--") if "--" in argv else len(argv), "--json")
        code = main(argv)
        out = self.capsys.readouterr().out
        return code, json.loads(out)

    def human(self, *args: str) -> tuple[int, str, str]:
        """`sfsync ARGS` as a person runs it: (exit code, stdout, stderr)."""
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def git_hook(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A real `git ARGS` in dev1's clone, with sfsync on PATH for the hooks."""
        env = dict(os.environ)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run(
            ["git", *args], cwd=self.dev, env=env, capture_output=True, text=True, check=False
        )


@pytest.fixture
def probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Probe:
    (tmp_path / "p").mkdir()
    pipe = Pipeline(tmp_path / "p")
    dev = pipe.developer("dev1")
    pipe.deploy("int", cls("Foo"), "Add Foo")
    git(dev, "fetch", "-q", "origin")
    monkeypatch.chdir(dev)
    return Probe(pipe, dev, tmp_path, capsys)


def _hostile_remote(option: str) -> Callable[[Probe], str]:
    def config(p: Probe) -> str:
        return SFSYNC_YML.replace("remote: origin", f"remote: '{option}=touch {p.marker}; echo'")

    return config


def _refused_config(
    config: Callable[[Probe], str], command: tuple[str, ...], says: str
) -> Callable[[Probe], None]:
    """The command stops at the config (exit 2, one line naming the place), nothing runs."""

    def row(p: Probe) -> None:
        p.config(config(p))
        before = git(p.dev, "for-each-ref")
        code, out = p.run(*command)
        assert code == 2 and out["name"] == "ConfigError", out
        assert says in out["message"]
        assert not p.marker.exists()
        assert git(p.dev, "for-each-ref") == before

    return row


def _alias_bomb(levels: int) -> str:
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join([*lines, "environments: {prod: {org: prod, branch: main}}"]) + "\n"


def _bad_env_name(name: str) -> Callable[[Probe], str]:
    def config(p: Probe) -> str:
        return SFSYNC_YML.replace("  dev2: {", f"  {name}: {{")

    return config


def _rev_is_not_an_option(*command: str) -> Callable[[Probe], None]:
    """A rev from the command line that looks like an option is refused as a rev."""

    def row(p: Probe) -> None:
        hostile = f"--output={p.marker}"
        code, out = p.run(*[hostile if part == "{rev}" else part for part in command])
        assert code == 2, out
        assert hostile in out["message"]
        assert not p.marker.exists()

    return row


def _broken_config_without_env_commits(p: Probe) -> None:
    # a developer who never ran `git config sfsync.env` is never blocked, not even by a
    # broken sfsync.yml that a teammate committed
    assert main(["install-hooks"]) == 0
    git(p.dev, "config", "--unset", "sfsync.env")
    p.config(_alias_bomb(9))
    (p.dev / "story.txt").write_text("work\n")
    git(p.dev, "add", "story.txt", "sfsync.yml")
    done = p.git_hook("commit", "-q", "-m", "story")
    assert done.returncode == 0, done.stderr
    assert "git config sfsync.env" in done.stderr


def _alias_bomb_in_the_hook(p: Probe) -> None:
    # with sfsync.env set the hook refuses the file at once (exit 2), it does not expand it
    assert main(["install-hooks"]) == 0
    p.config(_alias_bomb(9))
    git(p.dev, "add", "sfsync.yml")
    head = git(p.dev, "rev-parse", "HEAD")
    refused = p.git_hook("commit", "-q", "-m", "bomb")
    assert refused.returncode != 0
    assert "sfsync.yml:2: anchors and aliases are not supported" in refused.stderr
    assert git(p.dev, "rev-parse", "HEAD") == head


def _status_answer_goes_to_stdout(p: Probe) -> None:
    code, out, err = p.human("status")
    assert code == 0 and "deployments behind" in out and "Add Foo" in out
    assert err == ""
    code, out, err = p.human("status", "--env", "nope")
    assert code == 2 and out == "" and "'nope' is not an environment" in err


def _output_dir_root(p: Probe) -> None:
    code, out = p.run("delta", "--from", "HEAD", "--to", "origin/int", "--output-dir", "/")
    assert code == 2
    assert out["message"] == (
        "--output-dir /: is the root of the file system; name a folder for the delta "
        "(e.g. --output-dir .delta)"
    )


def _non_utf8_config(p: Probe) -> None:
    (p.dev / "sfsync.yml").write_bytes(SFSYNC_YML.encode().replace(b"dev2-sandbox", b"dev2-\xff"))
    code, out = p.run("config", "validate")
    assert code == 2
    assert out["message"] == "sfsync.yml:8: not UTF-8 text (byte 0xff): save the file as UTF-8"


def _refused_names_never_reach_git(p: Probe) -> None:
    # env names that are no ref component: refused by config validate with the reason,
    # never a raw `git update-ref` dump (exit 3)
    for name, why in (("dev2.lock", "ends with '.lock'"), ("dev2.", "ends with '.'")):
        p.config(_bad_env_name(name)(p))
        code, out = p.run("config", "validate")
        assert code == 2 and f"'{name}' cannot be an environment name: it {why}" in out["message"]
        code, out = p.run("mark-synced", "--env", name)
        assert code == 2 and "Traceback" not in out["message"]
        assert "update-ref" not in out["message"]


ROWS = [
    pytest.param(
        _refused_config(
            _hostile_remote("--receive-pack"), ("mark-synced", "--push"), "not a git remote name"
        ),
        id="remote-receive-pack-mark-synced-push",
    ),
    pytest.param(
        _refused_config(
            _hostile_remote("--upload-pack"), ("check", "--fetch"), "not a git remote name"
        ),
        id="remote-upload-pack-check-fetch",
    ),
    pytest.param(
        _refused_config(
            _hostile_remote("--upload-pack"), ("status", "--fetch"), "not a git remote name"
        ),
        id="remote-upload-pack-status-fetch",
    ),
    pytest.param(
        _refused_config(
            _hostile_remote("--upload-pack"),
            ("pull-upstream", "--dry-run"),
            "not a git remote name",
        ),
        id="remote-upload-pack-pull-upstream",
    ),
    pytest.param(
        _refused_config(
            lambda p: SFSYNC_YML.replace(
                "branch: int,", f"branch: '--upload-pack=touch {p.marker}',"
            ),
            ("status", "--fetch"),
            "is not a git branch name: it starts with '-'",
        ),
        id="branch-option-status-fetch",
    ),
    pytest.param(
        _refused_config(
            lambda p: SFSYNC_YML.replace("{org: int,", "{org: '--help',"),
            ("config", "validate"),
            "environments.int.org: '--help' is not an sf alias or username",
        ),
        id="org-option",
    ),
    pytest.param(
        _refused_config(
            _bad_env_name("dev..2"), ("status",), "'dev..2' cannot be an environment name"
        ),
        id="env-double-dot",
    ),
    pytest.param(_refused_names_never_reach_git, id="env-lock-and-trailing-dot"),
    pytest.param(
        _refused_config(
            lambda p: _alias_bomb(9),
            ("status",),
            "sfsync.yml:2: anchors and aliases are not supported",
        ),
        id="alias-bomb",
    ),
    pytest.param(
        _refused_config(
            lambda p: "version: 1\nx: &a [*a]\nenvironments: {prod: {org: p, branch: main}}\n",
            ("config", "validate"),
            "sfsync.yml:2: anchors and aliases are not supported",
        ),
        id="recursive-alias",
    ),
    pytest.param(_alias_bomb_in_the_hook, id="alias-bomb-hook"),
    pytest.param(_non_utf8_config, id="non-utf8-config"),
    pytest.param(_broken_config_without_env_commits, id="broken-config-no-env-commit"),
    pytest.param(_rev_is_not_an_option("ignore", "--", "{rev}"), id="ignore-rev-option"),
    pytest.param(_rev_is_not_an_option("mark-synced", "--", "{rev}"), id="mark-synced-rev-option"),
    pytest.param(_rev_is_not_an_option("delta", "--from", "{rev}"), id="delta-from-option"),
    pytest.param(_status_answer_goes_to_stdout, id="status-to-file"),
    pytest.param(_output_dir_root, id="output-dir-root"),
]


@pytest.mark.parametrize("row", ROWS)
def test_config_and_input(probe: Probe, row: Callable[[Probe], None]) -> None:
    row(probe)


# --- org text: the real sf against sfemu ----------------------------------------------------

HOSTILE_NAME = "Dana \x1b]0;pwned\x07\x1b[2J\x1b[HDev"  # sets the title, clears the screen
HOSTILE_PROBLEM = "Variable does not exist: \x1b[5m\x1b]8;;https://evil.test\x1b\\x\x1b]8;;\x1b\\"


def _org_name_in_the_refusal(wf: WfPipeline, dev1: Path, capsys: Any) -> None:
    wf.deploy("int", {**apex("Foo"), **apex("Base", "// v2")}, "Foo, Base v2")
    wf.orgs["dev1"].put("classes/Base.cls", class_text("Base", "// sandbox work"), by=HOSTILE_NAME)
    capsys.readouterr()
    assert main(["pull-upstream", "--yes"]) == 1
    out, err = capsys.readouterr()
    assert "changed in the org by Dana Dev" in err
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert main(["pull-upstream", "--yes", "--json"]) == 1
    message = json.loads(capsys.readouterr().out)["message"]
    assert "Dana Dev" in message and "\x1b" not in message


def _org_problem_in_a_failed_deploy(wf: WfPipeline, dev1: Path, capsys: Any) -> None:
    wf.deploy("int", apex("Foo"), "Foo")
    wf.orgs["dev1"].fail_next_deploy("ApexClass:Foo", HOSTILE_PROBLEM, line=1)
    capsys.readouterr()
    assert main(["pull-upstream", "--yes"]) == 1
    out, err = capsys.readouterr()
    assert "ApexClass:Foo (line 1): Variable does not exist: x" in err
    assert "\x1b" not in out + err
    # listed once: sf's files[] repeats the failure with `(1:1)` appended
    assert err.count("Variable does not exist") == 1
    assert "(1 component or test error)" in err


ORG_ROWS = [
    pytest.param(_org_name_in_the_refusal, id="ansi-osc-in-last-modified-by"),
    pytest.param(_org_problem_in_a_failed_deploy, id="ansi-in-deploy-error"),
]


@pytest.mark.e2e
@pytest.mark.parametrize("row", ORG_ROWS)
def test_org_text(
    wf: WfPipeline,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    row: Callable[[WfPipeline, Path, Any], None],
) -> None:
    dev1 = wf.developer("dev1")
    monkeypatch.chdir(dev1)
    row(wf, dev1, capsys)
