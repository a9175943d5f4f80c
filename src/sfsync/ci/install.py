"""What the CI jobs `pip install`: the sfsync the user runs, as pip recorded installing it.

pip records how it installed a distribution (PEP 610, `direct_url.json` in its
`.dist-info`): a VCS URL and commit, an archive URL, or a local directory (editable or not).
Without that record the distribution came from a package index, and the same version is
asked for there. A local directory is only usable when it is a git checkout whose HEAD is on
a remote and whose tracked files are unchanged (`sfsync.git.published`): the jobs then
install that commit from that remote. Anything else cannot be installed by a CI job, and
`sfsync ci init` asks for `--sfsync-spec` instead of writing a spec that would fail.

    chosen = install.spec()        # Spec(spec="sfsync==1.2.0", source="...")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from sfsync.errors import UsageError
from sfsync.git import published

DISTRIBUTION = "sfsync"
EXAMPLE = "--sfsync-spec 'sfsync @ git+https://<host>/<owner>/sfsync@<commit>'"


@dataclass(frozen=True)
class Spec:
    """A pip requirement and where it came from (said in `ci init`'s output)."""

    spec: str
    source: str

    def to_json(self) -> dict[str, str]:
        """As `--json` shows it."""
        return {"spec": self.spec, "from": self.source}


def spec(given: str | None = None, dist: metadata.Distribution | None = None) -> Spec:
    """`given` (`--sfsync-spec`) when set, else what pip recorded for `dist` (this sfsync);
    UsageError when no CI job could install it."""
    if given is not None:
        if not given.strip():
            raise UsageError("--sfsync-spec is empty: give a pip requirement, e.g. sfsync==1.2.0")
        return Spec(given.strip(), "--sfsync-spec")
    if dist is None:
        try:
            dist = metadata.distribution(DISTRIBUTION)
        except metadata.PackageNotFoundError as exc:
            raise _unknown("sfsync is not installed as a distribution (no pip record)") from exc
    record = dist.read_text("direct_url.json")
    version = dist.version
    if record is None:
        return Spec(f"{DISTRIBUTION}=={version}", f"the version pip installed ({version})")
    try:
        direct: dict[str, Any] = json.loads(record)
        url = str(direct["url"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _unknown("pip's record of this installation (direct_url.json) is unreadable") from exc
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("commit_id")
        if vcs.get("vcs") != "git" or not isinstance(commit, str) or not commit:
            raise _unknown(f"installed from {_shown(url)} with {vcs.get('vcs')}, not git")
        remote = _remote(url)
        if remote is None:
            raise _unknown(f"installed from {_shown(url)}, which a CI job cannot reach")
        return Spec(
            f"{DISTRIBUTION} @ git+{remote}@{commit}", "the git URL and commit pip installed from"
        )
    archive = direct.get("archive_info")
    if isinstance(archive, dict):
        remote = _remote(url)
        if remote is None or not remote.startswith(("https://", "http://")):
            raise _unknown(f"installed from the file {_shown(url)}, which a CI job cannot reach")
        hashes = archive.get("hashes")
        sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
        digest = f"#sha256={sha256}" if isinstance(sha256, str) else ""
        return Spec(f"{DISTRIBUTION} @ {remote}{digest}", "the archive URL pip installed from")
    if isinstance(direct.get("dir_info"), dict):
        folder = _local_path(url)
        kind = "an editable install" if direct["dir_info"].get("editable") else "installed"
        if folder is None:
            raise _unknown(f"{kind} from {_shown(url)}")
        found = published.checkout(folder)
        if isinstance(found, str):
            raise _unknown(f"{kind} of {folder}, which {found}")
        remote = _remote(found.url)
        if remote is None:
            raise _unknown(f"{kind} of {folder}, whose remote is a local path")
        where = f"#subdirectory={found.subdirectory}" if found.subdirectory else ""
        return Spec(
            f"{DISTRIBUTION} @ git+{remote}@{found.commit}{where}",
            f"the pushed commit of the checkout it is installed from ({folder})",
        )
    raise _unknown(f"pip recorded an installation from {_shown(url)} it does not describe")


def _unknown(why: str) -> UsageError:
    return UsageError(
        f"cannot tell what the CI jobs should install: this sfsync is {why}; pass {EXAMPLE} "
        "(or install sfsync from a package index or a pushed git commit)"
    )


def _shown(url: str) -> str:
    return _without_credentials(url) or url.split("@")[-1]


def _local_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    return Path(unquote(parts.path))


def _remote(url: str) -> str | None:
    """`url` as pip's `git+...` / direct reference can fetch it from CI, credentials
    removed; None for a local path (`file://`, `/srv/x`, `../x`)."""
    url = url.strip()
    if url.startswith("git+"):
        url = url[4:]
    if "://" not in url:
        # scp-like `git@host:owner/repo.git` (not `C:\x` nor a path)
        head, sep, tail = url.partition(":")
        if sep and "@" in head and "/" not in head and tail:
            return f"ssh://{head}/{tail.lstrip('/')}"
        return None
    if urlsplit(url).scheme not in ("https", "http", "ssh", "git"):
        return None
    return _without_credentials(url)


def _without_credentials(url: str) -> str | None:
    """`url` with no password or token in it (`ssh://git@host` keeps its user name)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if parts.scheme == "ssh" and user and ":" not in user:
        host = f"{user}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
