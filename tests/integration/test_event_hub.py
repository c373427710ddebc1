"""The API's one watcher of job changes on SQLite and PostgreSQL: it hands each open stream the
changes it follows, wakes on the store's change feed, and goes away with the last stream."""

from __future__ import annotations

from backend_fastapi.api.job_events import EventHub, Filters, Subscriber
from backend_fastapi.store import jobqueue
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import JobSummaryRow
from tests.support.postgres import BOTH_BACKENDS
from tests.support.waiting import enqueue, eventually


async def offered_until(subscriber: Subscriber, seen: list[JobSummaryRow | None], done: object) -> None:
    """Collect what the hub offers `subscriber` until `done(row)` holds for one."""

    async def check() -> bool:
        seen.extend(subscriber.take())
        return any(done(row) for row in seen)  # type: ignore[operator]

    await eventually(check)


@BOTH_BACKENDS
async def test_the_hub_hands_each_stream_the_changes_it_follows(db: Database) -> None:
    hub = EventHub(db, max_streams=3)
    job_id = await enqueue(db, "test.noop", name="followed")
    one = hub.subscribe(job_id)
    every = hub.subscribe(None)
    other = hub.subscribe(None, Filters(type="test.other"))
    assert one is not None
    assert every is not None
    assert other is not None
    assert hub.subscribe(None) is None  # max_streams reached

    now = await db.now()
    [claimed] = await db.write(lambda c: jobqueue.claim_jobs(c, "w1", 1, 30, now))
    followed: list[JobSummaryRow | None] = []
    await offered_until(one, followed, lambda r: r is not None and r.status == "running")
    await db.write(
        lambda c: jobqueue.save_progress(c, "w1", job_id, claimed.attempt, {"pages_done": 3}, now + 1)
    )
    await offered_until(one, followed, lambda r: r is not None and r.progress == {"pages_done": 3})
    await db.write(lambda c: jobqueue.complete_job(c, "w1", job_id, claimed.attempt, {"ok": True}, now + 2))
    await offered_until(one, followed, lambda r: r is not None and r.status == "completed")

    changes: list[JobSummaryRow | None] = []
    await offered_until(every, changes, lambda r: r is not None and r.status == "completed")
    assert {row.id for row in changes if row is not None} == {job_id}
    stamps = [row.updated_at for row in changes if row is not None]
    assert stamps == sorted(stamps)
    assert len(stamps) == len(set(stamps))
    assert other.take() == []

    # A deleted job: its stream is offered None.
    await db.write(lambda c: jobqueue.delete_job(c, job_id))
    await offered_until(one, followed, lambda r: r is None)

    for subscriber in (one, every, other):
        hub.unsubscribe(subscriber)
    assert hub.open_streams == 0
    assert hub._task is None
