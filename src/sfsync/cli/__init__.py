"""The command line: everything that parses, asks, prints and renders.

- `app`: the command table and the root Typer group, with the one error boundary;
- `output`: the options every command shares and `Output` (the result on stdout as JSON or
  text; progress, warnings and errors on stderr);
- `interact`: the confirmation, progress bars or lines, the `Notifier`;
- `commands/`: one module per command;
- `reports`: `--format markdown` renderers; `notify`: Slack / Teams messages;
- `crash`: the log an unexpected error leaves.

Nothing below this folder imports from it (the hook's lean boundary borrows only `crash`).
"""
