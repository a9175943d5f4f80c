"""`sfsync delta`: the metadata difference between two commits, as deployable files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sfsync.cli.output import FormatOption, JsonOption, Output, command_app
from sfsync.errors import one_line

if TYPE_CHECKING:
    from rich.console import Console

    from sfsync.metadata.forceignore import ForceIgnore

LISTED = 40  # components listed per section in human output


app = command_app()


@app.command("delta")
def delta_command(
    from_ref: Annotated[
        str,
        typer.Option(
            "--from", "-f", metavar="REF", help="The commit the target org holds (older)."
        ),
    ],
    to_ref: Annotated[
        str,
        typer.Option("--to", "-t", metavar="REF", help="The commit the org should hold (newer)."),
    ] = "HEAD",
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output-dir",
            "-o",
            metavar="DIR",
            help="Where to write the manifests and files (. : the project itself, as "
            "sfdx-git-delta's docs do). A file sfsync did not write is never overwritten.",
        ),
    ] = Path("output"),
    generate_delta: Annotated[
        bool,
        typer.Option(
            "--generate-delta",
            "-d",
            help="Also copy the source files needed to deploy package.xml, "
            "with the project's sfdx-project.json.",
        ),
    ] = False,
    source_dir: Annotated[
        list[str] | None,
        typer.Option(
            "--source-dir",
            "-s",
            metavar="DIR",
            help="Only look at changes below this folder (repeatable); it must exist.",
        ),
    ] = None,
    ignore_file: Annotated[
        Path | None,
        typer.Option(
            "--ignore-file",
            "-i",
            metavar="FILE",
            help="Gitignore-style patterns: changed paths to leave out (deletions too, "
            "unless --ignore-destructive-file is given).",
        ),
    ] = None,
    ignore_destructive_file: Annotated[
        Path | None,
        typer.Option(
            "--ignore-destructive-file",
            "-D",
            metavar="FILE",
            help="Patterns: deleted paths to leave out.",
        ),
    ] = None,
    include_file: Annotated[
        Path | None,
        typer.Option(
            "--include-file",
            "-n",
            metavar="FILE",
            help="Patterns: files of --to to deploy even if unchanged.",
        ),
    ] = None,
    include_destructive_file: Annotated[
        Path | None,
        typer.Option(
            "--include-destructive-file",
            "-N",
            metavar="FILE",
            help="Patterns: files of --to to delete.",
        ),
    ] = None,
    ignore_whitespace: Annotated[
        bool,
        typer.Option(
            "--ignore-whitespace",
            "-W",
            help="A change of whitespace only (spaces, tabs, line ends) is no change.",
        ),
    ] = False,
    merge_base: Annotated[
        bool,
        typer.Option("--merge-base", help="Compare from the common ancestor of --from and --to."),
    ] = False,
    api_version: Annotated[
        str | None,
        typer.Option(
            "--api-version",
            "-a",
            metavar="VERSION",
            help="API version of the manifests (default: sourceApiVersion).",
        ),
    ] = None,
    json_output: JsonOption = False,
    fmt: FormatOption = "text",
) -> None:
    """Write the components changed between two commits, like sfdx-git-delta.

    Writes OUT/package/package.xml (added and changed components),
    OUT/destructiveChanges/destructiveChanges.xml (deleted ones) and, with --generate-delta,
    the source files to deploy them. OUT is ./output unless --output-dir says otherwise.
    Nothing sfsync did not write is overwritten or deleted: a file that already holds
    the same bytes is left alone (so --output-dir . --generate-delta works in a clean
    checkout of --to, as with sfdx-git-delta), and any other file in the way (tracked by
    git, edited, not written by sfsync) stops the run before it writes anything.
    From OUT, this deploys exactly the difference:

    \b
        sf project deploy start --manifest package/package.xml \\
            --post-destructive-changes destructiveChanges/destructiveChanges.xml

    The options of sfdx-git-delta work the same way, so a pipeline switches by renaming
    the command.

    \b
    Examples:
        sfsync delta --from origin/main --to HEAD --generate-delta
        sfsync delta --from v1.4 --output-dir .delta --ignore-file .sgdignore --json
        sfsync delta --from HEAD~1 --output-dir . --generate-delta
        sfsync delta --from origin/main --format markdown > delta.md
    """
    from sfsync.cli import reports
    from sfsync.errors import UsageError

    output = Output(json_output, fmt)
    from sfsync.git import repo as gitrepo
    from sfsync.metadata import PROJECT_FILE
    from sfsync.metadata.delta import compute_delta
    from sfsync.metadata.filters import PathFilters, load_patterns
    from sfsync.metadata.writer import write_output
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

    def patterns(path: Path | None, option: str) -> ForceIgnore | None:
        return load_patterns(path, option) if path is not None else None

    filters = PathFilters(
        ignore=patterns(ignore_file, "--ignore-file"),
        ignore_destructive=patterns(ignore_destructive_file, "--ignore-destructive-file"),
        include=patterns(include_file, "--include-file"),
        include_destructive=patterns(include_destructive_file, "--include-destructive-file"),
        ignore_whitespace=ignore_whitespace,
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
        filters=filters,
    )
    written = write_output(delta, output_dir, generate_source=generate_delta)
    out = written.out
    warnings = [*delta.warnings, *written.warnings]

    def human(console: Console) -> None:
        added = {(t, m) for t, members in delta.added.items() for m in members}
        for title, types in (("deploy", delta.package), ("delete", delta.destructive)):
            count = sum(len(m) for m in types.values())
            new = sum(1 for t, ms in types.items() for m in ms if (t, m) in added)
            detail = f" ({new} added, {count - new} modified)" if title == "deploy" else ""
            noun = "component" if count == 1 else "components"
            console.print(f"[bold]{count}[/] {noun} to {title}{detail}", markup=True)
            shown = [f"{t}:{m}" for t, members in types.items() for m in members]
            for name in shown[:LISTED]:
                console.print(f"  {one_line(name)}", markup=False)
            if len(shown) > LISTED:
                console.print(f"  ... and {len(shown) - LISTED} more (see the manifests)")
        for warning in warnings:
            console.print("[yellow]warning:[/] ", end="", markup=True)
            console.print(warning, markup=False)
        console.print(f"written to {out}", markup=False)

    output.emit(
        {
            "package": delta.package,
            "destructive": delta.destructive,
            "added": delta.added,
            "modified": delta.modified,
            "deleted": delta.destructive,
            "warnings": warnings,
            "outputDir": str(out),
        },
        human,
        markdown=reports.delta,
    )
