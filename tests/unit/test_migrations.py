"""The migrations build exactly the tables `store/tables.py` declares (no drift between the two)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend_fastapi.jobtypes import NewJob
from backend_fastapi.settings import Settings
from backend_fastapi.store import jobqueue, key_rows, migrations
from backend_fastapi.store.engine import Database
from backend_fastapi.store.tables import metadata
from tests.support.postgres import BOTH_BACKENDS


async def test_a_migrated_database_matches_the_declared_tables(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    db = Database(Settings(_env_file=None, DATABASE_URL=url))  # type: ignore[call-arg]
    try:
        await migrations.upgrade(db)
        assert await migrations.current_revision(db) == migrations.HEAD
    finally:
        await db.close()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    # Alembic cannot read back an expression index (`priority DESC`) on SQLite: it reports the
    # claim index as both removed and added. Everything else must match.
    assert [d for d in differences if not _expression_index(d)] == []


def _expression_index(difference: object) -> bool:
    return (
        isinstance(difference, tuple)
        and difference[0] in ("add_index", "remove_index")
        and difference[1].name == "ix_jobs_claim"
    )


def test_head_is_the_newest_revision() -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert script.get_current_head() == migrations.HEAD


@BOTH_BACKENDS
async def test_api_keys_migrate_down_and_up_again_keeping_jobs(settings: Settings) -> None:
    db = Database(settings)
    try:
        await migrations.upgrade(db)
        await _alembic(db, "downgrade", "0007")
        assert await migrations.current_revision(db) == "0007"
        async with db.read() as conn:
            columns = {c["name"] for c in await conn.run_sync(lambda s: sa.inspect(s).get_columns("jobs"))}
            tables = await conn.run_sync(lambda s: sa.inspect(s).get_table_names())
        assert "created_by" not in columns
        assert "api_keys" not in tables
        await migrations.upgrade(db)
        assert await migrations.current_revision(db) == migrations.HEAD
        job = NewJob(type="scrape.page", payload={}, max_attempts=1, timeout_seconds=5, created_by="ci")
        await db.write(lambda c: jobqueue.enqueue(c, job, 1000.0))
        async with db.read() as conn:
            assert await key_rows.jobs_created_since(conn, "ci", 999.0) == 1
            assert await key_rows.jobs_created_since(conn, "ci", 1001.0) == 0
            assert await key_rows.jobs_created_since(conn, "ci", 999.0, at_most=0) == 0
    finally:
        await db.close()


async def _alembic(db: Database, action: str, revision: str) -> None:
    from alembic import command

    async with db.transaction() as conn:
        await conn.run_sync(lambda sync: getattr(command, action)(migrations.alembic_config(sync), revision))
