"""Health means able to work: a worker checks what it can run, says so, and fails browser jobs fast.

Real workers, a real Chromium, and a "Chromium" that is a script exiting 1 (what a broken image
looks like: the executable is there but cannot start).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import Service, service_env, start_api, start_worker
from tests.support.scrape_stack import Stack, chromium_processes, scrape_stack
from tests.support.servers import LoopbackServer
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser
NOT_A_BROWSER = "this is not a browser"


@pytest.fixture
def broken_chromium(tmp_path: Path) -> Path:
    path = tmp_path / "chromium"
    path.write_text(f"#!/bin/sh\necho '{NOT_A_BROWSER}' >&2\nexit 1\n")
    path.chmod(0o755)
    return path


def health(base: str, key: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.get(f"{base}/health", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def browser_status(base: str, status: str) -> dict[str, Any] | None:
    body = health(base)
    entry = body["capabilities"].get("scrape.browser")
    return body if entry is not None and entry["status"] == status else None


def keys(body: Any) -> set[str]:
    """Every key at any depth of a JSON body."""
    if isinstance(body, dict):
        return set(body) | {k for v in body.values() for k in keys(v)}
    if isinstance(body, list):
        return {k for v in body for k in keys(v)}
    return set()


def worker_health(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend_fastapi.ops.cli", "health", "--worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dynamic(shop: LoopbackServer, **options: Any) -> dict[str, Any]:
    return {"url": f"{shop.url}/js/3", "strategy": "dynamic", "schema": {"title": "string"}, **options}


def test_a_worker_whose_browser_cannot_start_says_why_and_fails_dynamic_jobs_at_once(
    tmp_path: Path, shop: LoopbackServer, broken_chromium: Path
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}"
    with scrape_stack(
        db_url, tmp_path, CHROMIUM_PATH=broken_chromium, SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}"
    ) as stack:
        body = wait_for(lambda: browser_status(stack.base, "unavailable"))
        reason = body["capabilities"]["scrape.browser"]["reason"]
        assert str(broken_chromium) in reason
        assert f"exited with code 1 ({NOT_A_BROWSER})" in reason
        assert body["problems"] == [f"browser unavailable: {reason}"]
        for kind in ("scrape.static", "pipeline", "webhook", "test.noop"):
            assert body["capabilities"][kind]["status"] == "ok", body["capabilities"]
        assert body["workers"]["items"][0]["capabilities"]["scrape.browser"] == reason

        checked = worker_health(stack.env)
        assert checked.returncode == 1
        assert f"browser unavailable: {reason}" in checked.stderr

        job = stack.run(dynamic(shop))
        assert job["status"] == "failed", job
        assert job["error"]["code"] == "browser_unavailable"
        assert NOT_A_BROWSER in job["error"]["message"]
        assert job["attempts"] == 1  # no second try on a worker that just showed it cannot

        # Everything that needs no browser still works on this worker.
        static = stack.run({"url": f"{shop.url}/p/7", "schema": {"title": "string"}})
        assert static["status"] == "completed", static["error"]


def test_a_worker_with_a_working_chromium_is_healthy_and_keeps_no_browser_after_the_check(
    tmp_path: Path, shop: LoopbackServer
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}"
    with scrape_stack(db_url, tmp_path) as stack:
        body = wait_for(lambda: browser_status(stack.base, "ok"))
        assert body["problems"] == []
        assert {entry["status"] for entry in body["capabilities"].values()} == {"ok"}
        checked = worker_health(stack.env)
        assert checked.returncode == 0, checked.stderr
        assert "scrape.browser" in checked.stdout
        # The check ran in a child that is gone: no Chromium stays behind in an idle worker.
        wait_for(lambda: not chromium_processes(stack.worker.pid))
        seconds = re.findall(r"worker\.capabilities.*?seconds[=:]\s*([\d.]+)", stack.worker.log())
        assert seconds, stack.worker.log()[-2000:]


def test_a_dynamic_job_failed_by_a_broken_worker_is_retried_on_one_whose_browser_works(
    tmp_path: Path, shop: LoopbackServer, broken_chromium: Path
) -> None:
    # Long leases: a stopped worker stays "alive" (and so a place to retry on) for the whole test.
    env = service_env(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}",
        tmp_path,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}",
        JOB_LEASE_SECONDS=60,
        # Room to stop the broken worker before its retry is due (else it could take it again).
        JOB_RETRY_BACKOFF_SECONDS=5,
    )
    api, base = start_api(env, tmp_path)
    good = start_worker(env, tmp_path, "good")
    broken: Service | None = None
    try:
        wait_for(lambda: browser_status(base, "ok"))
        broken = start_worker({**env, "CHROMIUM_PATH": str(broken_chromium)}, tmp_path, "broken")
        wait_for(lambda: browser_status(base, "partial"))
        good.signal(signal.SIGSTOP)  # only the broken worker can claim now
        stack = Stack(base, api, broken, env)
        job_id = stack.submit(dynamic(shop))
        wait_for(lambda: (body := stack.job(job_id))["attempts"] == 1 and body["status"] == "queued")
        broken.signal(signal.SIGSTOP)
        good.signal(signal.SIGCONT)
        job = stack.wait(job_id)
        assert job["status"] == "completed", job
        assert job["attempts"] == 2
    finally:
        good.signal(signal.SIGCONT)
        if broken is not None:
            broken.signal(signal.SIGCONT)
            broken.stop()
        good.stop()
        api.stop()


def test_health_without_the_api_key_tells_counts_and_kinds_but_no_worker_identity(tmp_path: Path) -> None:
    key = "k" * 32
    env = service_env(f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path, API_KEY=key)
    api, base = start_api(env, tmp_path)
    worker = start_worker(env, tmp_path)
    try:
        open_body = wait_for(lambda: (b := health(base)) and b["capabilities"] and b)
        assert open_body["workers"]["alive"] == 1
        assert open_body["workers"]["slots"] == 2
        assert "items" not in open_body["workers"]
        assert open_body["capabilities"]["test.noop"]["status"] == "ok"
        assert not keys(open_body) & {"id", "hostname", "pid", "items"}
        assert not keys(health(base, "not-the-key")) & {"id", "hostname", "pid", "items"}

        detailed = health(base, key)
        (item,) = detailed["workers"]["items"]
        assert item["pid"] == worker.pid
        assert item["hostname"]
        assert item["capabilities"]["test.noop"] == "ok"
    finally:
        worker.stop()
        api.stop()
