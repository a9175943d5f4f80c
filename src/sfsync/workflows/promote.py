"""`sfsync deploy`: the plan first, then the shared deploy step (`sfsync rollback`'s plan and
run are `sfsync.workflows.rollback`; it uses `check_confirm` and `push_refs` from here).

The net difference `sfsync deploy` promotes is `deployed -> branch tip`: `deployed` is the
commit whose package-directory content the org holds, recorded in
`refs/sfsync/envs/<env>` by every deploy, back-promote and rollback. An env that has none yet
(first use of sfsync on it) needs `--baseline REF`, the commit its org holds today.

    plan = promote.plan_deploy(project, "int", validate=False, test_level=None, tests=(),
                               baseline=None)
    promote.check_confirm(plan.env, confirm)          # protected envs: --confirm <env>
    result = promote.run_deploy(project, plan, on_progress=None)   # -> orgdeploy.StepResult
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sfsync.errors import ExternalError, UsageError
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.metadata import compute_delta
from sfsync.metadata.delta import Delta, flatten
from sfsync.metadata.project import Project as MetadataProject
from sfsync.org import deploy as orgdeploy
from sfsync.org import sf
from sfsync.pipeline import behind
from sfsync.pipeline.config import Environment
from sfsync.pipeline.project import Project, metadata_project
from sfsync.workflows import apextests
from sfsync.workflows import common as workflow


class ConfirmationNeeded(UsageError):
    """A protected env was targeted without `--confirm <env>` (exit 2)."""

    name = "ConfirmationNeeded"


@dataclass(frozen=True)
class DeployPlan:
    """What `sfsync deploy` would do."""

    env: Environment
    branch_ref: str
    from_sha: str
    to_sha: str
    baseline: str
    """Where `from_sha` comes from: `recorded` (the env's state) or `--baseline`."""
    delta: Delta | None
    test_level: str
    tests: tuple[str, ...]
    validate: bool
    interrupted: tuple[str, ...] = ()
    """What became of a deploy a killed run left (settled before planning), or, in a dry
    run, that one is pending."""
    test_choice: apextests.TestChoice | None = None
    """Where the test level and classes come from; with `--tests auto`, why each test."""

    @property
    def empty(self) -> bool:
        """True when the org already holds the branch tip."""
        return self.delta is None or self.delta.is_empty()

    def to_json(self) -> dict[str, Any]:
        """The plan as `--json` shows it."""
        return {
            "env": self.env.name,
            "org": self.env.org,
            "branch": self.branch_ref,
            "from": self.from_sha,
            "to": self.to_sha,
            "baseline": self.baseline,
            "deploy": list(flatten(self.delta.package)) if self.delta else [],
            "delete": list(flatten(self.delta.destructive)) if self.delta else [],
            "warnings": list(self.delta.warnings) if self.delta else [],
            "testLevel": self.test_level,
            "tests": list(self.tests),
            "testPlan": self.test_choice.to_json() if self.test_choice else None,
            "validate": self.validate,
            "protected": self.env.protected,
            "interrupted": list(self.interrupted),
        }


def branch_env(project: Project, name: str) -> Environment:
    """The env called `name`; UsageError for a developer sandbox (it has no branch)."""
    env = project.config.env(name)
    if env.branch is None:
        raise UsageError(
            f"{env.name} is a developer sandbox (no branch): bring upstream changes into it "
            "with `sfsync pull-upstream`"
        )
    return env


def check_confirm(env: Environment, confirm: str | None, action: str = "deploy to it") -> None:
    """Protected envs (production) need `--confirm <env name>`; `action` says what for
    ("deploy to it", "roll it back")."""
    if env.protected and confirm != env.name:
        got = f" (got --confirm {confirm})" if confirm else ""
        raise ConfirmationNeeded(
            f"{env.name} is protected{got}: add --confirm {env.name} to {action}"
        )
    if confirm is not None and confirm != env.name:
        # `--env int --confirm prod`: one of the two is a slip; the org must not be guessed
        raise ConfirmationNeeded(
            f"--confirm {confirm} does not name --env {env.name}: check which env you mean "
            f"(--confirm {env.name}, or leave it out: {env.name} is not protected)"
        )


def plan_deploy(
    project: Project,
    env_name: str,
    *,
    validate: bool = False,
    test_level: str | None = None,
    tests: Sequence[str] = (),
    baseline: str | None = None,
    settle: bool = True,
    ref: str | None = None,
) -> DeployPlan:
    """The net difference between what `env_name`'s org holds and its branch tip.

    `settle`: first finish a deploy a killed run left on the env (a dry run only names it).
    `ref` (validations only) validates another commit instead of the tip: a pull request's
    merge, before it lands on the branch.
    """
    repo = project.root
    env = branch_env(project, env_name)
    assert env.branch is not None
    interrupted: tuple[str, ...] = ()
    if not validate:
        held = state.read_state(repo, env.name).state.deployed
        interrupted = workflow.settle_interrupted(project, [env], "deploy", wait=settle)
        if baseline is not None and state.read_state(repo, env.name).state.deployed != held:
            # the killed run's deploy (from --baseline) is recorded now: the org holds what
            # it recorded, not the --baseline the killed run started from
            baseline = None
    if ref is not None:
        if not validate:
            raise UsageError(
                f"--ref {ref} needs --validate: a deploy always takes the tip of {env.branch}, "
                "the commit the state records as deployed"
            )
        tip = gitrepo.rev_parse(repo, ref)
        if tip is None:
            raise UsageError(f"--ref {ref}: no such commit in this repository")
    else:
        ref = behind.branch_ref(repo, project.config.remote, env.branch)
        if ref is None:
            raise UsageError(
                f"{env.name}: branch '{env.branch}' not found (neither "
                f"{project.config.remote}/{env.branch} nor a local branch): fetch it first"
            )
        found = gitrepo.rev_parse(repo, ref)
        assert found is not None
        tip = found
    if baseline is not None:
        from_sha = gitrepo.rev_parse(repo, baseline)
        if from_sha is None:
            raise UsageError(f"--baseline {baseline}: no such commit in this repository")
        source = "--baseline"
    else:
        recorded = state.read_state(repo, env.name).state.deployed
        if recorded is None:
            raise UsageError(
                f"{env.name} has no recorded deployment yet, so sfsync cannot tell what its "
                f"org holds: pass --baseline <commit the org holds> (e.g. --baseline {ref} "
                "if the org matches the branch today)"
            )
        if gitrepo.rev_parse(repo, recorded) is None:
            raise UsageError(
                f"{env.name}'s org holds {recorded[:12]}, which is not in this repository: "
                f"git fetch {project.config.remote}"
            )
        from_sha, source = recorded, "recorded"
    if from_sha == tip:
        delta = None
        # nothing to deploy: the options are still checked, no graph is built
        choice = apextests.choose(
            env,
            [],
            api_version=_metadata_project(project).api_version,
            files=dict,
            test_level=test_level,
            tests=[t for t in tests if t != apextests.AUTO],
        )
    else:
        if gitrepo.is_ancestor(repo, tip, from_sha):
            raise UsageError(
                f"{env.name}: the branch tip {tip[:12]} is older than what the org holds "
                f"({from_sha[:12]}): to go back, use `sfsync rollback --env {env.name}`"
            )
        delta = compute_delta(repo, from_sha, tip, _metadata_project(project))
        choice = apextests.for_delta(
            project.config.package_dirs, env, delta, test_level=test_level, tests=tests
        )
    return DeployPlan(
        env,
        ref,
        from_sha,
        tip,
        source,
        delta,
        choice.level,
        choice.tests,
        validate,
        interrupted,
        choice,
    )


def run_deploy(
    project: Project,
    plan: DeployPlan,
    on_progress: Callable[[sf.Progress], None] | None = None,
    *,
    take_over: bool = False,
) -> orgdeploy.StepResult | None:
    """Deploy (or validate) the plan; None when there is nothing to deploy."""
    if plan.delta is None or plan.empty:
        return None
    return orgdeploy.deploy_step(
        project.root,
        plan.env,
        plan.delta,
        kind="deploy",
        test_level=plan.test_level,
        tests=plan.tests,
        check_only=plan.validate,
        details={"branch": plan.branch_ref, "baseline": plan.baseline},
        on_progress=on_progress,
        command="validate" if plan.validate else "deploy",
        take_over=take_over,
    )


def push_refs(project: Project, result: orgdeploy.StepResult) -> list[str]:
    """Push the env's state ref and the step's snapshot ref to the remote (fast-forward only;
    a state ref someone else moved meanwhile is fetched and merged first).

    The org and the local refs are already updated when this runs: a failed push says so,
    with a command that finishes it.
    """
    refs = [state.ref_name(result.env)]
    if result.snapshot is not None:
        refs.append(result.snapshot.ref)
    if result.pushed:
        return refs  # the step pushed them (it had claimed the env on the remote)
    remote = project.config.remote
    error = state.push_refs(project.root, remote, refs, [result.env])
    if error is not None:
        raise ExternalError(f"{result.env} was deployed and recorded here, but {error}")
    return refs


def _metadata_project(project: Project) -> MetadataProject:
    return metadata_project(project.root)
