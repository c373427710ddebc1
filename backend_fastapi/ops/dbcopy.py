"""`dataops db copy`: move a whole installation from one database to another (SQLite -> PostgreSQL).

The copy is atomic: every row is written to the target inside one transaction, and the row count
of every table is compared with the source before that transaction commits, so the target ends
up either complete and verified or untouched. The source is read inside one read transaction
(a consistent snapshot) and never written to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import store
from backend_fastapi.errors import DataOpsError
from backend_fastapi.settings import Settings
from backend_fastapi.store import migrations
from backend_fastapi.store.engine import Database
from backend_fastapi.store.tables import (
    exports,
    job_records,
    jobs,
    monitor_changes,
    monitor_checks,
    monitor_records,
    monitors,
    pipelines,
    schedules,
    sessions,
    uploads,
    webhook_deliveries,
    workers,
)

log = logging.getLogger(__name__)

# Parents before children; `workers` is live state of running processes and is not copied.
TABLES: tuple[sa.Table, ...] = (
    pipelines, uploads, exports, schedules, monitors, monitor_records, monitor_checks, monitor_changes,
    sessions, jobs, job_records, webhook_deliveries,
)  # fmt: skip
# Tables whose integer ids come from a sequence on PostgreSQL.
SERIAL_TABLES = (webhook_deliveries, monitor_changes)
BATCH = 1000


class CopyError(DataOpsError):
    """The copy failed; the target database was left unchanged."""

    code = "copy_error"


@dataclass(frozen=True)
class TableCount:
    table: str
    rows: int


async def _count(conn: AsyncConnection, table: sa.Table) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def _copy_table(source: AsyncConnection, target: AsyncConnection, table: sa.Table) -> int:
    """Stream one table in primary-key order, BATCH rows per INSERT."""
    order = list(table.primary_key.columns)
    copied = 0
    result = await source.stream(sa.select(table).order_by(*order))
    async for partition in result.mappings().partitions(BATCH):
        await target.execute(table.insert(), [dict(row) for row in partition])
        copied += len(partition)
    return copied


async def _refuse_live_workers(src: AsyncConnection, alive_after: float) -> None:
    query = sa.select(sa.func.count()).select_from(workers).where(workers.c.last_heartbeat > alive_after)
    alive = (await src.execute(query)).scalar_one()
    if alive:
        raise CopyError(f"{alive} worker(s) still use the source database; stop them first.")


async def _copy_all(src: AsyncConnection, dst: AsyncConnection) -> list[TableCount]:
    for table in TABLES:
        if await _count(dst, table):
            raise CopyError(f"The target has rows in {table.name}; copy into an empty database.")
    counts = []
    for table in TABLES:
        copied = await _copy_table(src, dst, table)
        expected, written = await _count(src, table), await _count(dst, table)
        if not expected == written == copied:
            raise CopyError(
                f"{table.name}: the source has {expected} rows but {written} arrived; nothing committed."
            )
        counts.append(TableCount(table.name, written))
        log.info("db.copy.table", extra={"table": table.name, "rows": written})
    if dst.dialect.name == "postgresql":
        # Explicit ids were inserted: move each sequence past them.
        for table in SERIAL_TABLES:
            await dst.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
            )
    return counts


async def copy_database(from_url: str, to_url: str, *, alive_after: float | None = None) -> list[TableCount]:
    """Copy every table from `from_url` into the empty database at `to_url`."""
    if from_url == to_url:
        raise CopyError("The source and the target are the same database.")
    source = Database(Settings(_env_file=None, DATABASE_URL=from_url))  # type: ignore[call-arg]
    target = Database(Settings(_env_file=None, DATABASE_URL=to_url))  # type: ignore[call-arg]
    try:
        revision = await migrations.current_revision(source)
        if revision != migrations.HEAD:
            raise CopyError(
                f"The source database is at revision {revision!r}, not {migrations.HEAD!r}: "
                "run `dataops migrate` against it first."
            )
        await store.prepare(target)
        async with source.snapshot() as src:
            if alive_after is not None:
                await _refuse_live_workers(src, alive_after)
            async with target.transaction() as dst:
                return await _copy_all(src, dst)
    finally:
        await source.close()
        await target.close()
