"""The job body the API returns, the webhook delivers and the CLI prints, and pages of records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypedDict, cast, get_args

from pydantic import Discriminator, Field, Tag

from backend_fastapi.jobtypes import JobStatus, JobType
from backend_fastapi.schemas.common import WebhookEvent
from backend_fastapi.schemas.responses import ResponseModel, at, at_or_none
from backend_fastapi.schemas.results import (
    JobResult,
    RuleReport,
    StepReport,
    ValidationReport,
)
from backend_fastapi.schemas.scrape import shown_request as shown_scrape_request
from backend_fastapi.store.rows import DeliveryRow, JobRow, JobSummaryRow, JsonObject

BUILT_IN_TYPES = frozenset(JobType)
# A batch's request lists up to 10,000 URLs (~1 MB): the job body shows the first few and their
# count, so polling a batch costs what polling a page costs; `GET /api/jobs/{id}/request` has all.
REQUEST_URLS_SHOWN = 10


class JobError(ResponseModel):
    code: str
    message: str | None = None


class ScrapeProgress(ResponseModel):
    """A scrape's progress: pages of a crawl or a batch, URLs of a map, or a wait for memory before
    opening a browser."""

    pages_done: int | None = None
    pages_queued: int | None = None
    pages_total: int | None = Field(default=None, description="A batch's URLs.")
    records: int | None = None
    errors: int | None = None
    waiting_for_memory: bool | None = None
    memory_used_mb: int | None = None
    urls: int | None = Field(default=None, description="A map's URLs found so far.")
    sitemap_files: int | None = Field(default=None, description="A map's sitemap files read so far.")


class PipelineProgress(ResponseModel):
    """A pipeline's phase and how far it is; a failed run keeps the report of the steps that ran
    (`phase: failed`)."""

    phase: Literal["preparing", "reading", "step", "writing", "storing", "done", "failed"]
    rows_done: int | None = Field(
        default=None,
        description="Rows read so far (`reading`), the rows the step works on (`step`), rows "
        "written (`writing`) or stored on the job (`storing`).",
    )
    rows_total: int | None = Field(
        default=None, description="How many rows `rows_done` counts towards, where known."
    )
    steps_total: int | None = Field(default=None, description="The pipeline's steps.")
    rows_read: int | None = None
    step: int | None = Field(default=None, description="The step running (or failing), by index.")
    op: str | None = None
    rows: int | None = None
    format: str | None = None
    records: int | None = None
    steps: list[StepReport] | None = None
    validation: ValidationReport | None = None
    rules: list[RuleReport] | None = Field(default=None, description="The rules that failed the run.")
    url: str | None = Field(default=None, description="The source URL that could not be read.")


def _progress_kind(value: Any) -> str | None:
    if isinstance(value, (ScrapeProgress, PipelineProgress)):
        return "pipeline" if isinstance(value, PipelineProgress) else "scrape"
    if not isinstance(value, dict):
        return None
    return "pipeline" if "phase" in value else "scrape"


JobProgress = Annotated[
    Annotated[ScrapeProgress, Tag("scrape")] | Annotated[PipelineProgress, Tag("pipeline")],
    Discriminator(_progress_kind),
]
# A handler added with WORKER_HANDLERS (a plugin, for a new job type or in place of a built-in
# one) reports progress and results as it chooses: those pass through as JSON objects.
PluginObject = Annotated[
    JsonObject,
    Field(description="From a handler added with `WORKER_HANDLERS`: its own JSON object."),
]


class WebhookDelivery(ResponseModel):
    """One attempt to deliver the job's webhook."""

    delivery_id: str
    event: WebhookEvent
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: float | None
    at: str


class WebhookOut(ResponseModel):
    url: str
    events: list[WebhookEvent]
    deliveries: list[WebhookDelivery]


