"""The manual stays true: the generated reference is current, every `sfsync` command line in
the README and docs names options that exist, and the try-it-locally page runs as written."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfsync.cli import reference
from sfsync.cli.app import COMMANDS, load_command

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])


def test_the_reference_pages_are_current() -> None:
    expected = {
        "commands.md": reference.commands_page(),
        "config.md": reference.config_page(),
    }
    for name, text in expected.items():
        page = DOCS / "reference" / name
        assert page.is_file(), f"docs/reference/{name} is missing: run `make docs-reference`"
        assert page.read_text(encoding="utf-8") == text, (
            f"docs/reference/{name} is out of date: run `make docs-reference`"
        )


def test_the_reference_lists_every_command_and_option() -> None:
    page = reference.commands_page()
    for name in COMMANDS:
        command = load_command(name)
        assert f"## `sfsync {name}`" in page
        for param in command.params:
            if getattr(param, "hidden", False):
                continue
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert f"`{opt}" in page or f", {opt}" in page, f"sfsync {name} {opt}"


def test_the_reference_renders_examples_as_code_and_escapes_markup() -> None:
    lines = reference._help_markdown(
        "Do a thing to <env>.\n\n\x08\nExamples:\n    sfsync thing --env a\n    sfsync thing -y"
    )
    assert lines == [
        "Do a thing to &lt;env&gt;.",
        "",
        "Examples:",
        "",
        "```sh",
        "sfsync thing --env a",
        "sfsync thing -y",
        "```",
        "",
    ]
    assert reference._escape("a|b `c|d` <x>") == "a\\|b `c|d` &lt;x&gt;"


# --- every `sfsync ...` the docs show names options that exist ------------------------------

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
_INLINE = re.compile(r"`(sfsync [^`\n]+)`")


def _command_lines(text: str) -> Iterator[str]:
    """Command lines that start with `sfsync ` in code blocks (continuations joined) and in
    inline code."""
    for block in _FENCE.findall(text):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = " ".join(line.split()).removeprefix("$ ")
            for part in re.split(r"&&|\|\||;|\|", line):
                part = part.strip()
                part = re.sub(r"^(?:[A-Z_]+=\S*\s+)+", "", part)  # VAR=value sfsync ...
                if part.startswith("sfsync "):
                    yield part
    yield from _INLINE.findall(_FENCE.sub("", text))


def _options_of(words: list[str]) -> tuple[str, set[str]] | None:
    """(the command named, the long options it takes), or None when words name no command."""
    if not words or words[0] not in COMMANDS:
        return None
    command = load_command(words[0])
    name = words[0]
    subcommands = getattr(command, "commands", None)
    if COMMANDS[words[0]].group and subcommands is not None and len(words) > 1:
        sub = subcommands.get(words[1])
        if sub is not None:
            command, name = sub, f"{words[0]} {words[1]}"
    options = {"--help", "-h"}
    for param in command.params:
        options.update(getattr(param, "opts", []))
        options.update(getattr(param, "secondary_opts", []))
    return name, options


def _documented_uses() -> list[tuple[str, str, str]]:
    uses = []
    for page in PAGES:
        for line in _command_lines(page.read_text(encoding="utf-8")):
            try:
                words = shlex.split(line, comments=True)[1:]
            except ValueError:  # an unbalanced quote in a prose example: not a command line
                continue
            found = _options_of(words)
            if found is None:
                continue
            name, options = found
            for word in words:
                option = re.match(r"--[A-Za-z0-9][A-Za-z0-9-]*", word)
                if option and option.group() not in options:
                    uses.append((str(page.relative_to(ROOT)), name, option.group()))
    return uses


def test_the_docs_name_only_options_that_exist() -> None:
    assert not _documented_uses(), "the docs show options these commands do not have"


def test_the_option_check_catches_an_option_that_does_not_exist() -> None:
    lines = list(_command_lines("```sh\nsfsync deploy --env int \\\n    --no-such-flag\n```\n"))
    assert lines == ["sfsync deploy --env int --no-such-flag"]
    found = _options_of(shlex.split(lines[0])[1:])
    assert found is not None
    assert "--env" in found[1] and "--no-such-flag" not in found[1]
    assert list(_command_lines("run `sfsync ci init --provider github` first")) == [
        "sfsync ci init --provider github"
    ]
    ci = _options_of(["ci", "init"])
    assert ci is not None and ci[0] == "ci init" and "--provider" in ci[1]


# --- the try-it-locally page runs as written -------------------------------------------------


def _by_hand_script() -> str:
    text = (DOCS / "try-with-sfemu.md").read_text(encoding="utf-8")
    section = text.split("## By hand", 1)[1]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.M | re.S)
    assert len(blocks) >= 6, "the page lost its runnable blocks"
    return "\n".join(blocks)


@pytest.mark.e2e
def test_the_try_it_locally_page_runs_as_written(tmp_path: Path) -> None:
    venv_bin = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
    node_bin = ROOT / "node_modules" / ".bin"
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(node_bin), str(venv_bin), os.environ["PATH"]]),
    }
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        env.pop(key, None)  # the page's git uses the identity in HOME's .gitconfig
    script = "set -euo pipefail\n" + _by_hand_script()
    log = tmp_path / "page.log"
    with log.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=env,
            stdout=sink,  # a file, not a pipe: the sfemu the page starts must not hold it open
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the page starts sfemu in the background: one group to stop
        )
        try:
            proc.wait(timeout=600)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
    out = log.read_text(encoding="utf-8")
    assert proc.returncode == 0, out[-6000:]
    assert "dev1 is 1 deployment behind int (1 component)" in out
    assert "the hook refused the commit" in out
    assert "Hello, world" in out
    log = subprocess.run(
        ["git", "log", "-1", "--format=%s", "story-1"],
        cwd=tmp_path / "sfsync-try" / "project",
        capture_output=True,
        text=True,
        check=True,
    )
    assert log.stdout.strip() == "Story 1: Invoice"


def test_the_readme_links_to_files_that_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert local, "the README links into the docs"
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing, f"README.md links to files that do not exist: {missing}"


def test_the_readme_stays_a_front_page() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 220, "the manual belongs in docs/, not the README"
    for command in ("make demo", "make test"):
        assert command in text.split("##", 1)[0], f"{command} is in the README's first lines"
