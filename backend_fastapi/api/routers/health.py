"""`GET /health`: is the database reachable, is any worker alive, how deep is the queue."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import __version__, jobstore
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.schemas.common import iso

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/health", summary="Service health")
async def health(db: DbDep, settings: SettingsDep) -> JSONResponse:
    """Database status, live workers and queue depth by status (open even when API_KEY is set)."""
    alive_after = await db.now() - settings.worker_alive_seconds
    try:

        async def read(conn: AsyncConnection) -> tuple[dict[str, int], Any]:
            return await jobstore.count_by_status(conn), await jobstore.live_workers(conn, alive_after)

        counts, workers = await db.fetch(read)
    except Exception as exc:
        log.exception("health.database_error")
        body: dict[str, Any] = {
            "status": "error",
            "version": __version__,
            "database": {"status": "error", "dialect": db.engine.dialect.name, "error": type(exc).__name__},
        }
        return JSONResponse(body, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "database": {"status": "ok", "dialect": db.engine.dialect.name},
            "workers": {
                "alive": len(workers),
                "items": [
                    {
                        "id": w.id,
                        "hostname": w.hostname,
                        "pid": w.pid,
                        "concurrency": w.concurrency,
                        "running": w.running,
                        "version": w.version,
                        "started_at": iso(w.started_at),
                        "last_heartbeat": iso(w.last_heartbeat),
                    }
                    for w in workers
                ],
            },
            "queue": counts,
            "limits": {"max_queued_jobs": settings.MAX_QUEUED_JOBS},
        }
    )
