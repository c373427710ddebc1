"""Pipelines run in a child process: a memory limit, cancellation and time limits stop it cleanly,
and the worker itself never loads pandas."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from backend_fastapi.pipelines.forkserver import RUN_NAME
from backend_fastapi.pipelines.warm import SERVER_MODULE
from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import Database
from tests.support.pipeline_stack import Stack, pipeline_stack, wait_job
from tests.support.waiting import BOUND, enqueue, wait_for, wait_status

CROSS_JOIN = {
    "pipeline": {
        "source": {"type": "inline", "records": [{"k": 1, "i": i} for i in range(4000)]},
        "steps": [
            {
                "op": "join",
                "source": {"type": "inline", "records": [{"k": 1, "j": i} for i in range(4000)]},
                "on": ["k"],
            }
        ],
    }
}
# Steps that run far past any short time limit within the memory limit: 2.56 million joined rows
# sorted back and forth 98 times (~0.12 s a sort here, ~300 MB at the peak; the cross join of
# CROSS_JOIN peaks over 700 MB). Regexes cannot serve: they run in linear time.
_SIDE = 1600
ENDLESS = {
    "pipeline": {
        "source": {"type": "inline", "records": [{"k": 1, "i": i} for i in range(_SIDE)]},
        "steps": [
            {
                "op": "join",
                "source": {"type": "inline", "records": [{"k": 1, "j": j} for j in range(_SIDE)]},
                "on": ["k"],
            },
            *({"op": "sort", "by": ["j", "i"], "descending": n % 2 == 0} for n in range(98)),
        ],
    }
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("limits")
    with pipeline_stack(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path, PIPELINE_MEMORY_LIMIT_MB=512
    ) as running:
        yield running


def _descendants(stack: Stack) -> list[psutil.Process]:
    found = []
    for worker in stack.workers:
        with contextlib.suppress(psutil.NoSuchProcess):
            found += psutil.Process(worker.pid).children(recursive=True)
    return found


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def pipeline_children(stack: Stack) -> list[psutil.Process]:
    """Pipeline runs (forked by the warm process) of this test's workers, zombies left out."""
    found = []
    for process in _descendants(stack):
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.name() == RUN_NAME.decode() and _alive(process):
                found.append(process)
    return found


def warm_processes(stack: Stack) -> list[psutil.Process]:
    """The warm pipeline processes of this test's workers."""
    found = []
    for process in _descendants(stack):
        with contextlib.suppress(psutil.NoSuchProcess):
            is_warm = SERVER_MODULE in " ".join(process.cmdline()) and process.name() != RUN_NAME.decode()
            if is_warm and _alive(process):
                found.append(process)
    return found


def start(stack: Stack, body: dict[str, Any]) -> str:
    response = httpx.post(f"{stack.base}/api/pipeline/run", json=body)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def test_a_pipeline_over_its_memory_limit_fails_with_memory_limit_and_the_worker_carries_on(
    stack: Stack,
) -> None:
    job = wait_job(stack.base, start(stack, CROSS_JOIN), "completed", "failed", timeout=120)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "memory_limit"
    assert "more than 512 MB while running steps[0] (join)" in job["error"]["message"]
    assert job["attempts"] == 1
    assert pipeline_children(stack) == []
    small = start(stack, {"pipeline": {"source": {"type": "inline", "records": [{"a": 1}]}}})
    assert wait_job(stack.base, small, "completed", "failed")["status"] == "completed"


def test_cancelling_a_running_pipeline_kills_its_process(stack: Stack) -> None:
    job_id = start(stack, ENDLESS)
    wait_for(lambda: httpx.get(f"{stack.base}/api/jobs/{job_id}").json().get("progress", {}) or {})
    children = wait_for(lambda: pipeline_children(stack))
    assert httpx.post(f"{stack.base}/api/jobs/{job_id}/cancel").status_code == 200
    assert wait_job(stack.base, job_id, "cancelled")["error"]["code"] == "cancelled"
    psutil.wait_procs(children, timeout=BOUND)
    assert not any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children)
    assert pipeline_children(stack) == []


def test_a_pipeline_past_its_time_limit_fails_with_timeout_and_its_process_is_killed(stack: Stack) -> None:
    job_id = start(stack, {**ENDLESS, "timeout_seconds": 3})
    job = wait_job(stack.base, job_id, "failed")
    assert job["error"]["code"] == "timeout"
    wait_for(lambda: pipeline_children(stack) == [])


async def test_the_worker_process_never_imports_pandas_even_after_pipelines(stack: Stack) -> None:
    run = start(
        stack,
        {"pipeline": {"source": {"type": "inline", "records": [{"a": 1}]}, "output": {"format": "parquet"}}},
    )
    wait_job(stack.base, run, "completed")
    db = Database(Settings(_env_file=None, DATABASE_URL=stack.env["DATABASE_URL"]))  # type: ignore[call-arg]
    try:
        probe = await enqueue(db, "test.modules")
        row = await wait_status(db, probe, "completed")
    finally:
        await db.close()
    heavy = row.result["heavy"]
    assert not [m for m in heavy if m.split(".")[0] in ("pandas", "pyarrow")], heavy
    assert "backend_fastapi.pipelines.handler" in heavy
    assert not any(
        m in heavy for m in ("backend_fastapi.pipelines.engine", "backend_fastapi.pipelines.steps")
    )


def test_a_killed_worker_takes_its_pipeline_process_with_it(db_url: str, tmp_path: Path) -> None:
    with pipeline_stack(db_url, tmp_path) as own:
        job_id = start(own, ENDLESS)
        (child,) = wait_for(lambda: pipeline_children(own))
        (warm,) = warm_processes(own)
        own.worker.kill()
        gone, alive = psutil.wait_procs([child, warm], timeout=BOUND)
        assert alive == []
        assert set(gone) == {child, warm}
        assert httpx.get(f"{own.base}/api/jobs/{job_id}").json()["status"] == "running"
