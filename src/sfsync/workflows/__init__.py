"""The workflows behind the mutating commands; each plans first, then acts.

- `pull`: `sfsync pull-upstream` (merge upstream into the branch, deploy the net difference);
- `pull_plan`: its plan (what is behind, the predicted merge; an unfinished pull from its
  journal);
- `backpromote`: `sfsync back-promote` (walk the pipeline downwards);
- `promote`: `sfsync deploy` (the plan, the protected-env confirmation, the push);
- `rollback`: `sfsync rollback`: undo a deployment, or some of its components, or an older
  one (refused for what a later one changed): redeploy its snapshot, delete what it created;
- `common`: what they share (the delta for an env, the deploy step call, the lock).
- `backup`: `sfsync backup` (an org in git, incrementally, in chunks that resume);
- `drift`: `sfsync drift` (an org against what git says it holds; save its work to a branch);
- `compare`: `sfsync compare` (two orgs or backups; deploy the chosen differences).

Compose `sfsync.pipeline`, `sfsync.org` and `sfsync.git`; never import typer or rich.
"""
