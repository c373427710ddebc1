"""Creating a job from a request: backpressure, idempotency, the 202 answer and `?wait=`."""

from __future__ import annotations

import asyncio
import time

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.api.auth import Caller, check_daily_quota, over_daily_quota, quota_exceeded
from backend_fastapi.api.errors import error_response
from backend_fastapi.api.responses import model_response
from backend_fastapi.errors import InvalidRequest, QueueFull
from backend_fastapi.jobtypes import FINISHED_STATUSES, JobStatus, JobType, build_job
from backend_fastapi.schemas.common import JobOptionsIn, JobPayload
from backend_fastapi.schemas.jobs import job_body
from backend_fastapi.schemas.responses import JobCreated
from backend_fastapi.settings import Settings
from backend_fastapi.store import job_rows, jobqueue
from backend_fastapi.store.engine import Database
from backend_fastapi.store.jobqueue import Enqueued

# The queued count is read at most this often; between reads it is tracked locally.
QUEUE_COUNT_TTL = 1.0
WAIT_POLL_FIRST = 0.05
WAIT_POLL_MAX = 0.5


class QueueGauge:
    """An approximate count of queued jobs for backpressure, cheap enough for every create."""

    def __init__(self) -> None:
        self._count = 0
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def queued(self, db: Database) -> int:
        if time.monotonic() - self._read_at > QUEUE_COUNT_TTL:
            async with self._lock:
                if time.monotonic() - self._read_at > QUEUE_COUNT_TTL:
                    async with db.read() as conn:
                        self._count = await job_rows.count_queued(conn)
                    self._read_at = time.monotonic()
        return self._count

    def added(self) -> None:
        self._count += 1


async def create_job(
    *,
    db: Database,
    settings: Settings,
    gauge: QueueGauge,
    caller: Caller,
    job_type: JobType,
    payload: JobPayload,
    options: JobOptionsIn,
    label: str | None,
    idempotency_key: str | None,
    wait: float | None,
) -> Response:
    """Queue a job and answer 202 with its id (or, with `wait`, the finished job); the job records
    the caller's key name, and a key over its daily jobs gets 429."""
    limit = settings.MAX_QUEUED_JOBS
    if limit and await gauge.queued(db) >= limit:
        raise QueueFull(
            f"{limit} jobs are already queued (MAX_QUEUED_JOBS); retry later.",
            details={"max_queued_jobs": limit},
        )
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise InvalidRequest("Idempotency-Key must be 1 to 200 characters.")
    new = build_job(
        job_type,
        payload,
        options,
        settings,
        label=label,
        idempotency_key=idempotency_key,
        created_by=caller.name,
    )
    now = await db.now()
    near_quota = await check_daily_quota(db, caller, now)

    async def enqueue(conn: AsyncConnection) -> Enqueued | None:
        # Near its quota the key's jobs are counted in the job's own write: on SQLite writes take
        # turns, so the quota is exact.
        if near_quota and await over_daily_quota(conn, caller, now):
            return None
        return await jobqueue.enqueue(conn, new, now)

    outcome = await db.write(enqueue)
    if outcome is None:
        raise quota_exceeded(caller, now)
    if outcome.conflict:
        raise InvalidRequest(
            "This Idempotency-Key was already used with a different request.",
            details={"job_id": outcome.job_id},
        )
    if outcome.created:
        gauge.added()
    headers = {"Location": f"/api/jobs/{outcome.job_id}"}
    if not outcome.created:
        headers["Idempotent-Replayed"] = "true"
    if wait:
        return await wait_for_job(db, outcome.job_id, min(wait, settings.WAIT_MAX_SECONDS), headers)
    status = JobStatus.QUEUED
    if not outcome.created:
        async with db.read() as conn:
            row = await job_rows.get_job(conn, outcome.job_id)
        status = JobStatus(row.status) if row is not None else status
    return model_response(JobCreated(job_id=outcome.job_id, status=status), 202, headers)


async def wait_for_job(db: Database, job_id: str, seconds: float, headers: dict[str, str]) -> Response:
    """For clients of the old synchronous API: 200 with the finished job, or 202 when time runs out."""
    deadline = time.monotonic() + seconds
    delay = WAIT_POLL_FIRST
    while True:
        async with db.read() as conn:
            row = await job_rows.get_job(conn, job_id)
        if row is None or row.status in FINISHED_STATUSES or time.monotonic() >= deadline:
            break
        await asyncio.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 1.5, WAIT_POLL_MAX)
    if row is None:
        return error_response(
            404, "not_found", "The job was deleted while waiting for it.", {"job_id": job_id}
        )
    finished = row.status in FINISHED_STATUSES
    return model_response(job_body(row), 200 if finished else 202, headers)
