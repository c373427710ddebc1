"""Uploaded files and exported files as the API shows them."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import Field

from backend_fastapi.schemas.pipeline_sources import FileFormat
from backend_fastapi.schemas.responses import ResponseModel, at
from backend_fastapi.store.rows import ExportRow, UploadRow


class UploadRef(ResponseModel):
    """The pipeline source that reads the upload: paste it as a pipeline's `source`."""

    type: Literal["upload"]
    upload_id: str


class UploadOut(ResponseModel):
    upload_id: str
    filename: str = Field(description="The client's file name, sanitised (for display only).")
    format: FileFormat
    size_bytes: int
    content_type: str | None = None
    created_at: str
    source: UploadRef


class UploadPage(ResponseModel):
    items: list[UploadOut]
    next_cursor: str | None = None


class ExportOut(ResponseModel):
    export_id: str
    job_id: str | None = None
    pipeline_id: str | None = None
    name: str
    format: FileFormat
    filename: str
    size_bytes: int
    rows: int
    created_at: str
    download_url: str


class ExportPage(ResponseModel):
    items: list[ExportOut]
    next_cursor: str | None = None


def upload_body(row: UploadRow) -> UploadOut:
    """The answer for an upload, with the `source` to use it in a pipeline."""
    return UploadOut(
        upload_id=row.id,
        filename=row.filename,
        format=cast(FileFormat, row.format),
        size_bytes=row.size_bytes,
        content_type=row.content_type,
        created_at=at(row.created_at),
        source=UploadRef(type="upload", upload_id=row.id),
    )


def export_body(row: ExportRow) -> ExportOut:
    """The answer for an export."""
    return ExportOut(
        export_id=row.id,
        job_id=row.job_id,
        pipeline_id=row.pipeline_id,
        name=row.name,
        format=cast(FileFormat, row.format),
        filename=row.path.rsplit("/", 1)[-1],
        size_bytes=row.size_bytes,
        rows=row.rows,
        created_at=at(row.created_at),
        download_url=f"/api/exports/{row.id}/download",
    )
