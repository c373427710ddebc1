"""Monitor rows: the monitor, its last good snapshot (by record key), its checks and its changes.

A check is applied optimistically: the comparison reads the snapshot and `state_version`, diffs
outside any transaction, then writes only if `state_version` is still what it read (else it reads
again). Only records whose digest or missing count changed are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.ids import new_id
from backend_fastapi.store.retention import delete_jobs
from backend_fastapi.store.rows import (
    JsonObject,
    MonitorChangeRow,
    MonitorCheckRow,
    MonitorRow,
    ScheduleRow,
    columns_of,
)
from backend_fastapi.store.tables import (
    FINISHED_STATUSES,
    jobs,
    monitor_changes,
    monitor_checks,
    monitor_records,
    monitors,
    schedules,
    status_is,
)

MONITOR_COLUMNS = columns_of(monitors, MonitorRow)
CHECK_COLUMNS = columns_of(monitor_checks, MonitorCheckRow)
CHANGE_COLUMNS = columns_of(monitor_changes, MonitorChangeRow)
SCHEDULE_COLUMNS = columns_of(schedules, ScheduleRow)


class MonitorView(NamedTuple):
    """A monitor with what its answer shows: whether its schedule runs, when next, its last check."""

    row: MonitorRow
    enabled: bool
    next_run_at: float | None
    last_check: MonitorCheckRow | None


class SnapshotRecord(NamedTuple):
    key: str
    data: JsonObject
    digest: str
    missing: int


async def find(conn: AsyncConnection, ref: str) -> MonitorRow | None:
    """A monitor by id, else by its unique name."""
    query = sa.select(*MONITOR_COLUMNS)
    row = (await conn.execute(query.where(monitors.c.id == ref))).first()
    if row is None:
        row = (await conn.execute(query.where(monitors.c.name == ref))).first()
    return None if row is None else MonitorRow(*row)


async def schedule_of(conn: AsyncConnection, monitor: MonitorRow) -> ScheduleRow | None:
    row = (
        await conn.execute(sa.select(*SCHEDULE_COLUMNS).where(schedules.c.id == monitor.schedule_id))
    ).first()
    return None if row is None else ScheduleRow(*row)


async def _views(conn: AsyncConnection, rows: Sequence[MonitorRow]) -> list[MonitorView]:
    schedule_ids = [r.schedule_id for r in rows]
    timing = {
        str(sid): (bool(enabled), nxt)
        for sid, enabled, nxt in await conn.execute(
            sa.select(schedules.c.id, schedules.c.enabled, schedules.c.next_run_at).where(
                schedules.c.id.in_(schedule_ids)
            )
        )
    }
    check_ids = [r.last_check_id for r in rows if r.last_check_id]
    checks = {}
    if check_ids:
        query = sa.select(*CHECK_COLUMNS).where(monitor_checks.c.id.in_(check_ids))
        checks = {row[0]: MonitorCheckRow(*row) for row in await conn.execute(query)}
    return [
        MonitorView(r, *timing.get(r.schedule_id, (False, None)), checks.get(r.last_check_id or ""))
        for r in rows
    ]


async def view(conn: AsyncConnection, ref: str) -> MonitorView | None:
    """A monitor by id or name, with its schedule's state and last check."""
    row = await find(conn, ref)
    return None if row is None else (await _views(conn, [row]))[0]


async def list_views(conn: AsyncConnection) -> list[MonitorView]:
    """Every monitor, by name."""
    rows = [MonitorRow(*r) for r in await conn.execute(sa.select(*MONITOR_COLUMNS).order_by(monitors.c.name))]
    return await _views(conn, rows)


async def name_taken(conn: AsyncConnection, name: str, except_id: str | None = None) -> bool:
    query = sa.select(monitors.c.id).where(monitors.c.name == name)
    if except_id is not None:
        query = query.where(monitors.c.id != except_id)
    return (await conn.execute(query)).first() is not None


async def insert(
    conn: AsyncConnection,
    name: str,
    definition: JsonObject,
    schedule: Mapping[str, Any],
    now: float,
    first_run: Callable[[str], float | None],
) -> str:
    """Create a monitor and the schedule that fires its checks (its first due time from
    `first_run(monitor_id)`); returns the monitor's id."""
    monitor_id, schedule_id = new_id(), new_id()
    await conn.execute(
        schedules.insert().values(
            id=schedule_id,
            name=f"monitor:{monitor_id}",
            monitor_id=monitor_id,
            next_run_at=first_run(monitor_id),
            created_at=now,
            updated_at=now,
            **schedule,
        )
    )
    await conn.execute(
        monitors.insert().values(
            id=monitor_id,
            name=name,
            definition=definition,
            schedule_id=schedule_id,
            created_at=now,
            updated_at=now,
        )
    )
    return monitor_id


