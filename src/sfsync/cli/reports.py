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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sfsync.errors import plural, redact

LISTED = 20  # components listed before the rest goes into a <details> block
OK, FAILED, WARNING = "✅", "❌", "⚠️"


# --- building blocks ------------------------------------------------------------------------


def cell(value: object) -> str:
    """One table cell: `|` escaped, line breaks as `<br>`, None as an empty cell."""
    if value is None:
        return ""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines()) or ""


def code(value: object) -> str:
    """Inline code that survives backticks in the value."""
    text = str(value)
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


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
    """`title (N)` and the components as a list; past `limit`, inside `<details>`."""
    if not names:
        return ""
    items = "\n".join(f"- {code(n)}" for n in names)
    if len(names) <= limit:
        return f"**{title} ({len(names)})**\n\n{items}"
    return f"<details><summary>{title} ({len(names)})</summary>\n\n{items}\n\n</details>"


def document(parts: Iterable[str]) -> str:
    """The non-empty parts joined by blank lines, secrets redacted, one trailing newline."""
    return redact("\n\n".join(p.strip("\n") for p in parts if p and p.strip())) + "\n"


def short(sha: object) -> str:
    """A commit as `abc1234` (empty for None)."""
    return code(str(sha)[:7]) if sha else ""


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
                f"**{env['name']}**" if env.get("deploymentsBehind") else env["name"],
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
            f"**{env['name']}** is behind {env.get('upstream')}:\n\n"
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
    env = plan.get("env") or result.get("env")
    org = plan.get("org") or result.get("org")
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
            _recorded(result),
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
            [code(p.get("test")), "<br>".join(str(w.get("text")) for w in p.get("why", []))]
            for p in selection.get("selected", [])
        ]
        if picked:
            parts.append(table(["test class", "why"], picked))
        reached = [
            [
                code(t.get("component")),
                t.get("why"),
                ", ".join(t.get("tests", [])) or ("**none**" if t.get("needsCoverage") else "-"),
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
    env = plan.get("env")
    upstream = plan.get("upstream")
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
        parts.append(components("Excluded (stays behind)", list(plan.get("excluded", []))))
        parts.append(_warnings(plan.get("warnings")))
        return document(parts)
    parts.append(
        heading(f"{env} pulled {upstream} (synced to {short(result.get('syncedTo'))})", ok=True)
    )
    parts.append(components("Deployed", list(result.get("deployed", []))))
    parts.append(components("Deleted", list(result.get("deleted", []))))
    parts.append(_org_changes(result))
    parts.append(components("Excluded (stays behind)", list(result.get("excluded", []))))
    if result.get("pushError"):
        parts.append(f"{WARNING} state not pushed: {result['pushError']}")
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
                heading(f"Back-promote from {plan.get('from')}: plan"),
                table(["env", "kind", "from", "plan", "deploy", "delete"], rows),
            ]
        )
    envs: list[Mapping[str, Any]] = list(result.get("envs", []))
    failed = [e for e in envs if e.get("status") == "failed"]
    title = f"Back-promote from {result.get('from')}: " + (
        f"{len(failed)} of {plural(len(envs), 'env')} failed"
        if failed
        else plural(len(envs), "env")
    )
    return document([heading(title, ok=not failed), _walk_table(envs)])


def drift(result: Mapping[str, Any]) -> str:
    """`sfsync drift`: what the org holds that git does not say, with who changed it when."""
    expected = result.get("expected") or {}
    where = f"{result.get('env')} ({code(result.get('org'))})"
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
    counts = ", ".join(f"{len(items)} {label}" for label, items in groups)
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
        f"**{code(name)}**\n\n```diff\n{text.rstrip()}\n```" if text.strip() else ""
        for name, text in (result.get("diffs") or {}).items()
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
        parts.append(components(f"Would deploy to {plan.get('env')}", plan.get("deploy") or []))
        parts.append(components(f"Would delete in {plan.get('env')}", plan.get("delete") or []))
    if isinstance(result.get("plan"), Mapping):
        plan = result["plan"]
        done = plan.get("done") or []
        parts.append(components(f"Deployed to {plan.get('env')} by a killed run's job", done))
    return document(parts)


def failure(command: str, name: str, message: str, data: Mapping[str, Any]) -> str:
    """Any command's failure: the error, the component/test failures, the envs of a walk."""
    first, *rest = message.splitlines() or [""]
    parts = [heading(f"{command} failed: {name}", ok=False), first]
    detail = [line for line in rest if line.strip()]
    if detail:
        parts.append("```\n" + "\n".join(detail) + "\n```")
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
    parts.append(tests(data.get("tests")))
    return document(parts)


# --- internals -------------------------------------------------------------------------------


def _warnings(warnings: object) -> str:
    items = list(warnings) if isinstance(warnings, (list, tuple)) else []
    return "\n".join(f"{WARNING} {w}" for w in dict.fromkeys(map(str, items)))


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


def _recorded(result: Mapping[str, Any]) -> str:
    bits = []
    if result.get("snapshot"):
        bits.append(f"backup {code(result['snapshot'])}")
    if result.get("event") and not result.get("checkOnly"):
        undo = f"sfsync rollback --env {result.get('env')} --event {str(result['event'])[:12]}"
        bits.append(f"recorded as {short(result['event'])} (undo: {code(undo)})")
    return "; ".join(bits)


def _walk_table(envs: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            e.get("env"),
            _status_mark(e.get("status")),
            len(e.get("deployed", [])),
            len(e.get("deleted", [])),
            ", ".join(code(s["component"]) for s in e.get("skipped", [])),
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
