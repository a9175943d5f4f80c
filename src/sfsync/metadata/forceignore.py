"""`.forceignore`: gitignore patterns, matched the way the `sf` CLI matches them.

The CLI prepends its own defaults (dot files, `*.dup`, package2 descriptors), matches paths
relative to the folder holding `.forceignore`, ignores case, and treats a path as ignored when
one of its parent directories is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# the patterns the CLI always adds before the project's own
DEFAULT_PATTERNS = (
    "**/*.dup",
    "**/.*",
    "!.sf",
    "**/.sf/**",
    "!**/.sf/orgs",
    "!**/.sf/orgs/**",
    "**/.sf/orgs/*/**",
    "!**/.sf/orgs/*/remoteMetadata",
    "!**/.sf/orgs/*/remoteMetadata/**",
    "**/package2-descriptor.json",
    "**/package2-manifest.json",
)


@dataclass(frozen=True)
class Rule:
    """One pattern line: its regex, whether it re-includes, whether it matches only folders."""

    pattern: str
    negate: bool
    dir_only: bool

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern (compiled on first use: most paths never need it)."""
        return _compile(self.pattern)


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _translate(glob: str) -> str:
    out: list[str] = []
    i = 0
    n = len(glob)
    while i < n:
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                before_ok = i == 0 or glob[i - 1] == "/"
                after = glob[i + 2 : i + 3]
                if before_ok and after == "/":
                    out.append("(?:.*/)?")  # `**/`: zero or more folders
                    i += 3
                    continue
                if before_ok and after == "":
                    out.append(".*")  # trailing `/**`: everything inside
                    i += 2
                    continue
                out.append("[^/]*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = glob.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = glob[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = end
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse_rule(line: str) -> Rule | None:
    """One `.forceignore` line as a rule, or None for blank lines and comments."""
    line = line.rstrip("\r\n")
    if not line.strip() or line.startswith("#"):
        return None
    # trailing spaces are not part of the pattern unless escaped
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        stripped += " "
    line = stripped
    negate = line.startswith("!")
    if negate or line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line)
    prefix = "" if anchored or line.startswith("**/") else "(?:.*/)?"
    pattern = f"^{prefix}{body}(?:/.*)?$" if not dir_only else f"^{prefix}{body}$"
    return Rule(pattern, negate, dir_only)


class ForceIgnore:
    """The compiled `.forceignore` of a project (with the CLI's default patterns first)."""

    def __init__(self, text: str = "", *, defaults: bool = True) -> None:
        """`defaults=False`: only the given patterns (a gitignore-style list, not a project's)."""
        own = [rule for rule in map(parse_rule, text.splitlines()) if rule is not None]
        cli = [rule for rule in map(parse_rule, DEFAULT_PATTERNS) if rule is not None]
        self.rules = (cli if defaults else []) + own
        self._defaults = defaults
        self._own = own
        self._any: dict[tuple[bool, bool, bool], re.Pattern[str] | None] = {}
        self._dirs: dict[str, bool] = {}

    def _alternation(self, negate: bool, is_dir: bool, own: bool) -> re.Pattern[str] | None:
        # one regex per kind of rule; the ordered walk only when both kinds match
        key = (negate, is_dir, own)
        if key not in self._any:
            rules = self._own if own else self.rules
            patterns = [
                r.pattern for r in rules if r.negate == negate and (is_dir or not r.dir_only)
            ]
            self._any[key] = _alternation(patterns)
        return self._any[key]

    def _decide(self, path: str, is_dir: bool) -> bool:
        # the CLI's defaults only concern dot files, `.dup` and package2 files: skip them
        # (and their regex) for every other path
        own = not self._defaults or not _may_match_defaults(path)
        rules = self._own if own else self.rules
        positive = self._alternation(False, is_dir, own)
        if positive is None or not positive.match(path):
            return False
        negative = self._alternation(True, is_dir, own)
        if negative is None or not negative.match(path):
            return True
        verdict = False
        for rule in rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(path):
                verdict = not rule.negate
        return verdict

    def _dir_denied(self, directory: str) -> bool:
        cached = self._dirs.get(directory)
        if cached is None:
            parent, _, _ = directory.rpartition("/")
            cached = (bool(parent) and self._dir_denied(parent)) or self._decide(directory, True)
            self._dirs[directory] = cached
        return cached

    def denies(self, path: str) -> bool:
        """True when `path` (relative to the `.forceignore` folder, `/`-separated) is ignored."""
        parent, _, _ = path.rpartition("/")
        if parent and self._dir_denied(parent):
            return True
        return self._decide(path, False)


def _may_match_defaults(path: str) -> bool:
    return (
        path.startswith(".")
        or "/." in path
        or path[-4:].lower() == ".dup"
        or "ackage2-" in path.lower()
    )


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return _compile("|".join(f"(?:{p})" for p in patterns))