async def update(
    conn: AsyncConnection,
    monitor: MonitorRow,
    values: Mapping[str, Any],
    schedule: Mapping[str, Any],
    now: float,
) -> None:
    """Change a monitor (and its schedule's timing and job)."""
    if values:
        await conn.execute(
            monitors.update().where(monitors.c.id == monitor.id).values(updated_at=now, **values)
        )
    if schedule:
        await conn.execute(
            schedules.update().where(schedules.c.id == monitor.schedule_id).values(updated_at=now, **schedule)
        )


async def reset_snapshot(conn: AsyncConnection, monitor: MonitorRow) -> None:
    """Forget the snapshot (a new target or key): the next check is a new baseline; history stays."""
    await conn.execute(monitor_records.delete().where(monitor_records.c.monitor_id == monitor.id))


async def delete(conn: AsyncConnection, monitor: MonitorRow) -> None:
    """Delete a monitor with its schedule, snapshot, checks and changes (its check jobs stay)."""
    for table in (monitor_changes, monitor_checks, monitor_records):
        await conn.execute(table.delete().where(table.c.monitor_id == monitor.id))
    await conn.execute(schedules.delete().where(schedules.c.id == monitor.schedule_id))
    await conn.execute(monitors.delete().where(monitors.c.id == monitor.id))


# --- the snapshot and applying a check -----------------------------------------------------------


async def get_monitor(conn: AsyncConnection, monitor_id: str) -> MonitorRow | None:
    row = (await conn.execute(sa.select(*MONITOR_COLUMNS).where(monitors.c.id == monitor_id))).first()
    return None if row is None else MonitorRow(*row)


async def snapshot(conn: AsyncConnection, monitor_id: str) -> list[SnapshotRecord]:
    """The last good snapshot, every record."""
    query = sa.select(
        monitor_records.c.key, monitor_records.c.data, monitor_records.c.digest, monitor_records.c.missing
    ).where(monitor_records.c.monitor_id == monitor_id)
    return [SnapshotRecord(*row) for row in await conn.execute(query)]


async def check_of_job(conn: AsyncConnection, job_id: str) -> MonitorCheckRow | None:
    """The check a job was applied as, if it was (comparing is idempotent by job)."""
    row = (await conn.execute(sa.select(*CHECK_COLUMNS).where(monitor_checks.c.job_id == job_id))).first()
    return None if row is None else MonitorCheckRow(*row)


async def job_facts(conn: AsyncConnection, job_id: str) -> tuple[str, int, float, str | None] | None:
    """(status, final attempt, created_at, error message) of a check job."""
    row = (
        await conn.execute(
            sa.select(jobs.c.status, jobs.c.attempts, jobs.c.created_at, jobs.c.error_message).where(
                jobs.c.id == job_id
            )
        )
    ).first()
    return None if row is None else (str(row[0]), int(row[1]), float(row[2]), row[3])


async def apply_check(
    conn: AsyncConnection,
    monitor: MonitorRow,
    *,
    job_id: str,
    job_created_at: float,
    status: str,
    counts: Mapping[str, int],
    message: str | None,
    changes: Sequence[tuple[str, str, JsonObject]],
    upserts: Iterable[SnapshotRecord],
    deletes: Iterable[str],
    records: int | None,
    now: float,
) -> str | None:
    """Store one check: its row, its changes, the snapshot's changed records and the monitor's
    summary; None (nothing written) when another check was applied since `monitor` was read.

    Unchanged checks in a row are one row (`repeats`), and the job of the check folded in is
    deleted with what followed it: a monitor that sees no change grows no table."""
    values: dict[str, Any] = {"state_version": monitor.state_version + 1, "updated_at": now}
    folded: MonitorCheckRow | None = None
    if status == "unchanged" and monitor.last_status == "unchanged" and monitor.last_check_id:
        found = (
            await conn.execute(sa.select(*CHECK_COLUMNS).where(monitor_checks.c.id == monitor.last_check_id))
        ).first()
        folded = None if found is None else MonitorCheckRow(*found)
    check_id = folded.id if folded is not None else new_id()
    values.update(last_check_id=check_id, last_status=status, last_checked_at=now)
    if status in ("baseline", "changed", "unchanged"):
        values["applied_job_created_at"] = job_created_at
    if records is not None:
        values["records"] = records
    if status == "changed":
        values["last_change_at"] = now
    claimed = await conn.execute(
        monitors.update()
        .where(monitors.c.id == monitor.id, monitors.c.state_version == monitor.state_version)
        .values(**values)
    )
    if claimed.rowcount != 1:
        return None
    if folded is not None:
        await conn.execute(
            monitor_checks.update()
            .where(monitor_checks.c.id == folded.id)
            .values(
                job_id=job_id,
                counts=dict(counts),
                checked_at=now,
                repeats=folded.repeats + 1,
                first_checked_at=folded.first_checked_at or folded.checked_at,
            )
        )
        await _drop_check_job(conn, folded.job_id)
    else:
        await conn.execute(
            monitor_checks.insert().values(
                id=check_id,
                monitor_id=monitor.id,
                job_id=job_id,
                status=status,
                counts=dict(counts),
                message=message,
                checked_at=now,
            )
        )
    if changes:
        await conn.execute(
            monitor_changes.insert(),
            [
                {
                    "monitor_id": monitor.id,
                    "check_id": check_id,
                    "kind": kind,
                    "key": key,
                    "change": change,
                    "created_at": now,
                }
                for kind, key, change in changes
            ],
        )
    delete_keys = list(deletes)
    for start in range(0, len(delete_keys), 500):
        await conn.execute(
            monitor_records.delete().where(
                monitor_records.c.monitor_id == monitor.id,
                monitor_records.c.key.in_(delete_keys[start : start + 500]),
            )
        )
    rows = [
        {"monitor_id": monitor.id, "key": r.key, "data": r.data, "digest": r.digest, "missing": r.missing}
        for r in upserts
    ]
    if rows:
        # Delete then insert: the same two statements on SQLite and PostgreSQL.
        keys = [r["key"] for r in rows]
        for start in range(0, len(keys), 500):
            await conn.execute(
                monitor_records.delete().where(
                    monitor_records.c.monitor_id == monitor.id,
                    monitor_records.c.key.in_(keys[start : start + 500]),
                )
            )
        await conn.execute(monitor_records.insert(), rows)
    return check_id


