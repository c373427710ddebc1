"""Rows of saved pipelines, uploads and exports: the SQL the API and the pipeline worker share.

Functions take a connection (a write transaction for changes, see `Database.write`) and never
commit themselves, so a caller can combine several changes in one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.ids import new_id
from backend_fastapi.jobtypes import JobStatus, JobType
from backend_fastapi.safepaths import UnsafePath, inside
from backend_fastapi.store.job_rows import JOB_COLUMNS
from backend_fastapi.store.rows import ExportRow, JobRow, PipelineRow, UploadRow, columns_of
from backend_fastapi.store.tables import exports, jobs, pipelines, schedules, uploads

PIPELINE_COLUMNS = columns_of(pipelines, PipelineRow)
UPLOAD_COLUMNS = columns_of(uploads, UploadRow)
EXPORT_COLUMNS = columns_of(exports, ExportRow)


class NameTaken(Exception):
    """Another row already has this unique name."""


# --- pipelines -------------------------------------------------------------------------------


async def find_pipeline(conn: AsyncConnection, ref: str) -> PipelineRow | None:
    """A saved pipeline by id, else by its unique name; None when neither matches."""
    query = sa.select(*PIPELINE_COLUMNS)
    row = (await conn.execute(query.where(pipelines.c.id == ref))).first()
    if row is None:
        row = (await conn.execute(query.where(pipelines.c.name == ref))).first()
    return None if row is None else PipelineRow(*row)


async def list_pipelines(conn: AsyncConnection, limit: int, cursor: str | None = None) -> list[PipelineRow]:
    """Saved pipelines, newest first; `cursor` is the last id of the previous page."""
    query = sa.select(*PIPELINE_COLUMNS).order_by(pipelines.c.id.desc()).limit(limit)
    if cursor is not None:
        query = query.where(pipelines.c.id < cursor)
    return [PipelineRow(*row) for row in await conn.execute(query)]


async def _name_free(conn: AsyncConnection, table: sa.Table, name: str, except_id: str | None) -> None:
    query = sa.select(table.c.id).where(table.c.name == name)
    if except_id is not None:
        query = query.where(table.c.id != except_id)
    if (await conn.execute(query)).first() is not None:
        raise NameTaken(name)


async def insert_pipeline(
    conn: AsyncConnection, name: str, description: str | None, definition: dict[str, Any], now: float
) -> str:
    """Save a new pipeline; raises NameTaken."""
    await _name_free(conn, pipelines, name, None)
    pipeline_id = new_id()
    try:
        await conn.execute(
            pipelines.insert().values(
                id=pipeline_id,
                name=name,
                description=description,
                definition=definition,
                created_at=now,
                updated_at=now,
            )
        )
    except IntegrityError as exc:  # a concurrent insert of the same name on PostgreSQL
        raise NameTaken(name) from exc
    return pipeline_id


async def update_pipeline(
    conn: AsyncConnection,
    pipeline_id: str,
    name: str,
    description: str | None,
    definition: dict[str, Any],
    now: float,
) -> bool:
    """Replace a saved pipeline's definition; False when it no longer exists; raises NameTaken."""
    await _name_free(conn, pipelines, name, pipeline_id)
    try:
        result = await conn.execute(
            pipelines.update()
            .where(pipelines.c.id == pipeline_id)
            .values(name=name, description=description, definition=definition, updated_at=now)
        )
    except IntegrityError as exc:  # a concurrent rename to the same name on PostgreSQL
        raise NameTaken(name) from exc
    return result.rowcount == 1


async def delete_pipeline(conn: AsyncConnection, pipeline_id: str) -> bool:
    """Delete a saved pipeline; False when it did not exist."""
    result = await conn.execute(pipelines.delete().where(pipelines.c.id == pipeline_id))
    return result.rowcount == 1


async def schedules_running(conn: AsyncConnection, pipeline_id: str) -> list[str]:
    """Names of the schedules whose job runs this pipeline."""
    rows = await conn.execute(sa.select(schedules.c.name, schedules.c.job))
    return [
        row.name for row in rows if isinstance(row.job, dict) and row.job.get("pipeline_id") == pipeline_id
    ]


