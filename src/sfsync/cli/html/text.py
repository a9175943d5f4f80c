"""Text from git, an org or a file, made safe for a page: every value the pages show goes
through `esc` (text and attribute values alike), every file name through `slug`.

`esc` redacts secrets (`sfsync.errors.redact`, credentials in a URL, git hosts' tokens),
drops control characters and the Unicode controls that reorder text on screen
(U+202A..U+202E, U+2066..U+2069: a name must read as it is), shortens very long values,
then escapes `& < > " '`. Nothing from git or an org
ever becomes a URL scheme, a style or a script: links are the site's own file names
(`slug`: letters, digits, `_ . -` and a hash) or commit links from
`sfsync.pipeline.weblinks` (`https://` + a checked host and path + a hex sha).
"""

from __future__ import annotations

import functools
import hashlib
import html
import re

from sfsync.errors import redact

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@<>\"']+@")
"""`https://user:token@host`: the credentials in a URL."""
_HOST_TOKENS = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,})")
"""Tokens of git hosts (GitHub, GitLab), wherever they appear."""
LONG = 160
"""Characters shown of one value before it is cut (the whole value in its title)."""


def clean(value: object) -> str:
    """`value` as text, redacted, without control characters."""
    text = _HOST_TOKENS.sub("<redacted-token>", _USERINFO.sub(r"\1", redact(str(value))))
    return _CONTROLS.sub("", text)


def esc(value: object, limit: int | None = LONG) -> str:
    """`value` for a page (text or an attribute value), cut to `limit` characters."""
    return _esc(str(value), limit)


@functools.lru_cache(maxsize=1 << 16)
def _esc(text: str, limit: int | None) -> str:
    # a site shows the same names, shas and people thousands of times: each is cleaned once
    text = clean(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def slug(name: str, *, always_hash: bool = False) -> str:
    """A file name stem for `name`: its safe characters (at most 60), then a short hash of
    the name when anything was replaced (or `always_hash`), so two names never share one,
    not even on a case-insensitive file system (the hash is of the exact name)."""
    safe = _UNSAFE.sub("_", name).strip("._")[:60] or "x"
    if always_hash or safe != name or safe.lower() != safe:
        digest = hashlib.sha1(name.encode("utf-8", errors="surrogateescape")).hexdigest()[:8]
        return f"{safe}-{digest}"
    return safe


def plural(count: int, word: str) -> str:
    """`1 deployment`, `2 deployments`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def short(sha: str | None) -> str:
    """The first 7 characters of a commit id ("" for None)."""
    return (sha or "")[:7]
