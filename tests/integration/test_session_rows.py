"""The session store on SQLite and PostgreSQL: one login lease at a time, fenced by its owner."""

from __future__ import annotations

from backend_fastapi.store import session_rows
from backend_fastapi.store.engine import Database
from tests.support.postgres import BOTH_BACKENDS

SUMMARY = {"cookies": 1, "domains": ["shop.example"], "origins": 0}


async def _session(db: Database) -> str:
    now = await db.now()
    return await db.write(lambda c: session_rows.insert(c, {"name": "shop", "spec": {"kind": "login"}}, now))


@BOTH_BACKENDS
async def test_one_job_at_a_time_holds_the_login_lease(db: Database) -> None:
    session_id = await _session(db)
    now = await db.now()

    async def take(owner: str, seen: int, at: float) -> bool:
        return await db.write(
            lambda c: session_rows.take_login_lease(c, session_id, owner, seen, at, at + 60)
        )

    assert await take("a", 0, now)
    assert not await take("b", 0, now + 1)  # held by a
    # Only the owner stores a state; the version moves and the lease is free again.
    assert (
        await db.write(lambda c: session_rows.save_login(c, session_id, "b", "sealed-b", SUMMARY, now))
        is None
    )
    assert (
        await db.write(lambda c: session_rows.save_login(c, session_id, "a", "sealed-a", SUMMARY, now)) == 1
    )
    # A job that saw version 0 does not log in again over the new state.
    assert not await take("b", 0, now + 2)
    assert await take("b", 1, now + 2)


@BOTH_BACKENDS
async def test_an_expired_lease_is_taken_over_and_the_late_owner_writes_nothing(db: Database) -> None:
    session_id = await _session(db)
    now = await db.now()
    assert await db.write(lambda c: session_rows.take_login_lease(c, session_id, "a", 0, now, now + 10))
    later = now + 11
    assert await db.write(lambda c: session_rows.take_login_lease(c, session_id, "b", 0, later, later + 10))
    assert (
        await db.write(lambda c: session_rows.save_login(c, session_id, "a", "late", SUMMARY, later)) is None
    )
    await db.write(lambda c: session_rows.release_lease(c, session_id, "b", "login failed", later))
    row = await db.fetch(lambda c: session_rows.find(c, "shop"))
    assert row is not None
    assert (row.sealed_state, row.login_owner, row.last_error, row.state_version) == (
        None,
        None,
        "login failed",
        0,
    )
