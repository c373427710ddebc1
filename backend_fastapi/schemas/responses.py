"""What the API answers, besides jobs and files: errors, "job created", pipelines, schedules, health.

Every answer is a model with unknown keys forbidden, built from typed rows and serialised once
(`api.responses.model_response`); the OpenAPI document names these models, and a contract test
validates every answer against the document.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend_fastapi.jobtypes import JobStatus
from backend_fastapi.schemas.scrape import shown_request as shown_scrape_request
from backend_fastapi.store.rows import JsonObject, PipelineRow, ScheduleRow


@lru_cache(maxsize=4096)
def _second(whole: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))


def at(ts: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds and a `Z` (the same text as `common.iso`).

    A page of jobs formats four times per job: this costs a third of `datetime.isoformat`, and
    rounds as `datetime.fromtimestamp` does (to the microsecond, then cut to milliseconds)."""
    frac, whole = math.modf(ts)
    micros = round(frac * 1_000_000)
    seconds = int(whole)
    if micros >= 1_000_000:
        seconds += 1
        micros -= 1_000_000
    return f"{_second(seconds)}.{micros // 1000:03d}Z"


def at_or_none(ts: float | None) -> str | None:
    return None if ts is None else at(ts)


class ResponseModel(BaseModel):
    """An answer body: no key that the model does not declare."""

    model_config = ConfigDict(extra="forbid")


def model_json(model: BaseModel) -> bytes:
    """The model as JSON; keys a body builder left unset (optional keys such as a job's `result`
    before it completed) are absent, as the model's document says."""
    return model.model_dump_json(exclude_unset=True).encode()


# --- errors --------------------------------------------------------------------------------------


class FieldError(ResponseModel):
    """One failing field of a 422: where (`body.url`, `query.limit`), what, and pydantic's type."""

    field: str
    message: str
    type: str


class ErrorDetail(ResponseModel):
    code: str = Field(description="Stable, machine-readable: `not_found`, `validation_error`, ...")
    message: str
    # A 422 lists each failing field; other errors give facts by name (`{"job_id": ...}`).
    details: list[FieldError] | dict[str, Any] | None = None


class ErrorBody(ResponseModel):
    """The one shape of every 4xx/5xx answer."""

    error: ErrorDetail


# --- jobs ----------------------------------------------------------------------------------------


class JobCreated(ResponseModel):
    """The 202 answer to a job-creating request; poll the job at the `Location` header."""

    job_id: str
    status: JobStatus = Field(description="`queued`, or where a replayed request's job is now.")


# --- pipelines -----------------------------------------------------------------------------------


class PipelineOut(ResponseModel):
    pipeline_id: str
    name: str
    description: str | None = None
    # Stored as `PipelineIn` accepted it (validated when saved). Not validated again on each read:
    # that would run the URL guard and the expression checks per read, and a change of settings
    # (SCRAPE_ALLOW_HOSTS) would make a stored pipeline unreadable instead of failing its run.
    definition: JsonObject = Field(
        description="The definition as saved (the body of `POST /api/pipelines` without `name` and "
        "`description`, as accepted)."
    )
    created_at: str
    updated_at: str


class PipelinePage(ResponseModel):
    items: list[PipelineOut]
    next_cursor: str | None = None


def pipeline_body(row: PipelineRow) -> PipelineOut:
    """The answer for a saved pipeline."""
    return PipelineOut(
        pipeline_id=row.id,
        name=row.name,
        description=row.description,
        definition=row.definition,
        created_at=at(row.created_at),
        updated_at=at(row.updated_at),
    )


# --- schedules -----------------------------------------------------------------------------------


class LastJob(ResponseModel):
    job_id: str
    status: JobStatus | None = Field(description="None once the job was deleted.")


class ScheduleOut(ResponseModel):
    schedule_id: str
    name: str
    cron: str
    timezone: str
    # The scrape or pipeline-run request as accepted (validated when the schedule was saved); it
    # stays a JSON object here for the reason `PipelineOut.definition` does.
    job: JsonObject = Field(description="The job request as accepted, a saved pipeline by its id.")
    enabled: bool
    next_run_at: str | None
    last_run_at: str | None
    last_job: LastJob | None
    created_at: str
    updated_at: str


