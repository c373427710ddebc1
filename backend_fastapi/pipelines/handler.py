"""The `pipeline.run` and `pipeline.preview` job handlers (worker side: no pandas in this process).

A run: load the definition (saved or inline; a chained run's `source` replaces the saved one),
turn the sources into local files, run the engine in a child process under the memory limit,
then publish the files it wrote as exports and store its rows as the job's records. Work files
live under `EXPORTS_DIR/.work/` (same file system as the exports, so publishing is a rename) and
are removed whatever happens; nothing is published unless every step succeeded.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from backend_fastapi.errors import InvalidPayload, JobError
from backend_fastapi.ids import new_id
from backend_fastapi.pipelines.child_spec import ChildSpec, InputFile
from backend_fastapi.pipelines.errors import PipelineNotFound
from backend_fastapi.pipelines.inputs import materialize
from backend_fastapi.pipelines.process import run_child
from backend_fastapi.pipelines.warm import WarmPolicy
from backend_fastapi.schemas.common import blocked_address_in
from backend_fastapi.schemas.pipeline import PipelinePayload, PipelinePreviewPayload, PipelineSpec
from backend_fastapi.schemas.pipeline_sources import InlineSource
from backend_fastapi.schemas.pipeline_steps import AppendStep, JoinStep, Step
from backend_fastapi.schemas.results import PipelinePreviewResult, PipelineRef, PipelineRunResult
from backend_fastapi.store import catalog
from backend_fastapi.store.record_rows import JsonText
from backend_fastapi.worker.context import JobContext

WORK_DIR = ".work"
STORE_BATCH = 10_000
_PLACEHOLDER = InlineSource(type="inline", records=[])


async def load_definition(ctx: JobContext[PipelinePayload]) -> tuple[PipelineSpec, PipelineRef]:
    """The pipeline to run and which one it is (a saved one's id and name, or the inline one's name)."""
    payload = ctx.payload
    if payload.pipeline_id:
        async with ctx.db.read() as conn:
            row = await catalog.find_pipeline(conn, payload.pipeline_id)
        if row is None:
            raise PipelineNotFound(f"The saved pipeline {payload.pipeline_id!r} does not exist (deleted?).")
        try:
            # A saved definition is read at run time: it may have been saved by an older version.
            spec = PipelineSpec.model_validate(row.definition)
        except ValidationError as exc:
            if (blocked := blocked_address_in(exc)) is not None:
                raise blocked from exc
            raise InvalidPayload(f"The pipeline definition is invalid: {exc}") from exc
        ref = PipelineRef(pipeline_id=row.id, name=row.name)
    else:
        assert payload.pipeline is not None  # the payload model names one or the other
        spec = payload.pipeline
        ref = PipelineRef(pipeline_id=None, name=spec.name)
    if payload.source is not None:
        spec = spec.model_copy(update={"source": payload.source})
    if spec.source is None:
        raise InvalidPayload("The pipeline has no source; give one in the definition or with the run.")
    return spec, ref


def _workdir(ctx: JobContext[PipelinePayload]) -> Path:
    root = ctx.settings.exports_dir / WORK_DIR
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(f"{ctx.id}-*"):  # left by an attempt whose worker died
        shutil.rmtree(stale, ignore_errors=True)
    path = root / f"{ctx.id}-{ctx.attempt}"
    path.mkdir()
    return path


async def _prepare(
    ctx: JobContext[PipelinePayload], spec: PipelineSpec, workdir: Path, preview_rows: int | None
) -> tuple[ChildSpec, dict[str, dict[str, Any]]]:
    """The child's spec and the report's description of the sources."""
    await ctx.set_progress({"phase": "preparing"}, force=True)
    assert spec.source is not None  # `load_definition` refuses a pipeline without one
    inputs: dict[str, InputFile] = {}
    described: dict[str, dict[str, Any]] = {}
    source, described["source"] = await materialize(ctx, spec.source, workdir / "source", preview_rows)
    inputs["source"] = InputFile.model_validate(source)
    steps: list[Step] = []
    for index, step in enumerate(spec.steps):
        if isinstance(step, JoinStep | AppendStep):
            joined, described[f"steps[{index}]"] = await materialize(
                ctx, step.source, workdir / f"step{index}", None
            )
            inputs[str(index)] = InputFile.model_validate(joined)
            step = step.model_copy(update={"source": _PLACEHOLDER})  # the rows are in `inputs`
        steps.append(step)
    out_dir = workdir / "out"
    out_dir.mkdir()
    run = preview_rows is None
    child_spec = ChildSpec(
        steps=steps,
        inputs=inputs,
        outputs=spec.outputs() if run else [],
        out_dir=str(out_dir),
        records_path=str(workdir / "records.jsonl") if spec.store_records and run else None,
        preview_rows=preview_rows,
        large_input_mb=ctx.settings.PIPELINE_LARGE_INPUT_MB,
        memory_limit_mb=ctx.settings.PIPELINE_MEMORY_LIMIT_MB,
    )
    return child_spec, described


async def _run(
    ctx: JobContext[PipelinePayload],
    spec: PipelineSpec,
    workdir: Path,
    preview_rows: int | None,
    started: float,
) -> dict[str, Any]:
    """The engine's report, with what the worker knows added: sources, memory, preparation time."""
    child_spec, described = await _prepare(ctx, spec, workdir, preview_rows)
    prepared = time.monotonic()

    async def progress(update: dict[str, Any]) -> None:
        await ctx.set_progress(update)

    try:
        outcome = await run_child(
            child_spec,
            workdir,
            ctx.settings.PIPELINE_MEMORY_LIMIT_MB,
            progress,
            WarmPolicy(
                ctx.settings.PIPELINE_WARM_IDLE_SECONDS,
                ctx.settings.PIPELINE_WARM_MAX_RUNS,
                ctx.settings.PIPELINE_WARM_MAX_GROWTH_MB,
            ),
        )
    except JobError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        if details.get("steps") or details.get("validation"):
            # A failed job has no result: its progress keeps the report of what ran.
            await ctx.set_progress({"phase": "failed", **details}, force=True)
        raise
    result = outcome.result
    result["source"] = {**described.pop("source"), **result.get("source", {})}
    if described:
        result["joined_sources"] = described
    result["memory"] = {
        "peak_rss_mb": round(outcome.peak_rss_bytes / 1048576, 1),
        "limit_mb": ctx.settings.PIPELINE_MEMORY_LIMIT_MB,
    }
    result.setdefault("timings", {})["child_seconds"] = round(outcome.seconds, 3)
    result["timings"]["prepare_seconds"] = round(prepared - started, 3)
    return result


