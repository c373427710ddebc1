"""The records handlers write, tagged with the attempt that wrote them (so writing them needs no
lock on the job row), and read back by page."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.engine import json_text
from backend_fastapi.store.rows import JsonObject
from backend_fastapi.store.tables import job_records


class JsonText(str):
    """A record already serialized as one JSON object (a line of a pipeline's JSONL output): stored
    as it is, never parsed and serialized again."""


_COLUMNS = ["job_id", "attempt", "seq", "data"]


@functools.cache
def _insert_sql(dialect: sa.Dialect) -> str:
    """The INSERT in the driver's own parameter style (`?` on SQLite, `$1::JSON` on asyncpg)."""
    compiled = job_records.insert().compile(dialect=dialect, column_keys=_COLUMNS)
    assert compiled.positiontup == _COLUMNS, compiled.positiontup
    return str(compiled)


async def add_records(
    conn: AsyncConnection, job_id: str, attempt: int, first_seq: int, records: Sequence[JsonObject | JsonText]
) -> None:
    """Append records numbered from `first_seq` (sequence numbers are dense: 0, 1, 2, ...).

    Straight to the driver: SQLAlchemy's per-row parameter processing took two thirds of the time
    of storing a 9,000-row pipeline result (bench_pipeline_small).
    """
    if records:
        sql = _insert_sql(conn.dialect)
        rows = [
            (job_id, attempt, first_seq + i, record if isinstance(record, JsonText) else json_text(record))
            for i, record in enumerate(records)
        ]
        await conn.exec_driver_sql(sql, rows)


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
