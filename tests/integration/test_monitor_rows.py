"""The monitor store on SQLite and PostgreSQL: applying checks over the state they read, the
snapshot's changed rows only, and history retention that keeps each monitor's last check."""

from __future__ import annotations

from typing import Any

from backend_fastapi.jobtypes import NewJob
from backend_fastapi.store import job_rows, jobqueue, monitor_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.monitor_rows import SnapshotRecord
from tests.support.postgres import BOTH_BACKENDS

SCHEDULE = {
    "cron": "@every 900s",
    "timezone": "UTC",
    "job": {"url": "http://shop.example/"},
    "enabled": False,
}


async def _monitor(db: Database) -> str:
    now = await db.now()
    return await db.write(
        lambda c: monitor_rows.insert(c, "prices", {"key": ["url"]}, SCHEDULE, now, lambda _: None)
    )


async def _apply(db: Database, monitor_id: str, job_id: str, at: float, **kwargs: Any) -> str | None:
    async with db.read() as conn:
        monitor = await monitor_rows.get_monitor(conn, monitor_id)
    assert monitor is not None
    values: dict[str, Any] = {
        "job_id": job_id,
        "job_created_at": at,
        "status": "changed",
        "counts": {"added": 1},
        "message": None,
        "changes": [],
        "upserts": [],
        "deletes": [],
        "records": None,
        "now": at,
    }
    values.update(kwargs)
    return await db.write(lambda c: monitor_rows.apply_check(c, monitor, **values))


@BOTH_BACKENDS
async def test_a_check_applies_only_over_the_state_it_read(db: Database) -> None:
    monitor_id = await _monitor(db)
    async with db.read() as conn:
        stale = await monitor_rows.get_monitor(conn, monitor_id)
    assert stale is not None
    first = SnapshotRecord('{"url":"a"}', {"url": "a", "price": 1}, "d1", 0)
    assert await _apply(db, monitor_id, "j1", 100.0, upserts=[first], records=1) is not None
    # A comparison that read the monitor before that check was applied writes nothing.
    lost = await db.write(
        lambda c: monitor_rows.apply_check(
            c,
            stale,
            job_id="j2",
            job_created_at=101.0,
            status="changed",
            counts={},
            message=None,
            changes=[],
            upserts=[],
            deletes=[],
            records=0,
            now=101.0,
        )
    )
    assert lost is None
    async with db.read() as conn:
        assert await monitor_rows.check_of_job(conn, "j2") is None
        assert [r.data for r in await monitor_rows.snapshot(conn, monitor_id)] == [{"url": "a", "price": 1}]


@BOTH_BACKENDS
async def test_the_snapshot_is_rewritten_only_where_it_changed(db: Database) -> None:
    monitor_id = await _monitor(db)
    a, b = SnapshotRecord("a", {"p": 1}, "da", 0), SnapshotRecord("b", {"p": 2}, "db", 0)
    change = ("changed", "a", {"kind": "changed", "key": {"url": "a"}})
    await _apply(db, monitor_id, "j1", 100.0, upserts=[a, b], records=2)
    await _apply(
        db,
        monitor_id,
        "j2",
        200.0,
        upserts=[a._replace(data={"p": 3}, digest="da2")],
        deletes=["b"],
        changes=[change],
        records=1,
    )
    async with db.read() as conn:
        rows = {r.key: r.data for r in await monitor_rows.snapshot(conn, monitor_id)}
        monitor = await monitor_rows.get_monitor(conn, monitor_id)
        changes = await monitor_rows.changes(conn, monitor_id)
    assert rows == {"a": {"p": 3}}
    assert monitor is not None
    assert (monitor.records, monitor.state_version, monitor.last_change_at) == (1, 2, 200.0)
    assert [c.change for c in changes] == [change[2]]


@BOTH_BACKENDS
async def test_history_retention_keeps_each_monitors_last_check(db: Database) -> None:
    monitor_id = await _monitor(db)
    for i in range(5):
        change = ("added", f"k{i}", {"kind": "added"})
        await _apply(db, monitor_id, f"j{i}", 100.0 + i, changes=[change])
    assert await db.write(lambda c: monitor_rows.prune_checks(c, 1000.0, 2)) == 2
    assert await db.write(lambda c: monitor_rows.prune_checks(c, 1000.0, 10)) == 2
    async with db.read() as conn:
        left = await monitor_rows.checks(conn, monitor_id, before=None, limit=10)
        changes = await monitor_rows.changes(conn, monitor_id)
        monitor = await monitor_rows.get_monitor(conn, monitor_id)
    assert monitor is not None
    assert [c.id for c in left] == [monitor.last_check_id]
    assert [c.check_id for c in changes] == [monitor.last_check_id]


@BOTH_BACKENDS
async def test_unchanged_checks_in_a_row_fold_into_one_and_drop_the_folded_job(db: Database) -> None:
    monitor_id = await _monitor(db)
    now = await db.now()
    jobs = [NewJob("test.noop", {}, 1, 60) for _ in range(3)]
    for job in jobs:
        await db.write(lambda c, job=job: jobqueue.enqueue(c, job, now))
    first = await _apply(db, monitor_id, jobs[0].id, 100.0, status="unchanged")
    second = await _apply(db, monitor_id, jobs[1].id, 200.0, status="unchanged")
    assert first == second
    async with db.read() as conn:
        [row] = await monitor_rows.checks(conn, monitor_id, before=None, limit=10)
        # The folded check's job was queued, not finished: it is deleted all the same (a check's
        # job is finished before it is compared); what followed it only once finished.
        assert await job_rows.get_job(conn, jobs[0].id) is None
        assert await job_rows.get_job(conn, jobs[1].id) is not None
    assert (row.job_id, row.repeats, row.first_checked_at, row.checked_at) == (jobs[1].id, 2, 100.0, 200.0)
    changed = await _apply(db, monitor_id, jobs[2].id, 300.0, status="changed")
    assert changed != first
