"""The small-box figure: peak RSS of API + worker + Chromium through a static scrape, a dynamic
scrape and a pipeline with WORKER_CONCURRENCY=1 (the test asserts < 900 MB)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import machine, stamp, update_section
from tests.support.smallbox import run_small_box

NAME = "smallbox"


def run(quick: bool = False) -> str:
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-smallbox-"))
    try:
        result = run_small_box(f"sqlite+aiosqlite:///{work}/dataops.db", work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join(
        [
            "## Small box (1 GB)",
            "",
            f"Measured {stamp()} on {machine()}: `dataops api` + `dataops worker` with "
            "`WORKER_CONCURRENCY=1` run one static scrape, one dynamic scrape (Debian's Chromium "
            "headless shell) and one pipeline, one after the other. Command: "
            "`.venv/bin/python -m bench.bench_smallbox`.",
            "",
            f"Peak RSS of all their processes together (Chromium included): **{result.peak_rss / 2**20:.0f} MB** "
            "(target < 900 MB; RSS counts pages shared between Chromium's processes once per process, "
            "so the real use is lower).",
        ]
    )


if __name__ == "__main__":
    update_section(NAME, run(quick="--quick" in sys.argv))
