"""The folders show the architecture: imports go one way, and a command loads only itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sfsync"

# what each room may import from sfsync (besides itself): commands -> workflows -> org, hooks,
# pipeline -> git, metadata -> errors
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "git": {"errors"},
    "metadata": {"errors", "git"},
    "pipeline": {"errors", "git", "metadata", "__init__"},
    "org": {"errors", "git", "metadata", "pipeline"},
    "hooks": {"errors", "git", "metadata", "pipeline", "crash"},
    "workflows": {"errors", "git", "metadata", "pipeline", "org"},
    "commands": {
        "errors",
        "git",
        "metadata",
        "pipeline",
        "org",
        "hooks",
        "workflows",
        "cli",
        "reports",
        "notify",
        "ci",
    },
    "cli": {"errors"},
    "reports": {"errors"},  # markdown from the commands' JSON results
    "notify": {"errors"},  # Slack / Teams webhook messages
    "ci": {"errors", "git", "pipeline", "__init__"},  # CI files from sfsync.yml; git: ref rules
    "crash": {"errors", "__init__", "git", "org"},  # lazily, for the tool versions
    "app": {"errors", "cli", "crash", "__init__", "reports"},  # commands: by name, when run
    "__main__": {"app", "hooks"},
    "__init__": set(),
}


def _room(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _is_module(name: str) -> bool:
    return (SRC / f"{name}.py").is_file() or (SRC / name).is_dir()


def _imported_rooms(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "sfsync":  # a module of the package, or a name of its __init__
                names = [f"sfsync.{a.name}" if _is_module(a.name) else "sfsync" for a in node.names]
            else:
                names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "sfsync":
                found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


MODULES = sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SRC)) for p in MODULES])
def test_imports_go_one_way(path: Path) -> None:
    room = _room(path)
    assert room in ALLOWED, f"{path.relative_to(SRC)}: a new room? add it to ALLOWED"
    upward = _imported_rooms(path) - ALLOWED[room] - {room}
    assert not upward, f"{path.relative_to(SRC)} ({room}) imports {sorted(upward)}"


def test_every_room_says_what_lives_there() -> None:
    for folder in (p for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__"):
        init = folder / "__init__.py"
        if folder.name in ("schema", "data"):
            continue
        assert init.is_file(), f"{folder.name}/ has no __init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), folder.name


def test_the_command_table_matches_the_commands() -> None:
    from sfsync.app import COMMANDS, load_command

    modules = {p.stem for p in (SRC / "commands").glob("*.py")} - {"__init__", "interact"}
    assert {entry.module for entry in COMMANDS.values()} == modules
    for name, entry in COMMANDS.items():
        command = load_command(name)
        first_line = (command.help or "").strip().splitlines()[0]
        assert first_line == entry.summary, f"{name}: --help lists {entry.summary!r}"


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_root_help_imports_no_command() -> None:
    loaded = _modules_after(
        "from sfsync.app import main\nimport contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])"
    )
    assert not {m for m in loaded if m.startswith("sfsync.commands.")}
    assert not {m for m in loaded if m.startswith("sfsync.workflows")}


def test_a_command_imports_only_itself(tmp_path: Path) -> None:
    loaded = _modules_after(
        f"import os; os.chdir({str(tmp_path)!r})\nfrom sfsync.app import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['delta', '--from', 'HEAD'])"
    )
    commands = {m for m in loaded if m.startswith("sfsync.commands.")}
    assert commands == {"sfsync.commands.delta"}
    assert not {m for m in loaded if m.startswith(("sfsync.workflows", "sfsync.org"))}
