"""`sfsync init`: propose a pipeline from the orgs `sf` knows and the repository's branches,
and write it as a commented, schema-valid `sfsync.yml`.

    orgs = sf.org_list()                                  # sfsync.org.sf: `sf org list --json`
    proposal = init.propose(orgs, gitrepo.branch_names(repo, "origin"))
    proposal = init.from_flags(["prod=main:prod", "int=int:int-sb", "dev1=:dev1-sb"])
    text = init.render(proposal.envs, remote="origin", schema_ref=init.SCHEMA_COPY)
    init.write(repo, text, force=False, schema_copy=True)

The proposal: production is the branch `main` (or `master`) and the one org `sf` knows that is
neither a sandbox nor a scratch org; the branches named like a UAT (`uat`, `staging`, `qa`...)
and an integration env (`int`, `develop`, `dev`...) become the envs between, each on the
sandbox whose alias (or sandbox name, the username's last dot part) matches, or else the one
sandbox whose alias starts or ends with the env's name as a word (`acme-uat`); every other
sandbox becomes a developer sandbox below the lowest branch env. What could not be matched is
said in `notes` and left as a placeholder to edit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sfsync.errors import UsageError
from sfsync.pipeline import files
from sfsync.pipeline.config_validation import MAX_ENV_NAME
from sfsync.pipeline.configfile import CONFIG_FILE, SCHEMA_PATH, secret_key

SCHEMA_COPY = ".sfsync/sfsync.schema.json"
"""Where `sfsync init` puts the schema for editors (the `$schema` line points at it)."""

PROD_BRANCHES = ("main", "master")
# the envs between production and the developers, top first: (canonical names, branch names)
MIDDLE_ENVS = (
    ("uat", ("uat", "staging", "stage", "preprod", "qa")),
    ("int", ("int", "integration", "develop", "dev", "sit")),
)
PROD_ALIASES = ("prod", "production", "prd", "live")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@/+-]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


@dataclass(frozen=True)
class KnownOrg:
    """An org `sf` is logged in to (one entry of `sf org list --json`)."""

    username: str
    alias: str | None = None
    org_id: str = ""
    instance_url: str = ""
    sandbox: bool = False
    scratch: bool = False
    dev_hub: bool = False

    @property
    def ref(self) -> str:
        """What `sfsync.yml` names it by: the alias, else the username."""
        return self.alias or self.username

    @property
    def sandbox_name(self) -> str:
        """The alias, else the sandbox name Salesforce appends to usernames (`a@b.com.uat`)."""
        if self.alias:
            return self.alias
        return self.username.rsplit(".", 1)[-1] if self.sandbox else self.username


@dataclass(frozen=True)
class EnvSpec:
    """One environment of the proposed pipeline."""

    name: str
    org: str
    branch: str | None = None
    upstream: str | None = None
    protected: bool = False

    def to_json(self) -> dict[str, object]:
        """As `--json` shows it."""
        return {
            "name": self.name,
            "org": self.org,
            "branch": self.branch,
            "upstream": self.upstream,
            "protected": self.protected,
        }


@dataclass(frozen=True)
class Proposal:
    """The pipeline to write, top first, and what could not be worked out."""

    envs: tuple[EnvSpec, ...]
    notes: tuple[str, ...] = ()


def propose(orgs: Sequence[KnownOrg], branches: Sequence[str]) -> Proposal:
    """A pipeline from the orgs `sf` knows and the branch names (see the module doc)."""
    notes: list[str] = []
    usable = [o for o in orgs if not o.scratch]
    if len(usable) < len(orgs):
        notes.append("scratch orgs are left out (they come and go; they are not an env)")
    used: set[str] = set()

    prod_branch = next((b for b in PROD_BRANCHES if b in branches), None)
    if prod_branch is None:
        prod_branch = "main"
        notes.append("no branch main or master: prod uses 'main'; create it or edit sfsync.yml")
    productions = [o for o in usable if not o.sandbox]
    named = [o for o in productions if o.ref.lower() in PROD_ALIASES]
    prod_org = (named or productions)[0] if len(named) == 1 or len(productions) == 1 else None
    if prod_org is None:
        what = "several" if productions else "no"
        notes.append(
            f"{what} production orgs logged in: prod's org is left as 'prod' (log in with "
            "`sf org login web --alias prod`, or edit sfsync.yml)"
        )
    else:
        used.add(prod_org.username)
    envs = [EnvSpec("prod", prod_org.ref if prod_org else "prod", prod_branch, None, True)]

    sandboxes = [o for o in usable if o.sandbox]
    for canonical, names in MIDDLE_ENVS:
        branch = next((b for b in names if b in branches), None)
        if branch is None:
            continue
        env = branch if _NAME.match(branch) else canonical
        wanted = {env, branch, *names}
        free = [o for o in sandboxes if o.username not in used]
        match = next((o for o in free if o.sandbox_name.lower() in wanted), None)
        if match is None:
            # a team prefix (`acme-uat`, `uat_acme`): the first or last word, when only one
            # sandbox has it (`ana-dev` and `bob-dev` are developers', not a `dev` branch's)
            by_word = [o for o in free if _edge_words(o.sandbox_name) & {env, branch}]
            match = by_word[0] if len(by_word) == 1 else None
        if match is None:
            notes.append(
                f"no sandbox logged in for {env}: its org is left as '{env}' (log in with "
                f"`sf org login web --alias {env} --instance-url https://test.salesforce.com`)"
            )
        else:
            used.add(match.username)
        envs.append(EnvSpec(env, match.ref if match else env, branch, envs[-1].name))

    lowest = envs[-1].name
    taken = {e.name for e in envs}
    for org in sandboxes:
        if org.username in used or org.dev_hub:
            continue
        name = env_name(org.sandbox_name, taken)
        taken.add(name)
        envs.append(EnvSpec(name, org.ref, None, lowest))
    if len(envs) == 1:
        notes.append("only production was found: add the envs below it with --env")
    return Proposal(tuple(envs), tuple(notes))


def _edge_words(name: str) -> set[str]:
    """The first and last word of an alias (`acme-uat-sb` -> acme, sb; `acme_uat` -> acme,
    uat), lower case."""
    words = [w for w in re.split(r"[-_.\s]+", name.lower()) if w]
    return {words[0], words[-1]} if len(words) > 1 else set()


def env_name(text: str, taken: Iterable[str] = ()) -> str:
    """A valid, unused environment name made from an alias (`Dev 1` -> `Dev-1`): not too
    long, and not sharing its CI secrets' names with a taken one (`dev_1` after `dev-1`)."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-._") or "sandbox"
    if not base[0].isalnum():
        base = f"env-{base}"
    base = re.sub(r"\.{2,}", ".", base)[: MAX_ENV_NAME - 4].rstrip("-._")
    if base.endswith(".lock"):
        base = base[: -len(".lock")]
    keys = {secret_key(t) for t in taken}
    name, index = base, 2
    while secret_key(name) in keys:
        name, index = f"{base}-{index}", index + 1
    return name


