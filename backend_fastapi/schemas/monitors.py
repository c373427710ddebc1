"""`/api/monitors`: a scrape watched on a schedule, and the rules that say what counts as a change."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from backend_fastapi.regexes import compile_regex
from backend_fastapi.schemas.common import NAME_PATTERN, JobPayload, StrictModel
from backend_fastapi.schemas.monitor_notify import NotifyTarget, redacted_url
from backend_fastapi.schemas.responses import ResponseModel, at, at_or_none
from backend_fastapi.schemas.schedule import validate_cron, validate_timezone
from backend_fastapi.schemas.scrape import ScrapeRequest
from backend_fastapi.schemas.scrape import shown_request as shown_scrape_request
from backend_fastapi.store.rows import JsonObject, MonitorChangeRow, MonitorCheckRow, MonitorRow

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$")
_UNIT_SECONDS = {None: 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
MIN_EVERY_SECONDS = 10.0

ConditionOp = Literal["decreased", "increased", "changed", "lt", "gt", "eq", "contains"]


def every_seconds(text: str) -> float:
    """`"15m"` -> 900.0; `s`, `m`, `h`, `d` (seconds when no unit)."""
    match = _EVERY.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an interval like '30s', '15m', '1h' or '1d'")
    seconds = float(match[1]) * _UNIT_SECONDS[match[2]]
    if seconds < MIN_EVERY_SECONDS:
        raise ValueError(f"checks run at most every {MIN_EVERY_SECONDS:g} s")
    return seconds


class Condition(StrictModel):
    """When a change is worth a notification: `{"field": "price", "op": "lt", "value": 100}`.

    `decreased`, `increased` and `changed` look at a changed record's field; `lt`, `gt`, `eq` and
    `contains` hold when the value *became* so (an added record, or a changed one whose value did
    not satisfy it before). `contains` on `text`/`markdown` looks at the lines a text diff added.
    """

    field: str = Field(min_length=1, max_length=200)
    op: ConditionOp
    value: Any = None

    @model_validator(mode="after")
    def _value_fits(self) -> Condition:
        value = self.value
        if self.op in ("decreased", "increased", "changed"):
            if value is not None:
                raise ValueError(f"'{self.op}' takes no 'value' (for a threshold use 'lt' or 'gt')")
        elif self.op in ("lt", "gt"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"'{self.op}' compares with a number: give 'value' as a number")
        elif self.op == "contains":
            if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
                raise ValueError("'contains' looks for a text (or number): give it as 'value'")
        elif "value" not in self.model_fields_set:
            raise ValueError("'eq' needs a 'value' (null for an empty field)")
        elif value is not None and not isinstance(value, str | int | float | bool):
            raise ValueError("'eq' compares with a text, number, true, false or null")
        return self


class MonitorIn(StrictModel):
    """Watch `target` (any scrape request) every `every` or at `cron` times, and report what changed."""

    name: str = Field(pattern=NAME_PATTERN, description="Unique; also the name of every check job.")
    target: ScrapeRequest = Field(description="The scrape each check runs (url, schema, strategy, crawl...).")
    cron: str | None = Field(default=None, max_length=100, examples=["*/15 * * * *"])
    every: str | None = Field(
        default=None, max_length=20, examples=["15m"], description="`30s`, `15m`, `1h`, `1d`."
    )
    timezone: str = Field(default="UTC", max_length=64)
    key: list[str] = Field(
        default_factory=lambda: ["url"],
        min_length=1,
        max_length=10,
        description="Fields that identify a record: `url` (the record's URL) or data field names.",
    )
    compare: list[str] | None = Field(
        default=None, max_length=200, description="Fields to compare (default: every field but the key)."
    )
    ignore: list[str] = Field(
        default_factory=list, max_length=50, description="Regexes removed from text before comparing."
    )
    conditions: list[Condition] = Field(default_factory=list, max_length=50)
    match: Literal["all", "any"] = Field(
        default="all", description="Whether all conditions must hold, or any."
    )
    notify: list[NotifyTarget] = Field(default_factory=list, max_length=20)
    confirm_removals: bool = Field(
        default=True, description="Report a removed record only once a second check also misses it."
    )
    min_ratio: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="A check with fewer than this share of the last good check's records is suspect: "
        "reported, never applied as removals.",
    )
    enabled: bool = True

    _cron = field_validator("cron")(lambda v: None if v is None else validate_cron(v))
    _timezone = field_validator("timezone")(validate_timezone)

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None:
            every_seconds(value)
        return value

    @field_validator("ignore")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            compile_regex(pattern)
        return patterns

    @model_validator(mode="after")
    def _one_timing(self) -> MonitorIn:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give either 'cron' or 'every' (e.g. \"every\": \"15m\")")
        if self.target.name is not None and self.target.name != self.name:
            raise ValueError("a check is named after its monitor: leave out 'target.name'")
        return self

    @property
    def schedule_cron(self) -> str:
        """The schedule's timing as stored (`@every 900s` for an interval)."""
        if self.every is not None:
            return f"@every {every_seconds(self.every):g}s"
        assert self.cron is not None
        return self.cron

    def target_json(self) -> dict[str, Any]:
        """The scrape request as stored in the monitor's schedule (named after the monitor)."""
        job = self.target.model_dump(mode="json", by_alias=True, exclude_unset=True)
        job["name"] = self.name
        return job

    def definition(self) -> dict[str, Any]:
        """The monitor as stored and shown back (the notify targets' secrets included: redacted on
        the way out)."""
        rules = self.model_dump(mode="json", by_alias=True, exclude={"name", "enabled", "target"})
        target = self.target.model_dump(mode="json", by_alias=True, exclude_unset=True)
        target.pop("name", None)
        return {"target": target, **rules}


