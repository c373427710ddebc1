"""Jobs queued by the previous version (payloads as it wrote them) still run after an upgrade.

The payloads below are written out literally, in the shapes the previous version stored, not
built by today's request models: a change to a payload model that would strand queued jobs fails
here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_fastapi.store.engine import Database
from tests.support.processes import service_env, start_worker
from tests.support.servers import LoopbackServer
from tests.support.sites import ShopSite, shop_server
from tests.support.waiting import enqueue, wait_status

DEFAULT_OPTIONS = {
    "timeout_s": 30.0,
    "headers": {},
    "user_agent": "DataOps/0.1 (self-hosted web data extraction; respects robots.txt)",
    "respect_robots": True,
    "max_concurrency": 8,
    "delay_ms": 0,
    "max_bytes": 10485760,
    "max_redirects": 10,
    "wait_until": "load",
    "block_resources": ["image", "font", "media"],
    "screenshot": False,
}
ROWS = [{"sku": "a", "price": 3}, {"sku": "b", "price": -1}, {"sku": "c", "price": 5}]
PIPELINE = {
    "source": {"type": "inline", "records": ROWS},
    "steps": [{"op": "filter", "expr": "price > 0"}],
}


@pytest.fixture(scope="module")
def shop() -> Iterator[LoopbackServer]:
    with shop_server(ShopSite(products=5)) as server:
        yield server


async def test_jobs_queued_with_the_previous_payload_shapes_run_to_completion(
    db: Database, db_url: str, tmp_path: Path, shop: LoopbackServer
) -> None:
    page = await enqueue(
        db,
        "scrape.page",
        {
            "url": f"{shop.url}/p/3",
            "strategy": "static",
            "schema": {"title": "string", "price": "number"},
            "options": DEFAULT_OPTIONS,
            "formats": ["data"],
            "normalized_schema": {"title": {"type": "string"}, "price": {"type": "number"}},
        },
    )
    # Queued before the normalized schema was stored with the payload: the worker normalizes it.
    bare = await enqueue(db, "scrape.page", {"url": f"{shop.url}/p/4", "schema": {"title": "string"}})
    chained = await enqueue(
        db, "pipeline.run", {"pipeline_id": "no-such-pipeline", "source": {"type": "job", "job_id": page}}
    )
    inline = await enqueue(db, "pipeline.run", {"pipeline": PIPELINE})
    preview = await enqueue(db, "pipeline.preview", {"pipeline": PIPELINE, "rows": 2})
    broken = await enqueue(db, "scrape.page", {"url": f"{shop.url}/p/1", "strategy": "sideways"})
    env = service_env(db_url, tmp_path, SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}", WORKER_CONCURRENCY=4)
    worker = start_worker(env, tmp_path)
    try:
        row = await wait_status(db, page, "completed", "failed")
        assert row.status == "completed", row.error_message
        assert row.result["data"] == {"title": "Blue Mug 3", "price": row.result["data"]["price"]}
        assert isinstance(row.result["data"]["price"], float)
        row = await wait_status(db, bare, "completed", "failed")
        assert (row.status, row.result["data"]) == ("completed", {"title": "Blue Mug 4"})

        row = await wait_status(db, inline, "completed", "failed")
        assert row.status == "completed", row.error_message
        assert (row.result["rows"], row.result["records"]) == (2, 2)
        row = await wait_status(db, preview, "completed", "failed")
        assert row.status == "completed", row.error_message
        assert row.result["preview_rows"] == [{"sku": "a", "price": 3}]  # of the first 2 source rows

        # The payload is read (a saved pipeline is looked up), and the missing one is named.
        row = await wait_status(db, chained, "failed")
        assert (row.error_code, row.attempts) == ("pipeline_not_found", 1)
        row = await wait_status(db, broken, "failed")
        assert (row.error_code, row.attempts) == ("invalid_payload", 1)
        assert "strategy" in (row.error_message or "")
    finally:
        worker.stop()
