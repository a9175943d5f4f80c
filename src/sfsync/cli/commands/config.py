"""`sfsync config validate`: check sfsync.yml and sfdx-project.json."""

from __future__ import annotations

from rich.console import Console

from sfsync.cli.output import JsonOption, Output, command_app
from sfsync.pipeline import project

app = command_app(
    name="config", help="Inspect the pipeline configuration (sfsync.yml).", no_args_is_help=True
)


@app.command("validate")
def validate(json_mode: JsonOption = False) -> None:
    """Validate sfsync.yml against the schema and the pipeline rules; exit 2 with file:line.

    Checks unknown keys, upstreams that are not environments, cycles, a second root, a
    branch used by two environments, and packageDirectories in sfdx-project.json.

    Example:

    \b
        sfsync config validate
    """
    proj = project.load()
    config = proj.config
    from sfsync.metadata import packagedirs

    # here git is asked too: a package directory in which git tracks nothing
    warnings = packagedirs.resolve(config.root, config.package_dirs, check_git=True).warnings
    warnings = tuple(dict.fromkeys((*config.package_dir_warnings, *warnings)))
    result = {
        "file": str(config.path),
        "valid": True,
        "remote": config.remote,
        "environments": [
            {
                "name": e.name,
                "org": e.org,
                "branch": e.branch,
                "upstream": e.upstream,
                "protected": e.protected,
            }
            for e in config.pipeline()
        ],
        "packageDirectories": list(config.package_dirs),
        "hooks": {"block": config.hooks.block, "maxBehind": config.hooks.max_behind},
        "warnings": list(warnings),
    }

    def human(console: Console) -> None:
        chain = ", ".join(
            f"{e.name} -> {e.upstream}" if e.upstream else f"{e.name} (top)"
            for e in config.pipeline()
        )
        console.print(f"{config.path.name} is valid: {chain}", markup=False)
        console.print(f"package directories: {', '.join(config.package_dirs)}", markup=False)

    out = Output(json_mode)
    if not json_mode:
        for warning in warnings:
            out.err.print(f"warning: {warning}", markup=False)
    out.emit(result, human=human)
