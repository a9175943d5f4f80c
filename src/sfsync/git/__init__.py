"""Git, and the state sfsync keeps in it. Imports nothing of sfsync but `errors`.

- `repo`: git's only process runner, `run` (argument lists, `-z` paths, one error per
  failure; `read_until` stops git once the caller has read enough), and the reads, object
  writes and ref moves built on it;
- `walk`: first-parent walks and many diffs in one `git diff-tree --stdin`, for "behind",
  through `repo`'s runner;
- `worktree`: what changes a checkout or a remote (merge, reset, linked worktrees, push),
  for pull-upstream and back-promote, through `repo`'s runner;
- `refnames`: which names may reach a git command (git's ref rules, never an option);
- `state`: `refs/sfsync/envs/<env>`, a chain of event commits moved by compare-and-swap
  (fetch and push merge a diverged one);
- `chain`: such a chain and some files of each commit, read in one git process (`repo`'s
  `CatFile`: one `git cat-file --batch` asked question after question);
- `journal`: what a half-done command left behind, so a re-run can finish it;
- `locks`: one sfsync at a time per environment and clone;
- `lease`: one deploy at a time per environment across clones (a claim pushed on the state
  ref).

This package is on the hook's import path: keep its imports light.
"""
