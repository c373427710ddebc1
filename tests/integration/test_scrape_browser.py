"""Dynamic pages in real headless Chromium, the browser's lifecycle, and its guard."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import psutil
import pytest

from backend_fastapi.chromium import find_chromium, launch_args
from tests.support.scrape_stack import Stack, browser_roots, chromium_processes, scrape_stack
from tests.support.servers import LoopbackServer
from tests.support.waiting import eventually, wait_for

pytestmark = pytest.mark.browser
IDLE_SECONDS = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, shop: LoopbackServer) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("browser")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}",
        BROWSER_IDLE_SECONDS=IDLE_SECONDS,
        WORKER_CONCURRENCY=2,
    ) as running:
        yield running


def renderers(pid: int) -> list[psutil.Process]:
    found = []
    for proc in chromium_processes(pid):
        try:
            if "--type=renderer" in proc.cmdline():
                found.append(proc)
        except psutil.NoSuchProcess:  # exited meanwhile (a zombie until its parent reaps it)
            continue
    return found


async def test_the_system_chromium_runs_under_playwright() -> None:
    from playwright.async_api import async_playwright

    executable = find_chromium()
    assert executable is not None, "no system Chromium: run scripts/install-chromium.sh"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=launch_args())
        try:
            page = await browser.new_page()
            await page.set_content(
                "<p id=x></p><script>document.getElementById('x').textContent = 6 * 7</script>"
            )
            assert await page.text_content("#x") == "42"
        finally:
            await browser.close()


def test_a_script_rendered_page_is_scraped_with_the_dynamic_strategy(
    stack: Stack, shop: LoopbackServer
) -> None:
    schema = {"title": "string", "price": "number"}
    job = stack.run(
        {"url": f"{shop.url}/js/3", "strategy": "dynamic", "schema": schema, "options": {"screenshot": True}}
    )
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["data"] == {"title": "Blue Mug 3", "price": 1237.5}
    assert result["strategy_used"] == "dynamic"
    assert [(f["name"], f["media_type"]) for f in result["files"]] == [("screenshot.jpg", "image/jpeg")]
    assert stack.records(job["job_id"])[0]["data"] == result["data"]


def test_auto_uses_the_browser_only_when_the_page_needs_it(stack: Stack, shop: LoopbackServer) -> None:
    rendered = stack.run({"url": f"{shop.url}/js/5", "strategy": "auto", "schema": {"price": "number"}})
    assert rendered["result"]["strategy_used"] == "dynamic"
    assert rendered["result"]["data"] == {"price": 1239.5}
    assert (
        rendered["result"]["switched_to_dynamic"] == "the page title is a placeholder ('Loading | Demo Shop')"
    )
    plain = stack.run({"url": f"{shop.url}/p/5", "strategy": "auto", "schema": {"price": "number"}})
    assert plain["result"]["strategy_used"] == "static"


def test_auto_recognises_a_single_page_app_that_says_loading(stack: Stack, shop: LoopbackServer) -> None:
    # Statically the title would be "Loading...": a placeholder is a reason to render, not a value.
    job = stack.run(
        {"url": f"{shop.url}/spa/4", "strategy": "auto", "schema": {"title": "string", "price": "number"}}
    )
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["strategy_used"] == "dynamic"
    assert "placeholder" in result["switched_to_dynamic"]
    assert result["data"] == {"title": "Blue Mug 4", "price": 1238.5}
    assert result["sources"] == {"title": "h1", "price": "css:.price"}


def test_an_auto_crawl_renders_only_the_pages_that_need_it(stack: Stack, shop: LoopbackServer) -> None:
    job = stack.run({
        "url": f"{shop.url}/", "strategy": "auto", "schema": {"title": "string", "price": "number"},
        "crawl": {"follow": "li a", "max_pages": 10},
    })  # fmt: skip
    assert job["status"] == "completed", job
    records = {r["url"].split("/", 3)[3]: r["data"] for r in stack.records(job["job_id"])}
    assert set(records) == {"p/1", "og/1", "micro/1", "plain/1", "js/1"}
    assert all(data == {"title": "Blue Mug 1", "price": 1235.5} for data in records.values()), records


def test_requests_of_the_page_to_private_addresses_are_aborted(
    stack: Stack, shop: LoopbackServer, counter: LoopbackServer
) -> None:
    for target in (f"http://127.0.0.1:{counter.port}/x", f"http://2130706433:{counter.port}/y"):
        job = stack.run({
            "url": f"{shop.url}/probe?target={target}", "strategy": "dynamic", "schema": {"state": "#t"},
            "options": {"block_resources": [], "wait_for": "#t:not(:empty)"},
        })  # fmt: skip
        assert job["status"] == "completed", job
        assert job["result"]["data"] == {"state": "blocked"}
        # The browser writes the address canonically (2130706433 -> 127.0.0.1): compare paths.
        path = target.rsplit("/", 1)[1]
        assert any(url.endswith(f":{counter.port}/{path}") for url in job["result"]["blocked_requests"])
    assert counter.requests == []


def test_no_chromium_process_outlives_cancelled_failed_or_timed_out_jobs(
    stack: Stack, shop: LoopbackServer
) -> None:
    never = {"url": f"{shop.url}/p/2", "strategy": "dynamic", "schema": {"title": "string"}}
    cancelled = stack.submit({**never, "options": {"wait_for": "#never", "timeout_s": 60}})
    wait_for(lambda: renderers(stack.worker.pid))  # the page is open
    stack.cancel(cancelled)
    assert stack.wait(cancelled)["status"] == "cancelled"
    failed = stack.run({**never, "max_attempts": 1, "options": {"wait_for": "#never", "timeout_s": 1}})
    assert (failed["status"], failed["error"]["code"]) == ("failed", "fetch_timeout")
    timed_out = stack.run({**never, "timeout_seconds": 2, "max_attempts": 1,
                           "options": {"wait_for": "#never", "timeout_s": 60}})  # fmt: skip
    assert (timed_out["status"], timed_out["error"]["code"]) == ("failed", "timeout")
    # Every context is closed: no page is left, at most the one shared browser.
    wait_for(lambda: renderers(stack.worker.pid) == [])
    assert len(browser_roots(stack.worker.pid)) <= 1
    # Idle: the browser and Playwright's driver are gone, the memory given back.
    wait_for(lambda: chromium_processes(stack.worker.pid) == [], interval=0.2)
    # Playwright's driver has exited; the worker reaps it a moment later.
    wait_for(lambda: psutil.Process(stack.worker.pid).children(recursive=True) == [], interval=0.2)
    again = stack.run({"url": f"{shop.url}/js/6", "strategy": "dynamic", "schema": {"title": "string"}})
    assert again["result"]["data"] == {"title": "Blue Mug 6"}


def test_browser_jobs_wait_while_memory_is_above_the_watermark(
    tmp_path: Path, db_url: str, shop: LoopbackServer
) -> None:
    with scrape_stack(
        db_url, tmp_path, SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}", WORKER_MEMORY_HIGH_WATERMARK=0.0001
    ) as low:
        waiting = low.submit(
            {"url": f"{shop.url}/js/1", "strategy": "dynamic", "schema": {"title": "string"}}
        )
        wait_for(lambda: (low.job(waiting)["progress"] or {}).get("waiting_for_memory"))
        assert chromium_processes(low.worker.pid) == []
        static = low.run({"url": f"{shop.url}/p/1", "schema": {"title": "string"}})
        assert static["status"] == "completed"
        assert low.job(waiting)["status"] == "running"
        low.cancel(waiting)
        assert low.wait(waiting)["status"] == "cancelled"
        assert chromium_processes(low.worker.pid) == []


async def test_the_browser_is_retired_after_max_pages_once_its_jobs_are_done() -> None:
    from backend_fastapi.scraping.browser import BrowserPool
    from backend_fastapi.settings import Settings

    settings = Settings(_env_file=None, BROWSER_MAX_PAGES=2, BROWSER_IDLE_SECONDS=60)  # type: ignore[call-arg]
    pool = BrowserPool()
    try:
        browsers = []
        async with pool.context(settings) as long_running:
            for _ in range(3):
                async with pool.context(settings) as context:
                    pool.count_page()
                    browsers.append(context.browser)
            # The first browser is retired but still serves the context opened on it.
            assert long_running.browser is browsers[0]
            assert long_running.browser is not None
            assert long_running.browser.is_connected()
            assert browsers[0] is browsers[1]
            assert browsers[2] is not browsers[0]
        assert not browsers[0].is_connected()
        assert browsers[2].is_connected()
    finally:
        await pool.close()
    assert not browsers[2].is_connected()


async def test_a_context_is_opened_ahead_only_in_a_free_job_slot() -> None:
    """At WORKER_CONCURRENCY pages in use no spare context (and renderer) is kept beside them; the
    page that closes leaves one behind, which the next job of the same kind takes."""
    from types import SimpleNamespace

    from playwright.async_api import Browser

    from backend_fastapi.scraping.browser import BrowserPool
    from backend_fastapi.settings import Settings

    settings = Settings(_env_file=None, WORKER_CONCURRENCY=2, BROWSER_IDLE_SECONDS=60)  # type: ignore[call-arg]
    pool = BrowserPool()
    opened: list[object] = []

    calls = 0

    async def opener(browser: Browser) -> SimpleNamespace:
        nonlocal calls
        calls += 1
        context = await browser.new_context()
        opened.append(context)
        return SimpleNamespace(context=context)

    def open_with_spare(browser: Browser, ever_opened: int) -> Callable[[], Awaitable[bool]]:
        """`ever_opened` contexts opened so far, two of them open now (one in use, one spare)."""

        async def check() -> bool:
            return len(opened) == ever_opened and len(browser.contexts) == 2

        return check

    try:
        async with pool.fresh(settings, "k", opener) as first:
            browser = first.context.browser
            assert browser is not None
            # One slot free: the next job's context is opened ahead.
            await eventually(open_with_spare(browser, 2))
            async with pool.fresh(settings, "k", opener) as second:
                assert second.context is opened[1], "the spare was not taken"
                # A spare would be opened by a task started now: let every ready task run once.
                await asyncio.sleep(0)
                assert calls == 2, "a spare was opened beside two pages in use"
            # The second page closed: its slot is free again and a spare is opened in it.
            await eventually(open_with_spare(browser, 3))
        async with pool.fresh(settings, "other", opener) as third:
            # Another kind of context: the spare is not used for it.
            assert third.context is opened[3]
    finally:
        await pool.close()
