"""Pipeline definitions, `POST /api/pipeline/run`, previews and saved pipelines (light imports only)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from backend_fastapi.schemas.common import (
    NAME_PATTERN,
    JobOptionsIn,
    JobPayload,
    StrictModel,
)
from backend_fastapi.schemas.pipeline_sources import FileFormat, Source
from backend_fastapi.schemas.pipeline_steps import Step

MAX_STEPS = 100
# Export names become file names: no separators, no leading dot, so they cannot leave EXPORTS_DIR.
EXPORT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
DEFAULT_EXPORT_NAME = "export"


def export_name(text: str | None) -> str:
    """A safe file stem from a pipeline name (`Daily prices: EU` -> `Daily-prices-EU`)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", text or "").strip("-.")
    stem = re.sub(r"\.{2,}", ".", stem)[:100]
    return stem or DEFAULT_EXPORT_NAME


class OutputSpec(StrictModel):
    """A file written to EXPORTS_DIR and listed under `/api/exports`."""

    format: FileFormat
    name: str | None = Field(
        default=None, pattern=EXPORT_NAME_PATTERN, description="File name without extension."
    )
    escape_formulas: bool = Field(
        default=True,
        description="CSV only: text a spreadsheet would run as a formula (starting with `=`, `+`, `-`, "
        "`@`, tab or carriage return; plain numbers such as `-5` excepted) gets a leading `'`, and text "
        "cells are quoted. `false` writes raw CSV.",
    )

    @field_validator("name")
    @classmethod
    def _no_dot_runs(cls, value: str | None) -> str | None:
        if value is not None and ".." in value:
            raise ValueError("the name must not contain '..'")
        return value

    @model_validator(mode="after")
    def _escape_is_for_csv(self) -> OutputSpec:
        # XLSX text is never a formula and JSON, JSONL and Parquet are data: there is nothing to turn off.
        if not self.escape_formulas and self.format != "csv":
            raise ValueError("escape_formulas applies to csv outputs only")
        return self


def _output_kind(value: Any) -> str:
    return "files" if isinstance(value, list) else "file"


# One output or a list; the callable discriminator keeps errors to the shape that was sent.
Outputs = Annotated[
    Annotated[OutputSpec, Tag("file")] | Annotated[list[OutputSpec], Tag("files")],
    Discriminator(_output_kind),
]


class PipelineSpec(StrictModel):
    """A pipeline: where rows come from, the steps that clean them, and where they go."""

    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    description: str | None = Field(default=None, max_length=2000)
    source: Source | None = Field(
        default=None, description="May be left out for pipelines that only run chained after a scrape."
    )
    steps: list[Step] = Field(default_factory=list, max_length=MAX_STEPS)
    output: Outputs | None = Field(
        default=None, description="Files to write; the output rows are stored on the job either way."
    )
    store_records: bool = Field(
        default=True, description="Store the output rows on the job (paged by /api/jobs/{id}/results)."
    )

    @model_validator(mode="after")
    def _distinct_outputs(self) -> PipelineSpec:
        keys = [(o.name or "", o.format) for o in self.outputs()]
        if len(set(keys)) != len(keys):
            raise ValueError("two outputs have the same name and format")
        return self

    def outputs(self) -> list[OutputSpec]:
        """Every output, with the default name (from the pipeline's name) filled in."""
        listed = self.output if isinstance(self.output, list) else [self.output] if self.output else []
        default = export_name(self.name)
        return [o if o.name else o.model_copy(update={"name": default}) for o in listed]

    def to_json(self) -> dict[str, Any]:
        """The definition as stored and as sent to the worker: what the user gave, normalized."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class PipelineIn(PipelineSpec):
    """A saved pipeline: a definition with a unique name."""

    name: str = Field(pattern=NAME_PATTERN)  # type: ignore[assignment]

    @field_validator("name")
    @classmethod
    def _not_a_path_of_its_own(cls, name: str) -> str:
        # `/api/pipelines/preview` is the preview endpoint: a pipeline of that name could not be
        # reached by name.
        if name == "preview":
            raise ValueError("'preview' is reserved (it is the path of POST /api/pipelines/preview)")
        return name


class PipelinePayload(JobPayload):
    """`pipeline.run`: a saved pipeline (`pipeline_id`, its id or name) or an inline one (`pipeline`);
    `source` replaces the pipeline's own (a chained run reads the job that finished)."""

    pipeline_id: str | None = Field(default=None, min_length=1, max_length=200)
    pipeline: PipelineSpec | None = None
    source: Source | None = Field(default=None, description="Replaces the pipeline's own source.")

    @model_validator(mode="after")
    def _names_a_pipeline(self) -> PipelinePayload:
        if self.pipeline_id is None and self.pipeline is None:
            raise ValueError("give 'pipeline_id' or 'pipeline'")
        return self

    def to_json(self) -> dict[str, Any]:
        """What the client sent (no filled-in defaults), so the job's `request` reads like the request."""
        payload = self.model_dump(
            mode="json", by_alias=True, exclude={"pipeline"}, exclude_unset=True, exclude_none=True
        )
        if self.pipeline is not None:
            payload["pipeline"] = self.pipeline.to_json()
        return payload


class PipelinePreviewPayload(PipelinePayload):
    """`pipeline.preview`: the run's payload and how many source rows to read."""

    rows: int = Field(default=20, ge=1, le=1000)

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "rows": self.rows}


class _PipelineChoice(JobOptionsIn):
    """Exactly one of `pipeline_id` (a saved pipeline's id or name) or `pipeline` (inline)."""

    pipeline_id: str | None = Field(default=None, min_length=1, max_length=200)
    pipeline: PipelineSpec | None = None
    source: Source | None = Field(default=None, description="Replaces the pipeline's own source.")

    @model_validator(mode="after")
    def _one_of(self) -> _PipelineChoice:
        if (self.pipeline_id is None) == (self.pipeline is None):
            raise ValueError("give exactly one of 'pipeline_id' or 'pipeline'")
        if self.pipeline is not None and self.pipeline.source is None and self.source is None:
            raise ValueError("the inline pipeline has no source: give 'pipeline.source' or 'source'")
        return self

    def _payload_fields(self) -> dict[str, Any]:
        chosen = {"pipeline_id": self.pipeline_id, "pipeline": self.pipeline, "source": self.source}
        return {name: value for name, value in chosen.items() if value is not None}


class PipelineRunRequest(_PipelineChoice):
    """Run a saved pipeline (`pipeline_id`: id or name) or an inline one (`pipeline`) as a job."""

    def to_payload(self) -> PipelinePayload:
        """What the worker's handler receives (job options stay on the job row), not validated again."""
        return PipelinePayload.model_construct(**self._payload_fields())


class PipelinePreviewRequest(_PipelineChoice):
    """Run the steps on the first `rows` rows of the source and return the result; writes nothing."""

    priority: int = Field(
        default=50, ge=-100, le=100, description="Previews are interactive: ahead by default."
    )
    rows: int = Field(default=20, ge=1, le=1000, description="Rows read from the source.")

    def to_payload(self) -> PipelinePreviewPayload:
        """The run's payload plus how many source rows to preview."""
        return PipelinePreviewPayload.model_construct(**self._payload_fields(), rows=self.rows)
