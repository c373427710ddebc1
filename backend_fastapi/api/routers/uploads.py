"""`/api/uploads`: files to use as pipeline sources (CSV, JSON, JSONL, XLSX, Parquet).

The body limit of this path is UPLOAD_MAX_BYTES (413 above it, enforced while the body streams
in). The client's file name is only kept for display, sanitised; the file is stored as
`<upload id>.<format>` inside UPLOADS_DIR, so no name can point anywhere else.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import IO, Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.openapi import error_answers
from backend_fastapi.api.responses import PageCursor, PageLimit, model_response, page_response
from backend_fastapi.errors import AppError, InvalidRequest, NotFound, PayloadTooLarge
from backend_fastapi.fileformats import FORMATS, SNIFF_BYTES, guess_format, sniff_problem
from backend_fastapi.ids import new_id
from backend_fastapi.safepaths import UnsafePath, inside, sanitize_filename
from backend_fastapi.schemas.files import UploadOut, UploadPage, upload_body
from backend_fastapi.store import catalog
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import UploadRow

router = APIRouter(prefix="/api/uploads", tags=["uploads"], route_class=CheckedJsonRoute)
NOT_FOUND = error_answers(404)
COPY_BLOCK = 1 << 20


class UnsupportedFormat(AppError):
    """The file is not CSV, JSON, JSONL, XLSX or Parquet."""

    status_code = 415
    code = "unsupported_media_type"


def _store(source: IO[bytes], dest: Path, limit: int) -> tuple[int, bytes, bytes]:
    """Copy the upload to `dest`; returns its size and its first and last bytes."""
    size = 0
    head = b""
    tail = b""
    with dest.open("wb") as out:
        while block := source.read(COPY_BLOCK):
            size += len(block)
            if size > limit:
                raise PayloadTooLarge(
                    f"The file is larger than {limit:,} bytes (UPLOAD_MAX_BYTES).",
                    details={"limit_bytes": limit},
                )
            if len(head) < SNIFF_BYTES:
                head += block[: SNIFF_BYTES - len(head)]
            tail = (tail + block)[-8:]
            out.write(block)
    return size, head, tail


async def _upload(db: Database, upload_id: str) -> UploadRow:
    row = await db.fetch(lambda conn: catalog.get_upload(conn, upload_id))
    if row is None:
        raise NotFound(f"No upload with id {upload_id!r}.", details={"upload_id": upload_id})
    return row


@router.post("", status_code=201, response_model=UploadOut, responses=error_answers(400, 404, 413, 415, 422))
async def create_upload(
    db: DbDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="The file: CSV, JSON, JSONL, XLSX or Parquet.")],
    format: Annotated[str | None, Form(description="Overrides the format guessed from the name.")] = None,
) -> Response:
    """Store a file for pipelines (`{"type": "upload", "upload_id": ...}` sources)."""
    filename = sanitize_filename(file.filename, default="upload")
    fmt = (format or "").strip().lower() or guess_format(filename, file.content_type)
    if fmt not in FORMATS:
        raise UnsupportedFormat(
            f"Cannot use {filename!r} as {fmt or 'an unknown format'}: upload CSV, JSON, JSONL, XLSX "
            "or Parquet (name the file with its extension, or send a 'format' field).",
            details={"formats": list(FORMATS)},
        )
    upload_id = new_id()
    relative = f"{upload_id}.{fmt}"
    root = settings.uploads_dir
    root.mkdir(parents=True, exist_ok=True)
    dest = inside(root, relative)
    try:
        size, head, tail = await run_in_threadpool(_store, file.file, dest, settings.UPLOAD_MAX_BYTES)
        problem = sniff_problem(fmt, head, tail)
        if problem:
            raise InvalidRequest(
                f"{filename!r} is not a valid {fmt.upper()} file: {problem}.", details={"format": fmt}
            )
        values = {
            "id": upload_id,
            "filename": filename,
            "format": fmt,
            "path": relative,
            "size_bytes": size,
            "content_type": (file.content_type or None),
            "created_at": time.time(),
        }
        await db.write(lambda c: catalog.insert_upload(c, values))
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    finally:
        await file.close()
    row = await _upload(db, upload_id)
    return model_response(upload_body(row), 201, {"Location": f"/api/uploads/{upload_id}"})


@router.get("", response_model=UploadPage)
async def list_uploads(
    db: DbDep,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Response:
    """Uploaded files, newest first."""
    rows = await db.fetch(lambda conn: catalog.list_uploads(conn, limit + 1, cursor))
    return page_response(rows, limit, upload_body, UploadPage)


@router.get("/{upload_id}", response_model=UploadOut, responses=NOT_FOUND)
async def get_upload(upload_id: str, db: DbDep) -> Response:
    """One upload."""
    return model_response(upload_body(await _upload(db, upload_id)))


@router.delete("/{upload_id}", status_code=204, responses=NOT_FOUND)
async def delete_upload(upload_id: str, db: DbDep, settings: SettingsDep) -> Response:
    """Delete an upload and its file (pipelines that read it will fail with `source_unavailable`)."""
    row = await db.write(lambda c: catalog.delete_upload(c, upload_id))
    if row is None:
        raise NotFound(f"No upload with id {upload_id!r}.", details={"upload_id": upload_id})
    with contextlib.suppress(UnsafePath):
        inside(settings.uploads_dir, row.path).unlink(missing_ok=True)
    return Response(status_code=204)
