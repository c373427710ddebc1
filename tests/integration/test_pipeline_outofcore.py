"""A real worker runs a large upload out of core (PIPELINE_LARGE_INPUT_MB) with the in-memory result."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from backend_fastapi.pipelines import engine
from backend_fastapi.pipelines.child_spec import ChildSpec
from tests.support.pipeline_stack import Stack, pipeline_stack, upload, wait_job

STEPS: list[dict[str, Any]] = [
    {"op": "cast", "columns": {"price": "number", "qty": "integer"}},
    {"op": "dedupe", "subset": ["sku", "shop"]},
    {"op": "filter", "expr": "qty > 0"},
    {
        "op": "aggregate",
        "group_by": ["shop"],
        "aggregations": [
            {"fn": "count", "as": "offers"},
            {"fn": "sum", "column": "qty"},
            {"fn": "max", "column": "price"},
        ],
    },
]


def prices_csv() -> bytes:
    lines = ["sku,shop,price,qty"]
    for i in range(3000):
        price = "n/a" if i % 97 == 0 else f"{(i * 37) % 500 / 10:.2f}"
        shop = "" if i % 13 == 0 else f"shop-{i % 7}"
        lines.append(f"SKU-{i % 1100},{shop},{price},{i % 5}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("outofcore")
    with pipeline_stack(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path, PIPELINE_LARGE_INPUT_MB=0
    ) as running:
        yield running


def in_memory(tmp_path: Path, content: bytes) -> pd.DataFrame:
    """The same steps on the same file through the in-memory path of the engine."""
    source = tmp_path / "prices.csv"
    source.write_bytes(content)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    spec = {
        "steps": STEPS,
        "inputs": {"source": {"path": str(source), "format": "csv"}},
        "outputs": [{"format": "parquet", "name": "expected"}],
        "out_dir": str(out_dir),
        "records_path": None,
        "preview_rows": None,
    }
    engine.run(ChildSpec.model_validate(spec))
    return pd.read_parquet(out_dir / "expected.parquet")


def test_a_large_upload_runs_out_of_core_in_a_worker_with_the_in_memory_result(
    stack: Stack, tmp_path: Path
) -> None:
    content = prices_csv()
    uploaded = upload(stack.base, "prices.csv", content, "text/csv")
    definition = {
        "source": uploaded["source"],
        "steps": STEPS,
        "output": {"format": "parquet", "name": "shops"},
    }
    response = httpx.post(f"{stack.base}/api/pipeline/run", json={"pipeline": definition})
    assert response.status_code == 202, response.text
    job = wait_job(stack.base, response.json()["job_id"], "completed", "failed")
    assert job["status"] == "completed", job["error"]
    result = job["result"]
    assert result["source"]["out_of_core_steps"] == [1, 3]
    assert [(step["op"], step["rows_in"]) for step in result["steps"][:2]] == [
        ("cast", 3000),
        ("dedupe", 3000),
    ]
    (output,) = result["outputs"]
    got = pd.read_parquet(io.BytesIO(httpx.get(stack.base + output["download_url"]).content))
    pd.testing.assert_frame_equal(got, in_memory(tmp_path, content), check_exact=False, rtol=1e-12)
    records = httpx.get(f"{stack.base}/api/jobs/{job['job_id']}/results", params={"limit": 50}).json()
    assert [r["offers"] for r in records["items"]] == got["offers"].tolist()


def test_a_large_upload_with_an_outer_join_runs_it_out_of_core_and_a_left_join_streams(stack: Stack) -> None:
    uploaded = upload(stack.base, "prices.csv", prices_csv(), "text/csv")
    join = {
        "op": "join",
        "source": {"type": "inline", "records": [{"shop": "shop-1", "city": "Oslo"}]},
        "on": ["shop"],
    }
    jobs = {}
    for how in ("outer", "left"):
        steps = [{"op": "dedupe"}, {**join, "how": how}]
        definition = {"source": uploaded["source"], "steps": steps}
        response = httpx.post(f"{stack.base}/api/pipeline/run", json={"pipeline": definition})
        jobs[how] = wait_job(stack.base, response.json()["job_id"], "completed", "failed")
        assert jobs[how]["status"] == "completed", jobs[how]["error"]
    outer, left = jobs["outer"]["result"], jobs["left"]["result"]
    assert outer["source"]["out_of_core_steps"] == [0, 1]
    # A left join streams against its other source: only the dedupe before it is a whole-table step.
    assert left["source"]["out_of_core_steps"] == [0]
    assert left["rows"] == outer["rows"]
