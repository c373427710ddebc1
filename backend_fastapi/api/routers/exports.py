"""`/api/exports`: the files pipelines wrote to EXPORTS_DIR: list, download (streamed), delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse

from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.openapi import error_answers
from backend_fastapi.api.responses import (
    PageCursor,
    PageLimit,
    file_content,
    model_response,
    page_response,
)
from backend_fastapi.errors import NotFound
from backend_fastapi.fileformats import MEDIA_TYPES
from backend_fastapi.safepaths import UnsafePath, inside
from backend_fastapi.schemas.files import ExportOut, ExportPage, export_body
from backend_fastapi.store import catalog
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import ExportRow

router = APIRouter(prefix="/api/exports", tags=["exports"], route_class=CheckedJsonRoute)
ERRORS = error_answers(404)


async def _export(db: Database, export_id: str) -> ExportRow:
    row = await db.fetch(lambda conn: catalog.get_export(conn, export_id))
    if row is None:
        raise NotFound(f"No export with id {export_id!r}.", details={"export_id": export_id})
    return row


@router.get("", response_model=ExportPage)
async def list_exports(
    db: DbDep,
    job_id: Annotated[str | None, Query(max_length=36)] = None,
    pipeline_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Response:
    """Exported files, newest first; `job_id` or `pipeline_id` narrow the list."""
    rows = await db.fetch(lambda conn: catalog.list_exports(conn, limit + 1, cursor, job_id, pipeline_id))
    return page_response(rows, limit, export_body, ExportPage)


@router.get("/{export_id}", response_model=ExportOut, responses=ERRORS)
async def get_export(export_id: str, db: DbDep) -> Response:
    """One export's facts: format, size, rows, the job that wrote it."""
    return model_response(export_body(await _export(db, export_id)))


@router.get(
    "/{export_id}/download",
    response_class=FileResponse,
    responses={
        **ERRORS,
        200: {"description": "The file, streamed.", "content": file_content(MEDIA_TYPES.values())},
    },
)
async def download_export(export_id: str, db: DbDep, settings: SettingsDep) -> FileResponse:
    """The file itself, streamed, with its content type and a download file name."""
    row = await _export(db, export_id)
    try:
        path = inside(settings.exports_dir, row.path)
    except UnsafePath as exc:
        raise NotFound(f"The file of export {export_id!r} is not available.") from exc
    if not path.is_file():
        raise NotFound(f"The file of export {export_id!r} is missing from EXPORTS_DIR.")
    return FileResponse(path, media_type=MEDIA_TYPES.get(row.format), filename=path.name)


@router.delete("/{export_id}", status_code=204, responses=ERRORS)
async def delete_export(export_id: str, db: DbDep, settings: SettingsDep) -> Response:
    """Delete an export's file and its entry."""
    row = await db.write(lambda c: catalog.delete_export(c, export_id))
    if row is None:
        raise NotFound(f"No export with id {export_id!r}.", details={"export_id": export_id})
    catalog.remove_export_file(settings.exports_dir, row.path)
    return Response(status_code=204)
