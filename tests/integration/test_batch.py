"""Batches of URLs through the real API and worker: a record per URL in order, failures counted,
per-host politeness, actions in the browser, refused requests, cancel and timeout."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.waiting import BOUND, wait_for

SCHEMA = {"title": "h1", "price": {"selector": ".price", "type": "number"}}
HTML = {"Content-Type": "text/html; charset=utf-8"}
BUTTON_PAGE = (
    b"<html><body><h1>Hidden</h1><span class=price>1.50</span>"
    b"<button id=show onclick=\"document.querySelector('h1').textContent = 'Shown ' + location.pathname\">"
    b"Show</button></body></html>"
)


def missing(i: int) -> bool:
    """Every tenth item does not exist."""
    return i % 10 == 7


class Site:
    """Items (some missing), a page robots.txt forbids, and held pages that answer when released."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.release = threading.Event()
        self.unstall = threading.Event()

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if request.path.startswith("/held/"):
                self.release.wait(BOUND)
            if request.path.startswith("/stall/"):
                self.unstall.wait(BOUND)
            if request.path.startswith("/button/"):
                return 200, HTML, BUTTON_PAGE
            kind, _, number = request.path.strip("/").partition("/")
            i = int(number)
            if kind == "item" and missing(i):
                return 404, HTML, b"<h1>Not found</h1>"
            body = f"<html><body><h1>Item {i}</h1><span class=price>{i}.50</span></body></html>"
            return 200, HTML, body.encode()
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[Site, LoopbackServer]]:
    pages = Site()
    with loopback_server(pages.respond) as server:
        try:
            yield pages, server
        finally:
            pages.release.set()
            pages.unstall.set()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("batch")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}", tmp, SCRAPE_ALLOW_HOSTS="127.0.0.1"
    ) as running:
        yield running


def post_batch(stack: Stack, body: dict[str, Any], **params: Any) -> httpx.Response:
    return httpx.post(f"{stack.base}/api/scrape/batch", json=body, params=params, timeout=BOUND)


def all_records(stack: Stack, job_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{stack.base}/api/jobs/{job_id}/results", params={"format": "json"}, timeout=30)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_a_batch_stores_a_record_per_url_in_order_and_counts_the_failures(
    stack: Stack, site: tuple[Site, LoopbackServer]
) -> None:
    pages, server = site
    urls = [f"{server.url}/item/{i}" for i in range(199)] + [f"{server.url}/private/1"]
    response = post_batch(stack, {"urls": urls, "schema": SCHEMA, "options": {"max_concurrency": 3}})
    assert response.status_code == 202, response.text
    job = stack.wait(response.json()["job_id"])
    assert job["status"] == "completed", job
    assert job["type"] == "scrape.batch"
    not_found = [i for i in range(199) if missing(i)]
    result = job["result"]
    assert (result["urls"], result["succeeded"], result["errors"]) == (200, 199 - len(not_found), 21)
    assert job["progress"]["pages_done"] == job["progress"]["pages_total"] == 200
    assert job["progress"]["errors"] == 21
    assert {(f["url"], f["code"]) for f in result["failed_pages"]} == {
        *((f"{server.url}/item/{i}", "not_found") for i in not_found),
        (f"{server.url}/private/1", "robots_disallowed"),
    }
    assert pages.most_in_flight <= 3, "more requests in flight to one host than max_concurrency"

    records = all_records(stack, job["job_id"])
    assert [r["url"] for r in records] == urls
    assert records[42] == {"url": urls[42], "status": "ok", "data": {"title": "Item 42", "price": 42.5}}
    assert records[7]["status"] == "failed"
    assert records[7]["error"]["code"] == "not_found"
    assert "data" not in records[7]
    assert records[199]["error"]["code"] == "robots_disallowed"

    download = stack.download(job["job_id"], "csv")
    assert download.status_code == 200, download.text
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == 200
    assert rows[42]["url"] == urls[42]
    assert (rows[42]["status"], rows[42]["data.title"], rows[42]["data.price"]) == ("ok", "Item 42", "42.5")
    assert (rows[17]["status"], rows[17]["error.code"], rows[17]["data.title"]) == ("failed", "not_found", "")


def test_a_batch_with_wait_answers_the_finished_job(stack: Stack, site: tuple[Site, LoopbackServer]) -> None:
    _, server = site
    urls = [f"{server.url}/item/{i}" for i in (1, 2)]
    response = post_batch(stack, {"urls": urls, "schema": SCHEMA, "formats": ["data", "text"]}, wait=60)
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["result"]["succeeded"] == 2
    records = all_records(stack, job["job_id"])
    assert [r["text"] for r in records] == ["Item 1\n\n1.50", "Item 2\n\n2.50"]


