"""`/api/schedules`: a cron time, a time zone and the job to queue (a scrape or a pipeline run)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import Discriminator, Field, Tag, TypeAdapter, field_validator, model_validator

from backend_fastapi.schemas.common import NAME_PATTERN, StrictModel
from backend_fastapi.schemas.pipeline import PipelineRunRequest
from backend_fastapi.schemas.scrape import ScrapeRequest

# A cron expression must fire within this many years (`0 0 29 2 *` fires every four years;
# `0 0 31 2 *` never does). It also bounds how far croniter searches for the next time.
CRON_HORIZON_YEARS = 5


def validate_cron(expression: str) -> str:
    """A standard five-field cron expression (or an alias such as `@daily`) that fires at all."""
    text = " ".join(expression.split())
    fields = text.split(" ")
    from croniter import CroniterBadDateError, croniter  # with dateutil ~1.5 MB: loaded on first use

    if not (text.startswith("@") or len(fields) == 5) or not croniter.is_valid(text):
        raise ValueError(
            f"{expression!r} is not a cron expression like '0 6 * * *' (minute hour day month weekday)"
        )
    try:
        croniter(text, datetime.now(UTC), max_years_between_matches=CRON_HORIZON_YEARS).get_next(datetime)
    except CroniterBadDateError as exc:
        raise ValueError(
            f"{expression!r} never fires (no time matches within {CRON_HORIZON_YEARS} years)"
        ) from exc
    return text


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA zone names of the installed tz database (read once)."""
    return frozenset(available_timezones())


def validate_timezone(name: str) -> str:
    """An IANA time zone name (`Europe/Berlin`, `UTC`); a directory such as `America` is not one."""
    if name not in time_zone_names():
        raise ValueError(f"{name!r} is not a time zone name like 'Europe/Berlin' or 'UTC'")
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
