"""Writers under contention: the API inserting at full speed while workers claim, finish and renew."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from backend_fastapi.store import job_rows
from backend_fastapi.store.engine import Database
from tests.support.handlers import handler_env
from tests.support.processes import service_env, start_api, start_worker
from tests.support.waiting import BOUND, eventually

SCRAPE = {"url": "https://shop.example/p/1", "schema": {"title": "string"}}
REQUESTS = 600


@pytest.mark.slow
async def test_no_busy_error_and_no_lost_lease_while_the_api_inserts_at_full_speed(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    env = service_env(
        db_url,
        tmp_path,
        WORKER_HANDLERS=handler_env() + ",scrape.page=tests.support.handlers:echo",
        WORKER_CONCURRENCY=8,
        JOB_LEASE_SECONDS=2,
        MAX_QUEUED_JOBS=0,
    )
    api, base = start_api(env, tmp_path)
    workers = [start_worker(env, tmp_path, f"w{i}") for i in range(2)]
    statuses: list[int] = []
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            # A count, not a duration: on a loaded machine the same contention just takes longer.
            sent = 0

            async def producer() -> None:
                nonlocal sent
                while sent < REQUESTS:
                    sent += 1
                    response = await client.post("/api/scrape", json=SCRAPE)
                    statuses.append(response.status_code)

            await asyncio.gather(*(producer() for _ in range(16)))

        async def drained() -> bool:
            async with db.read() as conn:
                counts = await job_rows.count_by_status(conn)
            return counts["queued"] == counts["running"] == 0

        await eventually(drained, timeout=BOUND, interval=0.5)
    finally:
        for worker in workers:
            worker.stop()
        api.stop()
    assert len(statuses) == REQUESTS
    assert set(statuses) == {202}
    async with db.read() as conn:
        counts = await job_rows.count_by_status(conn)
        lost = await conn.exec_driver_sql("SELECT count(*) FROM jobs WHERE error_code IS NOT NULL")
        assert lost.scalar_one() == 0, "no job may lose its lease or fail under contention"
    assert counts["completed"] == len(statuses)
    logs = api.log() + "".join(w.log() for w in workers)
    for bad in ("database is locked", "SQLITE_BUSY", "lease_expired", "result_discarded", "Traceback"):
        assert bad not in logs
