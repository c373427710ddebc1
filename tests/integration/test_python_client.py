"""The Python client (`dataops_client`) against a real API and worker, a local shop and a local
webhook receiver: every method a user calls, sync and async, and the errors the API answers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dataops_client import (
    AsyncDataOps,
    DataOps,
    InvalidRequest,
    NotFound,
    Unauthorized,
    WaitTimeout,
    verify_signature,
)
from dataops_client.errors import Conflict, RateLimited, error_from_answer
from dataops_client.models import BatchResult, CrawlResult, JobOut, ScrapePageResult

from backend_fastapi.worker.webhooks import sign
from tests.support.processes import start_api
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, loopback_server
from tests.support.sites import ShopSite, shop_server
from tests.support.waiting import BOUND, wait_for

KEY = "client-secret"
WEBHOOK_SECRET = "client-webhook-secret"
PRODUCTS = 23
FIELDS = {"title": "string", "price": "number"}


@pytest.fixture(scope="module")
def shop() -> Iterator[LoopbackServer]:
    with shop_server(ShopSite(products=PRODUCTS, per_page=10)) as server:
        yield server


@pytest.fixture(scope="module")
def receiver() -> Iterator[LoopbackServer]:
    with loopback_server(lambda request: (200, {}, b"ok")) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("client")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS="127.0.0.1",
        API_KEY=KEY,
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        WORKER_CONCURRENCY=3,
    ) as running:
        yield running


@pytest.fixture
def dataops(stack: Stack) -> Iterator[DataOps]:
    with DataOps(stack.base, api_key=KEY, timeout=BOUND) as client:
        yield client


def test_scrape_waits_for_the_job_and_answers_the_typed_result(
    dataops: DataOps, shop: LoopbackServer
) -> None:
    job = dataops.scrape(f"{shop.url}/p/1", FIELDS, formats=["data", "markdown"], timeout=BOUND)
    assert isinstance(job, JobOut)
    assert job.status == "completed", job.error
    assert isinstance(job.result, ScrapePageResult)
    assert job.result.data == {"title": "Blue Mug 1", "price": 1235.5}
    assert job.result.markdown is not None
    assert "Blue Mug 1" in job.result.markdown


def test_without_wait_the_queued_job_comes_back_and_wait_follows_it(
    dataops: DataOps, shop: LoopbackServer
) -> None:
    queued = dataops.scrape(f"{shop.url}/p/2", FIELDS, wait=False)
    assert queued.status in ("queued", "running", "completed")
    done = dataops.wait(queued.job_id, timeout=BOUND)
    assert done.status == "completed"
    assert done.job_id == queued.job_id
    seen = list(dataops.watch(queued.job_id, timeout=BOUND))
    assert seen[-1].status == "completed"
    assert dataops.job(queued.job_id).job_id == queued.job_id
    page = dataops.jobs(status="completed", limit=200)
    assert queued.job_id in [j.job_id for j in page.items]


def test_a_crawl_pages_its_records_across_several_pages_and_downloads_them(
    dataops: DataOps, shop: LoopbackServer, tmp_path: Path
) -> None:
    job = dataops.crawl(
        f"{shop.url}/catalog/1",
        {"name": "h1"},
        follow="a.product-link",
        next_page="a[rel=next]",
        max_pages=100,
        timeout=BOUND,
    )
    assert job.status == "completed", job.error
    assert isinstance(job.result, CrawlResult)
    records = list(dataops.results(job.job_id, page_size=7))  # 4 pages
    names = sorted(r["data"]["name"] for r in records)
    assert names == sorted(f"Blue Mug {i}" for i in range(1, PRODUCTS + 1))

    saved = dataops.download(job.job_id, "csv", tmp_path / "records.csv")
    assert saved == tmp_path / "records.csv"
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == PRODUCTS
    lines = dataops.download(job.job_id, "jsonl", tmp_path / "records.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["data"]["name"] for line in lines) == names


def test_a_batch_and_a_map(dataops: DataOps, shop: LoopbackServer) -> None:
    urls = [f"{shop.url}/p/{i}" for i in (3, 4, 5)]
    job = dataops.batch(urls, FIELDS, timeout=BOUND)
    assert job.status == "completed", job.error
    assert isinstance(job.result, BatchResult)
    records = list(dataops.results(job.job_id))
    assert [r["data"]["title"] for r in records] == ["Blue Mug 3", "Blue Mug 4", "Blue Mug 5"]

    mapped = dataops.map(f"{shop.url}/", max_urls=100, timeout=BOUND)
    assert mapped.status == "completed", mapped.error
    found = {r["url"] for r in dataops.results(mapped.job_id)}
    assert f"{shop.url}/catalog/1" in found


def test_a_crawl_pauses_and_resumes(dataops: DataOps, shop: LoopbackServer) -> None:
    crawl = dataops.crawl(f"{shop.url}/slow?s=30", FIELDS, wait=False)
    wait_for(lambda: dataops.job(crawl.job_id).status == "running", timeout=BOUND)
    pausing = dataops.pause(crawl.job_id)
    assert pausing.status == "paused" or pausing.pause_requested
    wait_for(lambda: dataops.job(crawl.job_id).status == "paused", timeout=BOUND)
    assert dataops.resume(crawl.job_id).status in ("queued", "running")
    with pytest.raises(Conflict):
        dataops.resume(crawl.job_id)
    dataops.cancel(crawl.job_id)
    assert dataops.wait(crawl.job_id, timeout=BOUND).status == "cancelled"


def test_wait_gives_up_after_its_timeout_with_the_job_as_it_was(
    dataops: DataOps, shop: LoopbackServer
) -> None:
    queued = dataops.scrape(f"{shop.url}/slow?s=30", FIELDS, wait=False)
    with pytest.raises(WaitTimeout) as raised:
        dataops.wait(queued.job_id, timeout=0.5)
    assert raised.value.job.job_id == queued.job_id
    assert raised.value.job.status in ("queued", "running")
    cancelled = dataops.cancel(queued.job_id)
    assert cancelled.cancel_requested or cancelled.status == "cancelled"
    assert dataops.wait(queued.job_id, timeout=BOUND).status == "cancelled"
    assert dataops.retry(queued.job_id).status == "queued"
    dataops.cancel(queued.job_id)
    dataops.wait(queued.job_id, timeout=BOUND)
    dataops.delete_job(queued.job_id)
    with pytest.raises(NotFound):
        dataops.job(queued.job_id)


def recording_client(base: str, seen: list[tuple[str, str, int]]) -> httpx.Client:
    """An httpx client that notes each answer's method, path and status."""

    def note(response: httpx.Response) -> None:
        seen.append((response.request.method, response.request.url.path, response.status_code))

    headers = {"Authorization": f"Bearer {KEY}"}
    return httpx.Client(base_url=base, headers=headers, timeout=BOUND, event_hooks={"response": [note]})


