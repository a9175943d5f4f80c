"""Which Apex tests a deployment runs: the command line first, then the env's `tests:`, then
the default (RunLocalTests for protected envs, NoTestRun otherwise).

    choice = apextests.for_delta(project, env, delta, test_level=None, tests=("auto",))
    choice.level, choice.tests     # "RunSpecifiedTests", ("AccountServiceTest", ...)
    choice.to_json()               # the selection, each test with why (for --json, markdown)

`auto` builds the Apex reference graph from the source being deployed
(`sfsync.metadata.apex`) and runs the test classes that reach what the deployment changes,
with RunSpecifiedTests. A deployed class or trigger that no test reaches stops the
deployment before anything happens (`Uncovered`, exit 1, naming it), unless the env's
`tests.allow_uncovered` is true: with RunSpecifiedTests the org requires 75% coverage of each
deployed class and trigger from the tests named, so such a deploy would fail in the org after
minutes of tests anyway. A deployment without Apex runs no tests where Salesforce allows it:
NoTestRun in a sandbox, and no test level at all in a protected env, since production orgs
refuse NoTestRun ("INVALID_OPERATION: testLevel of NoTestRun cannot be used in production
organizations") and, without a level, run tests only when the package holds Apex ("Running
Tests in a Deployment", Metadata API Developer Guide).

RunRelevantTests (Salesforce's own selection, beta) exists from API 66.0: asked for with an
older `sourceApiVersion`, it is refused here with the reason (the pinned sf CLI accepts the
level whatever the version and only checks it when `--api-version` is given).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sfsync.errors import Refused, UsageError
from sfsync.metadata.apex import graph as apexgraph
from sfsync.metadata.apex import select as apexselect
from sfsync.metadata.apex import sources as apexsources
from sfsync.metadata.delta import Delta
from sfsync.org import sf
from sfsync.pipeline.config import TEST_MODES, Environment, TestPolicy

AUTO = "auto"
RELEVANT = "RunRelevantTests"
RELEVANT_SINCE = 66.0
ORG_DEFAULT = sf.ORG_DEFAULT
"""The level of a deploy that sends none (the org decides)."""
LEVELS = sf.TEST_LEVELS
_APEX = ("ApexClass", "ApexTrigger")


class Uncovered(Refused):
    """`--tests auto` found deployed Apex that no test reaches (exit 1)."""

    name = "Uncovered"


@dataclass(frozen=True)
class TestChoice:
    """The test level and classes of one deployment, where they come from, and why."""

    level: str
    """The level sent to the org; `ORG_DEFAULT` sends none (the org decides)."""
    tests: tuple[str, ...] = ()
    mode: str = "default"
    """auto, a level, or default."""
    source: str = "default"
    """command line, sfsync.yml or default."""
    selection: apexselect.Selection | None = None
    notes: tuple[str, ...] = ()
    has_apex: bool = False

    def to_json(self) -> dict[str, Any]:
        """The choice as `--json` shows it (`selection` only for auto)."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "source": self.source,
            "level": self.level,
            "tests": list(self.tests),
            "notes": list(self.notes),
        }
        if self.selection is not None:
            out["selection"] = self.selection.to_json()
        return out


def default_level(env: Environment) -> str:
    """RunLocalTests for protected envs (production), NoTestRun otherwise."""
    return "RunLocalTests" if env.protected else "NoTestRun"


def for_delta(
    project_dirs: Sequence[str],
    env: Environment,
    delta: Delta,
    *,
    test_level: str | None = None,
    tests: Sequence[str] = (),
) -> TestChoice:
    """The tests for deploying `delta` to `env` (the graph is read at `delta.to_sha`)."""
    return choose(
        env,
        [str(c) for c in delta.components],
        api_version=delta.project.api_version,
        files=lambda: delta_sources(project_dirs, delta),
        test_level=test_level,
        tests=tests,
    )


def delta_sources(project_dirs: Sequence[str], delta: Delta) -> dict[str, bytes]:
    """The graph's files as the delta's target commit has them."""
    dirs = delta.project.package_dirs or tuple(project_dirs)
    return apexsources.at_revision(delta.repo, delta.to_sha, dirs, delta.prefix)


