"""`dataops db copy`: a SQLite installation moved to PostgreSQL, verified, atomic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from backend_fastapi.settings import Settings
from backend_fastapi.store import job_rows, jobqueue, migrations
from backend_fastapi.store.engine import Database
from backend_fastapi.store.tables import (
    job_records,
    jobs,
    monitor_changes,
    monitor_checks,
    monitor_records,
    monitors,
    pipelines,
    schedules,
    sessions,
    webhook_deliveries,
)
from tests.support.postgres import PostgresServer
from tests.support.processes import REPO_ROOT, service_env, start_worker
from tests.support.waiting import enqueue, enqueue_many, eventually

pytestmark = pytest.mark.postgres


async def _rows(db: Database, table: sa.Table) -> list[dict[str, Any]]:
    async with db.read() as conn:
        order = list(table.primary_key.columns)
        return [dict(r) for r in (await conn.execute(sa.select(table).order_by(*order))).mappings()]


async def _fill(db: Database, db_url: str, tmp_path: Path) -> None:
    """A lived-in installation: finished jobs with records, a failed one, webhooks, definitions."""
    env = service_env(db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1")
    worker = start_worker(env, tmp_path)
    try:
        ids = await enqueue_many(db, "test.records", [{"count": 120} for _ in range(5)])
        ids.append(await enqueue(db, "test.fail", {"permanent": True}))
        ids.append(
            await enqueue(
                db, "test.noop", webhook={"url": "http://127.0.0.1:9/hook", "events": ["completed"]}
            )
        )

        async def settled() -> bool:
            async with db.read() as conn:
                counts = await job_rows.count_by_status(conn)
            return counts["queued"] == counts["running"] == 0 and counts["failed"] >= 2

        await eventually(settled)
    finally:
        worker.stop()
    now = await db.now()
    await db.write(
        lambda c: c.execute(
            pipelines.insert().values(
                id="p1",
                name="daily",
                description="x",
                definition={"steps": [{"op": "dedupe"}]},
                created_at=now,
                updated_at=now,
            )
        )
    )
    await db.write(
        lambda c: c.execute(
            schedules.insert().values(
                id="s1",
                name="morning",
                cron="0 6 * * *",
                timezone="Europe/Berlin",
                job={"pipeline_id": "p1"},
                enabled=True,
                next_run_at=now + 3600,
                created_at=now,
                updated_at=now,
            )
        )
    )
    await db.write(lambda c: _monitor(c, now))
    # A session's sealed secrets are copied as they are (the target opens them with the same key).
    await db.write(
        lambda c: c.execute(
            sessions.insert().values(
                id="x1", name="shop", spec={"kind": "cookies"}, sealed_state="gAAAA-sealed",
                state_summary={"cookies": 1, "domains": ["shop.example"], "origins": 0}, state_version=2,
                created_at=now, updated_at=now,
            )
        )
    )  # fmt: skip


async def _monitor(conn: Any, now: float) -> None:
    """A monitor with its own schedule, a snapshot, a check and a change (the changes' ids come
    from a sequence on PostgreSQL: the copy must move it past them)."""
    await conn.execute(
        schedules.insert().values(
            id="s2",
            name="monitor:m1",
            cron="@every 900s",
            timezone="UTC",
            job={"url": "http://127.0.0.1:9/"},
            enabled=True,
            next_run_at=now + 900,
            created_at=now,
            updated_at=now,
            monitor_id="m1",
        )
    )
    await conn.execute(
        monitors.insert().values(
            id="m1",
            name="prices",
            definition={"key": ["url"]},
            schedule_id="s2",
            created_at=now,
            updated_at=now,
        )
    )
    await conn.execute(
        monitor_records.insert().values(monitor_id="m1", key='{"url":"u"}', data={"url": "u"}, digest="d")
    )
    await conn.execute(
        monitor_checks.insert().values(
            id="c1", monitor_id="m1", job_id="j1", status="baseline", counts={}, checked_at=now
        )
    )
    await conn.execute(
        monitor_changes.insert().values(
            monitor_id="m1",
            check_id="c1",
            kind="added",
            key='{"url":"u"}',
            change={"kind": "added"},
            created_at=now,
        )
    )


async def test_copy_moves_everything_and_verifies_counts(
    db: Database, db_url: str, tmp_path: Path, postgres_server: PostgresServer
) -> None:
    await _fill(db, db_url, tmp_path)
    target_url = postgres_server.create_database("copy_target")
    env = service_env(db_url, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "backend_fastapi.ops.cli", "db", "copy", "--from", db_url, "--to", target_url],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Copied and verified" in result.stdout
    target = Database(Settings(_env_file=None, DATABASE_URL=target_url))  # type: ignore[call-arg]
    try:
        copied = (
            jobs,
            job_records,
            webhook_deliveries,
            pipelines,
            schedules,
            monitors,
            monitor_records,
            monitor_checks,
            monitor_changes,
            sessions,
        )
        for table in copied:
            assert await _rows(target, table) == await _rows(db, table), table.name
        # The copy is a working installation: new rows get fresh ids, and jobs can be queued.
        now = await target.now()
        await target.write(lambda c: jobqueue.enqueue(c, jobqueue.NewJob("test.noop", {}, 3, 60), now))
        await target.write(
            lambda c: c.execute(
                monitor_changes.insert().values(
                    monitor_id="m1", check_id="c1", kind="added", key="k", change={}, created_at=now
                )
            )
        )
        assert await migrations.current_revision(target) == migrations.HEAD
    finally:
        await target.close()

    again = subprocess.run(
        [sys.executable, "-m", "backend_fastapi.ops.cli", "db", "copy", "--from", db_url, "--to", target_url],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 2
    assert "copy into an empty database" in again.stderr
