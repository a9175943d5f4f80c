"""A webhook receiver on 127.0.0.1 (pytest fixture `receiver`), standing in for Slack/Teams."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SECRET_PATH = "/services/T0001/B0002/s3cr3tT0kenValue"


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records each POST, answers `status`/`answer`."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    answer: str = "ok"

    def bodies(self) -> list[Any]:
        return [r["json"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            rec = state["r"]
            rec.requests.append(
                {
                    "path": self.path,
                    "contentType": self.headers.get("Content-Type"),
                    "json": json.loads(body),
                }
            )
            data = rec.answer.encode()
            self.send_response(rec.status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["r"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
