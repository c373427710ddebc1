"""Where a pipeline's rows come from: a finished job, the latest named run, an upload, inline rows, a URL."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from backend_fastapi.schemas.common import NAME_PATTERN, StrictModel, validate_outbound_url

FileFormat = Literal["csv", "json", "jsonl", "xlsx", "parquet"]
MAX_INLINE_RECORDS = 10_000


class FileOptions(StrictModel):
    """How to read a file: only the options that fit its format are used."""

    delimiter: str = Field(default=",", min_length=1, max_length=1, description="CSV field separator.")
    encoding: str = Field(default="utf-8", pattern=r"^[A-Za-z0-9_-]{1,32}$", description="CSV text encoding.")
    infer_types: bool = Field(
        default=True, description="CSV: false reads every column as text (keeps leading zeros)."
    )
    sheet: str | int | None = Field(default=None, description="XLSX: sheet name or 0-based index.")
    records_path: str | None = Field(
        default=None,
        max_length=200,
        description="JSON: dotted key of the list of records inside a top-level object (e.g. `data.items`).",
    )


class JobSource(StrictModel):
    """The records of a finished job (a scrape's `data` fields become columns)."""

    type: Literal["job"]
    job_id: str = Field(min_length=1, max_length=36)


class LatestSource(StrictModel):
    """The records of the newest completed job named `name` (a saved scrape, schedule or pipeline)."""

    type: Literal["latest"]
    name: str = Field(pattern=NAME_PATTERN)


class UploadSource(FileOptions):
    """A file uploaded through `POST /api/uploads`."""

    type: Literal["upload"]
    upload_id: str = Field(min_length=1, max_length=36)


class InlineSource(StrictModel):
    """Rows given in the definition itself."""

    type: Literal["inline"]
    records: list[dict[str, Any]] = Field(max_length=MAX_INLINE_RECORDS)


class UrlSource(FileOptions):
    """A CSV, JSON, JSONL, XLSX or Parquet file fetched over HTTP(S) (private addresses refused)."""

    type: Literal["url"]
    url: str
    format: FileFormat | None = Field(
        default=None, description="Guessed from the Content-Type or the URL's extension when left out."
    )

    _url = field_validator("url")(validate_outbound_url)


Source = Annotated[
    JobSource | LatestSource | UploadSource | InlineSource | UrlSource, Field(discriminator="type")
]
