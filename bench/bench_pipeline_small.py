"""Small pipelines through a real worker: job time (claimed to finished) of runs and previews.

Runs fork from the worker's warm pipeline process, so only the first pipeline of a worker pays
for starting Python and importing pandas. Measured one job after another (no queueing), p50 and
p90 over RUNS jobs each, after that first run: a two-row inline run (the `then` of a small scrape),
a 10,000-row CSV upload through cast + dedupe + filter to CSV (its rows stored on the job, and
not), and a preview of the same pipeline. Target: p50 < 150 ms for each.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.bench_pipeline import make_csv, register_upload
from bench.common import machine, percentile, stamp, update_section
from bench.services import run_jobs, service_env, start_worker

NAME = "pipeline-small"
MB = 1024 * 1024
RUNS = 30
STEPS: list[dict[str, Any]] = [
    {"op": "cast", "columns": {"price": "number", "qty": "integer", "ts": "datetime"}},
    {"op": "dedupe"},
    {"op": "filter", "expr": "qty > 0 and price >= 1"},
]


def job_seconds(job: Any) -> float:
    if job.status != "completed":
        raise RuntimeError(f"the pipeline job {job.status}: {job.error_code} {job.error_message}")
    return float(job.finished_at - job.started_at)


def measure(db_url: str, job_type: str, payload: dict[str, Any], runs: int) -> list[float]:
    """Job times of `runs` jobs, one after the other."""
    return [job_seconds(asyncio.run(run_jobs(db_url, [(job_type, payload)], 120))[0]) for _ in range(runs)]


def warm_rss(worker_pid: int) -> float:
    """RSS of the worker's warm pipeline process (0 when there is none), MB."""
    for child in psutil.Process(worker_pid).children():
        if "pipelines.forkserver" in " ".join(child.cmdline()):
            return child.memory_info().rss / MB
    return 0.0


def row(what: str, times: list[float]) -> str:
    p50, p90 = percentile(times, 50) * 1000, percentile(times, 90) * 1000
    return f"| {what} | {p50:.0f} ms | {p90:.0f} ms |"


def run(quick: bool = False) -> str:
    """p50/p90 job time of small runs and previews on a warm worker."""
    runs = 5 if quick else RUNS
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        csv_path = tmp / "orders.csv"
        make_csv(csv_path, 10_000)
        db_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        upload_id = asyncio.run(register_upload(db_url, csv_path, tmp / "uploads"))
        idle = "5"
        worker = start_worker(service_env(db_url, tmp, PIPELINE_WARM_IDLE_SECONDS=idle), tmp)
        try:
            two_rows = {"pipeline": {"source": {"type": "inline", "records": [{"a": 1}, {"a": 2}]}}}
            upload = {"type": "upload", "upload_id": upload_id}
            stored = {"pipeline": {"source": upload, "steps": STEPS, "output": {"format": "csv"}}}
            unstored = {"pipeline": {**stored["pipeline"], "store_records": False}}
            (first,) = measure(db_url, "pipeline.run", two_rows, 1)
            warm_mb = warm_rss(worker.pid)
            inline = measure(db_url, "pipeline.run", two_rows, runs)
            csv_unstored = measure(db_url, "pipeline.run", unstored, runs)
            csv_stored = measure(db_url, "pipeline.run", stored, runs)
            preview = measure(db_url, "pipeline.preview", {**stored, "rows": 1000}, runs)
            started = time.monotonic()
            while warm_rss(worker.pid) and time.monotonic() - started < 60:
                time.sleep(0.2)
            given_back = time.monotonic() - started
        finally:
            worker.terminate()
            worker.wait(30)
    return f"""## Pipelines: small runs on a warm worker

{machine()}, {stamp()}{" (quick run)" if quick else ""}. `python -m bench.bench_pipeline_small`.
Job time is from the worker claiming the job to its result being stored; {runs} jobs of each kind,
one after the other, after the worker's first pipeline. Target: p50 < 150 ms. Load average when it
started: {load:.1f} (other work on the same 2 cores slows every figure).

| Pipeline | p50 | p90 |
| --- | --- | --- |
{row("2 inline rows, rows stored on the job", inline)}
{row("10,000-row CSV upload, cast + dedupe + filter to CSV", csv_unstored)}
{row("the same, its 9,000 rows also stored on the job", csv_stored)}
{row("preview of the same pipeline (1,000 rows)", preview)}

- The worker's first pipeline (starting the warm process: Python, pandas, pyarrow): {first * 1000:.0f} ms.
- The warm process: {warm_mb:.0f} MB RSS (pages a run shares with it until it writes them).
- With `PIPELINE_WARM_IDLE_SECONDS={idle}` it was stopped {given_back:.1f} s after the last job.
"""


if __name__ == "__main__":
    section = run(quick="--quick" in sys.argv)
    print(section)
    update_section(NAME, section)
