"""`sfsync check`: what the git hooks run. Lean on purpose.

`sfsync check ...` is dispatched here by `sfsync.__main__` without importing typer or rich,
and the validated config comes from a cache, so a commit pays for a Python start and a
handful of git calls. Plain text goes to stderr, where a hook's messages belong (git passes
a pre-push hook's stdout on as its own); `--json` prints the envelope on stdout.

Exit codes: 0 not blocked (also: no `sfsync.yml`, no env configured, skipped with
`SKIP=sfsync-behind`), 1 blocked, 2 bad usage or configuration, 3 git failed.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import (
    EXIT_NO,
    EXIT_OK,
    SfsyncError,
    UsageError,
    json_loggable,
    loggable,
    one_line,
)
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.pipeline import behind as behind_mod
from sfsync.pipeline import config as config_mod
from sfsync.pipeline import project
from sfsync.pipeline.behind import Behind
from sfsync.pipeline.config import Environment

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook ~5 ms
if TYPE_CHECKING:
    from typing import Any, TextIO

HOOK_ID = "sfsync-behind"
SHOWN = 10  # deployments listed in the hook's message; --json and `sfsync status` list all
STAGES = {"commit": "commit", "pre-commit": "commit", "push": "push", "pre-push": "push"}


@dataclass(frozen=True)
class CheckResult:
    """The hook's verdict. `behind` is None when there was nothing to check (see `note`)."""

    stage: str
    env: str | None = None
    behind: Behind | None = None
    policy: str = "behind"
    max_behind: int = 0
    blocked: bool = False
    touched: tuple[str, ...] = ()
    overlapping: tuple[str, ...] = ()
    note: str | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The `result` object of the JSON envelope."""
        data: dict[str, Any] = {
            "env": self.env,
            "stage": self.stage,
            "policy": self.policy,
            "maxBehind": self.max_behind,
            "blocked": self.blocked,
            "note": self.note,
            "warnings": list(self.warnings),
        }
        b = self.behind
        data.update(
            {
                "upstream": b.upstream if b else None,
                "deploymentsBehind": b.count if b else 0,
                "componentsBehind": list(b.components) if b else [],
                "deployments": [d.to_json() for d in b.deployments] if b else [],
                "ignoredDeployments": list(b.ignored) if b else [],
                "syncedTo": b.synced_to if b else None,
                "overlapping": list(self.overlapping),
            }
        )
        return data


def resolve_stage(explicit: str | None) -> str:
    """`commit` or `push`: the argument, else `PRE_COMMIT_HOOK_STAGE`, else what the pre-commit
    framework tells its hooks at a push, else commit."""
    raw = explicit or os.environ.get("PRE_COMMIT_HOOK_STAGE") or _framework_stage() or "commit"
    stage = STAGES.get(raw)
    if stage is None:
        raise UsageError(f"--stage '{raw}': expected commit or push")
    return stage


def _framework_stage() -> str | None:
    """ "push" when the pre-commit framework runs us from its pre-push hook.

    pre-commit (4.x) does not set PRE_COMMIT_HOOK_STAGE; at pre-push it sets
    PRE_COMMIT_REMOTE_NAME/_URL/_BRANCH and PRE_COMMIT_LOCAL_BRANCH (and, unless the push
    starts a new history, PRE_COMMIT_FROM_REF/_TO_REF), none of which it sets at pre-commit
    (pre_commit/commands/run.py and hook_impl.py of pre-commit 4.7).
    """
    env = os.environ
    if env.get("PRE_COMMIT_REMOTE_BRANCH") or env.get("PRE_COMMIT_REMOTE_NAME"):
        return "push"
    if env.get("PRE_COMMIT_FROM_REF") and env.get("PRE_COMMIT_TO_REF"):
        return "push"
    return None


def framework_pushes_only_state_refs() -> bool:
    """True when the pre-commit framework's pre-push runs us for a push of refs/sfsync/*.

    pre-commit hands its hooks the first ref of the push that brings new commits
    (PRE_COMMIT_REMOTE_BRANCH); sfsync's own pushes hold nothing but refs/sfsync/*.
    """
    return os.environ.get("PRE_COMMIT_REMOTE_BRANCH", "").startswith("refs/sfsync/")


def skipped_by_env() -> bool:
    """True when `SKIP` (pre-commit's comma-separated hook ids) names sfsync-behind."""
    return HOOK_ID in {part.strip() for part in os.environ.get("SKIP", "").split(",")}


def run_check(
    cwd: Path | str = ".",
    *,
    env: str | None = None,
    stage: str | None = None,
    fetch: bool = False,
    pushed: Sequence[tuple[str, str]] | None = None,
) -> CheckResult:
    """Decide whether the developer's env is too far behind to commit/push.

    `pushed` lists (local sha, remote sha) pairs of a push (from the pre-push hook's stdin or
    pre-commit's `PRE_COMMIT_FROM_REF`/`PRE_COMMIT_TO_REF`); used by the overlap policy.
    """
    stage = resolve_stage(stage)
    if skipped_by_env():
        return CheckResult(stage, note=f"skipped: SKIP contains {HOOK_ID}")
    paths = project.open_repo(cwd)
    if not project.has_config(paths):
        elsewhere = config_mod.elsewhere_hint(paths.toplevel)
        if elsewhere is not None:
            return CheckResult(
                stage, note=f"no sfsync.yml on this branch ({elsewhere}): nothing to check"
            )
        return CheckResult(stage, note="no sfsync.yml in this repository: nothing to check")
    # the env before the config: a developer who never opted in is never blocked, not even
    # by a broken sfsync.yml (`sfsync config validate` reports that one)
    name = env or project.developer_env_name(paths.toplevel)
    if name is None:
        return CheckResult(
            stage,
            note=(
                f"no environment configured: run `git config {project.ENV_KEY} <your env>` "
                "to be warned when it falls behind"
            ),
        )
    proj = project.load(paths=paths)
    environment = project.resolve_env(proj, env, configured=name)
    if environment.upstream is None:
        return CheckResult(stage, env=name, note=f"{name} has no upstream: nothing to check")
    warnings = proj.config.package_dir_warnings
    try:
        result = _check_env(paths, proj, environment, stage, fetch, pushed)
        if warnings:
            from dataclasses import replace

            result = replace(result, warnings=warnings)
        return result
    except behind_mod.BranchMissing as exc:
        if not exc.no_remote:
            raise
        # a new repository without the remote: the branch is not there yet, so nothing
        # upstream can be behind (`sfsync status` says how to create it)
        return CheckResult(
            stage,
            env=name,
            note=(
                f"branch '{exc.branch}' of {exc.env} does not exist yet and there is no remote "
                f"'{proj.config.remote}': nothing to check"
            ),
        )


def _check_env(
    paths: gitrepo.RepoPaths,
    proj: project.Project,
    environment: Environment,
    stage: str,
    fetch: bool,
    pushed: Sequence[tuple[str, str]] | None,
) -> CheckResult:
    """`run_check` for an env with an upstream."""
    name = environment.name
    policy = proj.config.hooks
    repo = paths.toplevel
    pending = _pending_pull(paths, name)
    if pending is not None:
        return CheckResult(stage, env=name, note=pending)
    if fetch and state.has_remote(repo, proj.config.remote):  # none: nothing to fetch
        assert environment.upstream is not None
        upstream = proj.config.env(environment.upstream)
        branches = [b for b in (upstream.branch, environment.branch) if b]
        state.fetch(repo, proj.config.remote, branches)
    heads = gitrepo.merge_heads(paths.git_dir) if stage == "commit" else []
    if heads:
        merging = _merging_upstream(paths, proj, environment, heads)
        if merging is not None:
            return CheckResult(stage, env=name, note=merging)
    # the env's state is read in the same git process as the refs
    result = behind_mod.compute(
        repo, proj.config, environment, None, head="HEAD", cache_dir=proj.cache_dir
    )
    merge_note = None
    if heads and result.count:
        # a merge in progress brings in the deployments its commits hold: only the others
        # are still behind (an older upstream commit merged leaves the newer ones behind)
        result, merge_note = _after_merge(repo, result, heads)
    over = result.count > policy.max_behind
    touched: set[str] = set()
    overlapping: tuple[str, ...] = ()
    blocked = over
    if over and policy.block == "overlap":
        if stage == "commit":
            touched = gitrepo.staged_names(repo, proj.config.package_dirs)
        else:
            touched = _pushed_paths(repo, proj.config.package_dirs, result.up, pushed)
        touched_components = behind_mod.components_of(touched, proj.config, proj.cache_dir)
        overlapping = tuple(sorted(touched_components & set(result.components)))
        blocked = bool(overlapping)
    note = merge_note
    if not result.known:
        note = f"{name} has no sync point: run `sfsync mark-synced` after a sandbox refresh"
    return CheckResult(
        stage,
        env=name,
        behind=result,
        policy=policy.block,
        max_behind=policy.max_behind,
        blocked=blocked,
        touched=tuple(sorted(touched)),
        overlapping=overlapping,
        note=note,
    )


def _pending_pull(paths: gitrepo.RepoPaths, env: str) -> str | None:
    """The note when a pull-upstream of `env` is journaled and its merge is still there (in
    progress: conflicts the developer is resolving; or made, its deploy unfinished): its
    commits bring upstream in, so they pass. A journal whose merge was undone says nothing."""
    from sfsync.git import journal

    if not journal.path(paths.common_dir, env).exists():
        return None
    try:
        pending = journal.read(paths.common_dir, env)
    except SfsyncError:
        pending = None
    if pending is None or pending.get("op") != "pull-upstream":
        return None
    if not journal.pull_merge_live(paths.toplevel, paths.git_dir, pending):
        return None  # its merge was undone (`git merge --abort`): the journal is stale
    return (
        f"a pull-upstream of {env} is unfinished: not blocking; finish it with "
        "`sfsync pull-upstream --continue` (or `--abort`)"
    )


def _merging_upstream(
    paths: gitrepo.RepoPaths,
    proj: project.Project,
    environment: Environment,
    heads: Sequence[str],
) -> str | None:
    """The note when this commit concludes a merge that brings in the upstream branch's tip
    (a commit of MERGE_HEAD is the tip or holds it): such a commit brings in everything
    upstream has, so it is not blocked for being behind. A merge of an older upstream
    commit is not this: `_after_merge` counts what it leaves behind."""
    tip = behind_mod.upstream_tip(paths.toplevel, proj.config, environment)
    if tip is None:
        return None
    ref, up = tip
    if not any(h == up or gitrepo.is_ancestor(paths.toplevel, up, h) for h in heads):
        return None
    return f"this commit concludes a merge of {ref}: not blocking"


def _after_merge(repo: Path, result: Behind, heads: Sequence[str]) -> tuple[Behind, str | None]:
    """`result` without the deployments the merge in progress brings in (those its commits
    hold), and a note saying how many it brings; unchanged when it brings none."""
    assert result.up is not None
    missing = set(
        gitrepo.out(repo, "rev-list", "--first-parent", result.up, "--not", *heads).split()
    )
    left = [d for d in result.deployments if d.sha in missing]
    brought = result.count - len(left)
    if not brought:
        return result, None
    from dataclasses import replace

    components = tuple(sorted({c for d in left for c in d.components}))
    note = (
        f"this merge brings in {_plural(brought, 'deployment')} of {result.upstream}, "
        f"not the {_plural(len(left), 'newer one')}"
    )
    return replace(result, deployments=tuple(left), components=components), note


def headline(env: str, b: Behind) -> str:
    """`dev1 is 3 deployments behind int (7 components)`."""
    deployments = _plural(b.count, "deployment")
    components = _plural(len(b.components), "component")
    return f"{env} is {deployments} behind {b.upstream} ({components})"


def render(result: CheckResult, stream: TextIO) -> None:
    """The plain-text report of a check (for the hook's stderr). Text from git (subjects,
    author names, paths) is shown without terminal control and cut at a line's length."""
    for warning in result.warnings:
        print(f"sfsync: warning: {loggable(warning)}", file=stream)
    b = result.behind
    if b is None or result.env is None:
        if result.note:
            print(f"sfsync: {loggable(result.note)}", file=stream)
        return
    if result.note:
        print(f"sfsync: {loggable(result.note)}", file=stream)
    if b.count == 0:
        return
    prefix = "" if result.blocked else "sfsync: warning: "
    print(f"{prefix}{headline(result.env, b)}:", file=stream)
    for d in b.deployments[:SHOWN]:
        author = one_line(d.author, 60)
        print(f"  {d.sha[:7]}  {one_line(d.subject, 100)}  ({author}, {d.date[:10]})", file=stream)
    if b.count > SHOWN:
        more = b.count - SHOWN
        print(f"  ... and {more} more (sfsync status --env {result.env})", file=stream)
    if result.overlapping:
        touched = ", ".join(one_line(c) for c in result.overlapping[:SHOWN])
        more = len(result.overlapping) - SHOWN
        print(
            f"Your changes touch: {touched}" + (f" and {more} more" if more > 0 else ""),
            file=stream,
        )
    elif result.policy == "overlap" and b.count > result.max_behind:
        print("None of them touches your changes (hooks.block: overlap).", file=stream)
    elif not result.blocked:
        print(f"Allowed: up to {result.max_behind} behind (hooks.max_behind).", file=stream)
    verb = "commit" if result.stage == "commit" else "push"
    print(
        "Run: sfsync pull-upstream   (or: sfsync ignore --all)   "
        f"bypass once: SKIP={HOOK_ID} git {verb} ...",
        file=stream,
    )


def report(result: CheckResult, json_mode: bool) -> int:
    """Print the result (JSON envelope on stdout, or text on stderr); return the exit code."""
    if json_mode:
        if result.blocked and result.behind is not None and result.env is not None:
            envelope: dict[str, Any] = {
                "status": EXIT_NO,
                "name": "Behind",
                "message": headline(result.env, result.behind),
                "data": result.to_json(),
            }
        else:
            envelope = {"status": EXIT_OK, "result": result.to_json()}
        sys.stdout.write(json_loggable(json.dumps(envelope, indent=2)) + "\n")
    else:
        render(result, sys.stderr)
    return EXIT_NO if result.blocked else EXIT_OK


@dataclass(frozen=True)
class CheckArgs:
    """The options of `sfsync check` (the Typer command declares the same ones)."""

    env: str | None = None
    stage: str | None = None
    fetch: bool = False
    json: bool = False
    refs_from_stdin: bool = False
    hook_args: tuple[str, ...] = ()


def parse_args(argv: Sequence[str]) -> CheckArgs:
    """Parse `sfsync check` options without argparse (its import alone costs a commit ~10 ms)."""
    values: dict[str, str | None] = {"--env": None, "--stage": None}
    flags = {"--fetch": False, "--json": False, "--refs-from-stdin": False}
    rest: list[str] = []
    items = list(argv)
    while items:
        item = items.pop(0)
        if item == "--":  # what follows is the hook's arguments (a remote may be named `-x`)
            rest.extend(items)
            break
        name, eq, inline = item.partition("=")
        if name in values:
            if eq:
                values[name] = inline
            elif items:
                values[name] = items.pop(0)
            else:
                raise UsageError(f"sfsync check: {name} needs a value")
        elif item in flags:
            flags[item] = True
        elif item.startswith("-") and item != "-":
            raise UsageError(f"sfsync check: unknown option {item} (see sfsync check --help)")
        else:
            rest.append(item)
    return CheckArgs(
        env=values["--env"],
        stage=values["--stage"],
        fetch=flags["--fetch"],
        json=flags["--json"],
        refs_from_stdin=flags["--refs-from-stdin"],
        hook_args=tuple(rest),
    )


def check_command(
    *,
    env: str | None,
    stage: str | None,
    fetch: bool,
    json_mode: bool,
    refs_from_stdin: bool,
    hook_args: Sequence[str] = (),
) -> int:
    """Run and report one check; SfsyncError propagates to the caller's error boundary."""
    if stage is None and hook_args and hook_args[0] in STAGES:
        stage = hook_args[0]
    if framework_pushes_only_state_refs():
        note = "only refs/sfsync/* are pushed: nothing to check"
        return report(CheckResult(resolve_stage(stage), note=note), json_mode)
    if refs_from_stdin and not sys.stdin.isatty():  # a person at a terminal types nothing
        lines = sys.stdin.read()
        if not lines.strip():
            # git runs pre-push with no input when every ref is already up to date
            note = "nothing is pushed: nothing to check"
            return report(CheckResult(resolve_stage(stage), note=note), json_mode)
        if only_state_refs(lines):
            # sfsync's own bookkeeping (refs/sfsync/*) is not the developer's work
            note = "only refs/sfsync/* are pushed: nothing to check"
            return report(CheckResult(resolve_stage(stage), note=note), json_mode)
        if only_deletions(lines):
            # deleting a branch on the remote brings no work there, behind or not
            note = "only deletions are pushed: nothing to check"
            return report(CheckResult(resolve_stage(stage), note=note), json_mode)
        pushed: list[tuple[str, str]] | None = read_push_refs(io.StringIO(lines))
    else:
        pushed = _pre_commit_push_refs()
    result = run_check(env=env, stage=stage, fetch=fetch, pushed=pushed)
    return report(result, json_mode)


def main(argv: Sequence[str]) -> int:
    """Entry point of the lean path, with its own error boundary (same output contract)."""
    args_list = list(argv)
    json_mode = "--json" in args_list
    try:
        args = parse_args(args_list)
        return check_command(
            env=args.env,
            stage=args.stage,
            fetch=args.fetch,
            json_mode=args.json,
            refs_from_stdin=args.refs_from_stdin,
            hook_args=args.hook_args,
        )
    except SfsyncError as exc:
        return _fail(json_mode, exc.exit_code, exc.name, exc.message, dict(exc.data))
    except KeyboardInterrupt:
        return _fail(json_mode, 130, "Interrupted", "interrupted; nothing was changed", {})
    except Exception as exc:
        from sfsync.cli import crash  # rare path
        from sfsync.errors import from_unexpected

        known = from_unexpected(exc)  # a full disk, a read-only .git, a file size limit...
        if known is not None:
            return _fail(json_mode, known.exit_code, known.name, known.message, {})
        log = crash.write_log(exc)
        where = f"; details in {log}" if log else ""
        message = f"unexpected error: {type(exc).__name__}: {exc}{where} (please report it)"
        return _fail(json_mode, 3, "InternalError", message, {})


def read_push_refs(stream: TextIO) -> list[tuple[str, str]]:
    """(local sha, remote sha) pairs from a pre-push hook's standard input."""
    pairs = []
    for line in stream.read().splitlines():
        fields = line.split()
        if len(fields) == 4:
            pairs.append((fields[1], fields[3]))
    return pairs


def only_state_refs(text: str) -> bool:
    """True when a pre-push hook's input pushes refs/sfsync/* and nothing else."""
    remote_refs = [f[2] for f in (line.split() for line in text.splitlines()) if len(f) == 4]
    return bool(remote_refs) and all(r.startswith("refs/sfsync/") for r in remote_refs)


def only_deletions(text: str) -> bool:
    """True when a pre-push hook's input deletes remote refs and pushes nothing else (git
    passes `(delete) 0000... <remote ref> <sha>` for each deleted ref)."""
    rows = [f for f in (line.split() for line in text.splitlines()) if len(f) == 4]
    return bool(rows) and all(f[1] == gitrepo.ZERO_SHA for f in rows)


def _pre_commit_push_refs() -> list[tuple[str, str]] | None:
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if not to_ref:
        return None
    return [(to_ref, os.environ.get("PRE_COMMIT_FROM_REF") or gitrepo.ZERO_SHA)]


def _pushed_paths(
    repo: Path,
    package_dirs: Sequence[str],
    up: str | None,
    pushed: Sequence[tuple[str, str]] | None,
) -> set[str]:
    """Files changed by the commits being pushed (default: HEAD's commits not on upstream)."""
    pairs = list(pushed) if pushed is not None else [("HEAD", gitrepo.ZERO_SHA)]
    paths: set[str] = set()
    for local, remote in pairs:
        if local == gitrepo.ZERO_SHA:
            continue  # a branch deletion pushes no content
        old = remote if remote != gitrepo.ZERO_SHA else None
        if old is not None and gitrepo.rev_parse(repo, old) is None:
            old = None
        if old is None and up is not None:
            old = gitrepo.merge_base(repo, local, up)
        if old is None:
            continue
        paths |= gitrepo.diff_names(repo, old, local, package_dirs)
    return paths


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _fail(json_mode: bool, status: int, name: str, message: str, data: dict[str, Any]) -> int:
    from sfsync.errors import redact

    message = loggable(redact(message))
    if json_mode:
        envelope: dict[str, Any] = {"status": status, "name": name, "message": message}
        if data:
            envelope["data"] = data
        sys.stdout.write(json_loggable(json.dumps(envelope, indent=2)) + "\n")
    else:
        first, *rest = message.splitlines() or [""]
        print(f"sfsync check: error: {first}", file=sys.stderr)
        for line in rest:
            print(line, file=sys.stderr)
    return status
