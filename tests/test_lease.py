"""The lease on the shared state ref, claimed from threads of one process (parallel sandboxes)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline import git
from sfsync.git import lease, state


def test_claims_of_many_envs_at_once_from_one_clone_all_succeed(tmp_path: Path) -> None:
    # back-promote --jobs N claims N sandboxes at once; each claim fetches from the remote into
    # refs/sfsync-remote/: two fetches writing the same tracking ref made git refuse one
    # ("cannot lock ref") and the sandbox failed without being touched
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    git(repo, "commit", "-q", "--allow-empty", "-m", "start")
    git(repo, "remote", "add", "origin", str(remote))
    envs = [f"dev{n}" for n in range(8)]
    for env in envs:
        state.append_event(repo, env, state.Event(kind="mark-synced"), state.EnvState(), None)
    state.push(repo, "origin", envs)

    for _round in range(3):
        with ThreadPoolExecutor(max_workers=len(envs)) as pool:
            held = list(pool.map(lambda e: lease.claim(repo, e, "origin", command="test"), envs))
        assert all(h is not None for h in held)
        for env, h in zip(envs, held, strict=True):
            assert h is not None
            holder = lease.active_claim(repo, env)
            assert holder is not None
            assert git(remote, "rev-parse", state.ref_name(env)) == git(
                repo, "rev-parse", state.ref_name(env)
            )
            assert lease.release(repo, h, "test done") is None
