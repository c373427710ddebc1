"""The job state machine: every change of `jobs.status` is one statement in this module.

The promise is at-least-once execution with exactly-once state change:
- `claim_jobs` moves queued jobs to running in one atomic statement that increments `attempts`
  and stamps the owner (`locked_by`) and the lease (`locked_until`).
- Every later change by a worker is fenced: it matches only
  `status='running' AND locked_by=:me AND attempts=:my_attempt`, so a worker that lost its lease
  (frozen, partitioned, too slow) changes nothing and its result is discarded.
- `reap_expired` hands jobs whose lease ran out back to the queue (or fails them after
  `max_attempts`); any process may run it.
Functions take a connection inside a write transaction (see `Database.write`) and the current
time, so several changes commit together and tests can move the clock.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import jobtypes
from backend_fastapi.jobtypes import NewJob as NewJob
from backend_fastapi.store import frontier_rows, retention
from backend_fastapi.store.tables import (
    CANCELLED,
    COMPLETED,
    FAILED,
    FINISHED_STATUSES,
    PAUSED,
    QUEUED,
    RUNNING,
    job_records,
    jobs,
    status_is,
)

MAX_BACKOFF_SECONDS = 300.0


def _owned(worker_id: str, job_id: str, attempt: int) -> sa.ColumnElement[bool]:
    """The fencing condition: the job is still running under this worker's attempt."""
    return sa.and_(
        jobs.c.id == job_id,
        status_is(RUNNING),
        jobs.c.locked_by == worker_id,
        jobs.c.attempts == attempt,
    )


def backoff_seconds(attempt: int, base: float, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter; a server's `Retry-After` wins when it asks for longer."""
    delay: float = min(base * (2 ** max(attempt - 1, 0)), MAX_BACKOFF_SECONDS) * random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_BACKOFF_SECONDS))
    return delay


@dataclass(frozen=True)
class Enqueued:
    job_id: str
    created: bool
    # True when an idempotency key was reused with a different request.
    conflict: bool = False


@dataclass(frozen=True)
class ClaimedJob:
    id: str
    type: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    timeout_seconds: float
    name: str | None


@dataclass(frozen=True)
class LeaseRenewal:
    renewed: frozenset[str]
    cancel_requested: frozenset[str]
    pause_requested: frozenset[str] = frozenset()


_INSERT_JOB = jobs.insert()

# --- producing ---------------------------------------------------------------------------


async def enqueue(conn: AsyncConnection, job: NewJob, now: float) -> Enqueued:
    """Insert a queued job; with an idempotency key, return the existing job for that key."""
    if job.idempotency_key is not None:
        existing = (
            await conn.execute(
                sa.select(jobs.c.id, jobs.c.request_hash).where(jobs.c.idempotency_key == job.idempotency_key)
            )
        ).first()
        if existing is not None:
            return Enqueued(existing.id, created=False, conflict=existing.request_hash != job.request_hash)
    # Values as parameters of one prebuilt statement: SQLAlchemy compiles it once, where
    # `.values(...)` would build and fingerprint a new statement per job.
    await conn.execute(
        _INSERT_JOB,
        {
            "id": job.id,
            "type": job.type,
            "status": QUEUED,
            "name": job.name,
            "label": job.label,
            "payload": job.payload,
            "priority": job.priority,
            "attempts": 0,
            "max_attempts": job.max_attempts,
            "run_after": now + job.delay_seconds,
            "cancel_requested": False,
            "timeout_seconds": job.timeout_seconds,
            "webhook": job.webhook,
            "idempotency_key": job.idempotency_key,
            "request_hash": job.request_hash,
            "parent_id": job.parent_id,
            "schedule_id": job.schedule_id,
            "created_by": job.created_by,
            "created_at": now,
            "updated_at": now,
        },
    )
    return Enqueued(job.id, created=True)


# --- working -----------------------------------------------------------------------------


