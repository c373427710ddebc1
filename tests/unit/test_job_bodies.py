"""A polled job's body is built once per version and dropped when the store is full."""

from __future__ import annotations

import orjson

from backend_fastapi.api.job_bodies import JobBodies
from backend_fastapi.schemas.jobs import REQUEST_URLS_SHOWN, JobPage, job_body, shown_request
from backend_fastapi.schemas.responses import model_json
from backend_fastapi.store.rows import DeliveryRow, JobRow, JobSummaryRow

NOW = 1_800_000_000.25
ROW = JobRow(
    id="job-1", type="scrape.page", status="queued", name=None, label="https://shop.example/p/1",
    payload={"url": "https://shop.example/p/1", "schema": {"title": "string"}}, priority=0, attempts=0,
    max_attempts=3, run_after=NOW, locked_by=None, locked_until=None, cancel_requested=False,
    pause_requested=False,
    timeout_seconds=60.0, progress=None, error_code=None, error_message=None, result=None,
    webhook={"url": "https://hooks.example/in", "events": ["completed"]}, idempotency_key=None,
    request_hash=None, parent_id=None, schedule_id=None, created_at=NOW, started_at=None,
    finished_at=None, updated_at=NOW,
)  # fmt: skip
DELIVERY = DeliveryRow(
    id=1, job_id="job-1", delivery_id="d-1", event="completed", url="https://hooks.example/in",
    attempt=1, status_code=500, error="The receiver answered HTTP 500.", duration_ms=3.5, created_at=NOW,
)  # fmt: skip


def test_an_unchanged_job_is_answered_with_the_bytes_built_the_first_time() -> None:
    bodies = JobBodies()
    raw, etag = bodies.detail(ROW, [])
    assert raw == model_json(job_body(ROW, detail=True))
    again, same_etag = bodies.detail(ROW._replace(payload={"changed": "but not a new version"}), [])
    assert again is raw
    assert same_etag == etag


def test_a_write_to_the_job_or_a_new_delivery_is_a_new_body() -> None:
    bodies = JobBodies()
    _, etag = bodies.detail(ROW, [])
    running = ROW._replace(status="running", attempts=1, started_at=NOW + 1, updated_at=NOW + 1)
    raw_running, etag_running = bodies.detail(running, [])
    assert orjson.loads(raw_running)["status"] == "running"
    assert etag_running != etag
    delivered, _ = bodies.detail(running, [DELIVERY])
    assert orjson.loads(delivered)["webhook"]["deliveries"][0]["status_code"] == 500
    cancelling = running._replace(cancel_requested=True)
    assert orjson.loads(bodies.detail(cancelling, [DELIVERY])[0])["cancel_requested"] is True
    pausing = running._replace(pause_requested=True)
    assert orjson.loads(bodies.detail(pausing, [DELIVERY])[0])["pause_requested"] is True


def test_the_least_recently_polled_bodies_go_first_when_the_store_is_full() -> None:
    size = len(JobBodies().detail(ROW, [])[0])
    bodies = JobBodies(max_bytes=2 * size)
    first, _ = bodies.detail(ROW, [])
    bodies.detail(ROW._replace(id="job-2"), [])
    bodies.detail(ROW, [])  # job-1 polled again: job-2 is now the oldest
    bodies.detail(ROW._replace(id="job-3"), [])
    assert bodies.detail(ROW, [])[0] is first
    assert bodies.detail(ROW._replace(id="job-2"), [])[0] is not first


def test_a_page_is_the_job_page_model_as_json_and_its_items_are_kept() -> None:
    bodies = JobBodies()
    rows = [
        JobSummaryRow(**{f: getattr(ROW._replace(id=f"job-{i}"), f) for f in JobSummaryRow._fields})
        for i in range(3)
    ]
    for cursor in (None, "job-2"):
        expected = JobPage(items=[job_body(r) for r in rows], next_cursor=cursor)
        assert bodies.page(rows, cursor) == model_json(expected)
    assert orjson.loads(bodies.page(rows, None))["items"][0]["job_id"] == "job-0"
    done = rows[0]._replace(status="completed", updated_at=NOW + 1, result=None)
    assert orjson.loads(bodies.page([done], None))["items"][0]["status"] == "completed"


def batch(count: int, job_type: str = "scrape.batch") -> JobRow:
    urls = [f"https://shop.example/p/{i}" for i in range(count)]
    return ROW._replace(type=job_type, payload={"url": urls[0], "urls": urls, "schema": {"title": "h1"}})


def test_a_long_batch_shows_its_first_urls_and_their_count_and_stays_small_enough_to_keep() -> None:
    row = batch(10_000)
    raw, etag = JobBodies().detail(row, [])
    request = orjson.loads(raw)["request"]
    assert request["urls"] == [f"https://shop.example/p/{i}" for i in range(REQUEST_URLS_SHOWN)]
    assert request["urls_total"] == 10_000
    assert (request["url"], request["schema"]) == ("https://shop.example/p/0", {"title": "h1"})
    assert len(raw) < 4000
    # Small enough to be kept: the next poll of the same version is not serialised again.
    bodies = JobBodies()
    assert bodies.detail(row, [])[0] is bodies.detail(row, [])[0]
    assert bodies.detail(row, [])[1] == etag
    # The row itself is left whole: the worker and `GET /api/jobs/{id}/request` read it.
    assert len(row.payload["urls"]) == 10_000


def test_a_short_batch_and_other_jobs_show_the_request_as_queued() -> None:
    short = batch(REQUEST_URLS_SHOWN)
    assert shown_request(short) is short.payload
    assert "urls_total" not in orjson.loads(JobBodies().detail(short, [])[0])["request"]
    # Only a batch's URL list is cut: a plugin's payload keeps its own `urls`.
    plugin = batch(50, job_type="acme.fetch")
    assert shown_request(plugin) is plugin.payload
    assert job_body(ROW, detail=True).request == ROW.payload
