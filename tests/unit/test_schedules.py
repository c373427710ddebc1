"""Schedules: cron times across time zones and DST, and firing each due time exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from backend_fastapi import scheduling
from backend_fastapi.settings import Settings
from backend_fastapi.store import schedule_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.tables import jobs
from backend_fastapi.store.tables import schedules as schedules_table
from tests.support.postgres import BOTH_BACKENDS
from tests.support.waiting import enqueue

SCRAPE = {"url": "https://shop.example/p/1", "schema": {"title": "string"}, "priority": 7}


def at(text: str) -> float:
    """Epoch seconds of a UTC time."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("cron", "zone", "after", "expected"),
    [
        ("0 6 * * *", "Europe/Berlin", "2024-01-10T07:00", "2024-01-11T05:00"),
        ("0 6 * * *", "Europe/Berlin", "2024-07-10T03:00", "2024-07-10T04:00"),
        ("0 6 * * *", "UTC", "2024-07-10T06:00", "2024-07-11T06:00"),
        ("*/15 * * * *", "UTC", "2024-07-10T06:01", "2024-07-10T06:15"),
        ("@daily", "America/New_York", "2024-07-10T12:00", "2024-07-11T04:00"),
        # 02:30 does not exist on the day summer time starts: the run moves to 03:00.
        ("30 2 * * *", "Europe/Berlin", "2024-03-30T12:00", "2024-03-31T01:00"),
    ],
)
def test_next_run_is_the_next_cron_time_in_the_schedules_time_zone(
    cron: str, zone: str, after: str, expected: str
) -> None:
    assert iso(scheduling.next_run_after(cron, zone, at(after))) == expected


def test_a_daily_time_that_the_end_of_summer_time_repeats_runs_once() -> None:
    first = scheduling.next_run_after("30 2 * * *", "Europe/Berlin", at("2024-10-26T12:00"))
    second = scheduling.next_run_after("30 2 * * *", "Europe/Berlin", first)
    assert (iso(first), iso(second)) == ("2024-10-27T00:30", "2024-10-28T01:30")


def test_a_minute_schedule_keeps_running_through_the_repeated_hour() -> None:
    times = [at("2024-10-26T23:50")]  # 01:50 summer time in Berlin
    for _ in range(4):
        times.append(scheduling.next_run_after("*/30 * * * *", "Europe/Berlin", times[-1]))
    assert [iso(t) for t in times[1:]] == [
        "2024-10-27T00:00",
        "2024-10-27T00:30",
        "2024-10-27T01:00",
        "2024-10-27T01:30",
    ]


async def add_schedule(
    db: Database, *, next_run_at: float | None, job: dict[str, Any] | None = None, **kw: Any
) -> str:
    values = {
        "name": kw.pop("name", "morning"),
        "cron": kw.pop("cron", "0 6 * * *"),
        "timezone": kw.pop("timezone", "Europe/Berlin"),
        "job": job or SCRAPE,
        "enabled": kw.pop("enabled", True),
        "next_run_at": next_run_at,
        **kw,
    }
    now = await db.now()
    return await db.write(lambda c: schedule_rows.insert(c, values, now))


async def schedule_row(db: Database, schedule_id: str) -> Any:
    async with db.read() as conn:
        return (
            await conn.execute(sa.select(schedules_table).where(schedules_table.c.id == schedule_id))
        ).one()


async def scheduled_jobs(db: Database, schedule_id: str) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(sa.select(jobs).where(jobs.c.schedule_id == schedule_id))).all())


@BOTH_BACKENDS
async def test_a_due_schedule_queues_its_job_named_after_it_and_moves_to_the_next_time(
    db: Database, settings: Settings
) -> None:
    schedule_id = await add_schedule(db, next_run_at=await db.now() - 5)
    fired = await scheduling.fire_due(db, settings)
    assert len(fired) == 1
    (job,) = await scheduled_jobs(db, schedule_id)
    assert (job.type, job.status, job.name, job.priority, job.label) == (
        "scrape.page",
        "queued",
        "morning",
        7,
        "https://shop.example/p/1",
    )
    assert job.payload["url"] == SCRAPE["url"]
    row = await schedule_row(db, schedule_id)
    assert row.last_job_id == job.id
    assert row.last_run_at is not None
    assert row.next_run_at == scheduling.next_run_after("0 6 * * *", "Europe/Berlin", row.last_run_at)
    assert await scheduling.fire_due(db, settings) == []


@BOTH_BACKENDS
async def test_many_workers_firing_at_once_queue_the_due_time_once(db: Database, settings: Settings) -> None:
    schedule_id = await add_schedule(db, next_run_at=await db.now() - 1)
    others = [Database(settings) for _ in range(4)]
    try:
        results = await asyncio.gather(
            *(scheduling.fire_due(d, settings) for d in [db, *others] for _ in range(3))
        )
    finally:
        for other in others:
            await other.close()
    assert sum(len(r) for r in results) == 1
    assert len(await scheduled_jobs(db, schedule_id)) == 1


