"""Session rows: the saved logins scrapes use by name, and the lease that lets one job log in.

The login lease is taken with one conditional UPDATE (free or expired, and the state still the
version the job saw), so two jobs of one session, on any workers, never log in at the same time:
the one that loses waits for the new state. A new state is written only by the lease's owner
(fencing), so a login that outlived its lease cannot overwrite a newer one.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.ids import new_id
from backend_fastapi.store.rows import JsonObject, SessionRow, columns_of
from backend_fastapi.store.tables import monitors, schedules, sessions

SESSION_COLUMNS = columns_of(sessions, SessionRow)


async def find(conn: AsyncConnection, ref: str) -> SessionRow | None:
    """A session by id, else by its unique name."""
    query = sa.select(*SESSION_COLUMNS)
    row = (await conn.execute(query.where(sessions.c.id == ref))).first()
    if row is None:
        row = (await conn.execute(query.where(sessions.c.name == ref))).first()
    return None if row is None else SessionRow(*row)


async def exists(conn: AsyncConnection, name: str) -> bool:
    """Whether a session of that name (or id) exists."""
    query = sa.select(sessions.c.id).where(sa.or_(sessions.c.name == name, sessions.c.id == name))
    return (await conn.execute(query.limit(1))).first() is not None


async def name_taken(conn: AsyncConnection, name: str, except_id: str | None = None) -> bool:
    query = sa.select(sessions.c.id).where(sessions.c.name == name)
    if except_id is not None:
        query = query.where(sessions.c.id != except_id)
    return (await conn.execute(query)).first() is not None


async def list_page(conn: AsyncConnection, limit: int, cursor: str | None = None) -> list[SessionRow]:
    """Sessions, newest first; `cursor` is the last id of the previous page."""
    query = sa.select(*SESSION_COLUMNS).order_by(sessions.c.id.desc()).limit(limit)
    if cursor is not None:
        query = query.where(sessions.c.id < cursor)
    return [SessionRow(*row) for row in await conn.execute(query)]


async def insert(conn: AsyncConnection, values: dict[str, Any], now: float) -> str:
    """Save a new session (the caller checked the name); its id."""
    session_id = new_id()
    await conn.execute(
        sessions.insert().values(id=session_id, created_at=now, updated_at=now, state_version=0, **values)
    )
    return session_id


async def update(conn: AsyncConnection, session_id: str, values: dict[str, Any], now: float) -> None:
    await conn.execute(sessions.update().where(sessions.c.id == session_id).values(updated_at=now, **values))


async def delete(conn: AsyncConnection, session_id: str) -> None:
    await conn.execute(sessions.delete().where(sessions.c.id == session_id))


async def users(conn: AsyncConnection, row: SessionRow) -> list[str]:
    """What scrapes with this session on a schedule: `schedule <name>` and `monitor <name>`."""
    found: list[str] = []
    monitor_ids: list[str] = []
    for name, job, monitor_id in await conn.execute(
        sa.select(schedules.c.name, schedules.c.job, schedules.c.monitor_id)
    ):
        if isinstance(job, dict) and job.get("session") in (row.name, row.id):
            if monitor_id is None:
                found.append(f"schedule {name}")
            else:
                monitor_ids.append(monitor_id)
    if monitor_ids:
        names = await conn.execute(sa.select(monitors.c.name).where(monitors.c.id.in_(monitor_ids)))
        found.extend(f"monitor {name}" for (name,) in names)
    return sorted(found)


# --- the worker's side ----------------------------------------------------------------------------


async def take_login_lease(
    conn: AsyncConnection, session_id: str, owner: str, seen_version: int, now: float, until: float
) -> bool:
    """Become the one job that logs in: only while nobody holds an unexpired lease and the state is
    still the version this job saw (else another job's login already replaced it)."""
    result = await conn.execute(
        sessions.update()
        .where(
            sessions.c.id == session_id,
            sessions.c.state_version == seen_version,
            sa.or_(sessions.c.login_owner.is_(None), sessions.c.login_until < now),
        )
        .values(login_owner=owner, login_until=until)
    )
    return result.rowcount == 1


async def save_login(
    conn: AsyncConnection, session_id: str, owner: str, sealed_state: str, summary: JsonObject, now: float
) -> int | None:
    """Store a login's new state and give the lease back; the new state_version, or None when the
    lease was lost (another job owns it now: its state wins)."""
    result = await conn.execute(
        sessions.update()
        .where(sessions.c.id == session_id, sessions.c.login_owner == owner)
        .values(
            sealed_state=sealed_state,
            state_summary=summary,
            state_version=sessions.c.state_version + 1,
            last_login_at=now,
            last_check_at=now,
            last_error=None,
            login_owner=None,
            login_until=None,
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        return None
    found = await conn.execute(sa.select(sessions.c.state_version).where(sessions.c.id == session_id))
    version = found.scalar()
    return None if version is None else int(version)


async def release_lease(conn: AsyncConnection, session_id: str, owner: str, error: str, now: float) -> None:
    """A failed login: the lease goes back and the session says why."""
    await conn.execute(
        sessions.update()
        .where(sessions.c.id == session_id, sessions.c.login_owner == owner)
        .values(login_owner=None, login_until=None, last_error=error, updated_at=now)
    )


async def note_check(conn: AsyncConnection, session_id: str, now: float, error: str | None) -> None:
    """When the check last ran, and what failed (None: it passed)."""
    await conn.execute(
        sessions.update().where(sessions.c.id == session_id).values(last_check_at=now, last_error=error)
    )


async def drop_state(conn: AsyncConnection, session_id: str, now: float) -> None:
    """Forget the stored state (the next use logs in); jobs waiting on a login see the version move."""
    await conn.execute(
        sessions.update()
        .where(sessions.c.id == session_id)
        .values(
            sealed_state=None,
            state_summary=None,
            state_version=sessions.c.state_version + 1,
            last_error=None,
            updated_at=now,
        )
    )
