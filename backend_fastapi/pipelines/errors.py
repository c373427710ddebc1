"""How a pipeline job fails: every error names what went wrong and, for a step, its index and op.

The child process reports an error as `{"code", "message"}`; the parent raises the class of that
code again (`from_code`), so the job stores the same code whichever process noticed the problem.
"""

from __future__ import annotations

from typing import Any

from backend_fastapi.errors import JobError, PermanentJobError, TransientJobError


class StepError(Exception):
    """Raised inside a step with the reason only; the engine adds the step's index and op."""


class StepFailed(PermanentJobError):
    """A step of the pipeline failed."""

    code = "step_failed"


class ValidationFailed(PermanentJobError):
    """Rows failed a validation rule whose `on_fail` is `fail`."""

    code = "validation_failed"


class MemoryLimitExceeded(PermanentJobError):
    """The pipeline needed more memory than PIPELINE_MEMORY_LIMIT_MB allows."""

    code = "memory_limit"


class SourceUnavailable(PermanentJobError):
    """The pipeline's source cannot be found or is not ready."""

    code = "source_unavailable"


class SourceUnreadable(PermanentJobError):
    """The source's data cannot be read in its format."""

    code = "source_unreadable"


class SourceTooLarge(PermanentJobError):
    """The source file is larger than UPLOAD_MAX_BYTES."""

    code = "source_too_large"


class SourceFetchFailed(TransientJobError):
    """The source URL could not be fetched right now; the job is retried."""

    code = "source_fetch_failed"


class PipelineNotFound(PermanentJobError):
    """The saved pipeline no longer exists."""

    code = "pipeline_not_found"


class PipelineCrashed(PermanentJobError):
    """The pipeline's process stopped unexpectedly."""

    code = "pipeline_crashed"


_BY_CODE: dict[str, type[JobError]] = {
    cls.code: cls
    for cls in (
        StepFailed,
        ValidationFailed,
        MemoryLimitExceeded,
        SourceUnavailable,
        SourceUnreadable,
        SourceTooLarge,
        SourceFetchFailed,
        PipelineNotFound,
        PipelineCrashed,
    )
}


def from_code(code: str, message: str, details: Any = None) -> JobError:
    """The error a child process reported, as the exception its code names."""
    return _BY_CODE.get(code, PipelineCrashed)(message, details=details)
