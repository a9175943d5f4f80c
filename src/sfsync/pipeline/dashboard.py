"""What `sfsync report --html` shows, read from git: one model of the pipeline.

For each env of `sfsync.yml` (root first, level by level): how far it is behind its
upstream (`tracking.status`, the computation `sfsync status` makes), its events
(`refs/sfsync/envs/<env>`, read for all envs in three git processes), the components it
holds back, its last backup and its drift. Read-only: nothing here writes.

    board = dashboard.collect(project, backups=backups.summaries(root), drift=results)

Backups are read by `sfsync.org.backups.summaries` (the org layer owns their format) and
handed in. Drift comes from `sfsync drift --json` documents (`read_drift`) and from the
branches `sfsync drift --save` wrote (`saved_drift`, shown on the env page: a saved branch
says what drifted then, not whether it still does).

Everything here is text from git, an org or a file: the renderer escapes it all. Names
only, never e-mail addresses: a published page must not hand out addresses.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfsync import __version__
from sfsync.errors import UsageError
from sfsync.git import repo as gitrepo
from sfsync.git import state
from sfsync.pipeline import tracking, weblinks
from sfsync.pipeline.project import Project

SHOWN_KINDS = frozenset(
    {
        "deploy",
        "validate",
        "pull-upstream",
        "back-promote",
        "rollback",
        "ignore",
        "mark-synced",
        "compare-deploy",
        "release",
    }
)
"""Event kinds on the timeline: what changed an org or the env's state, and `release`
(a run that claimed the env and ended without deploying). Claims and merges of two
histories are bookkeeping."""
STATUSES = ("failed", "drifted", "behind", "never-synced", "in-sync", "root")
"""An env's status, most urgent first (`EnvView.status` is the first that applies)."""
DRIFT_BRANCHES = "refs/heads/drift/"


@dataclass(frozen=True)
class EventView:
    """One event of an env's chain, as the page shows it."""

    env: str
    commit: str
    kind: str
    who: str
    when: str
    from_sha: str | None
    to_sha: str | None
    components: tuple[str, ...]
    deleted: tuple[str, ...]
    summary: str
    job: str | None


@dataclass(frozen=True)
class DeploymentView:
    """One upstream deployment an env is behind."""

    sha: str
    subject: str
    author: str
    date: str
    components: tuple[str, ...]


@dataclass(frozen=True)
class BackupInfo:
    """The newest backup of an env (`refs/sfsync-backups/<env>`)."""

    env: str
    commit: str
    when: str
    summary: str
    mode: str
    components: int | None


@dataclass(frozen=True)
class DriftItem:
    """One component that drifted: who changed it in the org and when, as the org says."""

    component: str
    kind: str
    """changed | only-in-org | missing"""
    by: str = ""
    when: str = ""


@dataclass(frozen=True)
class DriftInfo:
    """A drift result for one env: from `sfsync drift --json` or a `drift --save` branch."""

    env: str
    drifted: bool
    items: tuple[DriftItem, ...]
    source: str
    """The file it was read from, or the branch `drift --save` wrote."""
    when: str
    compared: int | None = None
    expected: str = ""


@dataclass(frozen=True)
class EnvView:
    """One env: where it sits in the pipeline, how far behind it is, what happened to it."""

    name: str
    org: str
    branch: str | None
    upstream: str | None
    protected: bool
    depth: int
    known: bool
    """False for a sandbox that was never synced (nothing can be counted yet)."""
    deployments_behind: tuple[DeploymentView, ...]
    components_behind: tuple[str, ...]
    ignored: int
    held_back: tuple[str, ...]
    """Components it skipped or excluded: behind until pulled or ignored."""
    events: tuple[EventView, ...]
    """Newest first (SHOWN_KINDS only)."""
    last_sync: EventView | None
    failed: EventView | None
    """The `release` of a run that ended without deploying, when nothing happened since."""
    backup: BackupInfo | None = None
    drift: DriftInfo | None = None
    saved_drift: tuple[DriftInfo, ...] = ()

    @property
    def behind(self) -> int:
        """Deployments behind."""
        return len(self.deployments_behind)

    @property
    def status(self) -> str:
        """The most urgent of STATUSES that applies."""
        if self.failed is not None:
            return "failed"
        if self.drift is not None and self.drift.drifted:
            return "drifted"
        if self.upstream is None:
            return "root"
        if not self.known:
            return "never-synced"
        return "behind" if self.deployments_behind else "in-sync"


@dataclass(frozen=True)
class Dashboard:
    """The whole pipeline, when it was read, and by which sfsync."""

    generated: str
    version: str
    project: str
    commit_base: str | None
    """Links to commits: this + sha (`weblinks.commit_base` of the remote), or None."""
    envs: tuple[EnvView, ...]
    warnings: tuple[str, ...] = ()
    _components: dict[str, ComponentHistory] = field(
        default_factory=dict, compare=False, repr=False
    )

    def env(self, name: str) -> EnvView:
        """The env named `name`."""
        return next(e for e in self.envs if e.name == name)

    def components(self) -> dict[str, ComponentHistory]:
        """Every component an event or a behind count names, sorted by name."""
        if not self._components:
            self._components.update(component_histories(self.envs))
        return self._components

    @property
    def event_count(self) -> int:
        """Events shown, all envs."""
        return sum(len(e.events) for e in self.envs)


