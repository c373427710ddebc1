"""Schedule rows: reads, writes, the due ones, and the conditional claim of one firing."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.ids import new_id
from backend_fastapi.jobtypes import UNFINISHED_STATUSES
from backend_fastapi.store.rows import ScheduleRow, columns_of
from backend_fastapi.store.tables import jobs, schedules

# A paused run still holds the schedule: the next run would fetch the same pages beside it.
ACTIVE = UNFINISHED_STATUSES
SCHEDULE_COLUMNS = columns_of(schedules, ScheduleRow)


async def find(conn: AsyncConnection, ref: str) -> ScheduleRow | None:
    """A user's schedule by id, else by its unique name (a monitor's own schedule is not one)."""
    query = sa.select(*SCHEDULE_COLUMNS).where(schedules.c.monitor_id.is_(None))
    row = (await conn.execute(query.where(schedules.c.id == ref))).first()
    if row is None:
        row = (await conn.execute(query.where(schedules.c.name == ref))).first()
    return None if row is None else ScheduleRow(*row)


async def get(conn: AsyncConnection, schedule_id: str) -> ScheduleRow | None:
    """Any schedule by id, a monitor's own included (what firing reads)."""
    row = (await conn.execute(sa.select(*SCHEDULE_COLUMNS).where(schedules.c.id == schedule_id))).first()
    return None if row is None else ScheduleRow(*row)


async def list_all(conn: AsyncConnection) -> list[ScheduleRow]:
    """Every schedule of the user's own, by name."""
    query = sa.select(*SCHEDULE_COLUMNS).where(schedules.c.monitor_id.is_(None)).order_by(schedules.c.name)
    return [ScheduleRow(*row) for row in await conn.execute(query)]


async def due(conn: AsyncConnection, now: float, limit: int) -> list[tuple[str, float]]:
    """(id, next_run_at) of enabled schedules due at `now`, the longest overdue first."""
    rows = await conn.execute(
        sa.select(schedules.c.id, schedules.c.next_run_at)
        .where(schedules.c.enabled, schedules.c.next_run_at <= now)
        .order_by(schedules.c.next_run_at)
        .limit(limit)
    )
    return [(str(schedule_id), float(expected)) for schedule_id, expected in rows.all()]


async def job_status(conn: AsyncConnection, job_id: str | None) -> str | None:
    """The status of a schedule's last job (None when it has none or it was deleted)."""
    if job_id is None:
        return None
    return (await conn.execute(sa.select(jobs.c.status).where(jobs.c.id == job_id))).scalar_one_or_none()


async def last_job_active(conn: AsyncConnection, job_id: str | None) -> bool:
    """True while the schedule's last job is queued, running or paused."""
    return await job_status(conn, job_id) in ACTIVE


async def claim_firing(
    conn: AsyncConnection, row: ScheduleRow, values: dict[str, Any], *, expected: float | None
) -> bool:
    """Write `values` only if the schedule still shows the due time (`expected`, unless None) and
    the last job it was read with: the firing that matches wins. On PostgreSQL a concurrent
    firing waits for this row and then matches nothing."""
    query = schedules.update().where(
        schedules.c.id == row.id, schedules.c.last_job_id.is_not_distinct_from(row.last_job_id)
    )
    if expected is not None:
        query = query.where(schedules.c.next_run_at == expected, schedules.c.enabled)
    claimed = await conn.execute(query.values(**values))
    return claimed.rowcount == 1


async def next_runs(conn: AsyncConnection, schedule_ids: list[str]) -> dict[str, float | None]:
    """`next_run_at` of each schedule (for the monitors list: one query, not one per monitor)."""
    if not schedule_ids:
        return {}
    query = sa.select(schedules.c.id, schedules.c.next_run_at).where(schedules.c.id.in_(schedule_ids))
    return {str(sid): nxt for sid, nxt in await conn.execute(query)}


async def name_taken(conn: AsyncConnection, name: str, except_id: str | None = None) -> bool:
    """True when another schedule has this name."""
    query = sa.select(schedules.c.id).where(schedules.c.name == name)
    if except_id is not None:
        query = query.where(schedules.c.id != except_id)
    return (await conn.execute(query)).first() is not None


async def insert(conn: AsyncConnection, values: dict[str, Any], now: float) -> str:
    """Create a schedule row; returns its id."""
    schedule_id = new_id()
    await conn.execute(schedules.insert().values(id=schedule_id, created_at=now, updated_at=now, **values))
    return schedule_id


async def update(conn: AsyncConnection, schedule_id: str, values: dict[str, Any], now: float) -> bool:
    """Change a schedule row; False when it no longer exists."""
    result = await conn.execute(
        schedules.update().where(schedules.c.id == schedule_id).values(updated_at=now, **values)
    )
    return result.rowcount == 1


async def delete(conn: AsyncConnection, schedule_id: str) -> bool:
    """Delete a schedule row; False when it did not exist."""
    result = await conn.execute(schedules.delete().where(schedules.c.id == schedule_id))
    return result.rowcount == 1
