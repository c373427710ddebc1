"""Running a request's browser actions on a rendered page, in order, each within its time budget.

Actions act only through the page render.py guards: every request a click, a key or a script makes
goes through the same route handler as the page's own requests, popups are closed as they open,
downloads are off. After each action the page is given time to settle (settle.py), so that the
next action sees what the last one caused. An action that fails stops the job (`action_failed`)
unless it is `optional`; the result lists what each action did.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from backend_fastapi.errors import PermanentJobError
from backend_fastapi.extraction.spec import parse_selector
from backend_fastapi.schemas.actions import (
    Action,
    ClickAction,
    EvaluateAction,
    HoverAction,
    PdfAction,
    PressAction,
    ScrapeAction,
    ScreenshotAction,
    ScrollAction,
    SelectAction,
    WaitAction,
    WriteAction,
)
from backend_fastapi.scraping.captures import Capture
from backend_fastapi.scraping.settle import Requests, read_html, read_settled

# After an action, the page may take this long to settle (fetch and render what the action caused).
SETTLE_SECONDS = 5.0
_SCROLL = """([down]) => {
  const el = document.scrollingElement || document.documentElement;
  const before = el.scrollHeight;
  window.scrollBy(0, (down ? 1 : -1) * window.innerHeight);
  const edge = down ? el.scrollTop + window.innerHeight >= el.scrollHeight - 2 : el.scrollTop <= 0;
  // Scroll events are dispatched with the next frame: what they start is under way after two.
  return new Promise((resolve) => {
    const done = () => resolve([before, edge]);
    requestAnimationFrame(() => requestAnimationFrame(done));
    setTimeout(done, 100);
  });
}"""
_HEIGHT = "() => (document.scrollingElement || document.documentElement).scrollHeight"
# A navigation to another document is known the moment it starts (Navigation API), long before its
# request reaches the route handler; same-document ones (an app's pushState) are not navigations.
_WATCH = """() => {
  const key = Symbol.for('dataops.leaving');
  if (window[key] || !window.navigation) return;
  window[key] = {to: null};
  navigation.addEventListener('navigate', (e) => {
    if (!e.destination.sameDocument && !e.downloadRequest) window[key].to = e.destination.url;
  });
}"""
_LEAVING = "() => { const w = window[Symbol.for('dataops.leaving')]; return w ? w.to : null; }"
_FRAMES = """() => new Promise((resolve) => {
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0)));
  setTimeout(resolve, 100);
})"""
# True once the watched document has been replaced (the new one has no watch yet).
_LEFT = "() => !window[Symbol.for('dataops.leaving')]"


class ActionFailed(PermanentJobError):
    """A browser action of the request failed (see `details.actions`)."""

    code = "action_failed"


class _Failure(Exception):
    """Why one action failed, in words for the result."""


@dataclass
class ActionReport:
    """What one action did."""

    type: str
    ok: bool
    duration_ms: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {"type": self.type, "ok": self.ok, "duration_ms": self.duration_ms}
        if self.error is not None:
            report["error"] = self.error
        return report


@dataclass
class Snapshot:
    """The page as a `scrape` action saw it."""

    action: int
    url: str
    html: str


@dataclass
class ActionsRun:
    """Everything the actions of a page produced."""

    reports: list[ActionReport] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    captures: list[Capture] = field(default_factory=list)


def locator_of(page: Page, selector: str) -> Locator:
    """The Playwright locator of a request's selector (CSS, or XPath when written as one)."""
    spec = parse_selector(selector)
    return page.locator(f"xpath={spec['xpath']}" if "xpath" in spec else f"css={spec['selector']}")


