"""The exception tree of DataOps.

`AppError` subclasses are raised anywhere in the API and mapped to HTTP once, in
`api/errors.py`. `JobError` subclasses are raised by job handlers and decide, in the worker,
whether a failed attempt is retried (`retryable`) or fails the job at once.
As in procrastinate, the docstring is the default message.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DataOpsError(Exception):
    """DataOps failed."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        self.message = message or (self.__doc__ or self.code).strip()
        self.details = details
        super().__init__(self.message)


# --- API errors ---------------------------------------------------------------------------


class AppError(DataOpsError):
    """The request failed."""

    status_code: ClassVar[int] = 400
    code = "bad_request"


class NotFound(AppError):
    """Not found."""

    status_code = 404
    code = "not_found"


class Conflict(AppError):
    """The resource is not in a state that allows this."""

    status_code = 409
    code = "conflict"


class Unauthorized(AppError):
    """A valid API key is required: send `Authorization: Bearer <key>`."""

    status_code = 401
    code = "unauthorized"


class ForbiddenScope(AppError):
    """This API key's scope does not allow this request."""

    status_code = 403
    code = "forbidden_scope"


class RateLimited(AppError):
    """This API key made too many requests; retry later."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str | None = None, *, details: Any = None, retry_after: float) -> None:
        super().__init__(message, details=details)
        # Seconds, sent as the Retry-After header.
        self.retry_after = retry_after


class DailyQuotaExceeded(RateLimited):
    """This API key queued all the jobs it may queue today (UTC)."""

    code = "daily_quota_exceeded"


class PayloadTooLarge(AppError):
    """The request body is larger than this server accepts."""

    status_code = 413
    code = "payload_too_large"


class QueueFull(AppError):
    """Too many jobs are queued; try again later."""

    status_code = 429
    code = "queue_full"


class InvalidRequest(AppError):
    """The request is invalid."""

    status_code = 422
    code = "validation_error"


# --- job errors ---------------------------------------------------------------------------


class JobError(DataOpsError):
    """The job failed."""

    code = "job_failed"
    retryable: ClassVar[bool] = False

    def __init__(
        self, message: str | None = None, *, details: Any = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class TransientJobError(JobError):
    """A temporary failure; the job is retried with backoff."""

    code = "transient_error"
    retryable = True


class PermanentJobError(JobError):
    """A failure that another attempt cannot fix."""

    code = "permanent_error"


class InvalidPayload(PermanentJobError):
    """The job's payload is invalid."""

    code = "invalid_payload"


class BlockedAddress(PermanentJobError):
    """The address is private, loopback, link-local or otherwise not allowed."""

    code = "blocked_address"


class JobTimeout(PermanentJobError):
    """The job ran longer than its time limit."""

    code = "timeout"


class UnknownJobType(PermanentJobError):
    """No handler is registered for this job type."""

    code = "unknown_job_type"
