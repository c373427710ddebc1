"""The job body the API returns, the webhook delivers and the CLI prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from backend_fastapi.schemas.common import iso
from backend_fastapi.store.tables import COMPLETED


class JobError(BaseModel):
    code: str
    message: str | None = None


class JobOut(BaseModel):
    """A job as pollers see it (`result` only once completed)."""

    job_id: str
    type: str
    status: str
    name: str | None = None
    label: str | None = None
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    attempts: int
    max_attempts: int
    cancel_requested: bool = False
    progress: dict[str, Any] | None = None
    error: JobError | None = None
    result: dict[str, Any] | None = None
    request: dict[str, Any] | None = None
    webhook: dict[str, Any] | None = None


class JobPage(BaseModel):
    items: list[JobOut]
    next_cursor: str | None = None


class RecordPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[dict[str, Any]]


# `GET /api/jobs/{id}/results` in JSON: a page, or with `format=json` every record in one array.
RecordsOut = RecordPage | list[dict[str, Any]]


def job_body(row: Any, *, detail: bool = False, deliveries: Sequence[Any] = ()) -> dict[str, Any]:
    """The JSON body of one job; `detail` adds the original request and webhook deliveries."""
    body: dict[str, Any] = {
        "job_id": row.id,
        "type": row.type,
        "status": row.status,
        "name": row.name,
        "label": row.label,
        "priority": row.priority,
        "created_at": iso(row.created_at),
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
        "attempts": row.attempts,
        "max_attempts": row.max_attempts,
        "cancel_requested": bool(row.cancel_requested),
        "progress": row.progress,
        "error": {"code": row.error_code, "message": row.error_message} if row.error_code else None,
        "parent_id": row.parent_id,
        "schedule_id": row.schedule_id,
    }
    if row.status == "queued" and row.attempts:
        body["retry_at"] = iso(row.run_after)
    if row.status == COMPLETED:
        body["result"] = row.result
    if detail:
        body["request"] = row.payload
        if row.webhook:
            body["webhook"] = {
                **row.webhook,
                "deliveries": [
                    {
                        "delivery_id": d.delivery_id,
                        "event": d.event,
                        "attempt": d.attempt,
                        "status_code": d.status_code,
                        "error": d.error,
                        "duration_ms": d.duration_ms,
                        "at": iso(d.created_at),
                    }
                    for d in deliveries
                ],
            }
    return body
