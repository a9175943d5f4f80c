"""Runs a GitHub Actions workflow's `run:` steps here, the way a runner would, for the
end-to-end test of `sfsync ci init --provider github`.

What it does like GitHub: jobs in `needs` order, each in a fresh checkout and a fresh HOME
(no `sf` login survives a job); `if:` evaluated with GitHub's expression rules (an `if`
without a status function means `success() && ...`); a matrix from `include` (static or
`fromJSON(...)`); `env` of the workflow, the job and the step, with `${{ }}` expressions
(`secrets`, `github`, `matrix`, `needs`, `steps`); `run:` through
`bash --noprofile --norc -eo pipefail`; `$GITHUB_OUTPUT`, `$GITHUB_ENV` and
`$GITHUB_STEP_SUMMARY` files. What it does not: `uses:` steps (checkout is the test's own
`checkout` callback; the rest are recorded as skipped) and the steps whose id is in
`skip_ids` (installing sfsync and sf: this machine has both).

The expression language covers what workflows commonly use: literals, property and index
access (case-insensitive), `*` filters, `! == != < <= > >= && ||`, parentheses and the
functions contains, startsWith, endsWith, format, join, toJSON, fromJSON, success, failure,
always, cancelled.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# --- expressions ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|"
    r"(?P<op>==|!=|<=|>=|&&|\|\||[()\[\].,!<>*])|(?P<id>[A-Za-z_][A-Za-z0-9_-]*))"
)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read expression at {text[pos:]!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _lower_keys(value: Any, key: str) -> Any:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if str(k).lower() == key.lower():
                return v
    return None


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)


def _coerce(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    return value


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class _Parser:
    def __init__(self, text: str, ctx: Mapping[str, Any], status: Mapping[str, bool]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.ctx = ctx
        self.status = status

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.pos]
        if value is not None and token[1] != value:
            raise ValueError(f"expected {value!r}, got {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.peek()!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = value if _truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = right if _truthy(value) else value
        return value

    def compare(self) -> Any:
        left = self.unary()
        op = self.peek()
        if op in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            right = self.unary()
            a, b = _coerce(left), _coerce(right)
            if op in ("==", "!="):
                return (a == b) == (op == "==")
            try:
                return {"<": a < b, "<=": a <= b, ">": a > b}.get(op, a >= b)
            except TypeError:  # GitHub compares unlike types as false
                return False
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not _truthy(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        value, filtered = self.primary(), False
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                name = self.take()[1]
                if name == "*":
                    value = list(value.values()) if isinstance(value, Mapping) else value
                    filtered = True
                elif filtered and isinstance(value, list):
                    value = [_lower_keys(v, name) for v in value]
                else:
                    value = _lower_keys(value, name)
            else:
                index = self.or_()
                self.take("]")
                if isinstance(value, list) and isinstance(index, (int, float)):
                    value = value[int(index)] if 0 <= index < len(value) else None
                else:
                    value = _lower_keys(value, str(index))
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if text == "(":
            value = self.or_()
            self.take(")")
            return value
        if kind != "id":
            raise ValueError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            self.take()
            args = []
            while self.peek() != ")":
                args.append(self.or_())
                if self.peek() == ",":
                    self.take()
            self.take(")")
            return self.call(text, args)
        return _lower_keys(self.ctx, text)

    def call(self, name: str, args: list[Any]) -> Any:
        fn = name.lower()
        if fn in STATUS_FUNCTIONS:
            return self.status[fn]
        if fn == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(_coerce(h) == _coerce(needle) for h in haystack)
            return _to_text(needle).lower() in _to_text(haystack).lower()
        if fn == "startswith":
            return _to_text(args[0]).lower().startswith(_to_text(args[1]).lower())
        if fn == "endswith":
            return _to_text(args[0]).lower().endswith(_to_text(args[1]).lower())
        if fn == "format":
            text = _to_text(args[0])
            for index, arg in enumerate(args[1:]):
                text = text.replace(f"{{{index}}}", _to_text(arg))
            return text
        if fn == "join":
            sep = _to_text(args[1]) if len(args) > 1 else ","
            return sep.join(_to_text(a) for a in args[0])
        if fn == "tojson":
            return json.dumps(args[0], indent=2)
        if fn == "fromjson":
            return json.loads(_to_text(args[0]))
        raise ValueError(f"function {name} is not known here")


def evaluate(text: str, ctx: Mapping[str, Any], status: Mapping[str, bool] | None = None) -> Any:
    """The value of an expression (without `${{ }}`)."""
    status = status or {"success": True, "failure": False, "always": True, "cancelled": False}
    return _Parser(text, ctx, status).parse()


def substitute(text: str, ctx: Mapping[str, Any]) -> str:
    """`text` with every `${{ expr }}` replaced by its value."""
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: _to_text(evaluate(m.group(1), ctx)), text)


def condition(text: object, ctx: Mapping[str, Any], status: Mapping[str, bool]) -> bool:
    """An `if:`; without a status function it means `success() && (...)`."""
    if text is None:
        return status["success"]
    expr = _unwrap(str(text))
    uses_status = any(re.search(rf"\b{fn}\s*\(", expr) for fn in STATUS_FUNCTIONS)
    value = _truthy(evaluate(expr, ctx, status))
    return value if uses_status else status["success"] and value


# --- running jobs ------------------------------------------------------------------------------


@dataclass
class StepRun:
    """One step as it ran (or why it did not)."""

    job: str
    name: str
    outcome: str
    """success | failure | skipped (if: false) | not run (uses:, or skipped by id)"""
    stdout: str = ""
    stderr: str = ""


@dataclass
class JobRun:
    """One job (one matrix leg) as it ran."""

    job: str
    result: str
    """success | failure | skipped"""
    matrix: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    steps: list[StepRun] = field(default_factory=list)
    workspace: Path | None = None


@dataclass
class Runner:
    """Runs `workflow` for one event."""

    workflow: dict[str, Any]
    github: dict[str, Any]
    """The `github` context: event_name, ref, ref_name, base_ref, sha, repository, event."""
    secrets: dict[str, str]
    checkout: Callable[[Path], None]
    """Makes a fresh checkout for a job in the (empty) folder given."""
    base_env: dict[str, str]
    """The runner's environment (PATH with sfsync and sf; no HOME: each job gets its own)."""
    root: Path
    skip_ids: tuple[str, ...] = ("install",)
    runs: list[JobRun] = field(default_factory=list)

    def run(self) -> list[JobRun]:
        """Every job, in `needs` order; returns the runs (matrix legs one by one)."""
        jobs: dict[str, Any] = self.workflow["jobs"]
        done: dict[str, dict[str, Any]] = {}
        pending = list(jobs)
        while pending:
            ready = [j for j in pending if all(n in done for n in _needs(jobs[j]))]
            assert ready, f"jobs wait on each other: {pending}"
            for job_id in ready:
                pending.remove(job_id)
                done[job_id] = self._job(job_id, jobs[job_id], done)
        return self.runs

    def _job(
        self, job_id: str, job: dict[str, Any], done: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        needs = {n: done[n] for n in _needs(job)}
        ok = all(n["result"] == "success" for n in needs.values())
        status = {"success": ok, "failure": False, "always": True, "cancelled": False}
        ctx = {"github": self.github, "secrets": self.secrets, "needs": needs, "vars": {}}
        if not condition(job.get("if"), ctx, status):
            self.runs.append(JobRun(job_id, "skipped"))
            return {"result": "skipped", "outputs": {}}
        legs: list[dict[str, Any]] = [{}]
        matrix = (job.get("strategy") or {}).get("matrix")
        if matrix is not None:
            include = matrix["include"] if isinstance(matrix, dict) else matrix
            if isinstance(include, list):  # GitHub evaluates `${{ }}` in a static matrix too
                legs = [
                    {k: substitute(v, ctx) if isinstance(v, str) else v for k, v in leg.items()}
                    for leg in include
                ]
            else:
                legs = evaluate(_unwrap(include), ctx)
        results = [self._leg(job_id, job, {**ctx, "matrix": leg}, leg) for leg in legs]
        result = "success" if all(r.result == "success" for r in results) else "failure"
        outputs = results[-1].outputs if results else {}
        return {"result": result, "outputs": outputs}

    def _leg(
        self, job_id: str, job: dict[str, Any], ctx: dict[str, Any], leg: dict[str, Any]
    ) -> JobRun:
        workspace = Path(tempfile.mkdtemp(prefix=f"{job_id}-", dir=self.root))
        home = Path(tempfile.mkdtemp(prefix="home-", dir=self.root))
        self.checkout(workspace)
        run = JobRun(job_id, "success", leg, workspace=workspace)
        files = {
            name: Path(tempfile.mkstemp(prefix=f"{name.lower()}-", dir=self.root)[1])
            for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")
        }
        env = {
            **self.base_env,
            "HOME": str(home),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "RUNNER_TEMP": str(self.root),
            "GITHUB_EVENT_NAME": str(self.github["event_name"]),
            "GITHUB_REF": str(self.github.get("ref", "")),
            "GITHUB_REF_NAME": str(self.github.get("ref_name", "")),
            "GITHUB_BASE_REF": str(self.github.get("base_ref", "")),
            "GITHUB_SHA": str(self.github.get("sha", "")),
            **{k: str(v) for k, v in files.items()},
        }
        for scope in (self.workflow.get("env") or {}, job.get("env") or {}):
            env.update({k: substitute(str(v), ctx) for k, v in scope.items()})
        steps: dict[str, Any] = {}
        failed = False
        for index, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            status = {"success": not failed, "failure": failed, "always": True, "cancelled": False}
            step_ctx = {**ctx, "steps": steps, "env": env}
            if not condition(step.get("if"), step_ctx, status):
                run.steps.append(StepRun(job_id, name, "skipped"))
                continue
            if "run" not in step or step.get("id") in self.skip_ids:
                run.steps.append(StepRun(job_id, name, "not run"))
                continue
            step_env = {
                **env,
                **{k: substitute(str(v), step_ctx) for k, v in (step.get("env") or {}).items()},
            }
            files["GITHUB_OUTPUT"].write_text("", encoding="utf-8")
            proc = subprocess.run(
                [
                    "bash",
                    "--noprofile",
                    "--norc",
                    "-eo",
                    "pipefail",
                    "-c",
                    substitute(step["run"], step_ctx),
                ],
                cwd=workspace,
                env=step_env,
                capture_output=True,
                text=True,
                check=False,
            )
            outcome = "success" if proc.returncode == 0 else "failure"
            run.steps.append(StepRun(job_id, name, outcome, proc.stdout, proc.stderr))
            outputs = _key_values(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
            if step.get("id"):
                steps[step["id"]] = {"outputs": outputs, "outcome": outcome}
            env.update(_key_values(files["GITHUB_ENV"].read_text(encoding="utf-8")))
            files["GITHUB_ENV"].write_text("", encoding="utf-8")
            failed = failed or proc.returncode != 0
        run.result = "failure" if failed else "success"
        out_ctx = {**ctx, "steps": steps}
        run.outputs = {
            k: substitute(str(v), out_ctx) for k, v in (job.get("outputs") or {}).items()
        }
        run.summary = files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
        self.runs.append(run)
        return run


def _unwrap(text: str) -> str:
    """`${{ expr }}` -> `expr` (an `if:` may be written either way)."""
    expr = text.strip()
    if expr.startswith("${{") and expr.endswith("}}"):
        expr = expr[3:-2]
    return expr


def _needs(job: Mapping[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


def _key_values(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<EOF` blocks, as GitHub reads $GITHUB_OUTPUT/$GITHUB_ENV."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, marker = line.partition("<<")
            body = []
            index += 1
            while index < len(lines) and lines[index] != marker:
                body.append(lines[index])
                index += 1
            out[name] = "\n".join(body)
        elif "=" in line:
            name, _, value = line.partition("=")
            out[name] = value
        index += 1
    return out


def environ_without_git_identity() -> dict[str, str]:
    """This process's environment minus what would override the workflow's own git config."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_", "SF_", "SFDX_", "SFSYNC_"))
    }
