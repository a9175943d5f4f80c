"""What the git hooks run.

- `check`: `sfsync check`, dispatched by `sfsync.__main__` without typer, rich, yaml or
  jsonschema: it runs at every commit and push, so its imports stay lean;
- `install`: `sfsync install-hooks`, the plain git hooks for teams without pre-commit.
"""
