"""Reads of jobs: one job, pages of jobs, counts by status, and what a worker polls for.

Nothing here changes `jobs.status` (that is `jobqueue.py`'s).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.tables import STATUSES, jobs

# Columns a poller needs: the payload and other bulky columns are left out of list pages.
SUMMARY_COLUMNS = (
    jobs.c.id,
    jobs.c.type,
    jobs.c.status,
    jobs.c.name,
    jobs.c.label,
    jobs.c.priority,
    jobs.c.attempts,
    jobs.c.max_attempts,
    jobs.c.cancel_requested,
    jobs.c.progress,
    jobs.c.error_code,
    jobs.c.error_message,
    jobs.c.parent_id,
    jobs.c.schedule_id,
    jobs.c.created_at,
    jobs.c.started_at,
    jobs.c.finished_at,
    jobs.c.updated_at,
    jobs.c.run_after,
)


async def get_job(conn: AsyncConnection, job_id: str) -> Any:
    """One job with every column."""
    return (await conn.execute(sa.select(jobs).where(jobs.c.id == job_id))).first()


async def list_jobs(
    conn: AsyncConnection,
    *,
    status: str | None = None,
    job_type: str | None = None,
    name: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> list[Any]:
    """Jobs newest first; `cursor` is the last id of the previous page."""
    query = sa.select(*SUMMARY_COLUMNS, jobs.c.result).order_by(jobs.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(jobs.c.status == status)
    if job_type is not None:
        query = query.where(jobs.c.type == job_type)
    if name is not None:
        query = query.where(jobs.c.name == name)
    if cursor is not None:
        query = query.where(jobs.c.id < cursor)
    return list((await conn.execute(query)).all())


async def count_by_status(conn: AsyncConnection) -> dict[str, int]:
    """Queue depth by status (every status present, zero when none)."""
    rows = await conn.execute(sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


async def count_queued(conn: AsyncConnection) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).where(jobs.c.status == "queued"))).scalar_one())


async def latest_completed(conn: AsyncConnection, name: str) -> Any:
    """The newest completed job carrying `name` (a saved scrape, schedule or pipeline run)."""
    return (
        await conn.execute(
            sa.select(jobs)
            .where(jobs.c.name == name, jobs.c.status == "completed")
            .order_by(jobs.c.finished_at.desc())
            .limit(1)
        )
    ).first()


async def cancel_requested_ids(conn: AsyncConnection, worker_id: str) -> list[str]:
    """Ids of the running jobs of `worker_id` whose cancellation was asked for."""
    query = sa.select(jobs.c.id).where(
        jobs.c.locked_by == worker_id, jobs.c.cancel_requested, jobs.c.status == "running"
    )
    return [str(job_id) for job_id in (await conn.execute(query)).scalars()]


async def next_due(conn: AsyncConnection) -> float | None:
    """When the earliest queued job becomes due (a read: an idle worker takes no write lock)."""
    value = (
        await conn.execute(sa.select(sa.func.min(jobs.c.run_after)).where(sa.text("jobs.status = 'queued'")))
    ).scalar_one()
    return None if value is None else float(value)