def test_wait_follows_the_job_event_stream(stack: Stack, shop: LoopbackServer) -> None:
    seen: list[tuple[str, str, int]] = []
    with DataOps(http=recording_client(stack.base, seen)) as dataops:
        queued = dataops.scrape(f"{shop.url}/slow?s=2", {"title": "h1"}, wait=False)
        changes = list(dataops.watch(queued.job_id, timeout=BOUND))
    assert changes[-1].status == "completed"
    assert changes[-1].result is not None
    assert "running" in [c.status for c in changes]
    job_path = f"/api/jobs/{queued.job_id}"
    assert ("GET", f"{job_path}/events", 200) in seen
    # No polling: the job is read when queued and once more, whole, when the stream says finished.
    assert [s for s in seen if s[1] == job_path] == [("GET", job_path, 200)] * 2


def test_wait_polls_with_if_none_match_when_the_api_refuses_streams(
    stack: Stack, shop: LoopbackServer, tmp_path: Path
) -> None:
    api, base = start_api({**stack.env, "EVENTS_MAX_STREAMS": "1"}, tmp_path, name="api-one-stream")
    seen: list[tuple[str, str, int]] = []
    try:
        with DataOps(http=recording_client(base, seen)) as dataops:
            queued = dataops.scrape(f"{shop.url}/slow?s=3", {"title": "h1"}, wait=False)
            job_path = f"/api/jobs/{queued.job_id}"
            headers = {"Authorization": f"Bearer {KEY}"}
            with httpx.stream("GET", f"{base}{job_path}/events", headers=headers, timeout=BOUND) as held:
                assert held.status_code == 200  # the one stream the API allows
                done = dataops.wait(queued.job_id, timeout=BOUND)
    finally:
        api.stop()
    assert done.status == "completed"
    assert ("GET", f"{job_path}/events", 503) in seen
    polls = [status for method, path, status in seen if path == job_path]
    assert 304 in polls  # nothing changed between two polls of a three-second page
    assert polls[-1] == 200


def test_refusals_raise_the_api_error_with_its_code_details_and_status(
    dataops: DataOps, stack: Stack, shop: LoopbackServer
) -> None:
    with pytest.raises(InvalidRequest) as invalid:
        dataops.scrape("ftp://nowhere/", FIELDS)
    assert (invalid.value.status, invalid.value.code) == (422, "validation_error")
    assert invalid.value.details[0]["field"] == "body.url"

    with pytest.raises(NotFound) as missing:
        dataops.job("no-such-job")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
    assert "no-such-job" in missing.value.message

    with DataOps(stack.base, api_key="wrong") as stranger, pytest.raises(Unauthorized) as refused:
        stranger.scrape(f"{shop.url}/p/1", FIELDS)
    assert refused.value.status == 401


