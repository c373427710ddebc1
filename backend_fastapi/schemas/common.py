"""Pieces every request model uses: strict models, job options, webhooks, job payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backend_fastapi.errors import BlockedAddress
from backend_fastapi.netguard import check_url

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$"


class StrictModel(BaseModel):
    """Request bodies reject unknown keys and wrong types: a typo must never be dropped silently.

    Strict types keep the API to its OpenAPI document: `0` is not `false` and `"5"` is not 5
    (an integer is still a valid number)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with a `Z`, as every timestamp leaves the API."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> float:
    """ISO 8601 (`2026-12-01T00:00:00Z`, an offset, or a date) as epoch seconds; naive means UTC."""
    moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class BlockedURL(ValueError):
    """A URL the address guard refuses, as a validation error that keeps the guard's reason."""

    def __init__(self, blocked: BlockedAddress) -> None:
        super().__init__(blocked.message)
        self.blocked = blocked


def validate_outbound_url(url: str) -> str:
    """An http(s) URL whose host, normalised as the HTTP client will read it, is not a literal
    private/loopback address and can be normalised at all (names are resolved by the worker)."""
    from backend_fastapi.settings import get_settings

    url = url.strip()
    if len(url) > 2048:
        raise ValueError("URL longer than 2048 characters")
    try:
        check_url(url, get_settings().SCRAPE_ALLOW_HOSTS)
    except BlockedAddress as exc:
        raise BlockedURL(exc) from exc
    return url


def blocked_address_in(error: ValidationError) -> BlockedAddress | None:
    """The address guard's refusal behind a validation error (a job queued around the API fails
    with `blocked_address`, not as an invalid payload); None when it is something else."""
    for detail in error.errors():
        cause = (detail.get("ctx") or {}).get("error")
        if isinstance(cause, BlockedURL):
            return cause.blocked
    return None


WebhookEvent = Literal["completed", "failed", "cancelled"]
DEFAULT_EVENTS: tuple[WebhookEvent, ...] = ("completed", "failed")


class WebhookIn(StrictModel):
    """Where to POST the final job body, and on which events."""

    url: str = Field(description="http(s) URL; private and loopback addresses are refused.")
    events: list[WebhookEvent] = Field(default_factory=lambda: list(DEFAULT_EVENTS), min_length=1)

    _url = field_validator("url")(validate_outbound_url)


class JobOptionsIn(StrictModel):
    """Options every job-creating request accepts."""

    name: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="A name to find this run by (`latest` sources)."
    )
    priority: int = Field(default=0, ge=-100, le=100, description="Higher runs first.")
    max_attempts: int | None = Field(default=None, ge=1, le=20)
    timeout_seconds: float | None = Field(
        default=None, gt=0, description="Hard time limit of the job (capped by JOB_TIMEOUT_MAX_SECONDS)."
    )
    webhook: WebhookIn | None = None


JOB_OPTION_FIELDS = frozenset(JobOptionsIn.model_fields)


class JobPayload(StrictModel):
    """What a job's handler receives: stored as JSON in the job row, validated once by the worker."""

    def to_json(self) -> dict[str, Any]:
        """The payload as stored in the job row."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class WebhookPayload(JobPayload):
    """`webhook.deliver`: POST the finished job's body to `url`."""

    job_id: str
    event: WebhookEvent
    url: str
    delivery_id: str
