"""Reads and runs the CI files `sfsync ci init` writes, the way each service would, for the
injection tests (tests/faults/test_ci_injection.py).

What each service does with text, as far as the generated files use it:

- GitLab `rules:if` (`GitLab's CI/CD expressions`): `$VAR`, `"..."` / `'...'` strings with no
  escape character (the lexer takes the shortest quoted run, so a `"` inside ends the string),
  `/regexp/flags` (RE2: `\\x{..}` spells a character), `== != =~ !~ && ||` and parentheses;
  `variables:` values have `$VAR` expanded unless `expand: false`.
- Azure Pipelines conditions: functions `and or not eq ne in succeeded failed always
  canceled`, `variables['X']`, `dependencies.J.result`, `dependencies.J.outputs['s.v']`,
  `'...'` strings (a quote doubled); `eq`/`ne`/`in` compare strings ignoring case; `$(name)`
  macros in step `env:` and `variables:` values are replaced by a known variable's value.
- Bitbucket: `branches:` keys are glob patterns (`*` within a path segment, `**` across);
  scripts run as written.
- GitHub: see tests/ghactions.py (expressions, `${{ }}` in strings) and `filter_matches`
  below for `on.push.branches`.

Scripts run in bash with a PATH whose first entry holds recording stand-ins for what a job
installs or calls (`sfsync`, `npm`, `apt-get`, `curl`, `python -m pip`, `python3 -m venv`):
each call is appended to a log as a JSON list of its arguments, so a test sees exactly which
words a name arrived as. git is the real one, in a real clone.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# --- GitLab ---------------------------------------------------------------------------------

_GL_TOKEN = re.compile(
    r"\s*(?:(?P<var>\$[A-Za-z_][A-Za-z0-9_]*)"
    r'|(?P<str>"(?P<dq>.*?)"|\'(?P<sq>.*?)\')'
    r"|(?P<re>/(?P<body>(?:\\.|[^/\\])+)/(?P<flags>[ismU]*))"
    r"|(?P<op>==|!=|=~|!~|&&|\|\||\(|\))"
    r"|(?P<null>null\b))"
)


def _gl_tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text.rstrip()):
        m = _GL_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"GitLab cannot read {text[pos:]!r}")
        if m.group("var"):
            out.append(("var", m.group("var")[1:]))
        elif m.group("str") is not None:
            out.append(("str", m.group("dq") if m.group("dq") is not None else m.group("sq")))
        elif m.group("re"):
            out.append(("re", _re2(m.group("body"), m.group("flags"))))
        elif m.group("null"):
            out.append(("str", None))
        else:
            out.append(("op", m.group("op")))
        pos = m.end()
    return out


def _re2(body: str, flags: str) -> re.Pattern[str]:
    """An RE2 pattern of the subset the generators write, as Python's (`\\x{hh}` spelled)."""
    body = re.sub(r"\\x\{([0-9a-fA-F]+)\}", lambda m: f"\\U{int(m.group(1), 16):08x}", body)
    body = body.replace("\\/", "/")
    return re.compile(body, re.IGNORECASE if "i" in flags else 0)


def gitlab_if(text: str, variables: Mapping[str, str]) -> bool:
    """A `rules:if` expression's value for these variables."""
    tokens = _gl_tokens(text)
    pos = 0

    def peek() -> tuple[str, Any] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, Any]:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def value() -> Any:
        kind, v = take()
        if kind == "op" and v == "(":
            inner = or_()
            assert take() == ("op", ")")
            return inner
        if kind == "var":
            return variables.get(v)
        return v

    def compare() -> Any:
        left = value()
        token = peek()
        if token and token[0] == "op" and token[1] in ("==", "!=", "=~", "!~"):
            op = take()[1]
            right = value()
            if op in ("==", "!="):
                return (left == right) == (op == "==")
            matched = left is not None and right.search(left) is not None
            return matched == (op == "=~")
        return left is not None and left != ""

    def and_() -> Any:
        result = bool(compare())
        while peek() == ("op", "&&"):
            take()
            result = bool(compare()) and result
        return result

    def or_() -> Any:
        result = and_()
        while peek() == ("op", "||"):
            take()
            result = and_() or result
        return result

    result = or_()
    if pos != len(tokens):
        raise ValueError(f"GitLab cannot read {text!r}: left over {tokens[pos:]}")
    return bool(result)


