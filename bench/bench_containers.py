"""The containers: image sizes, build time, start-up to healthy and memory peaks per scenario of
the compose stack (SQLite) and of the PostgreSQL variant, measured with the container test's helpers.
Needs a Docker engine (scripts/install-docker.sh)."""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import machine, stamp, update_section
from tests.support.containers import (
    BASE_IMAGES,
    POSTGRES_FILES,
    SHOP,
    ComposeStack,
    compose_stack,
    docker,
    engine_problem,
    image_size,
    pipeline_body,
)

NAME = "containers"
MB = 1e6  # docker reports image sizes in decimal megabytes


def _peaks(stack: ComposeStack, services: tuple[str, ...]) -> str:
    parts = []
    for service in services:
        peak, limit = stack.memory(service)
        parts.append(f"{service} {peak / 2**20:.0f} / {limit / 2**20:.0f} MB")
    return ", ".join(parts)


def _scrape(stack: ComposeStack, body: dict[str, object]) -> None:
    job = stack.api("POST", "/api/scrape", json=body).json()
    assert stack.wait_job(job["job_id"])["status"] == "completed"


def _timed(stack: ComposeStack, *args: str) -> float:
    started = time.monotonic()
    stack.compose(*args, timeout=3600)
    return time.monotonic() - started


def _up(stack: ComposeStack, services: tuple[str, ...]) -> dict[str, float]:
    """Seconds from the start of `up -d` to each service's first passing health check; polled
    while `up` runs (it returns only once the services others depend on are healthy)."""
    started = time.monotonic()
    up = threading.Thread(target=stack.compose, args=("up", "-d"))
    up.start()
    try:
        return stack.wait_healthy(services, since=started)
    finally:
        up.join()


def _sqlite(work: Path, cold: bool) -> tuple[dict[str, float], dict[str, float], list[tuple[str, str]]]:
    with compose_stack(work / "sqlite", ("docker-compose.yml",)) as stack:
        builds = {"cold": _timed(stack, "build", "--no-cache")} if cold else {}
        # A change of the code alone: the dependency layers come from the cache.
        with (stack.checkout / "backend_fastapi" / "__init__.py").open("a") as init:
            init.write(f"\n# rebuilt {time.time()}\n")
        builds["code"] = _timed(stack, "build")
        healthy = _up(stack, ("api", "worker"))
        services = ("api", "worker")
        rows = [("Started and healthy, idle", _peaks(stack, services))]
        _scrape(stack, {"url": f"{SHOP}/p/1", "schema": {"title": "string"}})
        rows.append(("+ one static scrape", _peaks(stack, services)))
        _scrape(stack, {"url": f"{SHOP}/js/2", "strategy": "dynamic", "schema": {"title": "h1"}})
        rows.append(("+ one dynamic scrape (Chromium)", _peaks(stack, services)))
        job = stack.api("POST", "/api/pipeline/run", json={"pipeline": pipeline_body()}).json()
        assert stack.wait_job(job["job_id"])["status"] == "completed"
        rows.append(("+ one pipeline (500 rows to CSV)", _peaks(stack, services)))
        return builds, healthy, rows


def _postgres(work: Path) -> tuple[dict[str, float], str]:
    with compose_stack(work / "postgres", POSTGRES_FILES) as stack:
        healthy = _up(stack, ("postgres", "api", "worker"))
        _scrape(stack, {"url": f"{SHOP}/p/1", "schema": {"title": "string"}})
        return healthy, _peaks(stack, ("postgres", "api", "worker"))


def run(quick: bool = False) -> str:
    problem = engine_problem()
    if problem:
        raise RuntimeError(f"containers benchmark NOT run: {problem}")
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-containers-"))
    try:
        builds, healthy, rows = _sqlite(work, cold=not quick)
        pg_healthy, pg_peaks = _postgres(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stand_ins = [
        i
        for i in BASE_IMAGES
        if "dataops.stand-in" in docker("image", "inspect", "-f", "{{json .Config.Labels}}", i)
    ]
    bases = ", ".join(f"`{i}` {image_size(i) / MB:.0f} MB" for i in BASE_IMAGES)
    origin = (
        f"{', '.join(f'`{i}`' for i in stand_ins)} were local stand-ins built by "
        "`scripts/docker-base-images.sh` from Debian packages (no registry reachable), so sizes differ "
        "from the official images"
        if stand_ins
        else "the official base images"
    )
    lines = [
        "## Containers",
        "",
        f"Measured {stamp()} on {machine()}; Docker {docker('version', '-f', '{{.Server.Version}}').strip()}, "
        f"{origin}. The compose stack of `docker-compose.yml` as shipped (health checks every 30 s, "
        "`WORKER_CONCURRENCY=1`), plus a page container on its network. Command: "
        "`.venv/bin/python -m bench.bench_containers`; the same steps are checked by "
        "`tests/integration/test_containers.py`.",
        "",
        "| What | Result |",
        "| --- | --- |",
        f"| Image `dataops-api` | {image_size('dataops-api') / MB:.0f} MB |",
        f"| Image `dataops-worker` | {image_size('dataops-worker') / MB:.0f} MB |",
        f"| Base images | {bases} |",
        *(
            [
                f"| `docker compose build --no-cache` of both images (downloads included) | {builds['cold']:.0f} s |"
            ]
            if "cold" in builds
            else []
        ),
        f"| `docker compose build` after a change of the code only (dependency layers cached) | {builds['code']:.0f} s |",
        f"| `up -d` (from its start) to healthy (SQLite) | API {healthy['api']:.0f} s, worker {healthy['worker']:.0f} s |",
        f"| `up -d` (from its start) to healthy (PostgreSQL, fresh volumes, `docker-compose.postgres.yml`) | "
        f"PostgreSQL {pg_healthy['postgres']:.0f} s, API {pg_healthy['api']:.0f} s, "
        f"worker {pg_healthy['worker']:.0f} s |",
        "",
        "Memory peak of each container since it started (cgroup peak, page cache included) against "
        "its compose limit, after each step:",
        "",
        "| After | Peak / limit |",
        "| --- | --- |",
        *(f"| {what} | {peaks} |" for what, peaks in rows),
        f"| PostgreSQL stack after one static scrape | {pg_peaks} |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    update_section(NAME, run(quick="--quick" in sys.argv))