class SchedulePage(ResponseModel):
    items: list[ScheduleOut]


def schedule_body(row: ScheduleRow, last_status: str | None) -> ScheduleOut:
    """The answer for a schedule, with its next and last run."""
    last_job = None
    if row.last_job_id:
        last_job = LastJob(job_id=row.last_job_id, status=JobStatus(last_status) if last_status else None)
    return ScheduleOut(
        schedule_id=row.id,
        name=row.name,
        cron=row.cron,
        timezone=row.timezone,
        job=shown_scrape_request(row.job),
        enabled=bool(row.enabled),
        next_run_at=at_or_none(row.next_run_at),
        last_run_at=at_or_none(row.last_run_at),
        last_job=last_job,
        created_at=at(row.created_at),
        updated_at=at(row.updated_at),
    )


# --- health --------------------------------------------------------------------------------------


class DatabaseHealth(ResponseModel):
    status: Literal["ok"]
    dialect: str


class DatabaseDown(ResponseModel):
    status: Literal["error"]
    dialect: str
    error: str = Field(description="The exception's class name (details are in the API's log).")


class WorkerOut(ResponseModel):
    """A live worker (listed only with the API key, or when none is configured)."""

    id: str
    hostname: str
    pid: int
    concurrency: int
    running: int
    version: str
    started_at: str
    last_heartbeat: str
    capabilities: dict[str, str] | None = Field(
        description='Per kind: `"ok"` or why not; null until the start-up check finished.'
    )


class WorkersHealth(ResponseModel):
    alive: int
    slots: int
    running: int
    items: list[WorkerOut] | None = Field(default=None, description="Only with the API key.")


class CapabilityHealth(ResponseModel):
    """One kind of job (`static`, `browser`, `pipeline`) over the live workers."""

    available: int
    unavailable: int
    checking: int = Field(description="Live workers whose start-up check has not finished.")
    status: Literal["ok", "partial", "unavailable"]
    reason: str | None = Field(default=None, description="The commonest reason, unless `ok`.")


class QueueCounts(ResponseModel):
    queued: int
    running: int
    completed: int
    failed: int
    cancelled: int
    paused: int = 0


class Limits(ResponseModel):
    max_queued_jobs: int


class Features(ResponseModel):
    """What the operator turned on that requests may use."""

    script_actions: bool = Field(
        description="`evaluate` actions (a request's own JavaScript) are accepted: ALLOW_SCRIPT_ACTIONS=true."
    )


class ProxyOut(ResponseModel):
    """One proxy of PROXY_URLS over the live workers that used it (each keeps its own count)."""

    proxy: str = Field(description="The proxy's URL, its password shown as `***`.")
    state: Literal["ok", "cooling"] = Field(
        description="`cooling`: resting after a failure or a ban on at least one worker."
    )
    requests: int
    failures: int
    last_error: str | None = None
    cooling_until: str | None = Field(default=None, description="When the last worker's rest ends.")


class ProxiesHealth(ResponseModel):
    """The operator's proxies (PROXY_URLS) as the workers found them."""

    total: int
    cooling: int
    items: list[ProxyOut] | None = Field(default=None, description="Only with the API key.")


class HealthOut(ResponseModel):
    """The service is up: database, live workers, what they can run, queue depth by status."""

    status: Literal["ok"]
    version: str
    database: DatabaseHealth
    workers: WorkersHealth
    capabilities: dict[str, CapabilityHealth]
    problems: list[str] = Field(description="One line per kind some live worker cannot run.")
    queue: QueueCounts
    limits: Limits
    features: Features
    proxies: ProxiesHealth | None = Field(
        default=None, description="Present once a worker has sent requests through PROXY_URLS."
    )


class HealthDown(ResponseModel):
    """503: the database cannot be read."""

    status: Literal["error"]
    version: str
    database: DatabaseDown
