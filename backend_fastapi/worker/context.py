"""What a handler gets: its job, progress reporting and a buffered writer for its records."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.settings import Settings
from backend_fastapi.store import jobqueue, record_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.jobqueue import ClaimedJob
from backend_fastapi.store.record_rows import JsonText

# Records are written in batches: one transaction per RECORD_BATCH records or per FLUSH_SECONDS.
RECORD_BATCH = 500
FLUSH_SECONDS = 0.5
# Progress is written at most this often, however often a handler reports it.
PROGRESS_SECONDS = 0.5


class LeaseLost(Exception):
    """The worker no longer owns this job; whatever the handler does now is discarded."""


PayloadT = TypeVar("PayloadT", covariant=True)


class JobContext(Generic[PayloadT]):
    """The handler's view of one attempt of one job; `payload` is its type's payload model (the
    worker validated it), or the stored JSON for a plugin's handler."""

    def __init__(
        self, db: Database, settings: Settings, worker_id: str, job: ClaimedJob, payload: PayloadT
    ) -> None:
        self.db = db
        self.settings = settings
        self.worker_id = worker_id
        self.job = job
        self._payload = payload
        self.log = logging.getLogger(f"backend_fastapi.jobs.{job.type}")
        self.record_count = 0
        self._buffer: list[dict[str, Any] | JsonText] = []
        self._last_flush = time.monotonic()
        self._progress: dict[str, Any] | None = None
        self._progress_dirty = False
        self._last_progress = 0.0

    @property
    def id(self) -> str:
        return self.job.id

    @property
    def payload(self) -> PayloadT:
        return self._payload

    @property
    def attempt(self) -> int:
        return self.job.attempt

    @property
    def progress(self) -> dict[str, Any] | None:
        return self._progress

    async def set_progress(self, progress: dict[str, Any], *, force: bool = False) -> None:
        """Report progress (e.g. `{"pages_done": 3, "pages_queued": 10}`); writes are throttled."""
        self._progress = dict(progress)
        self._progress_dirty = True
        if force or time.monotonic() - self._last_progress >= PROGRESS_SECONDS:
            await self._write_progress()

    async def add_records(self, records: Iterable[dict[str, Any]]) -> None:
        """Store records of this job (written in batches; `flush` writes the rest)."""
        self._buffer.extend(records)
        if len(self._buffer) >= RECORD_BATCH or time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            await self.flush()

    def hold_records(self, records: Iterable[dict[str, Any] | JsonText]) -> None:
        """Keep records for the next `checkpoint` (or the final flush), without writing any now."""
        self._buffer.extend(records)

    async def checkpoint(self, op: Callable[[AsyncConnection], Awaitable[None]]) -> None:
        """Write the held records, the latest progress and `op` in one transaction, only while this
        worker still owns the job (LeaseLost otherwise): a handler's own state (a crawl's frontier)
        is never stored ahead of, or behind, the records it stands for.

        A cancellation that arrives while the transaction is on its way waits for its outcome (it
        may commit all the same): CancelledError is raised only once what was written is known
        and counted, so the caller keeps what committed and raises; any other error means nothing
        was written."""
        batch, self._buffer = self._buffer, []
        first = self.record_count
        progress = self._progress or {}

        async def write(conn: AsyncConnection, now: float) -> bool:
            if not await jobqueue.save_progress(conn, self.worker_id, self.id, self.attempt, progress, now):
                return False
            for start in range(0, len(batch), RECORD_BATCH):
                chunk = batch[start : start + RECORD_BATCH]
                await record_rows.add_records(conn, self.id, self.attempt, first + start, chunk)
            await op(conn)
            return True

        writing = asyncio.ensure_future(self.db.write_timed(write))
        cancelled = False
        while True:
            try:
                owned = await asyncio.shield(writing)
                break
            except asyncio.CancelledError:
                if writing.done() and writing.cancelled():
                    self._buffer = batch + self._buffer
                    raise
                cancelled = True  # the write goes on: wait for what it did
            except BaseException:
                self._buffer = batch + self._buffer
                raise
        if not owned:
            raise LeaseLost(f"job {self.id} attempt {self.attempt} is no longer owned by {self.worker_id}")
        self.record_count += len(batch)
        self._progress_dirty = False
        self._last_progress = self._last_flush = time.monotonic()
        if cancelled:
            raise asyncio.CancelledError

    async def flush(self) -> None:
        """Write buffered records and the latest progress now."""
        while self._buffer:
            batch, self._buffer = self._buffer[:RECORD_BATCH], self._buffer[RECORD_BATCH:]
            first = self.record_count
            self.record_count += len(batch)
            await self.db.write(self._records_writer(first, batch))
        self._last_flush = time.monotonic()
        if self._progress_dirty:
            await self._write_progress()

    def _records_writer(
        self, first: int, batch: list[dict[str, Any] | JsonText]
    ) -> Callable[[AsyncConnection], Awaitable[None]]:
        return lambda conn: record_rows.add_records(conn, self.id, self.attempt, first, batch)

    async def reset_records(self) -> None:
        """Forget what this attempt stored so far (a handler that restarts its output)."""
        self._buffer.clear()
        self.record_count = 0
        await self.db.write(lambda c: record_rows.clear_records(c, self.id, self.attempt))

    async def _write_progress(self) -> None:
        progress = self._progress or {}
        self._progress_dirty = False
        self._last_progress = time.monotonic()
        owned = await self.db.write_timed(
            lambda c, now: jobqueue.save_progress(c, self.worker_id, self.id, self.attempt, progress, now)
        )
        if not owned:
            raise LeaseLost(f"job {self.id} attempt {self.attempt} is no longer owned by {self.worker_id}")