def choose(
    env: Environment,
    components: Sequence[str],
    *,
    api_version: str | None,
    files: Callable[[], Mapping[str, bytes]],
    test_level: str | None = None,
    tests: Sequence[str] = (),
) -> TestChoice:
    """The tests for deploying `components` (`Type:Name`) to `env`; `files()` gives the source
    the graph is built from (read only for auto). UsageError for a level or a combination that
    cannot be; `Uncovered` when auto finds deployed Apex that no test reaches."""
    has_apex = any(c.partition(":")[0] in _APEX for c in components)
    names = tuple(tests)
    if test_level is not None and test_level not in LEVELS:
        raise UsageError(f"--test-level {test_level}: use one of {', '.join(LEVELS)}")
    if AUTO in names:
        if len(names) > 1:
            raise UsageError("--tests auto picks the tests itself: give no other --tests")
        if test_level not in (None, "RunSpecifiedTests"):
            raise UsageError(f"--tests auto runs RunSpecifiedTests: drop --test-level {test_level}")
        policy = env.tests if env.tests is not None and env.tests.mode == AUTO else None
        return _auto(env, components, files, policy or TestPolicy(AUTO), "command line", has_apex)
    if names or test_level is not None:
        if names and test_level not in (None, "RunSpecifiedTests"):
            raise UsageError("--tests needs --test-level RunSpecifiedTests (or no --test-level)")
        if test_level == "RunSpecifiedTests" and not names:
            raise UsageError("--test-level RunSpecifiedTests needs --tests CLASS (or --tests auto)")
        level = test_level or "RunSpecifiedTests"
        if level == RELEVANT:
            _check_relevant(api_version, "--test-level RunRelevantTests")
        return TestChoice(level, names, level, "command line", has_apex=has_apex)
    policy = env.tests
    if policy is not None:
        assert policy.mode in TEST_MODES
        if policy.mode == AUTO:
            return _auto(env, components, files, policy, "sfsync.yml", has_apex)
        if policy.mode == RELEVANT:
            _check_relevant(api_version, f"environments.{env.name}.tests: RunRelevantTests")
        return TestChoice(policy.mode, (), policy.mode, "sfsync.yml", has_apex=has_apex)
    level = default_level(env)
    return TestChoice(level, (), "default", "default", has_apex=has_apex)


# --- internals -------------------------------------------------------------------------


def _check_relevant(api_version: str | None, what: str) -> None:
    try:
        version = float(api_version) if api_version else None
    except ValueError:
        version = None
    if version is None or version < RELEVANT_SINCE:
        have = f"sourceApiVersion is {api_version}" if api_version else "sourceApiVersion is unset"
        raise UsageError(
            f"{what}: Salesforce accepts RunRelevantTests from API {RELEVANT_SINCE} ({have} in "
            f"sfdx-project.json): raise sourceApiVersion to {RELEVANT_SINCE} or use --tests auto"
        )


def _auto(
    env: Environment,
    components: Sequence[str],
    files: Callable[[], Mapping[str, bytes]],
    policy: TestPolicy,
    source: str,
    has_apex: bool,
) -> TestChoice:
    graph = apexgraph.build(files())
    options = apexselect.Options(depth=policy.depth, always=policy.always)
    selection = apexselect.select(graph, components, options)
    notes = list(selection.warnings)
    reached = any(
        r.kind in (apexselect.REACHES, apexselect.CONVENTION, apexselect.TEST_FOR)
        for p in selection.picks
        for r in p.reasons
    )
    if not has_apex and not reached:
        level = ORG_DEFAULT if env.protected else "NoTestRun"
        notes.append(
            "no Apex deployed and no test reaches what the deployment changes: no tests run"
            + (" (no test level sent: production orgs refuse NoTestRun)" if env.protected else "")
        )
        return TestChoice(level, (), AUTO, source, selection, tuple(notes), has_apex)
    if selection.uncovered and not policy.allow_uncovered:
        names = ", ".join(selection.uncovered[:10])
        more = f" and {len(selection.uncovered) - 10} more" if len(selection.uncovered) > 10 else ""
        # the selection as it would run with allow_uncovered: what it picked, not nothing
        level = "RunSpecifiedTests" if selection.picks else default_level(env)
        picked = selection.names()
        choice = TestChoice(level, picked, AUTO, source, selection, tuple(notes), has_apex)
        raise Uncovered(
            f"{env.name}: no test class reaches {names}{more} (searched {policy.depth} "
            f"references deep, by name and @IsTest(testFor)): the org would refuse the deploy "
            "for coverage; add a test, list one in tests.always, raise tests.depth, or set "
            f"tests.allow_uncovered for {env.name} in sfsync.yml",
            data={"tests": choice.to_json()},
        )
    for component in selection.uncovered:
        notes.append(f"{component} is reached by no test (tests.allow_uncovered)")
    if not selection.picks:
        level = default_level(env)
        notes.append(f"no test class reaches the deployed Apex: {level} instead")
        return TestChoice(level, (), AUTO, source, selection, tuple(notes), has_apex)
    return TestChoice(
        "RunSpecifiedTests", selection.names(), AUTO, source, selection, tuple(notes), has_apex
    )
