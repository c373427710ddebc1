"""The 1 GB box: API + worker (concurrency 1) run a static scrape, a dynamic scrape in Chromium and
a pipeline, and all their processes together (Chromium included) stay under 900 MB.
The figure itself is reported by `python -m bench.bench_smallbox`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.smallbox import run_small_box

LIMIT_MB = 900


@pytest.mark.browser
@pytest.mark.slow
def test_api_worker_and_chromium_fit_a_1_gb_box(db_url: str, tmp_path: Path) -> None:
    run = run_small_box(db_url, tmp_path)
    assert run.static["status"] == "completed", run.static
    assert run.dynamic["status"] == "completed", run.dynamic
    assert run.dynamic["result"]["strategy_used"] == "dynamic"
    assert run.pipeline["status"] == "completed", run.pipeline
    peak_mb = run.peak_rss / 2**20
    assert peak_mb < LIMIT_MB, f"API + worker + Chromium peaked at {peak_mb:.0f} MB"