class JobOut(ResponseModel):
    """A job as pollers see it; `result` only once completed, `request` and `webhook` only when
    one job is read (not in lists), `retry_at` only while a failed attempt waits for its retry."""

    job_id: str
    type: str = Field(
        description="A built-in job type (`scrape.page`, ...) or one added with WORKER_HANDLERS."
    )
    status: JobStatus
    name: str | None = None
    label: str | None = None
    priority: int = 0
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    attempts: int
    max_attempts: int
    cancel_requested: bool = False
    pause_requested: bool = Field(
        default=False, description="A pause was asked for; the worker stops the job within seconds."
    )
    # Left to right: a built-in job's object is its model, found without trying the others.
    progress: JobProgress | PluginObject | None = Field(default=None, union_mode="left_to_right")
    error: JobError | None = None
    parent_id: str | None = Field(
        default=None, description="The job that queued this one (`then`, webhooks)."
    )
    schedule_id: str | None = Field(default=None, description="The schedule that queued this job.")
    created_by: str | None = Field(
        default=None,
        description="The name of the API key that queued the job (`API_KEY` for the bootstrap key); "
        "null when the API was open or a schedule, monitor or other job queued it.",
    )
    retry_at: str | None = Field(default=None, description="When the next attempt may start.")
    result: JobResult | PluginObject | None = Field(default=None, union_mode="left_to_right")
    # The job's payload as queued. It stays a JSON object: it is what the worker reads (checked
    # against the job type's payload model there), and jobs queued by earlier versions or by
    # plugins keep the shape they were queued with.
    request: JsonObject | None = Field(
        default=None,
        description=f"The request as queued. A batch of more than {REQUEST_URLS_SHOWN} URLs shows its "
        f"first {REQUEST_URLS_SHOWN} in `urls` and their number in `urls_total`; "
        "`GET /api/jobs/{job_id}/request` answers the whole request.",
    )
    webhook: WebhookOut | None = None


class JobPage(ResponseModel):
    items: list[JobOut]
    next_cursor: str | None = None


class RecordPage(ResponseModel):
    """A page of a job's records: each record is the user's own JSON object (schema fields)."""

    total: int
    offset: int
    limit: int
    items: list[JsonObject]


# `GET /api/jobs/{id}/results` in JSON: a page, or with `format=json` every record in one array.
RecordsOut = RecordPage | list[JsonObject]


class _Optional(TypedDict, total=False):
    """The keys of a job body that are absent unless they apply."""

    retry_at: str | None
    result: JsonObject | None
    request: JsonObject
    webhook: WebhookOut


_JOB_WEBHOOK_EVENTS = frozenset(get_args(WebhookEvent))


def shown_request(row: JobRow) -> JsonObject:
    """The request as a job body shows it: a long batch's `urls` cut to the first few, `urls_total`
    added (the whole list would be sent again on every poll)."""
    payload = shown_scrape_request(row.payload)
    urls = payload.get("urls")
    if row.type != JobType.SCRAPE_BATCH or not isinstance(urls, list) or len(urls) <= REQUEST_URLS_SHOWN:
        return payload
    return {**payload, "urls": urls[:REQUEST_URLS_SHOWN], "urls_total": len(urls)}


def job_body(
    row: JobRow | JobSummaryRow, *, detail: bool = False, deliveries: Sequence[DeliveryRow] = ()
) -> JobOut:
    """The body of one job; `detail` (a `JobRow`) adds the original request and webhook deliveries.

    Keys left unset here (`result`, `retry_at`, `request`, `webhook`) are absent from the answer:
    serialise with `exclude_unset=True` (`api.responses.model_response` does)."""
    extra: _Optional = {}
    if row.status == JobStatus.QUEUED and row.attempts:
        extra["retry_at"] = at_or_none(row.run_after)
    if row.status == JobStatus.COMPLETED:
        extra["result"] = row.result
    if detail and isinstance(row, JobRow):
        extra["request"] = shown_request(row)
        if row.webhook:
            extra["webhook"] = WebhookOut(
                url=row.webhook["url"],
                events=row.webhook["events"],
                deliveries=[
                    WebhookDelivery(
                        delivery_id=d.delivery_id,
                        event=cast(WebhookEvent, d.event),
                        attempt=d.attempt,
                        status_code=d.status_code,
                        error=d.error,
                        duration_ms=d.duration_ms,
                        at=at(d.created_at),
                    )
                    for d in deliveries
                    # The log also holds the monitor notifications of a check job (`monitor.change`...).
                    if d.event in _JOB_WEBHOOK_EVENTS
                ],
            )
    return JobOut(
        job_id=row.id,
        type=row.type,
        status=JobStatus(row.status),
        name=row.name,
        label=row.label,
        priority=row.priority,
        created_at=at(row.created_at),
        started_at=at_or_none(row.started_at),
        finished_at=at_or_none(row.finished_at),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        cancel_requested=bool(row.cancel_requested),
        pause_requested=bool(row.pause_requested),
        progress=row.progress,
        error=JobError(code=row.error_code, message=row.error_message) if row.error_code else None,
        parent_id=row.parent_id,
        schedule_id=row.schedule_id,
        created_by=row.created_by,
        **extra,
    )


__all__ = ["REQUEST_URLS_SHOWN", "JobOut", "JobPage", "RecordPage", "RecordsOut", "job_body", "shown_request"]
