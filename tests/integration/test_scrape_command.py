"""`dataops scrape` as a shell user runs it, against a real API and worker and a local shop."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import REPO_ROOT, free_port
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer
from tests.support.sites import ShopSite, shop_server
from tests.support.waiting import BOUND, wait_for

KEY = "cli-secret"


@pytest.fixture(scope="module")
def shop() -> Iterator[LoopbackServer]:
    with shop_server(ShopSite(products=3, per_page=3)) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("cli")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}", tmp, SCRAPE_ALLOW_HOSTS="127.0.0.1", API_KEY=KEY
    ) as running:
        yield running


def scrape(stack: Stack | None, *args: str, key: str = KEY) -> subprocess.CompletedProcess[str]:
    """`dataops scrape ...` with DATAOPS_URL and DATAOPS_API_KEY set as a user would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATAOPS_", "API_KEY"))}
    env["DATAOPS_URL"] = stack.base if stack else f"http://127.0.0.1:{free_port()}"
    env["DATAOPS_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "backend_fastapi.ops.cli", "scrape", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )


def test_fields_by_meaning_with_wait_print_the_records(stack: Stack, shop: LoopbackServer) -> None:
    done = scrape(stack, f"{shop.url}/p/1", "--field", "title", "--field", "price:number", "--wait")
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    assert records[0]["data"] == {"title": "Blue Mug 1", "price": 1235.5}


def test_without_wait_the_job_id_is_printed_and_the_job_runs(stack: Stack, shop: LoopbackServer) -> None:
    queued = scrape(stack, f"{shop.url}/p/2", "--field", "title")
    assert queued.returncode == 0, queued.stderr
    job_id = queued.stdout.strip()

    def finished() -> dict[str, Any] | None:
        job = httpx.get(f"{stack.base}/api/jobs/{job_id}", headers={"Authorization": f"Bearer {KEY}"}).json()
        return job if job["status"] in ("completed", "failed", "cancelled") else None

    job = wait_for(finished)
    assert job["status"] == "completed"
    assert job["result"]["data"] == {"title": "Blue Mug 2"}


def test_a_schema_file_csv_and_an_output_file(stack: Stack, shop: LoopbackServer, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"name": {"selector": "h1"}}))
    out = tmp_path / "out.csv"
    done = scrape(
        stack, f"{shop.url}/p/3", "--schema", str(schema), "--format", "csv", "-o", str(out), "--wait", "60"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [row for row in rows if "Blue Mug 3" in json.dumps(row)], rows


def test_failures_say_why_and_exit_non_zero(stack: Stack, shop: LoopbackServer) -> None:
    missing = scrape(stack, f"{shop.url}/no-such-page", "--field", "title", "--wait")
    assert missing.returncode == 1
    assert "failed" in missing.stderr
    assert "not_found" in missing.stderr
    refused = scrape(stack, "ftp://nowhere/", "--field", "title")
    assert refused.returncode == 2
    assert "422" in refused.stderr
    assert "url" in refused.stderr
    wrong_key = scrape(stack, f"{shop.url}/p/1", "--field", "title", key="nope")
    assert wrong_key.returncode == 2
    assert "401" in wrong_key.stderr
    nothing = scrape(stack, f"{shop.url}/p/1")
    assert nothing.returncode == 2
    assert "--field" in nothing.stderr
    unreachable = scrape(None, "https://shop.example/", "--field", "title")
    assert unreachable.returncode == 2
    assert "could not be reached" in unreachable.stderr
