"""Running a pipeline's steps on its source and writing the outputs (inside the child process).

The leading row-local steps run chunk by chunk while the source is read, so a step such as
`select`, `filter` or `cast` shrinks each chunk before the next one is read (a left or inner join
too, against its other source read whole); the first step that needs every row (dedupe, sort, a
right or outer join, append, aggregate, a `unique` rule) gathers the chunks, and it and everything
after it run on the whole frame. The report says, per step, rows in and out, what
it did and how long it took.

The spec is a `pipelines.child_spec.ChildSpec`, written by the parent (see `pipelines/handler.py`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from backend_fastapi.errors import JobError
from backend_fastapi.pipelines import readers, writers
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.pipelines.errors import StepError, StepFailed
from backend_fastapi.pipelines.frames import concat_rows, release_memory, to_records
from backend_fastapi.pipelines.steps import FINISHERS, OPS, StepContext, streamable

log = logging.getLogger(__name__)

CHUNK_ROWS = 100_000
PREVIEW_MAX_ROWS = 1000
MB = 1 << 20
DEFAULT_LIMIT_MB = 512
Emit = Callable[[dict[str, Any]], None]


class Run:
    """One run's steps, contexts, counters and timings (the out-of-core path works on it too)."""

    def __init__(self, spec: ChildSpec, emit: Emit) -> None:
        self.spec = spec
        self.emit = emit
        self.steps = spec.steps
        self.inputs = {key: file.model_dump() for key, file in spec.inputs.items()}
        self.chunk_rows = spec.chunk_rows or CHUNK_ROWS
        self.preview_rows = spec.preview_rows
        # The run hands every frame to its steps and keeps none (`apply`): they own their input.
        preview = self.preview_rows is not None
        self.contexts = [
            StepContext(i, step.op, self._loader(str(i)), preview=preview, owns_input=True)
            for i, step in enumerate(self.steps)
        ]
        self.rows = [[0, 0] for _ in self.steps]
        self.seconds = [0.0 for _ in self.steps]
        self.timings: dict[str, float] = {"read_seconds": 0.0, "steps_seconds": 0.0, "write_seconds": 0.0}

    def _loader(self, key: str) -> Callable[[], pd.DataFrame] | None:
        source = self.inputs.get(key)
        if source is None:
            return None
        cache: list[pd.DataFrame] = []

        def load() -> pd.DataFrame:
            if not cache:
                started = time.perf_counter()
                cache.append(readers.read_all(source, self.chunk_rows))
                self.timings["read_seconds"] += time.perf_counter() - started
            return cache[0]

        return load

    def progress(
        self, phase: str, rows_done: int, rows_total: int | None = None, **more: Any
    ) -> dict[str, Any]:
        """A progress report (`PipelineProgress`): the phase, its rows done out of how many."""
        report = {"phase": phase, "rows_done": rows_done, "steps_total": len(self.steps), **more}
        if rows_total is not None:
            report["rows_total"] = rows_total
        return report

    def apply(self, index: int, frame: pd.DataFrame) -> pd.DataFrame:
        """Run step `index` on `frame`, counting rows and time; step errors name the step."""
        step, ctx = self.steps[index], self.contexts[index]
        rows_in = len(frame)  # the step may take the frame's columns apart (`owns_input`)
        started = time.perf_counter()
        try:
            out = OPS[step.op](frame, step, ctx)
        except StepError as exc:
            raise StepFailed(f"steps[{index}] ({step.op}) failed: {exc}", details={"step": index}) from exc
        except (JobError, MemoryError):
            raise
        except Exception as exc:
            log.warning("pipeline.step_error", exc_info=exc, extra={"step": index, "op": step.op})
            raise StepFailed(
                f"steps[{index}] ({step.op}) failed: {type(exc).__name__}: {exc}", details={"step": index}
            ) from exc
        elapsed = time.perf_counter() - started
        self.seconds[index] += elapsed
        self.timings["steps_seconds"] += elapsed
        self.rows[index][0] += rows_in
        self.rows[index][1] += len(out)
        return out

    def apply_streamed(self, index: int, chunk: pd.DataFrame, rows_read: int) -> pd.DataFrame:
        """Run step `index` on one chunk as the source is read; its progress names the step, so a
        run stopped there (its memory limit, say) says which step it was in."""
        op = self.steps[index].op
        self.emit(self.progress("reading", rows_read, rows_read=rows_read, step=index, op=op))
        return self.apply(index, chunk)

    def finish(self, index: int) -> None:
        """Let a step conclude after its last rows (validate decides `fail` here)."""
        finisher = FINISHERS.get(self.steps[index].op)
        if finisher is not None:
            finisher(self.steps[index], self.contexts[index])

    def out_of_core(self) -> bool:
        """Whether this run takes the out-of-core path: a large input with a whole-table step."""
        limit_mb = self.spec.large_input_mb
        if limit_mb is None or self.preview_rows is not None or all(streamable(s) for s in self.steps):
            return False
        return Path(self.inputs["source"]["path"]).stat().st_size > limit_mb * MB

    def transform(self) -> tuple[writers.Rows, dict[str, Any]]:
        """Read the source and run every step; returns the result and facts about the source."""
        if self.out_of_core():
            from backend_fastapi.pipelines.outofcore import OutOfCore

            return OutOfCore(self, self.spec.memory_limit_mb or DEFAULT_LIMIT_MB).transform()
        return self.transform_in_memory()

    def transform_in_memory(self) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The source in chunks through the leading row-local steps, then the rest on one frame."""
        prefix = 0
        while prefix < len(self.steps) and streamable(self.steps[prefix]):
            prefix += 1
        parts: list[pd.DataFrame] = []
        source_rows = 0
        columns: list[str] = []
        stopped_early = False
        self.emit(self.progress("reading", 0, rows_read=0))
        # Every row stays in memory on this path: the file is read at once where that is faster.
        chunks = readers.read_chunks(self.inputs["source"], self.chunk_rows, self.preview_rows, whole=True)
        while True:
            started = time.perf_counter()
            chunk = next(chunks, None)
            self.timings["read_seconds"] += time.perf_counter() - started
            if chunk is None:
                break
            if not columns:
                columns = [str(c) for c in chunk.columns]
            source_rows += len(chunk)
            self.emit(self.progress("reading", source_rows, rows_read=source_rows))
            for index in range(prefix):
                chunk = self.apply_streamed(index, chunk, source_rows)
            parts.append(chunk)
            del chunk
            release_memory()
            if any(ctx.exhausted for ctx in self.contexts[:prefix]):
                stopped_early = True
                break
        frame = concat_rows(parts)
        release_memory()  # the chunks' parser buffers are the largest free memory of a run
        for index in range(prefix):
            self.finish(index)
        for index in range(prefix, len(self.steps)):
            op = self.steps[index].op
            self.emit(self.progress("step", len(frame), step=index, op=op, rows=len(frame)))
            frame = self.apply(index, frame)
            self.finish(index)
            release_memory()  # the step's temporary columns: the next step's peak starts lower
        source = {"rows": source_rows, "columns": columns, "streamed_steps": prefix}
        if stopped_early:
            source["stopped_early"] = True
        return frame, source

    def step_reports(self) -> list[dict[str, Any]]:
        """Rows in and out, details and time of every step."""
        reports = []
        for index, (step, ctx) in enumerate(zip(self.steps, self.contexts, strict=True)):
            rows_in, rows_out = self.rows[index]
            details = {k: v for k, v in ctx.details.items() if k != "rules"}
            reports.append(
                {
                    "index": index,
                    "op": step.op,
                    "rows_in": rows_in,
                    "rows_out": rows_out,
                    "summary": f"{step.op}: {rows_in:,} -> {rows_out:,}",
                    "details": details,
                    "seconds": round(self.seconds[index], 4),
                }
            )
        return reports

    def validation_report(self) -> dict[str, Any] | None:
        """Every rule of every validate step with its failures and samples."""
        rules = [rule for ctx in self.contexts for rule in ctx.details.get("rules", [])]
        if not rules:
            return None
        return {
            "rules": rules,
            "rows_failed": sum(rule["failed"] for rule in rules),
            "rows_dropped": sum(
                int(ctx.details.get("dropped", 0)) for ctx in self.contexts if ctx.op == "validate"
            ),
        }

    def write_outputs(self, frame: writers.Rows) -> list[dict[str, Any]]:
        """Write each output file; their names, sizes and row counts."""
        out_dir = Path(self.spec.out_dir)
        written = []
        for output in self.spec.outputs:
            fmt = output.format
            filename = f"{output.name}.{writers.EXTENSIONS[fmt]}"
            self.emit(self.progress("writing", 0, len(frame), format=fmt, rows=len(frame)))
            started = time.perf_counter()
            writers.write(frame, fmt, out_dir / filename, escape_formulas=output.escape_formulas)
            elapsed = time.perf_counter() - started
            self.timings["write_seconds"] += elapsed
            written.append(
                {
                    "name": output.name,
                    "format": fmt,
                    "filename": filename,
                    "size_bytes": (out_dir / filename).stat().st_size,
                    "rows": len(frame),
                    "seconds": round(elapsed, 3),
                }
            )
        return written


def run(spec: ChildSpec, emit: Emit | None = None) -> dict[str, Any]:
    """Run the pipeline described by `spec`; returns the report (raises JobError subclasses)."""
    started = time.perf_counter()
    state = Run(spec, emit or (lambda _: None))
    try:
        frame, source = state.transform()
    except JobError as exc:
        # The report of the steps that ran so far explains the failure (validation samples).
        exc.details = {
            **(exc.details or {}),
            "steps": state.step_reports(),
            "validation": state.validation_report(),
        }
        raise
    result: dict[str, Any] = {
        "source": source,
        "steps": state.step_reports(),
        "rows": len(frame),
        "columns": [str(c) for c in frame.columns],
    }
    validation = state.validation_report()
    if validation is not None:
        result["validation"] = validation
    if state.preview_rows is not None:
        assert isinstance(frame, pd.DataFrame)  # previews never run out of core
        result["preview"] = {
            "rows": to_records(frame.head(PREVIEW_MAX_ROWS)),
            "truncated": len(frame) > PREVIEW_MAX_ROWS,
        }
    else:
        result["outputs"] = state.write_outputs(frame)
        records_path = spec.records_path
        if records_path:
            begun = time.perf_counter()
            writers.write(frame, "jsonl", Path(records_path))
            state.timings["write_seconds"] += time.perf_counter() - begun
    remove = getattr(frame, "remove", None)
    if remove is not None:
        remove()  # an out-of-core result's parts
    state.timings["engine_seconds"] = time.perf_counter() - started
    result["timings"] = {k: round(v, 3) for k, v in state.timings.items()}
    return result
