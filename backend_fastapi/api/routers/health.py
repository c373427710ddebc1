"""`GET /health`: is the database up, what can the live workers run, how deep is the queue.

Always open, even when `API_KEY` is set; without the key it tells counts and per-kind status only
(no worker ids, hostnames or PIDs). With the key, or when no key is configured, each worker is listed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import __version__
from backend_fastapi.api.deps import DbDep, SettingsDep, has_api_key
from backend_fastapi.schemas.common import iso
from backend_fastapi.store import job_rows, worker_rows
from backend_fastapi.worker import capabilities

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


def summarize_capabilities(workers: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Per kind over the live workers: how many can and cannot run it, and the commonest reason.

    `status` is `ok` (every worker that checked can), `unavailable` (none can), `partial`, or
    `unknown` (no worker has finished its start-up check yet).
    """
    kinds: dict[str, dict[str, Any]] = {}
    reasons: dict[str, Counter[str]] = {}
    checking = 0
    for worker in workers:
        if worker.capabilities is None:
            checking += 1
            continue
        for kind, reason in worker.capabilities.items():
            entry = kinds.setdefault(kind, {"available": 0, "unavailable": 0})
            if reason == capabilities.OK:
                entry["available"] += 1
            else:
                entry["unavailable"] += 1
                reasons.setdefault(kind, Counter())[reason] += 1
    for kind, entry in kinds.items():
        entry["checking"] = checking
        if entry["unavailable"] == 0:
            entry["status"] = "ok"
        else:
            entry["status"] = "partial" if entry["available"] else "unavailable"
            entry["reason"] = reasons[kind].most_common(1)[0][0]
    return dict(sorted(kinds.items()))


def describe_problems(kinds: dict[str, dict[str, Any]]) -> list[str]:
    """One line per kind some live worker cannot run: "browser unavailable: <reason>"."""
    problems = []
    for kind, entry in kinds.items():
        if entry["status"] == "unavailable":
            problems.append(capabilities.problem(kind, entry["reason"]))
        elif entry["status"] == "partial":
            on = f"on {entry['unavailable']} of {entry['available'] + entry['unavailable']} workers"
            problems.append(f"{capabilities.label(kind)} unavailable {on}: {entry['reason']}")
    return problems


def _worker_item(w: Any) -> dict[str, Any]:
    return {
        "id": w.id,
        "hostname": w.hostname,
        "pid": w.pid,
        "concurrency": w.concurrency,
        "running": w.running,
        "version": w.version,
        "started_at": iso(w.started_at),
        "last_heartbeat": iso(w.last_heartbeat),
        "capabilities": w.capabilities,
    }


@router.get("/health", summary="Service health")
async def health(request: Request, db: DbDep, settings: SettingsDep) -> JSONResponse:
    """Database status, live workers and what they can run, queue depth by status (always open)."""
    alive_after = await db.now() - settings.worker_alive_seconds
    try:

        async def read(conn: AsyncConnection) -> tuple[dict[str, int], Any]:
            return await job_rows.count_by_status(conn), await worker_rows.live_workers(conn, alive_after)

        counts, workers = await db.fetch(read)
    except Exception as exc:
        log.exception("health.database_error")
        body: dict[str, Any] = {
            "status": "error",
            "version": __version__,
            "database": {"status": "error", "dialect": db.engine.dialect.name, "error": type(exc).__name__},
        }
        return JSONResponse(body, status_code=503)
    kinds = summarize_capabilities(workers)
    workers_body: dict[str, Any] = {
        "alive": len(workers),
        "slots": sum(w.concurrency for w in workers),
        "running": sum(w.running for w in workers),
    }
    if has_api_key(request):
        workers_body["items"] = [_worker_item(w) for w in workers]
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "database": {"status": "ok", "dialect": db.engine.dialect.name},
            "workers": workers_body,
            "capabilities": kinds,
            "problems": describe_problems(kinds),
            "queue": counts,
            "limits": {"max_queued_jobs": settings.MAX_QUEUED_JOBS},
        }
    )
