"""Rendering a page in the shared Chromium with every request of the page guarded.

The page never touches the network itself: each request it makes is intercepted and fetched by
the job's guarded client (address guard on every hop, size limit, cookies), then handed to the
page; blocked resource types and blocked addresses are aborted, WebSockets are closed, service
workers are off. Chromium has no network path of its own (see browser.GUARD_FLAGS): its resolver
resolves nothing, anything not intercepted goes to a proxy that does not exist, and WebRTC may
not send UDP.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Route, WebSocketRoute

from backend_fastapi.errors import BlockedAddress, JobError
from backend_fastapi.outbound import FetchTimeout, GuardedClient, Response
from backend_fastapi.schemas.scrape import ScrapeOptionsIn
from backend_fastapi.scraping.browser import POOL
from backend_fastapi.scraping.errors import BrowserError
from backend_fastapi.settings import Settings

log = logging.getLogger(__name__)
# Headers the browser sends that the client sets itself (or that would confuse it).
_DROP_REQUEST = frozenset({"host", "content-length", "connection", "accept-encoding", "cookie", "upgrade"})
# The body handed to the page is already decoded and complete.
_DROP_RESPONSE = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})
MAX_REQUESTS_PER_PAGE = 1000
# After the load event, scripts usually fetch their data: wait for this long a quiet network.
QUIET_SECONDS = 0.25
MAX_SETTLE_SECONDS = 5.0


@dataclass
class Rendered:
    """A page as the browser left it."""

    url: str
    html: str
    screenshot: str | None = None
    blocked: list[str] = field(default_factory=list)
    requests: int = 0


class _PageGuard:
    """The route handler of one job's context."""

    def __init__(self, client: GuardedClient, block: set[str], first: Response | None) -> None:
        self.client = client
        self.block = block
        self.first = first
        self.blocked: list[str] = []
        self.requests = 0
        self.in_flight = 0
        self.last_done = time.monotonic()

    async def settle(self, limit: float) -> None:
        """Wait until the page has made no request for QUIET_SECONDS (at most `limit` seconds), so
        content that scripts fetch after the load event is in the DOM."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if not self.in_flight and time.monotonic() - self.last_done >= QUIET_SECONDS:
                return
            await asyncio.sleep(0.05)

    async def handle(self, route: Route) -> None:
        self.in_flight += 1
        try:
            await self._handle(route)
        finally:
            self.in_flight -= 1
            self.last_done = time.monotonic()

    async def _handle(self, route: Route) -> None:
        request = route.request
        self.requests += 1
        if request.resource_type in self.block or self.requests > MAX_REQUESTS_PER_PAGE:
            await route.abort("blockedbyclient")
            return
        first = self.first
        if first is not None and request.is_navigation_request() and request.url == first.url:
            self.first = None  # served once: a reload fetches again
            await route.fulfill(status=first.status, headers=_response_headers(first), body=first.body)
            return
        headers = {k: v for k, v in (await request.all_headers()).items() if k.lower() not in _DROP_REQUEST}
        try:
            response = await self.client.get(
                request.url, method=request.method, headers=headers, body=request.post_data_buffer
            )
        except BlockedAddress:
            self.blocked.append(request.url)
            log.info("scrape.page_request_blocked", extra={"url": request.url})
            await route.abort("addressunreachable")
            return
        except JobError:
            await route.abort("failed")
            return
        await route.fulfill(status=response.status, headers=_response_headers(response), body=response.body)


def _response_headers(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower() not in _DROP_RESPONSE}


async def _close_socket(ws: WebSocketRoute) -> None:
    await ws.close(code=1008, reason="WebSockets are not allowed for scraped pages")


async def render(
    settings: Settings,
    client: GuardedClient,
    url: str,
    options: ScrapeOptionsIn,
    *,
    first: Response | None = None,
) -> Rendered:
    """Load `url` in a fresh context of the shared browser and return the rendered HTML."""
    guard = _PageGuard(client, set(options.block_resources), first)
    context_options: dict[str, Any] = {
        "user_agent": options.user_agent,
        "service_workers": "block",
        "accept_downloads": False,
        "viewport": {"width": 1280, "height": 900},
    }
    if options.headers:
        context_options["extra_http_headers"] = options.headers
    timeout_ms = options.timeout_s * 1000
    async with POOL.context(settings, **context_options) as context:
        try:
            await context.route("**/*", guard.handle)
            await context.route_web_socket("**/*", _close_socket)
            context.set_default_timeout(timeout_ms)
            page = await context.new_page()
            POOL.count_page()
            await page.goto(url, wait_until=options.wait_until, timeout=timeout_ms)
            if options.wait_until in ("load", "domcontentloaded"):
                await guard.settle(min(MAX_SETTLE_SECONDS, options.timeout_s))
            if options.wait_for:
                await page.wait_for_selector(_playwright_selector(options.wait_for), timeout=timeout_ms)
            html = await page.content()
            shot = None
            if options.screenshot:
                image = await page.screenshot(type="jpeg", quality=70, timeout=timeout_ms)
                shot = "data:image/jpeg;base64," + base64.b64encode(image).decode()
            return Rendered(page.url, html, shot, guard.blocked, guard.requests)
        except PlaywrightError as exc:
            if "Timeout" in type(exc).__name__ or "Timeout" in exc.message.split("\n", 1)[0]:
                raise FetchTimeout(
                    f"The browser did not finish {url} within {options.timeout_s:g} s."
                ) from exc
            raise BrowserError(f"The browser failed on {url}: {exc.message.splitlines()[0]}") from exc
        except asyncio.CancelledError:
            log.info("scrape.render_cancelled", extra={"url": url})
            raise


def _playwright_selector(text: str) -> str:
    from backend_fastapi.extraction.spec import parse_selector

    spec = parse_selector(text)
    return f"xpath={spec['xpath']}" if "xpath" in spec else f"css={spec['selector']}"
