"""Polling helpers: tests wait for states, never for fixed times.

Every wait returns as soon as its event happens; the bound only decides how long a test that is
really broken takes to say so. It is generous because a loaded two-core machine running the whole
suite makes seconds-long starts (a worker, Chromium, pandas) several times slower than alone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from backend_fastapi.store import job_rows, jobqueue
from backend_fastapi.store.engine import Database

BOUND = 120.0
BOUND_MS = int(BOUND * 1000)  # Playwright counts in milliseconds


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = BOUND, interval: float = 0.05
) -> Any:
    """Await `check()` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        await asyncio.sleep(interval)


def wait_for(check: Callable[[], Any], timeout: float = BOUND, interval: float = 0.1) -> Any:
    """Call `check()` until it returns something truthy (the synchronous `eventually`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        time.sleep(interval)


async def job_row(db: Database, job_id: str) -> Any:
    async with db.read() as conn:
        return await job_rows.get_job(conn, job_id)


async def wait_status(db: Database, job_id: str, *statuses: str, timeout: float = BOUND) -> Any:
    async def check() -> Any:
        row = await job_row(db, job_id)
        return row if row is not None and row.status in statuses else None

    return await eventually(check, timeout)


async def enqueue(db: Database, job_type: str, payload: dict[str, Any] | None = None, **kw: Any) -> str:
    job = jobqueue.NewJob(
        type=job_type,
        payload=payload or {},
        max_attempts=kw.pop("max_attempts", 3),
        timeout_seconds=kw.pop("timeout_seconds", 60.0),
        **kw,
    )
    now = await db.now()
    return (await db.write(lambda c: jobqueue.enqueue(c, job, now))).job_id


async def enqueue_many(db: Database, job_type: str, payloads: list[dict[str, Any]], **kw: Any) -> list[str]:
    jobs = [
        jobqueue.NewJob(
            type=job_type,
            payload=p,
            max_attempts=kw.get("max_attempts", 3),
            timeout_seconds=kw.get("timeout_seconds", 60.0),
        )
        for p in payloads
    ]
    now = await db.now()

    async def insert(conn: Any) -> list[str]:
        return [(await jobqueue.enqueue(conn, job, now)).job_id for job in jobs]

    return await db.write(insert)
