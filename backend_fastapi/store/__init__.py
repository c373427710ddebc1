"""The store: the only place SQL lives (engine, tables, migrations, queue, reads, catalog).

Every process opens the database through `open_database` (or hands a `Database` it built to
`prepare`): this is the one place that brings the schema to HEAD.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend_fastapi.settings import Settings
    from backend_fastapi.store.engine import Database


async def prepare(db: Database) -> Database:
    """Bring `db`'s schema to HEAD (cheap when it already is: one small query)."""
    from backend_fastapi.store import migrations

    await migrations.upgrade(db)
    return db


async def open_database(settings: Settings) -> Database:
    """A connected database whose schema is at HEAD."""
    from backend_fastapi.store.engine import Database

    db = Database(settings)
    try:
        return await prepare(db)
    except BaseException:
        await db.close()
        raise
