"""Live job events as server-sent events: one watcher per API process reads what changed and
fans it out to the open streams.

The watcher starts with the first stream and stops with the last. It wakes on the store's change
feed (SQLite's change counter read on inotify, PostgreSQL's NOTIFY of queued jobs) and, as the
fallback, every few seconds; each wake-up is one read for every stream together: the jobs the
per-job streams follow (by id), and the jobs changed since the last read for the all-jobs streams.

An event's id is its job's update stamp and id, `<updated_at in µs>:<job id>`: every write to a job
row sets `updated_at`, so a reconnect that names the last id it saw (`Last-Event-ID`) is answered
with the state it missed and never with one it has (the store keeps a job's latest state, so
progress missed in between arrives as that latest state).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import suppress
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.jobtypes import FINISHED_STATUSES
from backend_fastapi.schemas.jobs import job_body
from backend_fastapi.schemas.responses import model_json
from backend_fastapi.store import job_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import JobSummaryRow

log = logging.getLogger(__name__)

PING_SECONDS = 15.0
RETRY_MS = 3000
# A change committed with a stamp older than one already read (a write that waited for the lock)
# is still found by reading this far back; the stamps read in that window are remembered.
OVERLAP_SECONDS = 5.0
# Wake-ups closer than this are read once: a busy queue commits hundreds of times a second.
READ_GAP_SECONDS = 0.05
# The fallback read when no change was signalled: PostgreSQL's NOTIFY says only "queued".
POLL_SECONDS_SQLITE = 5.0
POLL_SECONDS = 1.0
FEED_POLL_INTERVAL = 0.5
# An all-jobs stream further behind than this is closed; its client resumes from its last id.
BACKLOG_MAX = 1000
RESUME_MAX = 5000
PING = b": ping\n\n"


class Filters(NamedTuple):
    """What an all-jobs stream shows, as the job list filters."""

    status: str | None = None
    type: str | None = None
    name: str | None = None

    def match(self, row: JobSummaryRow) -> bool:
        return (
            (self.status is None or row.status == self.status)
            and (self.type is None or row.type == self.type)
            and (self.name is None or row.name == self.name)
        )


NO_FILTERS = Filters()


def stamp_of(row: JobSummaryRow) -> int:
    """The job's update stamp in microseconds (the float seconds as stored, made exact)."""
    return round(row.updated_at * 1_000_000)


def event_id(row: JobSummaryRow) -> str:
    return f"{stamp_of(row)}:{row.id}"


def parse_event_id(value: str | None) -> tuple[int, str] | None:
    """The (stamp, job id) a `Last-Event-ID` names, or None for an id this API did not send."""
    stamp, _, job_id = (value or "").strip().partition(":")
    if not stamp.isdigit() or not job_id:
        return None
    return int(stamp), job_id


def is_finished(row: JobSummaryRow) -> bool:
    return row.status in FINISHED_STATUSES


def frame(event: str, row: JobSummaryRow) -> bytes:
    """One event: its id, its name and the job's body (as a job list shows it) on one data line."""
    return b"".join(
        (
            b"id: ",
            event_id(row).encode(),
            b"\nevent: ",
            event.encode(),
            b"\ndata: ",
            model_json(job_body(row)),
            b"\n\n",
        )
    )


def deleted_frame(job_id: str) -> bytes:
    return b'event: deleted\ndata: {"job_id":"' + job_id.encode() + b'"}\n\n'


class Subscriber:
    """One open stream: the rows offered to it, and an event that wakes it."""

    def __init__(self, job_id: str | None, filters: Filters) -> None:
        self.job_id = job_id
        self.filters = filters
        self.rows: deque[JobSummaryRow | None] = deque()
        self.wake = asyncio.Event()
        self.overflowed = False
        self._offered: float | None = -1.0

    def offer(self, row: JobSummaryRow | None) -> None:
        if self.job_id is not None:
            # A per-job stream needs only the job's latest state (None: the job was deleted), and
            # is woken only when that state is new: every read of the watcher offers it.
            stamp = None if row is None else row.updated_at
            if stamp == self._offered:
                return
            self._offered = stamp
            self.rows.clear()
        elif len(self.rows) >= BACKLOG_MAX:
            self.overflowed = True
            self.wake.set()
            return
        self.rows.append(row)
        self.wake.set()

    def take(self) -> list[JobSummaryRow | None]:
        rows = list(self.rows)
        self.rows.clear()
        return rows