async def _publish(
    ctx: JobContext[PipelinePayload], saved: PipelineRef, workdir: Path, written: list[dict[str, Any]]
) -> None:
    """Move the written files into EXPORTS_DIR/<job id>/ and list them as the job's exports."""
    target = ctx.settings.exports_dir / ctx.id
    target.mkdir(parents=True, exist_ok=True)
    now = time.time()
    rows = []
    for output in written:
        relative = f"{ctx.id}/{output['filename']}"
        os.replace(workdir / "out" / output["filename"], ctx.settings.exports_dir / relative)
        export_id = new_id()
        rows.append(
            {
                "id": export_id,
                "job_id": ctx.id,
                "pipeline_id": saved.pipeline_id,
                "name": output["name"],
                "format": output["format"],
                "path": relative,
                "size_bytes": output["size_bytes"],
                "rows": output["rows"],
                "created_at": now,
            }
        )
        output["export_id"] = export_id
        output["download_url"] = f"/api/exports/{export_id}/download"
    dropped = await ctx.db.write(lambda c: catalog.replace_job_exports(c, ctx.id, rows))
    for path in dropped:
        (ctx.settings.exports_dir / path).unlink(missing_ok=True)


async def _store_records(ctx: JobContext[PipelinePayload], path: Path, total: int) -> int:
    """Stream the output rows from the child's JSONL into the job's records.

    STORE_BATCH rows a transaction: each commit waits for the disk, so 500-row transactions made
    storing a 10,000-row result take longer than running the pipeline that made it.
    """
    stored = 0
    batch: list[JsonText] = []
    await ctx.set_progress({"phase": "storing", "records": 0, "rows_done": 0, "rows_total": total})

    async def nothing(_: Any) -> None:
        return None

    with path.open("rb") as fh:
        for line in fh:
            line = line.strip()
            if line:
                # The child wrote each line as one JSON object: stored as it is, not parsed again.
                batch.append(JsonText(line.decode()))
            if len(batch) >= STORE_BATCH:
                ctx.hold_records(batch)
                stored += len(batch)
                batch = []
                await ctx.set_progress(
                    {"phase": "storing", "records": stored, "rows_done": stored, "rows_total": total}
                )
                await ctx.checkpoint(nothing)
    ctx.hold_records(batch)
    stored += len(batch)
    await ctx.checkpoint(nothing)
    return stored


async def run_pipeline_job(ctx: JobContext[PipelinePayload]) -> PipelineRunResult:
    """`pipeline.run`: run the pipeline, publish its exports, store its rows; returns the report."""
    started = time.monotonic()
    spec, ref = await load_definition(ctx)
    workdir = _workdir(ctx)
    try:
        result = await _run(ctx, spec, workdir, None, started)
        await _publish(ctx, ref, workdir, result.get("outputs") or [])
        records = workdir / "records.jsonl"
        if records.is_file():
            stored_at = time.monotonic()
            await ctx.reset_records()
            result["records"] = await _store_records(ctx, records, int(result.get("rows") or 0))
            result["timings"]["store_seconds"] = round(time.monotonic() - stored_at, 3)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result["pipeline"] = ref
    result["timings"]["total_seconds"] = round(time.monotonic() - started, 3)
    rows = result.get("rows")
    await ctx.set_progress({"phase": "done", "rows": rows, "rows_done": rows, "rows_total": rows}, force=True)
    return PipelineRunResult.model_validate(result)


async def run_preview_job(ctx: JobContext[PipelinePreviewPayload]) -> PipelinePreviewResult:
    """`pipeline.preview`: the steps on the first `rows` source rows; returns the rows, writes nothing."""
    started = time.monotonic()
    spec, ref = await load_definition(ctx)
    workdir = _workdir(ctx)
    try:
        result = await _run(ctx, spec, workdir, ctx.payload.rows, started)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    preview = result.pop("preview", {})
    result["pipeline"] = ref
    result["preview_rows"] = preview.get("rows", [])
    result["truncated"] = bool(preview.get("truncated"))
    result["timings"]["total_seconds"] = round(time.monotonic() - started, 3)
    return PipelinePreviewResult.model_validate(result)
