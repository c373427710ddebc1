"""The API and the worker work whichever directory they are started from.

`backend_fastapi/` is a natural place to start them (`.env` and the relative data paths live
there); started there, a child process once imported our own `queue.py` instead of the standard
library's and every pipeline failed. Each way of starting runs a pipeline and a static scrape.
"""

from __future__ import annotations

import csv as csv_module
import io
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.pipeline_stack import wait_job
from tests.support.processes import CLI, REPO_ROOT, service_env, start_api, start_worker
from tests.support.servers import LoopbackServer

# The installed `dataops` command, as `make worker` and the images run it.
CONSOLE_SCRIPT = Path(sys.executable).with_name("dataops")
FINAL = ("completed", "failed", "cancelled")
PIPELINE = {
    "pipeline": {
        "source": {"type": "inline", "records": [{"title": "Mug", "price": "4.50"}, {"title": "Cup"}]},
        "steps": [{"op": "cast", "columns": {"price": "number"}}],
        "output": {"format": "csv", "name": "mugs"},
    }
}


def submit(base: str, path: str, body: dict[str, Any]) -> str:
    response = httpx.post(f"{base}{path}", json=body, timeout=10)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


@pytest.mark.parametrize(
    ("cwd", "program"),
    [
        pytest.param(REPO_ROOT, (str(CONSOLE_SCRIPT),), id="repo-root-dataops"),
        pytest.param(REPO_ROOT / "backend_fastapi", (str(CONSOLE_SCRIPT),), id="package-dir-dataops"),
        pytest.param(REPO_ROOT / "backend_fastapi", CLI, id="package-dir-python-m"),
    ],
)
def test_api_and_worker_run_pipelines_and_scrapes_from_any_start_directory(
    tmp_path: Path, shop: LoopbackServer, cwd: Path, program: tuple[str, ...]
) -> None:
    if program != CLI and not CONSOLE_SCRIPT.is_file():
        pytest.fail(f"the dataops command is not installed next to {sys.executable}: pip install -e .")
    env = service_env(
        f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}",
        tmp_path,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}",
    )
    # As a person would run it: the package is found because it is installed, not through PYTHONPATH.
    env.pop("PYTHONPATH")
    api, base = start_api(env, tmp_path, cwd=cwd, program=program)
    worker = start_worker(env, tmp_path, cwd=cwd, program=program)
    try:
        pipeline = wait_job(base, submit(base, "/api/pipeline/run", PIPELINE), *FINAL)
        assert pipeline["status"] == "completed", (pipeline["error"], worker.log()[-3000:])
        (export,) = httpx.get(f"{base}/api/exports", timeout=10).json()["items"]
        csv = httpx.get(f"{base}/api/exports/{export['export_id']}/download", timeout=10)
        assert csv.status_code == 200
        assert next(csv_module.reader(io.StringIO(csv.text))) == ["title", "price"]

        scrape = wait_job(
            base,
            submit(base, "/api/scrape", {"url": f"{shop.url}/p/7", "schema": {"title": "string"}}),
            *FINAL,
        )
        assert scrape["status"] == "completed", scrape["error"]
        assert scrape["result"]["data"]["title"]
    finally:
        worker.stop()
        api.stop()
