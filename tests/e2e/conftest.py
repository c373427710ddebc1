"""Browser tests: the built frontend in a real headless Chromium against real API and worker processes."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from backend_fastapi.chromium import find_chromium, launch_args
from tests.support.processes import REPO_ROOT, Service, service_env, start_api, start_worker
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.waiting import BOUND_MS

DIST = REPO_ROOT / "frontend" / "dist" / "index.html"
# Every run takes the screenshots (a screen that fails to render fails the test); only
# `make screenshots` (UPDATE_SCREENSHOTS=1) replaces the ones the docs show, so a test run leaves the
# checkout clean.
SCREENSHOTS = REPO_ROOT / ("docs" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else "build") / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The product page answers slowly so that a 2-second poller sees the job while it runs.
PRODUCT_DELAY_S = 3.0
PRODUCT_HTML = b"""<!doctype html><html><head><meta charset="utf-8">
<title>Widget Deluxe | Test Shop</title></head>
<body><h1>Widget Deluxe</h1><p class="price">EUR 19,90</p></body></html>"""


def _respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
    if request.path.startswith("/product"):
        time.sleep(PRODUCT_DELAY_S)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, PRODUCT_HTML
    return 404, {"Content-Type": "text/plain"}, b"not found"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope, not session: Playwright's sync API keeps an event loop running in this thread
    # while it is open, which would break every asyncio test collected after the browser tests.
    if not DIST.is_file():
        pytest.fail("frontend/dist is missing: build it with `make frontend` (or `npm ci && npm run build`).")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=launch_args(), headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(BOUND_MS)
    yield page
    context.close()


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with loopback_server(_respond) as server:
        yield server


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return service_env(db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1")


@pytest.fixture
def api(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    service, base = start_api(env, tmp_path)
    yield base
    service.stop()


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path, api: str) -> Iterator[Service]:
    service = start_worker(env, tmp_path)
    yield service
    service.stop()


def screenshot(page: Page, name: str) -> None:
    """Save a screenshot of a main screen (docs/screenshots/NAME.png with UPDATE_SCREENSHOTS=1)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
