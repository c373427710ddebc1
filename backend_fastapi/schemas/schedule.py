"""`/api/schedules`: a cron time, a time zone and the job to queue (a scrape or a pipeline run)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Discriminator, Field, Tag, TypeAdapter, field_validator, model_validator

from backend_fastapi.schemas.common import NAME_PATTERN, StrictModel
from backend_fastapi.schemas.pipeline import PipelineRunRequest
from backend_fastapi.schemas.scrape import ScrapeRequest


def validate_cron(expression: str) -> str:
    """A standard five-field cron expression (or an alias such as `@daily`)."""
    text = " ".join(expression.split())
    fields = text.split(" ")
    from croniter import croniter  # with dateutil ~1.5 MB: loaded on first use, not at API start

    if not (text.startswith("@") or len(fields) == 5) or not croniter.is_valid(text):
        raise ValueError(
            f"{expression!r} is not a cron expression like '0 6 * * *' (minute hour day month weekday)"
        )
    return text


def validate_timezone(name: str) -> str:
    """An IANA time zone name (`Europe/Berlin`, `UTC`)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a time zone name like 'Europe/Berlin' or 'UTC'") from exc
    return name


def _job_kind(value: Any) -> str:
    if isinstance(value, PipelineRunRequest):
        return "pipeline"
    if isinstance(value, dict) and ("pipeline_id" in value or "pipeline" in value):
        return "pipeline"
    return "scrape"


ScheduledRequest = ScrapeRequest | PipelineRunRequest
ScheduledJob = Annotated[
    Annotated[ScrapeRequest, Tag("scrape")] | Annotated[PipelineRunRequest, Tag("pipeline")],
    Discriminator(_job_kind),
]
SCHEDULED_JOB: TypeAdapter[ScheduledRequest] = TypeAdapter(ScheduledJob)


class ScheduleIn(StrictModel):
    """Queue `job` at every time `cron` names in `timezone`."""

    name: str = Field(pattern=NAME_PATTERN, description="Unique; also the name of every job it queues.")
    cron: str = Field(min_length=1, max_length=100, examples=["0 6 * * *"])
    timezone: str = Field(default="UTC", max_length=64, examples=["Europe/Berlin"])
    job: ScheduledJob = Field(description='A scrape request, or a pipeline run (`{"pipeline_id": ...}`).')
    enabled: bool = True

    _cron = field_validator("cron")(validate_cron)
    _timezone = field_validator("timezone")(validate_timezone)

    @model_validator(mode="after")
    def _named_by_schedule(self) -> ScheduleIn:
        if self.job.name is not None and self.job.name != self.name:
            raise ValueError("a scheduled job is named after its schedule: leave out 'job.name'")
        return self

    def job_json(self) -> dict[str, Any]:
        """The job request as stored and shown back."""
        return self.job.model_dump(mode="json", by_alias=True, exclude_unset=True)


class LastJob(BaseModel):
    job_id: str
    status: str | None


class ScheduleOut(BaseModel):
    schedule_id: str
    name: str
    cron: str
    timezone: str
    job: dict[str, Any]
    enabled: bool
    next_run_at: str | None
    last_run_at: str | None
    last_job: LastJob | None
    created_at: str
    updated_at: str


class SchedulePage(BaseModel):
    items: list[ScheduleOut]
