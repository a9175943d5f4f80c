"""CI pipeline files for the team's pipeline (`sfsync ci init --provider P`).

- `model`: what every provider runs, worked out once from `sfsync.yml` (the branch envs top
  first, the developer sandboxes, the secrets' names, the shell commands of each job);
- `github`, `gitlab`, `azure`, `bitbucket`: one module per provider, turning the model into
  that provider's YAML (each a `files(plan) -> {path: text}`);
- `yamltext`: YAML out of plain data, block scalars for scripts, a comment header;
- `generate`: the provider table, and writing the files (never over a file without --force).

Imports: `errors`, `pipeline` (the config) and the package version; nothing runs here.
"""
