"""A real `dataops worker` process against a real SQLite file."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend_fastapi.store import job_rows, record_rows, worker_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.tables import jobs as jobs_table
from tests.support.postgres import BOTH_BACKENDS
from tests.support.processes import REPO_ROOT, service_env, start_worker
from tests.support.waiting import enqueue, enqueue_many, eventually, job_row, wait_status

pytestmark = BOTH_BACKENDS


async def test_concurrent_claimers_take_every_job_exactly_once(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    ids = await enqueue_many(db, "test.noop", [{} for _ in range(2000)])
    outs = [tmp_path / f"claimer{i}.txt" for i in range(8)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.claimer", db_url, f"c{i}", str(out)], cwd=REPO_ROOT
        )
        for i, out in enumerate(outs)
    ]
    assert [p.wait(120) for p in procs] == [0] * 8
    claimed = [line.split()[0] for out in outs for line in out.read_text().splitlines() if line]
    assert len(claimed) == len(set(claimed)) == 2000
    assert set(claimed) == set(ids)
    assert all(len(out.read_text().splitlines()) > 0 for out in outs), "every claimer should get work"
    async with db.read() as conn:
        assert (await job_rows.count_by_status(conn))["completed"] == 2000


async def test_worker_runs_a_job_and_stores_its_records_and_progress(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    worker = start_worker(service_env(db_url, tmp_path), tmp_path)
    try:
        job_id = await enqueue(db, "test.records", {"count": 1200})
        row = await wait_status(db, job_id, "completed")
        assert row.result == {"count": 1200, "records": 1200}
        assert row.progress == {"done": 1200, "total": 1200}
        async with db.read() as conn:
            assert await record_rows.count_records(conn, job_id, 1) == 1200
            page = await record_rows.page_records(conn, job_id, 1, 1195, 10)
        assert [r["i"] for r in page] == [1195, 1196, 1197, 1198, 1199]
    finally:
        worker.stop()


async def test_transient_failures_are_retried_with_backoff_then_succeed(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    worker = start_worker(service_env(db_url, tmp_path), tmp_path)
    try:
        job_id = await enqueue(db, "test.fail", {"fail_times": 2}, max_attempts=3)
        row = await wait_status(db, job_id, "completed", "failed")
        assert (row.status, row.attempts, row.result) == ("completed", 3, {"succeeded_on": 3})
        permanent = await enqueue(db, "test.fail", {"permanent": True}, max_attempts=3)
        row = await wait_status(db, permanent, "completed", "failed")
        assert (row.status, row.attempts, row.error_code) == ("failed", 1, "permanent_error")
        unknown = await enqueue(db, "no.such.type")
        row = await wait_status(db, unknown, "failed")
        assert row.error_code == "unknown_job_type"
    finally:
        worker.stop()


async def test_a_job_past_its_time_limit_fails_with_timeout(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    worker = start_worker(service_env(db_url, tmp_path), tmp_path)
    try:
        job_id = await enqueue(db, "test.sleep", {"seconds": 30}, timeout_seconds=0.5)
        row = await wait_status(db, job_id, "failed", "completed")
        assert (row.status, row.error_code, row.attempts) == ("failed", "timeout", 1)
    finally:
        worker.stop()


async def test_cancelling_a_running_job_stops_it_within_seconds(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    worker = start_worker(service_env(db_url, tmp_path), tmp_path)
    try:
        job_id = await enqueue(db, "test.sleep", {"seconds": 60})
        await wait_status(db, job_id, "running")
        from backend_fastapi.store import jobqueue

        asked = time.monotonic()
        now = await db.now()
        assert await db.write(lambda c: jobqueue.cancel_job(c, job_id, now)) == "running"
        row = await wait_status(db, job_id, "cancelled")
        # Far below the job's 60 s: the cancel stopped it (the bound leaves room for a loaded machine).
        assert time.monotonic() - asked < 20
        assert row.error_code == "cancelled"
    finally:
        worker.stop()


async def test_sigterm_lets_the_running_job_finish(db: Database, db_url: str, tmp_path: Path) -> None:
    worker = start_worker(service_env(db_url, tmp_path, WORKER_SHUTDOWN_GRACE_SECONDS=20), tmp_path)
    job_id = await enqueue(db, "test.sleep", {"seconds": 1.5})
    await wait_status(db, job_id, "running")
    assert worker.stop() == 0
    row = await job_row(db, job_id)
    assert row.status == "completed"
    async with db.read() as conn:
        assert await worker_rows.live_workers(conn, 0) == []


async def test_sigterm_past_the_grace_period_returns_the_job_to_the_queue(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    worker = start_worker(service_env(db_url, tmp_path, WORKER_SHUTDOWN_GRACE_SECONDS=0.5), tmp_path)
    job_id = await enqueue(db, "test.sleep", {"seconds": 60})
    await wait_status(db, job_id, "running")
    assert worker.stop() == 0
    row = await job_row(db, job_id)
    assert (row.status, row.attempts, row.locked_by) == ("queued", 0, None)
    assert "job.released" in worker.log()


async def test_an_idle_worker_picks_up_a_new_job_quickly(db: Database, db_url: str, tmp_path: Path) -> None:
    # The poll interval is long: only the change signal can explain a quick start.
    worker = start_worker(service_env(db_url, tmp_path, WORKER_POLL_INTERVAL=30), tmp_path)
    try:
        await asyncio.sleep(0.5)
        job_id = await enqueue(db, "test.noop")
        row = await wait_status(db, job_id, "completed")
        # Far below the 30 s poll interval: the change signal woke the worker (room for a loaded machine).
        assert row.started_at - row.created_at < 10.0
    finally:
        worker.stop()


async def test_an_idle_worker_has_not_imported_heavy_modules(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    worker = start_worker(service_env(db_url, tmp_path), tmp_path)
    try:
        job_id = await enqueue(db, "test.modules")
        row = await wait_status(db, job_id, "completed")
        assert row.result["heavy"] == []
    finally:
        worker.stop()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_killed_workers_lose_no_job_and_complete_none_twice(
    db: Database, db_url: str, tmp_path: Path, seed: int
) -> None:
    await run_chaos(
        db, db_url, tmp_path, seed=seed, jobs=300, workers=3, concurrency=4, kills=8, max_job_seconds=0.5
    )


async def record_completions(db: Database) -> None:
    """A test-only trigger counting every change of a job to `completed`, inside the database
    itself: the authoritative count (a worker killed right after committing never logs it)."""
    async with db.transaction() as conn:
        await conn.execute(sa.text("CREATE TABLE completions (job_id VARCHAR(36) NOT NULL)"))
        if db.is_sqlite:
            await conn.execute(
                sa.text(
                    "CREATE TRIGGER count_completions AFTER UPDATE OF status ON jobs "
                    "WHEN NEW.status = 'completed' AND OLD.status <> 'completed' "
                    "BEGIN INSERT INTO completions VALUES (NEW.id); END"
                )
            )
        else:
            await conn.execute(
                sa.text(
                    "CREATE FUNCTION count_completion() RETURNS trigger AS $$ BEGIN "
                    "INSERT INTO completions VALUES (NEW.id); RETURN NULL; END $$ LANGUAGE plpgsql"
                )
            )
            await conn.execute(
                sa.text(
                    "CREATE TRIGGER count_completions AFTER UPDATE OF status ON jobs FOR EACH ROW "
                    "WHEN (NEW.status = 'completed' AND OLD.status <> 'completed') "
                    "EXECUTE FUNCTION count_completion()"
                )
            )


async def run_chaos(
    db: Database,
    db_url: str,
    tmp_path: Path,
    *,
    seed: int,
    jobs: int,
    workers: int,
    concurrency: int,
    kills: int,
    max_job_seconds: float,
) -> None:
    """Run `jobs` jobs on `workers` worker processes while SIGKILLing one at random `kills` times,
    then check that every job completed exactly once and nothing is left running."""
    import random

    rng = random.Random(seed)
    marks = tmp_path / "marks.txt"
    payloads = [{"file": str(marks), "seconds": rng.uniform(0, max_job_seconds)} for _ in range(jobs)]
    ids = await enqueue_many(db, "test.mark", payloads, max_attempts=10)
    await record_completions(db)
    env = service_env(db_url, tmp_path, WORKER_CONCURRENCY=concurrency, JOB_LEASE_SECONDS=1.5)
    # Workers claim jobs before their capability probe ends: waiting for it would only slow the test.
    procs = [start_worker(env, tmp_path, f"w{i}", ready="worker.started") for i in range(workers)]
    generation = workers
    try:
        for _ in range(kills):
            await asyncio.sleep(rng.uniform(0.3, 1.0))
            victim = rng.randrange(len(procs))
            procs[victim].signal(signal.SIGKILL)
            procs[victim].kill()
            procs[victim] = start_worker(env, tmp_path, f"w{generation}", ready="worker.started")
            generation += 1

        async def all_finished() -> bool:
            async with db.read() as conn:
                counts = await job_rows.count_by_status(conn)
            return counts["completed"] == len(ids)

        await eventually(all_finished, timeout=180, interval=0.2)
    finally:
        for proc in procs:
            proc.stop()
    async with db.read() as conn:
        rows = (await conn.execute(sa.text("SELECT job_id, count(*) FROM completions GROUP BY job_id"))).all()
    completions = dict(rows)
    assert set(completions) == set(ids)
    assert max(completions.values()) == 1, "a job was completed twice"
    async with db.read() as conn:
        finished = (
            await conn.execute(
                sa.select(jobs_table.c.attempts, jobs_table.c.result).where(jobs_table.c.id.in_(ids))
            )
        ).all()
    # The stored result is the one of the attempt that owned the job last, never a stale one.
    assert all(row.result["attempt"] == row.attempts for row in finished)
    async with db.read() as conn:
        counts = await job_rows.count_by_status(conn)
        assert counts["running"] == counts["queued"] == 0
        if db.is_sqlite:
            integrity = (await conn.exec_driver_sql("PRAGMA integrity_check")).scalar_one()
            assert integrity == "ok"
    executions = [line.split()[0] for line in marks.read_text().splitlines()]
    assert set(executions) == set(ids)


@pytest.mark.slow
async def test_a_frozen_worker_cannot_overwrite_the_result_of_the_worker_that_took_over(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    env = service_env(db_url, tmp_path, JOB_LEASE_SECONDS=1.5)
    zombie = start_worker(env, tmp_path, "zombie")
    job_id = await enqueue(db, "test.sleep", {"seconds": 1.0})
    row = await wait_status(db, job_id, "running")
    zombie_id = row.locked_by
    zombie.signal(signal.SIGSTOP)
    rescuer = start_worker(env, tmp_path, "rescuer")
    try:
        row = await wait_status(db, job_id, "completed")
        assert row.result["worker"] != zombie_id
        zombie.signal(signal.SIGCONT)
        await asyncio.sleep(2.0)
        final = await job_row(db, job_id)
        assert (final.status, final.result, final.finished_at) == ("completed", row.result, row.finished_at)
        log = zombie.log()
        assert "job.result_discarded" in log or "job.lease_expired" in log or "job.lease_lost" in log
    finally:
        zombie.signal(signal.SIGCONT)
        zombie.stop()
        rescuer.stop()


async def test_a_worker_killed_during_its_capability_probe_takes_the_probe_with_it(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    import psutil

    hold = tmp_path / "hold"
    hold.touch()  # the probe imports the held handler until this file goes
    env = service_env(db_url, tmp_path, DATAOPS_TEST_HOLD_FILE=str(hold))
    env["WORKER_HANDLERS"] += ",test.held=tests.support.held_import:run"
    worker = start_worker(env, tmp_path, ready="worker.started")
    probes: list[psutil.Process] = []
    try:

        async def probe_started() -> list[psutil.Process]:
            children = psutil.Process(worker.pid).children()
            return [c for c in children if "backend_fastapi.worker.probe" in " ".join(c.cmdline())]

        probes = await eventually(probe_started, timeout=60, interval=0.05)
        await eventually(lambda: asyncio.to_thread(Path(f"{hold}.reached").exists), timeout=120)
        worker.signal(signal.SIGKILL)
        worker.kill()
        # Held, the probe would never end on its own: only its worker's death can end it.
        _, alive = psutil.wait_procs(probes, timeout=60)
        assert not alive, "the probe outlived its killed worker"
    finally:
        hold.unlink(missing_ok=True)
        worker.stop()
        psutil.wait_procs(probes, timeout=60)
