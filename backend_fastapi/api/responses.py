"""JSON answers built once: orjson bodies and the cursor page every list endpoint returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any

import orjson
from fastapi import Query, Response


def json_response(body: object, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status_code, media_type="application/json", headers=headers
    )


# The query parameters of every cursor-paged list: `limit` rows, after `cursor` (the id of the
# last row of the previous page).
PageLimit = Annotated[int, Query(ge=1, le=200)]
PageCursor = Annotated[str | None, Query(max_length=36)]
# A page of a job's records: `limit` records from `offset`. The offset is bounded so that
# `offset + limit` always fits the database's 64-bit integers (no job holds a billion records).
MAX_RECORD_LIMIT = 1000
MAX_RECORD_OFFSET = 1_000_000_000
RecordLimit = Annotated[int, Query(ge=1, le=MAX_RECORD_LIMIT)]
RecordOffset = Annotated[int, Query(ge=0, le=MAX_RECORD_OFFSET)]


def page_response(rows: Sequence[Any], limit: int, to_body: Callable[[Any], Any]) -> Response:
    """`{"items", "next_cursor"}` from up to `limit + 1` rows, newest first: the extra row only
    tells that another page exists, so the last page never points at an empty one."""
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return json_response({"items": [to_body(r) for r in rows[:limit]], "next_cursor": next_cursor})


def file_content(media_types: Iterable[str]) -> dict[str, Any]:
    """The OpenAPI `content` of a file answer: one entry per media type (parameters dropped)."""
    content: dict[str, Any] = {}
    for media_type in media_types:
        bare = media_type.split(";")[0].strip()
        text = bare.startswith("text/") or bare in ("application/json", "application/x-ndjson")
        content[bare] = {"schema": {"type": "string"} if text else {"type": "string", "format": "binary"}}
    return content
