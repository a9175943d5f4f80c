"""`sfsync pull-upstream`: bring what was deployed upstream into your branch and your sandbox.

Collect, then act. `plan` (in `sfsync.workflows.pull_plan`, importable from here) fetches,
computes what is behind and predicts the merge with `git merge-tree` (nothing in the work
tree changes); `execute` merges the upstream branch into the current branch, then hands the
net difference (pre-merge HEAD -> merged HEAD, minus the excluded components) to the shared
deploy step, which snapshots, checks for work that only exists in the sandbox, deploys and
records the event. A local journal (`sfsync.git.journal`) makes every step resumable: a run
killed at any point is finished by the next `sfsync pull-upstream`; a merge that stops on
conflicts is finished with `--continue` after the user commits the resolution, or undone
with `abort` (`--abort`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sfsync.errors import Refused, SfsyncError, UsageError
from sfsync.git import journal, state, worktree
from sfsync.git import repo as gitrepo
from sfsync.pipeline.project import Project
from sfsync.workflows import common as workflow
from sfsync.workflows import merging
from sfsync.workflows.pull_plan import (
    OP,
    PullPlan,
    find_merge,
    journal_record,
    labels,
    plan,
    sandbox,
)

__all__ = ["OP", "PullPlan", "PullResult", "abort", "execute", "plan"]


@dataclass(frozen=True)
class PullResult:
    """What a pull-upstream did."""

    plan: PullPlan
    merged: str
    outcome: workflow.Outcome | None
    push_error: str | None = None
    merge: merging.MergeReport = field(default_factory=merging.MergeReport)
    """The merge, file by file: merged by element (conflicts stop before a result)."""

    def to_json(self) -> dict[str, Any]:
        """`--json` result."""
        data: dict[str, Any] = {
            "env": self.plan.env.name,
            "upstream": self.plan.upstream,
            "syncedTo": self.plan.up_sha,
            "preMerge": self.plan.head,
            "merged": self.merged,
            "excluded": list(self.plan.excluded),
            "statePushed": self.outcome is not None and self.push_error is None,
            **self.merge.to_json(),
        }
        if self.push_error:
            data["pushError"] = self.push_error
        if self.outcome is not None:
            data.update(self.outcome.to_json())
        return data


def execute(
    project: Project,
    the_plan: PullPlan,
    *,
    force: bool = False,
    progress: workflow.ProgressCallback | None = None,
    take_over: bool = False,
) -> PullResult:
    """Merge (unless resuming), deploy the delta to the sandbox, record the event.

    `take_over`: take over another clone's claim on the env once it has expired.
    """
    env = the_plan.env
    repo = project.root
    common = project.paths.common_dir
    if the_plan.up_to_date:
        return PullResult(the_plan, the_plan.head, None)
    workflow.require_tools()  # before the merge: nothing moves when `sf` is missing
    with workflow.env_lock(project, env.name, OP):
        record = journal_record(the_plan)
        merged = the_plan.merged
        report = merging.MergeReport()
        if merged is None:
            worktree.check_index_unlocked(repo)  # before the journal: nothing to finish later
            journal.write(common, env.name, {**record, "step": "merge"})
            journal.pause_point("merge")
            message = (
                f"Merge {env.upstream} ({the_plan.up_ref}) into {the_plan.branch}\n\n"
                f"sfsync pull-upstream of {env.name}: {the_plan.up_sha}\n"
            )
            with merging.element_merge(repo, labels(the_plan)) as how:
                try:
                    clean = worktree.merge(
                        repo, the_plan.up_sha, message, config=how.config, env=how.env
                    )
                except SfsyncError:
                    journal.clear(common, env.name)  # git merged nothing: nothing to finish
                    raise
                report = how.report()
            if not clean:
                conflicts = worktree.unmerged_paths(repo)
                journal.write(common, env.name, {**record, "step": "conflict"})
                raise Refused(
                    f"merging {env.upstream} into {the_plan.branch} stopped on conflicts in "
                    f"{report.conflicts_in(conflicts)}: resolve them "
                    "(the markers surround the conflicting entries only), `git add` and "
                    "`git commit`, then run `sfsync pull-upstream --continue` (or `--abort` to "
                    f"undo); nothing was deployed to {env.name}",
                    data={"conflicts": conflicts, **report.to_json()},
                )
            merged = gitrepo.rev_parse(repo, "HEAD")
            assert merged is not None
        user_merge = the_plan.resolved_by_user
        journal.write(common, env.name, {**record, "step": "deploy", "merged": merged})
        journal.pause_point("deploy")
        if the_plan.resuming and _already_recorded(project, env.name, the_plan, merged):
            # a killed run deployed and recorded, then died before cleaning up
            journal.clear(common, env.name)
            push_error = workflow.push_state(project, env.name)
            return PullResult(the_plan, merged, None, push_error, report)
        try:
            outcome = workflow.deploy(
                project,
                env,
                from_sha=the_plan.from_sha or the_plan.head,
                to_sha=merged,
                kind=OP,
                exclude=the_plan.excluded,
                policy="force" if force else "stop",
                new_state=lambda s: replace(
                    s, synced_to=the_plan.up_sha, excluded=the_plan.excluded, skipped=()
                ),
                details={
                    "upstream": env.upstream,
                    "upstreamSha": the_plan.up_sha,
                    "preMerge": the_plan.head,
                    "merged": merged,
                    "excluded": list(the_plan.excluded),
                    "summary": f"pulled {env.upstream} {the_plan.up_sha[:12]} into {env.name}",
                },
                progress=progress,
                on_snapshot=lambda ref: _snapshot_taken(common, env.name, record, merged, ref),
                take_over=take_over,
            )
        except Refused as exc:
            if not user_merge and gitrepo.rev_parse(repo, "HEAD") == merged:
                # an automatic merge is cheap to redo: leave the branch as it was
                journal.clear(common, env.name)
                undone = ""
                if merged != the_plan.head:
                    worktree.reset_keep(repo, the_plan.head)
                    undone = f"{the_plan.branch} is back at {the_plan.head[:12]} (merge undone); "
                exc.message += f"\n{undone}the sandbox and the state of {env.name} are unchanged"
            else:
                exc.message += (
                    f"\nyour merge {merged[:12]} is kept: fix the cause, then run "
                    "`sfsync pull-upstream --continue` (or `--abort`)"
                )
            raise
        except SfsyncError as exc:
            # sf or the network failed mid-way: the journal lets the next run finish the job
            exc.message += (
                f"\nthe merge {merged[:12]} is kept and journaled: run `sfsync pull-upstream` "
                "again to finish (or `--abort`)"
            )
            raise
        journal.clear(common, env.name)
    push_error = workflow.push_state(project, env.name, outcome.snapshot)
    return PullResult(the_plan, merged, outcome, push_error, report)


def abort(project: Project, env_name: str | None) -> dict[str, Any]:
    """Undo an unfinished pull-upstream: the merge (in progress or made), and the journal."""
    env = sandbox(project, env_name)
    repo = project.root
    common = project.paths.common_dir
    pending = journal.read(common, env.name)
    if pending is None or pending.get("op") != OP:
        raise UsageError(f"no pull-upstream of {env.name} to abort")
    # only the pull's own merge: a merge of something else in progress is the developer's
    in_merge = str(pending.get("upSha")) in gitrepo.merge_heads(project.paths.git_dir)
    workflow.check_unlocked(project, env.name)
    head = str(pending["head"])
    merged = pending.get("merged")
    undone = "nothing"
    if in_merge:
        worktree.merge_abort(repo)
        undone = "the merge in progress"
    else:
        current = gitrepo.rev_parse(repo, "HEAD")
        made = merged or find_merge(project, head, str(pending["upSha"]))
        if made is not None and current == made:
            worktree.reset_keep(repo, head)
            undone = f"the merge {made[:12]}"
        elif made is not None and current != head:
            raise Refused(
                f"HEAD moved on after the merge {made[:12]}: sfsync will not rewrite it; undo "
                f"by hand (e.g. `git revert -m 1 {made[:12]}`), then `sfsync pull-upstream "
                "--abort` again"
            )
    journal.clear(common, env.name)
    deploy_started = pending.get("step") == "deploy"
    return {
        "env": env.name,
        "undone": undone,
        "head": gitrepo.rev_parse(repo, "HEAD"),
        "deployMayHaveRun": deploy_started,
    }


# --- internals --------------------------------------------------------------------------


def _snapshot_taken(
    common: Path, env: str, record: dict[str, Any], merged: str, snapshot: str
) -> None:
    journal.write(common, env, {**record, "step": "deploy", "merged": merged, "snapshot": snapshot})
    journal.pause_point("snapshot")


def _already_recorded(project: Project, env: str, p: PullPlan, merged: str) -> bool:
    last = state.last_event(project.root, env)
    if last is None:
        return False
    event = last.event
    return event.kind == OP and event.to_sha == merged and event.from_sha == (p.from_sha or p.head)
