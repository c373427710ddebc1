"""The browser has no network path of its own: nothing a page does reaches a blocked address.

Dynamic scrapes of pages on an allowed host that fetch, embed, prefetch, open WebSockets (also
from a worker) and open WebRTC connections to a blocked address on loopback; the counting HTTP
server and the counting UDP socket must receive nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backend_fastapi.chromium import find_chromium
from backend_fastapi.scraping.browser import browser_args
from tests.support.guard_sites import (
    HOP_TARGETS,
    REDIRECT_STATUSES,
    guard_site,
    guard_stack,
    respond,
    udp_counter,
)
from tests.support.scrape_stack import Stack
from tests.support.servers import LoopbackServer, Recorded

pytestmark = pytest.mark.browser

TARGETS = [*HOP_TARGETS, "http://[::ffff:127.0.0.1]:{port}/"]


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackServer]:
    with guard_site() as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, site: LoopbackServer) -> Iterator[Stack]:
    with guard_stack(tmp_path_factory.mktemp("guard-browser"), site) as running:
        yield running


def render(stack: Stack, url: str, **options: Any) -> dict[str, Any]:
    return stack.run(
        {
            "url": url,
            "strategy": "dynamic",
            "schema": {"outcome": "#done"},
            "max_attempts": 1,
            "options": {"block_resources": [], "wait_for": "#done", "timeout_s": 30, **options},
        },
        timeout=60,
    )


@pytest.mark.parametrize("template", TARGETS)
def test_no_request_of_a_page_reaches_a_blocked_address(
    stack: Stack, site: LoopbackServer, counter: LoopbackServer, template: str
) -> None:
    target = template.format(port=counter.port)
    job = render(stack, f"{site.url}/reach?to={target}")
    assert job["status"] == "completed", job
    # fetch, WebSocket, a worker's fetch and WebSocket, a service worker: none got through.
    assert job["result"]["data"] == {"outcome": "blocked,blocked,blocked,blocked"}
    assert any(f":{counter.port}/" in url for url in job["result"]["blocked_requests"])
    assert counter.requests == []


@pytest.mark.parametrize("status", REDIRECT_STATUSES)
def test_a_page_redirected_to_a_blocked_address_is_never_loaded(
    stack: Stack, site: LoopbackServer, counter: LoopbackServer, status: int
) -> None:
    target = TARGETS[2].format(port=counter.port)
    job = render(stack, f"{site.url}/go/{status}?to={target}")
    assert (job["status"], job["error"]["code"]) == ("failed", "blocked_address"), job["error"]
    assert counter.requests == []


def test_webrtc_sends_no_datagram_to_a_blocked_address(stack: Stack, site: LoopbackServer) -> None:
    with udp_counter() as udp:
        job = render(stack, f"{site.url}/webrtc?port={udp.port}")
        assert job["status"] == "completed", job
        # The page ran: ICE gathering completed (or the page's own 5 s limit passed).
        assert job["result"]["data"]["outcome"] in ("complete", "timeout")
    assert udp.datagrams == []


async def test_chromium_itself_sends_nothing_even_when_a_request_escapes_interception(
    counter: LoopbackServer,
) -> None:
    """The launch flags alone: every request of the page is let through to Chromium's own network
    (as a request that escaped interception would be), and still nothing arrives anywhere."""
    from playwright.async_api import Route, async_playwright

    with udp_counter() as udp:
        pages = {
            f"{counter.url}/reach": respond(Recorded("GET", f"/reach?to={counter.url}/", {}, b""))[2],
            f"{counter.url}/webrtc": respond(Recorded("GET", f"/webrtc?port={udp.port}", {}, b""))[2],
        }

        async def serve_page_only(route: Route) -> None:
            if route.request.url in pages:
                await route.fulfill(status=200, content_type="text/html", body=pages[route.request.url])
            else:
                await route.continue_()  # to Chromium's own network stack

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=find_chromium(), args=browser_args())
            try:
                page = await browser.new_page()
                await page.route("**/*", serve_page_only)
                outcomes = []
                for url in pages:
                    await page.goto(url)
                    outcomes.append(await page.text_content("#done", timeout=30_000))
            finally:
                await browser.close()
    assert outcomes[0] == "blocked,blocked,blocked,blocked"
    assert outcomes[1] in ("complete", "timeout")
    assert counter.requests == []
    assert udp.datagrams == []
