"""A crawl whose worker is killed (kill -9) halfway resumes on the next worker from its stored
frontier: pages finished before the kill are not fetched again, records are complete and none is
stored twice. A crawl paused through the API rests, fetching nothing, and resumes the same way.
Counted at the site's server."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.processes import Service, service_env, start_api, start_worker
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.waiting import BOUND, wait_for

SECTIONS = 100
ITEMS = 49  # a start page, 100 section pages, 4,900 item pages: 5,001 pages
PAGES = 1 + SECTIONS + SECTIONS * ITEMS
# Pages that answer 404, spread over the crawl: some fail before the interruption, some after, and
# the result counts and names them all, whichever attempt fetched them.
FAILING = frozenset(f"/i/{section}/7" for section in range(0, SECTIONS, 10))
CONCURRENCY = 4
HTML = {"Content-Type": "text/html; charset=utf-8"}


class Site:
    """A site of PAGES pages; every request counted by path."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fetches: Counter[str] = Counter()

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        path = request.path
        if path == "/robots.txt":
            return 404, HTML, b""
        with self.lock:
            self.fetches[path] += 1
        # A few milliseconds a page: the crawl takes seconds, so the kill lands in its middle.
        time.sleep(0.003)
        if path == "/":
            links = "".join(f'<a href="/s/{s}">Section {s}</a>' for s in range(SECTIONS))
        elif path.startswith("/s/"):
            section = int(path.rsplit("/", 1)[1])
            links = "".join(f'<a href="/i/{section}/{i}">Item {i}</a>' for i in range(ITEMS))
        elif path in FAILING:
            return 404, HTML, b"<h1>Gone</h1>"
        elif path.startswith("/i/"):
            links = '<a href="/">Home</a>'
        else:
            return 404, HTML, b"<h1>Not found</h1>"
        return 200, HTML, f"<html><body><h1>{path}</h1>{links}</body></html>".encode()

    def fetched(self) -> int:
        with self.lock:
            return len(self.fetches)


@pytest.fixture
def site() -> Iterator[tuple[Site, LoopbackServer]]:
    pages = Site()
    with loopback_server(pages.respond) as server:
        yield pages, server


