"""A host that answers 429 to requests closer together than it allows: the crawl slows down to its
pace by itself (no delay configured) and gets every page, instead of failing them after retries."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server

PAGES = 30
SPACING = 0.1  # the host wants requests at least this far apart
HTML = {"Content-Type": "text/html; charset=utf-8"}


class StrictHost:
    """Pages /p/0..; a request sooner than SPACING after the last accepted one gets a 429."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = 0.0
        self.refused = 0
        self.served = 0

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/robots.txt":
            return 404, HTML, b""
        with self.lock:
            now = time.monotonic()
            if now - self.last < SPACING:
                self.refused += 1
                return 429, HTML, b"<h1>Too many requests</h1>"
            self.last = now
            self.served += 1
        if request.path == "/":
            links = "".join(f'<a href="/p/{i}">{i}</a>' for i in range(PAGES))
            return 200, HTML, f"<html><body><h1>Home</h1>{links}</body></html>".encode()
        return 200, HTML, f"<html><body><h1>{request.path}</h1></body></html>".encode()


@pytest.fixture
def host() -> Iterator[tuple[StrictHost, LoopbackServer]]:
    site = StrictHost()
    with loopback_server(site.respond) as server:
        yield site, server


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1"
    ) as running:
        yield running


def test_a_crawl_slows_down_to_the_pace_a_host_asks_for(
    stack: Stack, host: tuple[StrictHost, LoopbackServer]
) -> None:
    site, server = host
    job = stack.run(
        {
            "url": f"{server.url}/",
            "schema": {"title": "h1"},
            "crawl": {"max_pages": PAGES + 1, "max_depth": 1},
            "options": {"max_concurrency": 8},
        }
    )
    assert job["status"] == "completed", job
    assert job["result"]["errors"] == 0, job["result"]["failed_pages"]
    assert job["result"]["pages"] == PAGES + 1
    # The first burst is refused; then the crawl keeps to the host's pace (easing back now and
    # then costs a refusal): far fewer 429s than pages.
    assert site.refused < PAGES // 2, site.refused
