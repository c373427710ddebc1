"""The job types of DataOps: their names and statuses, spelled once, and one registry.

Each type declares the request that creates it, the payload its handler receives (validated once,
by the worker), its handler as a `"module:function"` string (imported by the worker on the first
job of the type, so this module stays light enough for the API), a label, and the jobs its finish
queues. `build_job` turns a validated request into the store's `NewJob` for the API and the
scheduler alike; `follow_ups` is what `store.jobqueue` queues, in the transaction that finished a
job, without knowing what a pipeline or a webhook is.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, cast

import orjson

from backend_fastapi.ids import new_id

if TYPE_CHECKING:
    from pydantic import BaseModel

    from backend_fastapi.schemas.common import JobOptionsIn, JobPayload
    from backend_fastapi.settings import Settings


class JobType(StrEnum):
    """What a job does; the value is stored in `jobs.type` and names the handler."""

    SCRAPE_PAGE = "scrape.page"
    SCRAPE_CRAWL = "scrape.crawl"
    SCRAPE_BATCH = "scrape.batch"
    SCRAPE_MAP = "scrape.map"
    PIPELINE_RUN = "pipeline.run"
    PIPELINE_PREVIEW = "pipeline.preview"
    WEBHOOK_DELIVER = "webhook.deliver"
    MONITOR_COMPARE = "monitor.compare"
    MONITOR_NOTIFY = "monitor.notify"


class JobStatus(StrEnum):
    """Where a job is in its life; only `store/jobqueue.py` writes it."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # A resumable job (a crawl) stopped on request; `resume` queues it again where it stopped.
    PAUSED = "paused"


# Tuples, not sets: their order is the order of the literal SQL `store.tables.status_is` writes.
FINISHED_STATUSES: tuple[JobStatus, ...] = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
ACTIVE_STATUSES: tuple[JobStatus, ...] = (JobStatus.QUEUED, JobStatus.RUNNING)
# Not finished: a paused job still holds its place (a schedule does not start another run beside it).
UNFINISHED_STATUSES: tuple[JobStatus, ...] = (*ACTIVE_STATUSES, JobStatus.PAUSED)
STATUSES: tuple[JobStatus, ...] = tuple(JobStatus)

# A webhook delivery is a job of its own, ahead of other work, retried with the queue's backoff.
WEBHOOK_MAX_ATTEMPTS = 5
WEBHOOK_TIMEOUT_SECONDS = 60.0
WEBHOOK_PRIORITY = 10
DEFAULT_WEBHOOK_EVENTS: tuple[str, ...] = (JobStatus.COMPLETED, JobStatus.FAILED)


@dataclass
class NewJob:
    """What a producer asks for; `store.jobqueue.enqueue` fills in the bookkeeping columns."""

    type: str
    payload: dict[str, Any]
    max_attempts: int
    timeout_seconds: float
    priority: int = 0
    name: str | None = None
    label: str | None = None
    webhook: dict[str, Any] | None = None
    idempotency_key: str | None = None
    request_hash: str | None = None
    parent_id: str | None = None
    schedule_id: str | None = None
    delay_seconds: float = 0.0
    # The name of the API key that asked for the job (None: an open API, a schedule, a follow-up).
    created_by: str | None = None
    id: str = field(default_factory=new_id)


