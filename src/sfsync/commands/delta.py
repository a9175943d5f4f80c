"""`sfsync delta`: the metadata difference between two commits, as deployable files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sfsync.cli import FormatOption, JsonOption, Output, command_app

if TYPE_CHECKING:
    from rich.console import Console

LISTED = 40  # components listed per section in human output


app = command_app()


@app.command("delta")
def delta_command(
    from_ref: Annotated[
        str, typer.Option("--from", help="The commit the target org holds (older).")
    ],
    to_ref: Annotated[
        str, typer.Option("--to", help="The commit the org should hold (newer).")
    ] = "HEAD",
    output_dir: Annotated[
        Path, typer.Option("--output-dir", "-o", help="Where to write the manifests and files.")
    ] = Path("."),
    generate_delta: Annotated[
        bool,
        typer.Option(
            "--generate-delta",
            "-d",
            help="Also copy the source files needed to deploy package.xml, "
            "with a minimal sfdx-project.json.",
        ),
    ] = False,
    source_dir: Annotated[
        list[str] | None,
        typer.Option(
            "--source-dir", "-s", help="Only look at changes below this folder (repeatable)."
        ),
    ] = None,
    ignore_file: Annotated[
        Path | None,
        typer.Option("--ignore-file", "-i", help="Extra .forceignore-style patterns to skip."),
    ] = None,
    merge_base: Annotated[
        bool,
        typer.Option("--merge-base", help="Compare from the common ancestor of --from and --to."),
    ] = False,
    api_version: Annotated[
        str | None,
        typer.Option(
            "--api-version", help="API version of the manifests (default: sourceApiVersion)."
        ),
    ] = None,
    json_output: JsonOption = False,
    fmt: FormatOption = "text",
) -> None:
    """Write the components changed between two commits, like sfdx-git-delta.

    Writes OUT/package/package.xml (added and changed components),
    OUT/destructiveChanges/destructiveChanges.xml (deleted ones) and, with --generate-delta,
    the source files to deploy them, so that from OUT

        sf project deploy start --manifest package/package.xml \\
            --post-destructive-changes destructiveChanges/destructiveChanges.xml

    deploys exactly the difference.

    \b
    Examples:
      sfsync delta --from origin/main --to HEAD --output-dir .delta --generate-delta
      sfsync delta --from origin/main --format markdown > delta.md
    """
    from sfsync import reports
    from sfsync.errors import UsageError

    output = Output(json_output, fmt)
    from sfsync.git import repo as gitrepo
    from sfsync.metadata.delta import compute_delta
    from sfsync.metadata.project import PROJECT_FILE
    from sfsync.metadata.writer import write_delta
    from sfsync.pipeline.project import metadata_project

    top = gitrepo.toplevel(Path.cwd())
    root = Path.cwd().resolve()
    while not (root / PROJECT_FILE).is_file():
        if root == top.resolve() or root.parent == root:
            raise UsageError(
                f"no {PROJECT_FILE} in {Path.cwd()} or above: run sfsync delta in your project"
            )
        root = root.parent
    project = metadata_project(root)
    if ignore_file is not None:
        if not ignore_file.is_file():
            raise UsageError(f"--ignore-file {ignore_file}: no such file")
        extra = ignore_file.read_text(encoding="utf-8")
        project = dataclasses.replace(
            project, forceignore_text=project.forceignore_text + "\n" + extra
        )
    scopes = []
    for folder in source_dir or []:
        path = (Path.cwd() / folder).resolve()
        try:
            scopes.append(path.relative_to(root).as_posix())
        except ValueError as exc:
            raise UsageError(f"--source-dir {folder}: not inside the project {root}") from exc
    delta = compute_delta(
        root,
        from_ref,
        to_ref,
        project,
        source_dirs=scopes,
        merge_base=merge_base,
        api_version=api_version,
        load_sources=generate_delta,
        toplevel=top,
    )
    out = write_delta(delta, output_dir, generate_source=generate_delta)

    def human(console: Console) -> None:
        for title, types in (("deploy", delta.package), ("delete", delta.destructive)):
            count = sum(len(m) for m in types.values())
            console.print(f"[bold]{count}[/] component(s) to {title}")
            shown = [f"{t}:{m}" for t, members in types.items() for m in members]
            for name in shown[:LISTED]:
                console.print(f"  {name}", markup=False)
            if len(shown) > LISTED:
                console.print(f"  ... and {len(shown) - LISTED} more (see the manifests)")
        for warning in delta.warnings:
            console.print(f"[yellow]warning:[/] {warning}")
        console.print(f"written to {out}")

    output.emit(
        {
            "package": delta.package,
            "destructive": delta.destructive,
            "warnings": delta.warnings,
            "outputDir": str(out),
        },
        human,
        markdown=reports.delta,
    )