class EventHub:
    """The API process's one watcher of job changes and its subscribers."""

    def __init__(self, db: Database, max_streams: int) -> None:
        self.db = db
        self.max_streams = max_streams
        self._subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._poke = asyncio.Event()
        self._cursor = 0.0
        self._seen: dict[str, float] = {}

    @property
    def open_streams(self) -> int:
        return len(self._subscribers)

    def subscribe(self, job_id: str | None, filters: Filters = NO_FILTERS) -> Subscriber | None:
        """A new subscriber, or None when EVENTS_MAX_STREAMS streams are open."""
        if len(self._subscribers) >= self.max_streams:
            return None
        subscriber = Subscriber(job_id, filters)
        self._subscribers.add(subscriber)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch(), name="job-events")
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        if not self._subscribers and self._task is not None:
            # Nothing listens: the watcher (its file descriptor, its connection) goes too.
            self._task.cancel()
            self._task = None

    async def _watch(self) -> None:
        # Imported with the first stream: an API nobody follows never loads ctypes and inotify.
        from backend_fastapi.store.changefeed import change_feed

        feed = change_feed(self.db, FEED_POLL_INTERVAL)
        self._poke.clear()
        try:
            if feed is not None:
                try:
                    await feed.start(self._poke.set)
                except OSError as exc:
                    # Out of inotify watches, say: the streams still get every change, a poll later.
                    log.warning("events.feed_unavailable", extra={"error": f"{type(exc).__name__}: {exc}"})
                    feed = None
            poll = POLL_SECONDS_SQLITE if feed is not None and self.db.is_sqlite else POLL_SECONDS
            self._cursor = time.time()
            try:
                self._cursor = await self.db.now()
                since = self._cursor - OVERLAP_SECONDS
                changed = await self.db.fetch(lambda conn: job_rows.changed_since(conn, since))
                # What changed before the watcher started is no stream's news; what changed since is.
                self._seen = {job_id: stamp for job_id, stamp in changed if stamp <= self._cursor}
            except Exception:
                log.exception("events.read_failed")
            while True:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._poke.wait(), poll)
                self._poke.clear()
                try:
                    await self._read()
                except Exception:
                    log.exception("events.read_failed")
                await asyncio.sleep(READ_GAP_SECONDS)
        finally:
            if feed is not None:
                await feed.stop()

    async def _read(self) -> None:
        """One read for every stream; each gets its rows."""
        subscribers = list(self._subscribers)
        followed = {s.job_id for s in subscribers if s.job_id is not None}
        listening = [s for s in subscribers if s.job_id is None]
        since = self._cursor - OVERLAP_SECONDS
        seen = self._seen

        async def read(conn: AsyncConnection) -> tuple[dict[str, JobSummaryRow], list[str]]:
            by_id = {row.id: row for row in await job_rows.job_summaries(conn, followed)} if followed else {}
            fresh: list[str] = []
            if listening:
                fresh = [
                    job_id
                    for job_id, stamp in await job_rows.changed_since(conn, since)
                    if seen.get(job_id) != stamp
                ]
                wanted = [job_id for job_id in fresh if job_id not in by_id]
                if wanted:
                    by_id.update((row.id, row) for row in await job_rows.job_summaries(conn, wanted))
            return by_id, fresh

        by_id, fresh = await self.db.fetch(read)
        for subscriber in subscribers:
            if subscriber.job_id is not None:
                subscriber.offer(by_id.get(subscriber.job_id))
        changed = sorted(
            (by_id[job_id] for job_id in fresh if job_id in by_id), key=lambda r: (r.updated_at, r.id)
        )
        for row in changed:
            seen[row.id] = row.updated_at
            self._cursor = max(self._cursor, row.updated_at)
        if changed:
            oldest = self._cursor - OVERLAP_SECONDS
            self._seen = {job_id: stamp for job_id, stamp in seen.items() if stamp >= oldest}
        for subscriber in listening:
            for row in changed:
                if subscriber.filters.match(row):
                    subscriber.offer(row)