async def claim_jobs(
    conn: AsyncConnection, worker_id: str, limit: int, lease_seconds: float, now: float
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs, highest priority first, in one atomic statement."""
    if limit <= 0:
        return []
    due = (
        sa.select(jobs.c.id)
        .where(status_is(QUEUED), jobs.c.run_after <= now)
        .order_by(jobs.c.priority.desc(), jobs.c.run_after, jobs.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        # SKIP LOCKED lets many workers claim side by side; MATERIALIZED keeps the planner from
        # re-running the LIMIT subquery per row (which can update more rows than asked for).
        picked = (
            due.with_for_update(skip_locked=True)
            .cte("picked")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        target = jobs.c.id.in_(sa.select(picked.c.id))
    else:
        target = jobs.c.id.in_(due.scalar_subquery())
    rows = await conn.execute(
        jobs.update()
        .where(target)
        .values(
            status=RUNNING,
            attempts=jobs.c.attempts + 1,
            locked_by=worker_id,
            locked_until=now + lease_seconds,
            started_at=now,
            updated_at=now,
        )
        .returning(
            jobs.c.id,
            jobs.c.type,
            jobs.c.payload,
            jobs.c.attempts,
            jobs.c.max_attempts,
            jobs.c.timeout_seconds,
            jobs.c.name,
            jobs.c.priority,
            jobs.c.run_after,
        )
    )
    claimed = sorted(rows, key=lambda r: (-r.priority, r.run_after, r.id))
    return [
        ClaimedJob(r.id, r.type, r.payload, r.attempts, r.max_attempts, r.timeout_seconds, r.name)
        for r in claimed
    ]


async def renew_leases(
    conn: AsyncConnection,
    worker_id: str,
    owned: Sequence[tuple[str, int]],
    lease_seconds: float,
    now: float,
) -> LeaseRenewal:
    """Extend the leases of all `(job_id, attempt)` pairs still held, in one statement.

    A lease that already ran out is not renewed: the job may have been handed to another worker.
    """
    if not owned:
        return LeaseRenewal(frozenset(), frozenset(), frozenset())
    rows = await conn.execute(
        jobs.update()
        .where(
            status_is(RUNNING),
            jobs.c.locked_by == worker_id,
            jobs.c.locked_until > now,
            sa.tuple_(jobs.c.id, jobs.c.attempts).in_(list(owned)),
        )
        .values(locked_until=now + lease_seconds)
        .returning(jobs.c.id, jobs.c.cancel_requested, jobs.c.pause_requested)
    )
    renewed, cancelled, paused = set(), set(), set()
    for row in rows:
        renewed.add(row.id)
        if row.cancel_requested:
            cancelled.add(row.id)
        elif row.pause_requested:
            paused.add(row.id)
    return LeaseRenewal(frozenset(renewed), frozenset(cancelled), frozenset(paused))


async def save_progress(
    conn: AsyncConnection, worker_id: str, job_id: str, attempt: int, progress: dict[str, Any], now: float
) -> bool:
    """Store a running job's progress; False when the worker no longer owns the job."""
    result = await conn.execute(
        jobs.update().where(_owned(worker_id, job_id, attempt)).values(progress=progress, updated_at=now)
    )
    return result.rowcount == 1


async def complete_job(
    conn: AsyncConnection,
    worker_id: str,
    job_id: str,
    attempt: int,
    result: dict[str, Any] | None,
    now: float,
    progress: dict[str, Any] | None = None,
) -> bool:
    """Mark the job completed with its result; False (and nothing changed) if the lease was lost."""
    params: dict[str, Any] = {
        "p_job_id": job_id,
        "p_worker_id": worker_id,
        "p_attempt": attempt,
        "p_now": now,
        "p_result": result,
    }
    if progress is None:
        statement = _COMPLETE_JOB
    else:
        statement, params["p_progress"] = _COMPLETE_JOB_WITH_PROGRESS, progress
    row = (await conn.execute(statement, params)).first()
    if row is None:
        return False
    if attempt > 1:
        # Records of earlier (lost or failed) attempts are replaced by this attempt's; a first
        # attempt has no earlier ones, and the hot path of the queue saves the statement.
        await conn.execute(
            job_records.delete().where(job_records.c.job_id == job_id, job_records.c.attempt != attempt)
        )
    await _after_finish(conn, row, now)
    return True


async def fail_job(
    conn: AsyncConnection,
    worker_id: str,
    job_id: str,
    attempt: int,
    code: str,
    message: str,
    *,
    retryable: bool,
    retry_delay: float,
    now: float,
) -> str | None:
    """Record a failed attempt: requeue it after `retry_delay` while attempts remain and the error
    is retryable, otherwise fail the job. Returns the new status, or None if the lease was lost."""
    may_retry = sa.and_(sa.literal(retryable), jobs.c.attempts < jobs.c.max_attempts)
    new_status = sa.case((jobs.c.cancel_requested, CANCELLED), (may_retry, QUEUED), else_=FAILED)
    row = (
        await conn.execute(
            jobs.update()
            .where(_owned(worker_id, job_id, attempt))
            .values(
                status=new_status,
                run_after=now + retry_delay,
                finished_at=sa.case((new_status == QUEUED, None), else_=now),
                updated_at=now,
                locked_by=None,
                locked_until=None,
                error_code=code,
                error_message=message,
            )
            .returning(*_FINISH_COLUMNS)
        )
    ).first()
    if row is None:
        return None
    await _after_finish(conn, row, now)
    return str(row.status)


async def acknowledge_cancel(
    conn: AsyncConnection, worker_id: str, job_id: str, attempt: int, now: float
) -> bool:
    """The worker stopped a job whose cancellation was requested: mark it cancelled."""
    row = (
        await conn.execute(
            jobs.update()
            .where(_owned(worker_id, job_id, attempt))
            .values(
                status=CANCELLED,
                finished_at=now,
                updated_at=now,
                locked_by=None,
                locked_until=None,
                error_code="cancelled",
                error_message="Cancelled on request.",
            )
            .returning(*_FINISH_COLUMNS)
        )
    ).first()
    if row is None:
        return False
    await _after_finish(conn, row, now)
    return True


async def release_job(conn: AsyncConnection, worker_id: str, job_id: str, attempt: int, now: float) -> bool:
    """Give a job back to the queue on shutdown, or let it rest when a pause was asked for; the
    interrupted attempt does not count."""
    result = await conn.execute(
        jobs.update()
        .where(_owned(worker_id, job_id, attempt))
        .values(
            status=sa.case(
                (jobs.c.cancel_requested, CANCELLED), (jobs.c.pause_requested, PAUSED), else_=QUEUED
            ),
            finished_at=sa.case((jobs.c.cancel_requested, now), else_=None),
            attempts=jobs.c.attempts - 1,
            pause_requested=False,
            run_after=now,
            updated_at=now,
            locked_by=None,
            locked_until=None,
        )
    )
    if result.rowcount != 1:
        return False
    # A crawl that stored its frontier keeps its records: the next attempt resumes from both.
    await conn.execute(
        job_records.delete().where(
            job_records.c.job_id == job_id,
            job_records.c.attempt == attempt,
            ~frontier_rows.has_frontier(job_records.c.job_id),
        )
    )
    # Kept records are filed under the job's attempt count again (the interrupted attempt no longer
    # counts), where readers look: a paused crawl shows what it has gathered.
    await conn.execute(
        job_records.update()
        .where(job_records.c.job_id == job_id, job_records.c.attempt == attempt)
        .values(attempt=attempt - 1)
    )
    return True


async def reap_expired(conn: AsyncConnection, now: float) -> list[tuple[str, str]]:
    """Requeue (or fail, after max_attempts) running jobs whose lease ran out; their worker died
    or froze. Returns `(job_id, new_status)` pairs."""
    new_status = sa.case(
        (jobs.c.cancel_requested, CANCELLED),
        # Its worker died while pausing it: it rests, and a resume continues from its frontier.
        (jobs.c.pause_requested, PAUSED),
        (jobs.c.attempts >= jobs.c.max_attempts, FAILED),
        else_=QUEUED,
    )
    rows = (
        await conn.execute(
            jobs.update()
            .where(status_is(RUNNING), jobs.c.locked_until < now)
            .values(
                status=new_status,
                run_after=now,
                finished_at=sa.case((new_status.in_([QUEUED, PAUSED]), None), else_=now),
                updated_at=now,
                locked_by=None,
                locked_until=None,
                pause_requested=False,
                error_code=sa.case((jobs.c.cancel_requested, "cancelled"), else_="worker_lost"),
                error_message=sa.case(
                    (jobs.c.cancel_requested, "Cancelled on request."),
                    else_="The worker running this job stopped renewing its lease (it crashed or froze).",
                ),
            )
            .returning(*_FINISH_COLUMNS)
        )
    ).all()
    for row in rows:
        await _after_finish(conn, row, now)
    return [(row.id, row.status) for row in rows]


# --- operator actions --------------------------------------------------------------------


async def cancel_job(conn: AsyncConnection, job_id: str, now: float) -> str | None:
    """Cancel a queued or paused job at once, or ask the worker of a running one to stop it.

    Returns the job's status afterwards (`cancelled`, `running` while the stop is pending, or a
    finished status left as it was), or None for an unknown job.
    """
    row = (
        await conn.execute(
            jobs.update()
            .where(jobs.c.id == job_id, status_is(QUEUED, PAUSED))
            .values(
                status=CANCELLED,
                finished_at=now,
                updated_at=now,
                error_code="cancelled",
                error_message="Cancelled on request.",
            )
            .returning(*_FINISH_COLUMNS)
        )
    ).first()
    if row is not None:
        await _after_finish(conn, row, now)
        return CANCELLED
    await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, status_is(RUNNING))
        .values(cancel_requested=True, updated_at=now)
    )
    status = (await conn.execute(sa.select(jobs.c.status).where(jobs.c.id == job_id))).scalar_one_or_none()
    return None if status is None else str(status)


