"""Turning a pipeline's sources into local files the child process reads (in the worker, no pandas).

Job records are paged out of the database into JSONL, inline rows written as JSONL, URLs
downloaded through the address guard, uploads and earlier exports read where they are. Nothing
here changes a source: the child only ever reads these files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from backend_fastapi.fileformats import guess_format
from backend_fastapi.pipelines.errors import SourceUnavailable
from backend_fastapi.pipelines.fetch import download
from backend_fastapi.safepaths import UnsafePath, inside
from backend_fastapi.schemas import pipeline_sources as src
from backend_fastapi.store import catalog, job_rows, record_rows
from backend_fastapi.store.tables import COMPLETED
from backend_fastapi.worker.context import JobContext

RECORD_PAGE = 2000
# When a `latest` pipeline run stored no records, its export is read instead, best format first.
EXPORT_PREFERENCE = ("parquet", "jsonl", "csv", "json", "xlsx")
InputFile = dict[str, Any]


def _file_options(source: src.FileOptions) -> dict[str, Any]:
    return source.model_dump(include=set(src.FileOptions.model_fields))


async def _job_records(ctx: JobContext[Any], job: Any, dest: Path, limit: int | None) -> int:
    """Page a job's records into a JSONL file; returns how many were written."""
    written = 0
    with dest.open("wb") as fh:
        while limit is None or written < limit:
            size = RECORD_PAGE if limit is None else min(RECORD_PAGE, limit - written)
            async with ctx.db.read() as conn:
                page = await record_rows.page_records(conn, job.id, job.attempts, written, size)
            if not page:
                break
            fh.write(b"".join(orjson.dumps(record) + b"\n" for record in page))
            written += len(page)
    return written


async def _from_job(
    ctx: JobContext[Any], job: Any, dest: Path, limit: int | None, info: dict[str, Any]
) -> InputFile:
    async with ctx.db.read() as conn:
        has_records = await record_rows.count_records(conn, job.id, job.attempts) > 0
        exported = [] if has_records else await catalog.exports_of_job(conn, job.id)
    if not has_records and exported:
        best = min(
            exported, key=lambda e: EXPORT_PREFERENCE.index(e.format) if e.format in EXPORT_PREFERENCE else 99
        )
        try:
            path = inside(ctx.settings.exports_dir, best.path)
        except UnsafePath as exc:
            raise SourceUnavailable(f"the export of job {job.id} is outside EXPORTS_DIR") from exc
        if not path.is_file():
            raise SourceUnavailable(f"the export {best.name}.{best.format} of job {job.id} was deleted")
        info["export_id"] = best.id
        return {"path": str(path), "format": best.format, "options": {}, "label": f"export {best.id}"}
    info["records"] = await _job_records(ctx, job, dest, limit)
    return {"path": str(dest), "format": "jsonl", "options": {}, "label": f"job {job.id}"}


async def _latest(ctx: JobContext[Any], name: str) -> Any:
    """The newest completed job named `name`, or run of the saved pipeline named `name`."""
    async with ctx.db.read() as conn:
        candidates = [await job_rows.latest_completed(conn, name)]
        pipeline = await catalog.find_pipeline(conn, name)
        if pipeline is not None:
            candidates.append(await catalog.latest_pipeline_run(conn, pipeline))
    found = [job for job in candidates if job is not None and job.id != ctx.id]
    return max(found, key=lambda job: job.finished_at or 0.0) if found else None


async def materialize(
    ctx: JobContext[Any], source: Any, base: Path, limit: int | None
) -> tuple[InputFile, dict[str, Any]]:
    """A local file holding the source's rows, and what the report says about the source."""
    info: dict[str, Any] = {"type": source.type}
    jsonl = base.with_suffix(".jsonl")
    if isinstance(source, src.JobSource):
        info["job_id"] = source.job_id
        async with ctx.db.read() as conn:
            job = await job_rows.get_job(conn, source.job_id)
        if job is None:
            raise SourceUnavailable(f"job {source.job_id} does not exist (deleted, or never created)")
        if job.status != COMPLETED:
            raise SourceUnavailable(f"job {source.job_id} is {job.status}; only completed jobs can be read")
        return await _from_job(ctx, job, jsonl, limit, info), info
    if isinstance(source, src.LatestSource):
        info["name"] = source.name
        job = await _latest(ctx, source.name)
        if job is None:
            raise SourceUnavailable(f"no completed job named {source.name!r} yet")
        info["job_id"] = job.id
        return await _from_job(ctx, job, jsonl, limit, info), info
    if isinstance(source, src.UploadSource):
        info["upload_id"] = source.upload_id
        async with ctx.db.read() as conn:
            upload = await catalog.get_upload(conn, source.upload_id)
        if upload is None:
            raise SourceUnavailable(f"upload {source.upload_id} does not exist")
        try:
            path = inside(ctx.settings.uploads_dir, upload.path)
        except UnsafePath as exc:
            raise SourceUnavailable(f"upload {source.upload_id} is outside UPLOADS_DIR") from exc
        if not path.is_file():
            raise SourceUnavailable(f"the file of upload {source.upload_id} is missing")
        info["filename"] = upload.filename
        label = f"upload {upload.filename!r}"
        return {
            "path": str(path),
            "format": upload.format,
            "options": _file_options(source),
            "label": label,
        }, info
    if isinstance(source, src.InlineSource):
        jsonl.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in source.records))
        info["records"] = len(source.records)
        return {"path": str(jsonl), "format": "jsonl", "options": {}, "label": "inline records"}, info
    if isinstance(source, src.UrlSource):
        info["url"] = source.url
        dest = base.with_suffix(".download")
        final_url, content_type = await download(source.url, dest, ctx.settings)
        fmt = source.format or guess_format(final_url, content_type)
        if fmt is None:
            raise SourceUnavailable(
                f"cannot tell the format of {source.url} (Content-Type {content_type!r}); set 'format'"
            )
        info["format"] = fmt
        info["size_bytes"] = dest.stat().st_size
        return {"path": str(dest), "format": fmt, "options": _file_options(source), "label": source.url}, info
    raise SourceUnavailable(f"unknown source type {source.type!r}")