def test_polling_a_long_batch_sends_its_first_urls_and_the_request_has_them_all(
    stack: Stack, site: tuple[Site, LoopbackServer]
) -> None:
    _, server = site
    urls = [f"{server.url}/item/{i}" for i in range(1000, 1300)]
    response = post_batch(stack, {"urls": urls, "schema": SCHEMA, "options": {"max_concurrency": 8}})
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    polled = httpx.get(f"{stack.base}/api/jobs/{job_id}", timeout=10)
    request = polled.json()["request"]
    assert (request["urls"], request["urls_total"]) == (urls[:10], 300)
    assert request["schema"] == SCHEMA
    assert len(polled.content) < 4000, "the job body carries the whole URL list"
    # The ETag still answers 304 while the job is unchanged.
    job = stack.wait(job_id)
    etag = httpx.get(f"{stack.base}/api/jobs/{job_id}", timeout=10).headers["etag"]
    again = httpx.get(f"{stack.base}/api/jobs/{job_id}", headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304
    assert job["result"]["urls"] == 300

    whole = httpx.get(f"{stack.base}/api/jobs/{job_id}/request", timeout=10)
    assert whole.status_code == 200
    assert whole.json()["urls"] == urls
    assert "urls_total" not in whole.json()
    gone = httpx.get(f"{stack.base}/api/jobs/no-such-job/request", timeout=10)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ({"urls": []}, "body.urls", "at least 1"),
        ({"urls": ["https://shop.example/p"] * 10_001}, "body.urls", "at most 10000"),
        ({"urls": ["https://shop.example/p", "shop.example/2"]}, "body.urls.1", ""),
        ({"urls": ["https://shop.example/p", "ftp://shop.example/2"]}, "body.urls.1", "http"),
        ({"urls": ["https://shop.example/p", "http://10.0.0.1/admin"]}, "body.urls.1", "private"),
        ({"urls": ["https://shop.example/p"], "url": "https://shop.example/p"}, "body", "urls"),
        ({"urls": ["https://shop.example/p"], "crawl": {}}, "body", "does not crawl"),
        ({"urls": ["https://shop.example/p"], "options": {"screenshot": True}}, "body", "browser"),
        (
            {"urls": ["https://shop.example/p"], "strategy": "dynamic", "options": {"screenshot": True}},
            "body",
            "not for batches",
        ),
    ],
)
def test_bad_batches_are_refused_naming_the_url(
    stack: Stack, body: dict[str, Any], where: str, says: str
) -> None:
    response = post_batch(stack, body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == where, error
    assert says in error["message"], error


def test_the_batch_path_answers_post_only(stack: Stack) -> None:
    # `/api/scrape/{job_id}` matches the path too, but a job id is not the batch resource.
    response = httpx.request("OPTIONS", f"{stack.base}/api/scrape/batch", timeout=10)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_a_cancelled_batch_stops_loading_urls(stack: Stack, site: tuple[Site, LoopbackServer]) -> None:
    pages, server = site
    urls = [f"{server.url}/held/{i}" for i in range(50)]
    response = post_batch(stack, {"urls": urls, "options": {"max_concurrency": 2}})
    job_id = response.json()["job_id"]

    def held() -> int:
        return sum(1 for r in server.requests if r.path.startswith("/held/"))

    wait_for(lambda: held() == 2)
    stack.cancel(job_id)
    job = stack.wait(job_id, "cancelled")
    assert job["progress"]["pages_total"] == 50
    pages.release.set()
    # A later job on the same worker finishes after the released pages were answered.
    after = post_batch(stack, {"urls": [f"{server.url}/item/1"]}, wait=60)
    assert after.json()["status"] == "completed", after.text
    assert held() == 2, "the cancelled batch kept loading URLs"


def test_a_batch_runs_the_actions_on_every_page(stack: Stack, site: tuple[Site, LoopbackServer]) -> None:
    _, server = site
    urls = [f"{server.url}/button/{i}" for i in (1, 2)]
    body = {
        "urls": urls, "schema": SCHEMA, "strategy": "dynamic",
        "actions": [{"type": "click", "selector": "#show"}],
    }  # fmt: skip
    response = post_batch(stack, body, wait=BOUND)
    assert response.status_code == 200, response.text
    assert response.json()["result"]["succeeded"] == 2, response.text
    records = all_records(stack, response.json()["job_id"])
    assert [r["data"]["title"] for r in records] == ["Shown /button/1", "Shown /button/2"]
    assert [[a["ok"] for a in r["actions"]] for r in records] == [[True], [True]]


def test_a_batch_that_runs_out_of_time_fails_with_timeout(
    stack: Stack, site: tuple[Site, LoopbackServer]
) -> None:
    _, server = site
    urls = [f"{server.url}/stall/{i}" for i in range(5)]
    response = post_batch(stack, {"urls": urls, "timeout_seconds": 1, "max_attempts": 1})
    job = stack.wait(response.json()["job_id"])
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "timeout", job
