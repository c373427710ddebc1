"""Rendering a page in the shared Chromium with every request of the page guarded.

The page never touches the network itself: each request it makes is intercepted and fetched by
the job's guarded client (address guard on every hop, size limit, cookies), then handed to the
page; blocked resource types and blocked addresses are aborted, WebSockets are closed, service
workers are off. Chromium has no network path of its own (see browser.GUARD_FLAGS): its resolver
resolves nothing, anything not intercepted goes to a proxy that does not exist, and WebRTC may
not send UDP.

The page is read when what matters is there: the `wait_for` selector when given, else once its DOM
and requests are quiet (settle.py). A request's `actions` then run in this same guarded page
(actions.py): they add nothing the page could reach that its own scripts could not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from playwright.async_api import Browser, BrowserContext, Page, Route, WebSocketRoute
from playwright.async_api import Error as PlaywrightError

from backend_fastapi.errors import BlockedAddress, JobError
from backend_fastapi.outbound import FetchTimeout, GuardedClient, Response
from backend_fastapi.schemas.scrape import ScrapeOptionsIn
from backend_fastapi.scraping.actions import ActionReport, ActionRunner, Snapshot
from backend_fastapi.scraping.browser import POOL, finish
from backend_fastapi.scraping.captures import Capture
from backend_fastapi.scraping.errors import BrowserError
from backend_fastapi.scraping.settle import INIT_SCRIPT, read_html, read_settled
from backend_fastapi.settings import Settings

if TYPE_CHECKING:
    from backend_fastapi.schemas.actions import Action

log = logging.getLogger(__name__)
# Headers the browser sends that the client sets itself (or that would confuse it).
_DROP_REQUEST = frozenset({"host", "content-length", "connection", "accept-encoding", "cookie", "upgrade"})
# The body handed to the page is already decoded and complete.
_DROP_RESPONSE = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})
MAX_REQUESTS_PER_PAGE = 1000
# After the load event, scripts usually fetch their data: wait at most this long for them.
MAX_SETTLE_SECONDS = 5.0
SCREENSHOT_NAME = "screenshot.jpg"
PDF_NAME = "page.pdf"


@dataclass
class Rendered:
    """A page as the browser left it."""

    url: str
    html: str
    blocked: list[str] = field(default_factory=list)
    requests: int = 0
    captures: list[Capture] = field(default_factory=list)
    # What each of the request's actions did, and the page as each `scrape` action saw it.
    actions: list[ActionReport] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    # The pages a crawl's `next_click` led to, in order (the first is the page after one click).
    click_pages: list[Snapshot] = field(default_factory=list)


# A request's turn under the installation-wide per-host limits (`hostlimits.host_turn`, bound).
HostTurn = Callable[[str], AbstractAsyncContextManager[None]]


class _PageGuard:
    """The route handler of one job's context."""

    def __init__(
        self, client: GuardedClient, block: set[str], first: Response | None, turn: HostTurn | None = None
    ) -> None:
        self.client = client
        self.block = block
        self.first = first
        self.turn = turn
        self.blocked: list[str] = []
        self.requests = 0
        self.in_flight = 0
        self.last_done = time.monotonic()
        self._idle = asyncio.Event()
        self._idle.set()

    async def idle(self, deadline: float) -> None:
        """Return once no request of the page is in flight, or at `deadline` (monotonic)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + deadline - time.monotonic()):
                await self._idle.wait()

    async def handle(self, route: Route) -> None:
        self.in_flight += 1
        self._idle.clear()
        try:
            await self._handle(route)
        finally:
            self.in_flight -= 1
            self.last_done = time.monotonic()
            if not self.in_flight:
                self._idle.set()

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
        # `headers` is known without asking the driver (`all_headers()` is a round trip); what it
        # leaves out are the cookie headers, which are dropped anyway (the client keeps its own).
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
        try:
            # The page's own requests count against the installation-wide per-host limits too.
            async with self.turn(request.url) if self.turn else contextlib.nullcontext():
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


class _Router:
    """The route handler of a context: until a job takes the context there is no guard, and a
    request then (none is expected: the page is blank) is aborted."""

    def __init__(self) -> None:
        self.guard: _PageGuard | None = None

    async def handle(self, route: Route) -> None:
        if self.guard is None:
            await route.abort("blockedbyclient")
            return
        await self.guard.handle(route)


@dataclass
class _Tab:
    """A context with its guards installed and one blank page."""

    context: BrowserContext
    page: Page
    router: _Router


def _tab_opener(context_options: dict[str, Any]) -> Any:
    async def open_tab(browser: Browser) -> _Tab:
        context = await browser.new_context(**context_options)
        try:
            router = _Router()
            await context.route("**/*", router.handle)
            await context.route_web_socket("**/*", _close_socket)
            await context.add_init_script(INIT_SCRIPT)
            page = await context.new_page()
        except BaseException:
            await finish(_close_quietly(context))
            raise
        return _Tab(context, page, router)

    return open_tab


async def _close_quietly(context: BrowserContext) -> None:
    with contextlib.suppress(PlaywrightError):
        await context.close()


def blocked_types(options: ScrapeOptionsIn, captures: bool = False) -> set[str]:
    """Resource types aborted: `block_resources`, and stylesheets too when images are blocked and no
    capture (screenshot, PDF) is asked (nothing of the page's look reaches the result then)."""
    block: set[str] = set(options.block_resources)
    if "image" in block and not options.screenshot and not captures:
        block.add("stylesheet")
    return block


def _wants_captures(actions: Sequence[Action], formats: Sequence[str]) -> bool:
    return bool({"screenshot", "pdf"} & set(formats)) or any(a.type in ("screenshot", "pdf") for a in actions)


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
    actions: Sequence[Action] = (),
    formats: Sequence[str] = (),
    next_click: str | None = None,
    max_clicks: int = 0,
    session: BrowserSession | None = None,
    turn: HostTurn | None = None,
) -> Rendered:
    """Load `url` in a fresh context of the shared browser, run `actions` on it and return the
    rendered HTML and captures (and the pages `next_click` leads to, up to `max_clicks`); with a
    `session`, the context starts with its storage state; every request the page makes waits for
    its `turn` under the per-host limits."""
    guard = _PageGuard(client, blocked_types(options, _wants_captures(actions, formats)), first, turn)
    context_options = _context_options(options)
    # Jobs with the same context options take a context opened ahead (never used by a job); a
    # session's state is part of them, so only a job of the same session and state gets its spare.
    key: tuple[Any, ...] = (options.user_agent, tuple(sorted(options.headers.items())))
    if session is not None:
        context_options["storage_state"] = session.state
        key += (session.key,)
    timeout_ms = options.timeout_s * 1000
    async with POOL.fresh(settings, key, _tab_opener(context_options)) as tab:
        page = tab.page
        try:
            tab.router.guard = guard
            tab.context.set_default_timeout(timeout_ms)
            POOL.count_page()
            await page.goto(url, wait_until=options.wait_until, timeout=timeout_ms)
            if options.wait_for:
                await page.wait_for_selector(_playwright_selector(options.wait_for), timeout=timeout_ms)
                html = await read_html(page, options.timeout_s)
            elif options.wait_until in ("load", "domcontentloaded"):
                html = await read_settled(page, guard, min(MAX_SETTLE_SECONDS, options.timeout_s))
            else:
                html = await read_html(page, options.timeout_s)
            rendered = Rendered(page.url, html)
            if actions or next_click:
                runner = ActionRunner(
                    page, guard, options.actions_timeout_s, allow_scripts=settings.ALLOW_SCRIPT_ACTIONS
                )
                run = await runner.run_all(list(actions))
                rendered.actions, rendered.snapshots = run.reports, run.snapshots
                rendered.captures = run.captures
                rendered.url, rendered.html = page.url, await read_html(page, options.timeout_s)
                if next_click:
                    rendered.click_pages = await runner.click_through(next_click, max_clicks, timeout_ms)
            if options.screenshot or "screenshot" in formats:
                image = await page.screenshot(type="jpeg", quality=70, timeout=timeout_ms)
                rendered.captures.append(Capture(SCREENSHOT_NAME, "image/jpeg", image))
            if "pdf" in formats:
                rendered.captures.append(Capture(PDF_NAME, "application/pdf", await page.pdf()))
            rendered.blocked, rendered.requests = guard.blocked, guard.requests
            return rendered
        except TimeoutError as exc:
            raise FetchTimeout(f"The browser did not finish {url} within {options.timeout_s:g} s.") from exc
        except PlaywrightError as exc:
            if "Timeout" in type(exc).__name__ or "Timeout" in exc.message.split("\n", 1)[0]:
                raise FetchTimeout(
                    f"The browser did not finish {url} within {options.timeout_s:g} s."
                ) from exc
            raise BrowserError(f"The browser failed on {url}: {exc.message.splitlines()[0]}") from exc
        except asyncio.CancelledError:
            log.info("scrape.render_cancelled", extra={"url": url})
            raise