@pytest.mark.parametrize(
    ("backend", "how"),
    [
        ("sqlite", "kill -9"),
        pytest.param("postgres", "kill -9", marks=pytest.mark.postgres),
        ("sqlite", "stopped"),
    ],
    indirect=["backend"],
)
def test_a_crawl_interrupted_halfway_resumes_without_fetching_finished_pages_or_storing_records_twice(
    tmp_path: Path, db_url: str, site: tuple[Site, LoopbackServer], how: str
) -> None:
    """kill -9: the lease runs out and the next attempt resumes. Stopped (SIGTERM, no grace left):
    the worker gives the job back, the interrupted attempt does not count, and its records stay."""
    pages, server = site
    env = service_env(
        db_url,
        tmp_path,
        SCRAPE_ALLOW_HOSTS="127.0.0.1",
        JOB_LEASE_SECONDS="3",
        WORKER_CONCURRENCY="1",
        WORKER_SHUTDOWN_GRACE_SECONDS="0",
    )
    api, base = start_api(env, tmp_path)
    first = start_worker(env, tmp_path, "worker-1")
    second: Service | None = None
    try:
        created = httpx.post(f"{base}/api/scrape", json=crawl_request(server), timeout=30)
        assert created.status_code == 202, created.text
        job_id = created.json()["job_id"]
        wait_for(lambda: pages.fetched() >= PAGES // 2, timeout=BOUND)
        if how == "kill -9":
            first.kill()  # SIGKILL: no goodbye, the lease simply runs out
        else:
            first.stop()
            assert "job.released" in first.log()
        fetched_at_kill = pages.fetched()
        assert fetched_at_kill < PAGES, "the crawl ended before the kill: nothing was tested"

        second = start_worker(env, tmp_path, "worker-2")

        job = wait_for(lambda: finished(base, job_id), timeout=BOUND * 3)
        assert job["status"] == "completed", job
        assert job["attempts"] == (2 if how == "kill -9" else 1)
        assert "crawl.resumed" in second.log()

        # Fetched again: the pages in flight at the kill (CONCURRENCY at most), and those finished
        # while the last checkpoint was being written (about as many again).
        assert_complete(base, job, pages, refetched=4 * CONCURRENCY)
    finally:
        for service in (first, second, api):
            if service is not None:
                service.stop()


def test_a_paused_crawl_fetches_nothing_until_resumed_then_finishes_where_it_stopped(
    tmp_path: Path, db_url: str, site: tuple[Site, LoopbackServer]
) -> None:
    pages, server = site
    env = service_env(db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1")
    api, base = start_api(env, tmp_path)
    worker = start_worker(env, tmp_path, "worker-1")
    try:
        page = httpx.post(
            f"{base}/api/scrape",
            json={"url": f"{server.url}/", "schema": {"title": "h1"}},
            params={"wait": 30},
            timeout=60,
        ).json()
        refused = httpx.post(f"{base}/api/jobs/{page['job_id']}/pause", timeout=10)
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "conflict")
        assert "Only crawls" in refused.json()["error"]["message"]
        pages.fetches.clear()

        job_id = httpx.post(f"{base}/api/scrape", json=crawl_request(server), timeout=30).json()["job_id"]
        wait_for(lambda: pages.fetched() >= PAGES // 3, timeout=BOUND)
        paused = httpx.post(f"{base}/api/jobs/{job_id}/pause", timeout=10)
        assert paused.status_code == 202, paused.text
        assert paused.json()["status"] == "paused" or paused.json()["pause_requested"]

        def status() -> str:
            return str(httpx.get(f"{base}/api/jobs/{job_id}", timeout=10).json()["status"])

        wait_for(lambda: status() == "paused", timeout=BOUND)
        assert "job.paused" in worker.log()
        at_pause = sum(pages.fetches.values())
        # What the crawl gathered before the pause is readable while it rests.
        gathered = httpx.get(f"{base}/api/jobs/{job_id}/results", params={"limit": 1}, timeout=10).json()
        assert gathered["total"] > 0, gathered
        assert pages.fetched() < PAGES, "the crawl ended before the pause: nothing was tested"
        # While paused the job is not claimed: a page crawl queued now runs, the crawl does not.
        other = httpx.post(
            f"{base}/api/scrape",
            json={"url": f"{server.url}/i/0/0", "schema": {"title": "h1"}},
            params={"wait": 60},
            timeout=90,
        ).json()
        assert other["status"] == "completed"
        assert sum(pages.fetches.values()) == at_pause + 1
        pages.fetches["/i/0/0"] -= 1
        assert httpx.post(f"{base}/api/jobs/{other['job_id']}/resume", timeout=10).status_code == 409

        resumed = httpx.post(f"{base}/api/jobs/{job_id}/resume", timeout=10)
        assert resumed.status_code == 202, resumed.text
        job = wait_for(lambda: finished(base, job_id), timeout=BOUND * 3)
        assert job["status"] == "completed", job
        assert job["attempts"] == 1, "a pause does not use up an attempt"
        assert "crawl.resumed" in worker.log()
        # Fetched again: only the pages in flight when the worker stopped the crawl.
        assert_complete(base, job, pages, refetched=CONCURRENCY)
    finally:
        worker.stop()
        api.stop()


def crawl_request(server: LoopbackServer) -> dict[str, Any]:
    """The whole site, CONCURRENCY pages at a time."""
    return {
        "url": f"{server.url}/",
        "schema": {"title": "h1"},
        "crawl": {"max_pages": 10_000, "max_depth": 2},
        "options": {"max_concurrency": CONCURRENCY},
        "timeout_seconds": 600,
    }


def finished(base: str, job_id: str) -> dict[str, object] | None:
    job: dict[str, object] = httpx.get(f"{base}/api/jobs/{job_id}", timeout=10).json()
    return job if job["status"] in ("completed", "failed", "cancelled") else None


def assert_complete(base: str, job: dict[str, Any], pages: Site, refetched: int) -> None:
    """Every page's record once, every page fetched, at most `refetched` pages twice, every failed
    page counted and named."""
    records = httpx.get(
        f"{base}/api/jobs/{job['job_id']}/results", params={"format": "json"}, timeout=60
    ).json()
    titles = [r["data"]["title"] for r in records]
    assert len(titles) == PAGES - len(FAILING), (len(titles), PAGES)
    assert len(set(titles)) == len(titles), "a record was stored twice"
    assert job["result"]["pages"] == PAGES
    assert job["result"]["errors"] == len(FAILING), job["result"]["failed_pages"]
    assert {urlsplit(f["url"]).path for f in job["result"]["failed_pages"]} == FAILING
    twice = sorted(path for path, n in pages.fetches.items() if n > 1)
    assert all(n <= 2 for n in pages.fetches.values())
    assert len(twice) <= refetched, twice
    # The stored frontier is gone with the finished crawl.
    assert len(pages.fetches) == PAGES
