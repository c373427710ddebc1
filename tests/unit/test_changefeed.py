"""Wake-up signals: another process's commit wakes an idle worker; its own commits do not."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import suppress
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend_fastapi import store
from backend_fastapi.store import jobqueue
from backend_fastapi.store.changefeed import (
    PostgresListener,
    SqliteInotifyWatcher,
    SqlitePollingWatcher,
    change_feed,
)
from backend_fastapi.store.engine import Database
from tests.support.postgres import PostgresServer
from tests.support.waiting import eventually


def commit_elsewhere(path: Path) -> None:
    """One commit by another connection, as another process would make it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS other (x)")
        conn.execute("INSERT INTO other VALUES (1)")
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["inotify", "polling"])
async def test_a_commit_by_another_connection_wakes_the_watcher(
    db: Database, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "dataops.db"
    commit_elsewhere(path)
    watcher = SqliteInotifyWatcher(path) if kind == "inotify" else SqlitePollingWatcher(path, 0.01)
    woken: list[float] = []
    await watcher.start(lambda: woken.append(asyncio.get_running_loop().time()))
    try:
        await asyncio.sleep(0.1)
        assert woken == []
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO other VALUES (2)")
        await eventually(lambda: _true(bool(woken)), interval=0.005)
        count = len(woken)
        await asyncio.sleep(0.2)
        assert len(woken) == count, "one commit, one wake-up"
    finally:
        await watcher.stop()
    commit_elsewhere(path)
    await asyncio.sleep(0.1)
    assert len(woken) == count, "a stopped watcher stays silent"


async def _true(value: bool) -> bool:
    return value


async def test_sqlite_uses_inotify_where_linux_has_it(db: Database) -> None:
    assert isinstance(change_feed(db, 0.02), SqliteInotifyWatcher)


@pytest.mark.postgres
async def test_postgres_listener_wakes_on_queued_jobs_and_survives_a_killed_connection(
    postgres_server: PostgresServer,
) -> None:
    from backend_fastapi.settings import Settings

    url = postgres_server.create_database("listen_test")
    db = Database(Settings(_env_file=None, DATABASE_URL=url))  # type: ignore[call-arg]
    await store.prepare(db)
    listener = PostgresListener(url, check_seconds=0.2)
    woken: list[int] = []
    await listener.start(lambda: woken.append(1))
    try:

        async def queue_one_and_look(before: int) -> bool:
            # The listener connects in the background: queue again until one is heard (no guess at
            # how long connecting takes on a loaded machine).
            now = await db.now()
            await db.write(lambda c: jobqueue.enqueue(c, jobqueue.NewJob("t", {}, 3, 60), now))
            with suppress(AssertionError):
                await eventually(lambda: _true(len(woken) > before), timeout=0.5, interval=0.01)
            return len(woken) > before

        await eventually(lambda: queue_one_and_look(0))
        heard = len(woken)
        # Kill the listening connection from the server side: the listener must notice and listen again.
        async with db.read() as conn:
            await conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN%' OR query = 'SELECT 1'"
                )
            )
        # Back on the channel, the listener wakes its owner once (it may have missed a notification).
        await eventually(lambda: _true(listener.reconnects >= 1 and len(woken) > heard), interval=0.05)
        before = len(woken)
        await eventually(lambda: queue_one_and_look(before))
    finally:
        await listener.stop()
        await db.close()
