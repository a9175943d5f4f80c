"""`sfsync install-hooks`: the plain git hooks and, with --merge-driver, the merge driver."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.errors import UsageError
from sfsync.hooks import driver_install, install
from sfsync.pipeline import project

app = command_app()


@app.command("install-hooks")
def install_hooks(
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace existing hooks (kept as a backup) and a merge.sfsync.driver "
            "sfsync did not write.",
        ),
    ] = False,
    merge_driver: Annotated[
        bool,
        typer.Option(
            "--merge-driver",
            help="Also make git merge Salesforce metadata by element: a block of "
            "merge=sfsync lines in .gitattributes, merge.sfsync.driver in .git/config.",
        ),
    ] = False,
    no_hooks: Annotated[
        bool,
        typer.Option(
            "--no-hooks",
            help="Leave the pre-commit and pre-push hooks alone (with --merge-driver: "
            "only the driver, e.g. for teams on the pre-commit framework).",
        ),
    ] = False,
    uninstall: Annotated[
        bool,
        typer.Option(
            "--uninstall",
            help="Remove what the same command installs, and only that: hooks as sfsync "
            "wrote them, the .gitattributes block's own lines, the driver's config.",
        ),
    ] = False,
    json_mode: JsonOption = False,
) -> None:
    """Install pre-commit and pre-push git hooks that run `sfsync check`.

    For teams without the pre-commit framework (with it, use the sfsync-behind hook instead).
    Honours core.hooksPath; refuses to replace a hook sfsync did not write unless --force.

    With --merge-driver, git merges profiles, permission sets, labels, flows and the other
    supported types by element (see `sfsync merge-driver --help`): the supported patterns
    go into .gitattributes between two marker lines (commit the file: the team gets them),
    and `git config merge.sfsync.driver "sfsync merge-driver %O %A %B %P ..."` names sfsync
    without a path, so upgrading or moving its virtualenv does not break it (every clone
    runs it once). Hosted pull-request merge buttons never run merge drivers: merge
    locally or in CI with sfsync. --uninstall removes exactly what was added (a line you
    wrote, even one identical to sfsync's outside the block, stays).

    \b
    Examples:
        sfsync install-hooks && git config sfsync.env dev1
        sfsync install-hooks --merge-driver --no-hooks && git add .gitattributes
        sfsync install-hooks --merge-driver --uninstall
    """
    if no_hooks and not merge_driver:
        raise UsageError("--no-hooks leaves nothing to do: add --merge-driver")
    paths = project.open_repo()
    if project.has_config(paths) and not uninstall:
        project.load(paths=paths)  # a broken sfsync.yml is reported now, not at each commit
    result: dict[str, Any] = {"uninstall": uninstall}
    if uninstall:
        if not no_hooks:
            removed = install.uninstall(paths.toplevel)
            result["hooks"] = [
                {
                    "name": h.name,
                    "path": str(h.path),
                    "removed": h.removed,
                    "restored": str(h.restored) if h.restored else None,
                }
                for h in removed
            ]
        if merge_driver:
            result["mergeDriver"] = driver_install.uninstall(paths.toplevel).to_json()
    else:
        if merge_driver:  # first: a foreign driver refuses before any hook is written
            result["mergeDriver"] = driver_install.install(paths.toplevel, force=force).to_json()
        if not no_hooks:
            done = install.install(paths.toplevel, force=force)
            result["hooks"] = [
                {"name": h.name, "path": str(h.path), "backup": str(h.backup) if h.backup else None}
                for h in done
            ]

    def human(console: Console) -> None:
        _show(console, result)
        if not uninstall and "hooks" in result and not project.developer_env_name(paths.toplevel):
            console.print("next: git config sfsync.env <your env>   (e.g. dev1)")

    Output(json_mode).emit(result, human=human)


def _show(console: Console, result: dict[str, Any]) -> None:
    if result["uninstall"] and "hooks" in result and not result["hooks"]:
        console.print("no pre-commit or pre-push hook to remove", markup=False)
    for h in result.get("hooks", []):
        if result["uninstall"]:
            if not h["removed"]:
                line = f"kept {h['path']}: changed since sfsync wrote it"
            elif h["restored"]:
                line = f"removed {h['path']} (the hook it had replaced is back)"
            else:
                line = f"removed {h['path']}"
        else:
            extra = f" (previous hook kept as {h['backup']})" if h["backup"] else ""
            line = f"installed {h['path']}{extra}"
        console.print(line, markup=False)
    driver = result.get("mergeDriver")
    if driver is None:
        return
    where = driver["attributes"]
    count = len(driver["lines"])
    if result["uninstall"]:
        gone = " (the file, now empty, removed)" if driver["removedFile"] else ""
        if count:
            console.print(f"removed {count} merge=sfsync lines from {where}{gone}", markup=False)
        else:
            console.print(f"no sfsync merge driver block in {where}", markup=False)
        if not driver["config"] and not any("git config" in k for k in driver["kept"]):
            console.print("no merge.sfsync driver in git config", markup=False)
        for key in driver["config"]:
            console.print(f"removed git config {key}", markup=False)
        for note in driver["kept"]:
            console.print(f"kept {note}", markup=False)
    else:
        console.print(f"wrote {count} merge=sfsync lines into {where}", markup=False)
        console.print("set git config merge.sfsync.name and merge.sfsync.driver", markup=False)
        if driver.get("replaced") is not None:
            console.print(
                f"replaced (--force) merge.sfsync.driver {driver['replaced']!r}, which sfsync "
                "had not written: `git config merge.sfsync.driver ...` puts it back",
                markup=False,
            )
        console.print(
            "next: commit .gitattributes; every clone runs `sfsync install-hooks "
            "--merge-driver` once (hosted PR merge buttons never run it: merge locally or "
            "in CI)",
            markup=False,
        )