def gitlab_rules(rules: list[dict[str, Any]], variables: Mapping[str, str]) -> bool:
    """Whether a job (or the pipeline) with these `rules` runs: the first matching `if`."""
    for rule in rules:
        if gitlab_if(rule["if"], variables):
            return rule.get("when", "on_success") != "never"
    return False


def gitlab_variables(block: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """`variables:` as the job sees them: `$X` expanded unless `expand: false`."""
    out: dict[str, str] = {}
    for name, spec in block.items():
        if isinstance(spec, dict):
            raw, expand = str(spec["value"]), spec.get("expand", True)
        else:
            raw, expand = str(spec), True
        if expand:
            raw = _expand(raw, {**env, **out})
        out[name] = raw
    return out


def _expand(raw: str, lookup: Mapping[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: lookup.get(m.group(1), ""), raw)


# --- Azure Pipelines ------------------------------------------------------------------------

_AZ_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<id>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op>[()\[\],]))"
)


def azure_condition(
    text: str, variables: Mapping[str, str], dependencies: Mapping[str, Any], status: str
) -> bool:
    """A condition's value. `status` is how the job's dependencies ended: Succeeded or
    Failed (for succeeded()/failed()); `canceled()` is false."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text.rstrip()):
        m = _AZ_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"Azure cannot read {text[pos:]!r}")
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    index = 0

    def take(expected: str | None = None) -> tuple[str, str]:
        nonlocal index
        token = tokens[index]
        if expected is not None and token[1] != expected:
            raise ValueError(f"Azure expected {expected!r} in {text!r}, got {token[1]!r}")
        index += 1
        return token

    def text_of(value: Any) -> str:
        return "" if value is None else str(value)

    def expr() -> Any:
        kind, word = take()
        if kind == "str":
            return word[1:-1].replace("''", "'")
        if kind != "id":
            raise ValueError(f"Azure: unexpected {word!r} in {text!r}")
        if index < len(tokens) and tokens[index][1] == "(":
            take("(")
            args: list[Any] = []
            while tokens[index][1] != ")":
                args.append(expr())
                if tokens[index][1] == ",":
                    take(",")
            take(")")
            return call(word.lower(), args)
        value: Any = {"variables": variables, "dependencies": dependencies}.get(word.split(".")[0])
        for part in word.split(".")[1:]:
            value = value.get(part) if isinstance(value, Mapping) else None
        while index < len(tokens) and tokens[index][1] == "[":
            take("[")
            key = expr()
            take("]")
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    def call(name: str, args: list[Any]) -> Any:
        if name == "and":
            return all(bool(a) for a in args)
        if name == "or":
            return any(bool(a) for a in args)
        if name == "not":
            return not args[0]
        if name in ("eq", "ne"):
            same = text_of(args[0]).casefold() == text_of(args[1]).casefold()
            return same == (name == "eq")
        if name == "in":
            return any(text_of(args[0]).casefold() == text_of(a).casefold() for a in args[1:])
        if name == "succeeded":
            return status == "Succeeded"
        if name == "failed":
            return status == "Failed"
        if name == "always":
            return True
        if name == "canceled":
            return False
        raise ValueError(f"Azure function {name} is not known here")

    result = expr()
    if index != len(tokens):
        raise ValueError(f"Azure cannot read {text!r}: left over {tokens[index:]}")
    return bool(result)


def azure_macros(value: str, variables: Mapping[str, str]) -> str:
    """`$(name)` replaced by a known variable's value (unknown ones stay, as Azure does)."""
    return re.sub(
        r"\$\(([A-Za-z0-9_.]+)\)",
        lambda m: variables.get(m.group(1), m.group(0)),
        value,
    )


