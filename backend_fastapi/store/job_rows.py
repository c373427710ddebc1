"""Reads of jobs: one job, pages of jobs, counts by status, and what a worker polls for.

Nothing here changes `jobs.status` (that is `jobqueue.py`'s).
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.jobtypes import STATUSES, JobStatus
from backend_fastapi.store.rows import JobRow, JobSummaryRow, columns_of
from backend_fastapi.store.tables import PAUSED, QUEUED, RUNNING, jobs, status_is

JOB_COLUMNS = columns_of(jobs, JobRow)
# Columns a list page shows: the payload and other bulky columns are left out.
SUMMARY_COLUMNS = columns_of(jobs, JobSummaryRow)


async def get_job(conn: AsyncConnection, job_id: str) -> JobRow | None:
    """One job, or None."""
    row = (await conn.execute(sa.select(*JOB_COLUMNS).where(jobs.c.id == job_id))).first()
    return None if row is None else JobRow(*row)


async def list_jobs(
    conn: AsyncConnection,
    *,
    status: str | None = None,
    job_type: str | None = None,
    name: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> list[JobSummaryRow]:
    """Jobs newest first; `cursor` is the last id of the previous page."""
    query = sa.select(*SUMMARY_COLUMNS).order_by(jobs.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(jobs.c.status == status)
    if job_type is not None:
        query = query.where(jobs.c.type == job_type)
    if name is not None:
        query = query.where(jobs.c.name == name)
    if cursor is not None:
        query = query.where(jobs.c.id < cursor)
    return [JobSummaryRow(*row) for row in await conn.execute(query)]


async def count_by_status(conn: AsyncConnection) -> dict[str, int]:
    """Queue depth by status (every status present, zero when none)."""
    rows = await conn.execute(sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status))
    counts = dict.fromkeys(map(str, STATUSES), 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


async def count_queued(conn: AsyncConnection) -> int:
    return int(
        (await conn.execute(sa.select(sa.func.count()).where(jobs.c.status == JobStatus.QUEUED))).scalar_one()
    )


async def latest_completed(conn: AsyncConnection, name: str) -> JobRow | None:
    """The newest completed job carrying `name` (a saved scrape, schedule or pipeline run)."""
    row = (
        await conn.execute(
            sa.select(*JOB_COLUMNS)
            .where(jobs.c.name == name, jobs.c.status == JobStatus.COMPLETED)
            .order_by(jobs.c.finished_at.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else JobRow(*row)


async def stop_requests(conn: AsyncConnection, worker_id: str) -> list[tuple[str, bool]]:
    """`(job_id, cancel)` for the running jobs of `worker_id` asked to stop: cancel (True) wins
    over pause (False)."""
    query = sa.select(jobs.c.id, jobs.c.cancel_requested).where(
        jobs.c.locked_by == worker_id,
        sa.or_(jobs.c.cancel_requested, jobs.c.pause_requested),
        jobs.c.status == JobStatus.RUNNING,
    )
    return [(str(job_id), bool(cancel)) for job_id, cancel in await conn.execute(query)]


async def next_due(conn: AsyncConnection) -> float | None:
    """When the earliest queued job becomes due (a read: an idle worker takes no write lock)."""
    value = (
        await conn.execute(sa.select(sa.func.min(jobs.c.run_after)).where(sa.text("jobs.status = 'queued'")))
    ).scalar_one()
    return None if value is None else float(value)


async def job_summaries(conn: AsyncConnection, job_ids: Collection[str]) -> list[JobSummaryRow]:
    """The jobs of `job_ids` that exist, as list pages show them."""
    query = sa.select(*SUMMARY_COLUMNS).where(jobs.c.id.in_(list(job_ids)))
    return [JobSummaryRow(*row) for row in await conn.execute(query)]


async def changed_since(conn: AsyncConnection, since: float) -> list[tuple[str, float]]:
    """(id, updated_at) of the jobs changed after `since`, oldest change first.

    Only queued, running and paused jobs change, and a job finishes once (a retry makes it queued
    again), so the status and finished_at indexes find them: `updated_at` has no index of its
    own, which would cost every write on the queue's hot path."""
    active = sa.select(jobs.c.id, jobs.c.updated_at).where(
        status_is(QUEUED, RUNNING, PAUSED), jobs.c.updated_at > since
    )
    finished = sa.select(jobs.c.id, jobs.c.updated_at).where(
        jobs.c.finished_at > since, jobs.c.updated_at > since
    )
    rows = await conn.execute(sa.union(active, finished))
    return sorted(
        ((str(job_id), float(stamp)) for job_id, stamp in rows), key=lambda change: (change[1], change[0])
    )
