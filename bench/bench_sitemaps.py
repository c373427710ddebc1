"""Sitemaps: URLs parsed per second from full-size sitemap files (plain and gzipped), and a whole map
job of a site whose sitemap index lists 100,000 URLs, through a real API and worker.

The issue's target: at least 50,000 URLs/s parsed from sitemaps on one core.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from backend_fastapi.schemas.map import MAX_MAP_URLS
from backend_fastapi.scraping.sitemaps import parse_sitemap
from bench.common import PeakRss, machine, median, stamp, update_section
from bench.services import service_env, start_api, start_worker
from tests.support.servers import Recorded, loopback_server

NAME = "sitemaps"
PER_FILE = 50_000  # the protocol's most URLs a file
TARGET = 50_000
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(base: str, start: int, count: int) -> bytes:
    """A typical sitemap: each URL with lastmod, changefreq and priority, query strings escaped."""
    items = "".join(
        f"<url><loc>{base}/products/item-{i}?color=blue&amp;size=m</loc><lastmod>2024-05-01T10:00:00+00:00"
        "</lastmod><changefreq>daily</changefreq><priority>0.8</priority></url>"
        for i in range(start, start + count)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{items}</urlset>'.encode()


def parse_speed(data: bytes, runs: int) -> float:
    """URLs per second parsing `data` (CPU time, one core), the median of `runs`."""
    speeds = []
    for _ in range(runs):
        started = time.process_time()
        found = parse_sitemap(data)
        speeds.append(len(found.pages) / (time.process_time() - started))
    return median(speeds)


def map_job(files: int) -> dict[str, Any]:
    """A map of a loopback site whose index lists `files` gzipped sitemaps of PER_FILE URLs."""
    bodies: dict[str, bytes] = {}

    def respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
        body = bodies.get(request.path)
        if body is None:
            return 404, {}, b""
        return 200, {"Content-Type": "application/xml"}, body

    with loopback_server(respond) as site, tempfile.TemporaryDirectory() as tmpdir:
        b = site.url
        bodies["/robots.txt"] = f"User-agent: *\nSitemap: {b}/index.xml\n".encode()
        bodies["/"] = b"<html><body><a href='/about'>About</a></body></html>"
        index = "".join(f"<sitemap><loc>{b}/s{n}.xml.gz</loc></sitemap>" for n in range(files))
        bodies["/index.xml"] = f"<sitemapindex {NS}>{index}</sitemapindex>".encode()
        for n in range(files):
            bodies[f"/s{n}.xml.gz"] = gzip.compress(urlset(b, n * PER_FILE, PER_FILE), compresslevel=6)
        tmp = Path(tmpdir)
        env = service_env(f"sqlite+aiosqlite:///{tmp / 'bench.db'}", tmp, SCRAPE_ALLOW_HOSTS="127.0.0.1")
        api, base = start_api(env, tmp)
        worker = start_worker(env, tmp)
        try:
            with httpx.Client(base_url=base, timeout=600) as client, PeakRss([worker.pid]) as rss:
                body = {"url": f"{b}/", "max_urls": MAX_MAP_URLS}
                job = client.post("/api/map", json=body, params={"wait": 600}).json()
                while job["status"] not in ("completed", "failed"):
                    time.sleep(0.5)
                    job = client.get(f"/api/jobs/{job['job_id']}").json()
        finally:
            worker.terminate()
            worker.wait(30)
            api.terminate()
            api.wait(30)
    job["peak_rss"] = rss.peak
    return dict(job)


def run(quick: bool = False) -> str:
    data = urlset("https://shop.example", 0, PER_FILE)
    packed = gzip.compress(data, compresslevel=6)
    runs = 3 if quick else 7
    plain, gzipped = parse_speed(data, runs), parse_speed(packed, runs)
    files = 1 if quick else 2
    job = map_job(files)
    result = job["result"]
    seconds = result["duration_s"]
    verdict = "met" if min(plain, gzipped) >= TARGET else "not met"
    return "\n".join(
        [
            f"## Sitemaps ({stamp()}{', quick' if quick else ''})",
            "",
            f"{machine()}. Parsing: a sitemap of {PER_FILE:,} URLs (each with lastmod, changefreq, "
            f"priority and a query string; {len(data) / 2**20:.1f} MB, {len(packed) / 2**20:.2f} MB "
            "gzipped), `parse_sitemap` on one core, CPU time, median of "
            f"{runs} runs. Map job: `POST /api/map` of a loopback site whose robots.txt names an index of "
            f"{files} gzipped sitemaps of {PER_FILE:,} URLs, one worker, SQLite; the job's own duration "
            "(fetching, parsing, normalising, de-duplicating, storing the records). Command: "
            "`.venv/bin/python -m bench.bench_sitemaps`.",
            "",
            "| what | URLs | URLs/s | notes |",
            "| --- | ---: | ---: | --- |",
            f"| parse, plain XML | {PER_FILE:,} | {plain:,.0f} | |",
            f"| parse, gzipped | {PER_FILE:,} | {gzipped:,.0f} | inflated first (capped at 50 MB) |",
            f"| map job | {result['records']:,} | {result['records'] / seconds:,.0f} | {seconds:.1f} s, "
            f"worker peak RSS {job['peak_rss'] / 2**20:.0f} MB |",
            "",
            f"Target: at least {TARGET:,} URLs/s parsed from sitemaps ({verdict}).",
        ]
    )


def main() -> None:
    update_section(NAME, run(quick="--quick" in sys.argv))


if __name__ == "__main__":
    main()
