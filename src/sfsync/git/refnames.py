"""Which names can go into a git command: branch names, ref components, remote names.

Values from `sfsync.yml`, the command line or git config end up in git argument lists and
ref names. A name that git would read as an option (`--upload-pack=...`) or that makes no
valid ref is refused here, before any git command runs; the git calls also separate
values from options (`--end-of-options`, `refs/...` forms), so both ends hold.

The rules are git's own (`git help check-ref-format`), checked in Python so that a config
with thousands of environments is validated without a git process per name::

    branch_problem("feature/x")      # None: `git check-ref-format --branch` accepts it
    branch_problem("-x")             # "starts with '-'"
    component_problem("dev1.lock")   # "ends with '.lock'"
"""

from __future__ import annotations

# Characters git never allows in a ref name: ASCII controls, DEL, space, ~ ^ : ? * [ and \
_FORBIDDEN = frozenset(chr(c) for c in range(0x20)) | frozenset("\x7f ~^:?*[\\")


def _describe(char: str) -> str:
    return f"'{char}'" if char.isprintable() and char != " " else f"U+{ord(char):04X}"


def component_problem(name: str) -> str | None:
    """Why `name` cannot be one component of a ref (`refs/sfsync/envs/<name>`), or None."""
    if not name:
        return "is empty"
    if "/" in name:
        return "contains '/'"
    if name.startswith("-"):
        return "starts with '-'"
    if name.endswith("."):
        return "ends with '.'"
    if name == "@":
        return "is '@' (git's shorthand for HEAD)"
    return _component_rules(name)


def branch_problem(name: str) -> str | None:
    """Why `git check-ref-format --branch` would refuse `name`, or None when it accepts it.

    Unlike git, `@{-1}`-style shorthands are refused too: a configured branch names a branch.
    """
    if not name:
        return "is empty"
    if name.startswith("-"):
        return "starts with '-'"
    if name in ("HEAD", "@"):
        return f"is {name} (git's name for the current commit)"
    if name.startswith("/") or name.endswith("/"):
        return "starts or ends with '/'"
    if "//" in name:
        return "contains '//'"
    if name.endswith("."):
        return "ends with '.'"
    for part in name.split("/"):
        problem = _component_rules(part)
        if problem is not None:
            return problem
    return None


def remote_problem(name: str) -> str | None:
    """Why `name` is not the name of a git remote (`origin`), or None.

    A remote *name*, not a URL or path: letters, digits, `_`, `.` and `-`, not first.
    """
    if not name:
        return "is empty"
    if name.startswith("-"):
        return "starts with '-'"
    for char in name:
        if not (char.isascii() and (char.isalnum() or char in "_.-")):
            return f"contains {_describe(char)} (a remote name, e.g. origin, not a URL)"
    return component_problem(name)


def _component_rules(part: str) -> str | None:
    if not part:
        return "contains '//'"
    for char in part:
        if char in _FORBIDDEN:
            return f"contains {_describe(char)}"
    if part.startswith("."):
        return "starts with '.'"
    if part.endswith(".lock"):
        return "ends with '.lock'"
    if ".." in part:
        return "contains '..'"
    if "@{" in part:
        return "contains '@{'"
    return None
