"""`sfsync install-hooks`: install the plain git hooks."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.hooks import install
from sfsync.pipeline import project

app = command_app()


@app.command("install-hooks")
def install_hooks(
    force: Annotated[
        bool, typer.Option("--force", help="Replace existing hooks (kept as a backup).")
    ] = False,
    json_mode: JsonOption = False,
) -> None:
    """Install pre-commit and pre-push git hooks that run `sfsync check`.

    For teams without the pre-commit framework (with it, use the sfsync-behind hook instead).
    Honours core.hooksPath; refuses to replace a hook sfsync did not write unless --force.

    Example:

    \b
        sfsync install-hooks && git config sfsync.env dev1
    """
    paths = project.open_repo()
    if project.has_config(paths):
        project.load(paths=paths)  # a broken sfsync.yml is reported now, not at each commit
    done = install.install(paths.toplevel, force=force)
    result = {
        "hooks": [
            {"name": h.name, "path": str(h.path), "backup": str(h.backup) if h.backup else None}
            for h in done
        ]
    }

    def human(console: Console) -> None:
        for h in done:
            extra = f" (previous hook kept as {h.backup})" if h.backup else ""
            console.print(f"installed {h.path}{extra}", markup=False)
        if not project.developer_env_name(paths.toplevel):
            console.print("next: git config sfsync.env <your env>   (e.g. dev1)")

    Output(json_mode).emit(result, human=human)
