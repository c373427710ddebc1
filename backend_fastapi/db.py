"""The database seam: engine, transactions, group commit and the cross-process wake-up signal.

SQLite rules that keep the queue correct under load (see docs/architecture.md):
- WAL mode, a long `busy_timeout`, `synchronous=FULL` unless `SQLITE_SYNCHRONOUS` relaxes it.
- Every write transaction starts with `BEGIN IMMEDIATE`: a deferred transaction that reads and then
  writes fails at once with SQLITE_BUSY whatever busy_timeout says.
- One writer per process (`Database.write`): concurrent writes of a process are committed together
  in one transaction (group commit), so a `synchronous=FULL` fsync is paid once per batch and
  the process never competes with itself for SQLite's single write lock.
Reads run outside any transaction (each statement sees the latest commit) unless a snapshot is asked for.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from backend_fastapi.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteOp = Callable[[AsyncConnection], Awaitable[T]]

BUSY_TIMEOUT_MS = 20_000
# The WAL file is truncated back to this size after checkpoints, so it stays bounded.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
MAX_BATCH = 256
BUSY_RETRIES = 5
_BEGIN_OPTION = "dataops_begin"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def apply_sqlite_pragmas(dbapi_conn: Any, synchronous: str) -> None:
    """Per-connection SQLite settings; WAL is persistent but setting it again is free."""
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute(f"PRAGMA synchronous = {synchronous}")
    cur.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
    cur.execute("PRAGMA temp_store = MEMORY")
    cur.close()


def create_engine(settings: Settings) -> AsyncEngine:
    """An async engine for `DATABASE_URL`, with SQLite set up for concurrent processes."""
    url = settings.database_url
    if not settings.is_sqlite:
        return create_async_engine(url, json_serializer=_json_dumps, pool_pre_ping=True)

    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, json_serializer=_json_dumps, pool_size=4, max_overflow=8, connect_args={"timeout": 20}
    )
    synchronous = settings.SQLITE_SYNCHRONOUS

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module so that we choose its kind (see _on_begin).
        dbapi_conn.isolation_level = None
        apply_sqlite_pragmas(dbapi_conn, synchronous)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION)
        if mode:
            conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


class Database:
    """One engine plus the process's single writer."""

    def __init__(self, settings: Settings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self.engine = engine or create_engine(settings)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._pending: list[tuple[WriteOp[Any], asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    async def close(self) -> None:
        """Stop the writer after it drained what was submitted, and close every connection."""
        if self._writer is not None:
            while self._pending:
                await asyncio.sleep(0.005)
            self._writer.cancel()
            with suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        await self.engine.dispose()

    # --- reads -----------------------------------------------------------------------------

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; on SQLite each statement sees the latest committed state."""
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncConnection]:
        """A read transaction: several statements see one consistent state."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
            async with conn.begin():
                yield conn

    # --- writes ----------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction of its own (`BEGIN IMMEDIATE` on SQLite), committed on exit."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
            async with conn.begin():
                yield conn

    async def write(self, op: WriteOp[T]) -> T:
        """Run `op` in a write transaction shared with other writes submitted meanwhile.

        `op` must only touch the database (it may run twice: a batch that fails is retried
        one op per transaction, so one bad op cannot fail its neighbours).
        """
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._run_writer(), name="db-writer")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((op, future))
        self._wake.set()
        return await future

    async def _run_writer(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                await self._commit_batch(batch)

    async def _commit_batch(self, batch: list[tuple[WriteOp[Any], asyncio.Future[Any]]]) -> None:
        live = [(op, fut) for op, fut in batch if not fut.cancelled()]
        if not live:
            return
        try:
            results = await self._run_in_transaction([op for op, _ in live])
        except Exception as exc:
            if len(live) == 1:
                _settle(live[0][1], exc=exc)
                return
            for op, fut in live:
                try:
                    (result,) = await self._run_in_transaction([op])
                except Exception as single_exc:
                    _settle(fut, exc=single_exc)
                else:
                    _settle(fut, result=result)
            return
        for (_, fut), result in zip(live, results, strict=True):
            _settle(fut, result=result)

    async def _run_in_transaction(self, ops: list[WriteOp[Any]]) -> list[Any]:
        for attempt in range(BUSY_RETRIES):
            try:
                async with self.transaction() as conn:
                    return [await op(conn) for op in ops]
            except OperationalError as exc:
                # busy_timeout already waited; this only covers SQLite's rare immediate BUSY codes.
                if not _is_busy(exc) or attempt == BUSY_RETRIES - 1:
                    raise
                log.warning("db.busy_retry", extra={"attempt": attempt + 1})
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    async def now(self) -> float:
        """The queue's clock. One machine shares SQLite, so its clock is the system's."""
        if self.is_sqlite:
            return time.time()
        async with self.read() as conn:
            return float(
                (await conn.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())"))).scalar_one()
            )


def _settle(future: asyncio.Future[Any], *, result: Any = None, exc: BaseException | None = None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class ChangeFeed(Protocol):
    """Tells a waiting worker that another process changed the jobs table (maybe a new job)."""

    async def start(self, on_change: Callable[[], None]) -> None: ...

    async def stop(self) -> None: ...


def change_feed(db: Database, interval: float) -> ChangeFeed | None:
    """The wake-up signal for this database: SQLite's change counter or PostgreSQL's NOTIFY."""
    if db.is_sqlite:
        path = sqlite_path(db.settings.database_url)
        return SqliteChangeWatcher(path, interval) if path is not None else None
    return PostgresListener(db.settings.database_url)


class SqliteChangeWatcher:
    """Notices commits by other processes through `PRAGMA data_version` (~6 µs a call).

    The value changes whenever another connection commits; reading it takes no lock. A small
    thread reads it every `interval` seconds (a thread's sleep costs far less CPU than an event
    loop iteration: ~0.5 % of a core at 20 ms) and calls `on_change` in the event loop.
    """

    def __init__(self, path: Path, interval: float) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def start(self, on_change: Callable[[], None]) -> None:
        args = (asyncio.get_running_loop(), on_change)
        self._thread = threading.Thread(target=self._watch, args=args, name="db-watch", daemon=True)
        self._thread.start()

    def _watch(self, loop: asyncio.AbstractEventLoop, on_change: Callable[[], None]) -> None:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            last = conn.execute("PRAGMA data_version").fetchone()[0]
            while not self._stop.wait(self.interval):
                try:
                    version = conn.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.Error:
                    log.exception("db.watch_failed")
                    continue
                if version != last:
                    last = version
                    loop.call_soon_threadsafe(on_change)
        finally:
            conn.close()

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 5)


NOTIFY_CHANNEL = "dataops_jobs"
LISTEN_CHECK_SECONDS = 10.0
LISTEN_CHECK_TIMEOUT = 5.0


class PostgresListener:
    """LISTEN on the channel a trigger NOTIFYs when a job becomes queued (migration 0002).

    A LISTEN connection can die silently (a half-open TCP connection never errors on its own),
    so it is pinged every LISTEN_CHECK_SECONDS and re-established when the ping fails; after a
    reconnect `on_change` fires once, since notifications may have been missed meanwhile.
    Polling stays the fallback throughout.
    """

    def __init__(self, url: str) -> None:
        parsed = sa.engine.make_url(url).set(drivername="postgresql")
        self.dsn = parsed.render_as_string(hide_password=False)
        self._task: asyncio.Task[None] | None = None
        self.reconnects = 0

    async def start(self, on_change: Callable[[], None]) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen(on_change), name="db-listen")

    async def _listen(self, on_change: Callable[[], None]) -> None:
        import asyncpg

        def notified(*_: Any) -> None:
            on_change()

        while True:
            conn = None
            try:
                conn = await asyncpg.connect(self.dsn, timeout=LISTEN_CHECK_TIMEOUT)
                await conn.add_listener(NOTIFY_CHANNEL, notified)
                if self.reconnects:
                    on_change()
                while True:
                    await asyncio.sleep(LISTEN_CHECK_SECONDS)
                    await asyncio.wait_for(conn.fetchval("SELECT 1"), LISTEN_CHECK_TIMEOUT)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("db.listen_lost", extra={"error": f"{type(exc).__name__}: {exc}"})
                await asyncio.sleep(1.0)
                self.reconnects += 1
            finally:
                if conn is not None:
                    conn.terminate()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
