"""Every error leaves the API in one shape: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend_fastapi.api.bodies import BodyRejected
from backend_fastapi.api.methods import allowed_methods
from backend_fastapi.errors import AppError, RateLimited
from backend_fastapi.schemas.responses import ErrorBody, ErrorDetail

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


class ErrorJSONResponse(JSONResponse):
    """JSON that can always be sent: a stray lone surrogate in a message is escaped, never a crash."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The error shape (`ErrorBody`), checked; rendered by the standard library, which (unlike
    pydantic's serialiser) can escape a lone surrogate that a request smuggled into a message."""
    body = ErrorBody(error=ErrorDetail(code=code, message=message, details=details))
    return ErrorJSONResponse(body.model_dump(mode="python"), status_code=status, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, str]]:
    details = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        details.append({"field": ".".join(loc), "message": err.get("msg", ""), "type": err.get("type", "")})
    return details


def _summary(details: list[dict[str, str]]) -> str:
    if not details:
        return "The request is invalid."
    first = details[0]
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    where = first["field"] or "body"
    return f"Invalid request: {where}: {first['message']}{more}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
        return error_response(exc.status_code, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        return error_response(422, "validation_error", _summary(details), details)

    @app.exception_handler(BodyRejected)
    async def _body_rejected(_: Request, exc: BodyRejected) -> JSONResponse:
        details = exc.details()
        return error_response(422, "validation_error", _summary(details), details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names only the first route that matched; a path may have several.
            allowed = allowed_methods(request)
            if not allowed:
                return error_response(404, "not_found", f"No API endpoint at {request.scope['path']}.")
            headers["Allow"] = ", ".join(allowed)
            message = f"{request.method} is not allowed on {request.scope['path']}; use {headers['Allow']}."
            return error_response(405, code, message, {"allow": allowed}, headers)
        return error_response(exc.status_code, code, str(exc.detail), None, headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("api.unhandled_error", exc_info=exc)
        return error_response(500, "internal_error", "An unexpected error occurred; it has been logged.")
