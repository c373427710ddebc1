"""When a browser page is read: content that arrives late is in the result, `wait_for` decides when
it is given, and what the result does not need is never fetched.

Functional, not timed: each page's content arrives through an event the settle logic must wait
for (a slow response, a timer, a run of DOM changes); the test only asserts what was captured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server

pytestmark = pytest.mark.browser

SLOW_RESPONSE_SECONDS = 0.6
GROWING_ITEMS = 12
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _page(script: str, body: str = '<div id="app">Loading...</div>', head: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><title>Loading...</title>{head}</head><body>{body}"
        f"<script>{script}</script></body></html>"
    ).encode()


# A response that fills the page from `/data/...` once it arrives.
SHOW = "r => r.json()).then(d => { document.getElementById('app').innerHTML = '<h1>' + d.name + '</h1>'; })"
PAGES = {
    # The script fetches its data after load; the server answers 600 ms later.
    "/slow-fetch": _page(f"addEventListener('load', () => fetch('/data/slow').then({SHOW});"),
    # A timer 600 ms after load, then a fetch.
    "/timer-fetch": _page(
        f"addEventListener('load', () => setTimeout(() => fetch('/data/now').then({SHOW}, 600));"
    ),
    # A list that grows by one item every 100 ms (an interval, which no timer rule counts as work).
    "/growing": _page(
        "let n = 0; const list = document.getElementById('app'); const tick = setInterval(() => {"
        " list.insertAdjacentHTML('beforeend', '<li>item ' + (++n) + '</li>');"
        f" if (n === {GROWING_ITEMS}) clearInterval(tick); }}, 100);",
        body='<ul id="app"></ul>',
    ),
    # Content 2 s after load: later than the settle logic waits for by itself.
    "/late-marker": _page(
        "addEventListener('load', () => setTimeout(() => {"
        " document.getElementById('app').innerHTML = '<p id=\"late\">arrived</p>'; }, 2000));"
    ),
    # A stylesheet: fetched only when a screenshot needs the page's look.
    "/styled": _page(
        "document.getElementById('app').textContent = 'styled';",
        head='<link rel="stylesheet" href="/style.css">',
    ),
    # Writes a cookie and local storage, then shows what an earlier job may have left behind.
    "/storage": _page(
        "const seen = [document.cookie, localStorage.getItem('k') || ''].join('|');"
        "document.cookie = 'k=job'; localStorage.setItem('k', 'job');"
        "document.getElementById('app').textContent = 'seen:' + seen;"
    ),
}


def respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
    path = request.path.split("?", 1)[0]
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if path.startswith("/data/"):
        if path == "/data/slow":
            time.sleep(SLOW_RESPONSE_SECONDS)  # the page's data is late: the scrape must wait for it
        return 200, {"Content-Type": "application/json"}, json.dumps({"name": f"data {path[6:]}"}).encode()
    if path == "/style.css":
        return 200, {"Content-Type": "text/css"}, b"h1 { color: blue }"
    if path in PAGES:
        return 200, HTML, PAGES[path]
    return 404, HTML, b"not found"


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackServer]:
    with loopback_server(respond) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, site: LoopbackServer) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("render-settle")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{site.port}",
        WORKER_CONCURRENCY=2,
    ) as running:
        yield running


def scrape(stack: Stack, url: str, schema: dict[str, Any], **options: Any) -> dict[str, Any]:
    job = stack.run(
        {"url": url, "strategy": "dynamic", "schema": schema, "max_attempts": 1, "options": options}
    )
    assert job["status"] == "completed", (job["error"], stack.worker.log()[-2000:])
    return dict(job["result"])


@pytest.mark.parametrize(("path", "name"), [("/slow-fetch", "data slow"), ("/timer-fetch", "data now")])
def test_content_a_script_fetches_late_after_load_is_captured(
    stack: Stack, site: LoopbackServer, path: str, name: str
) -> None:
    result = scrape(stack, f"{site.url}{path}", {"name": "h1"})
    assert result["data"] == {"name": name}


def test_a_page_that_keeps_changing_is_read_once_its_changes_stop(stack: Stack, site: LoopbackServer) -> None:
    result = scrape(stack, f"{site.url}/growing", {"items": {"selector": "li", "many": True}})
    assert result["data"]["items"] == [f"item {n}" for n in range(1, GROWING_ITEMS + 1)]


def test_wait_for_waits_for_its_selector(stack: Stack, site: LoopbackServer) -> None:
    result = scrape(stack, f"{site.url}/late-marker", {"marker": "#late"}, wait_for="#late")
    assert result["data"] == {"marker": "arrived"}


def test_stylesheets_are_fetched_only_for_a_screenshot(stack: Stack, site: LoopbackServer) -> None:
    def stylesheet_requests() -> int:
        return sum(r.path == "/style.css" for r in site.requests)

    before = stylesheet_requests()
    assert scrape(stack, f"{site.url}/styled", {"app": "#app"})["data"] == {"app": "styled"}
    assert stylesheet_requests() == before
    shot = scrape(stack, f"{site.url}/styled", {"app": "#app"}, screenshot=True)
    assert [f["name"] for f in shot["files"]] == ["screenshot.jpg"]
    assert stylesheet_requests() == before + 1


def test_cookies_and_storage_never_pass_from_one_job_to_the_next(stack: Stack, site: LoopbackServer) -> None:
    for _ in range(3):
        assert scrape(stack, f"{site.url}/storage", {"seen": "#app"})["data"] == {"seen": "seen:|"}
