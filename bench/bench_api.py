"""API benchmarks: cold start, memory idle and under 200 pollers, job creation over HTTP.

Targets (issue: core): cold start to first 200 on /health < 1.5 s; idle RSS < 80 MB; RSS < 120 MB
while 200 clients poll; job creation >= 1,000 jobs/s with p99 < 50 ms (one API process, SQLite,
`SQLITE_SYNCHRONOUS=FULL`). The load generator is wrk (Debian package `wrk`), which costs the
machine far less CPU than a Python client would.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import PeakRss, machine, median, process_tree_rss, stamp, update_section
from tests.support.processes import REPO_ROOT, Service, free_port, service_env

NAME = "api"
SCRAPE = {"url": "https://shop.example/p/1", "schema": {"title": "string", "price": "number"}}


def start_api(env: dict[str, str], workdir: Path, port: int) -> tuple[Service, float]:
    """Start `dataops api`; returns the process and seconds until /health first answered 200."""
    started = time.monotonic()
    service = Service(["api", "--port", str(port)], env, workdir / f"api-{port}.log")
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                return service, time.monotonic() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() - started > 30:
            raise RuntimeError(service.log())
        time.sleep(0.01)


def wrk(
    url: str, seconds: int, connections: int, script: Path | None = None, threads: int = 1
) -> dict[str, float]:
    """Run wrk; returns requests/s, p50/p99 latency in ms and the count of non-2xx answers."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms("50"), "p99": ms("99"), "non2xx": float(non2xx.group(1)) if non2xx else 0.0}


def run(quick: bool = False) -> str:
    if shutil.which("wrk") is None:
        raise SystemExit("bench_api needs wrk: apt-get install wrk")
    seconds = 3 if quick else 10
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-api-"))
    rows: list[str] = []
    try:
        # Cold start: a fresh database each time (migrations included), then an existing one.
        fresh, existing = [], []
        for i in range(3 if quick else 5):
            env = service_env(
                f"sqlite+aiosqlite:///{work}/cold{i}.db", work, MAX_QUEUED_JOBS=0, LOG_LEVEL="WARNING"
            )
            svc, took = start_api(env, work, free_port())
            fresh.append(took)
            svc.stop()
            svc, took = start_api(env, work, free_port())
            existing.append(took)
            svc.stop()

        env = service_env(f"sqlite+aiosqlite:///{work}/api.db", work, MAX_QUEUED_JOBS=0, LOG_LEVEL="WARNING")
        port = free_port()
        api, _ = start_api(env, work, port)
        base = f"http://127.0.0.1:{port}"
        time.sleep(1)
        idle_rss = process_tree_rss(api.pid)

        # Job creation: POST /api/scrape as fast as 16 connections can.
        post = work / "post.lua"
        post.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(json.dumps(SCRAPE))}\n"
        )
        with PeakRss([api.pid]) as create_rss:
            create = wrk(f"{base}/api/scrape", seconds, 16, post)
        created = httpx.get(f"{base}/health").json()["queue"]["queued"]

        # 200 pollers of one job (a new ETag each answer: the worst case, no 304s).
        job_id = httpx.post(f"{base}/api/scrape", json=SCRAPE).json()["job_id"]
        with PeakRss([api.pid]) as poll_rss:
            poll = wrk(f"{base}/api/jobs/{job_id}", seconds, 200)
        # The jobs page the frontend's list polls: 50 jobs a page, 16 connections.
        listing = wrk(f"{base}/api/jobs?limit=50", seconds, 16)
        api.stop()

        rows = [
            f"| Cold start to first 200 on `/health`, new database (migrations run) | {median(fresh):.2f} s | < 1.5 s |",
            f"| Cold start to first 200 on `/health`, existing database | {median(existing):.2f} s | < 1.5 s |",
            f"| API RSS idle | {idle_rss / 2**20:.0f} MB | < 80 MB |",
            f"| Job creation over HTTP (16 connections) | {create['rps']:,.0f} jobs/s, p50 {create['p50']:.1f} ms, "
            f"p99 {create['p99']:.1f} ms; {created:,} jobs stored, {create['non2xx']:.0f} errors | >= 1,000 jobs/s, p99 < 50 ms |",
            f"| API RSS peak while creating | {create_rss.peak / 2**20:.0f} MB | |",
            f"| 200 connections polling `GET /api/jobs/{{id}}` back to back (saturation: 200 frontends polling every 2 s ask 100 req/s) | {poll['rps']:,.0f} req/s, p99 {poll['p99']:.1f} ms | |",
            f"| API RSS peak with 200 pollers | {poll_rss.peak / 2**20:.0f} MB | < 120 MB |",
            f"| 16 connections reading `GET /api/jobs?limit=50` (a page of 50 jobs) | {listing['rps']:,.0f} req/s, p99 {listing['p99']:.1f} ms | |",
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join(
        [
            "## API (core)",
            "",
            f"Measured {stamp()} on {machine()}; one `dataops api` process, SQLite with "
            f"`synchronous=FULL`, load from wrk on the same machine ({seconds} s runs). "
            "Command: `.venv/bin/python -m bench.bench_api`.",
            "",
            "| What | Result | Target |",
            "| --- | --- | --- |",
            *rows,
        ]
    )


if __name__ == "__main__":
    import sys

    update_section(NAME, run(quick="--quick" in sys.argv))
    print(f"wrote {REPO_ROOT / 'docs' / 'benchmarks.md'}")
