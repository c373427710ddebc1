"""The jobs API end to end: a real API process and a real worker process sharing a SQLite file."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend_fastapi.settings import Settings
from tests.support.apps import api_client
from tests.support.handlers import handler_env
from tests.support.pipeline_stack import wait_job
from tests.support.processes import Service, service_env, start_api, start_worker
from tests.support.servers import Recorded, loopback_server
from tests.support.waiting import wait_for

SCRAPE = {"url": "https://shop.example/p/1", "schema": {"title": "string"}}
ECHO_HANDLERS = handler_env() + ",scrape.page=tests.support.handlers:echo"


@pytest.fixture
def stack(db_url: str, tmp_path: Path) -> Iterator[tuple[str, Service, dict[str, str]]]:
    """API + worker processes; the worker runs scrape.page with the echo test handler."""
    env = service_env(
        db_url,
        tmp_path,
        WORKER_HANDLERS=ECHO_HANDLERS,
        WEBHOOK_SECRET="whsec",
        SCRAPE_ALLOW_HOSTS="127.0.0.1",
    )
    api, base = start_api(env, tmp_path)
    worker = start_worker(env, tmp_path)
    try:
        yield base, worker, env
    finally:
        worker.stop()
        api.stop()


def test_create_answers_202_with_location_and_the_job_completes(
    stack: tuple[str, Service, dict[str, str]],
) -> None:
    base, _, _ = stack
    response = httpx.post(f"{base}/api/scrape", json=SCRAPE)
    assert response.status_code == 202
    job_id = response.json()["job_id"]
    assert response.json() == {"job_id": job_id, "status": "queued"}
    assert response.headers["location"] == f"/api/jobs/{job_id}"
    body = wait_job(base, job_id, "completed")
    assert {
        "job_id",
        "type",
        "status",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "progress",
        "error",
        "result",
    } <= set(body)
    assert body["type"] == "scrape.page"
    assert body["attempts"] == 1
    assert body["error"] is None
    assert body["result"]["echo"]["url"] == SCRAPE["url"]
    assert body["request"]["schema"] == SCRAPE["schema"]
    assert body["created_at"].endswith("Z")
    assert httpx.get(f"{base}/api/scrape/{job_id}").json()["job_id"] == job_id


def test_polling_with_if_none_match_gets_304_until_the_job_changes(
    stack: tuple[str, Service, dict[str, str]],
) -> None:
    base, _, _ = stack
    job_id = httpx.post(f"{base}/api/scrape", json={**SCRAPE, "options": {"delay_ms": 1500}}).json()["job_id"]
    wait_job(base, job_id, "running")
    first = httpx.get(f"{base}/api/jobs/{job_id}")
    etag = first.headers["etag"]
    again = httpx.get(f"{base}/api/jobs/{job_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    wait_job(base, job_id, "completed")
    changed = httpx.get(f"{base}/api/jobs/{job_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["status"] == "completed"


def test_wait_returns_the_finished_job_or_202_when_time_runs_out(
    stack: tuple[str, Service, dict[str, str]],
) -> None:
    base, _, _ = stack
    done = httpx.post(f"{base}/api/scrape?wait=60", json=SCRAPE, timeout=90)
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert done.json()["result"]["echo"]["url"] == SCRAPE["url"]
    slow = httpx.post(
        f"{base}/api/scrape?wait=0.3", json={**SCRAPE, "options": {"delay_ms": 3000}}, timeout=20
    )
    assert slow.status_code == 202
    assert slow.json()["status"] in ("queued", "running")
    assert slow.headers["location"].endswith(slow.json()["job_id"])


def test_results_are_paged_and_downloadable_in_every_format(
    stack: tuple[str, Service, dict[str, str]],
) -> None:
    base, _, _ = stack
    job_id = httpx.post(f"{base}/api/scrape?wait=60", json={**SCRAPE, "name": "shop-run"}, timeout=90).json()[
        "job_id"
    ]
    page = httpx.get(f"{base}/api/jobs/{job_id}/results", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 3
    assert page["offset"] == 1
    assert page["limit"] == 2
    assert [item["data"]["n"] for item in page["items"]] == [1, 2]

    as_csv = httpx.get(f"{base}/api/jobs/{job_id}/results", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="shop-run.csv"' in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert rows == [{"url": SCRAPE["url"], "n": str(i), "title": f"t{i}"} for i in range(3)]

    as_json = httpx.get(f"{base}/api/jobs/{job_id}/results", params={"format": "json"}).json()
    assert [r["data"]["title"] for r in as_json] == ["t0", "t1", "t2"]
    lines = httpx.get(f"{base}/api/jobs/{job_id}/results", params={"format": "jsonl"}).text.splitlines()
    assert [json.loads(line)["data"]["n"] for line in lines] == [0, 1, 2]

    xlsx = httpx.get(f"{base}/api/jobs/{job_id}/results", params={"format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["url", "n", "title"]
    assert values[3] == [SCRAPE["url"], 2, "t2"]


def test_list_filters_and_pages_with_a_cursor(stack: tuple[str, Service, dict[str, str]]) -> None:
    base, worker, _ = stack
    worker.stop()
    ids = [httpx.post(f"{base}/api/scrape", json=SCRAPE).json()["job_id"] for _ in range(5)]
    first = httpx.get(f"{base}/api/jobs", params={"limit": 3, "status": "queued"}).json()
    assert [j["job_id"] for j in first["items"]] == ids[::-1][:3]
    second = httpx.get(
        f"{base}/api/jobs", params={"limit": 3, "status": "queued", "cursor": first["next_cursor"]}
    ).json()
    assert [j["job_id"] for j in second["items"]] == ids[::-1][3:]
    assert second["next_cursor"] is None
    assert httpx.get(f"{base}/api/jobs", params={"status": "completed"}).json()["items"] == []
    assert len(httpx.get(f"{base}/api/jobs", params={"type": "scrape.page"}).json()["items"]) == 5


def test_cancel_retry_and_delete(stack: tuple[str, Service, dict[str, str]]) -> None:
    base, worker, _ = stack
    worker.stop()
    job_id = httpx.post(f"{base}/api/scrape", json=SCRAPE).json()["job_id"]
    cancelled = httpx.post(f"{base}/api/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    retried = httpx.post(f"{base}/api/jobs/{job_id}/retry")
    assert retried.status_code == 202
    assert retried.json()["status"] == "queued"
    again = httpx.post(f"{base}/api/jobs/{job_id}/retry")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert httpx.delete(f"{base}/api/jobs/{job_id}").status_code == 204
    assert httpx.get(f"{base}/api/jobs/{job_id}").status_code == 404


def test_a_completed_job_cannot_be_cancelled(stack: tuple[str, Service, dict[str, str]]) -> None:
    base, _, _ = stack
    job_id = httpx.post(f"{base}/api/scrape?wait=60", json=SCRAPE, timeout=90).json()["job_id"]
    response = httpx.post(f"{base}/api/jobs/{job_id}/cancel")
    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"status": "completed"}


def test_idempotency_key_returns_the_same_job(settings: Settings) -> None:
    with api_client(settings) as client:
        first = client.post("/api/scrape", json=SCRAPE, headers={"Idempotency-Key": "order-42"})
        second = client.post("/api/scrape", json=SCRAPE, headers={"Idempotency-Key": "order-42"})
        assert first.json()["job_id"] == second.json()["job_id"]
        assert second.headers["idempotent-replayed"] == "true"
        assert len(client.get("/api/jobs").json()["items"]) == 1


def test_health_reports_database_workers_and_queue(stack: tuple[str, Service, dict[str, str]]) -> None:
    base, worker, _ = stack
    body = httpx.get(f"{base}/health").json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["workers"]["alive"] == 1
    assert body["workers"]["items"][0]["pid"] == worker.pid
    assert set(body["queue"]) == {"queued", "running", "paused", "completed", "failed", "cancelled"}
    worker.stop()
    assert httpx.get(f"{base}/health").json()["workers"]["alive"] == 0


def test_webhooks_are_signed_retried_and_recorded_on_the_job(
    stack: tuple[str, Service, dict[str, str]],
) -> None:
    base, _, _ = stack
    answers = iter([500, 503, 200])

    def respond(_: Recorded) -> tuple[int, dict[str, str], bytes]:
        return next(answers, 200), {}, b"ok"

    with loopback_server(respond) as receiver:
        job_id = httpx.post(
            f"{base}/api/scrape",
            json={**SCRAPE, "webhook": {"url": f"{receiver.url}/hook", "events": ["completed"]}},
        ).json()["job_id"]
        wait_job(base, job_id, "completed")
        wait_for(lambda: len(receiver.requests) >= 3)
        time.sleep(0.3)  # and no fourth one
    assert len(receiver.requests) == 3
    deliveries = {r.headers["X-DataOps-Delivery"] for r in receiver.requests}
    assert len(deliveries) == 1, "retries carry the same delivery id"
    for request in receiver.requests:
        expected = "sha256=" + hmac.new(b"whsec", request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-DataOps-Signature"] == expected
        assert request.headers["X-DataOps-Event"] == "completed"
        assert json.loads(request.body)["job_id"] == job_id
        assert json.loads(request.body)["status"] == "completed"
    body = httpx.get(f"{base}/api/jobs/{job_id}").json()
    assert [d["status_code"] for d in body["webhook"]["deliveries"]] == [500, 503, 200]
