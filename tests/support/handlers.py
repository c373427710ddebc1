"""Job handlers for tests, registered in worker processes through WORKER_HANDLERS."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from backend_fastapi.errors import PermanentJobError, TransientJobError
from backend_fastapi.worker.context import JobContext

TEST_HANDLERS = {
    "test.noop": "tests.support.handlers:noop",
    "test.sleep": "tests.support.handlers:sleep",
    "test.fail": "tests.support.handlers:fail",
    "test.records": "tests.support.handlers:records",
    "test.mark": "tests.support.handlers:mark",
    "test.modules": "tests.support.handlers:modules",
}


def handler_env() -> str:
    """The WORKER_HANDLERS value that registers every test handler."""
    return ",".join(f"{k}={v}" for k, v in TEST_HANDLERS.items())


async def noop(ctx: JobContext) -> dict[str, Any]:
    return {"ok": True, "attempt": ctx.attempt}


async def sleep(ctx: JobContext) -> dict[str, Any]:
    await asyncio.sleep(float(ctx.payload.get("seconds", 1.0)))
    return {"slept": ctx.payload.get("seconds", 1.0), "worker": ctx.worker_id}


async def fail(ctx: JobContext) -> dict[str, Any]:
    """Fails `fail_times` attempts (transiently unless `permanent`), then succeeds."""
    if ctx.attempt <= int(ctx.payload.get("fail_times", 1_000_000)):
        if ctx.payload.get("permanent"):
            raise PermanentJobError("permanent test failure")
        raise TransientJobError(f"transient test failure on attempt {ctx.attempt}")
    return {"succeeded_on": ctx.attempt}


async def records(ctx: JobContext) -> dict[str, Any]:
    count = int(ctx.payload.get("count", 10))
    for i in range(count):
        await ctx.add_records([{"i": i, "attempt": ctx.attempt}])
        await ctx.set_progress({"done": i + 1, "total": count})
        if ctx.payload.get("delay"):
            await asyncio.sleep(float(ctx.payload["delay"]))
    return {"count": count}


async def mark(ctx: JobContext) -> dict[str, Any]:
    """Appends `job_id attempt pid` to a file when it runs, after an optional sleep (chaos tests
    count executions with it)."""
    await asyncio.sleep(float(ctx.payload.get("seconds", 0.0)))
    line = f"{ctx.id} {ctx.attempt} {os.getpid()} {time.time():.3f}\n"
    with Path(ctx.payload["file"]).open("a") as fh:
        fh.write(line)
    return {"pid": os.getpid(), "attempt": ctx.attempt}


HEAVY_MODULES = ("pandas", "pyarrow", "playwright", "lxml", "selectolax", "bs4", "parsel", "aiohttp", "httpx")


async def modules(ctx: JobContext) -> dict[str, Any]:
    """Which heavy modules this worker process has imported so far."""
    import sys

    heavy = sorted(
        name
        for name in sys.modules
        if name.split(".")[0] in HEAVY_MODULES
        or name.startswith(("backend_fastapi.scraping", "backend_fastapi.pipelines"))
    )
    return {"heavy": heavy}


async def echo(ctx: JobContext) -> dict[str, Any]:
    """Stands in for a job type's real handler when a test is about the API/worker contract."""
    await asyncio.sleep(float(ctx.payload.get("options", {}).get("delay_ms", 0)) / 1000)
    await ctx.add_records(
        [{"url": ctx.payload.get("url"), "data": {"n": i, "title": f"t{i}"}} for i in range(3)]
    )
    return {"echo": ctx.payload}
