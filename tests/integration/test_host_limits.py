"""Per-host limits across the whole installation: ten crawls on three workers never have more than
HOST_MAX_CONCURRENCY requests in flight at the site, nor more than HOST_MAX_RPS a second, measured
at the site's server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import Service, service_env, start_api, start_worker
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.waiting import BOUND, wait_for

JOBS = 10
PAGES = 9  # a start page and its links: 10 requests a job
HTML = {"Content-Type": "text/html; charset=utf-8"}


class CountingSite:
    """Pages that take a moment; the most requests in flight at once, and when each started."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.starts: list[float] = []

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/robots.txt":
            return 404, HTML, b""
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self.starts.append(time.monotonic())
        try:
            time.sleep(self.seconds)
            job, _, page = request.path.strip("/").partition("/")
            links = "".join(f'<a href="/{job}/{i}">{i}</a>' for i in range(PAGES)) if not page else ""
            return 200, HTML, f"<html><body><h1>{request.path}</h1>{links}</body></html>".encode()
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture
def site(request: pytest.FixtureRequest) -> Iterator[tuple[CountingSite, LoopbackServer]]:
    pages = CountingSite(getattr(request, "param", 0.05))
    with loopback_server(pages.respond) as server:
        yield pages, server


def crawl_everything(db_url: str, tmp_path: Path, server: LoopbackServer, **limits: str) -> None:
    """JOBS crawls of the site at once, on three workers of four slots each; all must complete."""
    env = service_env(db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1", WORKER_CONCURRENCY="4", **limits)
    api, base = start_api(env, tmp_path)
    workers: list[Service] = []
    try:
        workers = [start_worker(env, tmp_path, f"worker-{i}") for i in range(3)]
        ids = []
        for j in range(JOBS):
            body = {
                "url": f"{server.url}/job{j}",
                "schema": {"title": "h1"},
                "crawl": {"max_pages": PAGES + 1, "max_depth": 1},
                "options": {"max_concurrency": 8},
            }
            ids.append(httpx.post(f"{base}/api/scrape", json=body, timeout=30).json()["job_id"])

        def finished() -> list[dict[str, object]] | None:
            jobs = [httpx.get(f"{base}/api/jobs/{i}", timeout=10).json() for i in ids]
            return jobs if all(j["status"] in ("completed", "failed") for j in jobs) else None

        jobs = wait_for(finished, timeout=BOUND * 2)
        assert all(j["status"] == "completed" for j in jobs), jobs
        # More than one worker ran the crawls: the limit held across processes, not within one.
        assert sum("job.completed" in w.log() for w in workers) >= 2
    finally:
        for service in (*workers, api):
            service.stop()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_ten_crawls_on_three_workers_never_exceed_the_host_concurrency(
    db_url: str, tmp_path: Path, site: tuple[CountingSite, LoopbackServer]
) -> None:
    pages, server = site
    crawl_everything(db_url, tmp_path, server, HOST_MAX_CONCURRENCY="2")
    assert len(pages.starts) == JOBS * (PAGES + 1)
    assert pages.most <= 2, pages.most


@pytest.mark.parametrize("site", [0.0], indirect=True)
def test_ten_crawls_on_three_workers_keep_to_the_host_rate(
    db_url: str, tmp_path: Path, site: tuple[CountingSite, LoopbackServer]
) -> None:
    pages, server = site
    crawl_everything(db_url, tmp_path, server, HOST_LIMITS="127.0.0.1=0:20")
    starts = sorted(pages.starts)
    assert len(starts) == JOBS * (PAGES + 1)
    # 20 a second: any 41 requests in a row span at least two seconds, less what a busy machine
    # may add to one request's way to the server (a quarter of a second here).
    spans = [starts[i + 40] - starts[i] for i in range(len(starts) - 40)]
    assert min(spans) >= 2.0 - 0.25, min(spans)


APP = b"""<html><body><ul id="out"></ul><script>
Promise.all([0, 1, 2, 3, 4, 5].map((i) => fetch('/data/' + i).then((r) => r.status)))
  .then((codes) => {
    document.getElementById('out').innerHTML = codes.map((c) => '<li>' + c + '</li>').join('');
  });
</script></body></html>"""


@pytest.mark.browser
def test_the_browser_pages_requests_keep_to_the_host_concurrency(
    db_url: str, tmp_path: Path, site: tuple[CountingSite, LoopbackServer]
) -> None:
    """A rendered page's own requests (six fetches at once, from two pages at once) take their turn
    like a crawl's: never more than HOST_MAX_CONCURRENCY in flight at the site."""
    pages, _ = site

    def respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
        return (200, HTML, APP) if request.path.startswith("/app") else pages.respond(request)

    env = service_env(
        db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1", WORKER_CONCURRENCY="2", HOST_MAX_CONCURRENCY="1"
    )
    with loopback_server(respond) as server:
        api, base = start_api(env, tmp_path)
        worker = start_worker(env, tmp_path, "worker-1")
        try:
            body = {
                "schema": {"first": "#out li"},
                "strategy": "dynamic",
                "options": {"wait_for": "#out li"},
            }
            ids = [
                httpx.post(
                    f"{base}/api/scrape", json={**body, "url": f"{server.url}/app{j}"}, timeout=30
                ).json()["job_id"]
                for j in range(2)
            ]

            def finished() -> list[dict[str, object]] | None:
                jobs = [httpx.get(f"{base}/api/jobs/{i}", timeout=10).json() for i in ids]
                return jobs if all(j["status"] in ("completed", "failed") for j in jobs) else None

            jobs = wait_for(finished, timeout=BOUND * 2)
        finally:
            worker.stop()
            api.stop()
    assert all(j["status"] == "completed" for j in jobs), jobs
    assert all(j["result"]["data"]["first"] == "200" for j in jobs), jobs  # type: ignore[index]
    assert len(pages.starts) == 12  # every fetch of both pages reached the site
    assert pages.most <= 1, pages.most
