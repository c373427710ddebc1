"""A real API and worker for scrape tests, and the calls tests make to them over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.support.processes import Service, service_env, start_api, start_worker
from tests.support.waiting import BOUND


@dataclass
class Stack:
    base: str
    api: Service
    worker: Service
    env: dict[str, str]

    def submit(self, body: dict[str, Any]) -> str:
        response = httpx.post(f"{self.base}/api/scrape", json=body, timeout=10)
        assert response.status_code == 202, response.text
        return str(response.json()["job_id"])

    def refused(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST a request that must be refused at request time; the error body."""
        response = httpx.post(f"{self.base}/api/scrape", json=body, timeout=10)
        assert response.status_code == 422, response.text
        return dict(response.json()["error"])

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(httpx.get(f"{self.base}/api/jobs/{job_id}", timeout=10).json())

    def wait(self, job_id: str, *statuses: str, timeout: float = BOUND) -> dict[str, Any]:
        """Poll the job until it reaches one of `statuses` (default: any final status)."""
        wanted = statuses or ("completed", "failed", "cancelled")
        deadline = time.monotonic() + timeout
        body = self.job(job_id)
        while body["status"] not in wanted:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"job {job_id} never reached {wanted}: {body}\n{self.worker.log()[-3000:]}"
                )
            time.sleep(0.05)
            body = self.job(job_id)
        return body

    def run(self, body: dict[str, Any], timeout: float = BOUND) -> dict[str, Any]:
        """Submit and wait for the final state."""
        return self.wait(self.submit(body), timeout=timeout)

    def records(self, job_id: str) -> list[dict[str, Any]]:
        page = httpx.get(f"{self.base}/api/jobs/{job_id}/results", params={"limit": 1000}, timeout=10).json()
        return list(page["items"])

    def download(self, job_id: str, fmt: str) -> httpx.Response:
        return httpx.get(f"{self.base}/api/jobs/{job_id}/results", params={"format": fmt}, timeout=30)

    def cancel(self, job_id: str) -> None:
        assert httpx.post(f"{self.base}/api/jobs/{job_id}/cancel", timeout=10).status_code in (200, 202)


@contextmanager
def scrape_stack(db_url: str, tmp_path: Path, **settings: Any) -> Iterator[Stack]:
    """API + worker processes on one SQLite file, with the given settings."""
    env = service_env(db_url, tmp_path, **settings)
    api, base = start_api(env, tmp_path)
    worker = start_worker(env, tmp_path)
    try:
        yield Stack(base, api, worker, env)
    finally:
        worker.stop()
        api.stop()


def chromium_processes(pid: int) -> list[psutil.Process]:
    """Chromium processes (browser and helpers) descended from process `pid`."""
    found = []
    for proc in psutil.Process(pid).children(recursive=True):
        try:
            if "chrom" in proc.name().lower() or "headless_shell" in proc.name().lower():
                found.append(proc)
        except psutil.NoSuchProcess:
            continue
    return found


def browser_roots(pid: int) -> list[psutil.Process]:
    """One process per running browser: Chromium processes whose parent is not Chromium (Debian
    starts the binary through a shell wrapper of the same name)."""
    chromium = chromium_processes(pid)
    pids = {p.pid for p in chromium}
    roots = []
    for proc in chromium:
        try:
            if proc.ppid() not in pids:
                roots.append(proc)
        except psutil.NoSuchProcess:
            continue
    return roots