class MonitorComparePayload(JobPayload):
    """`monitor.compare`: compare a finished check job's records with the monitor's last snapshot."""

    monitor_id: str
    job_id: str


# --- answers --------------------------------------------------------------------------------------


class NotifyTargetOut(ResponseModel):
    url: str = Field(description="Redacted: secrets never leave the API.")
    kind: Literal["webhook", "apprise"]
    events: list[str]


class LastCheck(ResponseModel):
    check_id: str
    job_id: str
    status: str
    checked_at: str


class MonitorOut(ResponseModel):
    monitor_id: str
    name: str
    target: JsonObject = Field(description="The scrape each check runs, as accepted.")
    cron: str | None
    every: str | None
    timezone: str
    key: list[str]
    compare: list[str] | None
    ignore: list[str]
    conditions: list[JsonObject]
    match: Literal["all", "any"]
    notify: list[NotifyTargetOut]
    confirm_removals: bool
    min_ratio: float
    enabled: bool
    records: int = Field(description="Records in the last good snapshot.")
    last_check: LastCheck | None
    last_change_at: str | None
    next_check_at: str | None
    created_at: str
    updated_at: str


class MonitorPage(ResponseModel):
    items: list[MonitorOut]


class CheckOut(ResponseModel):
    check_id: str
    job_id: str
    status: Literal["baseline", "unchanged", "changed", "failed", "suspect", "stale"]
    counts: dict[str, int]
    message: str | None
    notified: int = Field(description="Notifications queued for this check.")
    checked_at: str = Field(description="When it ran (for folded unchanged checks: the last of them).")
    repeats: int = Field(description="Unchanged checks in a row are one entry: how many.")
    first_checked_at: str | None = Field(description="The first of the folded unchanged checks.")


class CheckPage(ResponseModel):
    items: list[CheckOut]
    next_cursor: str | None


class FieldChangeOut(ResponseModel):
    field: str
    before: Any
    after: Any


class ChangeOut(ResponseModel):
    change_id: int
    check_id: str
    kind: Literal["added", "removed", "changed", "text"]
    key: JsonObject
    before: JsonObject | None = None
    after: JsonObject | None = None
    fields: list[FieldChangeOut] | None = None
    format: str | None = None
    diff: str | None = None
    added_lines: int | None = None
    removed_lines: int | None = None
    truncated: bool | None = None
    created_at: str


class ChangePage(ResponseModel):
    items: list[ChangeOut]
    next_cursor: str | None


class SeriesPoint(ResponseModel):
    at: str
    value: float | None


class KeySeries(ResponseModel):
    key: JsonObject
    points: list[SeriesPoint]


class SeriesOut(ResponseModel):
    field: str
    series: list[KeySeries]


def monitor_body(
    row: MonitorRow, enabled: bool, next_run_at: float | None, last_check: MonitorCheckRow | None
) -> MonitorOut:
    """The answer for a monitor (its notify URLs redacted)."""
    spec = row.definition
    notify = [
        NotifyTargetOut(url=redacted_url(str(t["url"])), kind=t["kind"], events=t["events"])
        for t in spec.get("notify", [])
    ]
    return MonitorOut(
        monitor_id=row.id,
        name=row.name,
        target=shown_scrape_request(spec["target"]),
        cron=spec.get("cron"),
        every=spec.get("every"),
        timezone=spec["timezone"],
        key=spec["key"],
        compare=spec.get("compare"),
        ignore=spec["ignore"],
        conditions=spec["conditions"],
        match=spec["match"],
        notify=notify,
        confirm_removals=spec["confirm_removals"],
        min_ratio=spec["min_ratio"],
        enabled=enabled,
        records=row.records,
        last_check=None
        if last_check is None
        else LastCheck(
            check_id=last_check.id,
            job_id=last_check.job_id,
            status=last_check.status,
            checked_at=at(last_check.checked_at),
        ),
        last_change_at=at_or_none(row.last_change_at),
        next_check_at=at_or_none(next_run_at),
        created_at=at(row.created_at),
        updated_at=at(row.updated_at),
    )


def check_body(row: MonitorCheckRow) -> CheckOut:
    return CheckOut(
        check_id=row.id,
        job_id=row.job_id,
        status=row.status,  # type: ignore[arg-type]
        counts=row.counts,
        message=row.message,
        notified=row.notified,
        checked_at=at(row.checked_at),
        repeats=row.repeats,
        first_checked_at=at_or_none(row.first_checked_at),
    )


def change_body(row: MonitorChangeRow) -> ChangeOut:
    return ChangeOut(change_id=row.id, check_id=row.check_id, created_at=at(row.created_at), **row.change)
