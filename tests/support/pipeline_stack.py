"""A real API + worker for pipeline tests, and small HTTP helpers around them."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from backend_fastapi.store.engine import sqlite_path
from tests.support.handlers import handler_env
from tests.support.processes import Service, service_env, start_api, start_worker
from tests.support.waiting import BOUND
from tests.support.waiting import wait_for as wait_for  # re-exported for the tests that import it here

# The scraping engine is tested elsewhere: here a scrape stores three echo records.
ECHO_HANDLERS = handler_env() + ",scrape.page=tests.support.handlers:echo"
SCRAPE = {"url": "https://shop.example/p/1", "schema": {"title": "string"}}


@dataclass
class Stack:
    base: str
    api: Service
    workers: list[Service]
    env: dict[str, str]
    tmp_path: Path

    @property
    def worker(self) -> Service:
        return self.workers[0]

    def add_worker(self, name: str, **overrides: Any) -> Service:
        worker = start_worker({**self.env, **{k: str(v) for k, v in overrides.items()}}, self.tmp_path, name)
        self.workers.append(worker)
        return worker


@contextmanager
def pipeline_stack(db_url: str, tmp_path: Path, workers: int = 1, **overrides: Any) -> Iterator[Stack]:
    """API and worker processes on one SQLite file; scrape jobs run the echo handler."""
    env = service_env(
        db_url, tmp_path, WORKER_HANDLERS=ECHO_HANDLERS, SCRAPE_ALLOW_HOSTS="127.0.0.1", **overrides
    )
    api, base = start_api(env, tmp_path)
    stack = Stack(base, api, [], env, tmp_path)
    try:
        for index in range(workers):
            stack.add_worker(f"worker{index}")
        yield stack
    finally:
        for worker in stack.workers:
            worker.stop()
        api.stop()


def wait_job(base: str, job_id: str, *statuses: str, timeout: float = BOUND) -> dict[str, Any]:
    """Poll a job until it reaches one of `statuses`; its body."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = httpx.get(f"{base}/api/jobs/{job_id}").json()
        if body["status"] in statuses:
            return body
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {statuses}: {body}")


def upload(
    base: str, filename: str, content: bytes, content_type: str = "application/octet-stream"
) -> dict[str, Any]:
    response = httpx.post(f"{base}/api/uploads", files={"file": (filename, content, content_type)})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def sql(db_url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one statement on the test database with plain sqlite3 (to move a schedule's clock)."""
    path = sqlite_path(db_url)
    assert path is not None
    with sqlite3.connect(path, timeout=20) as conn:
        return list(conn.execute(statement, params))


def make_due(db_url: str, schedule_id: str, seconds_ago: float = 1.0) -> None:
    """Pretend the schedule's next run time has come (instead of waiting for the clock)."""
    sql(db_url, "UPDATE schedules SET next_run_at = ? WHERE id = ?", time.time() - seconds_ago, schedule_id)
