"""API keys on the hot path: job creation over HTTP with no key (an open API), with the bootstrap
`API_KEY`, with a team key, and with a team key whose daily job quota is counted on every create.

The cost to watch is per request: a team key is hashed and looked up in the process's 5 s cache,
and a key with `daily_jobs` counts its jobs of the day (at most its quota's index entries) in the
write that queues the job. One API process, SQLite, 16 connections from wrk, a fresh database per run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx

from bench.bench_api import SCRAPE, start_api, wrk
from bench.common import machine, stamp, update_section
from tests.support.processes import CLI, REPO_ROOT, free_port, service_env

NAME = "keys"
BOOTSTRAP = "bench-bootstrap-key"
QUOTA = 100_000


def make_key(env: dict[str, str], name: str, *limits: str) -> str:
    done = subprocess.run(
        [*CLI, "keys", "create", "--name", name, "--scope", "write", *limits],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def create_rate(work: Path, run: str, seconds: int, key: str | None, **settings: str) -> dict[str, float]:
    env = service_env(
        f"sqlite+aiosqlite:///{work}/{run}.db", work, MAX_QUEUED_JOBS=0, LOG_LEVEL="WARNING", **settings
    )
    if key == "team" or key == "quota":
        subprocess.run([*CLI, "migrate"], env=env, cwd=REPO_ROOT, check=True, capture_output=True)
        key = make_key(env, run, *(("--daily-jobs", str(QUOTA)) if key == "quota" else ()))
    port = free_port()
    api, _ = start_api(env, work, port)
    try:
        script = work / f"{run}.lua"
        lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
        if key:
            lines.append(f'wrk.headers["Authorization"] = "Bearer {key}"')
        lines.append(f"wrk.body = {json.dumps(json.dumps(SCRAPE))}")
        script.write_text("\n".join(lines) + "\n")
        # Warm the key cache and the connection pool before measuring.
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        assert (
            httpx.post(f"http://127.0.0.1:{port}/api/scrape", json=SCRAPE, headers=headers).status_code == 202
        )
        return wrk(f"http://127.0.0.1:{port}/api/scrape", seconds, 16, script)
    finally:
        api.stop()


def run(quick: bool = False) -> str:
    if shutil.which("wrk") is None:
        raise SystemExit("bench_keys needs wrk: apt-get install wrk")
    seconds = 3 if quick else 10
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-keys-"))
    cases = [
        ("No key (open API)", "open", None, {}),
        ("Bootstrap `API_KEY`", "bootstrap", BOOTSTRAP, {"API_KEY": BOOTSTRAP}),
        ("Team write key", "team", "team", {}),
        (f"Team write key, {QUOTA:,} jobs a day counted per create", "quota", "quota", {}),
    ]
    rows = []
    try:
        for label, name, key, settings in cases:
            result = create_rate(work, name, seconds, key, **settings)
            rows.append(
                f"| {label} | {result['rps']:,.0f} jobs/s | {result['p50']:.1f} ms | {result['p99']:.1f} ms "
                f"| {result['non2xx']:.0f} |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join(
        [
            "## API keys on job creation",
            "",
            f"Measured {stamp()} on {machine()}; one `dataops api` process, SQLite, `POST /api/scrape` from "
            f"wrk with 16 connections ({seconds} s runs), a fresh database per row. "
            "Command: `.venv/bin/python -m bench.bench_keys`.",
            "",
            "| Caller | Jobs created | p50 | p99 | Errors |",
            "| --- | --- | --- | --- | --- |",
            *rows,
        ]
    )


if __name__ == "__main__":
    import sys

    update_section(NAME, run(quick="--quick" in sys.argv))
