"""`Database.fetch`: read operations in one round trip, always seeing the latest committed state."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.settings import Settings
from backend_fastapi.store import job_rows, jobqueue
from backend_fastapi.store.engine import Database
from tests.support.postgres import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS


async def _enqueue(db: Database) -> str:
    job = jobqueue.NewJob("test.noop", {}, 3, 60)
    await db.write(lambda conn: jobqueue.enqueue(conn, job, 1000.0))
    return job.id


async def test_fetch_sees_every_commit_of_this_and_other_processes(db: Database, settings: Settings) -> None:
    first = await _enqueue(db)
    assert (await db.fetch(lambda conn: job_rows.get_job(conn, first))).status == "queued"
    # Another Database stands in for another process; the reader must not hold an old snapshot.
    other = Database(settings)
    try:
        for _ in range(5):
            job_id = await _enqueue(other)
            row = await db.fetch(lambda conn, job_id=job_id: job_rows.get_job(conn, job_id))
            assert row is not None
            assert row.id == job_id
        counts = await db.fetch(job_rows.count_by_status)
        assert counts["queued"] == 6
    finally:
        await other.close()


async def test_fetch_runs_concurrent_reads_and_returns_each_its_own_result(db: Database) -> None:
    ids = [await _enqueue(db) for _ in range(20)]
    rows = await asyncio.gather(*(db.fetch(lambda conn, i=i: job_rows.get_job(conn, i)) for i in ids))
    assert [row.id for row in rows] == ids


async def test_fetch_reports_a_read_error_and_keeps_working(db: Database) -> None:
    async def broken(conn: AsyncConnection) -> object:
        return (await conn.exec_driver_sql("SELECT no_such_column FROM jobs")).all()

    with pytest.raises(Exception, match="no_such_column"):
        await db.fetch(broken)
    job_id = await _enqueue(db)
    assert (await db.fetch(lambda conn: job_rows.get_job(conn, job_id))).id == job_id