def from_flags(flags: Sequence[str]) -> Proposal:
    """The pipeline from `--env NAME=[BRANCH]:ORG[:UPSTREAM]` flags, top first.

    An env with a branch feeds from the branch env before it; a developer sandbox (empty
    BRANCH) from the lowest branch env; `:UPSTREAM` says otherwise. The first is production.
    """
    envs: list[EnvSpec] = []
    for flag in flags:
        name, sep, rest = flag.partition("=")
        parts = rest.split(":")
        if not sep or not name or len(parts) not in (2, 3) or not parts[1]:
            raise UsageError(
                f"--env {flag}: write NAME=BRANCH:ORG (an env with a branch), NAME=:ORG (a "
                "developer sandbox), optionally :UPSTREAM at the end"
            )
        branch = parts[0] or None
        upstream = parts[2] if len(parts) == 3 and parts[2] else None
        if upstream is None and envs:
            branch_envs = [e for e in envs if e.branch is not None]
            upstream = branch_envs[-1].name if branch_envs else envs[-1].name
        envs.append(EnvSpec(name, parts[1], branch, upstream, protected=not envs))
    if not envs:
        raise UsageError("no --env given")
    return Proposal(tuple(envs))


def render(envs: Sequence[EnvSpec], *, remote: str = "origin", schema_ref: str | None) -> str:
    """The commented `sfsync.yml` for `envs` (validated by the caller with the schema)."""
    lines: list[str] = []
    if schema_ref:
        lines.append(f"# yaml-language-server: $schema={schema_ref}")
    lines += [
        "# The pipeline sfsync keeps in sync: production first, each env names its upstream.",
        "# Written by `sfsync init`; check it with `sfsync config validate`.",
        "version: 1",
        f"remote: {_scalar(remote)}{_pad(remote, 25)}# where env branches and refs/sfsync/* live",
        "environments:",
    ]
    branch_envs = [e for e in envs if e.branch is not None]
    sandboxes = [e for e in envs if e.branch is None]
    for index, env in enumerate(branch_envs):
        if index == 0:
            lines.append(
                "  # the env branch's tip is what its org holds; protected: deploys need "
                f"--confirm {env.name}"
            )
        lines.append(f"  {_entry(env)}")
    if sandboxes:
        lines.append(
            "  # developer sandboxes have no branch: each developer runs "
            "`git config sfsync.env <name>` once"
        )
        lines += [f"  {_entry(env)}" for env in sandboxes]
    lines += [
        "hooks:",
        "  block: behind                # behind | overlap (only when your changes touch it)",
        "  max_behind: 0                # block only above this many deployments behind",
        "# A Slack or Teams message from CI; the webhook URL stays in a CI secret:",
        "# notify:",
        "#   service: slack             # slack | teams",
        "#   url_env: SFSYNC_WEBHOOK_URL",
        "#   events: [failure, drift]   # success | failure | drift",
    ]
    return "\n".join(lines) + "\n"


