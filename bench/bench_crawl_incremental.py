"""Incremental recrawls: the same crawl of the test shop three times through the real worker: a
plain crawl, a first incremental crawl (every page new: it also stores what it saw), and a second
incremental crawl of the unchanged site (every page found unchanged by its body hash: no parsing,
no extraction, records carried over). The shop sends no validators, so the second crawl still
downloads every page; a site that answers 304 saves the bodies too.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.bench_crawl import CONCURRENCY, SCHEMA
from bench.common import machine, stamp, update_section
from bench.services import allow_site, run_jobs, service_env, start_site, start_worker

NAME = "crawl_incremental"


def crawl_request(base: str, products: int, incremental: bool) -> tuple[str, dict[str, Any]]:
    from backend_fastapi.schemas.scrape import ScrapeRequest

    request = ScrapeRequest.model_validate(
        {
            "url": f"{base}/catalog/1",
            "schema": SCHEMA,
            "options": {"max_concurrency": CONCURRENCY},
            "crawl": {
                "follow": "a.product-link",
                "next_page": "a[rel=next]",
                "max_pages": products * 2,
                "incremental": incremental,
            },
        }
    )
    return request.job_type, request.to_payload().to_json()


def run_crawls(base: str, products: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        db_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        worker = start_worker(service_env(db_url, tmp, SCRAPE_ALLOW_HOSTS=allow_site(base)), tmp)
        runs = []
        try:
            for incremental in (False, True, True):
                (row,) = asyncio.run(run_jobs(db_url, [crawl_request(base, products, incremental)], 600))
                if row.status != "completed":
                    raise RuntimeError(f"crawl failed: {row.error_code} {row.error_message}")
                runs.append(row.result)
        finally:
            worker.terminate()
            worker.wait(30)
    return runs


def run(quick: bool = False) -> str:
    products = 300 if quick else 2000
    site, base = start_site(products)
    try:
        plain, first, second = run_crawls(base, products)
    finally:
        site.terminate()
        site.wait(10)
    rows = [
        ("plain crawl", plain),
        ("incremental, first (all new)", first),
        ("incremental, again (site unchanged)", second),
    ]
    counts = second["incremental"]
    lines = [
        f"## Incremental recrawls ({stamp()}{', quick' if quick else ''})",
        "",
        f"{machine()}. The crawl bench's shop ({products} products, {plain['pages']} pages, no ETag or "
        f"Last-Modified), {CONCURRENCY} concurrent requests, one worker, SQLite; three crawls in a row.",
        "",
        "| crawl | pages | records | seconds | pages/s |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {name} | {r['pages']} | {r['records']} | {r['duration_s']:.2f} | {r['pages_per_s']:.0f} |"
            for name, r in rows
        ),
        "",
        f"The second incremental crawl found {counts['unchanged']} pages unchanged, {counts['changed']} "
        f"changed, {counts['new']} new, {counts['gone']} gone, and stored the same {second['records']} "
        "records without extracting them; the first pays for remembering each page (its records and "
        "links) in the crawl's checkpoints.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    update_section(NAME, run(quick="--quick" in sys.argv))