@dataclass(frozen=True)
class ComponentHistory:
    """One component across every env: the events that deployed or deleted it, newest
    first, and the envs that are behind on it."""

    name: str
    events: tuple[EventView, ...]
    behind_in: tuple[str, ...]


def collect(
    project: Project,
    *,
    backups: Mapping[str, BackupInfo] | None = None,
    drift: Iterable[DriftInfo] = (),
    now: dt.datetime | None = None,
) -> Dashboard:
    """The model of `project`'s pipeline (see the module doc)."""
    config = project.config
    repo = project.root
    rows = tracking.status(project)
    names = [row.env.name for row in rows]
    logs = state.logs(repo, names)
    saved = saved_drift(repo, config.remote)
    given: dict[str, DriftInfo] = {}
    warnings: list[str] = []
    for result in drift:
        if result.env not in names:
            warnings.append(f"{result.source}: {result.env!r} is not an env of sfsync.yml")
            continue
        if result.env in given:
            warnings.append(
                f"{result.source}: a second drift result for {result.env} (used instead "
                f"of {given[result.env].source})"
            )
        given[result.env] = result
    depth: dict[str, int] = {}
    envs = []
    for row in rows:
        env = row.env
        depth[env.name] = depth[env.upstream] + 1 if env.upstream in depth else 0
        records = logs.get(env.name, [])
        events = tuple(_event(env.name, r) for r in records if r.event.kind in SHOWN_KINDS)
        head = records[0].state if records else state.EnvState()
        b = row.behind
        envs.append(
            EnvView(
                name=env.name,
                org=env.org,
                branch=env.branch,
                upstream=env.upstream,
                protected=env.protected,
                depth=depth[env.name],
                known=b.known,
                deployments_behind=tuple(
                    DeploymentView(d.sha, d.subject, _name(d.author), d.date, d.components)
                    for d in b.deployments
                ),
                components_behind=tuple(b.components),
                ignored=len(b.ignored),
                held_back=tuple(dict.fromkeys([*head.excluded, *head.skipped])),
                events=events,
                last_sync=next((e for e in events if e.kind in tracking.SYNC_KINDS), None),
                failed=events[0] if events and events[0].kind == "release" else None,
                backup=(backups or {}).get(env.name),
                drift=given.get(env.name),
                saved_drift=tuple(saved.get(env.name, ())),
            )
        )
    moment = now or dt.datetime.now(dt.timezone.utc)
    return Dashboard(
        generated=moment.isoformat(timespec="seconds"),
        version=__version__,
        project=_project_name(project),
        commit_base=weblinks.commit_base(gitrepo.config_get(repo, f"remote.{config.remote}.url")),
        envs=tuple(envs),
        warnings=tuple(warnings),
    )


def component_histories(envs: Sequence[EnvView]) -> dict[str, ComponentHistory]:
    """Component -> its history across `envs` (events newest first, by their time)."""
    touched: dict[str, list[EventView]] = {}
    behind: dict[str, list[str]] = {}
    for env in envs:
        for event in env.events:
            for name in dict.fromkeys((*event.components, *event.deleted)):
                touched.setdefault(name, []).append(event)
        for name in env.components_behind:
            behind.setdefault(name, []).append(env.name)
    out: dict[str, ComponentHistory] = {}
    for name in sorted({*touched, *behind}):
        events = sorted(touched.get(name, ()), key=lambda e: e.when, reverse=True)
        out[name] = ComponentHistory(name, tuple(events), tuple(behind.get(name, ())))
    return out


# --- drift ---------------------------------------------------------------------------------


def read_drift(paths: Sequence[Path]) -> list[DriftInfo]:
    """Drift results from `sfsync drift --json` documents: files, or directories whose
    `*.json` files (at any depth) are all drift results. UsageError for anything else."""
    results: list[DriftInfo] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.json") if p.is_file())
        elif path.is_file():
            files = [path]
        else:
            raise UsageError(f"--drift {path}: no such file or directory")
        for file in files:
            results.extend(_drift_file(file))
    return results


