"""What one scrape job fetches with: the guarded client, robots.txt, politeness and the browser."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from backend_fastapi.errors import JobError
from backend_fastapi.outbound import GuardedClient, Response, retry_after_seconds
from backend_fastapi.schemas.scrape import ScrapePayload
from backend_fastapi.scraping.errors import RobotsDisallowed
from backend_fastapi.scraping.hostlimits import host_turn
from backend_fastapi.scraping.memory import MemoryUse, wait_for_memory
from backend_fastapi.scraping.page import Document, document_from
from backend_fastapi.scraping.proxies import route_for
from backend_fastapi.scraping.robots import ROBOTS, Rules, agent_token
from backend_fastapi.worker.context import JobContext

if TYPE_CHECKING:
    from backend_fastapi.scraping.render import BrowserSession, Rendered

# A site's Crawl-delay is honoured up to this many seconds between requests.
MAX_CRAWL_DELAY = 10.0
# Pages one job (a crawl) has open in the browser at once: each costs a renderer process.
BROWSER_PAGES_PER_JOB = 2
# How a host's gate slows down when the host asks (429, 503, network failures) and eases back.
THROTTLE_MIN_DELAY = 0.25
THROTTLE_MAX_DELAY = 30.0
THROTTLE_EASE = 10
# Latency counts as rising above this many times the host's fastest answer (and this many seconds).
LATENCY_RISE = 3.0
LATENCY_FLOOR = 0.5


class HostGate:
    """Per-host politeness: at most `concurrency` requests in flight, at least `delay` seconds
    between their starts, and slower when the host asks for it (like Scrapy's AutoThrottle): a 429
    or 503 doubles the delay (to THROTTLE_MAX_DELAY at most, and honours `Retry-After` for the whole
    host), latency rising well above the host's usual makes the requests start `latency /
    concurrency` apart, and answers at ease bring the delay back down to the configured one."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(concurrency)
        self.concurrency = concurrency
        self.base_delay = delay
        self.delay = delay
        self.throttled = 0  # times the host asked us to slow down
        self._usual: float | None = None  # the fastest answer seen: the host at ease
        self._latency: float | None = None  # moving average of recent answers
        self._next = 0.0
        self._raised = -THROTTLE_MAX_DELAY  # when the delay was last raised
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self.slots:
            if self.delay > 0 or self._next > time.monotonic():
                async with self._lock:
                    wait = self._next - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self._next = time.monotonic() + self.delay
            yield

    def observe(self, status: int | None, seconds: float, retry_after: float | None = None) -> None:
        """Learn from one answer (`status` None: the request failed on the network)."""
        now = time.monotonic()
        if status in (429, 503) or status is None:
            self.throttled += 1
            # Once per round: the answers to requests sent together at the old pace count once.
            if now - self._raised >= self.delay:
                self._raised = now
                self.delay = min(max(self.delay * 2, THROTTLE_MIN_DELAY), THROTTLE_MAX_DELAY)
            if retry_after:
                self._next = max(self._next, now + min(retry_after, THROTTLE_MAX_DELAY))
            return
        self._usual = seconds if self._usual is None else min(self._usual, seconds)
        self._latency = seconds if self._latency is None else 0.8 * self._latency + 0.2 * seconds
        if self._latency > max(LATENCY_RISE * self._usual, LATENCY_FLOOR) and status < 500:
            self.delay = min(max(self.delay, self._latency / self.concurrency), THROTTLE_MAX_DELAY)
        elif status < 400 and self.delay > self.base_delay:
            # Eased off slowly: one good answer in THROTTLE_EASE steps of the way back.
            self.delay = max(self.base_delay, self.delay * (1 - 1 / THROTTLE_EASE))
            if self.delay < THROTTLE_MIN_DELAY / 4:
                self.delay = self.base_delay


class ScrapeSession:
    """The fetching side of one job; use as `async with`."""

    def __init__(self, ctx: JobContext[ScrapePayload], request: ScrapePayload) -> None:
        self.ctx = ctx
        self.request = request
        self.options = request.options
        # Static requests and the browser's (fetched by this same client) go through these proxies.
        self.proxies = route_for(ctx, self.options)
        self.client = GuardedClient(
            ctx.settings.SCRAPE_ALLOW_HOSTS,
            user_agent=self.options.user_agent,
            headers=self.options.headers,
            timeout_s=self.options.timeout_s,
            max_bytes=self.options.max_bytes,
            max_redirects=self.options.max_redirects,
            limit=max(16, self.options.max_concurrency * 2),
            proxies=self.proxies,
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

    async def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> tuple[Response, Document]:
        """Static fetch of an allowed URL: the response and its document. With conditional
        `headers` (If-None-Match, If-Modified-Since), a 304 comes back with an empty document."""
        rules = await self.robots(url)
        gate = self.gate(url, rules)
        async with gate.turn(), self.host_turn(url):
            started = time.monotonic()
            try:
                response = await self.client.get(url, headers=headers)
            except JobError as exc:
                if exc.retryable:
                    gate.observe(None, time.monotonic() - started, exc.retry_after)
                raise
        gate.observe(
            response.status,
            time.monotonic() - started,
            retry_after_seconds(response.headers.get("Retry-After"))
            if response.status in (429, 503)
            else None,
        )
        if response.status == 304 and headers:
            return response, Document(response.url, 304, response.content_type)
        return response, document_from(response)

    def host_turn(self, url: str) -> AbstractAsyncContextManager[None]:
        """A request's turn under the installation-wide per-host limits (static and browser)."""
        return host_turn(self.ctx.db, self.ctx.settings, url, self.options.timeout_s)

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
                turn=self.host_turn,
            )

    async def render_page(self, url: str, session: BrowserSession | None) -> Rendered:
        """Render `url` as it is (none of the request's actions or captures), with `session`'s state."""
        from backend_fastapi.scraping.render import render

        await self.robots(url)
        async with self._render_slots:
            return await render(
                self.ctx.settings, self.client, url, self.options, session=session, turn=self.host_turn
            )

    async def _waiting(self, use: MemoryUse) -> None:
        progress: dict[str, Any] = dict(self.ctx.progress or {})
        progress.update({"waiting_for_memory": True, "memory_used_mb": use.used >> 20})
        await self.ctx.set_progress(progress, force=True)
