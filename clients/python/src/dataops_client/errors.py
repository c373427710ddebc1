"""The exceptions the client raises: the API's error answers, each carrying the API's error code,
message and details with the HTTP status, and the client's own `WaitTimeout`.

Every 4xx/5xx answer of the API has one shape, `{"error": {"code", "message", "details"}}`; the
class says the status (`NotFound` for 404, ...) and `code` says which error it is (`not_found`,
`validation_error`, `conflict`, ...). Network failures are httpx's own (`httpx.HTTPError`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataops_client.models import JobOut


class DataOpsError(Exception):
    """The API refused a request or failed it."""

    def __init__(
        self, message: str, *, code: str = "error", details: Any = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details
        self.status = status

    def __str__(self) -> str:
        where = f"{self.status} " if self.status is not None else ""
        return f"{where}{self.code}: {self.message}"


class Unauthorized(DataOpsError):
    """401: no API key, or a wrong one."""


class Forbidden(DataOpsError):
    """403: the key may not do this."""


class NotFound(DataOpsError):
    """404: no such job, monitor, pipeline or export."""


class Conflict(DataOpsError):
    """409: the object is not in a state that allows this (a running job cannot be deleted, ...)."""


class InvalidRequest(DataOpsError):
    """422: the request is invalid; `details` lists each failing field (`field`, `message`, `type`)."""


class RateLimited(DataOpsError):
    """429: too many requests or jobs; `retry_after` is the seconds the API asks to wait, if it says."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class WaitTimeout(DataOpsError):
    """The job did not finish within the time given; `job` is how it was when the time ran out."""

    def __init__(self, message: str, *, job: JobOut) -> None:
        super().__init__(message, code="wait_timeout")
        self.job = job


BY_STATUS: dict[int, type[DataOpsError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: InvalidRequest,
    429: RateLimited,
}


def error_from_answer(status: int, headers: Mapping[str, str], content: bytes) -> DataOpsError:
    """The exception for an error answer; a body not in the error shape (a proxy's page) still says
    its status and the start of its text."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        code, message, details = str(error.get("code") or "error"), error["message"], error.get("details")
    else:
        code, message, details = "http_error", content[:300].decode("utf-8", "replace") or "", None
        message = message or f"HTTP {status}"
    kind = BY_STATUS.get(status, DataOpsError)
    if kind is RateLimited:
        return RateLimited(
            message,
            code=code,
            details=details,
            status=status,
            retry_after=_seconds(headers.get("retry-after")),
        )
    return kind(message, code=code, details=details, status=status)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
