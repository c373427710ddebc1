"""API key rows: create, find by the key's shown prefix, list, revoke; and the jobs a key queued today."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.ids import new_id
from backend_fastapi.store.rows import KeyRow, columns_of
from backend_fastapi.store.tables import api_keys, jobs

KEY_COLUMNS = columns_of(api_keys, KeyRow)


async def insert(
    conn: AsyncConnection,
    *,
    name: str,
    prefix: str,
    key_hash: str,
    scope: str,
    rate_per_minute: int | None,
    daily_jobs: int | None,
    now: float,
) -> KeyRow | None:
    """Store a new key; None when the name is taken (by a live or a revoked key)."""
    if await find(conn, name) is not None:
        return None
    row = KeyRow(new_id(), name, prefix, key_hash, scope, rate_per_minute, daily_jobs, now, None)
    await conn.execute(api_keys.insert().values(row._asdict()))
    return row


async def find(conn: AsyncConnection, ref: str) -> KeyRow | None:
    """A key by id, else by its unique name."""
    query = sa.select(*KEY_COLUMNS)
    row = (await conn.execute(query.where(api_keys.c.id == ref))).first()
    if row is None:
        row = (await conn.execute(query.where(api_keys.c.name == ref))).first()
    return None if row is None else KeyRow(*row)


async def live_with_prefix(conn: AsyncConnection, prefix: str) -> list[KeyRow]:
    """The keys not revoked whose shown prefix is `prefix` (the caller compares hashes)."""
    query = sa.select(*KEY_COLUMNS).where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
    return [KeyRow(*row) for row in await conn.execute(query)]


async def any_live(conn: AsyncConnection) -> bool:
    """Whether at least one key is not revoked (then the API asks every caller for a key)."""
    query = sa.select(api_keys.c.id).where(api_keys.c.revoked_at.is_(None)).limit(1)
    return (await conn.execute(query)).first() is not None


async def list_all(conn: AsyncConnection, *, include_revoked: bool = True) -> list[KeyRow]:
    """Every key, newest first."""
    query = sa.select(*KEY_COLUMNS).order_by(api_keys.c.created_at.desc(), api_keys.c.id.desc())
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    return [KeyRow(*row) for row in await conn.execute(query)]


async def revoke(conn: AsyncConnection, ref: str, now: float) -> KeyRow | None:
    """Revoke a key by id or name (revoking twice keeps the first time); the row, or None."""
    row = await find(conn, ref)
    if row is None:
        return None
    if row.revoked_at is None:
        await conn.execute(api_keys.update().where(api_keys.c.id == row.id).values(revoked_at=now))
        row = row._replace(revoked_at=now)
    return row


# Prebuilt once (the quota is checked on every create of a key that has one): only indexed
# columns, so the count is read from ix_jobs_created_by_created_at alone, and at most `at_most`
# entries of it, not every job the key queued today.
_JOBS_SINCE = sa.select(sa.func.count()).select_from(
    sa.select(jobs.c.created_at)
    .where(jobs.c.created_by == sa.bindparam("name"), jobs.c.created_at >= sa.bindparam("since"))
    .limit(sa.bindparam("at_most"))
    .subquery()
)
_UNLIMITED = 2**62


async def jobs_created_since(
    conn: AsyncConnection, name: str, since: float, at_most: int | None = None
) -> int:
    """How many jobs the key named `name` queued at or after `since` (its daily quota's count),
    counted up to `at_most`."""
    params = {"name": name, "since": since, "at_most": _UNLIMITED if at_most is None else at_most}
    return int((await conn.execute(_JOBS_SINCE, params)).scalar_one())
