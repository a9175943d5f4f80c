"""The demo's proofs: each step's claim, checked against the orgs and git."""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from rich.table import Table
from stage import console

from sfsync.errors import plural


@dataclass(frozen=True)
class Proof:
    """One claim: held (True), failed (False) or not shown (None: its command is missing)."""

    step: str
    claim: str
    held: bool | None
    detail: str = ""


class Proofs:
    """Collects proofs as the story goes and prints them at the end."""

    def __init__(self) -> None:
        self.items: list[Proof] = []

    def check(self, step: str, claim: str, held: bool, detail: str = "") -> bool:
        """Record a claim and say at once whether it holds."""
        self.items.append(Proof(step, claim, held, detail))
        mark = "[green]proof holds[/]" if held else "[bold red]PROOF FAILED[/]"
        console.print(f"  {mark}: {escape(claim)}")
        if detail and not held:
            console.print(f"    [dim]{escape(detail)}[/]")
        return held

    def missing(self, step: str, claim: str) -> None:
        """A step that could not be shown because its command does not exist yet."""
        self.items.append(Proof(step, claim, None))

    def report(self) -> int:
        """Print every proof; 1 when one failed, else 0."""
        table = Table(show_header=True)
        for column in ("step", "claim", "result"):
            table.add_column(column)
        for p in self.items:
            if p.held is None:
                result = "[yellow]not shown: command not available[/]"
            else:
                result = "[green]holds[/]" if p.held else "[bold red]FAILED[/]"
            table.add_row(p.step, escape(p.claim), result)
        console.print(table)
        failed = [p for p in self.items if p.held is False]
        missing = [p for p in self.items if p.held is None]
        if failed:
            console.print(f"[bold red]{plural(len(failed), 'proof')} failed[/]")
            return 1
        if missing:
            console.print(
                f"[yellow]{plural(len(missing), 'step')} not shown: their commands are not in "
                "this build yet[/]"
            )
        held = len(self.items) - len(missing)
        console.print(f"[green]{plural(held, 'proof')} {'holds' if held == 1 else 'hold'}[/]")
        return 0
