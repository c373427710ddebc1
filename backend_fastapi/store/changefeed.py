"""Wake-up signals: how an idle worker learns, without polling the jobs table, that another
process changed it (perhaps queued a job).

- SQLite: `PRAGMA data_version` changes whenever another connection commits (reading it takes no
  lock, ~6 µs). On Linux an inotify watch on the database's folder says *when* to read it (every
  commit writes the `-wal` file), so an idle worker costs no CPU at all; elsewhere a thread reads
  it every `interval` seconds.
- PostgreSQL: LISTEN on the channel a trigger NOTIFYs when a job becomes queued (migration 0002).
Polling every WORKER_POLL_INTERVAL stays the fallback in both cases.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import sqlite3
import struct
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from backend_fastapi.store.engine import BUSY_TIMEOUT_MS, Database, sqlite_path

log = logging.getLogger(__name__)


class ChangeFeed(Protocol):
    """Tells a waiting worker that another process changed the database (maybe a new job)."""

    async def start(self, on_change: Callable[[], None]) -> None: ...

    async def stop(self) -> None: ...


def change_feed(db: Database, interval: float) -> ChangeFeed | None:
    """The wake-up signal for this database."""
    if db.is_sqlite:
        path = sqlite_path(db.settings.database_url)
        if path is None:
            return None
        if _Inotify.available():
            return SqliteInotifyWatcher(path)
        return SqlitePollingWatcher(path, interval)
    return PostgresListener(db.settings.database_url)


class _DataVersion:
    """`PRAGMA data_version` on a connection of its own: changes when *another* connection commits."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._last = self._read()

    def _read(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        version = self._read()
        if version == self._last:
            return False
        self._last = version
        return True

    def close(self) -> None:
        self._conn.close()


IN_MODIFY = 0x00000002
IN_CREATE = 0x00000100
IN_MOVED_TO = 0x00000080
_EVENT_HEADER = struct.Struct("iIII")
RECHECK_DELAYS = (0.002, 0.01, 0.05)


class _Inotify:
    """The three libc calls of Linux's inotify, through ctypes (no dependency)."""

    _libc: Any = None

    @classmethod
    def available(cls) -> bool:
        if cls._libc is None:
            name = ctypes.util.find_library("c")
            try:
                libc = ctypes.CDLL(name, use_errno=True) if name else None
            except OSError:
                libc = None
            cls._libc = libc if libc is not None and hasattr(libc, "inotify_init1") else False
        return bool(cls._libc)

    @classmethod
    def watch_folder(cls, folder: Path) -> int:
        if not cls.available():
            raise OSError("inotify is not available on this system")
        fd = int(cls._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO
        if cls._libc.inotify_add_watch(fd, os.fsencode(folder), mask) < 0:
            errno = ctypes.get_errno()
            os.close(fd)
            raise OSError(errno, f"inotify_add_watch failed on {folder}")
        return fd

    @staticmethod
    def changed_names(fd: int) -> set[str]:
        """Names of the files changed since the last call (drains the pending events)."""
        names: set[str] = set()
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return names
            offset = 0
            while offset < len(data):
                _, _, _, length = _EVENT_HEADER.unpack_from(data, offset)
                start = offset + _EVENT_HEADER.size
                names.add(data[start : start + length].rstrip(b"\0").decode(errors="replace"))
                offset = start + length


class SqliteInotifyWatcher:
    """Reads the change counter only when the kernel says the database or its WAL was written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._names = {path.name, f"{path.name}-wal"}
        self._fd: int | None = None
        self._version: _DataVersion | None = None
        self._recheck: asyncio.TimerHandle | None = None

    async def start(self, on_change: Callable[[], None]) -> None:
        self._fd = _Inotify.watch_folder(self.path.parent)
        self._version = _DataVersion(self.path)
        fd, version, loop = self._fd, self._version, asyncio.get_running_loop()

        def check(retries: tuple[float, ...]) -> None:
            self._recheck = None
            if self._version is None:
                return
            if version.changed():
                on_change()
            elif retries:
                # The WAL file is written before the commit is published in the WAL index: look
                # again a moment later rather than miss it.
                self._recheck = loop.call_later(retries[0], check, retries[1:])

        def readable() -> None:
            if _Inotify.changed_names(fd) & self._names:
                if self._recheck is not None:
                    self._recheck.cancel()
                check(RECHECK_DELAYS)

        loop.add_reader(fd, readable)

    async def stop(self) -> None:
        if self._recheck is not None:
            self._recheck.cancel()
        if self._fd is not None:
            asyncio.get_running_loop().remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None
        if self._version is not None:
            self._version.close()
            self._version = None


class SqlitePollingWatcher:
    """Where inotify is missing: a thread reads the change counter every `interval` seconds."""

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
        version = _DataVersion(self.path)
        try:
            while not self._stop.is_set():
                time.sleep(self.interval)
                try:
                    if version.changed():
                        loop.call_soon_threadsafe(on_change)
                except sqlite3.Error:
                    log.exception("db.watch_failed")
        finally:
            version.close()

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

    def __init__(self, url: str, check_seconds: float = LISTEN_CHECK_SECONDS) -> None:
        self.check_seconds = check_seconds
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
                    await asyncio.sleep(self.check_seconds)
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
