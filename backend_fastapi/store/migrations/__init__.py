"""Database migrations (Alembic), applied by `dataops migrate` and at the start of every process.

Several processes may start at once (`docker compose up --scale worker=3`): the upgrade runs
inside one write transaction that first takes the database's write lock (`BEGIN IMMEDIATE` on
SQLite, an advisory lock on PostgreSQL), so one process migrates and the others then find the
schema current. A process whose schema is already at HEAD pays one small query and never
imports Alembic (it costs ~6 MB and 0.1 s of the API's start-up).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError

from backend_fastapi.store.engine import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
# The newest revision in versions/; a test checks it against Alembic's own view of the head.
HEAD = "0011"
_PG_LOCK_KEY = 0x44617461  # "Data"


def alembic_config(connection: Any = None) -> Any:
    """An Alembic Config pointing at this folder (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""
    try:
        async with db.read() as conn:
            return (
                await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            ).scalar_one_or_none()
    except (OperationalError, ProgrammingError):
        return None


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to `revision`, safely when several processes do it at once."""
    if revision == "head" and await current_revision(db) == HEAD:
        return
    from alembic import command

    async with db.transaction() as conn:
        if not db.is_sqlite:
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})

        def run(sync_conn: sa.Connection) -> None:
            command.upgrade(alembic_config(sync_conn), revision)

        await conn.run_sync(run)
    log.info("db.migrated", extra={"revision": await current_revision(db)})
