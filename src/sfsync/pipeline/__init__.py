"""The pipeline: `sfsync.yml`, the project a command runs in, and how far each env is behind.

- `config`: `sfsync.yml`'s types, loaded and validated (cached by content hash);
- `config_validation`: the validation (YAML, the JSON Schema in `schema/`, the pipeline's
  shape), errors at their line; imported only when the cache misses;
- `project`: the repository, its validated config and the developer's env (`git config sfsync.env`);
- `naming`: package paths -> `Type:FullName`, through the delta engine's resolver (cached);
- `behind`: the content-based "deployments behind" computation (git only, no org), with
  `history` (what each upstream commit changed, cached by sha), `deployments` (the records,
  built lazily) and `heldback` (components a pull excluded or a deploy skipped);
- `cachefile`: the cache files under the git common dir (keyed, checksummed, atomic);
- `tracking`: status rows, ignore and mark-synced on top of `behind` and the state refs;
- `ledger`: which recorded event changed which component of an env's org (a component's
  history for `sfsync log --component`; the later events a rollback would undo).

Reads config and git (`sfsync.git`, `sfsync.metadata`); never talks to an org. On the hook's
import path: no yaml or jsonschema unless the config changed.
"""
