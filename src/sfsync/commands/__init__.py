"""The Typer layer: one module per command, each exposing `app` (a Typer made by
`sfsync.cli.command_app`). A command parses its options, calls one function of `workflows/`,
`pipeline/`, `hooks/` or `metadata/`, and renders the result with `sfsync.cli.Output`.

A new command is a module here plus a line in `sfsync.app.COMMANDS`; `sfsync.app` imports a
command's module only when that command runs.
"""
