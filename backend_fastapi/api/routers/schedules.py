"""`/api/schedules`: queue a scrape or a pipeline run at cron times; workers fire them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import scheduling
from backend_fastapi.api.auth import CallerDep, over_daily_quota, quota_exceeded
from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.openapi import error_answers
from backend_fastapi.api.responses import model_response
from backend_fastapi.api.routers.sessions import require_session
from backend_fastapi.errors import Conflict, InvalidRequest, NotFound
from backend_fastapi.jobtypes import JobStatus
from backend_fastapi.schemas.pipeline import PipelineRunRequest
from backend_fastapi.schemas.responses import (
    JobCreated,
    ScheduleOut,
    SchedulePage,
    schedule_body,
)
from backend_fastapi.schemas.schedule import ScheduleIn
from backend_fastapi.schemas.scrape import ScrapeRequest
from backend_fastapi.store import catalog, schedule_rows
from backend_fastapi.store.engine import Database

router = APIRouter(prefix="/api/schedules", tags=["schedules"], route_class=CheckedJsonRoute)
NOT_FOUND = error_answers(404)


async def _load(db: Database, ref: str) -> ScheduleOut:
    async with db.read() as conn:
        row = await schedule_rows.find(conn, ref)
        if row is None:
            raise NotFound(f"No schedule with id or name {ref!r}.", details={"schedule_id": ref})
        return schedule_body(row, await schedule_rows.job_status(conn, row.last_job_id))


async def _job_json(db: Database, body: ScheduleIn) -> dict[str, Any]:
    """The job as stored: a saved pipeline is referred to by its id, which must exist (and a
    scrape's session)."""
    job = body.job_json()
    if isinstance(body.job, ScrapeRequest):
        await require_session(db, body.job.session, "body.job.session")
    if isinstance(body.job, PipelineRunRequest) and body.job.pipeline_id is not None:
        pipeline_ref = body.job.pipeline_id
        row = await db.fetch(lambda conn: catalog.find_pipeline(conn, pipeline_ref))
        if row is None:
            raise InvalidRequest(
                f"No saved pipeline with id or name {body.job.pipeline_id!r}.",
                details=[
                    {"field": "body.job.pipeline_id", "message": "no such pipeline", "type": "not_found"}
                ],
            )
        if body.job.source is None and not (row.definition or {}).get("source"):
            raise InvalidRequest(
                f"The pipeline {row.name!r} has no source of its own: give 'job.source'.",
                details=[
                    {"field": "body.job.source", "message": "required for this pipeline", "type": "missing"}
                ],
            )
        job["pipeline_id"] = row.id
    return job


def _name_conflict(name: str) -> Conflict:
    return Conflict(f"A schedule named {name!r} already exists.", details={"name": name})


@router.post("", status_code=201, response_model=ScheduleOut, responses=error_answers(404, 409, 422))
async def create_schedule(body: ScheduleIn, db: DbDep) -> Response:
    """Create a schedule; its first run is the next cron time from now (none while disabled)."""
    job = await _job_json(db, body)
    now = await db.now()
    next_run = scheduling.next_run_after(body.cron, body.timezone, now) if body.enabled else None
    values = {
        "name": body.name,
        "cron": body.cron,
        "timezone": body.timezone,
        "job": job,
        "enabled": body.enabled,
        "next_run_at": next_run,
    }

    async def insert(conn: AsyncConnection) -> str | None:
        if await schedule_rows.name_taken(conn, body.name):
            return None
        return await schedule_rows.insert(conn, values, now)

    try:
        schedule_id = await db.write(insert)
    except IntegrityError:  # a concurrent create of the same name on PostgreSQL
        schedule_id = None
    if schedule_id is None:
        raise _name_conflict(body.name)
    return model_response(await _load(db, schedule_id), 201, {"Location": f"/api/schedules/{schedule_id}"})


@router.get("", response_model=SchedulePage)
async def list_schedules(db: DbDep) -> Response:
    """Every schedule, by name, with its next and last run."""
    async with db.read() as conn:
        rows = await schedule_rows.list_all(conn)
        items = [schedule_body(row, await schedule_rows.job_status(conn, row.last_job_id)) for row in rows]
    return model_response(SchedulePage(items=items))


@router.get("/{ref}", response_model=ScheduleOut, responses=NOT_FOUND)
async def get_schedule(ref: str, db: DbDep) -> Response:
    """A schedule by id or name."""
    return model_response(await _load(db, ref))


@router.put("/{ref}", response_model=ScheduleOut, responses=error_answers(404, 409, 422))
async def replace_schedule(ref: str, body: ScheduleIn, db: DbDep) -> Response:
    """Replace a schedule; a new cron, time zone or enabling computes the next run from now."""
    job = await _job_json(db, body)
    now = await db.now()

    async def change(conn: AsyncConnection) -> str:
        row = await schedule_rows.find(conn, ref)
        if row is None:
            return "missing"
        if await schedule_rows.name_taken(conn, body.name, except_id=row.id):
            return "taken"
        timing_changed = (row.cron, row.timezone, bool(row.enabled)) != (
            body.cron,
            body.timezone,
            body.enabled,
        )
        next_run = row.next_run_at
        if not body.enabled:
            next_run = None
        elif timing_changed or next_run is None:
            next_run = scheduling.next_run_after(body.cron, body.timezone, now)
        values = {
            "name": body.name,
            "cron": body.cron,
            "timezone": body.timezone,
            "job": job,
            "enabled": body.enabled,
            "next_run_at": next_run,
        }
        await schedule_rows.update(conn, row.id, values, now)
        return str(row.id)

    try:
        outcome = await db.write(change)
    except IntegrityError:
        outcome = "taken"
    if outcome == "missing":
        raise NotFound(f"No schedule with id or name {ref!r}.", details={"schedule_id": ref})
    if outcome == "taken":
        raise _name_conflict(body.name)
    return model_response(await _load(db, outcome))


@router.delete("/{ref}", status_code=204, responses=NOT_FOUND)
async def delete_schedule(ref: str, db: DbDep) -> Response:
    """Delete a schedule; jobs it queued stay."""

    async def remove(conn: AsyncConnection) -> bool:
        row = await schedule_rows.find(conn, ref)
        return row is not None and await schedule_rows.delete(conn, row.id)

    if not await db.write(remove):
        raise NotFound(f"No schedule with id or name {ref!r}.", details={"schedule_id": ref})
    return Response(status_code=204)


@router.post("/{ref}/run", status_code=202, response_model=JobCreated, responses=error_answers(404, 409))
async def run_schedule_now(ref: str, db: DbDep, settings: SettingsDep, caller: CallerDep) -> Response:
    """Queue the schedule's job now (its next cron time stays); 409 while its last run is active."""
    now = await db.now()

    async def trigger(conn: AsyncConnection) -> tuple[str, str | None]:
        row = await schedule_rows.find(conn, ref)
        if row is None:
            return "missing", None
        if await over_daily_quota(conn, caller, now):
            return "quota", None
        return "ok", await scheduling.run_now(conn, row, now, settings, caller.name)

    outcome, job_id = await db.write(trigger)
    if outcome == "missing":
        raise NotFound(f"No schedule with id or name {ref!r}.", details={"schedule_id": ref})
    if outcome == "quota":
        raise quota_exceeded(caller, now)
    if job_id is None:
        raise Conflict("The schedule's last run is still queued or running.")
    created = JobCreated(job_id=job_id, status=JobStatus.QUEUED)
    return model_response(created, 202, {"Location": f"/api/jobs/{job_id}"})
