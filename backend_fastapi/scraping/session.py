"""What one scrape job fetches with: the guarded client, robots.txt, politeness and the browser."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from backend_fastapi.outbound import GuardedClient, Response
from backend_fastapi.schemas.scrape import ScrapePayload
from backend_fastapi.scraping.errors import RobotsDisallowed
from backend_fastapi.scraping.memory import MemoryUse, wait_for_memory
from backend_fastapi.scraping.page import Document, document_from
from backend_fastapi.scraping.robots import ROBOTS, Rules, agent_token
from backend_fastapi.worker.context import JobContext

if TYPE_CHECKING:
    from backend_fastapi.scraping.render import BrowserSession, Rendered

# A site's Crawl-delay is honoured up to this many seconds between requests.
MAX_CRAWL_DELAY = 10.0
# Pages one job (a crawl) has open in the browser at once: each costs a renderer process.
BROWSER_PAGES_PER_JOB = 2


class HostGate:
    """Per-host politeness: at most `concurrency` requests in flight, `delay` seconds apart."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(concurrency)
        self.delay = delay
        self._next = 0.0
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self.slots:
            if self.delay > 0:
                async with self._lock:
                    wait = self._next - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self._next = time.monotonic() + self.delay
            yield


class ScrapeSession:
    """The fetching side of one job; use as `async with`."""

    def __init__(self, ctx: JobContext[ScrapePayload], request: ScrapePayload) -> None:
        self.ctx = ctx
        self.request = request
        self.options = request.options
        self.client = GuardedClient(
            ctx.settings.SCRAPE_ALLOW_HOSTS,
            user_agent=self.options.user_agent,
            headers=self.options.headers,
            timeout_s=self.options.timeout_s,
            max_bytes=self.options.max_bytes,
            max_redirects=self.options.max_redirects,
            limit=max(16, self.options.max_concurrency * 2),
        )
        self.token = agent_token(self.options.user_agent)
        self._gates: dict[str, HostGate] = {}
        self._render_slots = asyncio.Semaphore(BROWSER_PAGES_PER_JOB)
        # The request's saved session (cookies in the client's jar, the state for the browser).
        self.browser_session: BrowserSession | None = None

    async def __aenter__(self) -> ScrapeSession:
        await self.client.__aenter__()
        if self.request.session:
            from backend_fastapi.scraping.logins import open_session

            try:
                self.browser_session = await open_session(self, self.request.session)
            except BaseException:
                await self.client.__aexit__(None, None, None)
                raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.__aexit__(*exc)

    async def robots(self, url: str) -> Rules | None:
        """Raise RobotsDisallowed when robots.txt forbids `url` (unless respect_robots is off)."""
        if not self.options.respect_robots:
            return None
        rules = await ROBOTS.rules_for(self.client, url, self.token)
        if not rules.allowed(url):
            raise RobotsDisallowed(
                f"robots.txt of {urlsplit(url).netloc} disallows {url} for {self.token!r}; "
                "set options.respect_robots to false only if you may ignore it.",
                details={"url": url},
            )
        return rules

    def gate(self, url: str, rules: Rules | None) -> HostGate:
        """The politeness gate of `url`'s host (Crawl-delay raises the delay and serializes)."""
        host = urlsplit(url).netloc.lower()
        gate = self._gates.get(host)
        if gate is None:
            delay = self.options.delay_ms / 1000
            concurrency = self.options.max_concurrency
            if rules is not None and rules.crawl_delay:
                delay = max(delay, min(rules.crawl_delay, MAX_CRAWL_DELAY))
                concurrency = 1
            gate = self._gates[host] = HostGate(concurrency, delay)
        return gate

    async def fetch(self, url: str) -> tuple[Response, Document]:
        """Static fetch of an allowed URL: the response and its document."""
        rules = await self.robots(url)
        async with self.gate(url, rules).turn():
            response = await self.client.get(url)
        return response, document_from(response)

    async def render(self, url: str, first: Response | None = None, max_clicks: int = 0) -> Rendered:
        """Render `url` in the shared browser, after waiting while memory is above the watermark;
        the crawl's `next_click` is clicked up to `max_clicks` times."""
        # Playwright is imported by the first browser job only: static jobs never pay for it.
        from backend_fastapi.scraping.render import render

        waited = await wait_for_memory(self.ctx.settings.WORKER_MEMORY_HIGH_WATERMARK, self._waiting)
        if waited and self.ctx.progress and self.ctx.progress.get("waiting_for_memory"):
            progress = {
                k: v for k, v in self.ctx.progress.items() if not k.startswith(("waiting_", "memory_"))
            }
            await self.ctx.set_progress(progress, force=True)
        async with self._render_slots:
            return await render(
                self.ctx.settings,
                self.client,
                url,
                self.options,
                first=first,
                actions=self.request.actions,
                formats=self.request.formats,
                next_click=self.request.crawl.next_click if self.request.crawl and max_clicks else None,
                max_clicks=max_clicks,
                session=self.browser_session,
            )

    async def render_page(self, url: str, session: BrowserSession | None) -> Rendered:
        """Render `url` as it is (none of the request's actions or captures), with `session`'s state."""
        from backend_fastapi.scraping.render import render

        await self.robots(url)
        async with self._render_slots:
            return await render(self.ctx.settings, self.client, url, self.options, session=session)

    async def _waiting(self, use: MemoryUse) -> None:
        progress: dict[str, Any] = dict(self.ctx.progress or {})
        progress.update({"waiting_for_memory": True, "memory_used_mb": use.used >> 20})
        await self.ctx.set_progress(progress, force=True)
