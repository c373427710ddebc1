"""Typed rows: what the store's reads return, one NamedTuple per table or column set.

A row is built from the SQLAlchemy row positionally (one tuple copy, no per-field work), so
reading typed rows costs the hot paths (job polling, pages of jobs) next to nothing. Each read
selects exactly the columns of its row type, in the row type's order (`columns_of`).
Times are epoch seconds as stored; the API formats them on the way out.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa

# A JSON column holding an object, as stored: its shape is the writer's model (payload, result,
# progress, definition), checked where it is written and again where the API answers with it.
JsonObject = dict[str, Any]


class JobRow(NamedTuple):
    """Every column of `jobs`."""

    id: str
    type: str
    status: str
    name: str | None
    label: str | None
    payload: JsonObject
    priority: int
    attempts: int
    max_attempts: int
    run_after: float
    locked_by: str | None
    locked_until: float | None
    cancel_requested: bool
    pause_requested: bool
    timeout_seconds: float
    progress: JsonObject | None
    error_code: str | None
    error_message: str | None
    result: JsonObject | None
    webhook: JsonObject | None
    idempotency_key: str | None
    request_hash: str | None
    parent_id: str | None
    schedule_id: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    updated_at: float
    created_by: str | None = None


class JobSummaryRow(NamedTuple):
    """A job in a list page: the payload and webhook (bulky, never listed) left out."""

    id: str
    type: str
    status: str
    name: str | None
    label: str | None
    priority: int
    attempts: int
    max_attempts: int
    run_after: float
    cancel_requested: bool
    pause_requested: bool
    progress: JsonObject | None
    error_code: str | None
    error_message: str | None
    result: JsonObject | None
    parent_id: str | None
    schedule_id: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    updated_at: float
    created_by: str | None = None


class WorkerRow(NamedTuple):
    id: str
    hostname: str
    pid: int
    concurrency: int
    running: int
    version: str
    started_at: float
    last_heartbeat: float
    # {kind: "ok" | reason} from the worker's start-up check; None until it finished.
    capabilities: dict[str, str] | None
    # The health of the worker's PROXY_URLS (scraping/proxies.py `snapshot`), once it used them.
    proxies: list[dict[str, Any]] = []


class DeliveryRow(NamedTuple):
    """One webhook delivery attempt."""

    id: int
    job_id: str
    delivery_id: str
    event: str
    url: str
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: float | None
    created_at: float


class PipelineRow(NamedTuple):
    id: str
    name: str
    description: str | None
    definition: JsonObject
    created_at: float
    updated_at: float


class UploadRow(NamedTuple):
    id: str
    filename: str
    format: str
    path: str
    size_bytes: int
    content_type: str | None
    created_at: float


class ExportRow(NamedTuple):
    id: str
    job_id: str | None
    pipeline_id: str | None
    name: str
    format: str
    path: str
    size_bytes: int
    rows: int
    created_at: float


class ScheduleRow(NamedTuple):
    id: str
    name: str
    cron: str
    timezone: str
    job: JsonObject
    enabled: bool
    next_run_at: float | None
    last_run_at: float | None
    last_job_id: str | None
    created_at: float
    updated_at: float
    monitor_id: str | None


class MonitorRow(NamedTuple):
    id: str
    name: str
    definition: JsonObject
    schedule_id: str
    state_version: int
    applied_job_created_at: float | None
    records: int
    last_check_id: str | None
    last_status: str | None
    last_checked_at: float | None
    last_change_at: float | None
    created_at: float
    updated_at: float


class MonitorCheckRow(NamedTuple):
    id: str
    monitor_id: str
    job_id: str
    status: str
    counts: JsonObject
    message: str | None
    notified: int
    checked_at: float
    repeats: int
    first_checked_at: float | None


class MonitorChangeRow(NamedTuple):
    id: int
    monitor_id: str
    check_id: str
    kind: str
    key: str
    change: JsonObject
    created_at: float


class SessionRow(NamedTuple):
    """Every column of `sessions` (the sealed ones are Fernet tokens: `sealing.py` opens them)."""

    id: str
    name: str
    spec: JsonObject
    sealed_login: str | None
    sealed_state: str | None
    state_summary: JsonObject | None
    state_version: int
    last_login_at: float | None
    last_check_at: float | None
    last_error: str | None
    login_owner: str | None
    login_until: float | None
    created_at: float
    updated_at: float


class KeyRow(NamedTuple):
    """Every column of `api_keys` (the key itself is never stored, only its hash)."""

    id: str
    name: str
    prefix: str
    key_hash: str
    scope: str
    rate_per_minute: int | None
    daily_jobs: int | None
    created_at: float
    revoked_at: float | None


def columns_of(table: sa.Table, row_type: type[tuple[Any, ...]]) -> tuple[sa.Column[Any], ...]:
    """The table's columns named by the row type's fields, in the fields' order."""
    return tuple(table.c[name] for name in row_type.__annotations__)