async def _drop_check_job(conn: AsyncConnection, job_id: str) -> None:
    """Delete a check's job with its records and the finished jobs that followed it (its comparison)."""
    children = await conn.execute(
        sa.select(jobs.c.id).where(jobs.c.parent_id == job_id, status_is(*FINISHED_STATUSES))
    )
    await delete_jobs(conn, [job_id, *children.scalars()])


async def set_notified(conn: AsyncConnection, check_id: str, count: int) -> None:
    await conn.execute(monitor_checks.update().where(monitor_checks.c.id == check_id).values(notified=count))


# --- history -------------------------------------------------------------------------------------


async def checks(
    conn: AsyncConnection, monitor_id: str, *, before: float | None, limit: int
) -> list[MonitorCheckRow]:
    """Checks, newest first, older than `before` (a cursor)."""
    query = sa.select(*CHECK_COLUMNS).where(monitor_checks.c.monitor_id == monitor_id)
    if before is not None:
        query = query.where(monitor_checks.c.checked_at < before)
    query = query.order_by(monitor_checks.c.checked_at.desc(), monitor_checks.c.id.desc()).limit(limit)
    return [MonitorCheckRow(*row) for row in await conn.execute(query)]


async def changes(
    conn: AsyncConnection,
    monitor_id: str,
    *,
    kinds: Sequence[str] = (),
    since: float | None = None,
    until: float | None = None,
    before_id: int | None = None,
    after_id: int | None = None,
    check_id: str | None = None,
    limit: int | None = 100,
    oldest_first: bool = False,
) -> list[MonitorChangeRow]:
    """Changes, newest first (or oldest first), filtered by kind, time, check and an id cursor."""
    query = sa.select(*CHANGE_COLUMNS).where(monitor_changes.c.monitor_id == monitor_id)
    if kinds:
        query = query.where(monitor_changes.c.kind.in_(list(kinds)))
    if since is not None:
        query = query.where(monitor_changes.c.created_at >= since)
    if until is not None:
        query = query.where(monitor_changes.c.created_at < until)
    if before_id is not None:
        query = query.where(monitor_changes.c.id < before_id)
    if after_id is not None:
        query = query.where(monitor_changes.c.id > after_id)
    if check_id is not None:
        query = query.where(monitor_changes.c.check_id == check_id)
    query = query.order_by(monitor_changes.c.id if oldest_first else monitor_changes.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [MonitorChangeRow(*row) for row in await conn.execute(query)]


async def prune_checks(conn: AsyncConnection, older_than: float, limit: int) -> int:
    """Delete up to `limit` checks older than `older_than`, with their changes (retention); each
    monitor's snapshot and last check stay."""
    ids = list(
        (
            await conn.execute(
                sa.select(monitor_checks.c.id)
                .where(
                    monitor_checks.c.checked_at < older_than,
                    monitor_checks.c.id.not_in(
                        sa.select(monitors.c.last_check_id).where(monitors.c.last_check_id.is_not(None))
                    ),
                )
                .limit(limit)
            )
        ).scalars()
    )
    if ids:
        await conn.execute(monitor_changes.delete().where(monitor_changes.c.check_id.in_(ids)))
        await conn.execute(monitor_checks.delete().where(monitor_checks.c.id.in_(ids)))
    return len(ids)
