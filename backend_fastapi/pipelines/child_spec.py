"""What the worker hands the pipeline's child process: one model, written as JSON, read back once."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend_fastapi.schemas.pipeline import OutputSpec
from backend_fastapi.schemas.pipeline_steps import Step


class InputFile(BaseModel):
    """A local file of rows the child reads (a source turned into a file by `pipelines.inputs`)."""

    model_config = ConfigDict(extra="forbid")

    path: str
    format: str
    options: dict[str, Any] = Field(default_factory=dict, description="The source's reader options.")
    label: str | None = Field(default=None, description="How errors name the source.")


class ChildSpec(BaseModel):
    """One pipeline run inside the child process."""

    model_config = ConfigDict(extra="forbid")

    steps: list[Step] = Field(description="Join and append sources replaced: their rows are in `inputs`.")
    inputs: dict[str, InputFile] = Field(description='"source", and a join/append step\'s index.')
    outputs: list[OutputSpec] = Field(description="Files written to `out_dir`, named.")
    out_dir: str
    records_path: str | None = Field(description="Where the output rows go as JSONL (the job's records).")
    preview_rows: int | None = Field(
        description="Read only this many source rows and return the result rows."
    )
    chunk_rows: int | None = None
    large_input_mb: int | None = Field(
        default=None,
        description="A source file larger than this runs out of core (see `pipelines.outofcore`).",
    )
    memory_limit_mb: int | None = Field(default=None, description="The run's memory limit (DuckDB's share).")
