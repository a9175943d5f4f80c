"""Faults waiting to be injected into an org's next calls, kept in ``faults.json`` in its folder.

Because the queue lives on disk (under the org's lock), a test can arm a fault in its own
process while the server runs in another; the server takes each fault when it fires.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from sfemu.store import OrgStore, write_atomic

KINDS = (
    "component_error",
    "test_failure",
    "drop_connection",
    "stay_in_progress",
    "request_limit",
    "http_500",
    "hostile_zip",
    "no_relevant_tests",
)
MANY = ("component_error", "test_failure")  # all armed ones fire together


@dataclass(frozen=True)
class Fault:
    """One armed fault.

    kind: ``component_error`` (the next deploy fails with ``problem`` on ``component``),
    ``test_failure`` (the next deploy that runs tests fails: test class ``component`` fails
    with ``problem``),
    ``drop_connection`` (close the socket without answering), ``stay_in_progress`` (the next
    deploy reports InProgress for ``polls`` more polls), ``request_limit`` (answer
    REQUEST_LIMIT_EXCEEDED), ``http_500`` (answer an HTTP 500), ``hostile_zip`` (the next
    retrieve's zip holds entries that climb out of their folder, an absolute path and a
    symbolic link: a zip-slip attempt), ``no_relevant_tests`` (the next RunRelevantTests
    deploy runs no test and checks no coverage, as the beta did: ``sfemu.coverage``).
    operation: the SOAP method (``checkDeployStatus``), ``rest`` for REST calls, or ``*``.
    times: how many matching calls it fires on.
    after: how many matching calls go through untouched before it fires (a fault in the
    middle of a run: the third retrieve of a backup).
    """

    kind: str
    operation: str = "*"
    times: int = 1
    component: str = ""
    problem: str = ""
    line: int | None = None
    polls: int = 0
    after: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}: use one of {', '.join(KINDS)}")
        if self.kind == "component_error" and (":" not in self.component or not self.problem):
            raise ValueError("a component_error needs component='Type:Name' and a problem text")
        if self.kind == "test_failure" and not (self.component and self.problem):
            raise ValueError("a test_failure needs component='TestClass' and a problem text")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.after < 0:
            raise ValueError("after must not be negative")

    def matches(self, operation: str) -> bool:
        """True when this fault applies to a call of ``operation``."""
        return self.operation in ("*", operation)


def _path(store: OrgStore) -> str:
    return str(store.folder / "faults.json")


def pending(store: OrgStore) -> list[Fault]:
    """The armed faults of an org, oldest first."""
    try:
        with open(_path(store), encoding="utf-8") as fh:
            return [Fault(**f) for f in json.load(fh)]
    except FileNotFoundError:
        return []


def _save(store: OrgStore, faults: list[Fault]) -> None:
    write_atomic(store.folder / "faults.json", json.dumps([asdict(f) for f in faults]).encode())


def arm(store: OrgStore, fault: Fault) -> None:
    """Queue ``fault`` for the org."""
    with store.locked():
        _save(store, [*pending(store), fault])


def clear(store: OrgStore) -> None:
    """Disarm every fault of the org."""
    with store.locked():
        _save(store, [])


def take(store: OrgStore, kinds: tuple[str, ...], operation: str) -> list[Fault]:
    """Fire the armed faults of ``kinds`` that match ``operation`` (one use each).

    Every armed fault of a kind in MANY fires; of the other kinds, the oldest one of each.
    Callers that can act on one fault only (the HTTP answer) use the first returned.
    """
    if not (store.folder / "faults.json").exists():
        return []
    with store.locked():
        fired: list[Fault] = []
        left: list[Fault] = []
        counted = False
        for f in pending(store):
            first_of_kind = all(g.kind != f.kind for g in fired)
            if f.kind in kinds and f.matches(operation) and (f.kind in MANY or first_of_kind):
                if f.after > 0:  # let this call through, count it
                    left.append(replace(f, after=f.after - 1))
                    counted = True
                    continue
                fired.append(f)
                if f.times > 1:
                    left.append(replace(f, times=f.times - 1))
            else:
                left.append(f)
        if fired or counted:
            _save(store, left)
        return fired
