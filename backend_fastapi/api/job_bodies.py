"""Serialised job bodies, kept while the job is unchanged: polled jobs and the items of job lists."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

import orjson

from backend_fastapi.schemas.jobs import job_body
from backend_fastapi.schemas.responses import model_json
from backend_fastapi.store.rows import DeliveryRow, JobRow, JobSummaryRow

# Bodies kept per API process, by total size; a bigger body (a preview's rows) is never kept.
MAX_BYTES = 8 << 20
MAX_BODY_BYTES = 64 << 10

Version = tuple[float, str, int, bool, bool, int]
Key = tuple[bool, str]  # (detail, job id)


class JobBodies:
    """Each job's latest body as JSON, by version; the least recently read dropped first.

    Pollers ask for the same job every 2 s and the jobs page for the same 50 jobs, and a job
    rarely changed in between. Every write to a job row sets `updated_at` (webhook deliveries,
    in their own table, are counted), so while that version is the same the bytes built the
    first time are answered again: no model is built or serialised for an unchanged job."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[Key, tuple[Version, bytes]] = OrderedDict()

    def detail(self, row: JobRow, deliveries: Sequence[DeliveryRow]) -> tuple[bytes, str]:
        """The job's detail body (`GET /api/jobs/{id}`) and its ETag."""
        raw = self._body(True, row, deliveries)
        return raw, '"' + hashlib.blake2b(raw, digest_size=12).hexdigest() + '"'

    def page(self, rows: Sequence[JobSummaryRow], next_cursor: str | None) -> bytes:
        """A `JobPage` as JSON, from the kept bodies of its items."""
        items = b",".join(self._body(False, row, ()) for row in rows)
        return b'{"items":[' + items + b'],"next_cursor":' + orjson.dumps(next_cursor) + b"}"

    def _body(self, detail: bool, row: JobRow | JobSummaryRow, deliveries: Sequence[DeliveryRow]) -> bytes:
        key = (detail, row.id)
        version = (
            row.updated_at,
            row.status,
            row.attempts,
            bool(row.cancel_requested),
            bool(row.pause_requested),
            len(deliveries),
        )
        kept = self._entries.get(key)
        if kept is not None and kept[0] == version:
            self._entries.move_to_end(key)
            return kept[1]
        raw = model_json(job_body(row, detail=detail, deliveries=deliveries))
        self._forget(key)
        if len(raw) <= MAX_BODY_BYTES:
            self._entries[key] = (version, raw)
            self._bytes += len(raw)
            while self._bytes > self._max_bytes:
                self._forget(next(iter(self._entries)))
        return raw

    def _forget(self, key: Key) -> None:
        kept = self._entries.pop(key, None)
        if kept is not None:
            self._bytes -= len(kept[1])
