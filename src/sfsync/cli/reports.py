"""Markdown reports: what `--format markdown` prints, fit for a PR comment or a CI job summary.

Every renderer takes the command's `--json` result (the same dict `Output.emit` gets), so a
report says exactly what the JSON says, and a new command only writes a small function here.
GitHub-flavoured markdown: pipe tables, `<details>` for long component lists (GitHub renders
both in PR comments and in `$GITHUB_STEP_SUMMARY`; GitLab, Azure DevOps and Bitbucket render
the tables and show `<details>` as text where HTML is not allowed). Secrets are redacted.

Building blocks, for a command that has no renderer yet::

    from sfsync.cli import reports
    reports.heading("Drift on int", ok=False)            # '### ❌ Drift on int'
    reports.table(["component", "in the org"], rows)      # a pipe table, cells escaped
    reports.components("Changed in the org", names)      # a <details> list past LISTED items
    reports.document(parts)                               # joined with blank lines, redacted

Renderers: `status`, `delta`, `deploy`, `pull_upstream`, `back_promote`, `drift`, `compare`,
`failure`.

Text from an org, git or `sfsync.yml` (an error message, a commit subject, a user name, an
alias) is anyone's: GitHub renders raw HTML and links in a PR comment, and notifies the
people and teams it mentions. Every such value goes through `text` (or `code`, `fence`):
HTML escaped (`</details>`, `<img>`, `<!-- -->` stay text), markdown punctuation escaped with
`\\` (no forged `[link](...)`, `![image](...)`, emphasis, headings, lists, code spans), `@` and
`#` followed by a zero-width space (no mention, no issue reference), line breaks as `<br>`,
terminal control removed. A table cell escapes its value unless it is `Md`, sfsync's own
markdown built from escaped parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sfsync.errors import plural, printable, redact

LISTED = 20  # components listed before the rest goes into a <details> block
OK, FAILED, WARNING = "✅", "❌", "⚠️"


# --- building blocks ------------------------------------------------------------------------


class Md(str):
    """Markdown sfsync wrote itself (from escaped parts): a table cell keeps it as it is."""

    __slots__ = ()


# Characters with a meaning anywhere in a line of GitHub-flavoured markdown, backslash-escaped
# (any ASCII punctuation may be: CommonMark "Backslash escapes"); `<`, `>` and `&` become HTML
# entities instead, which also holds inside GitHub's HTML blocks (`<details>`). At the start of
# a line, `- + =` and `1.` (lists, setext headings) are escaped too.
_INLINE = frozenset("\\`*_[]()!~")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ZERO_WIDTH = "\u200b"  # after `@` and `#`: GitHub links neither a mention nor an issue
_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
_LIST_START = re.compile(r"^(\d{1,9})([.)])")


def text(value: object) -> Md:
    """Anyone's text as inline markdown that shows exactly that text (see the module doc)."""
    if value is None:
        return Md("")
    lines = [line.strip() for line in _BREAKS.split(printable(str(value)))]
    return Md("<br>".join(_line(line) for line in lines if line) if any(lines) else "")


def _line(raw: str) -> str:
    out = []
    for char in raw:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in "@#":
            out.append(char + _ZERO_WIDTH)
        elif char in _INLINE:
            out.append("\\" + char)
        else:
            out.append(char)
    shown = "".join(out)
    if shown[:1] in ("-", "+", "="):
        shown = "\\" + shown
    return _LIST_START.sub(r"\1\\\2", shown)


def cell(value: object) -> str:
    """One table cell: anyone's text escaped (`text`), sfsync's own `Md` kept; `|` escaped
    in both (GitHub splits cells at every unescaped pipe, even in code), None as empty."""
    if value is None:
        return ""
    shown: str = value if isinstance(value, Md) else text(value)
    piped = shown.replace("|", "\\|")
    return "<br>".join(line.strip() for line in piped.splitlines()) or ""


