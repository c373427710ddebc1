"""Uploaded files and exported files as the API shows them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from backend_fastapi.schemas.common import iso


class UploadOut(BaseModel):
    upload_id: str
    filename: str
    format: str
    size_bytes: int
    content_type: str | None = None
    created_at: str
    source: dict[str, Any]


class UploadPage(BaseModel):
    items: list[UploadOut]
    next_cursor: str | None = None


class ExportOut(BaseModel):
    export_id: str
    job_id: str | None = None
    pipeline_id: str | None = None
    name: str
    format: str
    filename: str
    size_bytes: int
    rows: int
    created_at: str
    download_url: str


class ExportPage(BaseModel):
    items: list[ExportOut]
    next_cursor: str | None = None


def upload_body(row: Any) -> dict[str, Any]:
    """The JSON body of an upload, with the `source` to use it in a pipeline."""
    return {
        "upload_id": row.id,
        "filename": row.filename,
        "format": row.format,
        "size_bytes": row.size_bytes,
        "content_type": row.content_type,
        "created_at": iso(row.created_at),
        "source": {"type": "upload", "upload_id": row.id},
    }


def export_body(row: Any) -> dict[str, Any]:
    """The JSON body of an export."""
    return {
        "export_id": row.id,
        "job_id": row.job_id,
        "pipeline_id": row.pipeline_id,
        "name": row.name,
        "format": row.format,
        "filename": row.path.rsplit("/", 1)[-1],
        "size_bytes": row.size_bytes,
        "rows": row.rows,
        "created_at": iso(row.created_at),
        "download_url": f"/api/exports/{row.id}/download",
    }
