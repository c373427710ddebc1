"""Running single steps and whole pipelines in-process on small frames (unit tests of the engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from pydantic import TypeAdapter

from backend_fastapi.pipelines import engine
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.pipelines.frames import to_records
from backend_fastapi.pipelines.steps import FINISHERS, OPS, StepContext
from backend_fastapi.schemas.pipeline_steps import Step

STEP = TypeAdapter(Step)


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-like rows: missing values are None, dates ISO text."""
    return to_records(frame)


def run_step(
    frame: pd.DataFrame, step: dict[str, Any], other: pd.DataFrame | None = None, preview: bool = False
) -> tuple[pd.DataFrame, StepContext]:
    """Validate one step definition like the API does and apply it to `frame` (then finish it)."""
    model = STEP.validate_python(step)
    ctx = StepContext(0, model.op, (lambda: other) if other is not None else None, preview=preview)
    out = OPS[model.op](frame, model, ctx)
    if model.op in FINISHERS:
        FINISHERS[model.op](model, ctx)
    return out, ctx


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def run_pipeline(
    tmp_path: Path,
    records: list[dict[str, Any]],
    steps: list[dict[str, Any]],
    *,
    outputs: list[dict[str, str]] | None = None,
    chunk_rows: int = 100_000,
    preview_rows: int | None = None,
    others: dict[int, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Run the engine as the child process would, on JSONL written from `records`."""
    inputs = {"source": {"path": str(write_jsonl(tmp_path / "source.jsonl", records)), "format": "jsonl"}}
    for index, other in (others or {}).items():
        inputs[str(index)] = {
            "path": str(write_jsonl(tmp_path / f"other{index}.jsonl", other)),
            "format": "jsonl",
        }
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    spec = {
        "steps": steps,
        "inputs": inputs,
        "outputs": outputs or [],
        "out_dir": str(out_dir),
        "records_path": str(tmp_path / "records.jsonl") if preview_rows is None else None,
        "preview_rows": preview_rows,
        "chunk_rows": chunk_rows,
    }
    return engine.run(ChildSpec.model_validate(spec))


def stored_records(tmp_path: Path) -> list[dict[str, Any]]:
    """The rows a run wrote for the job's records."""
    return [orjson.loads(line) for line in (tmp_path / "records.jsonl").read_bytes().splitlines() if line]
