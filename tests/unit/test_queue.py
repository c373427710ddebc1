"""Every transition of the job state machine, on a real SQLite file."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa

from backend_fastapi.jobtypes import JobType
from backend_fastapi.store import frontier_rows, job_rows, jobqueue, record_rows, retention
from backend_fastapi.store.engine import Database
from backend_fastapi.store.frontier_rows import FrontierRow
from backend_fastapi.store.tables import jobs
from tests.support.postgres import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

NOW = 1_000_000.0
LEASE = 30.0


async def add(db: Database, job_type: str = "t", now: float = NOW, **kw: Any) -> str:
    job = jobqueue.NewJob(
        type=job_type,
        payload=kw.pop("payload", {}),
        max_attempts=kw.pop("max_attempts", 3),
        timeout_seconds=60,
        **kw,
    )
    return (await db.write(lambda c: jobqueue.enqueue(c, job, now))).job_id


async def claim(
    db: Database, worker: str = "w1", limit: int = 1, now: float = NOW
) -> list[jobqueue.ClaimedJob]:
    return await db.write(lambda c: jobqueue.claim_jobs(c, worker, limit, LEASE, now))


async def row(db: Database, job_id: str) -> Any:
    async with db.read() as conn:
        return await job_rows.get_job(conn, job_id)


async def test_claim_marks_the_job_running_with_owner_lease_and_attempt(db: Database) -> None:
    job_id = await add(db, payload={"x": 1})
    [job] = await claim(db)
    assert (job.id, job.attempt, job.payload) == (job_id, 1, {"x": 1})
    r = await row(db, job_id)
    assert (r.status, r.locked_by, r.locked_until, r.attempts, r.started_at) == (
        "running",
        "w1",
        NOW + LEASE,
        1,
        NOW,
    )


async def test_claim_takes_highest_priority_first_and_skips_jobs_not_yet_due(db: Database) -> None:
    low = await add(db, priority=0)
    high = await add(db, priority=5)
    await add(db, priority=9, delay_seconds=60)
    claimed = await claim(db, limit=10)
    assert [j.id for j in claimed] == [high, low]
    assert await claim(db, limit=10) == []
    assert len(await claim(db, limit=10, now=NOW + 61)) == 1


async def test_claim_respects_the_limit(db: Database) -> None:
    for _ in range(5):
        await add(db)
    assert len(await claim(db, limit=3)) == 3
    assert len(await claim(db, limit=3)) == 2


async def test_completion_is_fenced_by_owner_and_attempt(db: Database) -> None:
    job_id = await add(db)
    [job] = await claim(db)
    assert not await db.write(lambda c: jobqueue.complete_job(c, "w2", job_id, 1, {"r": 1}, NOW))
    assert not await db.write(lambda c: jobqueue.complete_job(c, "w1", job_id, 2, {"r": 1}, NOW))
    assert (await row(db, job_id)).status == "running"
    assert await db.write(lambda c: jobqueue.complete_job(c, "w1", job_id, job.attempt, {"r": 1}, NOW + 1))
    r = await row(db, job_id)
    assert (r.status, r.result, r.finished_at, r.locked_by) == ("completed", {"r": 1}, NOW + 1, None)
    # A finished job never changes again through a worker.
    assert not await db.write(lambda c: jobqueue.complete_job(c, "w1", job_id, 1, {"r": 2}, NOW))
    assert (
        await db.write(
            lambda c: jobqueue.fail_job(c, "w1", job_id, 1, "x", "y", retryable=True, retry_delay=0, now=NOW)
        )
        is None
    )


async def test_retryable_failure_requeues_with_backoff_until_attempts_run_out(db: Database) -> None:
    job_id = await add(db, max_attempts=2)
    [job] = await claim(db)
    status = await db.write(
        lambda c: jobqueue.fail_job(
            c, "w1", job_id, job.attempt, "network_error", "boom", retryable=True, retry_delay=10, now=NOW
        )
    )
    r = await row(db, job_id)
    assert (status, r.status, r.run_after, r.error_code, r.locked_by) == (
        "queued",
        "queued",
        NOW + 10,
        "network_error",
        None,
    )
    assert await claim(db, now=NOW + 5) == []
    [job] = await claim(db, now=NOW + 10)
    assert job.attempt == 2
    status = await db.write(
        lambda c: jobqueue.fail_job(
            c, "w1", job_id, 2, "network_error", "boom again", retryable=True, retry_delay=10, now=NOW + 11
        )
    )
    r = await row(db, job_id)
    assert (status, r.status, r.finished_at, r.error_message) == ("failed", "failed", NOW + 11, "boom again")


async def test_permanent_failure_fails_at_once(db: Database) -> None:
    job_id = await add(db, max_attempts=5)
    [job] = await claim(db)
    status = await db.write(
        lambda c: jobqueue.fail_job(
            c, "w1", job_id, job.attempt, "blocked_address", "no", retryable=False, retry_delay=0, now=NOW
        )
    )
    assert status == "failed"
    assert (await row(db, job_id)).attempts == 1


async def test_renewal_extends_live_leases_only_and_reports_cancel_requests(db: Database) -> None:
    a, b = await add(db), await add(db)
    claimed = await claim(db, limit=2)
    owned = [(j.id, j.attempt) for j in claimed]
    await db.write(lambda c: jobqueue.cancel_job(c, b, NOW))
    renewal = await db.write(lambda c: jobqueue.renew_leases(c, "w1", owned, LEASE, NOW + 10))
    assert renewal.renewed == {a, b}
    assert renewal.cancel_requested == {b}
    assert (await row(db, a)).locked_until == NOW + 10 + LEASE
    # Past the lease nothing is renewed: the job may already belong to someone else.
    late = await db.write(lambda c: jobqueue.renew_leases(c, "w1", owned, LEASE, NOW + 10 + LEASE + 1))
    assert late.renewed == frozenset()
    # Another worker's renewal touches nothing of ours.
    other = await db.write(lambda c: jobqueue.renew_leases(c, "w2", owned, LEASE, NOW + 11))
    assert other.renewed == frozenset()


async def test_reaper_requeues_expired_jobs_and_fails_them_after_max_attempts(db: Database) -> None:
    job_id = await add(db, max_attempts=2)
    await claim(db)
    assert await db.write(lambda c: jobqueue.reap_expired(c, NOW + LEASE - 1)) == []
    assert await db.write(lambda c: jobqueue.reap_expired(c, NOW + LEASE + 1)) == [(job_id, "queued")]
    r = await row(db, job_id)
    assert (r.status, r.locked_by, r.error_code) == ("queued", None, "worker_lost")
    await claim(db, worker="w2", now=NOW + 40)
    assert await db.write(lambda c: jobqueue.reap_expired(c, NOW + 40 + LEASE + 1)) == [(job_id, "failed")]


async def test_reaper_cancels_an_expired_job_whose_cancellation_was_requested(db: Database) -> None:
    job_id = await add(db)
    await claim(db)
    assert await db.write(lambda c: jobqueue.cancel_job(c, job_id, NOW)) == "running"
    assert await db.write(lambda c: jobqueue.reap_expired(c, NOW + LEASE + 1)) == [(job_id, "cancelled")]


async def test_cancel_queued_running_and_finished_jobs(db: Database) -> None:
    queued = await add(db)
    assert await db.write(lambda c: jobqueue.cancel_job(c, queued, NOW)) == "cancelled"
    running = await add(db)
    [job] = await claim(db)
    assert await db.write(lambda c: jobqueue.cancel_job(c, running, NOW)) == "running"
    assert (await row(db, running)).cancel_requested
    assert await db.write(lambda c: jobqueue.acknowledge_cancel(c, "w1", running, job.attempt, NOW))
    assert (await row(db, running)).status == "cancelled"
    assert await db.write(lambda c: jobqueue.cancel_job(c, running, NOW)) == "cancelled"
    assert await db.write(lambda c: jobqueue.cancel_job(c, "missing", NOW)) is None


async def test_a_cancel_requested_job_that_fails_ends_cancelled(db: Database) -> None:
    job_id = await add(db)
    [job] = await claim(db)
    await db.write(lambda c: jobqueue.cancel_job(c, job_id, NOW))
    status = await db.write(
        lambda c: jobqueue.fail_job(
            c, "w1", job_id, job.attempt, "x", "y", retryable=True, retry_delay=0, now=NOW
        )
    )
    assert status == "cancelled"


async def test_retry_requeues_failed_jobs_with_fresh_attempts_and_no_records(db: Database) -> None:
    job_id = await add(db, max_attempts=1)
    [job] = await claim(db)
    await db.write(lambda c: record_rows.add_records(c, job_id, 1, 0, [{"a": 1}]))
    await db.write(
        lambda c: jobqueue.fail_job(
            c, "w1", job_id, job.attempt, "x", "y", retryable=False, retry_delay=0, now=NOW
        )
    )
    assert await db.write(lambda c: jobqueue.retry_job(c, job_id, NOW + 1)) == (True, "queued")
    r = await row(db, job_id)
    assert (r.status, r.attempts, r.error_code, r.finished_at) == ("queued", 0, None, None)
    async with db.read() as conn:
        assert await record_rows.count_records(conn, job_id, 1) == 0
    [job] = await claim(db, now=NOW + 2)
    await db.write(lambda c: jobqueue.complete_job(c, "w1", job_id, job.attempt, {}, NOW + 3))
    assert await db.write(lambda c: jobqueue.retry_job(c, job_id, NOW + 4)) == (False, "completed")


async def test_release_on_shutdown_does_not_count_the_attempt(db: Database) -> None:
    job_id = await add(db)
    [job] = await claim(db)
    await db.write(lambda c: record_rows.add_records(c, job_id, job.attempt, 0, [{"partial": True}]))
    assert await db.write(lambda c: jobqueue.release_job(c, "w1", job_id, job.attempt, NOW))
    r = await row(db, job_id)
    assert (r.status, r.attempts, r.locked_by) == ("queued", 0, None)
    async with db.read() as conn:
        assert await record_rows.count_records(conn, job_id, 1) == 0


CRAWL = JobType.SCRAPE_CRAWL.value


async def test_a_queued_crawl_pauses_at_once_and_resumes_to_the_queue(db: Database) -> None:
    job_id = await add(db, CRAWL)
    assert await db.write(lambda c: jobqueue.pause_job(c, job_id, NOW)) == "paused"
    assert await claim(db, now=NOW + 1) == []  # a paused job is never claimed
    assert await db.write(lambda c: jobqueue.pause_job(c, job_id, NOW)) == "paused"  # idempotent
    assert await db.write(lambda c: jobqueue.resume_job(c, job_id, NOW + 2)) == (True, "queued")
    [job] = await claim(db, now=NOW + 3)
    assert (job.id, job.attempt) == (job_id, 1)


async def test_only_resumable_jobs_pause(db: Database) -> None:
    page = await add(db, JobType.SCRAPE_PAGE.value)
    assert await db.write(lambda c: jobqueue.pause_job(c, page, NOW)) == "queued"
    await claim(db)
    assert await db.write(lambda c: jobqueue.pause_job(c, page, NOW)) == "running"
    assert not (await row(db, page)).pause_requested
    assert await db.write(lambda c: jobqueue.pause_job(c, "missing", NOW)) is None
    assert await db.write(lambda c: jobqueue.resume_job(c, page, NOW)) == (False, "running")


async def test_a_running_crawl_is_paused_by_its_worker_keeping_its_records_and_attempt(db: Database) -> None:
    job_id = await add(db, CRAWL)
    [job] = await claim(db)
    assert await db.write(lambda c: jobqueue.pause_job(c, job_id, NOW)) == "running"
    assert (await row(db, job_id)).pause_requested
    renewal = await db.write(lambda c: jobqueue.renew_leases(c, "w1", [(job_id, 1)], LEASE, NOW + 1))
    assert (renewal.pause_requested, renewal.cancel_requested) == ({job_id}, frozenset())
    async with db.read() as conn:
        assert await job_rows.stop_requests(conn, "w1") == [(job_id, False)]
    # The crawl stored its frontier with its records; the worker releases the stopped job.
    await db.write(
        lambda c: frontier_rows.add_pages(c, job_id, [FrontierRow("k", "http://x/", 0, True, True)])
    )
    await db.write(lambda c: record_rows.add_records(c, job_id, job.attempt, 0, [{"kept": True}]))
    assert await db.write(lambda c: jobqueue.release_job(c, "w1", job_id, job.attempt, NOW + 2))
    r = await row(db, job_id)
    assert (r.status, r.attempts, r.pause_requested, r.locked_by, r.finished_at) == (
        "paused",
        0,
        False,
        None,
        None,
    )
    async with db.read() as conn:
        # Kept, and shown where readers look while the job rests (its attempt count).
        assert await record_rows.count_records(conn, job_id, r.attempts) == 1
    assert await db.write(lambda c: jobqueue.resume_job(c, job_id, NOW + 3)) == (True, "queued")
    [again] = await claim(db, now=NOW + 4)
    assert again.attempt == 1


async def test_a_pause_not_yet_acted_on_can_be_withdrawn(db: Database) -> None:
    job_id = await add(db, CRAWL)
    [job] = await claim(db)
    await db.write(lambda c: jobqueue.pause_job(c, job_id, NOW))
    assert await db.write(lambda c: jobqueue.resume_job(c, job_id, NOW + 1)) == (True, "running")
    assert await db.write(lambda c: jobqueue.resume_job(c, job_id, NOW + 1)) == (False, "running")
    assert not (await row(db, job_id)).pause_requested
    assert await db.write(lambda c: jobqueue.release_job(c, "w1", job_id, job.attempt, NOW + 2))
    assert (await row(db, job_id)).status == "queued"


async def test_cancel_wins_over_pause_and_a_paused_job_cancels_at_once(db: Database) -> None:
    running = await add(db, CRAWL)
    [job] = await claim(db)
    await db.write(lambda c: jobqueue.pause_job(c, running, NOW))
    await db.write(lambda c: jobqueue.cancel_job(c, running, NOW))
    renewal = await db.write(lambda c: jobqueue.renew_leases(c, "w1", [(running, 1)], LEASE, NOW + 1))
    assert (renewal.cancel_requested, renewal.pause_requested) == ({running}, frozenset())
    assert await db.write(lambda c: jobqueue.release_job(c, "w1", running, job.attempt, NOW + 2))
    assert (await row(db, running)).status == "cancelled"
    paused = await add(db, CRAWL)
    await db.write(lambda c: jobqueue.pause_job(c, paused, NOW))
    assert await db.write(lambda c: jobqueue.cancel_job(c, paused, NOW)) == "cancelled"
    assert await db.write(lambda c: jobqueue.resume_job(c, paused, NOW)) == (False, "cancelled")


async def test_a_crawl_whose_worker_died_while_pausing_rests_paused(db: Database) -> None:
    job_id = await add(db, CRAWL)
    await claim(db)
    await db.write(lambda c: jobqueue.pause_job(c, job_id, NOW))
    assert await db.write(lambda c: jobqueue.reap_expired(c, NOW + LEASE + 1)) == [(job_id, "paused")]
    r = await row(db, job_id)
    assert (r.status, r.pause_requested, r.finished_at) == ("paused", False, None)


async def test_completion_keeps_only_the_completing_attempts_records(db: Database) -> None:
    job_id = await add(db)
    [first] = await claim(db)
    await db.write(lambda c: record_rows.add_records(c, job_id, first.attempt, 0, [{"a": 1}, {"a": 2}]))
    await db.write(lambda c: jobqueue.reap_expired(c, NOW + LEASE + 1))
    [second] = await claim(db, worker="w2", now=NOW + 40)
    await db.write(lambda c: record_rows.add_records(c, job_id, second.attempt, 0, [{"b": 1}]))
    assert await db.write(lambda c: jobqueue.complete_job(c, "w2", job_id, second.attempt, {}, NOW + 41))
    async with db.read() as conn:
        assert await record_rows.page_records(conn, job_id, 2, 0, 10) == [{"b": 1}]
        assert await record_rows.count_records(conn, job_id, 1) == 0


async def test_delete_refuses_running_jobs_and_removes_records(db: Database) -> None:
    job_id = await add(db)
    [job] = await claim(db)
    assert await db.write(lambda c: jobqueue.delete_job(c, job_id)) == "running"
    await db.write(lambda c: record_rows.add_records(c, job_id, job.attempt, 0, [{"a": 1}]))
    await db.write(lambda c: jobqueue.complete_job(c, "w1", job_id, job.attempt, {}, NOW))
    assert await db.write(lambda c: jobqueue.delete_job(c, job_id)) == "completed"
    assert await row(db, job_id) is None
    async with db.read() as conn:
        assert await record_rows.count_records(conn, job_id, 1) == 0
    assert await db.write(lambda c: jobqueue.delete_job(c, job_id)) is None


async def test_prune_removes_only_old_finished_jobs(db: Database) -> None:
    old = await add(db)
    await db.write(lambda c: jobqueue.cancel_job(c, old, NOW))
    recent = await add(db)
    await db.write(lambda c: jobqueue.cancel_job(c, recent, NOW + 100))
    waiting = await add(db)
    assert await db.write(lambda c: retention.prune_finished(c, NOW + 50)) == [old]
    assert await row(db, old) is None
    assert await row(db, recent) is not None
    assert await row(db, waiting) is not None


async def test_idempotency_key_returns_the_same_job_and_flags_a_different_request(db: Database) -> None:
    first = jobqueue.NewJob("t", {}, 3, 60, idempotency_key="k1", request_hash="h1")
    again = jobqueue.NewJob("t", {}, 3, 60, idempotency_key="k1", request_hash="h1")
    other = jobqueue.NewJob("t", {"x": 1}, 3, 60, idempotency_key="k1", request_hash="h2")
    a = await db.write(lambda c: jobqueue.enqueue(c, first, NOW))
    b = await db.write(lambda c: jobqueue.enqueue(c, again, NOW))
    c_ = await db.write(lambda c: jobqueue.enqueue(c, other, NOW))
    assert a.created
    assert not b.created
    assert b.job_id == a.job_id
    assert not b.conflict
    assert c_.conflict
    assert c_.job_id == a.job_id
    async with db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(jobs))).scalar_one() == 1


async def test_finishing_queues_the_webhook_for_subscribed_events_only(db: Database) -> None:
    ok = await add(db, webhook={"url": "https://hooks.example/x", "events": ["completed"]})
    bad = await add(db, webhook={"url": "https://hooks.example/x", "events": ["completed"]})
    a, b = await claim(db, limit=2)
    await db.write(lambda c: jobqueue.complete_job(c, "w1", a.id, 1, {}, NOW))
    await db.write(
        lambda c: jobqueue.fail_job(c, "w1", b.id, 1, "x", "y", retryable=False, retry_delay=0, now=NOW)
    )
    async with db.read() as conn:
        hooks = await job_rows.list_jobs(conn, job_type="webhook.deliver")
    assert [h.parent_id for h in hooks] == [ok]
    assert bad not in [h.parent_id for h in hooks]


async def test_completing_a_scrape_with_then_queues_its_pipeline(db: Database) -> None:
    job_id = await add(db, JobType.SCRAPE_PAGE, payload={"then": {"pipeline_id": "p1"}})
    [job] = await claim(db)
    await db.write(lambda c: jobqueue.complete_job(c, "w1", job_id, job.attempt, {}, NOW))
    async with db.read() as conn:
        [chained] = await job_rows.list_jobs(conn, job_type="pipeline.run")
        full = await job_rows.get_job(conn, chained.id)
    assert full.payload == {"pipeline_id": "p1", "source": {"type": "job", "job_id": job_id}}
    assert full.parent_id == job_id


async def test_group_commit_isolates_a_failing_write_from_its_batch(db: Database) -> None:
    async def bad(conn: Any) -> None:
        await conn.execute(sa.text("INSERT INTO no_such_table VALUES (1)"))

    good = [add(db) for _ in range(20)]
    results = await asyncio.gather(*good, db.write(bad), return_exceptions=True)
    assert all(isinstance(r, str) for r in results[:20])
    assert isinstance(results[20], sa.exc.DBAPIError)
    async with db.read() as conn:
        assert (await job_rows.count_by_status(conn))["queued"] == 20