def drift_from_json(data: Any, source: str, when: str = "") -> list[DriftInfo]:
    """The drift results in one parsed document: `sfsync drift --json`'s envelope (success
    or the `Drift` failure with its data), a bare result, or a list of those."""
    if isinstance(data, list):
        return [r for item in data for r in drift_from_json(item, source, when)]
    result = data
    if isinstance(data, Mapping) and isinstance(data.get("status"), int):
        result = data.get("result", data.get("data"))
    if not (
        isinstance(result, Mapping)
        and isinstance(result.get("env"), str)
        and isinstance(result.get("drift"), bool)
    ):
        raise UsageError(
            f"{source}: not a drift result (write one with `sfsync drift --env ENV --json`)"
        )
    items = [
        DriftItem(
            str(i.get("component", "")),
            kind,
            str(i.get("lastModifiedByName") or ""),
            str(i.get("lastModifiedDate") or ""),
        )
        for key, kind in (
            ("changed", "changed"),
            ("onlyInOrg", "only-in-org"),
            ("missingFromOrg", "missing"),
        )
        for i in _dicts(result.get(key))
    ]
    expected = result.get("expected")
    compared = result.get("compared")
    return [
        DriftInfo(
            env=result["env"],
            drifted=result["drift"],
            items=tuple(items),
            source=source,
            when=when,
            compared=compared if isinstance(compared, int) else None,
            expected=str(expected.get("ref", "")) if isinstance(expected, Mapping) else "",
        )
    ]


_SAVED = re.compile(r"^drift (?P<env>\S+): the org's work \((?P<count>\d+) components?")
_SAVED_LINE = re.compile(r"^(?P<kind>changed|only in org)\s+(?P<component>\S+)\s+\((?P<rest>.*)\)$")


def saved_drift(repo: Path | str, remote: str) -> dict[str, list[DriftInfo]]:
    """The branches `sfsync drift --save` wrote (`drift/*`, local and on `remote` as last
    fetched), newest first per env; their message is `workflows.drift.save_branch`'s."""
    text = gitrepo.run(
        repo,
        "for-each-ref",
        "--sort=-committerdate",
        "--format=%(refname)%00%(committerdate:iso-strict)%00%(contents)%00",
        "--end-of-options",
        DRIFT_BRANCHES,
        f"refs/remotes/{remote}/drift/",
    ).stdout.decode("utf-8", errors="replace")
    found: dict[str, list[DriftInfo]] = {}
    seen: set[tuple[str, str]] = set()
    fields = text.split("\0")
    for index in range(0, len(fields) - 2, 3):
        ref, when, message = fields[index].strip(), fields[index + 1], fields[index + 2]
        lines = message.splitlines()
        head = _SAVED.match(lines[0]) if lines else None
        if head is None:
            continue
        branch = ref.removeprefix("refs/heads/").removeprefix(f"refs/remotes/{remote}/")
        if (branch, when) in seen:
            continue  # the local branch and its copy on the remote
        seen.add((branch, when))
        items = []
        for line in lines[1:]:
            match = _SAVED_LINE.match(line.strip())
            if match:
                by, _, at = match.group("rest").partition(", ")
                kind = "changed" if match.group("kind") == "changed" else "only-in-org"
                items.append(DriftItem(match.group("component"), kind, _unknown(by), _unknown(at)))
        info = DriftInfo(head.group("env"), True, tuple(items), branch, when)
        found.setdefault(info.env, []).append(info)
    return found


# --- internals -------------------------------------------------------------------------


def _event(env: str, record: state.Record) -> EventView:
    event = record.event
    details = event.details if isinstance(event.details, Mapping) else {}
    job = details.get("deployId")
    return EventView(
        env=env,
        commit=record.commit,
        kind=event.kind,
        who=_name(event.who),
        when=str(event.when),
        from_sha=_text_or_none(event.from_sha),
        to_sha=_text_or_none(event.to_sha),
        components=_texts(event.components),
        deleted=_texts(details.get("deleted")),
        summary=str(details.get("summary") or ""),
        job=str(job) if job else None,
    )


def _name(who: str) -> str:
    """`Ana Dev <ana@example.com>` -> `Ana Dev` (git's ident form); an address alone keeps
    only its local part."""
    text = str(who or "").strip()
    name, sep, address = text.rpartition(" <")
    if not (sep and address.endswith(">")):
        name = text
    if "@" in name:
        name = name.strip("<>").split("@", 1)[0]
    return name.strip() or "unknown"


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(v) for v in value if isinstance(v, str | int | float))


def _text_or_none(value: object) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _unknown(text: str) -> str:
    return "" if text.strip() == "?" else text.strip()


def _drift_file(path: Path) -> list[DriftInfo]:
    try:
        raw = path.read_bytes()
        when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except OSError as exc:
        raise UsageError(f"--drift {path}: cannot read it ({exc.strerror})") from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise UsageError(
            f"--drift {path}: not JSON ({exc}); write it with `sfsync drift --env ENV --json`"
        ) from exc
    try:
        return drift_from_json(data, path.name, when.isoformat(timespec="seconds"))
    except UsageError:
        raise UsageError(
            f"--drift {path}: not a drift result "
            "(write one with `sfsync drift --env ENV --json-file FILE`)"
        ) from None


def _project_name(project: Project) -> str:
    return project.root.name
