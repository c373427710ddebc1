"""`/api/pipelines` (saved definitions, previews) and `/api/pipeline/run` (queue a pipeline job).

Definitions are validated here, in full, before anything is stored or queued; the pipeline runs
in the worker (`pipeline.run`, `pipeline.preview` jobs), never in this process.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.api.auth import caller_of
from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.job_creation import create_job
from backend_fastapi.api.openapi import error_answers
from backend_fastapi.api.responses import PageCursor, PageLimit, model_response, page_response
from backend_fastapi.api.routers.scrape import CREATE_RESPONSES, IdempotencyKey, WaitParam
from backend_fastapi.errors import Conflict, InvalidRequest, NotFound
from backend_fastapi.jobtypes import JobType
from backend_fastapi.schemas.pipeline import (
    PipelineIn,
    PipelinePayload,
    PipelinePreviewRequest,
    PipelineRunRequest,
)
from backend_fastapi.schemas.responses import PipelineOut, PipelinePage, pipeline_body
from backend_fastapi.store import catalog
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import PipelineRow

router = APIRouter(prefix="/api", tags=["pipelines"], route_class=CheckedJsonRoute)
SAVED = error_answers(404)

PipelineRequest = PipelineRunRequest | PipelinePreviewRequest


async def _saved(db: Database, ref: str) -> PipelineRow:
    row = await db.fetch(lambda conn: catalog.find_pipeline(conn, ref))
    if row is None:
        raise NotFound(f"No saved pipeline with id or name {ref!r}.", details={"pipeline_id": ref})
    return row


async def _job_for(db: Database, body: PipelineRequest) -> tuple[PipelinePayload, str, str | None]:
    """The job's payload, label and default name; a saved pipeline is referred to by its id."""
    if body.pipeline_id is not None:
        row = await _saved(db, body.pipeline_id)
        if body.source is None and not (row.definition or {}).get("source"):
            raise InvalidRequest(
                f"The pipeline {row.name!r} has no source of its own: give 'source' with the run.",
                details=[
                    {"field": "body.source", "message": "required for this pipeline", "type": "missing"}
                ],
            )
        return body.model_copy(update={"pipeline_id": row.id}).to_payload(), row.id, row.name
    assert body.pipeline is not None
    name = body.pipeline.name
    return body.to_payload(), name or "inline pipeline", name


@router.post("/pipeline/run", status_code=202, responses=CREATE_RESPONSES)
async def run_pipeline(
    body: PipelineRunRequest,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    wait: WaitParam = None,
) -> Response:
    """Run a saved pipeline (`pipeline_id`: its id or name) or an inline one (`pipeline`) as a job.

    The job is named after the pipeline unless the request names it, so `latest` sources find
    its result; `source` replaces the pipeline's own source for this run.
    """
    payload, label, name = await _job_for(db, body)
    options = body if body.name or name is None else body.model_copy(update={"name": name})
    return await create_job(
        db=db,
        settings=settings,
        gauge=request.app.state.queue_gauge,
        caller=caller_of(request),
        job_type=JobType.PIPELINE_RUN,
        payload=payload,
        options=options,
        label=label,
        idempotency_key=idempotency_key,
        wait=wait,
    )


@router.post("/pipelines/preview", status_code=202, responses=CREATE_RESPONSES)
async def preview_pipeline(
    body: PipelinePreviewRequest,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    wait: WaitParam = None,
) -> Response:
    """Run the steps on the first `rows` rows of the source in the worker; writes no file.

    With `?wait=N` the answer is the finished job, whose `result` holds `preview_rows`, the
    `columns` and the per-step report.
    """
    payload, label, _ = await _job_for(db, body)
    return await create_job(
        db=db,
        settings=settings,
        gauge=request.app.state.queue_gauge,
        caller=caller_of(request),
        job_type=JobType.PIPELINE_PREVIEW,
        payload=payload,
        options=body,
        label=label,
        idempotency_key=idempotency_key,
        wait=wait,
    )


@router.post(
    "/pipelines", status_code=201, response_model=PipelineOut, responses=error_answers(404, 409, 422)
)
async def create_pipeline(body: PipelineIn, db: DbDep) -> Response:
    """Save a pipeline definition under a unique name."""
    now = await db.now()
    try:
        pipeline_id = await db.write(
            lambda c: catalog.insert_pipeline(c, body.name, body.description, body.to_json(), now)
        )
    except catalog.NameTaken as exc:
        raise Conflict(
            f"A pipeline named {body.name!r} already exists.", details={"name": body.name}
        ) from exc
    row = await _saved(db, pipeline_id)
    return model_response(pipeline_body(row), 201, {"Location": f"/api/pipelines/{pipeline_id}"})


@router.get("/pipelines", response_model=PipelinePage)
async def list_pipelines(
    db: DbDep,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Response:
    """Saved pipelines, newest first; pass `next_cursor` back as `cursor` for the next page."""
    rows = await db.fetch(lambda conn: catalog.list_pipelines(conn, limit + 1, cursor))
    return page_response(rows, limit, pipeline_body, PipelinePage)


@router.get("/pipelines/{ref}", response_model=PipelineOut, responses=SAVED)
async def get_pipeline(ref: str, db: DbDep) -> Response:
    """A saved pipeline by id or name."""
    return model_response(pipeline_body(await _saved(db, ref)))


@router.put("/pipelines/{ref}", response_model=PipelineOut, responses=error_answers(404, 409, 422))
async def replace_pipeline(ref: str, body: PipelineIn, db: DbDep) -> Response:
    """Replace a saved pipeline's definition (its id stays; the name may change)."""
    row = await _saved(db, ref)
    now = await db.now()
    try:
        updated = await db.write(
            lambda c: catalog.update_pipeline(c, row.id, body.name, body.description, body.to_json(), now)
        )
    except catalog.NameTaken as exc:
        raise Conflict(
            f"A pipeline named {body.name!r} already exists.", details={"name": body.name}
        ) from exc
    if not updated:
        raise NotFound(f"No saved pipeline with id or name {ref!r}.", details={"pipeline_id": ref})
    return model_response(pipeline_body(await _saved(db, row.id)))


@router.delete("/pipelines/{ref}", status_code=204, responses=error_answers(404, 409))
async def delete_pipeline(ref: str, db: DbDep) -> Response:
    """Delete a saved pipeline (not while a schedule runs it); its runs and exports stay."""
    row = await _saved(db, ref)

    async def remove(conn: AsyncConnection) -> list[str]:
        users = await catalog.schedules_running(conn, row.id)
        if not users:
            await catalog.delete_pipeline(conn, row.id)
        return users

    users = await db.write(remove)
    if users:
        raise Conflict(
            f"The pipeline is run by the schedules {', '.join(users)}; delete or change them first.",
            details={"schedules": users},
        )
    return Response(status_code=204)
