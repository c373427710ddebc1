"""A run reports its phase and rows done (of how many, where known) as it goes: what the job's
`progress` shows and the web app draws as a bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend_fastapi.pipelines import engine
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.schemas.jobs import PipelineProgress
from tests.support.pipeline_frames import write_jsonl


def test_a_run_reports_reading_each_step_and_writing_with_rows_done(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"n": i % 50, "k": i % 3} for i in range(250)])
    spec = ChildSpec.model_validate(
        {
            "steps": [
                {"op": "filter", "expr": "n >= 10"},
                {"op": "dedupe"},
                {"op": "sort", "by": ["n"]},
            ],
            "inputs": {"source": {"path": str(source), "format": "jsonl"}},
            "outputs": [{"name": "out", "format": "csv"}],
            "out_dir": str(tmp_path),
            "records_path": None,
            "preview_rows": None,
            "chunk_rows": 100,
        }
    )
    reports: list[dict[str, Any]] = []
    engine.run(spec, reports.append)
    for report in reports:
        PipelineProgress.model_validate(report)  # what the API answers with
    phases = [(r["phase"], r["rows_done"], r.get("rows_total"), r.get("step")) for r in reports]
    assert phases == [
        ("reading", 0, None, None),
        ("reading", 100, None, None),
        ("reading", 100, None, 0),  # the streamed filter on that chunk
        ("reading", 200, None, None),
        ("reading", 200, None, 0),
        ("reading", 250, None, None),
        ("reading", 250, None, 0),
        ("step", 200, None, 1),
        ("step", 120, None, 2),
        ("writing", 0, 120, None),
    ]
    assert {r["steps_total"] for r in reports} == {3}