def code(value: object) -> Md:
    """Inline code showing `value` as it is: a fence longer than any run of backticks in it,
    on one line, without terminal control."""
    raw = printable(" ".join(str(value).split("\n"))).replace("\r", " ")
    runs = [len(r) for r in re.findall(r"`+", raw)]
    longest = max(runs, default=0)
    marks = "`" * (longest + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") or longest else ""
    return Md(f"{marks}{pad}{raw}{pad}{marks}")


def fence(body: str, info: str = "") -> Md:
    """A fenced code block showing `body` as it is: the fence is longer than any run of
    backticks in it (a line of ``` in an error message cannot end the block early)."""
    raw = printable(body)
    runs = [len(r) for r in re.findall(r"`+", raw)]
    marks = "`" * max(3, max(runs, default=0) + 1)
    return Md(f"{marks}{info}\n{raw}\n{marks}")


def heading(text: str, *, ok: bool | None = None, level: int = 3) -> str:
    """`### ✅ text` (ok), `### ❌ text` (not ok) or `### text`."""
    mark = "" if ok is None else (OK if ok else FAILED) + " "
    return f"{'#' * level} {mark}{text}"


def table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A pipe table; an empty `rows` gives the header only."""
    lines = [
        "| " + " | ".join(cell(c) for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def components(title: str, names: Sequence[str], *, limit: int = LISTED) -> str:
    """`title (N)` (sfsync's own words; a name in it goes through `text`) and the components
    as a list; past `limit`, inside `<details>`."""
    if not names:
        return ""
    items = "\n".join(f"- {code(n)}" for n in names)
    if len(names) <= limit:
        return f"**{title} ({len(names)})**\n\n{items}"
    return f"<details><summary>{title} ({len(names)})</summary>\n\n{items}\n\n</details>"


def document(parts: Iterable[str]) -> str:
    """The non-empty parts joined by blank lines, secrets redacted, one trailing newline."""
    return redact("\n\n".join(p.strip("\n") for p in parts if p and p.strip())) + "\n"


def short(sha: object) -> Md:
    """A commit as `abc1234` (empty for None)."""
    return code(str(sha)[:7]) if sha else Md("")


# --- renderers, one per command --------------------------------------------------------------


def status(result: Mapping[str, Any]) -> str:
    """`sfsync status`: each env, its upstream, what it is behind."""
    envs: list[Mapping[str, Any]] = list(result.get("environments", []))
    behind = [e for e in envs if e.get("deploymentsBehind")]
    rows = []
    for env in envs:
        if env.get("upstream") is None:
            count, comps = "-", "-"
        elif not env.get("known"):
            count, comps = "never synced", "?"
        else:
            count = str(env.get("deploymentsBehind") or 0)
            ignored = env.get("ignoredDeployments") or []
            if ignored:
                count += f" (+{len(ignored)} ignored)"
            comps = str(len(env.get("componentsBehind") or []))
        last = env.get("lastSync") or {}
        who = str(last.get("who") or "").split(" <")[0]  # the name, as the terminal shows it
        when = f"{str(last.get('when', ''))[:16]} {who}".strip() if last else ""
        rows.append(
            [
                Md(f"**{text(env['name'])}**") if env.get("deploymentsBehind") else env["name"],
                env.get("org"),
                env.get("upstream") or "-",
                count,
                comps,
                when,
            ]
        )
    title = (
        f"sfsync status: {plural(len(behind), 'environment')} behind"
        if behind
        else "sfsync status: every environment is up to date"
    )
    parts = [
        heading(title, ok=not behind),
        table(
            ["env", "org", "upstream", "deployments behind", "components behind", "last sync"],
            rows,
        ),
    ]
    for env in behind:
        listed = [
            [short(d.get("sha")), d.get("subject"), d.get("author"), str(d.get("date", ""))[:10]]
            for d in env.get("deployments", [])
        ]
        parts.append(
            f"**{text(env['name'])}** is behind {text(env.get('upstream'))}:\n\n"
            + table(["commit", "deployment", "author", "date"], listed)
        )
    return document(parts)


def delta(result: Mapping[str, Any]) -> str:
    """`sfsync delta`: what would be deployed and deleted, by type."""
    package: Mapping[str, list[str]] = result.get("package") or {}
    destructive: Mapping[str, list[str]] = result.get("destructive") or {}
    deploy_count = sum(len(m) for m in package.values())
    delete_count = sum(len(m) for m in destructive.values())
    rows = [[code(t), "deploy", len(m), ", ".join(m)] for t, m in package.items()]
    rows += [[code(t), "delete", len(m), ", ".join(m)] for t, m in destructive.items()]
    # members are cells: escaped as text
    return document(
        [
            heading(f"Delta: {deploy_count} to deploy, {delete_count} to delete"),
            table(["type", "change", "count", "members"], rows) if rows else "No changes.",
            _warnings(result.get("warnings")),
        ]
    )


def deploy(result: Mapping[str, Any]) -> str:
    """`sfsync deploy` (and `--validate`, `--dry-run`): the plan and what the org did."""
    plan: Mapping[str, Any] = result.get("plan") or {}
    env = text(plan.get("env") or result.get("env"))
    org = text(plan.get("org") or result.get("org"))
    validate = bool(plan.get("validate"))
    if result.get("upToDate"):
        title, ok = f"{env} ({org}) already holds {short(plan.get('to'))}: nothing to deploy", True
    elif result.get("dryRun"):
        verb = "Would validate on" if validate else "Would deploy to"
        title, ok = f"{verb} {env} ({org})", None
    elif result.get("checkOnly"):
        title, ok = f"Validated on {env} ({org}): the deploy would succeed", True
    else:
        title, ok = f"Deployed to {env} ({org})", True
    facts = table(
        ["from", "to", "branch", "tests", "sf job"],
        [
            [
                short(plan.get("from")),
                short(plan.get("to")),
                plan.get("branch"),
                plan.get("testLevel"),
                code(result["deployId"]) if result.get("deployId") else "",
            ]
        ],
    )
    deployed = result.get("deployed", plan.get("deploy", []))
    deleted = result.get("deleted", plan.get("delete", []))
    done = "deployed" in result
    checked = bool(result.get("checkOnly"))
    return document(
        [
            heading(title, ok=ok),
            facts,
            components(
                ("Validated" if checked else "Deployed") if done else "To deploy", list(deployed)
            ),
            components(
                ("Deletion validated" if checked else "Deleted") if done else "To delete",
                list(deleted),
            ),
            tests(plan.get("testPlan")),
            _org_changes(result),
            _warnings([*plan.get("warnings", []), *result.get("warnings", [])]),
            _recorded(result, protected=bool(plan.get("protected"))),
        ]
    )


def tests(test_plan: object) -> str:
    """The tests a deployment runs and, with `--tests auto`, why: each test with the chain of
    references that picked it, each deployed component with the tests that reach it."""
    if not isinstance(test_plan, Mapping):
        return ""
    selection = test_plan.get("selection")
    names = list(test_plan.get("tests") or [])
    head = (
        f"**Tests: {test_plan.get('level')}** ({test_plan.get('mode')}, {test_plan.get('source')})"
    )
    parts = [head]
    if isinstance(selection, Mapping):
        classes = f"{len(names)} test class{'' if len(names) == 1 else 'es'}"
        parts[0] += (
            f": {classes} of {selection.get('localTests')} local "
            f"(references followed {selection.get('depth')} deep)"
        )
        picked = [
            [code(p.get("test")), Md("<br>".join(text(w.get("text")) for w in p.get("why", [])))]
            for p in selection.get("selected", [])
        ]
        if picked:
            parts.append(table(["test class", "why"], picked))
        reached = [
            [
                code(t.get("component")),
                t.get("why"),
                ", ".join(t.get("tests", []))
                or (Md("**none**") if t.get("needsCoverage") else "-"),
            ]
            for t in selection.get("targets", [])
        ]
        if reached:
            parts.append(table(["deployed or affected", "why", "reached by"], reached))
        uncovered = list(selection.get("uncovered") or [])
        if uncovered:
            parts.append(f"{FAILED} reached by no test: " + ", ".join(code(c) for c in uncovered))
    elif names:
        parts.append(", ".join(code(n) for n in names))
    parts += [f"{WARNING} {n}" for n in test_plan.get("notes", [])]
    return "\n\n".join(parts)


def pull_upstream(result: Mapping[str, Any]) -> str:
    """`sfsync pull-upstream`: the deployments pulled and what the sandbox received."""
    plan: Mapping[str, Any] = result.get("plan") or result
    env = text(plan.get("env"))
    upstream = text(plan.get("upstream"))
    parts: list[str] = []
    if "plan" in result:  # --dry-run, or up to date
        if plan.get("upToDate"):
            parts.append(heading(f"{env} is up to date with {upstream}", ok=True))
        else:
            parts.append(heading(f"Would pull {upstream} into {env}"))
            rows = [
                [short(d.get("sha")), d.get("subject"), d.get("author"), str(d.get("date"))[:10]]
                for d in plan.get("deployments", [])
            ]
            parts.append(table(["commit", "deployment", "author", "date"], rows))
            parts.append(components("To deploy", list(plan.get("deploy", []))))
            parts.append(components("To delete", list(plan.get("delete", []))))
            parts.append(components("Conflicts to resolve first", list(plan.get("conflicts", []))))
            parts.append(merged_by_element(plan))
        parts.append(components("Excluded (stays behind)", list(plan.get("excluded", []))))
        parts.append(_warnings(plan.get("warnings")))
        return document(parts)
    parts.append(
        heading(f"{env} pulled {upstream} (synced to {short(result.get('syncedTo'))})", ok=True)
    )
    parts.append(components("Deployed", list(result.get("deployed", []))))
    parts.append(components("Deleted", list(result.get("deleted", []))))
    parts.append(merged_by_element(result))
    parts.append(_org_changes(result))
    parts.append(components("Excluded (stays behind)", list(result.get("excluded", []))))
    if result.get("pushError"):
        parts.append(f"{WARNING} state not pushed: {text(result['pushError'])}")
    parts.append(_recorded(result))
    return document(parts)


def back_promote(result: Mapping[str, Any]) -> str:
    """`sfsync back-promote`: one row per env of the walk (also for a `--dry-run` plan)."""
    if "plan" in result:
        plan: Mapping[str, Any] = result["plan"]
        rows = [
            [
                s.get("env"),
                s.get("kind"),
                s.get("from"),
                _plan_step(s),
                len(s.get("deploy", [])),
                len(s.get("delete", [])),
            ]
            for s in plan.get("steps", [])
        ]
        return document(
            [
                heading(f"Back-promote from {text(plan.get('from'))}: plan"),
                table(["env", "kind", "from", "plan", "deploy", "delete"], rows),
                *(merged_by_element(s, f"{s.get('env')}: ") for s in plan.get("steps", [])),
            ]
        )
    envs: list[Mapping[str, Any]] = list(result.get("envs", []))
    failed = [e for e in envs if e.get("status") == "failed"]
    title = f"Back-promote from {text(result.get('from'))}: " + (
        f"{len(failed)} of {plural(len(envs), 'env')} failed"
        if failed
        else plural(len(envs), "env")
    )
    return document(
        [
            heading(title, ok=not failed),
            _walk_table(envs),
            *(merged_by_element(e, f"{e.get('env')}: ") for e in envs),
        ]
    )


def drift(result: Mapping[str, Any]) -> str:
    """`sfsync drift`: what the org holds that git does not say, with who changed it when."""
    expected = result.get("expected") or {}
    where = f"{text(result.get('env'))} ({code(result.get('org'))})"
    against = f"{code(expected.get('ref'))} at {short(expected.get('commit'))}"
    compared = result.get("compared", 0)
    if not result.get("drift"):
        return document(
            [
                heading(f"No drift: {where} holds what {against} has", ok=True),
                f"{compared} components compared.",
                _warnings(result.get("warnings")),
            ]
        )
    groups = (
        ("changed in the org", result.get("changed") or []),
        ("only in the org", result.get("onlyInOrg") or []),
        ("missing from the org", result.get("missingFromOrg") or []),
    )
    rows = [
        [label, code(i.get("component")), i.get("lastModifiedByName"), i.get("lastModifiedDate")]
        for label, items in groups
        for i in items
    ]
    counts = ", ".join(f"{len(items)} {label}" for label, items in groups)  # sfsync's words
    saved = result.get("savedBranch")
    return document(
        [
            heading(f"Drift: {where} differs from {against}", ok=False),
            f"{counts} ({compared} components compared).",
            table(["drift", "component", "last changed by", "when"], rows),
            f"The org's versions are saved on branch {code(saved)}." if saved else "",
            _warnings(result.get("warnings")),
        ]
    )


def compare(result: Mapping[str, Any]) -> str:
    """`sfsync compare`: what differs between the sides, the diffs asked for, what was deployed."""
    a, b = result.get("a") or {}, result.get("b") or {}
    only_a, only_b = result.get("onlyInA") or [], result.get("onlyInB") or []
    different = result.get("different") or []
    same = not (only_a or only_b or different)

    def changed(side: object) -> str:
        if not isinstance(side, Mapping):
            return ""
        return " ".join(
            str(v) for v in (side.get("lastModifiedByName"), side.get("lastModifiedDate")) if v
        )

    rows = [
        [label, code(e.get("component")), changed(e.get("a")), changed(e.get("b"))]
        for label, entries in (
            ("only in A", only_a),
            ("only in B", only_b),
            ("different", different),
        )
        for e in entries
    ]
    counts = (
        f"{len(only_a)} only in A, {len(only_b)} only in B, {len(different)} different, "
        f"{result.get('same', 0)} the same ({plural(len(result.get('types') or []), 'type')})"
    )
    diffs = [
        f"**{code(name)}**\n\n{fence(diff.rstrip(), 'diff')}" if diff.strip() else ""
        for name, diff in (result.get("diffs") or {}).items()
    ]
    parts = [
        heading(f"Compare: A {code(a.get('label'))} vs B {code(b.get('label'))}", ok=same),
        counts + ".",
        "" if same else table(["", "component", "A last changed", "B last changed"], rows),
        *diffs,
    ]
    step = result.get("step")
    if isinstance(step, Mapping):
        facts = {k: step.get(k) for k in ("env", "org", "from", "to", "testLevel")}
        parts.append(deploy({**step, "plan": facts}))
    elif isinstance(result.get("plan"), Mapping):
        plan = result["plan"]
        target = text(plan.get("env"))
        parts.append(components(f"Would deploy to {target}", plan.get("deploy") or []))
        parts.append(components(f"Would delete in {target}", plan.get("delete") or []))
    if isinstance(result.get("plan"), Mapping):
        plan = result["plan"]
        done = plan.get("done") or []
        killed = f"Deployed to {text(plan.get('env'))} by a killed run's job"
        parts.append(components(killed, done))
    return document(parts)


def failure(command: str, name: str, message: str, data: Mapping[str, Any]) -> str:
    """Any command's failure: the error, the component/test failures, the envs of a walk."""
    first, *rest = message.splitlines() or [""]
    parts = [heading(f"{text(command)} failed: {text(name)}", ok=False), text(first)]
    detail = [line for line in rest if line.strip()]
    if detail:
        parts.append(fence("\n".join(detail)))
    failures = data.get("failures") or []
    if failures:
        parts.append(
            table(
                ["component", "line", "problem"],
                [[code(f.get("component")), f.get("line"), f.get("problem")] for f in failures],
            )
        )
    envs = data.get("envs") or data.get("done") or []
    if envs and isinstance(envs, list):
        parts.append(_walk_table(envs))
    parts.append(merged_by_element(data))
    parts.append(tests(data.get("tests")))
    return document(parts)


def merged_by_element(result: Mapping[str, Any], prefix: str = "") -> str:
    """The merge's entries in conflict (a table: file, entry) and the files `sfsync
    merge-driver` merged by element, from `conflictEntries` and `mergedByElement`."""
    entries = [e for e in result.get("conflictEntries") or [] if isinstance(e, Mapping)]
    parts = []
    if entries:
        rows = [[code(e.get("path")), e.get("text")] for e in entries]
        title = f"**{prefix}Conflicting entries ({len(entries)})**"
        parts.append(f"{title}\n\n" + table(["file", "entry: ours vs theirs"], rows))
    parts.append(
        components(f"{prefix}Merged by element", list(result.get("mergedByElement") or []))
    )
    parts.append(_warnings([f"{prefix}{w}" for w in result.get("mergeWarnings") or []]))
    return "\n\n".join(p for p in parts if p)


# --- internals -------------------------------------------------------------------------------


def _warnings(warnings: object) -> str:
    items = list(warnings) if isinstance(warnings, (list, tuple)) else []
    return "\n".join(f"{WARNING} {text(w)}" for w in dict.fromkeys(map(str, items)))


def _org_changes(result: Mapping[str, Any]) -> str:
    rows = [
        [code(c.get("component")), verb, c.get("lastModifiedByName"), c.get("lastModifiedDate")]
        for verb, key in (("skipped", "skipped"), ("overwritten", "forced"))
        for c in result.get(key, [])
    ]
    if not rows:
        return ""
    return "Changed in the org since the last sync:\n\n" + table(
        ["component", "what sfsync did", "changed by", "when"], rows
    )


def _recorded(result: Mapping[str, Any], *, protected: bool = False) -> str:
    bits = []
    if result.get("snapshot"):
        bits.append(f"backup {code(result['snapshot'])}")
    if result.get("event") and not result.get("checkOnly"):
        undo = f"sfsync rollback --env {result.get('env')} --event {str(result['event'])[:12]}"
        if protected:  # a protected env's rollback needs its name, as the deploy did
            undo += f" --confirm {result.get('env')}"
        # in `code`: shown as it is
        bits.append(f"recorded as {short(result['event'])} (undo: {code(undo)})")
    return "; ".join(bits)


def _walk_table(envs: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            e.get("env"),
            _status_mark(e.get("status")),
            len(e.get("deployed", [])),
            len(e.get("deleted", [])),
            Md(", ".join(code(s["component"]) for s in e.get("skipped", []))),
            (e.get("reason") or "").splitlines()[0] if e.get("reason") else "",
        ]
        for e in envs
    ]
    return table(["env", "status", "deployed", "deleted", "skipped (changed there)", "note"], rows)


def _plan_step(step: Mapping[str, Any]) -> str:
    if step.get("skip"):
        return f"skip: {step['skip']}"
    if step.get("conflicts"):
        return "conflicts in " + ", ".join(step["conflicts"])
    return "up to date" if not step.get("deploy") and not step.get("delete") else "deploy"


def _status_mark(status: object) -> str:
    marks = {"done": OK, "up-to-date": OK, "skipped": "⏭️", "failed": FAILED}
    return f"{marks.get(str(status), '')} {status}".strip()
