"""Validating the text of `sfsync.yml`: YAML, the JSON Schema, the pipeline's shape.

Every problem is reported at its line (`sfsync.yml:9: environments.dev2.upstream: 'itn' is
not an environment (did you mean 'int'?)`), all of them in one `ConfigError` (exit 2).
`sfsync.pipeline.config.load` imports this module only when its cache misses: yaml and
jsonschema are imported here, inside the functions, and nowhere else.

The file is untrusted input (anyone who can commit it reaches every clone and every hook):
it must be UTF-8; YAML anchors and aliases are refused before anything is built from them
(an alias "bomb" expands a few hundred bytes into gigabytes); names that end up in git or
`sf` argument lists (remote, branches, environments, orgs) follow git's ref rules and never
start with `-`; and every check is linear in the size of the file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sfsync.errors import ConfigError
from sfsync.git import refnames
from sfsync.pipeline.configfile import CONFIG_FILE, SCHEMA_PATH, did_you_mean, secret_key

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`, as in `config`
if TYPE_CHECKING:
    from typing import Any

    import yaml


# Suggestions ("did you mean") compare a name with every environment: only for the first few
# problems, so a file with thousands of bad entries is still reported in linear time.
_SUGGESTIONS = 20


def validate_text(raw: str | bytes, filename: str = CONFIG_FILE) -> dict[str, Any]:
    """Parse and validate `sfsync.yml` (its bytes or text); return the data or raise ConfigError."""
    import yaml

    text = decode(raw, filename) if isinstance(raw, bytes) else raw
    loader_class = _loader()
    try:
        refuse_anchors(text, filename)
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: not valid YAML: {problem}") from exc
    except RecursionError as exc:
        raise ConfigError(f"{filename}: nested too deeply to be a configuration") from exc
    if node is None:
        raise ConfigError(f"{filename}: the file is empty (see the example in the README)")
    lines: dict[tuple[str | int, ...], int] = {}
    key_lines: dict[tuple[str | int, ...], int] = {}
    problems: list[tuple[int, str]] = []
    try:
        _index_nodes(node, (), lines, key_lines, problems)
    except RecursionError as exc:
        raise ConfigError(f"{filename}: nested too deeply to be a configuration") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{filename}:1: expected a mapping with version and environments")
    problems += _schema_problems(data, lines, key_lines)
    problems += _name_problems(data, lines, key_lines)
    envs = data.get("environments")
    if isinstance(envs, dict) and envs and all(isinstance(e, dict) for e in envs.values()):
        problems += _pipeline_problems(data, lines)
        problems += _tests_problems(envs, lines)
    if problems:
        problems.sort(key=lambda p: p[0])
        messages = [f"{filename}:{line}: {text}" for line, text in problems]
        raise ConfigError("\n".join(messages), data={"errors": messages})
    return data


def decode(raw: bytes, filename: str = CONFIG_FILE) -> str:
    """The file's text; ConfigError at the first byte that is not UTF-8 (never U+FFFD)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{filename}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}): "
            "save the file as UTF-8"
        ) from exc


def refuse_anchors(text: str, filename: str = CONFIG_FILE) -> None:
    """ConfigError at the first YAML anchor (`&a`) or alias (`*a`), in one pass over the events.

    Nothing is composed or expanded before this check, so its cost is the file's length.
    """
    import yaml

    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            raise ConfigError(
                f"{filename}:{line}: anchors and aliases are not supported (write each value out)"
            )


