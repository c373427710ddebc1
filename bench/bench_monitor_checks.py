"""Monitors at scale: many monitors due on an interval, sustained by one worker.

N monitors (`every` E seconds, one product page each of the bench shop) are created through the
API; one API and one worker run for three and a half periods: the first checks are the baselines
(spread over the first period), the rest find nothing changed. Measured: how late each
check started after its due time (from the jobs' own `started_at`, sampled from the database while
they exist: a check folded into the next loses its job), the peak RSS of the API and of the worker,
and how much the database's pages in use grew per unchanged check once every monitor had its
baseline and a first unchanged check.

`--full` runs the issue's case (10,000 monitors every 15 minutes: about 40 minutes); the default is
the same rate of checks (11.1/s) with fewer monitors on a shorter period.
"""

from __future__ import annotations

import asyncio
import math
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.common import PeakRss, machine, percentile, stamp, update_section
from bench.services import service_env, start_site, start_worker
from tests.support.processes import Service, start_api

NAME = "monitor_checks"
CONCURRENCY = "4"


async def _create(base: str, count: int, every: float, site: str, products: int) -> dict[str, float]:
    """Create the monitors (20 requests in flight); their first due times by name."""
    first: dict[str, float] = {}
    limit = asyncio.Semaphore(20)
    schema = {"title": "string", "price": "number"}

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def one(i: int) -> None:
            name = f"bench-m-{i}"
            body = {
                "name": name,
                "target": {"url": f"{site}/p/{i % products + 1}", "schema": schema},
                "every": f"{every:g}s",
                "key": ["url"],
            }
            async with limit:
                response = await client.post("/api/monitors", json=body)
            response.raise_for_status()
            due = response.json()["next_check_at"]
            first[name] = _epoch(due)

        await asyncio.gather(*(one(i) for i in range(count)))
    return first


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class JobSampler:
    """Reads check jobs (name, started_at) from the database every second, before they are folded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[str, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT id, name, started_at FROM jobs WHERE type = 'scrape.page' AND started_at IS NOT NULL"
                ).fetchall()
                for job_id, name, started in rows:
                    self.seen.setdefault(job_id, (name, float(started)))
                self._stop.wait(1.0)
        finally:
            conn.close()

    def __enter__(self) -> JobSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _db_bytes(path: Path) -> int:
    """Bytes of the database's pages in use (the file and the WAL may hold free or stale pages)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
        pages = (
            conn.execute("PRAGMA page_count").fetchone()[0]
            - conn.execute("PRAGMA freelist_count").fetchone()[0]
        )
        return int(pages) * int(conn.execute("PRAGMA page_size").fetchone()[0])


def _checks(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
        rows = conn.execute("SELECT status, SUM(repeats) FROM monitor_checks GROUP BY status").fetchall()
    return {str(status): int(n) for status, n in rows}


def run(quick: bool = False, full: bool = False) -> str:
    count, every = (10_000, 900.0) if full else ((300, 27.0) if quick else (1_334, 120.0))
    products = 2000
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-monitors-"))
    db_path = work / "dataops.db"
    site_proc, site = start_site(products)
    env = service_env(
        f"sqlite+aiosqlite:///{db_path}",
        work,
        WORKER_CONCURRENCY=CONCURRENCY,
        SCRAPE_ALLOW_HOSTS="127.0.0.1",
        MAX_QUEUED_JOBS="100000",
    )
    api: Service | None = None
    worker = None
    try:
        api, base = start_api(env, work)
        worker = start_worker(env, work)
        started = time.time()
        first = asyncio.run(_create(base, count, every, site, products))
        created_s = time.time() - started
        # Steady state: every monitor has had its baseline and a first unchanged check (the one that
        # starts a folded entry); from then on unchanged checks should grow nothing.
        end = min(first.values()) + 3.5 * every
        steady = max(first.values()) + 1.25 * every
        with (
            PeakRss([api.proc.pid]) as api_rss,
            PeakRss([worker.pid]) as worker_rss,
            JobSampler(db_path) as jobs,
        ):
            size_after_baselines: int | None = None
            checks_after_baselines: dict[str, int] = {}
            while time.time() < end:
                if size_after_baselines is None and time.time() > steady:
                    size_after_baselines, checks_after_baselines = _db_bytes(db_path), _checks(db_path)
                time.sleep(1.0)
        checks = _checks(db_path)
        size_end = _db_bytes(db_path)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        if api is not None:
            api.stop()
        site_proc.kill()
    lateness = []
    for name, started_at in jobs.seen.values():
        phase = first.get(name)
        if phase is None or started_at < phase - 1:
            continue
        due = phase + every * math.floor((started_at - phase) / every + 1e-9)
        lateness.append(started_at - due)
    unchanged_then = checks_after_baselines.get("unchanged", 0)
    unchanged = checks.get("unchanged", 0) - unchanged_then
    growth = (size_end - (size_after_baselines or size_end)) / unchanged if unchanged else float("nan")
    shutil.rmtree(work, ignore_errors=True)
    mode = "the issue's case" if full else "the same rate of checks, fewer monitors on a shorter period"
    rate = count / every
    return "\n".join(
        [
            "## Monitors at scale",
            "",
            f"{stamp()}, {machine()}. {count:,} monitors due every {every:g} s ({rate:.1f} checks/s; {mode}), "
            f"each a product page of the bench shop, one API and one worker (`WORKER_CONCURRENCY={CONCURRENCY}`), "
            f"SQLite, for {3.5 * every:g} s after the first due time (created in {created_s:.0f} s). Command: "
            "`.venv/bin/python -m bench.bench_monitor_checks` (`--full`: 10,000 monitors every 15 minutes).",
            "",
            "| checks started | baselines | unchanged | late p50 | late p99 | late max | API peak RSS | worker peak RSS "
            "| DB growth per unchanged check (steady state) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {len(lateness):,} | {checks.get('baseline', 0):,} | {checks.get('unchanged', 0):,} "
            f"| {percentile(lateness, 50):.2f} s | {percentile(lateness, 99):.2f} s | {max(lateness):.2f} s "
            f"| {api_rss.peak / 2**20:.0f} MB | {worker_rss.peak / 2**20:.0f} MB | {growth:.1f} bytes |",
            "",
            "Late: a check's `started_at` after its due time (the schedule fires due monitors once a second, "
            "in batches of 100). The targets: no check later than a minute, the API within 256 MB and the "
            "worker within 640 MB (the 1 GB layout), and storage that does not grow with unchanged checks "
            "(unchanged checks in a row fold into one history entry and their jobs are deleted).",
        ]
    )


def _main(argv: list[str]) -> None:
    update_section(NAME, run(quick="--quick" in argv, full="--full" in argv))


if __name__ == "__main__":
    _main(sys.argv[1:])
