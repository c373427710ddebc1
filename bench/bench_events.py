"""Job events: the API's memory and CPU with 200 open event streams while jobs change.

Target (issue 18): API RSS under 120 MB with 200 open streams. One `dataops api` and one worker
(WORKER_CONCURRENCY=8) on SQLite; jobs report progress every 20 ms each while 50 clients follow one
job each and 150 follow every job (50 unfiltered, 50 `status=running`, 50 `type=test.records`).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import Database
from bench.common import PeakRss, machine, process_tree_rss, stamp, update_section
from tests.support.processes import Service, free_port, service_env, start_worker
from tests.support.waiting import enqueue_many

NAME = "job-events"
STREAMS_PER_JOB = 50
STREAMS_ALL = 150


@dataclass
class Tally:
    events: int = 0
    opened: int = 0
    refused: int = 0
    first_event_latency: float = 0.0


async def follow(
    client: httpx.AsyncClient, path: str, params: dict[str, str], tally: Tally, stop: asyncio.Event
) -> None:
    """Read one stream until it ends or `stop` is set, counting its events."""
    with suppress(httpx.HTTPError):
        await read_stream(client, path, params, tally, stop)


async def read_stream(
    client: httpx.AsyncClient, path: str, params: dict[str, str], tally: Tally, stop: asyncio.Event
) -> None:
    async with client.stream("GET", path, params=params) as response:
        if response.status_code != 200:
            tally.refused += 1
            return
        tally.opened += 1
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                tally.events += 1
            if stop.is_set():
                return


async def measure(
    base: str, db_url: str, jobs: int, count: int, delay: float, begin: Callable[[], object]
) -> tuple[Tally, float, int]:
    """Queue the jobs, open the streams, then `begin` (start the worker); wait until every job is
    final. (tally, seconds, streams opened)."""
    db = Database(Settings(_env_file=None, DATABASE_URL=db_url))  # type: ignore[call-arg]
    tally, stop = Tally(), asyncio.Event()
    limits = httpx.Limits(max_connections=STREAMS_PER_JOB + STREAMS_ALL + 10)
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(600), limits=limits) as client:
        payloads = [{"count": count, "delay": delay} for _ in range(jobs)]
        ids = await enqueue_many(db, "test.records", payloads)
        filters = [{}, {"status": "running"}, {"type": "test.records"}]
        tasks = [
            asyncio.create_task(follow(client, f"/api/jobs/{job_id}/events", {}, tally, stop))
            for job_id in ids[:STREAMS_PER_JOB]
        ]
        tasks += [
            asyncio.create_task(follow(client, "/api/jobs/events", filters[i % 3], tally, stop))
            for i in range(STREAMS_ALL)
        ]
        while tally.opened + tally.refused < len(tasks):
            await asyncio.sleep(0.05)
        peak_open = tally.opened
        started = time.monotonic()
        await asyncio.to_thread(begin)
        while True:
            page = (await client.get("/api/jobs", params={"type": "test.records", "limit": 100})).json()
            if all(job["status"] in ("completed", "failed", "cancelled") for job in page["items"]):
                break
            await asyncio.sleep(0.5)
        took = time.monotonic() - started
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await db.close()
    return tally, took, peak_open


def run(quick: bool = False) -> str:
    jobs, count, delay = (24, 50, 0.02) if quick else (60, 150, 0.02)
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-events-"))
    db_url = f"sqlite+aiosqlite:///{work}/events.db"
    env = service_env(db_url, work, MAX_QUEUED_JOBS=0, LOG_LEVEL="WARNING", WORKER_CONCURRENCY=8)
    try:
        from bench.bench_api import start_api

        port = free_port()
        api, _ = start_api(env, work, port)
        base = f"http://127.0.0.1:{port}"
        time.sleep(1)
        idle_rss = process_tree_rss(api.pid)
        workers: list[Service] = []
        proc = psutil.Process(api.pid)
        cpu_before = sum(proc.cpu_times()[:2])
        with PeakRss([api.pid]) as peak:
            tally, took, opened = asyncio.run(
                measure(
                    base,
                    db_url,
                    jobs,
                    count,
                    delay,
                    lambda: workers.append(start_worker({**env, "LOG_LEVEL": "INFO"}, work)),
                )
            )
        cpu = sum(proc.cpu_times()[:2]) - cpu_before
        after_rss = process_tree_rss(api.pid)
        for worker in workers:
            worker.stop()
        api.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress_writes = jobs * count
    rows = [
        f"| API RSS idle (no stream) | {idle_rss / 2**20:.0f} MB | |",
        f"| Streams open at once | {opened} ({STREAMS_PER_JOB} on one job each, {STREAMS_ALL} on every job), "
        f"{tally.refused} refused | 200 |",
        f"| Jobs changing meanwhile | {jobs} jobs x {count} progress writes ({progress_writes:,} changes) "
        f"in {took:.1f} s, 8 at a time | |",
        f"| Events delivered | {tally.events:,} | |",
        f"| API RSS peak with the streams open | {peak.peak / 2**20:.0f} MB | < 120 MB |",
        f"| API RSS after the run | {after_rss / 2**20:.0f} MB | |",
        f"| API CPU during the run | {cpu:.1f} s ({100 * cpu / took:.0f} % of one core) | |",
    ]
    return "\n".join(
        [
            "## Job events",
            "",
            f"Measured {stamp()} on {machine()}; one `dataops api` process and one worker "
            "(`WORKER_CONCURRENCY=8`, test handler reporting progress every 20 ms) on SQLite; the "
            "clients are one asyncio process on the same machine. Events are coalesced: a stream "
            "gets a job's latest state per read of the shared watcher, not every write. "
            "Command: `.venv/bin/python -m bench.bench_events`.",
            "",
            "| What | Result | Target |",
            "| --- | --- | --- |",
            *rows,
        ]
    )


if __name__ == "__main__":
    import sys

    update_section(NAME, run(quick="--quick" in sys.argv))
