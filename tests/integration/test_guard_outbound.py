"""The address guard on the other outbound paths: webhooks, pipeline URL sources and schedules.

Each path is tried through the API (refused with 422), around the API (queued straight into the
database, then run by a real worker) and through redirects from an allowed site. The counting
server stands for the private network and must see no request at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import Database
from tests.support.guard_sites import REDIRECT_STATUSES, UNICODE_LOOPBACK, guard_site, guard_stack
from tests.support.pipeline_stack import make_due, sql, wait_for
from tests.support.scrape_stack import Stack
from tests.support.servers import LoopbackServer
from tests.support.waiting import enqueue, wait_status

# The counter's address written so that URL libraries read 127.0.0.1: the forms of the bypass.
BLOCKED = ["http://127.0.0.1:{port}/", *UNICODE_LOOPBACK, "http://0x7f.1:{port}/"]


@pytest.fixture(scope="module")
def hops() -> Iterator[LoopbackServer]:
    with guard_site() as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, hops: LoopbackServer) -> Iterator[Stack]:
    with guard_stack(tmp_path_factory.mktemp("guard-outbound"), hops) as running:
        yield running


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[Database]:
    database = Database(Settings(_env_file=None, DATABASE_URL=stack.env["DATABASE_URL"]))  # type: ignore[call-arg]
    yield database
    await database.close()


def blocked_urls(counter: LoopbackServer) -> list[str]:
    return [template.format(port=counter.port) for template in BLOCKED]


def post(stack: Stack, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{stack.base}{path}", json=body, timeout=10)


def deliveries_of(stack: Stack, job_id: str) -> list[tuple[Any, ...]]:
    query = "SELECT status, error_code FROM jobs WHERE type = 'webhook.deliver' AND payload LIKE ?"
    return sql(stack.env["DATABASE_URL"], query, f'%"{job_id}"%')


# --- webhooks ---------------------------------------------------------------------------------


def test_the_api_refuses_a_webhook_to_a_blocked_address(stack: Stack, counter: LoopbackServer) -> None:
    for url in blocked_urls(counter):
        body = {"url": f"{stack.base}/x", "schema": {"title": "string"}, "webhook": {"url": url}}
        response = post(stack, "/api/scrape", body)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["details"][0]["field"] == "body.webhook.url"
    assert counter.requests == []


async def test_a_webhook_queued_around_the_api_fails_with_blocked_address(
    stack: Stack, db: Database, counter: LoopbackServer
) -> None:
    for url in blocked_urls(counter):
        job_id = await enqueue(db, "test.noop", {}, webhook={"url": url, "events": ["completed"]})
        await wait_status(db, job_id, "completed")
        deliveries = wait_for(
            lambda job_id=job_id: [d for d in deliveries_of(stack, job_id) if d[0] == "failed"]
        )
        assert [d[:2] for d in deliveries] == [("failed", "blocked_address")], deliveries
    assert counter.requests == []


@pytest.mark.parametrize("status", REDIRECT_STATUSES)
async def test_a_webhook_is_never_redirected_to_a_blocked_address(
    stack: Stack, db: Database, hops: LoopbackServer, counter: LoopbackServer, status: int
) -> None:
    target = BLOCKED[1].format(port=counter.port)
    url = f"{hops.url}/go/{status}?to={target}"
    job_id = await enqueue(db, "test.noop", {}, webhook={"url": url, "events": ["completed"]})
    await wait_status(db, job_id, "completed")
    wait_for(
        lambda: len([r for r in hops.requests if r.method == "POST" and r.path.startswith(f"/go/{status}")])
    )
    deliveries = wait_for(lambda: stack.job(job_id)["webhook"]["deliveries"])
    assert deliveries[0]["status_code"] == status
    assert counter.requests == []


# --- pipeline URL sources ---------------------------------------------------------------------


def url_pipeline(url: str) -> dict[str, Any]:
    return {"pipeline": {"source": {"type": "url", "url": url, "format": "csv"}}}


def test_the_api_refuses_a_url_source_at_a_blocked_address(stack: Stack, counter: LoopbackServer) -> None:
    for url in blocked_urls(counter):
        response = post(stack, "/api/pipeline/run", url_pipeline(url))
        assert response.status_code == 422, (url, response.text)
        assert "url" in response.json()["error"]["details"][0]["field"]
    assert counter.requests == []


async def test_a_url_source_queued_around_the_api_fails_with_blocked_address(
    stack: Stack, db: Database, counter: LoopbackServer
) -> None:
    for url in blocked_urls(counter):
        job_id = await enqueue(db, "pipeline.run", url_pipeline(url), max_attempts=1)
        row = await wait_status(db, job_id, "failed", "completed", timeout=60)
        assert (row.status, row.error_code) == ("failed", "blocked_address"), (url, row.error_message)
    assert counter.requests == []


@pytest.mark.parametrize("status", REDIRECT_STATUSES)
def test_a_url_source_redirected_to_a_blocked_address_fails_with_blocked_address(
    stack: Stack, hops: LoopbackServer, counter: LoopbackServer, status: int
) -> None:
    for template in BLOCKED[:3]:
        url = f"{hops.url}/go/{status}?to={template.format(port=counter.port)}"
        response = post(stack, "/api/pipeline/run", {**url_pipeline(url), "max_attempts": 1})
        assert response.status_code == 202, response.text
        job = stack.wait(response.json()["job_id"], timeout=60)
        assert (job["status"], job["error"]["code"]) == ("failed", "blocked_address"), job["error"]
    assert counter.requests == []


# --- schedules --------------------------------------------------------------------------------


def schedule(name: str, url: str) -> dict[str, Any]:
    return {"name": name, "cron": "0 6 * * *", "timezone": "UTC", "job": {"url": url, "schema": {"h": "h1"}}}


def scheduled_jobs(stack: Stack, schedule_id: str) -> list[tuple[Any, ...]]:
    return sql(stack.env["DATABASE_URL"], "SELECT id FROM jobs WHERE schedule_id = ?", schedule_id)


def next_run_at(stack: Stack, schedule_id: str) -> float:
    rows = sql(stack.env["DATABASE_URL"], "SELECT next_run_at FROM schedules WHERE id = ?", schedule_id)
    return float(rows[0][0])


def test_the_api_refuses_a_schedule_of_a_blocked_address(stack: Stack, counter: LoopbackServer) -> None:
    for index, url in enumerate(blocked_urls(counter)):
        response = post(stack, "/api/schedules", schedule(f"blocked-{index}", url))
        assert response.status_code == 422, (url, response.text)
    assert counter.requests == []


def test_a_schedule_changed_around_the_api_queues_nothing_for_a_blocked_address(
    stack: Stack, hops: LoopbackServer, counter: LoopbackServer
) -> None:
    for index, url in enumerate(blocked_urls(counter)):
        created = post(stack, "/api/schedules", schedule(f"rewritten-{index}", f"{hops.url}/page"))
        assert created.status_code == 201, created.text
        schedule_id = created.json()["schedule_id"]
        job = json.dumps({"url": url, "schema": {"h": "h1"}})
        sql(stack.env["DATABASE_URL"], "UPDATE schedules SET job = ? WHERE id = ?", job, schedule_id)
        make_due(stack.env["DATABASE_URL"], schedule_id)
        # Fired (or skipped) once the due time moved to the next morning.
        wait_for(lambda s=schedule_id: next_run_at(stack, s) > time.time())
        for (job_id,) in scheduled_jobs(stack, schedule_id):
            final = stack.wait(job_id)
            assert (final["status"], final["error"]["code"]) == ("failed", "blocked_address")
    assert counter.requests == []


def test_a_scheduled_scrape_redirected_to_a_blocked_address_fails_with_blocked_address(
    stack: Stack, hops: LoopbackServer, counter: LoopbackServer
) -> None:
    for status in REDIRECT_STATUSES:
        url = f"{hops.url}/go/{status}?to={BLOCKED[2].format(port=counter.port)}"
        created = post(stack, "/api/schedules", {**schedule(f"hop-{status}", url), "job": {
            "url": url, "schema": {"h": "h1"}, "max_attempts": 1}})  # fmt: skip
        assert created.status_code == 201, created.text
        schedule_id = created.json()["schedule_id"]
        make_due(stack.env["DATABASE_URL"], schedule_id)
        (job_id,) = wait_for(lambda s=schedule_id: scheduled_jobs(stack, s))[0]
        job = stack.wait(job_id)
        assert (job["status"], job["error"]["code"]) == ("failed", "blocked_address"), job["error"]
    assert counter.requests == []