async def pause_job(conn: AsyncConnection, job_id: str, now: float) -> str | None:
    """Pause a resumable job: a queued one rests at once, a running one's worker is asked to stop
    it (it keeps what it stored). Returns the status afterwards (`paused`, `running` while the stop
    is pending, or any other status left as it was), or None for an unknown job."""
    resumable = jobs.c.type.in_(jobtypes.RESUMABLE_TYPES)
    paused = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, status_is(QUEUED), resumable)
        .values(status=PAUSED, updated_at=now)
    )
    if paused.rowcount == 1:
        return PAUSED
    await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, status_is(RUNNING), resumable, ~jobs.c.cancel_requested)
        .values(pause_requested=True, updated_at=now)
    )
    status = (await conn.execute(sa.select(jobs.c.status).where(jobs.c.id == job_id))).scalar_one_or_none()
    return None if status is None else str(status)


async def resume_job(conn: AsyncConnection, job_id: str, now: float) -> tuple[bool, str | None]:
    """Queue a paused job again (it continues where it stopped), or withdraw a pause its worker has
    not acted on yet. Returns `(resumed, status)`: status afterwards, None for an unknown job."""
    queued = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, status_is(PAUSED))
        .values(status=QUEUED, run_after=now, updated_at=now)
    )
    withdrawn = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, status_is(RUNNING), jobs.c.pause_requested)
        .values(pause_requested=False, updated_at=now)
    )
    status = (await conn.execute(sa.select(jobs.c.status).where(jobs.c.id == job_id))).scalar_one_or_none()
    return queued.rowcount + withdrawn.rowcount == 1, None if status is None else str(status)


