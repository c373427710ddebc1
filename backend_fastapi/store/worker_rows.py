"""The `workers` table: registration, heartbeats, capabilities, proxy health, and who is alive.

A worker's proxy health rides in its `capabilities` JSON under `PROXIES_KEY` (it needs no column
of its own); rows leave here with the two apart (`WorkerRow.capabilities`, `WorkerRow.proxies`),
and both writers keep the other's part (the row is locked between read and write on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.rows import WorkerRow
from backend_fastapi.store.tables import workers

WORKER_COLUMNS = tuple(workers.c[name] for name in WorkerRow._fields if name != "proxies")
PROXIES_KEY = "proxies"


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
    return [_worker(tuple(row)) for row in await conn.execute(query)]


def _worker(row: tuple[Any, ...]) -> WorkerRow:
    *head, stored = row
    capabilities = dict(stored or {})
    proxies = capabilities.pop(PROXIES_KEY, None)
    # Proxy health alone (written before the start-up check finished) is not a capability.
    return WorkerRow._make((*head, capabilities or None, proxies if isinstance(proxies, list) else []))


async def _update_json(conn: AsyncConnection, worker_id: str, change: dict[str, Any], keep: bool) -> None:
    """Write `change` into the worker's JSON; `keep`: merge with what is there, else keep only its
    proxy health from what is there."""
    query = sa.select(workers.c.capabilities).where(workers.c.id == worker_id).with_for_update()
    stored = dict((await conn.execute(query)).scalar_one_or_none() or {})
    if not keep:
        stored = {PROXIES_KEY: stored[PROXIES_KEY]} if PROXIES_KEY in stored else {}
    stored.update(change)
    await conn.execute(workers.update().where(workers.c.id == worker_id).values(capabilities=stored))


async def set_worker_proxies(conn: AsyncConnection, worker_id: str, proxies: list[dict[str, Any]]) -> None:
    """Store the health of the worker's proxies (what `/health` shows)."""
    await _update_json(conn, worker_id, {PROXIES_KEY: proxies}, keep=True)


async def set_worker_capabilities(
    conn: AsyncConnection, worker_id: str, capabilities: dict[str, str]
) -> None:
    """Store what a worker can run (`{kind: "ok" | reason}`, see capabilities.py)."""
    await _update_json(conn, worker_id, dict(capabilities), keep=False)