class FinishedJob(Protocol):
    """The columns of a job that just finished (a row `store.jobqueue` read back)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def payload(self) -> object: ...
    @property
    def webhook(self) -> Mapping[str, Any] | None: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def timeout_seconds(self) -> float: ...


FollowUps = Callable[[FinishedJob], list[NewJob]]


@dataclass(frozen=True)
class JobTypeSpec:
    """One job type: what creates it, what its handler gets, where the handler is, what follows."""

    type: JobType
    label: str
    # Named, not imported ("module:function", "module:class"): each is imported when first needed,
    # so the store, which imports this module, stays clear of the handlers and the request models.
    handler: str
    payload: str
    request: str | None = None
    follow_ups: FollowUps | None = None
    # Its handler stores its progress (a crawl's frontier), so a pause loses little: only such jobs
    # can be paused.
    resumable: bool = False


def _then(job: FinishedJob) -> list[NewJob]:
    """A completed scrape with `then` runs that pipeline on its records."""
    payload = job.payload
    then = payload.get("then") if job.status == JobStatus.COMPLETED and isinstance(payload, dict) else None
    if not isinstance(then, dict) or not then:
        return []
    # The payload of `schemas.pipeline.PipelinePayload`, written as JSON: the store's
    # transaction does not validate what it queues (the worker does, once).
    return [
        NewJob(
            type=JobType.PIPELINE_RUN.value,
            payload={**then, "source": {"type": "job", "job_id": job.id}},
            max_attempts=job.max_attempts,
            timeout_seconds=job.timeout_seconds,
            label=then.get("pipeline_id"),
            parent_id=job.id,
        )
    ]


# Comparing a check is quick and must not wait behind a backlog of scrapes; it retries on a crash.
MONITOR_COMPARE_ATTEMPTS = 5
MONITOR_COMPARE_TIMEOUT_SECONDS = 300.0
MONITOR_PRIORITY = 5


def _monitor_check(job: FinishedJob) -> list[NewJob]:
    """A finished check of a monitor (completed or not) is compared with its snapshot."""
    payload = job.payload
    monitor_id = payload.get("monitor_id") if isinstance(payload, dict) else None
    if not isinstance(monitor_id, str):
        return []
    return [
        NewJob(
            type=JobType.MONITOR_COMPARE.value,
            payload={"monitor_id": monitor_id, "job_id": job.id},
            max_attempts=MONITOR_COMPARE_ATTEMPTS,
            timeout_seconds=MONITOR_COMPARE_TIMEOUT_SECONDS,
            priority=MONITOR_PRIORITY,
            label=monitor_id,
            parent_id=job.id,
        )
    ]


def _after_scrape(job: FinishedJob) -> list[NewJob]:
    return _then(job) + _monitor_check(job)


JOB_TYPES: Mapping[str, JobTypeSpec] = {
    # Plain strings as keys: these maps are merged with plugins' types and serialised (orjson takes
    # only exact `str` keys), and a merged dict keeps the first key object it saw.
    spec.type.value: spec
    for spec in (
        JobTypeSpec(
            JobType.SCRAPE_PAGE,
            "Scrape a page",
            "backend_fastapi.scraping.handler:run_scrape_job",
            payload="backend_fastapi.schemas.scrape:ScrapePayload",
            request="backend_fastapi.schemas.scrape:ScrapeRequest",
            follow_ups=_after_scrape,
        ),
        JobTypeSpec(
            JobType.SCRAPE_CRAWL,
            "Crawl a site",
            "backend_fastapi.scraping.handler:run_scrape_job",
            payload="backend_fastapi.schemas.scrape:ScrapePayload",
            request="backend_fastapi.schemas.scrape:ScrapeRequest",
            follow_ups=_after_scrape,
            resumable=True,
        ),
        JobTypeSpec(
            JobType.SCRAPE_BATCH,
            "Scrape a batch of URLs",
            "backend_fastapi.scraping.batch:run_batch_job",
            payload="backend_fastapi.schemas.batch:BatchPayload",
            request="backend_fastapi.schemas.batch:BatchRequest",
            follow_ups=_then,
        ),
        JobTypeSpec(
            JobType.SCRAPE_MAP,
            "Map a site's URLs",
            "backend_fastapi.scraping.sitemap_job:run_map_job",
            payload="backend_fastapi.schemas.map:MapPayload",
            request="backend_fastapi.schemas.map:MapRequest",
        ),
        JobTypeSpec(
            JobType.PIPELINE_RUN,
            "Run a pipeline",
            "backend_fastapi.pipelines.handler:run_pipeline_job",
            payload="backend_fastapi.schemas.pipeline:PipelinePayload",
            request="backend_fastapi.schemas.pipeline:PipelineRunRequest",
        ),
        JobTypeSpec(
            JobType.PIPELINE_PREVIEW,
            "Preview a pipeline",
            "backend_fastapi.pipelines.handler:run_preview_job",
            payload="backend_fastapi.schemas.pipeline:PipelinePreviewPayload",
            request="backend_fastapi.schemas.pipeline:PipelinePreviewRequest",
        ),
        JobTypeSpec(
            JobType.WEBHOOK_DELIVER,
            "Deliver a webhook",
            "backend_fastapi.worker.webhooks:deliver_webhook",
            payload="backend_fastapi.schemas.common:WebhookPayload",
        ),
        JobTypeSpec(
            JobType.MONITOR_COMPARE,
            "Compare a monitor's check",
            "backend_fastapi.monitors.compare:run_monitor_compare",
            payload="backend_fastapi.schemas.monitors:MonitorComparePayload",
        ),
        JobTypeSpec(
            JobType.MONITOR_NOTIFY,
            "Send a monitor's notification",
            "backend_fastapi.monitors.notify:run_monitor_notify",
            payload="backend_fastapi.schemas.monitor_notify:MonitorNotifyPayload",
        ),
    )
}
BUILTIN_HANDLERS: Mapping[str, str] = {name: spec.handler for name, spec in JOB_TYPES.items()}
RESUMABLE_TYPES: tuple[str, ...] = tuple(name for name, spec in JOB_TYPES.items() if spec.resumable)


def load_object(path: str) -> Any:
    """Import `module:attribute` (scrapy's `load_object`, with a colon)."""
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@cache
def payload_model(job_type: str) -> type[JobPayload] | None:
    """The payload model of a built-in job type (None for other types)."""
    spec = JOB_TYPES.get(job_type)
    return None if spec is None else cast("type[JobPayload]", load_object(spec.payload))


@cache
def request_model(job_type: str) -> type[BaseModel] | None:
    """The request model that creates jobs of a built-in type (None for internal and other types)."""
    spec = JOB_TYPES.get(job_type)
    return (
        None if spec is None or spec.request is None else cast("type[BaseModel]", load_object(spec.request))
    )


def follow_ups(job: FinishedJob) -> list[NewJob]:
    """The jobs a finished job queues: its webhook delivery, and what its type chains after it."""
    queued: list[NewJob] = []
    webhook = job.webhook
    if webhook and job.status in webhook.get("events", DEFAULT_WEBHOOK_EVENTS):
        queued.append(
            NewJob(
                type=JobType.WEBHOOK_DELIVER.value,
                # `schemas.common.WebhookPayload`, as JSON.
                payload={
                    "job_id": job.id,
                    "event": job.status,
                    "url": webhook["url"],
                    "delivery_id": new_id(),
                },
                max_attempts=WEBHOOK_MAX_ATTEMPTS,
                timeout_seconds=WEBHOOK_TIMEOUT_SECONDS,
                priority=WEBHOOK_PRIORITY,
                label=webhook["url"],
                parent_id=job.id,
            )
        )
    spec = JOB_TYPES.get(job.type)
    if spec is not None and spec.follow_ups is not None:
        queued.extend(spec.follow_ups(job))
    return queued


def request_hash(job_type: str, payload: dict[str, Any], options: JobOptionsIn) -> str:
    """What an idempotency key is bound to: the same key with another request is a conflict."""
    canonical = orjson.dumps(
        {"type": job_type, "payload": payload, "options": options.model_dump(mode="json")},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def build_job(
    job_type: JobType,
    payload: JobPayload,
    options: JobOptionsIn,
    settings: Settings,
    *,
    label: str | None,
    name: str | None = None,
    idempotency_key: str | None = None,
    schedule_id: str | None = None,
    created_by: str | None = None,
) -> NewJob:
    """The job a validated request queues, with the settings' defaults for what it leaves out."""
    stored = payload.to_json()
    timeout = min(options.timeout_seconds or settings.JOB_TIMEOUT_SECONDS, settings.JOB_TIMEOUT_MAX_SECONDS)
    return NewJob(
        type=job_type.value,
        payload=stored,
        max_attempts=options.max_attempts or settings.JOB_MAX_ATTEMPTS,
        timeout_seconds=timeout,
        priority=options.priority,
        name=name if name is not None else options.name,
        label=label,
        webhook=options.webhook.model_dump(mode="json") if options.webhook else None,
        idempotency_key=idempotency_key,
        request_hash=request_hash(job_type, stored, options) if idempotency_key is not None else None,
        schedule_id=schedule_id,
        created_by=created_by,
    )
