"""The worker's one Chromium: started by the first dynamic job, shared, retired, closed when idle.

Each job gets a fresh browser context, closed in every outcome (done, failed, cancelled, timed
out). After `BROWSER_MAX_PAGES` pages the browser is retired once no job uses it, and after
`BROWSER_IDLE_SECONDS` without jobs it is closed together with Playwright's driver, so an idle
worker gives all that memory back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from backend_fastapi.chromium import find_chromium, launch_args
from backend_fastapi.scraping.errors import BrowserError, BrowserUnavailable
from backend_fastapi.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
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
