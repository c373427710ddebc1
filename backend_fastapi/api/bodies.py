"""JSON request bodies are checked once, at the edge: only what can be stored and sent back gets in.

The database and every answer serialise JSON with orjson, which refuses lone surrogates
(`"\\ud800"`), integers outside 64 bits and documents nested deeper than 254 levels. The standard
library parser that reads request bodies accepts all three (and `NaN`), so without this check
such a body validated fine and failed later with a 500. Here it is a 422 naming the path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Scope

from backend_fastapi.api.methods import shadowed_by_concrete

# Integers must fit a signed 64-bit integer (SQLite's INTEGER, pandas' int64): larger ones are
# refused rather than stored as text, so a number never silently changes type.
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
# Far below orjson's 254 levels: a stored body is wrapped again (job payload, job body, webhook).
MAX_DEPTH = 64

Path = list[str | int]


class BodyRejected(HTTPException):
    """A JSON body that parses but cannot be stored; answered as a 422 in the error shape.

    An HTTPException so that FastAPI's body reader lets it through unchanged."""

    def __init__(self, path: Path, message: str, kind: str) -> None:
        super().__init__(422, message)
        self.path = path
        self.message = message
        self.kind = kind

    def details(self) -> list[dict[str, str]]:
        field = ".".join(["body", *(_printable(str(part)) for part in self.path)])
        return [{"field": field, "message": self.message, "type": self.kind}]


def _printable(text: str) -> str:
    """The text with lone surrogates spelled as `\\udXXX`, so an error message can always be sent."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_SURROGATE = "lone surrogate in a string: send valid Unicode text"
_BIG_INT = f"integer outside the 64-bit range ({MIN_INT} .. {MAX_INT}): send it as a string"
_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels"


def _problem(value: Any, depth: int) -> tuple[Path, str, str] | None:
    """The first value that cannot be stored: its path (reversed), the message and the error type.

    `json.loads` makes only dicts, lists, str, int, float, bool and None, so exact type checks
    suffice; scalars inside containers are checked inline (this runs on every body)."""
    kind = type(value)
    if kind is str:
        return None if value.isascii() or _encodable(value) else ([], _SURROGATE, "string_unicode")
    if kind is int:
        return None if MIN_INT <= value <= MAX_INT else ([], _BIG_INT, "int_range")
    if kind is not dict and kind is not list:
        return None
    if depth >= MAX_DEPTH:
        return [], _TOO_DEEP, "too_deep"
    items = value.items() if kind is dict else enumerate(value)
    for key, item in items:
        if type(key) is str and not key.isascii() and not _encodable(key):
            return [key], _SURROGATE, "string_unicode"
        item_kind = type(item)
        if item_kind is str:
            if item.isascii() or _encodable(item):
                continue
        elif item_kind is int:
            if MIN_INT <= item <= MAX_INT:
                continue
        elif item_kind is not dict and item_kind is not list:
            continue
        found = _problem(item, depth + 1)
        if found:
            found[0].append(key)
            return found
    return None


def _refuse_constant(name: str) -> Any:
    raise BodyRejected([], f"{name} is not a JSON number", "json_invalid")


def parse_json_body(raw: bytes) -> Any:
    """The parsed body (integers exact), or BodyRejected naming what cannot be stored and where."""
    try:
        document = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise BodyRejected([], _TOO_DEEP, "too_deep") from exc
    except UnicodeDecodeError as exc:
        raise BodyRejected([], "the body is not valid UTF-8 text", "json_invalid") from exc
    found = _problem(document, 0)
    if found:
        path, message, kind = found
        raise BodyRejected(path[::-1], message, kind)
    return document


class CheckedJsonRequest(Request):
    """A request whose `json()` is `parse_json_body`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json_body(await self.body())
        return self._json


class CheckedJsonRoute(APIRoute):
    """The route class of every API router: bodies are read through `CheckedJsonRequest`.

    A templated route never takes a path that a concrete route owns (see `shadowed_by_concrete`).
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and shadowed_by_concrete(scope, self.path_format):
            return Match.NONE, {}
        return super().matches(scope)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            return await handler(CheckedJsonRequest(request.scope, request.receive))

        return checked
