"""The database seam: engine, transactions, group commit (wake-up signals: `changefeed.py`).

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
import fcntl
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar, cast

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from backend_fastapi.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
# An operation on a connection that awaits nothing else (see `run_inline`); the two names say
# whether it may write.
WriteOp = Callable[[AsyncConnection], Awaitable[T]]
ReadOp = Callable[[AsyncConnection], Awaitable[T]]
READER_THREADS = 2

BUSY_TIMEOUT_MS = 20_000
# The WAL file is truncated back to this size after checkpoints, so it stays bounded.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
MAX_BATCH = 256
BUSY_RETRIES = 5
_BEGIN_OPTION = "dataops_begin"
# The database clock as first read in the running batch transaction (see `Database.write_timed`).
_transaction_clock: ContextVar[float | None] = ContextVar("transaction_clock", default=None)


def json_text(value: Any) -> str:
    """A JSON column's value as stored (every JSON column, and records written straight to the driver)."""
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
        return create_async_engine(url, json_serializer=json_text, pool_pre_ping=True)

    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        json_serializer=json_text,
        pool_size=4,
        max_overflow=8,
        # Transactions end explicitly (commit or rollback) and reads run outside any: the pool
        # has nothing to reset when a connection comes back, and each reset costs a thread hop.
        pool_reset_on_return=None,
        connect_args={"timeout": 20},
    )
    _control_sqlite_transactions(engine.sync_engine, settings.SQLITE_SYNCHRONOUS)
    return engine


