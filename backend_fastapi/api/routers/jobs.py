"""`/api/jobs`: list, read (cheap for pollers), follow as server-sent events, read the whole request,
cancel, pause, resume, retry, delete, page or download records, and download the files a job wrote
(page captures)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import jobfiles
from backend_fastapi.api.auth import while_authorized
from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.downloads import MEDIA_TYPES, DownloadFormat, download_records
from backend_fastapi.api.errors import error_response
from backend_fastapi.api.job_bodies import JobBodies
from backend_fastapi.api.job_events import (
    EventHub,
    Filters,
    job_stream,
    jobs_stream,
    missed_rows,
    parse_event_id,
    stamp_of,
)
from backend_fastapi.api.openapi import Answers, error_answers
from backend_fastapi.api.responses import (
    PageCursor,
    PageLimit,
    RecordLimit,
    RecordOffset,
    file_content,
    model_response,
)
from backend_fastapi.errors import Conflict, NotFound
from backend_fastapi.jobtypes import RESUMABLE_TYPES, JobStatus
from backend_fastapi.schemas.jobs import JobOut, JobPage, RecordPage, RecordsOut, job_body
from backend_fastapi.schemas.responses import ErrorBody
from backend_fastapi.schemas.scrape import shown_request as shown_scrape_request
from backend_fastapi.store import delivery_rows, job_rows, jobqueue, record_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import DeliveryRow, JobRow, JsonObject
from backend_fastapi.store.tables import CANCELLED, FINISHED_STATUSES

router = APIRouter(prefix="/api/jobs", tags=["jobs"], route_class=CheckedJsonRoute)
NOT_FOUND = error_answers(404)
ERRORS = error_answers(404, 409)
CACHED: Answers = {
    **NOT_FOUND,
    304: {"description": "Not modified: the `ETag` sent as `If-None-Match` is still current."},
}
RESULTS: Answers = {
    **NOT_FOUND,
    200: {
        "description": "A page `{total, offset, limit, items}`; with `format` every record as a file "
        "(`format=json`: one JSON array of records).",
        "content": file_content(MEDIA_TYPES[f] for f in ("csv", "jsonl", "xlsx")),
    },
}
FILES: Answers = {
    **NOT_FOUND,
    200: {
        "description": "The file, with its media type.",
        "content": file_content(dict.fromkeys(jobfiles.MEDIA_TYPES.values())),
    },
}

EVENTS_BUSY_RETRY_SECONDS = 5
STREAM_BUSY: Answers = {
    503: {
        "model": ErrorBody,
        "description": "`EVENTS_MAX_STREAMS` event streams are open; retry after `Retry-After` seconds "
        "(or poll the job).",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    }
}
STREAM_TEXT = {"text/event-stream": {"schema": {"type": "string"}}}
JOB_EVENTS: Answers = {
    **NOT_FOUND,
    **STREAM_BUSY,
    200: {
        "description": "Events `status`, `progress` and, once the job is final, `finished` (then the "
        "stream ends); `deleted` when the job is deleted. Each `data:` is the job's body as a job "
        "list shows it; each `id:` resumes with `Last-Event-ID`. `: ping` comments keep the "
        "connection; a stream with no event for `EVENTS_IDLE_SECONDS` is closed.",
        "content": STREAM_TEXT,
    },
    204: {"description": "Nothing more will come: `Last-Event-ID` names the job's final event."},
}
JOBS_EVENTS: Answers = {
    **STREAM_BUSY,
    200: {
        "description": "An event per job change (`status`, or `finished` for a final status), oldest "
        "first, filtered like the job list; `Last-Event-ID` replays the changes after that event. "
        "`: ping` comments keep the connection; a stream with no event for `EVENTS_IDLE_SECONDS` "
        "is closed.",
        "content": STREAM_TEXT,
    },
}
LastEventId = Annotated[
    str | None,
    Header(max_length=200, description="The `id` of the last event received, to resume after it."),
]


class EventStream(StreamingResponse):
    media_type = "text/event-stream"


def event_hub(request: Request, db: Database) -> EventHub:
    """The API process's one watcher of job changes (made with the first stream)."""
    hub: EventHub | None = getattr(request.app.state, "event_hub", None)
    if hub is None:
        hub = EventHub(db, request.app.state.settings.EVENTS_MAX_STREAMS)
        request.app.state.event_hub = hub
    return hub


