"""The `dataops` command as an operator uses it: backups while running, restore, jobs, up, migrate."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from backend_fastapi.store import job_rows, migrations
from backend_fastapi.store.engine import Database
from tests.support.processes import REPO_ROOT, free_port, service_env, start_worker
from tests.support.waiting import BOUND, enqueue, enqueue_many, eventually, wait_for


def dataops(env: dict[str, str], *args: str, timeout: float = BOUND) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend_fastapi.ops.cli", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


async def test_backup_while_workers_write_is_consistent_and_restorable(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    env = service_env(db_url, tmp_path, WORKER_CONCURRENCY=8)
    worker = start_worker(env, tmp_path)
    try:
        ids = await enqueue_many(db, "test.records", [{"count": 50, "delay": 0.001} for _ in range(200)])
        backups = []
        for i in range(3):
            await asyncio.sleep(0.3)
            target = tmp_path / f"backup-{i}.db"
            result = dataops(env, "backup", str(target))
            assert result.returncode == 0, result.stderr
            backups.append(target)
        await eventually(lambda: _all_done(db, len(ids)))
    finally:
        worker.stop()
    for target in backups:
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            # A consistent snapshot: every completed job has all its records.
            completed = conn.execute("SELECT id, attempts FROM jobs WHERE status = 'completed'").fetchall()
            for job_id, attempt in completed:
                n = conn.execute(
                    "SELECT count(*) FROM job_records WHERE job_id = ? AND attempt = ?", (job_id, attempt)
                ).fetchone()[0]
                assert n == 50
        assert not Path(f"{target}-wal").exists()
    assert dataops(env, "backup", str(backups[0])).returncode == 2, "an existing backup is not overwritten"

    # Restore the first snapshot with everything stopped: the current database is kept beside it.
    restored = dataops(env, "restore", str(backups[0]))
    assert restored.returncode == 0, restored.stderr
    db_path = Path(db_url.split("///", 1)[1])
    kept = list(db_path.parent.glob("dataops.db.before-restore-*"))
    assert len(kept) == 1
    with sqlite3.connect(db_path) as conn, sqlite3.connect(backups[0]) as snap:
        assert (
            conn.execute("SELECT count(*) FROM jobs").fetchone()
            == snap.execute("SELECT count(*) FROM jobs").fetchone()
        )
    with sqlite3.connect(kept[0]) as old:
        assert old.execute("SELECT count(*) FROM jobs WHERE status = 'completed'").fetchone()[0] == len(ids)


async def _all_done(db: Database, n: int) -> bool:
    async with db.read() as conn:
        return (await job_rows.count_by_status(conn))["completed"] == n


async def test_restore_refuses_while_a_worker_is_alive(db: Database, db_url: str, tmp_path: Path) -> None:
    env = service_env(db_url, tmp_path)
    assert dataops(env, "backup", str(tmp_path / "b.db")).returncode == 0
    worker = start_worker(env, tmp_path)
    try:
        result = dataops(env, "restore", str(tmp_path / "b.db"))
        assert result.returncode == 2
        assert "stop the API and workers first" in result.stderr
    finally:
        worker.stop()


async def test_jobs_commands_list_show_cancel_and_retry(db: Database, db_url: str, tmp_path: Path) -> None:
    env = service_env(db_url, tmp_path)
    job_id = await enqueue(db, "test.noop", label="https://shop.example/")
    listed = dataops(env, "jobs", "list")
    assert listed.returncode == 0
    assert job_id in listed.stdout
    assert listed.stdout.splitlines()[0].split()[-2:] == ["BY", "LABEL"]
    assert "queued" in listed.stdout
    assert "shop.example" in listed.stdout
    shown = json.loads(dataops(env, "jobs", "show", job_id).stdout)
    assert shown["job_id"] == job_id
    assert shown["status"] == "queued"
    assert json.loads(dataops(env, "jobs", "cancel", job_id).stdout)["status"] == "cancelled"
    assert json.loads(dataops(env, "jobs", "retry", job_id).stdout)["status"] == "queued"
    again = dataops(env, "jobs", "retry", job_id)
    assert again.returncode == 1
    assert "can be retried" in again.stderr
    assert dataops(env, "jobs", "show", "missing").returncode == 1


def test_migrate_is_safe_when_many_processes_start_at_once(db_url: str, tmp_path: Path) -> None:
    env = service_env(db_url, tmp_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "backend_fastapi.ops.cli", "migrate"],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=BOUND)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, outputs
    with sqlite3.connect(db_url.split("///", 1)[1]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrations.HEAD,)]


def test_up_runs_api_and_worker_restarts_a_killed_worker_and_ctrl_c_stops_both(
    db_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = service_env(db_url, tmp_path)
    log = (tmp_path / "up.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend_fastapi.ops.cli", "up", "--port", str(port)],
        env=env,
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def one_worker() -> dict[str, Any] | None:
            try:
                body: dict[str, Any] = httpx.get(f"{base}/health", timeout=10).json()
            except httpx.HTTPError:
                return None
            return body if body["workers"]["alive"] == 1 else None

        health = wait_for(one_worker)
        assert httpx.get(f"{base}/api/jobs").status_code == 200
        # A worker killed outright is started again; the API stays up.
        first_worker = health["workers"]["items"][0]["pid"]
        subprocess.run(["kill", "-9", str(first_worker)], check=True)

        def restarted() -> list[int]:
            items = httpx.get(f"{base}/health", timeout=10).json()["workers"]["items"]
            return [item["pid"] for item in items if item["pid"] != first_worker]

        new_workers = wait_for(restarted)
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(BOUND)
        log.close()
    assert code == 0
    text = (tmp_path / "up.log").read_text()
    assert "up.worker_restarting" in text
    assert "worker.stopped" in text
    assert "Finished server process" in text
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{base}/health", timeout=1)
    assert not any(psutil.pid_exists(pid) for pid in new_workers), "the restarted worker outlived `up`"