@BOTH_BACKENDS
async def test_runs_missed_while_everything_was_down_are_coalesced_into_one(
    db: Database, settings: Settings
) -> None:
    now = await db.now()
    schedule_id = await add_schedule(db, next_run_at=now - 3 * 86400, cron="*/5 * * * *", timezone="UTC")
    await scheduling.fire_due(db, settings)
    assert len(await scheduled_jobs(db, schedule_id)) == 1
    row = await schedule_row(db, schedule_id)
    assert now < row.next_run_at <= now + 300


@BOTH_BACKENDS
async def test_a_due_time_is_skipped_while_the_last_run_is_still_active(
    db: Database, settings: Settings
) -> None:
    running = await enqueue(db, "scrape.page", {"url": "x"})
    schedule_id = await add_schedule(db, next_run_at=await db.now() - 1, last_job_id=running)
    (firing,) = await scheduling.fire_due(db, settings)
    assert firing.skipped == "the last run is still queued or running"
    assert await scheduled_jobs(db, schedule_id) == []
    row = await schedule_row(db, schedule_id)
    assert row.last_job_id == running
    assert row.next_run_at > await db.now()


@BOTH_BACKENDS
async def test_disabled_schedules_and_schedules_not_yet_due_do_not_fire(
    db: Database, settings: Settings
) -> None:
    now = await db.now()
    await add_schedule(db, name="off", next_run_at=now - 1, enabled=False)
    await add_schedule(db, name="later", next_run_at=now + 3600)
    assert await scheduling.fire_due(db, settings) == []


@BOTH_BACKENDS
async def test_a_schedule_whose_job_became_invalid_is_skipped_not_retried_forever(
    db: Database, settings: Settings
) -> None:
    schedule_id = await add_schedule(db, next_run_at=await db.now() - 1, job={"url": "ftp://nope.example/"})
    (firing,) = await scheduling.fire_due(db, settings)
    assert firing.skipped is not None
    assert "no longer valid" in firing.skipped
    assert await scheduled_jobs(db, schedule_id) == []
    assert (await schedule_row(db, schedule_id)).next_run_at > await db.now()


@BOTH_BACKENDS
async def test_a_scheduled_pipeline_run_is_a_pipeline_job(db: Database, settings: Settings) -> None:
    job = {"pipeline_id": "0190a000-0000-7000-8000-000000000000", "timeout_seconds": 99999}
    schedule_id = await add_schedule(db, next_run_at=await db.now() - 1, job=job)
    await scheduling.fire_due(db, settings)
    (row,) = await scheduled_jobs(db, schedule_id)
    assert (row.type, row.payload, row.label) == (
        "pipeline.run",
        {"pipeline_id": job["pipeline_id"]},
        job["pipeline_id"],
    )
    assert row.timeout_seconds == settings.JOB_TIMEOUT_MAX_SECONDS


@BOTH_BACKENDS
async def test_run_now_queues_at_once_but_not_while_the_last_run_is_active(
    db: Database, settings: Settings
) -> None:
    later = await db.now() + 3600
    schedule_id = await add_schedule(db, next_run_at=later)
    row = await schedule_row(db, schedule_id)
    now = await db.now()
    job_id = await db.write(lambda c: scheduling.run_now(c, row, now, settings))
    assert job_id is not None
    row = await schedule_row(db, schedule_id)
    assert (row.last_job_id, row.next_run_at) == (job_id, later)
    assert await db.write(lambda c: scheduling.run_now(c, row, now, settings)) is None


def test_an_interval_keeps_its_phase_when_a_firing_is_late() -> None:
    from backend_fastapi.scheduling import following_run

    # Due at 1000, fired at 1003: the next is 1900, not 1903; fired 2.5 periods late: the next due
    # time still on the grid, strictly after now.
    assert following_run("@every 900s", "UTC", 1000.0, 1003.0) == 1900.0
    assert following_run("@every 900s", "UTC", 1000.0, 3250.0) == 3700.0
    assert following_run("@every 900s", "UTC", 1000.0, 1900.0) == 2800.0


def test_new_intervals_spread_over_their_first_period_by_key() -> None:
    from backend_fastapi.scheduling import first_run

    starts = [first_run("@every 900s", "UTC", 0.0, f"monitor-{i}") for i in range(1000)]
    assert all(1.0 <= s <= 900.0 for s in starts)
    # Spread out: no minute of the period takes much more than its share.
    per_minute = [sum(1 for s in starts if m * 60 <= s < (m + 1) * 60) for m in range(15)]
    assert max(per_minute) < 2 * 1000 / 15
    assert first_run("@every 900s", "UTC", 0.0, "monitor-7") == starts[7]  # the same key, the same phase


def test_a_cron_timing_starts_at_its_next_cron_time() -> None:
    from backend_fastapi.scheduling import first_run, next_run_after

    now = 1_700_000_000.0
    assert first_run("0 6 * * *", "Europe/Berlin", now, "x") == next_run_after(
        "0 6 * * *", "Europe/Berlin", now
    )
