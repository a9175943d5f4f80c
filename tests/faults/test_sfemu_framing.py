"""The fault matrix, sfemu's HTTP framing: a body whose length cannot be read is refused
with 400 and the connection closed (RFC 9112, section 6.3), never read on to the end of the
stream past the emulator's 60 MB limit."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sfemu import OrgEmulator

BIG = 70 * 1024 * 1024


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[OrgEmulator]:
    with OrgEmulator(tmp_path / "root", progress_polls=1) as e:
        yield e


def _exchange(emu: OrgEmulator, head: str, body_size: int) -> tuple[bytes, int]:
    """Send `head`, then up to `body_size` bytes while the server reads them; (the answer,
    how many body bytes the server took before it answered)."""
    url = urlsplit(emu.url)
    with socket.create_connection((url.hostname, url.port), timeout=20) as conn:
        conn.sendall(head.encode("ascii"))
        sent = 0
        block = b"x" * (1 << 20)
        conn.setblocking(False)
        answer = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(BlockingIOError):
                answer += conn.recv(65536)
            if answer:
                break
            if sent < body_size:
                try:
                    sent += conn.send(block)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    time.sleep(0.01)
            else:
                conn.shutdown(socket.SHUT_WR)
                time.sleep(0.05)
        return answer, sent


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Content-Length: -1\r\n", id="minus-one"),
        pytest.param("Content-Length: abc\r\n", id="garbage"),
        pytest.param("Content-Length: 5\r\nContent-Length: 6\r\n", id="two-lengths"),
        pytest.param("Transfer-Encoding: chunked\r\n", id="chunk-size-garbage"),
    ],
)
def test_a_body_of_unreadable_length_is_refused_with_400(emu: OrgEmulator, header: str) -> None:
    head = f"POST /services/Soap/m/62.0 HTTP/1.1\r\nHost: x\r\n{header}\r\n"
    if "chunked" in header:
        head += "zz-not-hex\r\n"

    answer, sent = _exchange(emu, head, BIG)

    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert sent < BIG  # answered before the 70 MB were read
