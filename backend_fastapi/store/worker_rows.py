"""The `workers` table: registration, heartbeats, capabilities, and who is alive."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.rows import WorkerRow, columns_of
from backend_fastapi.store.tables import workers

WORKER_COLUMNS = columns_of(workers, WorkerRow)


async def register_worker(conn: AsyncConnection, info: dict[str, Any], now: float) -> None:
    """Add this worker to the `workers` table (API /health counts live ones)."""
    await conn.execute(workers.delete().where(workers.c.id == info["id"]))
    await conn.execute(workers.insert().values(**info, started_at=now, last_heartbeat=now))


async def beat_worker(conn: AsyncConnection, worker_id: str, running: int, now: float) -> None:
    await conn.execute(
        workers.update().where(workers.c.id == worker_id).values(last_heartbeat=now, running=running)
    )


async def deregister_worker(conn: AsyncConnection, worker_id: str) -> None:
    await conn.execute(workers.delete().where(workers.c.id == worker_id))


async def prune_dead_workers(conn: AsyncConnection, older_than: float) -> int:
    result = await conn.execute(workers.delete().where(workers.c.last_heartbeat < older_than))
    return int(result.rowcount or 0)


async def live_workers(conn: AsyncConnection, alive_after: float) -> list[WorkerRow]:
    """Workers whose last heartbeat is newer than `alive_after`."""
    query = (
        sa.select(*WORKER_COLUMNS)
        .where(workers.c.last_heartbeat >= alive_after)
        .order_by(workers.c.started_at)
    )
    return [WorkerRow(*row) for row in await conn.execute(query)]


async def set_worker_capabilities(
    conn: AsyncConnection, worker_id: str, capabilities: dict[str, str]
) -> None:
    """Store what a worker can run (`{kind: "ok" | reason}`, see capabilities.py)."""
    await conn.execute(workers.update().where(workers.c.id == worker_id).values(capabilities=capabilities))
