"""Trivial job handlers for queue benchmarks (registered through WORKER_HANDLERS)."""

from __future__ import annotations

from typing import Any

from backend_fastapi.worker.context import JobContext

HANDLERS = "bench.noop=bench.handlers:noop"


async def noop(ctx: JobContext) -> dict[str, Any]:
    return {"ok": True}
