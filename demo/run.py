"""`make demo`: a narrated back-promotion scenario with the real sfsync and sf on local orgs.

Starts sfemu (prod, uat, int, dev1, dev2) on 127.0.0.1, logs the pinned `sf` in under a HOME
inside `.sfsync-demo/`, builds a sample project with a git history and a bare remote, deploys
the baseline everywhere, then tells the story with real commands, showing each one and its
output. It ends with what every org holds and a list of proofs; it exits 1 when a proof fails,
2 when the demo itself could not run.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import sample
from orgs import Orgs
from proofs import Proofs
from rich.panel import Panel
from rich.rule import Rule
from stage import NODE_BIN, WORKSPACE, Stage, StageError, console, has_command, write_files

ORGS = ("prod", "uat:sandbox", "int:sandbox", "dev1:sandbox", "dev2:sandbox")
PEOPLE = {
    "release": ("Riley Release", "riley@acme.example"),
    "dev1": ("Dana Dev1", "dana@acme.example"),
    "dev2": ("Sam Dev2", "sam@acme.example"),
}
HOTFIX_SUBJECT = "Hotfix PROD-3: AccountService handles accounts without a name"
STORY2_SUBJECT = "INV-12: invoice due dates (dev2)"
STORY1_SUBJECT = "ACC-7: account tiers (dev1)"


STARTED = time.monotonic()


def chapter(title: str, text: str = "") -> None:
    """A heading for one step of the story, with the time since the demo started."""
    console.print()
    elapsed = int(time.monotonic() - STARTED)
    console.print(
        Rule(f"[bold]{title}[/] [dim]{elapsed // 60}:{elapsed % 60:02d}[/]", align="left")
    )
    if text:
        console.print(f"[italic]{text}[/]")


def not_available(command: str, step: str) -> None:
    """Say plainly that a step cannot be shown because its command is missing."""
    console.print(
        Panel(
            f"`sfsync {command}` is not part of this build of sfsync yet, so this step "
            f"({step}) is NOT shown. Nothing was simulated in its place.",
            title="not available",
            border_style="yellow",
        )
    )


class Demo:
    """The story, step by step."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.ws = stage.ws
        self.proofs = Proofs()
        self.remote = self.ws / "remote.git"
        self.release = self.ws / "release"
        self.dev1 = self.ws / "dev1"
        self.dev2 = self.ws / "dev2"
        self.orgs: Orgs | None = None
        self.commands = has_command
        self.recorded: set[str] = set()

    # ----- set-up ---------------------------------------------------------------------------

    def setup(self) -> None:
        chapter(
            "1. Five orgs on this machine",
            "sfemu emulates prod, uat, int and two developer sandboxes on 127.0.0.1; "
            "the pinned sf CLI logs in to each (its HOME is inside .sfsync-demo/).",
        )
        if not (NODE_BIN / "sf").exists():
            raise StageError("the pinned sf CLI is missing: run `make setup` first")
        self.stage.reset()
        url = self.stage.start_emulator(ORGS)
        self.orgs = Orgs(self.stage, url)
        self.orgs.login_all([o.split(":")[0] for o in ORGS])

        chapter(
            "2. A Salesforce project with a git history",
            "4 Apex classes, an LWC and a custom object with fields; env branches main (prod), "
            "uat and int on a bare remote.",
        )
        st = self.stage
        st.git("release", self.ws, "init", "-q", "--bare", "-b", "main", str(self.remote))
        st.git("release", self.ws, "clone", "-q", str(self.remote), str(self.release))
        self._identity(self.release, "release")
        write_files(self.release, sample.baseline())
        st.git("release", self.release, "add", "-A")
        st.git("release", self.release, "commit", "-q", "-m", "Acme CRM as in production")
        st.git("release", self.release, "branch", "uat")
        st.git("release", self.release, "branch", "int")
        st.run("release", self.release, ["git", "push", "-q", "origin", "main", "uat", "int"])
        st.run("release", self.release, ["git", "log", "--oneline", "--graph", "--all"])

        chapter("3. The baseline in every org", "Every org starts with what production holds.")
        self.orgs.deploy_baseline(self.release, [o.split(":")[0] for o in ORGS])
        for dev in ("dev1", "dev2"):
            self._developer_clone(dev)
        st.run(
            "release",
            self.release,
            ["sfsync", "mark-synced", "--env", "dev1", "--push"],
        )
        st.run("release", self.release, ["sfsync", "mark-synced", "--env", "dev2", "--push"])
        st.run("dev1", self.dev1, ["sfsync", "install-hooks"])
        for repo in (self.dev1, self.dev2):
            st.git("dev", repo, "fetch", "-q", "origin", "refs/sfsync/*:refs/sfsync/*")

    def _identity(self, repo: Path, who: str) -> None:
        name, email = PEOPLE[who]
        self.stage.git(who, repo, "config", "user.name", name)
        self.stage.git(who, repo, "config", "user.email", email)

    def _developer_clone(self, dev: str) -> None:
        repo = self.ws / dev
        st = self.stage
        st.git(dev, self.ws, "clone", "-q", str(self.remote), str(repo))
        self._identity(repo, dev)
        st.git(dev, repo, "config", "sfsync.env", dev)
        st.git(dev, repo, "checkout", "-q", "-b", f"story/{dev}", "origin/int")

    # ----- landing upstream -------------------------------------------------------------------

    def land(self, env: str, previous: str) -> None:
        """Deploy what an env branch received to its org: `sfsync deploy` when present."""
        assert self.orgs is not None
        st = self.stage
        if self.commands("deploy"):
            argv = ["sfsync", "deploy", "--env", env, "--yes"]
            if env == "prod":
                argv += ["--confirm", "prod"]
            if env not in self.recorded:
                console.print(
                    f"[italic]First sfsync deploy to {env}: --baseline names the commit its "
                    "org holds today.[/]"
                )
                argv += ["--baseline", previous[:12]]
                self.recorded.add(env)
            st.run("release", self.release, argv)
            return
        console.print(
            "[yellow]`sfsync deploy` is not in this build yet: the release manager deploys "
            "the delta with `sfsync delta` and `sf` instead.[/]"
        )
        branch = "main" if env == "prod" else env
        self.orgs.deploy_delta(self.release, env, previous, branch)

    def dev2_story_lands(self) -> None:
        chapter(
            "4. dev2's story lands in int",
            "Sam (dev2) builds INV-12 in their sandbox and commits it; the release manager "
            "merges it into int and deploys it.",
        )
        assert self.orgs is not None
        st = self.stage
        write_files(self.dev2, sample.dev2_story())
        st.git("dev2", self.dev2, "add", "-A")
        st.run("dev2", self.dev2, ["git", "commit", "-q", "-m", STORY2_SUBJECT])
        self.orgs.deploy_paths(self.dev2, "dev2", sorted(sample.dev2_story()))
        st.run("dev2", self.dev2, ["git", "push", "-q", "origin", "story/dev2"])
        st.git("release", self.release, "fetch", "-q", "origin")
        st.git("release", self.release, "checkout", "-q", "int")
        before = st.git("release", self.release, "rev-parse", "HEAD").strip()
        st.run(
            "release",
            self.release,
            ["git", "merge", "-q", "--no-ff", "origin/story/dev2", "-m", STORY2_SUBJECT],
        )
        st.run("release", self.release, ["git", "push", "-q", "origin", "int"])
        self.land("int", before)

    def hotfix_lands(self) -> None:
        chapter(
            "5. A production hotfix",
            "AccountService fails on an account without a name: fixed on a hotfix branch, "
            "merged into main (prod) and into int.",
        )
        st = self.stage
        st.git("release", self.release, "checkout", "-q", "main")
        st.git("release", self.release, "checkout", "-q", "-b", "hotfix/prod-3")
        write_files(self.release, sample.hotfix())
        st.git("release", self.release, "commit", "-q", "-am", "Null-safe displayName")
        for branch, env in (("main", "prod"), ("int", "int")):
            st.git("release", self.release, "checkout", "-q", branch)
            before = st.git("release", self.release, "rev-parse", "HEAD").strip()
            st.run(
                "release",
                self.release,
                ["git", "merge", "-q", "--no-ff", "hotfix/prod-3", "-m", HOTFIX_SUBJECT],
            )
            st.run("release", self.release, ["git", "push", "-q", "origin", branch])
            self.land(env, before)

    # ----- dev1 -------------------------------------------------------------------------------

    def hook_refuses(self) -> None:
        chapter(
            "6. The hook stops dev1",
            "Dana (dev1) has built ACC-7 and commits it: sfsync's pre-commit hook refuses, "
            "because int received 2 deployments that dev1's sandbox does not have.",
        )
        st = self.stage
        write_files(self.dev1, sample.dev1_story())
        st.git("dev1", self.dev1, "add", "-A")
        st.run("dev1", self.dev1, ["git", "fetch", "-q", "origin"])
        ran = st.run("dev1", self.dev1, ["git", "commit", "-m", STORY1_SUBJECT], expect=None)
        self.proofs.check(
            "hook",
            "the hook refused dev1's commit (exit 1)",
            ran.code == 1 and "2 deployments behind int" in ran.output,
        )
        self.proofs.check(
            "hook",
            "it named both deployments: dev2's story and the hotfix",
            STORY2_SUBJECT in ran.output and HOTFIX_SUBJECT in ran.output,
        )

        chapter("7. The org-compare matrix", "What everyone is behind, from git alone.")
        ran = st.run("dev1", self.dev1, ["sfsync", "status"])
        self.proofs.check("status", "sfsync status lists every env", "dev2" in ran.output)

    def pull_upstream(self) -> None:
        chapter(
            "8. dev1 pulls upstream, but has unretrieved work in the sandbox",
            "Dana changed AccountService in the dev1 sandbox through Setup and never "
            "retrieved it; the hotfix changes the same class.",
        )
        assert self.orgs is not None
        st = self.stage
        dev1 = self.orgs.handle("dev1")
        dev1.put(
            "classes/AccountService.cls", sample.account_service_sandbox_edit(), by="Dana Dev1"
        )
        console.print(
            "[dim](emulator back door: Dana edits classes/AccountService.cls in dev1 "
            "as an admin in Setup would)[/]"
        )
        if not self.commands("pull-upstream"):
            not_available("pull-upstream", "dev1 pulls the upstream changes")
            self.proofs.missing("pull-upstream", "pull-upstream refuses, then --exclude")
            return
        console.print(
            "[italic]pull-upstream merges into the checked-out branch, so Dana first sets her "
            "uncommitted ACC-7 files aside.[/]"
        )
        st.run("dev1", self.dev1, ["git", "stash", "-q"])
        before = self.orgs.fingerprint("dev1")
        ran = st.run("dev1", self.dev1, ["sfsync", "pull-upstream", "--yes"], expect=None)
        self.proofs.check(
            "pull-upstream",
            "pull-upstream refused (exit 1) and named ApexClass:AccountService",
            ran.code == 1 and "AccountService" in ran.output,
        )
        self.proofs.check(
            "pull-upstream",
            "the dev1 org is unchanged by the refused pull",
            self.orgs.fingerprint("dev1") == before,
        )
        n_deploys = len(dev1.deployments())
        st.run(
            "dev1",
            self.dev1,
            ["sfsync", "pull-upstream", "--exclude", "ApexClass:AccountService", "--yes"],
        )
        self.proofs.check(
            "pull-upstream",
            "dev1 now holds dev2's story (InvoiceService inv-12, DueDate__c, accountCard)",
            self.orgs.version("dev1", "classes/InvoiceService.cls") == "inv-12"
            and self.orgs.has_field("dev1", "Invoice__c", "DueDate__c")
            and self.orgs.version("dev1", "lwc/accountCard/accountCard.js") == "inv-12",
        )
        self.proofs.check(
            "pull-upstream",
            "dev1's unretrieved AccountService edit was not overwritten",
            self.orgs.version("dev1", "classes/AccountService.cls") == "dev1-sandbox-edit",
        )
        new = dev1.deployments()[n_deploys:]
        deployed = sorted({c for d in new for c in d.get("deployed", [])})
        expected = sorted(sample.STORY2_COMPONENTS)
        self.proofs.check(
            "pull-upstream",
            f"the deployment record lists exactly the net difference ({len(expected)} "
            "components, AccountService excluded)",
            deployed == expected,
            detail=", ".join(deployed),
        )
        st.run("dev1", self.dev1, ["git", "stash", "pop", "-q"])
        ran = st.run("dev1", self.dev1, ["git", "commit", "-m", STORY1_SUBJECT], expect=None)
        self.proofs.check(
            "pull-upstream",
            "the excluded hotfix still counts as behind: the hook names only it",
            ran.code == 1 and "1 deployment behind int" in ran.output,
        )
        console.print(
            "[italic]Dana keeps her sandbox edit of AccountService for now, so she bypasses "
            "the hook for this commit and its push.[/]"
        )
        bypass = {"SKIP": "sfsync-behind"}
        st.run(
            "dev1",
            self.dev1,
            ["git", "commit", "-q", "-m", STORY1_SUBJECT],
            env=bypass,
            shown_env=bypass,
        )
        st.run(
            "dev1",
            self.dev1,
            ["git", "push", "-q", "origin", "story/dev1"],
            env=bypass,
            shown_env=bypass,
        )

    # ----- release manager -----------------------------------------------------------------

    def back_promote(self) -> None:
        chapter(
            "9. Back-promote from prod",
            "The release manager walks the pipeline down from prod: uat and int get what "
            "prod has, then every developer sandbox gets what it lacks, skipping components "
            "a developer changed.",
        )
        if not self.commands("back-promote"):
            not_available("back-promote", "back-promote --from prod --sandboxes")
            self.proofs.missing("back-promote", "back-promote --from prod --sandboxes")
            return
        assert self.orgs is not None
        st = self.stage
        st.git("release", self.release, "checkout", "-q", "main")
        self.orgs.handle("dev2").put(
            "classes/InvoiceService.cls", sample.invoice_service_sandbox_edit(), by="Sam Dev2"
        )
        console.print(
            "[dim](emulator back door: Sam goes on with InvoiceService in the dev2 sandbox, "
            "in the Developer Console, not yet retrieved)[/]"
        )
        ran = st.run(
            "release",
            self.release,
            ["sfsync", "back-promote", "--from", "prod", "--sandboxes", "--yes"],
        )
        o = self.orgs
        self.proofs.check("back-promote", "uat holds the hotfix", o.version("uat", AS) == "hotfix")
        self.proofs.check(
            "back-promote", "dev2 holds the hotfix", o.version("dev2", AS) == "hotfix"
        )
        self.proofs.check(
            "back-promote",
            "dev2 still holds its own story (DueDate__c, accountCard)",
            o.has_field("dev2", "Invoice__c", "DueDate__c")
            and o.version("dev2", "lwc/accountCard/accountCard.js") == "inv-12",
        )
        self.proofs.check(
            "back-promote",
            "dev2's unretrieved InvoiceService edit was skipped and reported",
            o.version("dev2", "classes/InvoiceService.cls") == "dev2-sandbox-edit"
            and "InvoiceService" in ran.output.split("skipped", 1)[-1]
            and "skipped" in ran.output,
        )
        self.proofs.check(
            "back-promote",
            "dev1's unretrieved AccountService edit is still there",
            o.version("dev1", AS) == "dev1-sandbox-edit",
        )

    def failed_deploy_and_rollback(self) -> None:
        chapter(
            "10. dev1's story goes to int, and the deploy fails",
            "A compile error in int (injected by the emulator) fails the deploy: nothing "
            "changes in the org, the branch or sfsync's state.",
        )
        assert self.orgs is not None
        st = self.stage
        if not self.commands("deploy"):
            not_available("deploy", "a failed deploy leaves everything as it was")
            self.proofs.missing("deploy", "a failed deploy leaves everything as it was")
            not_available("rollback", "rollback of int")
            self.proofs.missing("rollback", "rollback of int")
            return
        st.git("release", self.release, "fetch", "-q", "origin")
        st.git("release", self.release, "checkout", "-q", "int")
        st.git("release", self.release, "merge", "-q", "--ff-only", "origin/int")
        st.run(
            "release",
            self.release,
            ["git", "merge", "-q", "--no-ff", "origin/story/dev1", "-m", STORY1_SUBJECT],
        )
        st.run("release", self.release, ["git", "push", "-q", "origin", "int"])
        before_org = self.orgs.fingerprint("int")
        before_state = self._ref(self.release, "refs/sfsync/envs/int:state.json", "show")
        st.run(
            "release",
            self.ws,
            [
                "sfemu",
                "fault",
                "--root",
                "emulator",
                "int",
                "component_error",
                "--component",
                "ApexClass:TierService",
                "--problem",
                "Variable does not exist: Tier__c",
                "--line",
                "3",
            ],
        )
        ran = st.run(
            "release", self.release, ["sfsync", "deploy", "--env", "int", "--yes"], expect=None
        )
        self.proofs.check(
            "deploy",
            "the deploy failed (exit 1) naming TierService",
            ran.code == 1 and "TierService" in ran.output,
        )
        self.proofs.check(
            "deploy",
            "the int org is byte for byte as before",
            self.orgs.fingerprint("int") == before_org,
        )
        self.proofs.check(
            "deploy",
            "the state in refs/sfsync/envs/int did not change (only the deploy's claim on "
            "the remote and its release were recorded)",
            self._ref(self.release, "refs/sfsync/envs/int:state.json", "show") == before_state
            and self._ref(self.release, "refs/sfsync/envs/int", "log", "-2", "--format=%s")
            == "release int\nclaim int",
        )
        console.print(
            "[italic]The injected error fires once; in real life a fix would be committed "
            "first. Here the same deploy is simply run again.[/]"
        )
        st.run("release", self.release, ["sfsync", "deploy", "--env", "int", "--yes"])
        self.proofs.check(
            "deploy",
            "int now holds TierService and Account.Tier__c",
            self.orgs.version("int", "classes/TierService.cls") == "acc-7"
            and self.orgs.has_field("int", "Account", "Tier__c"),
        )

        chapter("11. Roll it back", "The release manager undoes dev1's story in int.")
        if not self.commands("rollback"):
            not_available("rollback", "rollback of int")
            self.proofs.missing("rollback", "rollback of int")
            return
        ran = st.run(
            "release", self.release, ["sfsync", "rollback", "--env", "int", "--yes"], expect=None
        )
        self.proofs.check("rollback", "sfsync rollback succeeded (exit 0)", ran.code == 0)
        self.proofs.check(
            "rollback",
            "the int org holds byte for byte what it held before dev1's story",
            self.orgs.fingerprint("int") == before_org,
        )
        st.run("release", self.release, ["sfsync", "log", "--env", "int", "-n", "5"])

    def _ref(self, repo: Path, ref: str, how: str = "rev-parse", *opts: str) -> str:
        args = ["rev-parse", "-q", "--verify", ref] if how == "rev-parse" else [how, *opts, ref]
        return self.stage.run("release", repo, ["git", *args], expect=None, quiet=True).output

    # ----- the end ------------------------------------------------------------------------------

    def finish(self) -> int:
        assert self.orgs is not None
        chapter("12. What every org holds now")
        self.orgs.contents_table()
        chapter("Proofs")
        return self.proofs.report()


AS = "classes/AccountService.cls"


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns 0 (all proofs hold), 1 (a proof failed) or 2 (could not run)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workspace",
        type=Path,
        default=WORKSPACE,
        help="folder for the orgs, clones and sf HOME (default .sfsync-demo); wiped first "
        "when it is empty or holds only what an earlier demo run wrote, else refused",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _on_sigterm)
    stage = Stage(args.workspace.resolve())
    demo = Demo(stage)
    steps: list[Callable[[], None]] = [
        demo.setup,
        demo.dev2_story_lands,
        demo.hotfix_lands,
        demo.hook_refuses,
        demo.pull_upstream,
        demo.back_promote,
        demo.failed_deploy_and_rollback,
    ]
    try:
        for step in steps:
            step()
        code = demo.finish()
    except StageError as exc:
        console.print(f"[bold red]demo stopped:[/] {exc}")
        code = 2
    except KeyboardInterrupt:
        console.print("[bold red]interrupted[/]")
        code = 130
    finally:
        stage.stop_emulator()
        stage.record()  # what the next run may wipe: exactly what this one left
    console.print(f"[dim]demo took {time.monotonic() - started:.0f} s; the emulator is stopped.[/]")
    return code


if __name__ == "__main__":
    sys.exit(main())
