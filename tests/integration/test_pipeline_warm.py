"""Runs fork from one warm pipeline process per worker: it is reused, given back when idle, and a
run or a warm process that dies fails only its own job."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest

from tests.integration.test_pipeline_limits import ENDLESS, pipeline_children, start, warm_processes
from tests.support.pipeline_stack import Stack, pipeline_stack, wait_job
from tests.support.waiting import BOUND, wait_for

IDLE_SECONDS = 3
SMALL = {
    "pipeline": {
        "source": {"type": "inline", "records": [{"a": i, "b": f"x{i}"} for i in range(50)]},
        "steps": [{"op": "filter", "expr": "a >= 10"}],
        "output": {"format": "csv"},
    }
}


@pytest.fixture
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("warm")
    with pipeline_stack(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path, PIPELINE_WARM_IDLE_SECONDS=IDLE_SECONDS
    ) as running:
        yield running


def run_small(stack: Stack, body: dict[str, Any] = SMALL) -> dict[str, Any]:
    job = wait_job(stack.base, start(stack, body), "completed", "failed")
    assert job["status"] == "completed", job
    assert job["result"]["rows"] == 40
    return job


def preview_small(stack: Stack) -> dict[str, Any]:
    response = httpx.post(f"{stack.base}/api/pipelines/preview", json={**SMALL, "rows": 50})
    assert response.status_code == 202, response.text
    job = wait_job(stack.base, response.json()["job_id"], "completed", "failed")
    assert job["status"] == "completed", job
    return job


def test_runs_fork_from_one_warm_process_that_is_given_back_after_the_idle_time(stack: Stack) -> None:
    assert warm_processes(stack) == []
    run_small(stack)
    (warm,) = warm_processes(stack)
    preview = preview_small(stack)
    assert len(preview["result"]["preview_rows"]) == 40
    run_small(stack)
    assert warm_processes(stack) == [warm]
    assert pipeline_children(stack) == []
    wait_for(lambda: warm_processes(stack) == [], timeout=IDLE_SECONDS + BOUND)
    assert not warm.is_running() or warm.status() == psutil.STATUS_ZOMBIE
    run_small(stack)
    (again,) = warm_processes(stack)
    assert again.pid != warm.pid


def start_endless(stack: Stack) -> tuple[str, psutil.Process, psutil.Process]:
    """A long run once its process is up: the job, its run process, the warm process."""
    job_id = start(stack, ENDLESS)
    (child,) = wait_for(lambda: pipeline_children(stack))
    (warm,) = warm_processes(stack)
    return job_id, child, warm


def test_a_run_killed_from_outside_fails_its_job_and_the_warm_process_carries_on(stack: Stack) -> None:
    job_id, child, warm = start_endless(stack)
    child.send_signal(signal.SIGKILL)
    job = wait_job(stack.base, job_id, "failed")
    assert job["error"]["code"] == "memory_limit"
    assert "killed by the system" in job["error"]["message"]
    run_small(stack)
    assert warm_processes(stack) == [warm]


def test_a_warm_process_that_dies_fails_the_run_in_it_and_the_next_run_starts_a_new_one(stack: Stack) -> None:
    job_id, child, warm = start_endless(stack)
    warm.send_signal(signal.SIGKILL)
    job = wait_job(stack.base, job_id, "failed")
    assert job["error"]["code"] == "pipeline_crashed"
    _, alive = psutil.wait_procs([child], timeout=BOUND)
    assert alive == []
    run_small(stack)
    (again,) = warm_processes(stack)
    assert again.pid != warm.pid


def test_concurrent_runs_of_a_worker_fork_from_its_one_warm_process(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tmp_path = tmp_path_factory.mktemp("concurrent")
    with pipeline_stack(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path, WORKER_CONCURRENCY=4
    ) as stack:
        bodies = [
            {"pipeline": {**SMALL["pipeline"], "steps": [{"op": "filter", "expr": f"a >= {n}"}]}}
            for n in range(8)
        ]
        jobs = [start(stack, body) for body in bodies]
        done = [wait_job(stack.base, job_id, "completed", "failed") for job_id in jobs]
        assert [job["status"] for job in done] == ["completed"] * 8
        assert [job["result"]["rows"] for job in done] == [50 - n for n in range(8)]
        assert len(warm_processes(stack)) == 1
        assert pipeline_children(stack) == []


def test_with_no_idle_time_no_process_is_left_between_runs(tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp_path = tmp_path_factory.mktemp("cold")
    with pipeline_stack(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path, PIPELINE_WARM_IDLE_SECONDS=0
    ) as stack:
        for _ in range(2):
            run_small(stack)
            wait_for(lambda: warm_processes(stack) == [])
            assert pipeline_children(stack) == []


def test_a_warm_process_is_started_anew_after_its_number_of_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tmp_path = tmp_path_factory.mktemp("recycled")
    with pipeline_stack(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path, PIPELINE_WARM_MAX_RUNS=2
    ) as stack:
        run_small(stack)
        (first,) = warm_processes(stack)
        run_small(stack)  # its second run: it is due once the run ends, idle time or not
        wait_for(lambda: warm_processes(stack) == [])
        run_small(stack)
        (second,) = warm_processes(stack)
        assert second.pid != first.pid
