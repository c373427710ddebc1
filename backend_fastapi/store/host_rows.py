"""Per-host limits shared by every worker (`host_gates`, `host_leases`): a lease per request in
flight against the host's concurrency, and start slots spaced by its rate. Each runs in one write
transaction; on PostgreSQL the host's row is locked first, so two workers never both take the last
lease (SQLite's writes are serial anyway)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.tables import host_gates, host_leases


async def _lock_host(conn: AsyncConnection, host: str) -> float:
    """The host's row (made when missing), locked for this transaction; its `next_at`."""
    found = await conn.execute(
        sa.select(host_gates.c.next_at).where(host_gates.c.host == host).with_for_update()
    )
    next_at = found.scalar_one_or_none()
    if next_at is not None:
        return float(next_at)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    await conn.execute(insert(host_gates).values(host=host, next_at=0.0).on_conflict_do_nothing())
    found = await conn.execute(
        sa.select(host_gates.c.next_at).where(host_gates.c.host == host).with_for_update()
    )
    return float(found.scalar_one())


async def take_lease(
    conn: AsyncConnection, host: str, holder: str, limit: int, seconds: float, now: float
) -> bool:
    """A lease on one of the host's `limit` request slots for `seconds`; False when all are taken."""
    await _lock_host(conn, host)
    await conn.execute(host_leases.delete().where(host_leases.c.host == host, host_leases.c.until <= now))
    taken = await conn.execute(
        sa.select(sa.func.count()).select_from(host_leases).where(host_leases.c.host == host)
    )
    if int(taken.scalar_one()) >= limit:
        return False
    await conn.execute(host_leases.insert().values(host=host, holder=holder, until=now + seconds))
    return True


async def drop_lease(conn: AsyncConnection, host: str, holder: str) -> None:
    await conn.execute(host_leases.delete().where(host_leases.c.host == host, host_leases.c.holder == holder))


async def take_start(conn: AsyncConnection, host: str, interval: float, now: float) -> float:
    """The time this request may start: the host's next free slot, which moves `interval` on."""
    next_at = await _lock_host(conn, host)
    start = max(next_at, now)
    await conn.execute(host_gates.update().where(host_gates.c.host == host).values(next_at=start + interval))
    return start
