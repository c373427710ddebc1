"""JSON answers built once: response models serialised by pydantic, and the cursor page every list
endpoint returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Protocol, TypeVar

from fastapi import Query, Response
from pydantic import BaseModel

from backend_fastapi.schemas.responses import model_json as model_json


def model_response(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """An answer whose body is a response model (the route declares the same model)."""
    body = model_json(model)
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


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


class Identified(Protocol):
    @property
    def id(self) -> str: ...


RowT = TypeVar("RowT", bound=Identified)
ItemT = TypeVar("ItemT", bound=BaseModel)


def page_response(
    rows: Sequence[RowT], limit: int, to_body: Callable[[RowT], ItemT], page: Callable[..., BaseModel]
) -> Response:
    """`{"items", "next_cursor"}` (the `page` model) from up to `limit + 1` rows, newest first: the
    extra row only tells that another page exists, so the last page never points at an empty one."""
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return model_response(page(items=[to_body(r) for r in rows[:limit]], next_cursor=next_cursor))


def file_content(media_types: Iterable[str]) -> dict[str, dict[str, dict[str, str]]]:
    """The OpenAPI `content` of a file answer: one entry per media type (parameters dropped)."""
    content: dict[str, dict[str, dict[str, str]]] = {}
    for media_type in media_types:
        bare = media_type.split(";")[0].strip()
        text = bare.startswith("text/") or bare in ("application/json", "application/x-ndjson")
        content[bare] = {"schema": {"type": "string"} if text else {"type": "string", "format": "binary"}}
    return content
