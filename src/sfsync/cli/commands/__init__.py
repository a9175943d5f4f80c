"""The Typer layer: one module per command, each exposing `app` (a Typer made by
`sfsync.cli.output.command_app`). A command parses its options, calls one function of `workflows/`,
`pipeline/`, `hooks/` or `metadata/`, and renders the result with `sfsync.cli.output.Output`.

A new command is a module here plus a line in `sfsync.cli.app.COMMANDS`; `sfsync.cli.app` imports a
command's module only when that command runs.
"""
