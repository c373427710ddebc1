"""The worker's one Chromium: started by the first dynamic job, shared, retired, closed when idle.

Each job gets a fresh browser context, closed in every outcome (done, failed, cancelled, timed
out). A context and its page take a new renderer process to open (~50 ms), so `fresh` opens the
next job's one while the current job runs: a spare no job has used, handed to exactly one job.
After `BROWSER_MAX_PAGES` pages the browser is retired once no job uses it, and after
`BROWSER_IDLE_SECONDS` without jobs it is closed together with Playwright's driver (and the spare
with it), so an idle worker gives all that memory back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from backend_fastapi.chromium import find_chromium, launch_args
from backend_fastapi.scraping.errors import BrowserError, BrowserUnavailable
from backend_fastapi.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class Opened(Protocol):
    """What an opener makes: a context (and whatever the caller needs with it)."""

    @property
    def context(self) -> BrowserContext: ...


OpenedT = TypeVar("OpenedT", bound=Opened)


@dataclass
class _Spare:
    """A context opened ahead for the next job with the same context options."""

    browser: Browser
    key: Hashable
    task: asyncio.Task[Any]


# Chromium has no network path of its own: every request of a page is intercepted and fetched by
# the guarded client (see render.py). Whatever escapes interception (a WebSocket, a worker's fetch,
# a prefetch) meets two walls: the resolver resolves nothing, and everything goes to a proxy whose
# name resolves to nothing, loopback included (`<-loopback>` removes the implicit bypass), so it
# fails without a packet even where resolver rules do not cover IP literals. WebRTC may only use
# proxied UDP, which the black-hole proxy cannot carry: no STUN/TURN datagram leaves the browser
# (measured: 12 datagrams to a STUN/TURN port without that flag, none with it).
BLACK_HOLE_PROXY = "http://blackhole.invalid:9"
GUARD_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-features=DnsOverHttps",
    f"--proxy-server={BLACK_HOLE_PROXY}",
    "--proxy-bypass-list=<-loopback>",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
# Fewer processes: the network service and GPU work run inside the browser process. Measured with
# two pages open (RSS of all processes): 644 MB with Chromium's defaults, 536 MB with these. The
# zygote stays: `--no-zygote` lowers that RSS sum but not PSS (what the box spends), and without it
# every page starts a new renderer from scratch (measured: a new page 110 ms -> 55 ms with it).
MEMORY_FLAGS = ("--enable-features=NetworkServiceInProcess2", "--in-process-gpu", "--disable-gpu",
                "--disable-extensions")  # fmt: skip


# Playwright's Node.js driver with a 1 MB young generation instead of V8's default 16 MB (times
# three): measured 150 MB -> 125 MB RSS for the driver over 100 dynamic jobs, at no cost in pages/s.
# An operator's own NODE_OPTIONS wins.
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1"


def browser_args() -> list[str]:
    """Chromium flags: the launch defaults, the guard, and the memory savers."""
    return [*launch_args(), *GUARD_FLAGS, *MEMORY_FLAGS]


async def finish(awaitable: Awaitable[T]) -> T:
    """Await cleanup to its end even if the job is cancelled meanwhile, then re-raise the cancel."""
    task = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise


class BrowserPool:
    """One Chromium per worker process."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()
        self._users: dict[Browser, int] = {}
        self._pages = 0
        self._idle_task: asyncio.Task[None] | None = None
        self._spare: _Spare | None = None
        # Pages of `fresh` in use now: a spare is made only while fewer than the worker's job slots.
        self._in_use = 0
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        return self._browser is not None

    @asynccontextmanager
    async def context(self, settings: Settings, **options: Any) -> AsyncIterator[BrowserContext]:
        """A fresh context of the shared browser, closed however the block ends."""
        browser = await self._acquire(settings)
        context: BrowserContext | None = None
        try:
            try:
                context = await browser.new_context(**options)
            except PlaywrightError as exc:
                raise BrowserError(f"The browser could not open a context: {exc.message}") from exc
            yield context
        finally:
            try:
                if context is not None:
                    await finish(self._close_context(context))
            finally:
                await finish(self._release(settings, browser))

    @asynccontextmanager
    async def fresh(
        self,
        settings: Settings,
        key: Hashable,
        opener: Callable[[Browser], Awaitable[OpenedT]],
        *,
        ahead: bool = True,
    ) -> AsyncIterator[OpenedT]:
        """A context no job has used, made by `opener` (or made ahead by it for the same `key`),
        closed however the block ends; the next one is made ahead in a free job slot. With
        `ahead=False` (a rare kind, such as a session's login) the spare is neither taken nor made."""
        browser = await self._acquire(settings)
        opened: OpenedT | None = None
        self._in_use += 1
        try:
            opened = await self._take_spare(browser, key) if ahead else None
            if opened is None:
                opened = await _open(opener, browser)
            if ahead:
                self._make_spare(settings, browser, key, opener)
            yield opened
        finally:
            self._in_use -= 1
            try:
                if opened is not None:
                    await finish(self._close_context(opened.context))
                    if ahead:
                        self._make_spare(settings, browser, key, opener)
            finally:
                await finish(self._release(settings, browser))

    async def _take_spare(self, browser: Browser, key: Hashable) -> Any:
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        if spare.browser is not browser or spare.key != key:
            self._discard(spare)
            return None
        try:
            return await asyncio.shield(spare.task)
        except asyncio.CancelledError:
            self._discard(spare)  # the job was cancelled: the spare is closed, not lost
            raise
        except Exception:
            log.warning("browser.spare_failed", exc_info=True)
            return None

    def _make_spare(
        self,
        settings: Settings,
        browser: Browser,
        key: Hashable,
        opener: Callable[[Browser], Awaitable[OpenedT]],
    ) -> None:
        # Not on a browser about to be retired: its spare would never be used.
        if self._spare is not None or browser is not self._browser:
            return
        # Only in a free job slot: a spare beside WORKER_CONCURRENCY pages in use costs a renderer
        # (~40 MB PSS) and waits anyway until one of them ends; made when a page closes instead,
        # it is ready for the job that takes the freed slot.
        if self._in_use >= settings.WORKER_CONCURRENCY:
            return
        if self._pages + 1 >= settings.BROWSER_MAX_PAGES:
            return
        task = asyncio.ensure_future(opener(browser))
        task.add_done_callback(_retrieve)
        self._spare = _Spare(browser, key, task)

    def _discard(self, spare: _Spare) -> None:
        """Close a spare in the background once it is open."""

        async def close() -> None:
            try:
                opened = await spare.task
            except BaseException:
                return
            await self._close_context(opened.context)

        task = asyncio.ensure_future(close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _drop_spare(self) -> None:
        """The browser is going: its spare goes with it."""
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.task.cancel()

    def count_page(self) -> None:
        """Note one page rendered (the browser is retired after BROWSER_MAX_PAGES)."""
        self._pages += 1

    async def close(self) -> None:
        """Close the browser and Playwright's driver now."""
        async with self._lock:
            await self._shutdown("closed")

    async def _acquire(self, settings: Settings) -> Browser:
        async with self._lock:
            if self._idle_task is not None:
                self._idle_task.cancel()
                self._idle_task = None
            if self._browser is not None and not self._browser.is_connected():
                self._users.pop(self._browser, None)
                await self._shutdown("disconnected")
            if self._browser is not None and self._pages >= settings.BROWSER_MAX_PAGES:
                # Retired: jobs still using it finish there; it closes when the last one is done.
                old, self._browser = self._browser, None
                self._drop_spare()
                if not self._users.get(old):
                    self._users.pop(old, None)
                    await _close_browser(old, "retired", self._pages)
            if self._browser is None:
                self._browser = await self._launch(settings)
                self._pages = 0
            self._users[self._browser] = self._users.get(self._browser, 0) + 1
            return self._browser

    async def _release(self, settings: Settings, browser: Browser) -> None:
        async with self._lock:
            users = self._users.get(browser, 1) - 1
            if users:
                self._users[browser] = users
                return
            self._users.pop(browser, None)
            if browser is not self._browser:
                await _close_browser(browser, "retired", None)
            elif self._pages >= settings.BROWSER_MAX_PAGES:
                await self._shutdown("retired")
            if not self._users:
                self._idle_task = asyncio.create_task(self._close_when_idle(settings.BROWSER_IDLE_SECONDS))

    async def _close_when_idle(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        async with self._lock:
            if not self._users:
                await self._shutdown("idle")

    async def _launch(self, settings: Settings) -> Browser:
        executable = find_chromium(settings.CHROMIUM_PATH)
        try:
            if self._playwright is None:
                # Playwright's driver (Node.js) inherits this process's environment.
                os.environ.setdefault("NODE_OPTIONS", DRIVER_NODE_OPTIONS)
                self._playwright = await async_playwright().start()
            browser = await self._playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=browser_args(),
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
        except Exception as exc:  # PlaywrightError, or the driver itself dying at start
            await self._stop_driver()
            raise BrowserUnavailable(
                f"Chromium could not be started ({executable or 'bundled'}): {launch_failure(exc)}"
            ) from exc
        log.info("browser.started", extra={"executable": executable, "version": browser.version})
        return browser

    async def _shutdown(self, reason: str) -> None:
        self._drop_spare()
        browser, self._browser = self._browser, None
        if browser is not None:
            await _close_browser(browser, reason, self._pages)
        if not self._users:
            await self._stop_driver()

    async def _stop_driver(self) -> None:
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            try:
                await playwright.stop()
            except Exception:
                log.warning("browser.driver_stop_failed", exc_info=True)

    @staticmethod
    async def _close_context(context: BrowserContext) -> None:
        try:
            await context.close()
        except PlaywrightError:
            log.warning("browser.context_close_failed", exc_info=True)


async def _open(opener: Callable[[Browser], Awaitable[OpenedT]], browser: Browser) -> OpenedT:
    try:
        return await opener(browser)
    except PlaywrightError as exc:
        raise BrowserError(f"The browser could not open a context: {exc.message}") from exc


def _retrieve(task: asyncio.Task[Any]) -> None:
    """A spare nobody took: its failure is expected (its browser closed), not an error to report."""
    if not task.cancelled():
        task.exception()


async def _close_browser(browser: Browser, reason: str, pages: int | None) -> None:
    try:
        await browser.close()
    except PlaywrightError:
        log.warning("browser.close_failed", exc_info=True)
    log.info("browser.closed", extra={"reason": reason, "pages": pages})


def launch_failure(exc: Exception) -> str:
    """The gist of a failed launch: Chromium's exit code and error lines, not Playwright's call log."""
    text = str(getattr(exc, "message", "") or exc) or type(exc).__name__
    exited = re.search(r"exitCode=(-?\d+)", text)
    gist = (
        f"it exited with code {exited[1]}"
        if exited
        else text.splitlines()[0].removeprefix("BrowserType.launch: ")
    )
    errors = list(dict.fromkeys(line.strip() for line in re.findall(r"\]\[err\] (.*)", text)))[:3]
    return f"{gist} ({'; '.join(errors)})" if errors else gist


async def probe(settings: Settings) -> None:
    """Start Chromium, open a blank page, close it all again: the worker's capability check."""
    pool = BrowserPool()
    try:
        async with pool.context(settings) as context:
            page = await context.new_page()
            await page.goto("about:blank")
    finally:
        await pool.close()


POOL = BrowserPool()
