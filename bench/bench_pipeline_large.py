"""10,000,000 rows (~1 GB CSV, 10 columns) through cast + dedupe + filter + aggregate to Parquet.

The same `pipeline.run` job runs twice in a real worker: under the default 512 MB pipeline limit,
where the input is larger than PIPELINE_LARGE_INPUT_MB and runs out of core (dedupe and aggregate
in DuckDB), and in memory with a limit large enough for the whole frame. Reported: each job's wall
time, the pipeline process's peak RSS (what PIPELINE_MEMORY_LIMIT_MB is checked against), and
whether the two Parquet outputs are the same. The CSV is written once into the temporary folder
and reused by later runs (`--rows N` for another size).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.bench_pipeline import DEFINITION, register_upload
from bench.common import machine, stamp, update_section
from bench.services import run_jobs, service_env, start_worker

NAME = "pipeline-large"
MB = 1024 * 1024
ROWS = 10_000_000
BLOCK_ROWS = 1_000_000
LIMIT_MB = 512
IN_MEMORY_LIMIT_MB = 16_000


def write_block(path: Path, start: int, rows: int, seed: int, header: bool) -> None:
    """Orders as in bench_pipeline.make_csv: 5 % exact repeats (within the block), bad prices."""
    rng = np.random.default_rng(seed)
    unique = int(rows * 0.95)
    base = pd.DataFrame(
        {
            "order_id": np.arange(start, start + unique),
            "sku": [f"SKU-{i:05d}" for i in rng.integers(0, 20_000, unique)],
            "category": rng.choice([f"cat-{i:02d}" for i in range(20)], unique),
            "price": np.round(rng.gamma(2.0, 15.0, unique), 2).astype(str),
            "qty": rng.integers(0, 12, unique),
            "discount": np.round(rng.random(unique) * 0.3, 3),
            "country": rng.choice(["DE", "FR", "NL", "AT", "PL", "IT", "ES", "SE"], unique),
            "channel": rng.choice(["web", "app", "store"], unique),
            "ts": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365 * 86400, unique), unit="s"),
            "rating": np.where(rng.random(unique) < 0.2, np.nan, rng.integers(1, 6, unique)),
        }
    )
    base.loc[rng.random(unique) < 0.01, "price"] = "n/a"
    frame = pd.concat([base, base.sample(rows - unique, random_state=seed)]).sample(frac=1, random_state=seed)
    frame["ts"] = frame["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    frame.to_csv(path, index=False, header=header, mode="w" if header else "a")


def orders_csv(rows: int) -> Path:
    """The CSV in the temporary folder, written once (a finished file is marked by its `.done`)."""
    folder = Path(tempfile.gettempdir()) / "dataops-bench-pipeline-large"
    folder.mkdir(exist_ok=True)
    path = folder / f"orders-{rows}.csv"
    done = path.with_suffix(".done")
    if not done.exists():
        for block, start in enumerate(range(0, rows, BLOCK_ROWS)):
            write_block(path, start, min(BLOCK_ROWS, rows - start), 100 + block, header=block == 0)
        done.touch()
    return path


def run_job(tmp: Path, name: str, csv_path: Path, env_extra: dict[str, str]) -> tuple[Any, Path]:
    """One `pipeline.run` job on a fresh worker with these settings; the job and its Parquet file."""
    folder = tmp / name
    folder.mkdir()
    db_url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    upload_id = asyncio.run(register_upload(db_url, csv_path, folder / "uploads"))
    worker = start_worker(service_env(db_url, folder, **env_extra), folder)
    try:
        definition = {
            **DEFINITION,
            "source": {"type": "upload", "upload_id": upload_id},
            "store_records": False,
        }
        (job,) = asyncio.run(run_jobs(db_url, [("pipeline.run", {"pipeline": definition})], 3600))
    finally:
        worker.terminate()
        worker.wait(30)
    if job.status != "completed":
        raise RuntimeError(f"the {name} job {job.status}: {job.error_code} {job.error_message}")
    (folder / "uploads").joinpath(f"{upload_id}.csv").unlink()
    return job, folder / "exports" / job.id / "orders-by-category.parquet"


def compare(a: Path, b: Path) -> str:
    """'identical', 'equal to 1e-12' (float sums: the order of additions), or what differs."""
    left, right = pd.read_parquet(a), pd.read_parquet(b)
    try:
        pd.testing.assert_frame_equal(left, right, check_exact=True)
        return "identical"
    except AssertionError:
        pass
    try:
        pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12)
        return "identical but for float sums in the last bits (equal to 1e-12)"
    except AssertionError as exc:
        return f"DIFFERENT: {str(exc).splitlines()[0]}"


def run(rows: int = ROWS) -> str:
    load = os.getloadavg()[0]
    csv_path = orders_csv(rows)
    size_mb = csv_path.stat().st_size / MB
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        large, large_out = run_job(tmp, "large", csv_path, {"PIPELINE_MEMORY_LIMIT_MB": str(LIMIT_MB)})
        memory, memory_out = run_job(
            tmp,
            "memory",
            csv_path,
            {"PIPELINE_MEMORY_LIMIT_MB": str(IN_MEMORY_LIMIT_MB), "PIPELINE_LARGE_INPUT_MB": "100000"},
        )
        agreement = compare(large_out, memory_out)
    lines = []
    for label, job in (("out of core, 512 MB limit", large), ("in memory, larger limit", memory)):
        result = job.result
        timings = result["timings"]
        lines.append(
            f"| {label} | {job.finished_at - job.started_at:.1f} s | {result['memory']['peak_rss_mb']:.0f} MB "
            f"(limit {result['memory']['limit_mb']:,}) | {timings['read_seconds']:.1f} s | "
            f"{timings['steps_seconds']:.1f} s | {result['source'].get('out_of_core_steps')} |"
        )
    steps = ", ".join(f"{s['summary']} ({s['seconds']:.1f} s)" for s in large.result["steps"])
    return f"""## Pipelines: {rows:,}-row CSV larger than memory, out of core vs in memory

{machine()}, {stamp()}. `python -m bench.bench_pipeline_large`; the CSV has 10 columns \
({size_mb:,.0f} MB, 5 % duplicate rows), the steps are bench_pipeline's (cast + dedupe + filter + \
aggregate to Parquet). Each job on a fresh worker, one after the other; load average when it \
started: {load:.1f}.

| run | job wall time | pipeline process peak RSS | reading | steps | steps run out of core |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(lines)}

- Target: within the 512 MB pipeline limit, output identical to the in-memory result.
- Outputs: {agreement}.
- Steps (out of core; a whole-table step's time includes writing its input to Parquet parts): {steps}.
"""


if __name__ == "__main__":
    count = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else ROWS
    section = run(count)
    print(section)
    if count == ROWS:
        update_section(NAME, section)