async def retry_job(conn: AsyncConnection, job_id: str, now: float) -> tuple[bool, str | None]:
    """Queue a failed or cancelled job again with a fresh set of attempts.

    Returns `(retried, status)`: status is the job's status afterwards, None for an unknown job.
    """
    result = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, status_is(FAILED, CANCELLED))
        .values(
            status=QUEUED,
            attempts=0,
            run_after=now,
            cancel_requested=False,
            pause_requested=False,
            updated_at=now,
            started_at=None,
            finished_at=None,
            error_code=None,
            error_message=None,
            result=None,
            progress=None,
        )
    )
    if result.rowcount == 1:
        await conn.execute(job_records.delete().where(job_records.c.job_id == job_id))
        # Retried by hand: a crawl starts again from its first page.
        await frontier_rows.forget(conn, [job_id])
        return True, QUEUED
    status = (await conn.execute(sa.select(jobs.c.status).where(jobs.c.id == job_id))).scalar_one_or_none()
    return False, None if status is None else str(status)


async def delete_job(conn: AsyncConnection, job_id: str) -> str | None:
    """Delete a job that is not running, with its records. Returns the status it had, or None."""
    status = (await conn.execute(sa.select(jobs.c.status).where(jobs.c.id == job_id))).scalar_one_or_none()
    if status is None or status == RUNNING:
        return None if status is None else str(status)
    await retention.delete_jobs(conn, [job_id])
    return str(status)


# --- follow-up work on finish ------------------------------------------------------------

_FINISH_COLUMNS = (
    jobs.c.id,
    jobs.c.status,
    jobs.c.type,
    jobs.c.payload,
    jobs.c.webhook,
    jobs.c.max_attempts,
    jobs.c.timeout_seconds,
    jobs.c.name,
)


def _complete_statement(with_progress: bool) -> sa.Update:
    """`complete_job`'s UPDATE, built once with bound parameters: building and fingerprinting a
    new statement per job cost more CPU than the database spent running it."""
    values: dict[str, Any] = {
        "status": COMPLETED,
        "result": sa.bindparam("p_result", type_=jobs.c.result.type),
        "finished_at": sa.bindparam("p_now", type_=sa.Float),
        "updated_at": sa.bindparam("p_now", type_=sa.Float),
        "locked_by": None,
        "locked_until": None,
        "error_code": None,
        "error_message": None,
    }
    if with_progress:
        values["progress"] = sa.bindparam("p_progress", type_=jobs.c.progress.type)
    owned = sa.and_(
        jobs.c.id == sa.bindparam("p_job_id", type_=jobs.c.id.type),
        status_is(RUNNING),
        jobs.c.locked_by == sa.bindparam("p_worker_id", type_=jobs.c.locked_by.type),
        jobs.c.attempts == sa.bindparam("p_attempt", type_=sa.Integer),
    )
    return jobs.update().where(owned).values(**values).returning(*_FINISH_COLUMNS)


_COMPLETE_JOB = _complete_statement(with_progress=False)
_COMPLETE_JOB_WITH_PROGRESS = _complete_statement(with_progress=True)


async def _after_finish(conn: AsyncConnection, row: sa.Row[Any], now: float) -> None:
    """Queue what a finished job triggers (its webhook delivery, a chained pipeline: the job
    types decide), in the same transaction, so it is never lost."""
    if row.status not in FINISHED_STATUSES:
        return
    for job in jobtypes.follow_ups(row):
        await enqueue(conn, job, now)
