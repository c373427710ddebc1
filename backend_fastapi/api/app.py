"""The API application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from backend_fastapi import __version__
from backend_fastapi.api.auth import KeyCache, RateBuckets, authorize
from backend_fastapi.api.docs_auth import guard_docs
from backend_fastapi.api.errors import install_error_handlers
from backend_fastapi.api.frontend import mount_frontend
from backend_fastapi.api.job_bodies import JobBodies
from backend_fastapi.api.job_creation import QueueGauge
from backend_fastapi.api.limits import BodySizeLimit
from backend_fastapi.api.openapi import build_openapi
from backend_fastapi.api.routers import (
    exports,
    health,
    jobs,
    keys,
    monitors,
    pipelines,
    schedules,
    scrape,
    sessions,
    site_map,
    uploads,
)
from backend_fastapi.settings import Settings, get_settings
from backend_fastapi.store import open_database

API_ROUTERS = (
    jobs.router,
    scrape.router,
    site_map.router,
    pipelines.router,
    monitors.router,
    exports.router,
    uploads.router,
    schedules.router,
    sessions.router,
    keys.router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app; the database is opened (and migrated) when it starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = await open_database(settings)
        app.state.db = db
        try:
            yield
        finally:
            await db.close()

    app = FastAPI(
        title="DataOps",
        version=__version__,
        description="Turn web pages into clean data: scrape jobs, pipelines and exports.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.queue_gauge = QueueGauge()
    app.state.job_bodies = JobBodies()
    app.state.key_cache = KeyCache()
    app.state.rate_buckets = RateBuckets()
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit, limit=settings.MAX_REQUEST_BYTES, upload_limit=settings.UPLOAD_MAX_BYTES
    )
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Location"],
        )
    app.include_router(health.router)
    for router in API_ROUTERS:
        app.include_router(router, dependencies=[Depends(authorize)])
    guard_docs(app)
    mount_frontend(app, settings.frontend_dist)
    app.openapi = partial(build_openapi, app)  # type: ignore[method-assign]
    return app
