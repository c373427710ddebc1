"""API keys as the API takes and answers them (the key itself only in the answer that created it)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from backend_fastapi.apikeys import Scope, name_problem
from backend_fastapi.schemas.common import StrictModel
from backend_fastapi.schemas.responses import ResponseModel, at, at_or_none
from backend_fastapi.store.rows import KeyRow

RATE_MAX = 1_000_000
DAILY_MAX = 10_000_000


class KeyIn(StrictModel):
    """A new key: a unique name, a scope, and optional limits."""

    name: str = Field(
        min_length=1, max_length=64, description="Unique; recorded on every job the key queues."
    )
    # Not strict: a strict enum field takes only the enum object, and JSON brings its value.
    scope: Annotated[Scope, Field(strict=False)]
    rate_per_minute: int | None = Field(
        default=None,
        ge=1,
        le=RATE_MAX,
        description="Requests a minute (per API process); unlimited when absent.",
    )
    daily_jobs: int | None = Field(
        default=None, ge=1, le=DAILY_MAX, description="Jobs a UTC day; unlimited when absent."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class KeyOut(ResponseModel):
    """A key as listed: its shown prefix, never the key."""

    key_id: str
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    scope: Scope
    rate_per_minute: int | None = None
    daily_jobs: int | None = None
    created_at: str
    revoked_at: str | None = None


class KeyCreated(KeyOut):
    """The new key, shown this once: it is stored only as a hash."""

    key: str


class KeyPage(ResponseModel):
    items: list[KeyOut]


class CallerOut(ResponseModel):
    """The key this request came with."""

    name: str | None = Field(description="The key's name; null when the API is open (no keys).")
    scope: Scope
    open: bool = Field(description="True when the API asks for no key (no API_KEY and no team keys).")


def key_body(row: KeyRow) -> KeyOut:
    return KeyOut(
        key_id=row.id,
        name=row.name,
        prefix=row.prefix,
        scope=Scope(row.scope),
        rate_per_minute=row.rate_per_minute,
        daily_jobs=row.daily_jobs,
        created_at=at(row.created_at),
        revoked_at=at_or_none(row.revoked_at),
    )
