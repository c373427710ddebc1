"""The job types and statuses of DataOps, spelled once."""

from __future__ import annotations

from enum import StrEnum


class JobType(StrEnum):
    """What a job does; the value is stored in `jobs.type` and names the handler."""

    SCRAPE_PAGE = "scrape.page"
    SCRAPE_CRAWL = "scrape.crawl"
    PIPELINE_RUN = "pipeline.run"
    PIPELINE_PREVIEW = "pipeline.preview"
    WEBHOOK_DELIVER = "webhook.deliver"


class JobStatus(StrEnum):
    """Where a job is in its life; only `store/jobqueue.py` writes it."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


# Tuples, not sets: their order is the order of the literal SQL `store.tables.status_is` writes.
FINISHED_STATUSES: tuple[JobStatus, ...] = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
ACTIVE_STATUSES: tuple[JobStatus, ...] = (JobStatus.QUEUED, JobStatus.RUNNING)
STATUSES: tuple[JobStatus, ...] = tuple(JobStatus)