@dataclass(frozen=True)
class BrowserSession:
    """A session's storage state for a context, and what tells states apart (id and version)."""

    state: dict[str, Any]
    key: tuple[str, int]


def _context_options(options: ScrapeOptionsIn) -> dict[str, Any]:
    context_options: dict[str, Any] = {
        "user_agent": options.user_agent,
        "service_workers": "block",
        "accept_downloads": False,
        "viewport": {"width": 1280, "height": 900},
    }
    if options.headers:
        context_options["extra_http_headers"] = options.headers
    return context_options


async def render_login(
    settings: Settings, client: GuardedClient, url: str, options: ScrapeOptionsIn, actions: Sequence[Action]
) -> dict[str, Any]:
    """Log in: load `url` in a fresh context (no state), run the login's `actions`, and return the
    context's storage state (cookies and localStorage) once the page has settled."""
    guard = _PageGuard(client, blocked_types(options), None)
    timeout_ms = options.timeout_s * 1000
    # Logins are rare: the context opened ahead for the next scrape stays for it.
    opener = _tab_opener(_context_options(options))
    async with POOL.fresh(settings, "login", opener, ahead=False) as tab:
        page = tab.page
        try:
            tab.router.guard = guard
            tab.context.set_default_timeout(timeout_ms)
            POOL.count_page()
            await page.goto(url, wait_until=options.wait_until, timeout=timeout_ms)
            await read_settled(page, guard, min(MAX_SETTLE_SECONDS, options.timeout_s))
            runner = ActionRunner(
                page, guard, options.actions_timeout_s, allow_scripts=settings.ALLOW_SCRIPT_ACTIONS
            )
            await runner.run_all(list(actions))
            # The form's answer (a redirect, a cookie set by a script) lands before the state is read.
            await read_settled(page, guard, min(MAX_SETTLE_SECONDS, options.timeout_s))
            state: dict[str, Any] = dict(await tab.context.storage_state())
            return state
        except TimeoutError as exc:
            raise FetchTimeout(
                f"The login page {url} did not finish within {options.timeout_s:g} s."
            ) from exc
        except PlaywrightError as exc:
            raise BrowserError(
                f"The browser failed on the login page {url}: {exc.message.splitlines()[0]}"
            ) from exc


def _playwright_selector(text: str) -> str:
    from backend_fastapi.extraction.spec import parse_selector

    spec = parse_selector(text)
    return f"xpath={spec['xpath']}" if "xpath" in spec else f"css={spec['selector']}"