async def latest_pipeline_run(conn: AsyncConnection, pipeline: PipelineRow) -> JobRow | None:
    """The newest completed run of a saved pipeline, chained runs included (they carry no name,
    and are labelled with the id or name the scrape's `then` gave)."""
    row = (
        await conn.execute(
            sa.select(*JOB_COLUMNS)
            .where(
                jobs.c.type == JobType.PIPELINE_RUN,
                jobs.c.label.in_([pipeline.id, pipeline.name]),
                jobs.c.status == JobStatus.COMPLETED,
            )
            .order_by(jobs.c.finished_at.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else JobRow(*row)


# --- uploads ---------------------------------------------------------------------------------


async def insert_upload(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Record an uploaded file."""
    await conn.execute(uploads.insert().values(**values))


async def get_upload(conn: AsyncConnection, upload_id: str) -> UploadRow | None:
    """One upload, or None."""
    row = (await conn.execute(sa.select(*UPLOAD_COLUMNS).where(uploads.c.id == upload_id))).first()
    return None if row is None else UploadRow(*row)


async def list_uploads(conn: AsyncConnection, limit: int, cursor: str | None = None) -> list[UploadRow]:
    """Uploads newest first; `cursor` is the last id of the previous page."""
    query = sa.select(*UPLOAD_COLUMNS).order_by(uploads.c.id.desc()).limit(limit)
    if cursor is not None:
        query = query.where(uploads.c.id < cursor)
    return [UploadRow(*row) for row in await conn.execute(query)]


async def delete_upload(conn: AsyncConnection, upload_id: str) -> UploadRow | None:
    """Delete an upload's row and return it (its file is the caller's to remove), or None."""
    row = await get_upload(conn, upload_id)
    if row is not None:
        await conn.execute(uploads.delete().where(uploads.c.id == upload_id))
    return row


# --- exports ---------------------------------------------------------------------------------


async def get_export(conn: AsyncConnection, export_id: str) -> ExportRow | None:
    """One export, or None."""
    row = (await conn.execute(sa.select(*EXPORT_COLUMNS).where(exports.c.id == export_id))).first()
    return None if row is None else ExportRow(*row)


async def list_exports(
    conn: AsyncConnection,
    limit: int,
    cursor: str | None = None,
    job_id: str | None = None,
    pipeline_id: str | None = None,
) -> list[ExportRow]:
    """Exports newest first, optionally of one job or one saved pipeline."""
    query = sa.select(*EXPORT_COLUMNS).order_by(exports.c.id.desc()).limit(limit)
    if cursor is not None:
        query = query.where(exports.c.id < cursor)
    if job_id is not None:
        query = query.where(exports.c.job_id == job_id)
    if pipeline_id is not None:
        query = query.where(exports.c.pipeline_id == pipeline_id)
    return [ExportRow(*row) for row in await conn.execute(query)]


async def exports_of_job(conn: AsyncConnection, job_id: str) -> list[ExportRow]:
    """The exports one job wrote, oldest first."""
    query = sa.select(*EXPORT_COLUMNS).where(exports.c.job_id == job_id).order_by(exports.c.id)
    return [ExportRow(*row) for row in await conn.execute(query)]


async def replace_job_exports(
    conn: AsyncConnection, job_id: str, rows: Sequence[dict[str, Any]]
) -> list[str]:
    """Make `rows` the job's exports (a rerun replaces the earlier run's); returns the paths dropped."""
    old = await exports_of_job(conn, job_id)
    await conn.execute(exports.delete().where(exports.c.job_id == job_id))
    if rows:
        await conn.execute(exports.insert(), list(rows))
    kept = {row["path"] for row in rows}
    return [row.path for row in old if row.path not in kept]


async def prune_exports(conn: AsyncConnection, older_than: float, limit: int) -> list[str]:
    """Delete up to `limit` exports created before `older_than`; their paths, whose files the
    caller removes after the commit (a listed export must never lack its file)."""
    rows = (
        await conn.execute(
            sa.select(exports.c.id, exports.c.path).where(exports.c.created_at < older_than).limit(limit)
        )
    ).all()
    if rows:
        await conn.execute(exports.delete().where(exports.c.id.in_([row.id for row in rows])))
    return [row.path for row in rows]


def remove_export_file(exports_dir: Path, relative: str) -> None:
    """Remove an export's file, and its job's folder once the folder is empty; a path that would
    leave EXPORTS_DIR is ignored."""
    with contextlib.suppress(UnsafePath):
        path = inside(exports_dir, relative)
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()


async def delete_export(conn: AsyncConnection, export_id: str) -> ExportRow | None:
    """Delete an export's row and return it (its file is the caller's to remove), or None."""
    row = await get_export(conn, export_id)
    if row is not None:
        await conn.execute(exports.delete().where(exports.c.id == export_id))
    return row
