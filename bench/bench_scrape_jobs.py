"""Single-page static scrape jobs end to end: POST /api/scrape to a real API, a real worker at
WORKER_CONCURRENCY=16 scrapes, the client polls until every job is completed."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

from bench.common import PeakRss, machine, median, percentile, stamp, update_section
from bench.services import allow_site, service_env, start_api, start_site, start_worker

NAME = "scrape_jobs"
CONCURRENCY = 16
SCHEMA = {"title": "string", "price": "number", "in_stock": "boolean"}


async def _submit_all(base: str, site: str, count: int) -> list[str]:
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        slots = asyncio.Semaphore(32)

        async def one(i: int) -> str:
            async with slots:
                body = {"url": f"{site}/plain/{i % 400 + 1}?n={i}", "schema": SCHEMA}
                response = await client.post("/api/scrape", json=body)
                response.raise_for_status()
                return str(response.json()["job_id"])

        return await asyncio.gather(*(one(i) for i in range(count)))


async def _wait_all(base: str, ids: list[str], timeout: float) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        pending = set(ids)
        done: dict[str, dict[str, object]] = {}
        while pending and time.monotonic() < deadline:
            page = (await client.get("/api/jobs", params={"type": "scrape.page", "limit": 200})).json()
            cursor = page.get("next_cursor")
            items = list(page["items"])
            while cursor:
                page = (await client.get("/api/jobs", params={"type": "scrape.page", "limit": 200,
                                                              "cursor": cursor})).json()  # fmt: skip
                items += page["items"]
                cursor = page.get("next_cursor")
            for item in items:
                if item["status"] in ("completed", "failed") and item["job_id"] in pending:
                    pending.discard(item["job_id"])
                    done[item["job_id"]] = item
            await asyncio.sleep(0.2)
        if pending:
            raise RuntimeError(f"{len(pending)} jobs did not finish")
        return list(done.values())


def run(quick: bool = False) -> str:
    """Post N scrape jobs, wait for all; jobs/s and latency."""
    count = 200 if quick else 2000
    site_proc, site = start_site(400)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        env = service_env(
            f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
            tmp,
            SCRAPE_ALLOW_HOSTS=allow_site(site),
            WORKER_CONCURRENCY=str(CONCURRENCY),
            MAX_QUEUED_JOBS="0",
        )
        api, base = start_api(env, tmp)
        worker = start_worker(env, tmp)
        try:
            with PeakRss([worker.pid]) as worker_rss, PeakRss([api.pid]) as api_rss:
                started = time.monotonic()
                ids = asyncio.run(_submit_all(base, site, count))
                submitted = time.monotonic()
                jobs = asyncio.run(_wait_all(base, ids, 600))
                finished = time.monotonic()
            # The same jobs again as a backlog: queued with no worker running, then drained by a
            # fresh worker; its rate is the worker's own, not the posting client's.
            worker.terminate()
            worker.wait(30)
            backlog_ids = asyncio.run(_submit_all(base, site, count))
            worker = start_worker(env, tmp)
            backlog = asyncio.run(_wait_all(base, backlog_ids, 600))
        finally:
            worker.terminate()
            api.terminate()
            worker.wait(30)
            api.wait(30)
            site_proc.terminate()
    failed = [j for j in jobs + backlog if j["status"] != "completed"]
    drain = count / (
        max(_instant(j["finished_at"]) for j in backlog) - min(_instant(j["started_at"]) for j in backlog)
    )
    latencies = [_seconds(j) for j in jobs]
    seconds = finished - started
    lines = [
        f"## Single-page scrape jobs ({stamp()}{', quick' if quick else ''})",
        "",
        f"{machine()}. {count} static jobs (`/plain/N` shop pages, by-meaning schema of 3 fields) posted to "
        f"the API 32 at a time, one worker at WORKER_CONCURRENCY={CONCURRENCY}, SQLite.",
        "",
        "| jobs | failed | posting (s) | all done (s) | jobs/s | latency p50 / p95 | worker peak RSS "
        "| API peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {count} | {len(failed)} | {submitted - started:.2f} | {seconds:.2f} | {count / seconds:.0f} | "
        f"{median(latencies):.2f} s / {percentile(latencies, 95):.2f} s | {worker_rss.peak / 2**20:.0f} MB | "
        f"{api_rss.peak / 2**20:.0f} MB |",
        "",
        "Posting is the limit of the live run: the bench's own Python client posts about as fast as the "
        "worker scrapes, so jobs finish moments after they are created. Drained as a backlog (the same "
        f"{count} jobs queued with no worker running, then one worker started), the worker alone does "
        f"**{drain:.0f} jobs/s** (first start to last finish, from the jobs' own timestamps).",
    ]
    return "\n".join(lines)


def _instant(value: object) -> float:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _seconds(job: dict[str, object]) -> float:
    return _instant(job["finished_at"]) - _instant(job["created_at"])


if __name__ == "__main__":
    update_section(NAME, run(quick="--quick" in sys.argv))
