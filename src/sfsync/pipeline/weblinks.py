"""Links to a commit on the git host, from the remote's URL (GitHub, GitLab, Azure Repos,
Bitbucket); None for any other host or a URL that cannot be read safely.

    commits = weblinks.commit_base("git@github.com:acme/crm.git")
    # "https://github.com/acme/crm/commit/"; weblinks.commit_url(commits, sha)

Only the host and the repository's path are kept: a user name, a password or a token in
the URL (`https://x-access-token:TOKEN@github.com/...`) never reaches a link. Each path part
must be made of letters, digits and `-._~` (percent-encoded bytes too), so a link is always
`https://<host>/<path>` with nothing a page or a browser could read as markup or a scheme.

Commit pages: GitHub `/<owner>/<repo>/commit/<sha>`, GitLab
`/<group>/.../<project>/-/commit/<sha>`, Azure Repos `/<org>/<project>/_git/<repo>/commit/<sha>`,
Bitbucket `/<workspace>/<repo>/commits/<sha>`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_PART = re.compile(r"[A-Za-z0-9._~%-]+")
_HOST = re.compile(r"[A-Za-z0-9.-]+")
_SHA = re.compile(r"[0-9a-f]{7,64}")
_SCP = re.compile(r"^(?:[^@/:]+@)?(?P<host>[^/:]+):(?P<path>[^/].*)$")  # git@host:owner/repo


def commit_base(remote_url: str | None) -> str | None:
    """The URL a commit's sha is appended to, or None (unknown host, unsafe URL)."""
    if not remote_url:
        return None
    split = _host_and_path(remote_url.strip())
    if split is None:
        return None
    host, parts = split
    if parts and parts[-1].endswith(".git"):
        parts[-1] = parts[-1][: -len(".git")]
    if not parts or not all(_PART.fullmatch(p) and p not in (".", "..") for p in parts):
        return None
    if host == "github.com" or host.endswith(".ghe.com"):
        return _base(host, parts[:2], "commit") if len(parts) == 2 else None
    if host == "bitbucket.org":
        return _base(host, parts[:2], "commits") if len(parts) == 2 else None
    if host in ("dev.azure.com", "ssh.dev.azure.com"):
        return _azure(parts)
    if host.endswith(".visualstudio.com"):
        # https://<org>.visualstudio.com/<project>/_git/<repo>
        org = host.split(".")[0]
        return _azure([org, *parts])
    if host == "gitlab.com" or host.startswith("gitlab."):
        return _base(host, [*parts, "-"], "commit") if len(parts) >= 2 else None
    return None


def commit_url(base: str | None, sha: str | None) -> str | None:
    """`base` + `sha` when both are there and `sha` is a commit id (hex), else None."""
    if base is None or sha is None or not _SHA.fullmatch(sha):
        return None
    return base + sha


def _host_and_path(url: str) -> tuple[str, list[str]] | None:
    if "://" in url:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return None
        if parts.scheme not in ("https", "http", "ssh", "git"):
            return None
        path = parts.path
    else:
        match = _SCP.match(url)
        if match is None:
            return None
        host, path = match.group("host").lower(), match.group("path")
    if not host or not _HOST.fullmatch(host):
        return None
    return host, [p for p in path.split("/") if p]


def _base(host: str, parts: list[str], word: str) -> str:
    return f"https://{host}/{'/'.join(parts)}/{word}/"


def _azure(parts: list[str]) -> str | None:
    """`<org>/<project>/_git/<repo>` (https) or `v3/<org>/<project>/<repo>` (ssh)."""
    if len(parts) == 4 and parts[2] == "_git":
        org, project, repo = parts[0], parts[1], parts[3]
    elif len(parts) == 4 and parts[0] == "v3":
        org, project, repo = parts[1], parts[2], parts[3]
    else:
        return None
    return f"https://dev.azure.com/{org}/{project}/_git/{repo}/commit/"