def streams_busy(hub: EventHub) -> Response:
    message = f"{hub.max_streams} event streams are open (EVENTS_MAX_STREAMS); retry later or poll the job."
    headers = {"Retry-After": str(EVENTS_BUSY_RETRY_SECONDS)}
    return error_response(503, "too_many_streams", message, {"max_streams": hub.max_streams}, headers)


def stream_headers() -> dict[str, str]:
    # `X-Accel-Buffering: no`: nginx would otherwise hold events back in its buffer.
    return {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def read_job(
    db: Database, job_id: str, *, detail: bool = False, job_type_prefix: str | None = None
) -> tuple[JobRow, list[DeliveryRow]]:
    """The job's row (and with `detail` its webhook deliveries), or 404 in the error shape (also
    for a job of another kind)."""

    async def read(conn: AsyncConnection) -> tuple[JobRow | None, list[DeliveryRow]]:
        row = await job_rows.get_job(conn, job_id)
        if row is None or not (detail and row.webhook):
            return row, []
        return row, await delivery_rows.webhook_attempts(conn, job_id)

    row, deliveries = await db.fetch(read)
    if row is None or (job_type_prefix and not row.type.startswith(job_type_prefix)):
        raise NotFound(f"No job with id {job_id!r}.", details={"job_id": job_id})
    return row, deliveries


async def load_job(db: Database, job_id: str) -> JobOut:
    """The job body (without the request and webhook), or 404 in the error shape."""
    row, _ = await read_job(db, job_id)
    return job_body(row)


async def polled_job_response(
    request: Request, db: Database, job_id: str, job_type_prefix: str | None = None
) -> Response:
    """The job's detail body with an ETag; 304 when the poller already has this version."""
    row, deliveries = await read_job(db, job_id, detail=True, job_type_prefix=job_type_prefix)
    bodies: JobBodies = request.app.state.job_bodies
    raw, etag = bodies.detail(row, deliveries)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(raw, media_type="application/json", headers=headers)


@router.get("", response_model=JobPage, summary="List jobs, newest first")
async def list_jobs(
    request: Request,
    db: DbDep,
    status: JobStatus | None = None,
    type: Annotated[str | None, Query(max_length=64)] = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Response:
    """Filter by status, type or name; pass `next_cursor` back as `cursor` for the next page."""
    rows = await db.fetch(
        lambda conn: job_rows.list_jobs(
            conn, status=status, job_type=type, name=name, limit=limit + 1, cursor=cursor
        )
    )
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    bodies: JobBodies = request.app.state.job_bodies
    return Response(bodies.page(rows[:limit], next_cursor), media_type="application/json")


@router.get(
    "/events", response_class=EventStream, responses=JOBS_EVENTS, summary="Follow every job's changes"
)
async def jobs_events(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    last_event_id: LastEventId = None,
    status: JobStatus | None = None,
    type: Annotated[str | None, Query(max_length=64)] = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Server-sent events of every job change from now on (or after `Last-Event-ID`), filtered by
    status, type or name."""
    filters = Filters(status, type, name)
    hub = event_hub(request, db)
    subscriber = hub.subscribe(None, filters)
    if subscriber is None:
        return streams_busy(hub)
    after = parse_event_id(last_event_id)
    try:
        missed = await missed_rows(db, after, filters) if after else []
    except BaseException:
        hub.unsubscribe(subscriber)
        raise
    stream = jobs_stream(hub, subscriber, missed, settings.EVENTS_IDLE_SECONDS)
    return EventStream(while_authorized(request, stream), headers=stream_headers())


@router.get("/{job_id}/events", response_class=EventStream, responses=JOB_EVENTS, summary="Follow one job")
async def job_events(
    job_id: str, request: Request, db: DbDep, settings: SettingsDep, last_event_id: LastEventId = None
) -> Response:
    """Server-sent events of one job until it is final; a reconnect with `Last-Event-ID` gets the
    state it missed, never one it has."""
    rows = await db.fetch(lambda conn: job_rows.job_summaries(conn, [job_id]))
    if not rows:
        raise NotFound(f"No job with id {job_id!r}.", details={"job_id": job_id})
    row = rows[0]
    after = parse_event_id(last_event_id)
    last_stamp = after[0] if after and after[1] == job_id else None
    if last_stamp == stamp_of(row) and row.status in FINISHED_STATUSES:
        return Response(status_code=204)
    hub = event_hub(request, db)
    subscriber = hub.subscribe(job_id)
    if subscriber is None:
        return streams_busy(hub)
    stream = job_stream(hub, subscriber, row, last_stamp, settings.EVENTS_IDLE_SECONDS)
    return EventStream(while_authorized(request, stream), headers=stream_headers())


@router.get("/{job_id}", response_model=JobOut, responses=CACHED)
async def get_job(job_id: str, request: Request, db: DbDep) -> Response:
    """One job; send the last `ETag` as `If-None-Match` to get a 304 while nothing changed."""
    return await polled_job_response(request, db, job_id)


@router.get("/{job_id}/request", response_model=JsonObject, responses=NOT_FOUND)
async def job_request(job_id: str, db: DbDep) -> Response:
    """The request as queued, whole: every URL of a batch (the job body shows the first few)."""
    row, _ = await read_job(db, job_id)
    return Response(orjson.dumps(shown_scrape_request(row.payload)), media_type="application/json")


@router.post("/{job_id}/cancel", response_model=JobOut, responses=ERRORS)
async def cancel_job(job_id: str, db: DbDep) -> Response:
    """Cancel a queued or paused job at once; a running one is stopped by its worker within seconds."""
    now = await db.now()
    status = await db.write(lambda c: jobqueue.cancel_job(c, job_id, now))
    if status is None:
        raise NotFound(f"No job with id {job_id!r}.", details={"job_id": job_id})
    if status in FINISHED_STATUSES and status != CANCELLED:
        raise Conflict(
            f"The job already finished ({status}); there is nothing to cancel.", details={"status": status}
        )
    return model_response(await load_job(db, job_id))


@router.post("/{job_id}/pause", status_code=202, response_model=JobOut, responses=ERRORS)
async def pause_job(job_id: str, db: DbDep) -> Response:
    """Pause a crawl: a queued one rests at once, a running one is stopped by its worker within
    seconds (status `paused`; `pause_requested` until then). What it stored is kept: `resume`
    continues from its frontier, fetching again only the pages in flight when it stopped."""
    now = await db.now()
    status = await db.write(lambda c: jobqueue.pause_job(c, job_id, now))
    if status is None:
        raise NotFound(f"No job with id {job_id!r}.", details={"job_id": job_id})
    job = await load_job(db, job_id)
    if job.type not in RESUMABLE_TYPES:
        raise Conflict(f"Only crawls can be paused; this job is a {job.type}.", details={"type": job.type})
    if job.cancel_requested:
        raise Conflict("The job is being cancelled.", details={"status": status})
    if status != JobStatus.PAUSED and not job.pause_requested:
        raise Conflict(
            f"Only queued or running jobs can be paused; this one is {status}.", details={"status": status}
        )
    return model_response(job, status_code=202)


@router.post("/{job_id}/resume", status_code=202, response_model=JobOut, responses=ERRORS)
async def resume_job(job_id: str, db: DbDep) -> Response:
    """Queue a paused job again where it stopped (or withdraw a pause not yet acted on)."""
    return await _queue_again(db, job_id, jobqueue.resume_job, "Only paused jobs can be resumed")


@router.post("/{job_id}/retry", status_code=202, response_model=JobOut, responses=ERRORS)
async def retry_job(job_id: str, db: DbDep) -> Response:
    """Queue a failed or cancelled job again, with a fresh set of attempts."""
    return await _queue_again(db, job_id, jobqueue.retry_job, "Only failed or cancelled jobs can be retried")


async def _queue_again(
    db: Database,
    job_id: str,
    change: Callable[[AsyncConnection, str, float], Awaitable[tuple[bool, str | None]]],
    only: str,
) -> Response:
    """Apply a queue change that puts a job back in the queue; 404 or 409 (`only`...) when it did not."""
    now = await db.now()
    queued, status = await db.write(lambda c: change(c, job_id, now))
    if status is None:
        raise NotFound(f"No job with id {job_id!r}.", details={"job_id": job_id})
    if not queued:
        raise Conflict(f"{only}; this one is {status}.", details={"status": status})
    return model_response(await load_job(db, job_id), status_code=202)


@router.delete("/{job_id}", status_code=204, responses=ERRORS)
async def delete_job(job_id: str, db: DbDep, settings: SettingsDep) -> Response:
    """Delete a job that is not running, with its records and files."""
    status = await db.write(lambda c: jobqueue.delete_job(c, job_id))
    if status is None:
        raise NotFound(f"No job with id {job_id!r}.", details={"job_id": job_id})
    if status == JobStatus.RUNNING:
        raise Conflict("The job is running; cancel it first.", details={"status": status})
    await asyncio.to_thread(jobfiles.remove_job_files, settings.files_dir, [job_id])
    return Response(status_code=204)


@router.get("/{job_id}/files/{name}", response_class=FileResponse, responses=FILES)
async def job_file(
    job_id: str,
    name: Annotated[str, Path(max_length=200, description="A name from the result's `files`.")],
    db: DbDep,
    settings: SettingsDep,
) -> FileResponse:
    """A file the job wrote (a screenshot, a PDF), as listed in its result's `files`."""
    await read_job(db, job_id)
    path = jobfiles.find_file(settings.files_dir, job_id, name)
    if path is None:
        raise NotFound(f"Job {job_id!r} has no file {name!r}.", details={"job_id": job_id, "name": name})
    return FileResponse(
        path,
        media_type=jobfiles.media_type_of(name),
        filename=name,
        content_disposition_type="inline",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/{job_id}/results", response_model=RecordsOut, responses=RESULTS)
async def job_results(
    job_id: str,
    db: DbDep,
    limit: RecordLimit = 100,
    offset: RecordOffset = 0,
    format: DownloadFormat | None = None,
    escape_formulas: Annotated[
        bool,
        Query(
            description="`format=csv` only: prefix a `'` to text cells that start with `=`, `+`, `-`, `@`, "
            "tab or carriage return (plain numbers such as `-5` excepted) and quote text cells, so "
            "spreadsheets never run them; `false` writes the values verbatim."
        ),
    ] = True,
) -> Response:
    """A page of the job's records, or all of them as a file with `format=csv|json|jsonl|xlsx`."""
    async with db.read() as conn:
        row = await job_rows.get_job(conn, job_id)
        if row is None:
            raise NotFound(f"No job with id {job_id!r}.", details={"job_id": job_id})
        if format is None:
            total = await record_rows.count_records(conn, job_id, row.attempts)
            items = await record_rows.page_records(conn, job_id, row.attempts, offset, limit)
    if format is not None:
        filename = re.sub(r"[^A-Za-z0-9._-]+", "-", row.name or f"job-{job_id[:8]}")
        return await download_records(
            db, job_id, row.attempts, format, filename, escape_formulas=escape_formulas
        )
    return model_response(RecordPage(total=total, offset=offset, limit=limit, items=items))
