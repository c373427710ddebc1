"""Retention: finished jobs deleted with their records, a batch per transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store import frontier_rows
from backend_fastapi.store.tables import FINISHED_STATUSES, job_records, jobs, status_is, webhook_deliveries

PRUNE_BATCH = 500


async def prune_finished(conn: AsyncConnection, older_than: float) -> list[str]:
    """Delete up to PRUNE_BATCH finished jobs that ended before `older_than`, with their records;
    their ids (their files are the caller's to remove once this has committed)."""
    ids = (
        (
            await conn.execute(
                sa.select(jobs.c.id)
                .where(jobs.c.finished_at < older_than, status_is(*FINISHED_STATUSES))
                .limit(PRUNE_BATCH)
            )
        )
        .scalars()
        .all()
    )
    await delete_jobs(conn, list(ids))
    return list(ids)


async def delete_jobs(conn: AsyncConnection, ids: list[str]) -> None:
    """Delete jobs with their records and delivery log, in the caller's transaction."""
    if not ids:
        return
    await conn.execute(job_records.delete().where(job_records.c.job_id.in_(ids)))
    await frontier_rows.forget(conn, ids)
    await conn.execute(webhook_deliveries.delete().where(webhook_deliveries.c.job_id.in_(ids)))
    await conn.execute(jobs.delete().where(jobs.c.id.in_(ids)))
