"""What the mutating commands share with people: the confirmation, the progress, the chat message.

from sfsync.cli.interact import confirm, deploy_progress
confirm(output, "Deploy 3 components to int?", yes=yes)   # no tty: UsageError; "n": Declined
with deploy_progress(output, "int") as on_progress:        # None when not at a terminal
    result = orgdeploy.deploy_step(..., on_progress=on_progress)
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from sfsync.cli import notify
from sfsync.cli.output import Output, stderr_console
from sfsync.errors import Refused, SfsyncError, UsageError, loggable, redact
from sfsync.org import sf
from sfsync.pipeline.config import NotifyConfig
from sfsync.workflows.merging import MergeReport


def confirm(output: Output, question: str, *, yes: bool) -> None:
    """Ask `question` unless --yes; with no terminal to ask on, refuse (exit 2)."""
    if yes:
        return
    if output.json_mode or not sys.stdin.isatty():
        raise UsageError(
            "refusing to change an org without confirmation: no terminal to ask on; "
            "pass --yes (or look first with --dry-run)"
        )
    if not typer.confirm(question, default=False, err=True):  # Ctrl-C, Ctrl-D: typer.Abort
        raise Declined("answered no: nothing more was done")


class Declined(Refused):
    """The question before changing an org was answered no (exit 1: the answer is "no";
    130 stays for Ctrl-C)."""

    name = "Declined"


@contextmanager
def deploy_progress(output: Output, env: str) -> Iterator[Callable[[sf.Progress], None] | None]:
    """How a deploy shows its progress while `sf` polls it.

    At a terminal: a progress bar per env. Without one (CI logs, a pipe) and without --json:
    one line on stderr per poll, `deploy int: InProgress | 64/91 components (0 errors) | 0/12
    tests`. With --json: nothing (the deploy waits in one `sf` call). Callable from several
    threads at once (parallel sandboxes).
    """
    if output.json_mode:
        yield None
        return
    lock = threading.Lock()
    if not output.progress_enabled():

        def line(progress: sf.Progress) -> None:
            with lock:
                sys.stderr.write(progress.line() + "\n")
                sys.stderr.flush()

        yield line
        return
    columns = (
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}", markup=False),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=output.err, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(progress: sf.Progress) -> None:
            name = progress.env or env
            with lock:
                if name not in tasks:
                    verb = "validating" if progress.check_only else "deploying to"
                    tasks[name] = bar.add_task(f"{verb} {name}", total=None, status="Pending")
                bar.update(
                    tasks[name],
                    completed=progress.done,
                    total=progress.total or None,
                    status=progress.status,
                )

        yield update


class Notifier:
    """The chat message a mutating command sends when it ends (`--notify`, `notify:`).

    `--notify SERVICE` sends one for this run, success or failure; `notify:` in sfsync.yml
    sends for the `events` it lists. The URL comes from the environment variable the config
    names (default SFSYNC_WEBHOOK_URL). A message that could not be sent is a warning on
    stderr and `notification.sent: false` in the JSON, never a failed command.

        notifier = Notifier(output, proj.config.notify, notify_option, "sfsync deploy")
        with notifier.watch():                     # a failure is sent, then re-raised
            result = ...
        result["notification"] = notifier.success(result)
    """

    def __init__(
        self,
        output: Output,
        configured: NotifyConfig | None,
        service: str | None,
        command: str,
    ) -> None:
        if service is not None and service not in notify.SERVICES:
            raise UsageError(f"--notify {service}: use {' or '.join(notify.SERVICES)}")
        self.output = output
        self.command = command
        self.explicit = service is not None
        self.service = service or (configured.service if configured else None)
        self.url_env = configured.url_env if configured else notify.DEFAULT_URL_ENV
        self.events: tuple[str, ...] = (
            notify.EVENTS if self.explicit or not configured else configured.events
        )
        self.sent: dict[str, Any] | None = None

    @contextmanager
    def watch(self) -> Iterator[None]:
        """Send a failure message for an sfsync error raised in the block, then re-raise it."""
        try:
            yield
        except SfsyncError as exc:
            report = self.send(notify.for_failure(self.command, exc.name, exc.message, exc.data))
            if report is not None:
                exc.data = {**exc.data, "notification": report}
            raise

    def success(self, result: dict[str, Any]) -> dict[str, Any] | None:
        """Send the success message for `result`; what happened, for the JSON result."""
        return self.send(notify.for_result(self.command, result))

    def send(self, message: notify.Message) -> dict[str, Any] | None:
        """Send `message` if this run notifies about its event; None when it does not."""
        if self.service is None or message.event not in self.events:
            return None
        url = os.environ.get(self.url_env, "").strip()
        report: dict[str, Any] = {"service": self.service, "event": message.event}
        if not url:
            report.update(sent=False, reason=f"{self.url_env} is not set")
            if self.explicit:
                _warn(f"--notify {self.service}: {self.url_env} is not set, no message sent")
            return report
        link = notify.ci_link()
        problem = notify.send(self.service, url, replace(message, link=message.link or link))
        report.update(sent=problem is None)
        if problem is not None:
            report["reason"] = problem
            _warn(f"the {self.service} notification was not sent: {problem}")
        return report


def _warn(text: str) -> None:
    sys.stderr.write(f"warning: {loggable(redact(text))}\n")
    sys.stderr.flush()


def show_merge(console: Console, merge: MergeReport, indent: str = "") -> None:
    """The files merged by element and the entries in conflict (`sfsync merge-driver`)."""
    if merge.by_element:
        names = ", ".join(merge.by_element)
        console.print(f"{indent}merged by element ({len(merge.by_element)}): {names}", markup=False)
    for conflict in merge.conflicts:
        console.print(f"{indent}  conflict: {conflict['text']}", markup=False)
    for warning in merge.warnings:
        stderr_console().print(f"warning: {warning}", markup=False)
