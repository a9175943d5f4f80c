"""The folders show the architecture: imports go one way, and a command loads only itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sfsync"

# what each room may import from sfsync (besides itself): cli -> workflows -> org, hooks,
# pipeline -> git, metadata -> errors. Inside cli/, each module (and cli/commands) is a room
# of its own, named "cli/<module>".
BELOW_CLI = {"errors", "git", "metadata", "pipeline", "org", "hooks", "workflows", "ci"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "git": {"errors"},
    "metadata": {"errors", "git"},
    "pipeline": {"errors", "git", "metadata", "__init__"},
    "org": {"errors", "git", "metadata", "pipeline"},
    "hooks": {"errors", "git", "metadata", "pipeline", "cli/crash"},  # crash: lazily, on a crash
    "workflows": {"errors", "git", "metadata", "pipeline", "org"},
    "ci": {"errors", "git", "pipeline", "__init__"},  # CI files from sfsync.yml; git: ref rules
    "cli/commands": {
        *BELOW_CLI,
        "cli/output",
        "cli/interact",
        "cli/reports",
        "cli/notify",
        "cli/html",
    },
    "cli/interact": {*BELOW_CLI, "cli/output", "cli/notify"},
    "cli/output": {"errors"},
    "cli/reports": {"errors"},  # markdown from the commands' JSON results
    "cli/notify": {"errors"},  # Slack / Teams webhook messages
    "cli/html": {"errors", "pipeline"},  # the dashboard's pages, from pipeline.dashboard
    "cli/crash": {"errors", "__init__", "git", "org"},  # lazily, for the tool versions
    "cli/app": {
        "errors",
        "cli/output",
        "cli/crash",
        "__init__",
        "cli/reports",
    },  # commands: by name
    "cli/reference": {"cli/app", "pipeline"},  # the manual's reference pages, from the CLI
    "cli/__init__": set(),
    "__main__": {"cli/app", "hooks"},
    "__init__": set(),
}


def _room(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts[0] == "cli" and len(parts) > 1:
        return f"cli/{parts[1]}"
    return parts[0]


def _is_module(package: Path, name: str) -> bool:
    return (package / f"{name}.py").is_file() or (package / name).is_dir()


def _room_of(name: str) -> str:
    parts = name.split(".")[1:]  # after "sfsync"
    if not parts:
        return "__init__"
    if parts[0] == "cli":
        return f"cli/{parts[1]}" if len(parts) > 1 else "cli/__init__"
    return parts[0]


def _imported_rooms(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            package = SRC.joinpath(*node.module.split(".")[1:])
            if node.module in ("sfsync", "sfsync.cli"):  # modules of the package, or its names
                names = [
                    f"{node.module}.{a.name}" if _is_module(package, a.name) else node.module
                    for a in node.names
                ]
            else:
                names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found.update(_room_of(name) for name in names if name.split(".")[0] == "sfsync")
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


def test_the_package_root_shows_only_the_layers() -> None:
    loose = {p.name for p in SRC.iterdir() if p.is_file()}
    assert loose <= {"__init__.py", "__main__.py", "errors.py", "py.typed"}, sorted(loose)


def test_the_command_table_matches_the_commands() -> None:
    from sfsync.cli.app import COMMANDS, load_command

    modules = {p.stem for p in (SRC / "cli" / "commands").glob("*.py")} - {"__init__"}
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
        "from sfsync.cli.app import main\nimport contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])"
    )
    assert not {m for m in loaded if m.startswith("sfsync.cli.commands.")}
    assert not {m for m in loaded if m.startswith("sfsync.workflows")}


def test_a_command_imports_only_itself(tmp_path: Path) -> None:
    loaded = _modules_after(
        f"import os; os.chdir({str(tmp_path)!r})\nfrom sfsync.cli.app import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['delta', '--from', 'HEAD'])"
    )
    commands = {m for m in loaded if m.startswith("sfsync.cli.commands.")}
    assert commands == {"sfsync.cli.commands.delta"}
    assert not {m for m in loaded if m.startswith(("sfsync.workflows", "sfsync.org"))}


def _module_graph() -> dict[str, set[str]]:
    """sfsync module -> the sfsync modules it imports anywhere (lazily and for type checking
    too); a package's own `__init__` importing its modules is its facade, not an edge."""
    modules: dict[str, Path] = {}
    packages: set[str] = set()
    for path in MODULES:
        name = ".".join(("sfsync", *path.relative_to(SRC).with_suffix("").parts))
        if name.endswith(".__init__"):
            name = name.removesuffix(".__init__")
            packages.add(name)
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.append(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            graph[name].update(
                t
                for t in targets
                if t in modules
                and t != name
                and not (name in packages and t.startswith(name + "."))
            )
    return graph


def test_no_import_circles() -> None:
    graph = _module_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            assert state.get(target) != 1, " -> ".join([*path, name, target])
            if target not in state:
                visit(target, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
