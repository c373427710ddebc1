"""`POST /api/pipeline/run`: run a saved pipeline by id or an inline definition."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from backend_fastapi.schemas.common import JOB_OPTION_FIELDS, JobOptionsIn

PIPELINE_RUN = "pipeline.run"


class PipelineRunRequest(JobOptionsIn):
    """Exactly one of `pipeline_id` or `pipeline`."""

    pipeline_id: str | None = Field(default=None, min_length=1, max_length=200)
    pipeline: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PipelineRunRequest:
        if (self.pipeline_id is None) == (self.pipeline is None):
            raise ValueError("give exactly one of 'pipeline_id' or 'pipeline'")
        return self

    def to_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=set(JOB_OPTION_FIELDS), exclude_none=True)
