"""PostgreSQL beside SQLite: claim + complete throughput by worker processes, and idle pickup.

Target (issue: PostgreSQL): throughput grows with worker processes until the machine's cores are
the limit, no worker waits on another's lock (FOR UPDATE SKIP LOCKED), idle pickup < 100 ms with
LISTEN/NOTIFY. PostgreSQL runs with its durable defaults (fsync, synchronous_commit on).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from bench.bench_queue import drain, pickup
from bench.common import machine, percentile, stamp, update_section
from tests.support.postgres import PostgresServer, find_bindir

NAME = "postgres"


async def _run(quick: bool) -> str:
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("bench_postgres needs PostgreSQL server binaries (apt-get install postgresql)")
    jobs = 3000 if quick else 20000
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-pg-"))
    server = PostgresServer(bindir, durable=True)
    server.start()
    rows = []
    try:
        for workers in (1, 2, 4, 8):
            url = server.create_database(f"drain_{workers}")
            rate = await drain(url, work, "FULL", jobs, workers, 16)
            rows.append(f"| PostgreSQL | {workers} | {rate:,.0f} jobs/s |")
        for workers in (1, 2, 4):
            rate = await drain(
                f"sqlite+aiosqlite:///{work}/drain-{workers}.db", work, "FULL", jobs, workers, 16
            )
            rows.append(f"| SQLite (`synchronous=FULL`) | {workers} | {rate:,.0f} jobs/s |")
        delays, idle_cpu = await pickup(server.create_database("pickup"), work, 50 if quick else 200)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    ms = [d * 1000 for d in delays]
    return "\n".join(
        [
            "## PostgreSQL beside SQLite",
            "",
            f"Measured {stamp()} on {machine()}; PostgreSQL 15 on the same machine with durable settings; "
            f"{jobs:,} no-op jobs drained by N `dataops worker` processes (concurrency 16 each), "
            "claims in batches with `FOR UPDATE SKIP LOCKED`. Command: `.venv/bin/python -m bench.bench_postgres`.",
            "",
            "| Database | Worker processes | Claim + complete |",
            "| --- | --- | --- |",
            *rows,
            "",
            f"Idle worker pickup with LISTEN/NOTIFY ({len(ms)} jobs): p50 {percentile(ms, 50):.1f} ms, "
            f"p99 {percentile(ms, 99):.1f} ms (target < 100 ms); idle worker CPU {idle_cpu * 100:.2f} %.",
        ]
    )


def run(quick: bool = False) -> str:
    return asyncio.run(_run(quick))


if __name__ == "__main__":
    update_section(NAME, run(quick="--quick" in sys.argv))
