"""Reads of jobs and workers, and the job records that handlers write.

Nothing here changes `jobs.status` (that is `jobqueue.py`'s); records are tagged with the attempt
that wrote them, so writing them needs no lock on the job row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.models import STATUSES, job_records, jobs, webhook_deliveries, workers

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


async def live_workers(conn: AsyncConnection, alive_after: float) -> list[Any]:
    """Workers whose last heartbeat is newer than `alive_after`."""
    query = sa.select(workers).where(workers.c.last_heartbeat >= alive_after).order_by(workers.c.started_at)
    return list((await conn.execute(query)).all())


async def set_worker_capabilities(
    conn: AsyncConnection, worker_id: str, capabilities: dict[str, str]
) -> None:
    """Store what a worker can run (`{kind: "ok" | reason}`, see worker/capabilities.py)."""
    await conn.execute(workers.update().where(workers.c.id == worker_id).values(capabilities=capabilities))


async def webhook_attempts(conn: AsyncConnection, job_id: str) -> list[Any]:
    query = (
        sa.select(webhook_deliveries)
        .where(webhook_deliveries.c.job_id == job_id)
        .order_by(webhook_deliveries.c.id)
    )
    return list((await conn.execute(query)).all())


async def record_webhook_attempt(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(webhook_deliveries.insert().values(**values))


# --- records -----------------------------------------------------------------------------


async def add_records(
    conn: AsyncConnection, job_id: str, attempt: int, first_seq: int, records: Sequence[dict[str, Any]]
) -> None:
    """Append records numbered from `first_seq` (sequence numbers are dense: 0, 1, 2, ...)."""
    if records:
        await conn.execute(
            job_records.insert(),
            [
                {"job_id": job_id, "attempt": attempt, "seq": first_seq + i, "data": record}
                for i, record in enumerate(records)
            ],
        )


async def clear_records(conn: AsyncConnection, job_id: str, attempt: int) -> None:
    """Drop what an attempt wrote so far (a handler restarting its output)."""
    await conn.execute(
        job_records.delete().where(job_records.c.job_id == job_id, job_records.c.attempt == attempt)
    )


async def count_records(conn: AsyncConnection, job_id: str, attempt: int) -> int:
    """Records of one attempt; dense numbering makes this an index lookup of max(seq)."""
    top = (
        await conn.execute(
            sa.select(sa.func.max(job_records.c.seq)).where(
                job_records.c.job_id == job_id, job_records.c.attempt == attempt
            )
        )
    ).scalar_one()
    return 0 if top is None else int(top) + 1


async def page_records(
    conn: AsyncConnection, job_id: str, attempt: int, offset: int, limit: int
) -> list[dict[str, Any]]:
    """Records `offset .. offset+limit` of an attempt, read by primary-key range (no OFFSET scan)."""
    rows = await conn.execute(
        sa.select(job_records.c.data)
        .where(
            job_records.c.job_id == job_id,
            job_records.c.attempt == attempt,
            job_records.c.seq >= offset,
            job_records.c.seq < offset + limit,
        )
        .order_by(job_records.c.seq)
    )
    return [row.data for row in rows]