class ActionRunner:
    """Runs one page's actions; the page is already loaded and settled."""

    def __init__(self, page: Page, requests: Requests, budget_s: float, *, allow_scripts: bool) -> None:
        self.page = page
        self.requests = requests
        self.deadline = time.monotonic() + budget_s
        self.budget_s = budget_s
        self.allow_scripts = allow_scripts
        self.run = ActionsRun()
        self._action_end = 0.0

    async def run_all(self, actions: list[Action]) -> ActionsRun:
        """Run `actions` in order; raise ActionFailed at the first failure of a required action."""
        # A click may open a tab (target=_blank, window.open): it is closed, the scrape stays here.
        self.page.context.on("page", _close_popup)
        for index, action in enumerate(actions):
            started = time.monotonic()
            error: str | None = None
            left = self.deadline - started
            try:
                if left <= 0:
                    raise _Failure(f"the actions' time budget ({self.budget_s:g} s) ran out before it")
                self._action_end = started + min(action.budget_ms / 1000, left)
                async with asyncio.timeout(self._action_end - started):
                    await self._run(index, action)
            except TimeoutError:
                error = f"did not finish within {round((self._action_end - started) * 1000)} ms"
            except _Failure as exc:
                error = str(exc)
            except PlaywrightError as exc:
                error = _first_line(exc.message)
            report = ActionReport(
                action.type, error is None, round((time.monotonic() - started) * 1000, 1), error
            )
            self.run.reports.append(report)
            if error is not None and not action.optional:
                raise ActionFailed(
                    f"Action {index} ({action.type}) failed: {error}.",
                    details={"action": index, "actions": [r.as_dict() for r in self.run.reports]},
                )
        return self.run

    def _left_ms(self) -> float:
        return max(1.0, (self._action_end - time.monotonic()) * 1000)

    async def _settle(self) -> str:
        """The page's HTML once what the last action caused has happened (or the budget ends)."""
        # What an input causes is often a task or a frame away (a form sent with Enter navigates
        # from a task of its own): the page is given two frames before it is asked if it is quiet.
        with contextlib.suppress(PlaywrightError):
            await self.page.evaluate(_FRAMES)
        limit = min(SETTLE_SECONDS, max(0.0, self._action_end - time.monotonic()))
        html = await read_settled(self.page, self.requests, limit)
        if await self._leaving():
            # The action sent the page elsewhere (a form sent with Enter, a link): the new document
            # is read once it has replaced this one and loaded.
            with contextlib.suppress(PlaywrightError):
                await self.page.wait_for_function(_LEFT, timeout=min(SETTLE_SECONDS * 1000, self._left_ms()))
                await self.page.wait_for_load_state("load", timeout=self._left_ms())
            limit = min(SETTLE_SECONDS, max(0.0, self._action_end - time.monotonic()))
            html = await read_settled(self.page, self.requests, limit)
        return html

    async def _watch(self) -> None:
        """Note in the document when it starts to navigate away (before an action)."""
        with contextlib.suppress(PlaywrightError):
            await self.page.evaluate(_WATCH)

    async def _leaving(self) -> bool:
        try:
            return bool(await self.page.evaluate(_LEAVING))
        except PlaywrightError:
            return True  # the document went while being asked: it is being replaced

    async def _run(self, index: int, action: Action) -> None:
        page = self.page
        await self._watch()
        if isinstance(action, WaitAction):
            if action.milliseconds is not None:
                await asyncio.sleep(action.milliseconds / 1000)
            else:
                assert action.selector is not None
                await locator_of(page, action.selector).first.wait_for(timeout=self._left_ms())
            return
        if isinstance(action, ClickAction):
            await self._click(action)
        elif isinstance(action, WriteAction):
            await locator_of(page, action.selector).first.fill(action.text, timeout=self._left_ms())
        elif isinstance(action, PressAction):
            await page.keyboard.press(action.key)
        elif isinstance(action, SelectAction):
            target = locator_of(page, action.selector).first
            chosen = await target.select_option(value=action.value, timeout=self._left_ms())
            if not chosen:
                raise _Failure(f"no option with value {action.value!r}")
        elif isinstance(action, HoverAction):
            await locator_of(page, action.selector).first.hover(timeout=self._left_ms())
        elif isinstance(action, ScrollAction):
            await self._scroll(action)
            return  # each scroll step settled already
        elif isinstance(action, ScreenshotAction):
            image = await page.screenshot(type="png", full_page=action.full_page, timeout=self._left_ms())
            self.run.captures.append(Capture(f"action-{index}-screenshot.png", "image/png", image))
            return
        elif isinstance(action, PdfAction):
            self.run.captures.append(Capture(f"action-{index}.pdf", "application/pdf", await page.pdf()))
            return
        elif isinstance(action, ScrapeAction):
            self.run.snapshots.append(
                Snapshot(index, page.url, await read_html(page, self._left_ms() / 1000))
            )
            return
        elif isinstance(action, EvaluateAction):
            # Checked when the request came in; checked again here, where the script would run.
            if not self.allow_scripts:
                raise _Failure("evaluate actions are off on this worker (ALLOW_SCRIPT_ACTIONS)")
            await page.evaluate(action.script)
        await self._settle()

    async def _click(self, action: ClickAction) -> None:
        """Click; again while the element is still there and each click changed the page."""
        target = locator_of(self.page, action.selector)
        before: str | None = None
        for turn in range(action.repeat):
            if turn == 0:
                # The first click waits for its element; later ones only look.
                await target.first.wait_for(state="visible", timeout=self._left_ms())
            elif not await target.count() or not await target.first.is_visible():
                return
            if action.all:
                for nth in range(await target.count()):
                    await target.nth(nth).click(timeout=self._left_ms())
            else:
                await target.first.click(timeout=self._left_ms())
            html = await self._settle()
            if turn > 0 and html == before:
                return  # the page did not change: clicking again would not either
            before = html

    async def click_through(self, selector: str, limit: int, timeout_ms: float) -> list[Snapshot]:
        """A crawl's `next_click`: click, settle, keep the page; while the button is there and each
        click changes the page, at most `limit` times."""
        target = locator_of(self.page, selector)
        pages: list[Snapshot] = []
        before = await read_html(self.page, timeout_ms / 1000)
        for _ in range(limit):
            if not await target.count() or not await target.first.is_visible():
                break
            self._action_end = time.monotonic() + timeout_ms / 1000
            try:
                await target.first.click(timeout=timeout_ms)
            except PlaywrightError:
                break  # a button that cannot be clicked (disabled, covered) is the last page
            html = await self._settle()
            if html == before:
                break
            pages.append(Snapshot(-1, self.page.url, html))
            before = html
        return pages

    async def _scroll(self, action: ScrollAction) -> None:
        """Scroll a screen at a time until the end, the selector, or `until` screens."""
        down = action.direction == "down"
        screens = action.until if isinstance(action.until, int) else action.max_scrolls
        found = locator_of(self.page, action.selector) if action.selector else None
        for _ in range(min(screens, action.max_scrolls)):
            if found is not None and await found.count():
                return
            height, at_edge = await self.page.evaluate(_SCROLL, [down])
            await self._settle()
            # At the edge and nothing was added while settling: the list has ended.
            if at_edge and not isinstance(action.until, int) and await self.page.evaluate(_HEIGHT) <= height:
                break
        if found is not None and not await found.count():
            raise _Failure(f"{action.selector!r} did not appear within {action.max_scrolls} scrolls")


async def _close_popup(popup: Page) -> None:
    with contextlib.suppress(PlaywrightError):
        await popup.close()


def _first_line(message: str) -> str:
    line = message.split("\n", 1)[0]
    return line.removeprefix("Error: ").strip()[:500]
