"""The records handlers write, tagged with the attempt that wrote them (so writing them needs no
lock on the job row), and read back by page."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.rows import JsonObject
from backend_fastapi.store.tables import job_records


async def add_records(
    conn: AsyncConnection, job_id: str, attempt: int, first_seq: int, records: Sequence[JsonObject]
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
) -> list[JsonObject]:
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
