"""Schedules: cron times in a time zone, and firing them exactly once per due time.

Every worker looks for due schedules every CHECK_SECONDS. Firing one is a single write
transaction (`Database.write`, BEGIN IMMEDIATE on SQLite): a conditional UPDATE moves
`next_run_at` from the value the worker read to the next cron time after now, and only the
worker whose UPDATE matched enqueues the job, in that same transaction. So several workers fire
a due time once, a crash between the two writes is impossible, and a schedule that was due many
times while everything was down fires once (its next time is computed from now). While the
schedule's last job is still queued or running the due time is skipped, not queued behind it.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.jobtypes import JobType, NewJob, build_job
from backend_fastapi.schemas.pipeline import PipelineRunRequest
from backend_fastapi.schemas.schedule import CRON_HORIZON_YEARS, SCHEDULED_JOB, ScheduledRequest
from backend_fastapi.schemas.scrape import ScrapeRequest
from backend_fastapi.settings import Settings
from backend_fastapi.store import jobqueue, schedule_rows
from backend_fastapi.store.engine import Database

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
DUE_BATCH = 100


def _repeated_wall_time(moment: datetime, zone: ZoneInfo) -> bool:
    """True for the second occurrence of a local time that the end of summer time repeats."""
    naive = moment.replace(tzinfo=None)
    first = naive.replace(tzinfo=zone, fold=0).utcoffset()
    return (
        first != moment.utcoffset() and naive.replace(tzinfo=zone, fold=1).utcoffset() == moment.utcoffset()
    )


EVERY_PREFIX = "@every "


def every_seconds_of(cron: str) -> float | None:
    """The interval of an `@every Ns` timing, None for a cron expression."""
    if not cron.startswith(EVERY_PREFIX):
        return None
    return float(cron.removeprefix(EVERY_PREFIX).removesuffix("s"))


def first_run(cron: str, timezone: str, now: float, spread_key: str) -> float:
    """The first due time of a new (or resumed) schedule. An interval starts at a point of its first
    period chosen by `spread_key`, so that many monitors created together do not all fall due in
    the same second (and a given monitor keeps its phase)."""
    every = every_seconds_of(cron)
    if every is None:
        return next_run_after(cron, timezone, now)
    fraction = int.from_bytes(hashlib.blake2b(spread_key.encode(), digest_size=4).digest(), "big") / 2**32
    return now + max(every * fraction, 1.0)


def following_run(cron: str, timezone: str, expected: float, now: float) -> float:
    """The due time after the one being fired (`expected`), strictly after `now`. An interval keeps
    its phase (a check fired late does not push the later ones back); a cron time is computed from now."""
    every = every_seconds_of(cron)
    if every is None:
        return next_run_after(cron, timezone, now)
    return expected + every * (math.floor((now - expected) / every) + 1)


def next_run_after(cron: str, timezone: str, after: float) -> float:
    """The first cron time strictly after `after` (epoch seconds), in the schedule's time zone.

    Times skipped by the start of summer time run at the next valid minute; a daily job at a
    time the end of summer time repeats runs once, not twice. `@every Ns` (monitors) is N seconds
    after `after`.
    """
    every = every_seconds_of(cron)
    if every is not None:
        return after + every
    zone = ZoneInfo(timezone)
    from croniter import croniter  # with dateutil ~1.5 MB: loaded on first use, not at API start

    # Expressions are validated to fire within the horizon; it also bounds the search.
    times = croniter(cron, datetime.fromtimestamp(after, zone), max_years_between_matches=CRON_HORIZON_YEARS)
    hour_field = cron.split(" ")[1] if not cron.startswith("@") else "0"
    for _ in range(4):
        moment: datetime = times.get_next(datetime)
        if hour_field == "*" or not _repeated_wall_time(moment, zone):
            return moment.timestamp()
    return moment.timestamp()


# --- the job a schedule runs ------------------------------------------------------------------


def scheduled_request(job: dict[str, Any]) -> ScrapeRequest | PipelineRunRequest:
    """The stored job request, validated again (the worker checks it at every firing)."""
    return SCHEDULED_JOB.validate_python(job)


def new_job(
    schedule: Any, request: ScheduledRequest, settings: Settings, created_by: str | None = None
) -> NewJob:
    """The job one firing queues: named after the schedule, so `latest` sources find its result
    (a monitor's check is named after the monitor, and its payload names the monitor)."""
    if isinstance(request, ScrapeRequest):
        job_type, label = request.job_type, request.url
    else:
        job_type, label = JobType.PIPELINE_RUN, request.pipeline_id or "inline pipeline"
    job = build_job(
        job_type,
        request.to_payload(),
        request,
        settings,
        label=label,
        name=request.name or schedule.name,
        schedule_id=schedule.id,
        created_by=created_by,
    )
    if schedule.monitor_id is not None:
        job.payload["monitor_id"] = schedule.monitor_id
    return job


# --- firing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Firing:
    schedule_id: str
    name: str
    job_id: str | None
    next_run_at: float
    skipped: str | None = None


async def fire(
    conn: AsyncConnection, schedule_id: str, expected: float, now: float, settings: Settings
) -> Firing | None:
    """Fire one due time of a schedule; None when another worker already did (or it changed)."""
    row = await schedule_rows.get(conn, schedule_id)
    if row is None or row.id != schedule_id or not row.enabled or row.next_run_at != expected:
        return None
    following = following_run(row.cron, row.timezone, expected, now)
    skipped: str | None = None
    job: NewJob | None = None
    if await schedule_rows.last_job_active(conn, row.last_job_id):
        skipped = "the last run is still queued or running"
    else:
        try:
            job = new_job(row, scheduled_request(row.job), settings)
        except ValidationError as exc:
            skipped = f"the scheduled job is no longer valid: {exc.errors()[0].get('msg', exc)}"
    values: dict[str, Any] = {"next_run_at": following, "updated_at": now}
    if job is not None:
        values.update(last_run_at=now, last_job_id=job.id)
    if not await schedule_rows.claim_firing(conn, row, values, expected=expected):
        return None
    if job is not None:
        await jobqueue.enqueue(conn, job, now)
    return Firing(row.id, row.name, job.id if job else None, following, skipped)


async def run_now(
    conn: AsyncConnection, schedule: Any, now: float, settings: Settings, created_by: str | None = None
) -> str | None:
    """Queue the schedule's job at once (its next due time stays); None while its last run is active.
    `created_by` names the API key that asked for it."""
    if await schedule_rows.last_job_active(conn, schedule.last_job_id):
        return None
    job = new_job(schedule, scheduled_request(schedule.job), settings, created_by)
    values = {"last_run_at": now, "last_job_id": job.id}
    if not await schedule_rows.claim_firing(conn, schedule, values, expected=None):
        return None  # a firing queued a run meanwhile
    await jobqueue.enqueue(conn, job, now)
    return job.id


def _firing(
    schedule_id: str, expected: float, now: float, settings: Settings
) -> Callable[[AsyncConnection], Awaitable[Firing | None]]:
    return lambda conn: fire(conn, schedule_id, expected, now, settings)


async def fire_due(db: Database, settings: Settings) -> list[Firing]:
    """Fire every schedule that is due now (called by each worker every CHECK_SECONDS)."""
    now = await db.now()
    async with db.read() as conn:
        due = await schedule_rows.due(conn, now, DUE_BATCH)
    fired: list[Firing] = []
    for schedule_id, expected in due:
        outcome = await db.write(_firing(schedule_id, expected, now, settings))
        if outcome is None:
            continue
        fired.append(outcome)
        if outcome.skipped:
            log.warning("schedule.skipped", extra={"schedule": outcome.name, "reason": outcome.skipped})
        else:
            log.info("schedule.fired", extra={"schedule": outcome.name, "job": outcome.job_id})
    return fired
