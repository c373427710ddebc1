"""Browser actions, batches and sessions in the web app: a user clicks "load more" through the
New-scrape form, sends a batch of pasted URLs and reads the records on the job page, and saves a
session that a scrape then names."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import LAPTOP, PHONE, screenshot
from tests.support.action_site import LOAD_MORE_TOTAL, action_site
from tests.support.processes import Service, service_env
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.waiting import BOUND_MS

pytestmark = pytest.mark.browser

ITEMS_SCHEMA = '{"items": {"selector": "li.item", "many": true}}'


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    # Sessions are stored only under a SECRET_KEY.
    return service_env(db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1", SECRET_KEY="e2e-sessions-key")


@pytest.fixture
def actions_site() -> Iterator[LoopbackServer]:
    with action_site() as server:
        yield server


def _account(request: Recorded) -> tuple[int, dict[str, str], bytes]:
    """An account page for the session's cookie only; anyone else gets the login page."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    cookies = " ".join(v for k, v in request.headers.items() if k.lower() == "cookie")
    if request.path == "/account" and "sid=s3cret" in cookies:
        return 200, html, b"<!doctype html><title>Account of Ada</title><h1>Account of Ada</h1>"
    return 200, html, b"<!doctype html><title>Log in</title><form><input name=user></form>"


@pytest.fixture
def account_site() -> Iterator[LoopbackServer]:
    with loopback_server(_account) as server:
        yield server


def strategy(page: Page, name: str) -> Locator:
    return page.get_by_role("radio", name=re.compile(f"^{name}"))


def add_action(page: Page, kind: str) -> None:
    page.get_by_label("Add an action").select_option(kind)
    page.get_by_role("button", name="+ Add action").click()


def open_created_job(page: Page, api: str) -> str:
    """From the jobs list the form opens after queuing, to the new job's page."""
    expect(page).to_have_url(re.compile(r"/jobs\?created="))
    job_id = page.url.split("created=")[1]
    page.goto(f"{api}/jobs/{job_id}")
    expect(page.locator(".page-head .badge")).to_have_text("completed", timeout=BOUND_MS)
    return job_id


def test_load_more_clicked_from_the_form_brings_every_item_into_the_records(
    page: Page, api: str, worker: Service, actions_site: LoopbackServer, tmp_path: Path
) -> None:
    page.goto(f"{api}/scrape/new")
    page.get_by_label("URL", exact=True).fill(f"{actions_site.url}/load-more")
    page.get_by_role("radiogroup", name="Schema form").get_by_text("JSON", exact=True).click()
    page.get_by_label("Schema as JSON").fill(ITEMS_SCHEMA)
    expect(strategy(page, "Static")).to_be_checked()

    page.get_by_text("Actions: click, type, scroll before extracting").click()
    add_action(page, "click")
    # The first action needs the browser: the form switched to dynamic and says so.
    expect(page.get_by_text("The strategy is now dynamic")).to_be_visible()
    expect(strategy(page, "Dynamic")).to_be_checked()
    page.get_by_label("Action 1 selector").fill("#more")
    page.get_by_label("Action 1 repeat").fill("20")

    # A short wait added last, then moved first with the keyboard alone.
    add_action(page, "wait")
    page.get_by_label("Action 2 milliseconds").fill("50")
    page.get_by_label("Move action 2 up").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("actions-editor").locator("li[data-action]")).to_have_count(2)
    expect(page.get_by_label("Action 1 milliseconds")).to_have_value("50")
    expect(page.get_by_label("Action 2 selector")).to_have_value("#more")

    # Static with actions is explained and refused before anything is sent.
    strategy(page, "Static").check()
    expect(page.get_by_role("alert").filter(has_text="Actions run in a browser")).to_be_visible()
    page.get_by_role("button", name="Start scrape").click()
    expect(page).to_have_url(f"{api}/scrape/new")
    page.get_by_role("button", name="Use dynamic").click()
    expect(strategy(page, "Dynamic")).to_be_checked()
    screenshot(page, "new-scrape-actions")
    page.get_by_role("button", name="Start scrape").click()

    job_id = open_created_job(page, api)
    report = page.get_by_test_id("actions-report")
    expect(report.locator("tbody tr")).to_have_count(2)
    expect(report.locator("tbody tr td:nth-child(2)")).to_have_text(["wait", "click"])
    expect(report.locator(".badge")).to_have_text(["ok", "ok"])
    table = page.get_by_test_id("records-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(f"{LOAD_MORE_TOTAL} items")
    screenshot(page, "job-actions")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="JSON", exact=True).click()
    records = json.loads(Path(download_info.value.path()).read_text())
    assert [r["data"]["items"] for r in records] == [[f"Item {n}" for n in range(1, LOAD_MORE_TOTAL + 1)]]
    assert job_id


