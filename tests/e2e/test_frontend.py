"""The web frontend end to end: what a user does in the browser, against the real API, worker and engines."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, screenshot
from tests.support.processes import Service, start_api, start_worker
from tests.support.servers import LoopbackServer
from tests.support.waiting import BOUND_MS

pytestmark = pytest.mark.browser

NO_WORKER = "Jobs will stay queued: no worker is running"


def test_static_scrape_from_the_form_goes_queued_running_completed_and_downloads_as_csv(
    page: Page, api: str, env: dict[str, str], tmp_path: Path, site: LoopbackServer
) -> None:
    page.goto(f"{api}/scrape/new")
    page.get_by_label("URL", exact=True).fill(f"{site.url}/product/1")
    # The default schema is the simple form with one field, title: string.
    expect(page.get_by_label("Field 1 name")).to_have_value("title")
    screenshot(page, "new-scrape")
    page.get_by_role("button", name="Start scrape").click()

    expect(page).to_have_url(re.compile(r"/jobs\?created="))
    job_id = page.url.split("created=")[1]
    row = page.locator(f'tr[data-job-id="{job_id}"]')
    badge = row.locator(".badge")
    # No worker runs yet: the job waits, and the status bar says why.
    expect(badge).to_have_text("queued")
    expect(page.get_by_text(NO_WORKER)).to_be_visible()

    # Watched from the worker's first second: on a busy machine its start-up check (a browser
    # probe) can outlast the job, so waiting for that check would miss `running`.
    worker = Service(["worker"], env, tmp_path / "worker.log")
    try:
        expect(badge).to_have_text("running", timeout=BOUND_MS)
        expect(badge).to_have_text("completed", timeout=BOUND_MS)
        expect(page.get_by_test_id("poll-state")).to_have_text("All shown jobs finished")
        expect(page.get_by_text(NO_WORKER)).to_have_count(0, timeout=BOUND_MS)
        expect(page.get_by_test_id("worker-health")).to_contain_text("1 worker")
        screenshot(page, "jobs")

        row.get_by_role("link").click()
        expect(page).to_have_url(f"{api}/jobs/{job_id}")
        table = page.get_by_test_id("records-table")
        expect(table.locator("th")).to_have_text(["url", "title"])
        expect(table.locator("tbody td").nth(1)).to_have_text("Widget Deluxe")
        screenshot(page, "job-detail")

        with page.expect_download() as download_info:
            page.get_by_role("button", name="CSV").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".csv")
        rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
        assert rows == [{"url": f"{site.url}/product/1", "title": "Widget Deluxe"}]
    finally:
        worker.stop()


def test_pipeline_built_in_the_editor_runs_and_reports_rows_in_and_out_per_step(
    page: Page, api: str, worker: Service
) -> None:
    page.goto(f"{api}/pipelines")
    expect(page.get_by_text("No saved pipelines yet.")).to_be_visible()
    page.get_by_role("link", name="New pipeline").click()

    page.get_by_label("Name", exact=True).fill("e2e-prices")
    page.get_by_label("Rows come from").select_option("inline")
    rows = [
        {"title": " Lamp ", "price": "19.90"},
        {"title": "Lamp", "price": "19.90"},
        {"title": "Desk", "price": "120"},
    ]
    page.get_by_label("Rows (a JSON list of objects)").fill(json.dumps(rows))
    for op in ("trim", "cast", "dedupe"):
        page.get_by_label("Add a step").select_option(op)
        page.get_by_role("button", name="Add step").click()
    page.get_by_label("Step 2 Columns and types").fill("price: number")
    page.get_by_label("Step 3 Compare columns").fill("title")
    page.get_by_label("File format").select_option("csv")

    # The preview runs the steps on the first rows, through the worker, before anything is saved.
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("pipeline-preview")
    expect(preview.locator(".badge").first).to_have_text("completed", timeout=BOUND_MS)
    expect(preview.get_by_role("table", name="Preview rows").locator("tbody tr")).to_have_count(2)
    expect(preview).to_contain_text("Desk")
    screenshot(page, "pipeline-preview")

    page.get_by_role("button", name="Save pipeline").click()
    expect(page).to_have_url(re.compile(r"/pipelines/[0-9a-f-]{36}$"))
    expect(page.get_by_role("button", name="Saved")).to_be_visible()

    page.get_by_role("button", name="Run", exact=True).click()
    runs = page.get_by_test_id("pipeline-runs")
    expect(runs.locator(".badge").first).to_have_text("completed", timeout=BOUND_MS)
    report = page.get_by_test_id("step-report")
    expect(report.locator("tbody tr")).to_have_count(3)
    expect(report.locator("tbody tr").nth(2)).to_contain_text("dedupe: 3 -> 2")
    screenshot(page, "pipelines")

    page.get_by_role("link", name="Exports").click()
    exports = page.get_by_test_id("exports-table")
    expect(exports).to_contain_text("e2e-prices.csv")
    screenshot(page, "exports")
    with page.expect_download() as download_info:
        exports.get_by_role("button", name="Download").first.click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert [(r["title"], float(r["price"])) for r in rows] == [("Lamp", 19.9), ("Desk", 120.0)]


def test_status_bar_warns_that_jobs_stay_queued_when_the_worker_stops(
    page: Page, api: str, worker: Service, site: LoopbackServer
) -> None:
    scrape = {"url": f"{site.url}/product/1", "schema": {"title": "string"}}
    done = httpx.post(f"{api}/api/scrape?wait=60", json=scrape, timeout=90).json()
    assert done["status"] == "completed"
    page.goto(f"{api}/jobs")
    expect(page.get_by_test_id("worker-health")).to_contain_text("1 worker")
    expect(page.get_by_text(NO_WORKER)).to_have_count(0)

    worker.stop()
    expect(page.get_by_text(NO_WORKER)).to_be_visible(timeout=BOUND_MS)
    expect(page.get_by_test_id("worker-health")).to_contain_text("no worker")

    # A job created now waits in the queue; the list shows it queued under the warning.
    assert httpx.post(f"{api}/api/scrape", json={**scrape, "name": "waiting"}).status_code == 202
    page.reload()
    expect(page.locator(".badge").first).to_have_text("queued")
    expect(page.get_by_text(NO_WORKER)).to_be_visible()
    screenshot(page, "no-worker")
    page.set_viewport_size(PHONE)
    screenshot(page, "jobs-phone")


def test_api_key_is_asked_for_on_401_kept_in_the_browser_and_sent_as_bearer(
    page: Page, env: dict[str, str], tmp_path: Path
) -> None:
    service, base = start_api({**env, "API_KEY": "s3cret-key"}, tmp_path, name="api-key")
    try:
        page.goto(f"{base}/jobs")
        dialog = page.get_by_role("dialog", name="API key needed")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("asks for an API key")

        dialog.get_by_label("API key").fill("wrong")
        dialog.get_by_role("button", name="Save key").click()
        expect(dialog).to_contain_text("refused the saved key")

        dialog.get_by_label("API key").fill("s3cret-key")
        dialog.get_by_role("button", name="Save key").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_text("No jobs yet.")).to_be_visible()
        assert page.evaluate("localStorage.getItem('dataops.apiKey')") == "s3cret-key"

        # The saved key is used from the start next time: no prompt.
        created = httpx.post(
            f"{base}/api/scrape",
            json={"url": "https://shop.example/p/1"},
            headers={"Authorization": "Bearer s3cret-key"},
        )
        assert created.status_code == 202
        page.reload()
        expect(page.locator(".badge").first).to_have_text("queued")
        expect(dialog).to_be_hidden()
    finally:
        service.stop()


def test_status_bar_says_why_the_worker_cannot_run_browser_jobs(
    page: Page, api: str, env: dict[str, str], tmp_path: Path
) -> None:
    not_a_browser = tmp_path / "chromium"
    not_a_browser.write_text("#!/bin/sh\necho 'not a browser' >&2\nexit 1\n")
    not_a_browser.chmod(0o755)
    worker = start_worker({**env, "CHROMIUM_PATH": str(not_a_browser)}, tmp_path)
    try:
        page.goto(f"{api}/jobs")
        warning = page.get_by_test_id("health-warning")
        expect(warning).to_contain_text(
            f"browser unavailable: Chromium could not be started ({not_a_browser})"
        )
        expect(warning).to_contain_text("it exited with code 1 (not a browser)")
        expect(page.get_by_test_id("worker-health")).to_contain_text("1 worker")
    finally:
        worker.stop()
