"""Processes the scrape benchmarks start: the shop site, a DataOps worker and API."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT
from tests.support import processes
from tests.support.processes import free_port


def start_site(products: int) -> tuple[subprocess.Popen[bytes], str]:
    """The shop on an aiohttp server in its own process."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.sites", str(port), str(products), "plain"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/robots.txt", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the bench site did not start")


def service_env(db_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    """The test services' environment, quieter (no per-job log lines) and polling faster."""
    defaults = {"LOG_LEVEL": "WARNING", "WORKER_POLL_INTERVAL": "0.5", "JOB_LEASE_SECONDS": "30"}
    return processes.service_env(db_url, tmp, **{**defaults, **extra})


def start_worker(env: dict[str, str], tmp: Path) -> subprocess.Popen[bytes]:
    """A `dataops worker` process (its log in `tmp/worker.log`), once its start-up probe is done:
    the probe's child (and the Chromium it may launch) must not count in a measured job's memory."""
    service = processes.Service(["worker"], env, tmp / "worker.log")
    try:
        asyncio.run(_wait_for_capabilities(env["DATABASE_URL"], service.proc))
    except BaseException:
        service.kill()
        raise
    return service.proc


async def _wait_for_capabilities(db_url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Until the worker has stored what it can run (the benches keep its log quiet)."""
    from backend_fastapi.settings import Settings
    from backend_fastapi.store import worker_rows
    from backend_fastapi.store.engine import Database

    db = Database(Settings(_env_file=None, DATABASE_URL=db_url))  # type: ignore[call-arg]
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                async with db.read() as conn:
                    workers = await worker_rows.live_workers(conn, 0.0)
            except Exception:  # the worker has not created the tables yet
                workers = []
            if any(w.capabilities is not None for w in workers):
                return
            await asyncio.sleep(0.1)
    finally:
        await db.close()
    raise RuntimeError(f"the worker stored no capabilities within {timeout:.0f} s (exit code {proc.poll()})")


def allow_site(base: str) -> str:
    """Let this process validate requests for the loopback site, as the API would with the setting."""
    from backend_fastapi.settings import get_settings

    host_port = base.split("//", 1)[1]
    os.environ["SCRAPE_ALLOW_HOSTS"] = host_port
    get_settings.cache_clear()
    return host_port


def start_api(env: dict[str, str], tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A `dataops api` process; returns it and its base URL once /health answers."""
    service, base = processes.start_api(env, tmp)
    return service.proc, base


async def run_jobs(db_url: str, jobs: list[tuple[str, dict[str, Any]]], timeout: float) -> list[Any]:
    """Queue `(type, payload)` jobs straight into the database and wait until all are finished."""
    from backend_fastapi import store
    from backend_fastapi.settings import Settings
    from backend_fastapi.store import job_rows, jobqueue
    from backend_fastapi.store.engine import Database

    db = Database(Settings(_env_file=None, DATABASE_URL=db_url))  # type: ignore[call-arg]
    try:
        await store.prepare(db)
        now = await db.now()
        new = [jobqueue.NewJob(type=t, payload=p, max_attempts=1, timeout_seconds=timeout) for t, p in jobs]

        async def insert(conn: Any) -> list[str]:
            return [(await jobqueue.enqueue(conn, job, now)).job_id for job in new]

        ids = await db.write(insert)
        deadline = time.monotonic() + timeout
        rows: dict[str, Any] = {}
        while len(rows) < len(ids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(ids) - len(rows)} jobs did not finish")
            async with db.read() as conn:
                for job_id in ids:
                    if job_id not in rows:
                        row = await job_rows.get_job(conn, job_id)
                        if row.status in ("completed", "failed", "cancelled"):
                            rows[job_id] = row
            await asyncio.sleep(0.05)
        return [rows[job_id] for job_id in ids]
    finally:
        await db.close()
