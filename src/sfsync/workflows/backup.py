"""`sfsync backup`: an org, in git, incrementally, in chunks that resume.

    result = backup.run(project, "prod", backup.Options(full=False), on_progress=print)
    result.commit       # the new commit on refs/sfsync-backups/prod (None: nothing changed)

1. List the org (`sfsync.org.listing`): every component with its lastModifiedDate/ByName.
2. Compare with the manifest of the last backup (`sfsync.org.backups`): components new to
   the org, components whose lastModifiedDate (or id: deleted and created again) moved, and
   components gone. Only those are retrieved (`--full`: everything; `--always-retrieve
   Profile`: a type whose date does not move when it changes, on every run). A child
   (CustomField) comes with its parent when the parent is retrieved; a child kept inside its
   parent's one file (CustomLabel, WorkflowRule) is retrieved through its parent.
3. Pack them into chunks (`sfsync.org.chunks`, sized from the last backup) and retrieve each
   one; after each chunk its files are written to git and the journal records it, so a run
   that dies after chunk 7 of 12 continues at chunk 8 (same options, same last backup).
4. Build the new tree (the last backup's files, minus what was retrieved again or deleted,
   plus what was retrieved) and commit it with the new manifest on
   `refs/sfsync-backups/<env>`; the message lists what was added, changed and deleted, and
   by whom. Nothing changed: no commit.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sfsync.errors import ExternalError, UsageError, plural
from sfsync.git import locks, state
from sfsync.git import repo as gitrepo
from sfsync.git.journal import pause_point
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, chunks
from sfsync.pipeline.project import Project, metadata_project
from sfsync.workflows import backup_commit as commit_step
from sfsync.workflows import backup_plan as plan_step
from sfsync.workflows.backup_commit import Change
from sfsync.workflows.backup_plan import DEFAULT_API_VERSION, Options

__all__ = ["DEFAULT_API_VERSION", "Change", "Options", "Progress", "Result", "push_backup", "run"]


@dataclass(frozen=True)
class Progress:
    """What a running backup reports: `listed`, `resumed`, `chunk` (one per chunk)."""

    phase: str
    done: int = 0
    total: int = 0
    components: int = 0
    files: int = 0
    retrieves: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Result:
    """What one backup did."""

    env: str
    org: str
    ref: str
    mode: str
    commit: str | None
    previous: str | None
    added: tuple[Change, ...]
    changed: tuple[Change, ...]
    deleted: tuple[Change, ...]
    components: int
    files: int
    chunks: int
    retrieves: int
    splits: int
    retrieved: int
    sf_calls: int
    resumed_at: int | None
    managed_skipped: int
    seconds: float
    pushed: bool = False
    warnings: tuple[str, ...] = ()
    queried: tuple[str, ...] = ()
    """The types a change query answered instead of listMetadata."""
    fallbacks: Mapping[str, str] = field(default_factory=dict)
    """Type -> why its change query could not answer (it was listed)."""

    @property
    def up_to_date(self) -> bool:
        """True when nothing changed since the last backup (no commit was made)."""
        return self.commit is None

    def to_json(self) -> dict[str, Any]:
        """The result as `--json` prints it."""
        return {
            "env": self.env,
            "org": self.org,
            "ref": self.ref,
            "mode": self.mode,
            "commit": self.commit,
            "previous": self.previous,
            "upToDate": self.up_to_date,
            "added": [c.to_json() for c in self.added],
            "changed": [c.to_json() for c in self.changed],
            "deleted": [c.to_json() for c in self.deleted],
            "components": self.components,
            "files": self.files,
            "chunks": self.chunks,
            "retrieves": self.retrieves,
            "splits": self.splits,
            "retrieved": self.retrieved,
            "sfInvocations": self.sf_calls,
            "resumedAtChunk": self.resumed_at,
            "managedSkipped": self.managed_skipped,
            "seconds": round(self.seconds, 1),
            "pushed": self.pushed,
            "warnings": list(self.warnings),
            "changeQueries": list(self.queried),
            "changeQueryFallbacks": dict(self.fallbacks),
        }


def run(
    project: Project,
    env_name: str,
    options: Options,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    push: bool = False,
) -> Result:
    """Back up `env_name`'s org onto `refs/sfsync-backups/<env>` (see the module doc)."""
    env = project.config.env(env_name)
    if options.max_files < 1:
        raise UsageError("--max-files must be at least 1")
    if options.full_every is not None and options.full_every < 0:
        raise UsageError(f"--full-every {options.full_every}: give a number of days, 0 or more")
    started = time.monotonic()
    repo = project.root
    common = project.paths.common_dir
    registry = backups.project().registry
    api_version = metadata_project(repo).api_version or DEFAULT_API_VERSION
    notify = on_progress or (lambda _p: None)
    with locks.hold(common, f"backup-{env.name}", "backup"):
        previous = backups.latest(repo, env.name)
        base = previous.commit if previous else None
        if options.full_every is not None and not options.full and previous is not None:
            age = backups.days_since_full(repo, env.name)
            if age is None or age >= options.full_every:
                options = replace(options, full=True)
        resolver = Resolver(backups.project())  # one for the run: it caches what it resolved
        owned = plan_step.owned(previous, resolver)
        warnings: list[str] = []
        with tempfile.TemporaryDirectory(prefix="sfsync-backup-") as scratch_name:
            scratch = Path(scratch_name)
            plan, resumed_at = plan_step.resume(common, env, base, options)
            if plan is None:
                plan = plan_step.plan(
                    repo, env, registry, previous, owned, options, scratch, api_version
                )
                if len(plan.chunks) > 1:  # one chunk: nothing to continue, nothing to journal
                    plan_step.journal(common, env, base, options, plan, with_listing=True)
            notify(
                Progress(
                    "resumed" if resumed_at else "listed",
                    len(plan.done),
                    len(plan.chunks),
                    len(plan.listing),
                )
            )
            retrieves = sum(int(d.get("retrieves", 0)) for d in plan.done)
            splits = sum(int(d.get("splits", 0)) for d in plan.done)
            calls = plan.sf_calls + retrieves + splits
            wanted = set(plan.retrieve)
            known = plan.known
            if known is None:  # a resumed plan: the sizes of what it still retrieves
                known = plan_step.known_sizes(repo, registry, previous, owned, set(plan.retrieve))
            learned: dict[str, list[int]] = {}
            index = len(plan.done)
            while index < len(plan.chunks):
                t0 = time.monotonic()
                keys = plan.chunks[index]
                got = chunks.retrieve_chunk(
                    env.org, registry, keys, scratch / f"chunk-{index + 1}", api_version=api_version
                )
                accepted = chunks.accepted(got.files, wanted, registry, resolver)
                shas = gitrepo.hash_files(repo, [got.files[p] for p in accepted])
                tree = backups.write_tree(repo, dict(zip(accepted, shas, strict=True)))
                plan.done.append(
                    {
                        "tree": tree,
                        "properties": {k: list(v) for k, v in got.properties.items()},
                        "missing": sorted(got.missing),
                        "retrieves": got.retrieves,
                        "splits": got.splits,
                    }
                )
                if index + 1 < len(plan.chunks):
                    plan_step.replan(
                        plan, index, registry, resolver, accepted, known, learned, options
                    )
                if len(plan.chunks) > 1:
                    plan_step.journal(common, env, base, options, plan, with_listing=False)
                retrieves += got.retrieves
                splits += got.splits
                calls += got.retrieves + got.splits
                notify(
                    Progress(
                        "chunk",
                        index + 1,
                        len(plan.chunks),
                        len(keys),
                        len(accepted),
                        got.retrieves,
                        time.monotonic() - t0,
                    )
                )
                pause_point(f"backup-chunk-{index + 1}")
                index += 1
        blobs, manifest, changed_content, stray = commit_step.assemble(
            repo, env, previous, owned, resolver, plan, api_version, options
        )
        if stray:
            warnings.append(
                f"{plural(stray, 'retrieved file')} that belong to no component sfsync knows "
                "are kept"
            )
        added = [commit_step.change(plan.listing, k) for k in plan.added]
        changed = [
            commit_step.change(plan.listing, k) for k in sorted({*plan.changed, *changed_content})
        ]
        deleted = [
            commit_step.change(previous.manifest.components if previous else {}, k)
            for k in plan.deleted
        ]
        same_files = previous is not None and previous.source() == blobs
        commit: str | None = None
        if previous is None or not same_files or added or changed or deleted:
            message = commit_step.message(
                env, plan.mode, previous is None, added, changed, deleted, manifest
            )
            commit = backups.store(
                repo, env.name, blobs, manifest, base, message, previous.files if previous else None
            )
        backups.clear_journal(common, env.name)
        pushed = False
        if push:  # also when nothing changed: an earlier push may have failed
            push_backup(project, env.name)
            pushed = True
    return Result(
        env=env.name,
        org=env.org,
        ref=backups.ref_name(env.name),
        mode=plan.mode,
        commit=commit,
        previous=base,
        added=tuple(added),
        changed=tuple(changed),
        deleted=tuple(deleted),
        components=len(manifest.components),
        files=len(blobs),
        chunks=len(plan.chunks),
        retrieves=retrieves,
        splits=splits,
        retrieved=len(plan.retrieve),
        sf_calls=calls,
        resumed_at=resumed_at,
        managed_skipped=plan.managed_skipped,
        seconds=time.monotonic() - started,
        pushed=pushed,
        warnings=tuple(warnings),
        queried=tuple(plan.queried),
        fallbacks=dict(plan.fallbacks),
    )


def push_backup(project: Project, env: str) -> str:
    """Push `refs/sfsync-backups/<env>` to the remote (fast-forward only)."""
    ref = backups.ref_name(env)
    remote = project.config.remote
    proc = state.push_specs(project.root, remote, [f"{ref}:{ref}"])  # after --end-of-options
    if proc.returncode != 0:
        last = gitrepo.reason(proc.stdout, proc.stderr)
        raise ExternalError(
            f"the backup of {env} is committed here, but git push {remote} failed: {last}; "
            f"push it later with: git push {remote} {ref}:{ref}"
        )
    return ref
