"""What an org holds, as files: list it, then retrieve the chosen components in chunks.

`drift` and `compare` need the org's own version of each component (to compare it by meaning
with git or with another org); `fetch` lists the org (`sfsync.org.listing`), retrieves the
components `keep` selects in chunks (`sfsync.org.chunks`, split on LIMIT_EXCEEDED) and
returns their files in source format under `force-app/main/default/`, as a backup holds them.

    got = content.fetch("uat", scratch, types=("ApexClass", "CustomObject"))
    got.listing.components["ApexClass:Foo"].modified_by
    got.files["force-app/main/default/classes/Foo.cls"]            # bytes
    got.versions({Component("ApexClass", "Foo")})                    # compared by meaning
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from sfsync.metadata.component import Component
from sfsync.metadata.project import Project
from sfsync.metadata.resolver import Resolver
from sfsync.org import backups, chunks, listed, listing
from sfsync.org.listed import Listing
from sfsync.org.versions import Version, versions_in_files


@dataclass(frozen=True)
class OrgContent:
    """An org's listing and the retrieved files of the components asked for."""

    org: str
    listing: Listing
    files: Mapping[str, bytes]
    retrieved: tuple[str, ...]
    retrieves: int
    sf_calls: int

    def versions(self, wanted: Collection[Component]) -> dict[Component, Version]:
        """The org's version of each of `wanted` (resolver names; absent: not in the map)."""
        return versions_in_files(self.files, backups.project(), wanted)


def fetch(
    org: str,
    scratch: Path,
    *,
    types: Collection[str] | None,
    keep: Callable[[str], bool] = lambda _key: True,
    include_managed: bool = False,
    jobs: int = listed.DEFAULT_JOBS,
    max_files: int = chunks.FILE_LIMIT,
    api_version: str,
) -> OrgContent:
    """List `org` (`types`; None: all) and retrieve the listed components `keep` accepts."""
    project = backups.project()
    registry = project.registry
    found = listing.list_org(
        org,
        registry,
        scratch=scratch / "listing",
        types=types,
        include_managed=include_managed,
        jobs=jobs,
        api_version=api_version,
    )
    wanted = [k for k in found.components if keep(k)]
    keys = chunks.retrieval_set(registry, wanted, list(found.components))
    files, retrieves = retrieve_files(
        org, project, keys, scratch / "retrieve", max_files, api_version
    )
    return OrgContent(
        org=org,
        listing=found,
        files=files,
        retrieved=tuple(keys),
        retrieves=retrieves,
        sf_calls=found.sf_calls + retrieves,
    )


def retrieve_files(
    org: str,
    project: Project,
    keys: Collection[str],
    scratch: Path,
    max_files: int,
    api_version: str,
) -> tuple[dict[str, bytes], int]:
    """The source files of `keys` (path -> bytes) and how many retrieves that took."""
    registry = project.registry
    resolver = Resolver(project)
    wanted = set(keys)
    files: dict[str, bytes] = {}
    retrieves = 0
    plan = chunks.plan_chunks(registry, sorted(keys), {}, max_files=max_files)
    for index, chunk in enumerate(plan):
        got = chunks.retrieve_chunk(
            org, registry, chunk, scratch / f"chunk-{index + 1}", api_version=api_version
        )
        retrieves += got.retrieves + got.splits
        for path in chunks.accepted(got.files, wanted, registry, resolver):
            files[path] = got.files[path].read_bytes()
    return files, retrieves
