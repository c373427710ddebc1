"""Monitors in the web app: a user watches a local page, changes it, checks again and reads what changed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, screenshot
from tests.support.processes import Service
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.waiting import BOUND_MS

pytestmark = pytest.mark.browser

# Records are the shop's list items, identified by their name.
SHOP_SCHEMA = (
    '{"items": {"selector": "li.item", "many": true, "fields": '
    '{"name": {"selector": "a"}, "price": {"selector": ".price", "type": "number"}}}}'
)
ITEM = '<li class="item"><a href="/p/{name}">{name}</a> <span class="price">{price}</span></li>'
BEFORE = {"Lamp": "19.90", "Desk": "120.00", "Chair": "45.00"}
AFTER = {"Lamp": "17.50", "Desk": "120.00", "Sofa": "499.00"}
HOURS_BEFORE = "Opening hours\n\nMonday to Friday 9-17\n\nFree delivery over 50"
HOURS_AFTER = "Opening hours\n\nMonday to Friday 9-18\n\nFree delivery over 50"


class Shop:
    """A loopback shop whose list and text the test changes between checks."""

    def __init__(self) -> None:
        self.prices = dict(BEFORE)
        self.hours = HOURS_BEFORE

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if request.path == "/shop":
            items = "".join(ITEM.format(name=name, price=price) for name, price in self.prices.items())
            return 200, html, f"<!doctype html><title>Shop</title><h1>Shop</h1><ul>{items}</ul>".encode()
        if request.path == "/hours":
            paragraphs = "".join(f"<p>{p}</p>" for p in self.hours.split("\n\n"))
            body = f"<!doctype html><title>Hours</title><main><article>{paragraphs}</article></main>"
            return 200, html, body.encode()
        return 404, {"Content-Type": "text/plain"}, b"not found"


@pytest.fixture
def shop() -> Iterator[tuple[Shop, LoopbackServer]]:
    state = Shop()
    with loopback_server(state.respond) as server:
        yield state, server


def check_now(page: Page, name: str, outcome: str) -> None:
    """Click "Check now" and wait until the page shows the comparison of that check."""
    page.get_by_role("button", name=f"Check {name} now").click()
    expect(page.get_by_test_id("check-outcome")).to_contain_text(outcome, timeout=BOUND_MS)


def test_monitor_created_in_the_app_shows_added_removed_and_changed_records_after_the_page_changes(
    page: Page, api: str, worker: Service, shop: tuple[Shop, LoopbackServer], tmp_path: Path
) -> None:
    state, site = shop
    page.goto(f"{api}/monitors")
    expect(page.get_by_text("No monitors yet.")).to_be_visible()
    page.get_by_role("link", name="New monitor").click()
    expect(page).to_have_url(f"{api}/monitors/new")

    page.get_by_label("Name", exact=True).fill("shop prices")
    page.get_by_label("URL", exact=True).fill(f"{site.url}/shop")
    page.get_by_role("radiogroup", name="Schema form").get_by_text("JSON", exact=True).click()
    page.get_by_label("Schema as JSON").fill(SHOP_SCHEMA)
    page.get_by_label("Key fields", exact=True).fill("name")
    page.get_by_label("Confirm removals").uncheck()
    page.get_by_label("Check every").fill("1s")
    screenshot(page, "new-monitor")
    page.get_by_role("button", name="Create monitor").click()
    # The API's 422 is shown at the field it concerns.
    every = page.get_by_label("Check every")
    expect(every).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#monitor-every-error")).to_contain_text("at most every 10 s")
    every.fill("1h")
    page.get_by_role("button", name="Create monitor").click()

    expect(page).to_have_url(re.compile(r"/monitors/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name="shop prices")).to_be_visible()
    expect(page.get_by_test_id("monitor-facts")).to_contain_text("reported at once")
    check_now(page, "shop prices", "baseline")
    feed = page.get_by_test_id("change-feed")
    expect(feed.get_by_test_id("change")).to_have_count(3)

    state.prices = dict(AFTER)
    check_now(page, "shop prices", "changed")
    changes = feed.get_by_test_id("change")
    expect(changes).to_have_count(6)
    changed = feed.locator('[data-kind="changed"]')
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Lamp")
    expect(changed.locator("del")).to_have_text("19.9")
    expect(changed.locator("ins")).to_have_text("17.5")
    added = feed.locator('[data-kind="added"]').first
    expect(added).to_contain_text("Sofa")
    expect(added).to_contain_text("499")
    removed = feed.locator('[data-kind="removed"]')
    expect(removed).to_have_count(1)
    expect(removed).to_contain_text("Chair")
    expect(removed).to_contain_text("45")

    checks = page.get_by_test_id("checks-table")
    expect(checks.locator("tbody tr")).to_have_count(2)
    expect(checks.locator(".badge")).to_have_text(["changed", "baseline"])
    chart = page.get_by_test_id("field-chart")
    expect(chart.locator("path")).to_have_count(4)
    expect(chart.locator("title").first).to_contain_text("price over time")
    page.screenshot(path=str(tmp_path / "monitor.png"), full_page=True)
    screenshot(page, "monitor")

    feed.get_by_label("changed", exact=True).check()
    expect(changes).to_have_count(1)
    with page.expect_download() as download_info:
        feed.get_by_role("button", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert [(r["key.name"], r["field"], r["before"], r["after"]) for r in rows] == [
        ("Lamp", "price", "19.9", "17.5")
    ]

    # Editing the timing keeps the history: only a new target or key starts a new baseline.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Key fields", exact=True)).to_have_value("name")
    expect(page.get_by_label("Confirm removals")).not_to_be_checked()
    page.get_by_label("Check every").fill("2h")
    page.get_by_role("button", name="Save monitor").click()
    expect(page.get_by_test_id("monitor-facts")).to_contain_text("every 2h")
    expect(page.get_by_test_id("change-feed").get_by_test_id("change")).to_have_count(6)

    page.get_by_role("link", name="Monitors", exact=True).click()
    row = page.get_by_test_id("monitors-table").locator('tr[data-monitor="shop prices"]')
    expect(row.locator(".badge")).to_have_text(["active", "changed"])
    expect(row).to_contain_text(f"{site.url}/shop")
    row.get_by_role("button", name="Pause shop prices").click()
    expect(row.locator(".badge").first).to_have_text("paused")
    screenshot(page, "monitors")
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "monitors-phone.png"), full_page=True)


def test_page_text_watched_as_markdown_shows_a_side_by_side_diff(
    page: Page, api: str, worker: Service, shop: tuple[Shop, LoopbackServer], tmp_path: Path
) -> None:
    state, site = shop
    page.goto(f"{api}/monitors/new")
    page.get_by_label("Name", exact=True).fill("opening hours")
    page.get_by_label("URL", exact=True).fill(f"{site.url}/hours")
    page.get_by_label("Records (the schema's fields)").uncheck()
    page.get_by_label("Page text as Markdown").check()
    page.get_by_role("button", name="Create monitor").click()
    expect(page).to_have_url(re.compile(r"/monitors/[0-9a-f-]{36}$"))
    check_now(page, "opening hours", "baseline")

    state.hours = HOURS_AFTER
    check_now(page, "opening hours", "changed")
    text = page.get_by_test_id("change-feed").locator('[data-kind="text"]')
    expect(text).to_have_count(1)
    diff = text.get_by_test_id("text-diff")
    row = diff.locator("tr.diff-changed")
    expect(row.locator(".diff-left.diff-text")).to_have_text("Monday to Friday 9-17")
    expect(row.locator(".diff-right.diff-text")).to_have_text("Monday to Friday 9-18")
    expect(row.locator("del")).to_have_text("7")
    expect(row.locator("ins")).to_have_text("8")
    page.screenshot(path=str(tmp_path / "monitor-text.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "monitor-text-phone.png"), full_page=True)
