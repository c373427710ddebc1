"""`/api/map`: queue a map of a site's URLs (its sitemaps and its start page's links)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.routers.scrape import CREATE_RESPONSES, IdempotencyKey, WaitParam, queue_request
from backend_fastapi.schemas.map import MapRequest

router = APIRouter(prefix="/api/map", tags=["scrape"], route_class=CheckedJsonRoute)


@router.post("", status_code=202, responses=CREATE_RESPONSES)
async def create_map(
    body: MapRequest,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    wait: WaitParam = None,
) -> Response:
    """Queue a map of `url`'s site: a record per URL (`url`, `lastmod`, `source`); answers 202 with
    the job id at once (with `?wait=`, the finished job)."""
    return await queue_request(body, body.label, request, db, settings, idempotency_key, wait)
