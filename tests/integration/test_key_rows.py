"""The API key store on SQLite and PostgreSQL: names stay taken, revoked keys are not found."""

from __future__ import annotations

from backend_fastapi.apikeys import hash_key, new_key, shown_prefix
from backend_fastapi.store import key_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import KeyRow
from tests.support.postgres import BOTH_BACKENDS


async def _create(db: Database, name: str, key: str) -> KeyRow | None:
    now = await db.now()
    return await db.write(
        lambda c: key_rows.insert(
            c,
            name=name,
            prefix=shown_prefix(key),
            key_hash=hash_key(key),
            scope="write",
            rate_per_minute=None,
            daily_jobs=5,
            now=now,
        )
    )


@BOTH_BACKENDS
async def test_a_key_is_found_by_its_prefix_until_revoked_and_its_name_stays_taken(db: Database) -> None:
    key = new_key()
    row = await _create(db, "ci", key)
    assert row is not None
    assert row.key_hash == hash_key(key)
    assert key not in row
    assert await db.fetch(key_rows.any_live)
    found = await db.fetch(lambda c: key_rows.live_with_prefix(c, shown_prefix(key)))
    assert [r.name for r in found] == ["ci"]
    revoked = await db.write(lambda c: key_rows.revoke(c, "ci", 123.0))
    assert revoked is not None
    assert revoked.revoked_at == 123.0
    assert await db.fetch(lambda c: key_rows.live_with_prefix(c, shown_prefix(key))) == []
    assert not await db.fetch(key_rows.any_live)
    assert await _create(db, "ci", new_key()) is None
    assert [r.name for r in await db.fetch(key_rows.list_all)] == ["ci"]
