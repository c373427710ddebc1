"""The test shop on every address of a container: the page container of the container test.

Run inside the Python base image with the repository's tests/ mounted (standard library only):
`python3 -m tests.support.shop_container 8080`.
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.servers import Recorded
from tests.support.sites import ShopSite


def serve(port: int) -> None:
    """Serve the shop on 0.0.0.0:`port` until killed."""
    site = ShopSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = site.respond(Recorded("GET", self.path, dict(self.headers.items()), b""))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