def _loader() -> type[yaml.SafeLoader]:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _index_nodes(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    key_lines: dict[tuple[str | int, ...], int],
    problems: list[tuple[int, str]],
) -> None:
    """Record the line of every value (and mapping key) by its path; note duplicate keys."""
    import yaml

    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                where = _dotted((*path, key))
                problems.append((key_node.start_mark.line + 1, f"{where}: duplicate key"))
            seen.add(key)
            child = (*path, key)
            key_lines[child] = key_node.start_mark.line + 1
            _index_nodes(value_node, (*path, key), lines, key_lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_nodes(item, (*path, index), lines, key_lines, problems)


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _schema_problems(
    data: dict[str, Any],
    lines: dict[tuple[str | int, ...], int],
    key_lines: dict[tuple[str | int, ...], int],
) -> list[tuple[int, str]]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    problems: list[tuple[int, str]] = []
    for error in _specific(validator.iter_errors(data)):
        if error.validator in ("pattern", "maxLength") and not _pattern_said_here(error):
            continue  # the names: `_name_problems` says what is wrong with them
        path = tuple(error.absolute_path)
        line = lines.get(path, 1)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in known:
                    where = _dotted((*path, key))
                    hint = did_you_mean(str(key), known) or f" (allowed: {', '.join(known)})"
                    problems.append(
                        (key_lines.get((*path, key), line), f"{where}: unknown key{hint}")
                    )
            continue
        problems.append((line, f"{_dotted(path)}: {_describe(error)}"))
    return list(dict.fromkeys(problems))  # `required` reports once per missing key


def _specific(errors: Any) -> list[Any]:
    """The errors, with an `anyOf` (a value that may be a word or a mapping, like `tests`)
    replaced by the errors of the alternative of the value's own kind."""
    out: list[Any] = []
    for error in errors:
        if error.validator != "anyOf":
            out.append(error)
            continue
        branch = 1 if isinstance(error.instance, dict) else 0  # a mapping, or a word
        picked = [sub for sub in error.context if list(sub.schema_path)[:1] == [branch]]
        out.extend(_specific(picked) if picked else [error])
    return out


def _pattern_said_here(error: Any) -> bool:
    """Pattern errors the schema reports itself (the names are `_name_problems`')."""
    path = list(error.absolute_path)
    return path[-1:] == ["url_env"] or (len(path) >= 2 and path[-2] == "always")


def _describe(error: Any) -> str:
    kind = error.validator
    value = error.instance
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        if len(missing) == 1:
            return f"missing required key '{missing[0]}'"
        return "missing required keys " + ", ".join(f"'{k}'" for k in missing)
    if kind == "type":
        names = {"object": "a mapping", "array": "a list", "string": "a string"}
        want = names.get(str(error.validator_value), f"a {error.validator_value}")
        return f"expected {want}, got {value!r}"
    if kind == "enum":
        choices = [str(c) for c in error.validator_value]
        return f"{value!r} is not one of {', '.join(choices)}{did_you_mean(str(value), choices)}"
    if kind == "const":
        return f"must be {error.validator_value!r}, got {value!r}"
    if kind == "pattern" and list(error.absolute_path)[-1:] == ["url_env"]:
        return (
            "must name an environment variable (e.g. SFSYNC_WEBHOOK_URL): the webhook URL is "
            "a secret, keep it out of sfsync.yml"
        )
    if kind == "pattern" and list(error.absolute_path)[-2:-1] == ["always"]:
        return f"{value!r} is not an Apex class name"
    if kind == "maximum":
        return f"must be <= {error.validator_value}, got {value!r}"
    if kind == "uniqueItems":
        return "lists a name twice"
    if kind == "minProperties":
        return "needs at least one entry"
    if kind == "minLength":
        return "must not be empty"
    if kind == "minimum":
        return f"must be >= {error.validator_value}, got {value!r}"
    return str(error.message)


def _name_problems(
    data: dict[str, Any],
    lines: dict[tuple[str | int, ...], int],
    key_lines: dict[tuple[str | int, ...], int],
) -> list[tuple[int, str]]:
    """The names that reach git and `sf`: git's ref rules, never an option (`-...`).

    The schema's `pattern`s say the same for editors (a test keeps the two in step).
    """
    problems: list[tuple[int, str]] = []
    remote = data.get("remote")
    if isinstance(remote, str) and remote:
        why = refnames.remote_problem(remote)
        if why is not None:
            problems.append(
                (
                    lines.get(("remote",), 1),
                    f"remote: {remote!r} is not a git remote name: it {why} "
                    "(name one of `git remote`, e.g. origin)",
                )
            )
    envs = data.get("environments")
    if not isinstance(envs, dict):
        return problems
    for name, env in envs.items():
        name = str(name)
        why = env_name_problem(name)
        if why is not None:
            problems.append(
                (
                    key_lines.get(("environments", name), lines.get(("environments",), 1)),
                    f"environments.{_shown(name)}: {_shown(name)!r} cannot be an environment "
                    f"name: it {why} (it names the git ref refs/sfsync/envs/<name>, CI jobs and "
                    f"secrets; use {ENV_CHARS}, at most {MAX_ENV_NAME} characters)",
                )
            )
        if not isinstance(env, dict):
            continue
        branch = env.get("branch")
        if isinstance(branch, str) and branch:
            why = branch_problem(branch)
            if why is not None:
                what = (
                    "is not a git branch name"
                    if refnames.branch_problem(branch) is not None
                    else "cannot be an env branch"
                )
                problems.append(
                    (
                        lines.get(("environments", name, "branch"), 1),
                        f"environments.{_shown(name)}.branch: {_shown(branch)!r} {what}: it "
                        f"{why} (CI files match it and git names refs after it; use "
                        f"{BRANCH_CHARS}, at most {MAX_BRANCH} characters)",
                    )
                )
        org = env.get("org")
        if isinstance(org, str) and org:
            why = org_problem(org)
            if why is not None:
                problems.append(
                    (
                        lines.get(("environments", name, "org"), 1),
                        f"environments.{_shown(name)}.org: {_shown(org)!r} is not an sf alias or "
                        f"username: it {why}",
                    )
                )
    return problems


# The names that reach CI files, git refs and secret names: an allowlist, not a blocklist.
# Every CI provider's expressions, globs and shells read these characters as themselves.
# (The schema's patterns and maxLength say the same; a test keeps them in step.)
ENV_CHARS = "letters a-z A-Z, digits, '_', '.' and '-' (not first)"
BRANCH_CHARS = "letters a-z A-Z, digits, '_', '.', '-' (not first) and '/'"
MAX_ENV_NAME = 64
MAX_BRANCH = 200
MAX_ORG = 255
_SHOWN = 80


def _shown(text: str) -> str:
    """A name as an error message shows it: cut when it is very long."""
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _charset_problem(name: str, extra: str) -> str | None:
    for char in name:
        if not (char.isascii() and (char.isalnum() or char in extra)):
            shown = repr(char) if char.isprintable() and char != " " else f"U+{ord(char):04X}"
            return f"contains {shown}"
    return None


def branch_problem(name: str) -> str | None:
    """Why `name` cannot be an env branch in sfsync.yml, or None.

    git's own rules (`refnames.branch_problem`), within an allowlist of characters that no
    CI service reads as anything but themselves, and a length limit."""
    if len(name) > MAX_BRANCH:
        return f"is {len(name)} characters long"
    return refnames.branch_problem(name) or _charset_problem(name, "_.-/")


def env_name_problem(name: str) -> str | None:
    """Why `name` cannot be an environment (a ref component, ASCII, not too long), or None."""
    if len(name) > MAX_ENV_NAME:
        return f"is {len(name)} characters long"
    if name and not ("A" <= name[0] <= "Z" or "a" <= name[0] <= "z" or "0" <= name[0] <= "9"):
        return f"starts with {name[0]!r}"
    return _charset_problem(name, "_.-") or refnames.component_problem(name)


def org_problem(org: str) -> str | None:
    """Why `org` cannot be an sf alias or username (`sf` would read it as a flag), or None.

    An alias may hold spaces (`sf` and the VS Code extensions accept "my org"); sfsync passes
    it as one `--target-org=VALUE` argument, so only a leading '-', whitespace at either end
    and control characters are refused."""
    if len(org) > MAX_ORG:
        return f"is {len(org)} characters long"
    if org.startswith("-"):
        return "starts with '-'"
    if org != org.strip():
        return "starts or ends with whitespace"
    for char in org:
        if (char.isspace() and char != " ") or ord(char) < 0x20 or ord(char) == 0x7F:
            return f"contains {char!r}"
    return None


def _pipeline_problems(
    data: dict[str, Any], lines: dict[tuple[str | int, ...], int]
) -> list[tuple[int, str]]:
    """Upstreams that exist and have a branch, one root, no cycle, each branch used once.

    Linear in the number of environments (each is walked once on the way to the root).
    """
    envs: dict[str, dict[str, Any]] = data["environments"]
    names = list(envs)
    problems: list[tuple[int, str]] = []

    def line(*path: str) -> int:
        return lines.get(("environments", *path), lines.get(("environments",), 1))

    for name, env in envs.items():
        upstream = env.get("upstream")
        if not isinstance(upstream, str):
            continue
        where = f"environments.{name}.upstream"
        if upstream not in envs:
            suggest = len(problems) < _SUGGESTIONS
            hint = did_you_mean(upstream, [n for n in names if n != name]) if suggest else ""
            problems.append(
                (line(name, "upstream"), f"{where}: '{upstream}' is not an environment{hint}")
            )
        elif upstream == name:
            problems.append((line(name, "upstream"), f"{where}: an environment cannot feed itself"))
        elif "branch" not in envs[upstream]:
            problems.append(
                (
                    line(name, "upstream"),
                    f"{where}: '{upstream}' has no branch; a developer sandbox cannot be an "
                    "upstream (give it a branch or point at a branch env)",
                )
            )
    if problems:
        return problems + _secret_problems(envs, line)

    done: set[str] = set()  # walked before: on a path to the root or to a reported cycle
    for start in names:
        walk: dict[str, int] = {}  # this walk, name -> position
        current: str | None = start
        while current is not None and current not in done and current not in walk:
            walk[current] = len(walk)
            upstream = envs[current].get("upstream")
            current = upstream if isinstance(upstream, str) and upstream in envs else None
        done.update(walk)
        if current is not None and current in walk:
            loop = list(walk)[walk[current] :]
            chain = " -> ".join([*loop, current])
            problems.append(
                (
                    line(loop[0], "upstream"),
                    f"environments.{loop[0]}.upstream: cycle {chain} "
                    "(the pipeline needs one root without an upstream)",
                )
            )

    roots = [n for n in names if envs[n].get("upstream") is None]
    if len(roots) > 1:
        problems.append(
            (
                line(roots[1]),
                f"environments.{roots[1]}: a second root (also {roots[0]}): every environment "
                f"but the top one needs an upstream (e.g. upstream: {roots[0]})",
            )
        )
    elif not roots and not problems:
        problems.append((line(), "environments: no root: one environment must have no upstream"))
    for root in roots:
        if "branch" not in envs[root]:
            problems.append(
                (line(root), f"environments.{root}: the top environment needs a branch")
            )

    owners: dict[str, str] = {}
    folded_owners: dict[str, str] = {}
    for name, env in envs.items():
        branch = env.get("branch")
        if not isinstance(branch, str):
            continue
        if branch in owners:
            problems.append(
                (
                    line(name, "branch"),
                    f"environments.{name}.branch: branch '{branch}' is already used by "
                    f"{owners[branch]} (each env needs its own branch)",
                )
            )
            continue
        owners[branch] = name
        folded = branch.casefold()
        if folded in folded_owners:
            other = folded_owners[folded]
            problems.append(
                (
                    line(name, "branch"),
                    f"environments.{name}.branch: '{branch}' differs from {other}'s branch "
                    f"'{envs[other]['branch']}' only in case (GitHub and Azure compare branch "
                    "names ignoring case, and macOS and Windows keep them in one file): "
                    "rename one",
                )
            )
        else:
            folded_owners[folded] = name
    return problems + _secret_problems(envs, line)


def _secret_problems(envs: dict[str, dict[str, Any]], line: Any) -> list[tuple[int, str]]:
    """Two envs whose CI secrets would have the same names (`int` and `INT`, `dev-1` and
    `dev_1`: SFSYNC_AUTH_URL_INT): `sfsync ci login` would log one in to the other's org."""
    problems: list[tuple[int, str]] = []
    owners: dict[str, str] = {}
    for name in envs:
        key = secret_key(name)
        if key in owners:
            problems.append(
                (
                    line(name),
                    f"environments.{name}: its CI secrets would be named like "
                    f"{owners[key]}'s (SFSYNC_AUTH_URL_{key}: names are upper-cased, '-' and '.' "
                    "read as '_'): rename one of them",
                )
            )
        else:
            owners[key] = name
    return problems


def _tests_problems(
    envs: dict[str, dict[str, Any]], lines: dict[tuple[str | int, ...], int]
) -> list[tuple[int, str]]:
    """`depth`, `always` and `allow_uncovered` tune `mode: auto` and mean nothing otherwise."""
    problems: list[tuple[int, str]] = []
    for name, env in envs.items():
        tests = env.get("tests")
        if not isinstance(tests, dict) or tests.get("mode") in ("auto", None):
            continue
        for key in ("depth", "always", "allow_uncovered"):
            if key in tests:
                problems.append(
                    (
                        lines.get(("environments", name, "tests", key), 1),
                        f"environments.{name}.tests.{key}: only with mode auto "
                        f"(mode is {tests.get('mode')})",
                    )
                )
    return problems