def _control_sqlite_transactions(engine: sa.Engine, synchronous: str) -> None:
    """Pragmas on every new connection, and BEGIN of the kind a connection asks for."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module so that we choose its kind (see _on_begin).
        dbapi_conn.isolation_level = None
        apply_sqlite_pragmas(dbapi_conn, synchronous)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION)
        if mode:
            conn.exec_driver_sql(f"BEGIN {mode}")


def create_sqlite_sync_engine(settings: Settings) -> sa.Engine:
    """A synchronous engine for the SQLite writer and reader threads (`InlineWriter`, `InlineReader`)."""
    url = sa.engine.make_url(settings.database_url).set(drivername="sqlite")
    engine = sa.create_engine(
        url,
        json_serializer=json_text,
        poolclass=sa.pool.NullPool,
        # A reader thread's connection is closed by the thread that closes the database.
        connect_args={"check_same_thread": False},
    )
    _control_sqlite_transactions(engine, settings.SQLITE_SYNCHRONOUS)
    return engine


class InlineConnection:
    """What write operations use of `AsyncConnection`, executed synchronously.

    Write operations are `async def` functions of an `AsyncConnection` so that the same code runs
    on PostgreSQL (asyncpg). On SQLite they run in the writer thread instead, on this object:
    `execute` never suspends, so each operation runs to completion in one step (`run_inline`).
    """

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.execute(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Any:
        return self._conn.exec_driver_sql(statement, parameters)


def run_inline(awaitable: Awaitable[T]) -> T:
    """Run a coroutine that never really suspends (it only awaits an InlineConnection)."""
    steps = awaitable.__await__()
    try:
        steps.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    steps.close()
    raise RuntimeError("A write operation awaited something other than its database connection.")


class InlineWriter:
    """SQLite's write path: whole batches run in one thread on one synchronous connection.

    Through aiosqlite every statement is a round trip to a thread and back; here a batch of
    operations (BEGIN IMMEDIATE, the statements, COMMIT) costs one: measured ~2x the jobs/s.
    """

    def __init__(self, settings: Settings, turn: WriteTurn | None) -> None:
        self._engine = create_sqlite_sync_engine(settings)
        self._turn = turn
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._conn: sa.Connection | None = None

    async def run(self, ops: list[WriteOp[Any]]) -> list[Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run_batch, ops)

    def _run_batch(self, ops: list[WriteOp[Any]]) -> list[Any]:
        if self._conn is None:
            self._conn = self._engine.connect().execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        for attempt in range(BUSY_RETRIES):
            if self._turn is not None:
                self._turn.acquire_blocking()
            try:
                with self._conn.begin():
                    inline = cast(AsyncConnection, InlineConnection(self._conn))
                    return [run_inline(op(inline)) for op in ops]
            except OperationalError as exc:
                # busy_timeout already waited; this only covers SQLite's rare immediate BUSY codes.
                if not _is_busy(exc) or attempt == BUSY_RETRIES - 1:
                    raise
                log.warning("db.busy_retry", extra={"attempt": attempt + 1})
                time.sleep(0.05 * (attempt + 1))
            finally:
                if self._turn is not None:
                    self._turn.release()
        raise AssertionError("unreachable")

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)


class InlineReader:
    """SQLite's path for the API's hot reads (a polled job, the jobs list, /health): each read
    operation runs whole in a reader thread on that thread's synchronous connection. Through
    aiosqlite, checking out a connection, each statement and each fetch is a thread round trip.

    Statements run in autocommit (no BEGIN), so each sees the latest committed state, as
    `Database.read` does.
    """

    def __init__(self, settings: Settings) -> None:
        self._engine = create_sqlite_sync_engine(settings)
        self._executor = ThreadPoolExecutor(max_workers=READER_THREADS, thread_name_prefix="db-reader")
        self._local = threading.local()
        self._conns: list[sa.Connection] = []

    async def run(self, op: ReadOp[T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._run, op)

    def _run(self, op: ReadOp[T]) -> T:
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._engine.connect()
            self._conns.append(conn)
        try:
            return run_inline(op(cast(AsyncConnection, InlineConnection(conn))))
        finally:
            # Ends SQLAlchemy's bookkeeping of the implicit transaction; nothing is open in SQLite.
            conn.rollback()

    async def close(self) -> None:
        self._executor.shutdown(wait=True)
        for conn in self._conns:
            conn.close()
        self._conns.clear()
        self._engine.dispose()


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


class WriteTurn:
    """Hands SQLite's write lock to processes in turn instead of by luck.

    SQLite's busy handler makes a waiting writer sleep (1, 2, 5 ... 100 ms) and try again, so a
    process that writes continuously (the API under load) can starve one that writes rarely (a
    worker renewing its leases) until its leases expire. A blocking `fcntl` lock on a file beside
    the database, taken before `BEGIN IMMEDIATE`, wakes the next waiter as soon as the lock is
    released. fcntl locks belong to the process, so any thread may take or release it.
    """

    def __init__(self, database: Path) -> None:
        self._fd = os.open(f"{database}-writelock", os.O_RDWR | os.O_CREAT, 0o644)

    async def acquire(self) -> None:
        taking = asyncio.get_running_loop().run_in_executor(None, fcntl.lockf, self._fd, fcntl.LOCK_EX)
        try:
            await asyncio.shield(taking)
        except asyncio.CancelledError:
            # The thread may still get the lock after we stopped waiting: give it back then.
            taking.add_done_callback(lambda f: None if f.cancelled() or f.exception() else self.release())
            raise

    def acquire_blocking(self) -> None:
        fcntl.lockf(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        fcntl.lockf(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


class Database:
    """One engine plus the process's single writer."""

    def __init__(self, settings: Settings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self.engine = engine or create_engine(settings)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._pending: list[tuple[WriteOp[Any], asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        path = sqlite_path(settings.database_url) if self.is_sqlite else None
        self._turn = WriteTurn(path) if path is not None else None
        self._inline = InlineWriter(settings, self._turn) if path is not None else None
        self._reader: InlineReader | None = None

    async def close(self) -> None:
        """Stop the writer after it drained what was submitted, and close every connection."""
        if self._writer is not None:
            while self._pending:
                await asyncio.sleep(0.005)
            self._writer.cancel()
            with suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        if self._inline is not None:
            await self._inline.close()
            self._inline = None
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        await self.engine.dispose()
        if self._turn is not None:
            self._turn.close()
            self._turn = None

    # --- reads -----------------------------------------------------------------------------

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; on SQLite each statement sees the latest committed state."""
        async with self.engine.connect() as conn:
            yield conn

    async def fetch(self, op: ReadOp[T]) -> T:
        """Run the read operation `op` (which only awaits its connection) and return its result;
        on a SQLite file in one thread round trip (see `InlineReader`)."""
        if self._inline is None:
            async with self.read() as conn:
                return await op(conn)
        if self._reader is None:
            self._reader = InlineReader(self.settings)
        return await self._reader.run(op)

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
        turn = self._turn
        if turn is not None:
            await turn.acquire()
        try:
            async with self.engine.connect() as conn:
                conn = await conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
                async with conn.begin():
                    yield conn
        finally:
            if turn is not None:
                turn.release()

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
        if self._inline is not None:
            return await self._inline.run(ops)
        for attempt in range(BUSY_RETRIES):
            token = _transaction_clock.set(None)
            try:
                async with self.transaction() as conn:
                    return [await op(conn) for op in ops]
            except OperationalError as exc:
                # busy_timeout already waited; this only covers SQLite's rare immediate BUSY codes.
                if not _is_busy(exc) or attempt == BUSY_RETRIES - 1:
                    raise
                log.warning("db.busy_retry", extra={"attempt": attempt + 1})
                await asyncio.sleep(0.05 * (attempt + 1))
            finally:
                _transaction_clock.reset(token)
        raise AssertionError("unreachable")

    async def now(self) -> float:
        """The queue's clock. One machine shares SQLite, so its clock is the system's."""
        if self.is_sqlite:
            return time.time()
        async with self.read() as conn:
            return await self.clock(conn)

    async def clock(self, conn: AsyncConnection) -> float:
        """The queue's clock read on `conn`: PostgreSQL's own, so clock skew between worker
        machines cannot expire a healthy lease."""
        if self.is_sqlite:
            return time.time()
        query = sa.text("SELECT extract(epoch FROM clock_timestamp())")
        return float((await conn.execute(query)).scalar_one())

    async def write_timed(self, op: Callable[[AsyncConnection, float], Awaitable[T]]) -> T:
        """Like `write`, with the clock read when the transaction runs rather than when it was
        queued: lease arithmetic must not age while the write waits for its turn."""

        async def timed(conn: AsyncConnection) -> T:
            if self.is_sqlite:
                # The system clock, read per op: it costs nothing, and SQLite batches run in the
                # writer thread, outside the context that holds the batch's clock.
                return await op(conn, time.time())
            # One clock read per batch transaction: its ops run within milliseconds of each
            # other, and a round trip per op was a third of the queue's PostgreSQL statements.
            now = _transaction_clock.get()
            if now is None:
                now = await self.clock(conn)
                _transaction_clock.set(now)
            return await op(conn, now)

        return await self.write(timed)


def _settle(future: asyncio.Future[Any], *, result: Any = None, exc: BaseException | None = None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
