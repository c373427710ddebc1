"""Many workers on one PostgreSQL database: SKIP LOCKED claims, kill -9, exactly-once completion."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_fastapi.store.engine import Database
from tests.integration.test_worker import run_chaos

pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.mark.slow
async def test_eight_workers_with_random_kills_complete_5000_jobs_exactly_once(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    await run_chaos(
        db, db_url, tmp_path, seed=7, jobs=5000, workers=8, concurrency=8, kills=10, max_job_seconds=0.02
    )