def refuse_existing(root: Path, *, force: bool) -> None:
    """UsageError when `sfsync.yml` exists and `force` was not given."""
    target = root / CONFIG_FILE
    if target.exists() and not force:
        raise UsageError(
            f"{target} already exists: pass --force to replace it (the old one is kept as "
            f"{CONFIG_FILE}.bak), or check it with `sfsync config validate`"
        )


def write(root: Path, text: str, *, force: bool, schema_copy: bool) -> list[Path]:
    """Write `sfsync.yml` (and the schema copy); refuse to replace one without `force`.

    A replaced file is kept as `sfsync.yml.bak` (`.bak.1`, `.bak.2`, ... when an earlier
    backup holds something else: a backup is never overwritten). Returns the files written.
    """
    target = root / CONFIG_FILE
    refuse_existing(root, force=force)
    written = []
    if target.exists():
        old = target.read_bytes()
        backup, n = root / f"{CONFIG_FILE}.bak", 0
        while backup.exists() and backup.read_bytes() != old:
            n += 1
            backup = root / f"{CONFIG_FILE}.bak.{n}"
        if not backup.exists():
            _write_atomic(backup, old)
    _write_atomic(target, text.encode("utf-8"))
    written.append(target)
    if schema_copy:
        copy = root / SCHEMA_COPY
        copy.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(copy, SCHEMA_PATH.read_bytes())
        written.append(copy)
    return written


# --- internals -------------------------------------------------------------------------------


def _entry(env: EnvSpec) -> str:
    fields = [f"org: {_scalar(env.org)}"]
    if env.branch:
        fields.append(f"branch: {_scalar(env.branch)}")
    if env.upstream:
        fields.append(f"upstream: {_scalar(env.upstream)}")
    if env.protected:
        fields.append("protected: true")
    return f"{_scalar(env.name)}: {{{', '.join(fields)}}}"


def _scalar(value: str) -> str:
    """A YAML scalar: plain when that reads back as the same string, else JSON-quoted."""
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS and not _numeric(value):
        return value
    return json.dumps(value)


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _pad(value: str, width: int) -> str:
    return " " * max(1, width - len(value))


def _write_atomic(path: Path, data: bytes) -> None:
    files.replace(path, data)