def azure_env(variables: Mapping[str, str]) -> dict[str, str]:
    """Variables as Azure exports them to a script: upper case, `.` as `_`."""
    return {name.upper().replace(".", "_"): value for name, value in variables.items()}


# --- Bitbucket and GitHub branch patterns ---------------------------------------------------


def bitbucket_matches(pattern: str, branch: str) -> bool:
    """A `branches:` glob: `**` any characters, `*` any but '/', the rest as itself."""
    regex = "".join(
        ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
        for part in re.split(r"(\*\*|\*)", pattern)
    )
    return re.fullmatch(regex, branch) is not None


def github_filter_matches(pattern: str, branch: str) -> bool:
    """An `on.push.branches` pattern (GitHub's filter pattern cheat sheet): `\\c` is c,
    `**` any characters, `*` any but '/', `?` zero or one of the preceding character, `+`
    one or more of it, `[...]` one of the listed characters; a leading `!` negates."""
    if pattern.startswith("!"):
        return False  # a negative pattern only removes what earlier ones matched
    regex = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            regex += re.escape(pattern[i + 1])
            i += 2
            continue
        if pattern.startswith("**", i):
            regex += ".*"
            i += 2
            continue
        if c == "*":
            regex += "[^/]*"
        elif c in "?+":
            regex += c
        elif c == "[":
            end = pattern.index("]", i)
            regex += "[" + pattern[i + 1 : end] + "]"
            i = end
        else:
            regex += re.escape(c)
        i += 1
    return re.fullmatch(regex, branch) is not None


# --- running scripts with recording stand-ins -----------------------------------------------

_STAND_IN = """#!{python}
import json, os, sys
name = os.path.basename(sys.argv[0])
args = sys.argv[1:]
real = name == "python3" and args[:2] not in (["-m", "venv"], ["-m", "pip"])
if real:
    os.execv({python!r}, [{python!r}, *args])
with open(os.environ["CIRUN_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps([name, *args]) + "\\n")
if name == "sfsync" and args[:2] == ["status", "--json"]:
    print(os.environ.get("CIRUN_STATUS", "{{}}"))
elif name == "sfsync":
    print("# report")
"""
STAND_INS = ("sfsync", "npm", "apt-get", "curl", "python", "python3")


@dataclass
class Shell:
    """Runs scripts in a fresh clone of `remote`, with the stand-ins first on PATH."""

    root: Path
    remote: Path
    status: dict[str, Any]
    """What `sfsync status --json` prints (the sandboxes behind)."""

    def __post_init__(self) -> None:
        self.bin = self.root / "bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        for name in STAND_INS:
            path = self.bin / name
            path.write_text(_STAND_IN.format(python=sys.executable), encoding="utf-8")
            path.chmod(0o755)
        self.log = self.root / "calls.jsonl"
        self.runs = 0

    def workspace(self) -> Path:
        self.runs += 1
        folder = self.root / f"job-{self.runs}"
        subprocess.run(
            ["git", "clone", "-q", str(self.remote), str(folder)], check=True, capture_output=True
        )
        return folder

    def run(
        self, script: str, env: Mapping[str, str], cwd: Path
    ) -> subprocess.CompletedProcess[str]:
        """`script` through `bash -eo pipefail`, as the services run a job's lines."""
        base = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.root / "home"),
            "CIRUN_LOG": str(self.log),
            "CIRUN_STATUS": json.dumps(self.status),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=cwd,
            env={**base, **env},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def calls(self) -> list[list[str]]:
        """Every stand-in call so far, oldest first; the log starts over."""
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        self.log.unlink()
        return [json.loads(line) for line in lines]

    def planted(self) -> list[Path]:
        """Files a hostile name would have created (`pwned-...`), anywhere under root."""
        return sorted(
            p
            for p in self.root.rglob("pwned*")
            if ".git" not in p.relative_to(self.root).parts and not p.is_dir()
        )