async def _rows_or_pings(
    subscriber: Subscriber, idle_seconds: float, first: list[JobSummaryRow | None]
) -> AsyncGenerator[list[JobSummaryRow | None], bool | None]:
    """Batches of offered rows, an empty batch when a ping is due; ends when the stream stayed
    idle for `idle_seconds` (the caller resets the clock with `asend(True)`) or fell behind."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + idle_seconds
    rows = first
    while True:
        if (yield rows):
            deadline = loop.time() + idle_seconds
        if subscriber.overflowed:
            return
        while not subscriber.rows:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            subscriber.wake.clear()
            try:
                await asyncio.wait_for(subscriber.wake.wait(), min(PING_SECONDS, remaining))
            except TimeoutError:
                if loop.time() < deadline:
                    break
        rows = subscriber.take()


async def job_stream(
    hub: EventHub, subscriber: Subscriber, row: JobSummaryRow, last_stamp: int | None, idle_seconds: float
) -> AsyncIterator[bytes]:
    """One job's events: `status` and `progress` while it runs, then `finished`, and the end."""
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        sent = last_stamp
        state: tuple[str, int] | None = None
        batches = _rows_or_pings(subscriber, idle_seconds, [row])
        fresh = None
        while True:
            try:
                batch = await batches.asend(fresh)
            except StopAsyncIteration:
                return
            fresh = None
            if not batch:
                yield PING
            for current in batch:
                if current is None:
                    yield deleted_frame(subscriber.job_id or "")
                    return
                if stamp_of(current) == sent:
                    continue
                finished = is_finished(current)
                changed = state != (current.status, current.attempts)
                yield frame("finished" if finished else "status" if changed else "progress", current)
                sent, state, fresh = stamp_of(current), (current.status, current.attempts), True
                if finished:
                    return
    finally:
        hub.unsubscribe(subscriber)


async def jobs_stream(
    hub: EventHub, subscriber: Subscriber, missed: list[JobSummaryRow], idle_seconds: float
) -> AsyncIterator[bytes]:
    """Every job's changes, filtered: `status` (or `finished`) per change, oldest first."""
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        sent: dict[str, int] = {}
        batches = _rows_or_pings(subscriber, idle_seconds, list(missed))
        fresh = None
        while True:
            try:
                batch = await batches.asend(fresh)
            except StopAsyncIteration:
                return
            fresh = None
            if not batch:
                yield PING
            for row in batch:
                if row is None or sent.get(row.id) == stamp_of(row):
                    continue
                sent[row.id] = stamp_of(row)
                fresh = True
                yield frame("finished" if is_finished(row) else "status", row)
            if len(sent) > BACKLOG_MAX:
                sent.clear()
    finally:
        hub.unsubscribe(subscriber)


async def missed_rows(db: Database, after: tuple[int, str], filters: Filters) -> list[JobSummaryRow]:
    """The jobs (matching `filters`) changed after the event `after`, oldest change first."""
    since = after[0] / 1_000_000 - OVERLAP_SECONDS

    async def read(conn: AsyncConnection) -> list[JobSummaryRow]:
        changed = [job_id for job_id, _ in await job_rows.changed_since(conn, since)][-RESUME_MAX:]
        return await job_rows.job_summaries(conn, changed) if changed else []

    rows = [row for row in await db.fetch(read) if filters.match(row) and (stamp_of(row), row.id) > after]
    return sorted(rows, key=lambda r: (r.updated_at, r.id))