def test_a_429_carries_retry_after() -> None:
    body = json.dumps({"error": {"code": "rate_limited", "message": "slow down", "details": None}})
    error = error_from_answer(429, {"retry-after": "7"}, body.encode())
    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.code, error.status) == (7.0, "rate_limited", 429)


def test_a_pipeline_run_and_its_export(dataops: DataOps, tmp_path: Path) -> None:
    rows = [{"sku": "A", "price": "3"}, {"sku": "B", "price": "5"}, {"sku": "A", "price": "3"}]
    pipeline = {
        "name": "client-prices",
        "source": {"type": "inline", "records": rows},
        "steps": [{"op": "dedupe"}, {"op": "cast", "columns": {"price": "number"}}],
        "output": {"format": "csv"},
    }
    job = dataops.run_pipeline(pipeline=pipeline, timeout=BOUND)
    assert job.status == "completed", job.error
    assert list(dataops.results(job.job_id)) == [{"sku": "A", "price": 3.0}, {"sku": "B", "price": 5.0}]
    exports = dataops.exports(job_id=job.job_id).items
    assert [e.format for e in exports] == ["csv"]
    saved = dataops.download_export(exports[0].export_id, tmp_path / "prices.csv")
    assert list(csv.DictReader(io.StringIO(saved.read_text()))) == [
        {"sku": "A", "price": "3.0"},
        {"sku": "B", "price": "5.0"},
    ]


def test_a_monitor_round_trip(dataops: DataOps, shop: LoopbackServer) -> None:
    target = {"url": f"{shop.url}/p/6", "schema": FIELDS}
    created = dataops.create_monitor("client-mug", target, every="1h")
    assert created.name == "client-mug"
    assert "client-mug" in [m.name for m in dataops.monitors().items]
    changed = dataops.update_monitor("client-mug", every="30m")
    assert (changed.every, changed.monitor_id, changed.target["url"]) == (
        "30m",
        created.monitor_id,
        target["url"],
    )
    check = dataops.check_monitor("client-mug", timeout=BOUND)
    assert check.status == "completed", check.error

    def compared() -> bool:
        last = dataops.monitor(created.monitor_id).last_check
        return last is not None and last.job_id == check.job_id

    wait_for(compared)
    assert dataops.monitor_changes("client-mug").items is not None
    dataops.delete_monitor("client-mug")
    with pytest.raises(NotFound):
        dataops.monitor("client-mug")


def test_a_webhook_delivery_verifies_with_the_helper(
    dataops: DataOps, shop: LoopbackServer, receiver: LoopbackServer
) -> None:
    webhook = {"url": f"{receiver.url}/client-hook", "events": ["completed"]}
    job = dataops.scrape(f"{shop.url}/p/7", FIELDS, webhook=webhook, timeout=BOUND)

    def delivered() -> list[object]:
        return [r for r in list(receiver.requests) if r.path == "/client-hook"]

    request = wait_for(delivered)[0]
    assert json.loads(request.body)["job_id"] == job.job_id
    signature = {k.lower(): v for k, v in request.headers.items()}["x-dataops-signature"]
    assert verify_signature(WEBHOOK_SECRET, request.body, signature)
    assert not verify_signature(WEBHOOK_SECRET, request.body + b" ", signature)
    assert not verify_signature("another-secret", request.body, signature)
    assert not verify_signature(WEBHOOK_SECRET, request.body, None)
    assert verify_signature("s", b"{}", sign("s", b"{}"))


async def test_the_async_client_does_the_same(stack: Stack, shop: LoopbackServer, tmp_path: Path) -> None:
    async with AsyncDataOps(stack.base, api_key=KEY, timeout=BOUND) as dataops:
        job = await dataops.scrape(f"{shop.url}/p/8", FIELDS, timeout=BOUND)
        assert isinstance(job.result, ScrapePageResult)
        assert job.result.data == {"title": "Blue Mug 8", "price": 1242.5}

        crawl = await dataops.crawl(
            f"{shop.url}/catalog/1", {"name": "h1"}, follow="a.product-link", wait=False, max_pages=100
        )
        statuses = [j.status async for j in dataops.watch(crawl.job_id, timeout=BOUND)]
        assert statuses[-1] == "completed"
        records = [r async for r in dataops.results(crawl.job_id, page_size=4)]
        assert len(records) == 10  # the first listing page's products
        saved = await dataops.download(crawl.job_id, "json", tmp_path / "crawl.json")
        assert len(json.loads(saved.read_text())) == 10

        with pytest.raises(NotFound):
            await dataops.job("no-such-job")
        with pytest.raises(InvalidRequest) as invalid:
            await dataops.batch([], FIELDS)
        assert invalid.value.details[0]["field"] == "body.urls"
    async with AsyncDataOps(stack.base, api_key="wrong") as stranger:
        with pytest.raises(Unauthorized):
            await stranger.jobs()