def test_batch_of_pasted_urls_gives_a_record_per_url_with_its_status(
    page: Page, api: str, worker: Service, actions_site: LoopbackServer, tmp_path: Path
) -> None:
    base = actions_site.url
    page.goto(f"{api}/scrape/new")
    page.get_by_role("radiogroup", name="What to scrape").get_by_text("A batch of URLs").click()
    urls = page.get_by_label("URLs, one a line")
    count = page.get_by_test_id("batch-count")

    # A line that is no URL is named before anything is sent.
    urls.fill(f"{base}/tabs\nsearch?q=Mug\n")
    expect(count).to_have_text('1 entry is not an http(s) URL: Line 2: "search?q=Mug".')
    page.get_by_role("button", name="Start batch").click()
    expect(page.get_by_role("alert").filter(has_text="Line 2")).to_be_visible()
    expect(page).to_have_url(f"{api}/scrape/new")

    urls.fill(f"{base}/tabs\n{base}/missing\n\n{base}/search?q=Mug\n")
    expect(count).to_have_text("3 URLs: a record per URL, in this order.")
    screenshot(page, "new-scrape-batch")
    page.get_by_role("button", name="Start batch").click()

    open_created_job(page, api)
    expect(page.locator(".facts")).to_contain_text("Succeeded2")
    expect(page.locator(".facts")).to_contain_text("Failed1")
    table = page.get_by_test_id("records-table")
    expect(table.locator("th")).to_have_text(["url", "status", "title", "error.code", "error.message"])
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    sent = [f"{base}/tabs", f"{base}/missing", f"{base}/search?q=Mug"]
    expect(rows.locator("td:nth-child(1)")).to_have_text(sent)
    expect(rows.locator("td:nth-child(2)")).to_have_text(["ok", "failed", "ok"])
    expect(rows.locator("td:nth-child(3)")).to_have_text(["Tabs", "", "Results for Mug"])
    expect(rows.nth(1).locator("td:nth-child(4)")).not_to_be_empty()
    expect(page.get_by_role("group", name="Download records")).to_be_visible()
    screenshot(page, "batch-job")
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "batch-job-phone.png"), full_page=True)

    # Edit and re-run opens the batch form with the same URLs.
    page.set_viewport_size(LAPTOP)
    page.get_by_role("button", name="Edit and re-run").click()
    expect(page.get_by_label("URLs, one a line")).to_have_value("\n".join(sent))


def test_a_batch_longer_than_its_job_body_shows_runs_again_with_every_url(
    page: Page, api: str, worker: Service, actions_site: LoopbackServer
) -> None:
    # 12 URLs: the job body lists the first 10 and `urls_total`; the new job must get all 12.
    sent = [f"{actions_site.url}/search?q=item-{n}" for n in range(1, 13)]
    batch = {"urls": sent, "schema": {"title": "string"}}
    created = httpx.post(f"{api}/api/scrape/batch", json=batch, timeout=10)
    assert created.status_code == 202, created.text
    first = created.json()["job_id"]
    shown = httpx.get(f"{api}/api/jobs/{first}", timeout=10).json()["request"]
    assert (len(shown["urls"]), shown["urls_total"]) == (10, 12)

    page.goto(f"{api}/jobs/{first}")
    expect(page.locator(".page-head .badge")).to_have_text("completed", timeout=BOUND_MS)
    page.get_by_role("button", name="Run again").click()
    expect(page).not_to_have_url(f"{api}/jobs/{first}")
    expect(page.locator(".page-head .badge")).to_have_text("completed", timeout=BOUND_MS)
    again = page.url.rsplit("/", 1)[1]
    request = httpx.get(f"{api}/api/jobs/{again}/request", timeout=10).json()
    assert request["urls"] == sent
    assert "urls_total" not in request
    rows = page.get_by_test_id("records-table").locator("tbody tr")
    expect(rows).to_have_count(12)
    expect(rows.locator("td:nth-child(1)")).to_have_text(sent)

    # Edit and re-run opens the batch form with every URL too.
    page.get_by_role("button", name="Edit and re-run").click()
    expect(page.get_by_label("URLs, one a line")).to_have_value("\n".join(sent))
    expect(page.get_by_test_id("batch-count")).to_have_text("12 URLs: a record per URL, in this order.")


def test_session_uploaded_on_the_sessions_screen_scrapes_a_page_behind_its_login(
    page: Page, api: str, worker: Service, account_site: LoopbackServer
) -> None:
    page.goto(f"{api}/sessions")
    expect(page.get_by_text("No sessions yet")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("shop-account")
    page.get_by_role("radio", name=re.compile("^Storage state")).check()
    cookie = {"name": "sid", "value": "s3cret", "domain": "127.0.0.1", "path": "/"}
    state = {"cookies": [cookie], "origins": []}
    page.get_by_label("Storage state file", exact=True).set_input_files(
        files=[{"name": "state.json", "mimeType": "application/json", "buffer": json.dumps(state).encode()}]
    )
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_text("Session shop-account saved.")).to_be_visible()
    row = page.get_by_test_id("sessions-table").locator('tr[data-session="shop-account"]')
    expect(row.locator(".badge")).to_have_text("ready")
    expect(row).to_contain_text("storage state")
    # The API never answers a secret, so the page cannot show one.
    expect(page.locator("body")).not_to_contain_text("s3cret")
    screenshot(page, "sessions")

    page.get_by_role("link", name="New scrape").click()
    picker = page.get_by_label("Session (optional)")
    expect(picker.locator("option")).to_have_text(["No session", "shop-account (logged in)"])
    picker.select_option("shop-account")
    page.get_by_label("URL", exact=True).fill(f"{account_site.url}/account")
    page.get_by_role("button", name="Start scrape").click()
    job_id = open_created_job(page, api)
    assert httpx.get(f"{api}/api/jobs/{job_id}").json()["request"]["session"] == "shop-account"
    # The session's cookie went with the request: the page is the account, not the login form.
    expect(page.get_by_test_id("records-table").locator("tbody td").nth(1)).to_have_text("Account of Ada")

    page.once("dialog", lambda dialog: dialog.accept())
    page.goto(f"{api}/sessions")
    page.get_by_role("button", name="Delete shop-account").click()
    expect(page.get_by_text("No sessions yet")).to_be_visible()
