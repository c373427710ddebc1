"""The small-box scenario: what a 1 GB box must carry at once, measured end to end."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.memory import PeakRss
from tests.support.scrape_stack import scrape_stack
from tests.support.sites import shop_server

PIPELINE = {
    "name": "small-box",
    "source": {
        "type": "inline",
        "records": [{"name": f" Mug {i % 50} ", "price": f"{i}"} for i in range(2000)],
    },
    "steps": [
        {"op": "trim", "columns": ["name"]},
        {"op": "cast", "columns": {"price": "number"}},
        {"op": "dedupe", "subset": ["name"]},
    ],
    "output": {"format": "csv", "name": "small-box"},
}


@dataclass
class SmallBoxRun:
    peak_rss: int
    static: dict[str, Any]
    dynamic: dict[str, Any]
    pipeline: dict[str, Any]


def run_small_box(db_url: str, tmp_path: Path) -> SmallBoxRun:
    """API + worker (WORKER_CONCURRENCY=1) run a static scrape, a dynamic scrape and a pipeline,
    while the RSS of all their processes (Chromium included) is sampled."""
    with (
        shop_server() as shop,
        scrape_stack(db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1", WORKER_CONCURRENCY=1) as stack,
        PeakRss([stack.api.pid, stack.worker.pid]) as peak,
    ):
        static = stack.run({"url": f"{shop.url}/p/1", "schema": {"title": "string", "price": "number"}})
        dynamic = stack.run({"url": f"{shop.url}/js/2", "strategy": "dynamic", "schema": {"title": "h1"}})
        queued = httpx.post(f"{stack.base}/api/pipeline/run", json={"pipeline": PIPELINE}, timeout=30)
        run = stack.wait(queued.json()["job_id"])
    return SmallBoxRun(peak.peak, static, dynamic, run)
