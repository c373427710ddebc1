"""`/api/pipeline/run`: queue a pipeline job."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.job_creation import create_job
from backend_fastapi.api.routers.scrape import CREATE_RESPONSES, IdempotencyKey, WaitParam
from backend_fastapi.schemas.pipeline import PIPELINE_RUN, PipelineRunRequest

router = APIRouter(prefix="/api", tags=["pipelines"])


@router.post("/pipeline/run", status_code=202, responses=CREATE_RESPONSES)
async def run_pipeline(
    body: PipelineRunRequest,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    wait: WaitParam = None,
) -> Response:
    """Run a saved pipeline (`pipeline_id`) or an inline definition (`pipeline`) as a job."""
    label = body.pipeline_id or str((body.pipeline or {}).get("name", "inline pipeline"))
    return await create_job(
        db=db,
        settings=settings,
        gauge=request.app.state.queue_gauge,
        job_type=PIPELINE_RUN,
        payload=body.to_payload(),
        options=body,
        label=label,
        idempotency_key=idempotency_key,
        wait=wait,
    )
