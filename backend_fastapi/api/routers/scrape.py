"""`/api/scrape`: queue a scrape job (or a batch of URLs); read it back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from backend_fastapi.api.auth import caller_of
from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.job_creation import create_job
from backend_fastapi.api.routers.jobs import CACHED, polled_job_response
from backend_fastapi.api.routers.sessions import require_session
from backend_fastapi.schemas.batch import BatchRequest
from backend_fastapi.schemas.jobs import JobOut
from backend_fastapi.schemas.map import MapRequest
from backend_fastapi.schemas.responses import ErrorBody, JobCreated
from backend_fastapi.schemas.scrape import ScrapeRequest
from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import Database

router = APIRouter(prefix="/api/scrape", tags=["scrape"], route_class=CheckedJsonRoute)
CREATE_RESPONSES: dict[int | str, dict[str, object]] = {
    202: {
        "model": JobCreated | JobOut,
        "description": "Queued; poll the job at the Location header (with `?wait=`: the job as it is "
        "when the time runs out).",
    },
    200: {"model": JobOut, "description": "With `?wait=`: the finished job."},
    404: {
        "model": ErrorBody,
        "description": "No saved pipeline by that id or name, or (`?wait=`) the job "
        "was deleted while waiting.",
    },
    413: {"model": ErrorBody},
    422: {"model": ErrorBody},
    429: {"model": ErrorBody},
}
WaitParam = Annotated[
    float | None, Query(ge=0, description="Seconds to wait for the job to finish (capped).")
]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@router.post("", status_code=202, responses=CREATE_RESPONSES)
async def create_scrape(
    body: ScrapeRequest,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    wait: WaitParam = None,
) -> Response:
    """Queue a scrape of `url` with the fields of `schema`; answers 202 with the job id at once."""
    return await queue_request(body, body.url, request, db, settings, idempotency_key, wait)


@router.post("/batch", status_code=202, responses=CREATE_RESPONSES)
async def create_batch(
    body: BatchRequest,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    wait: WaitParam = None,
) -> Response:
    """Queue one job that scrapes each of `urls` as a scrape request says; a record per URL."""
    return await queue_request(body, body.label, request, db, settings, idempotency_key, wait)


async def queue_request(
    body: ScrapeRequest | BatchRequest | MapRequest,
    label: str,
    request: Request,
    db: Database,
    settings: Settings,
    idempotency_key: str | None,
    wait: float | None,
) -> Response:
    """A scrape, batch or map job, once its session (if it names one) is known to exist."""
    await require_session(db, body.session, "body.session")
    return await create_job(
        db=db,
        settings=settings,
        gauge=request.app.state.queue_gauge,
        caller=caller_of(request),
        job_type=body.job_type,
        payload=body.to_payload(),
        options=body,
        label=label,
        idempotency_key=idempotency_key,
        wait=wait,
    )


@router.get("/{job_id}", response_model=JobOut, responses=CACHED)
async def get_scrape(job_id: str, request: Request, db: DbDep) -> Response:
    """A scrape job (the same body as `GET /api/jobs/{job_id}`)."""
    return await polled_job_response(request, db, job_id, job_type_prefix="scrape.")
