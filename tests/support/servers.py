"""Loopback HTTP servers started by tests (pages to scrape, webhook receivers)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[["Recorded"], tuple[int, dict[str, str], bytes]]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LoopbackServer:
    url: str
    port: int
    requests: list[Recorded] = field(default_factory=list)


@contextmanager
def loopback_server(respond: Responder, host: str = "127.0.0.1") -> Iterator[LoopbackServer]:
    """A threaded HTTP server on `host` (a loopback address) that records every request and
    answers via `respond`."""
    state: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            recorded = Recorded(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
            state["server"].requests.append(recorded)
            status, headers, body = respond(recorded)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_HEAD = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer((host, 0), Handler)
    port = httpd.server_address[1]
    server = LoopbackServer(url=f"http://{host}:{port}", port=port)
    state["server"] = server
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
