"""Both images built and the compose stack run for real, checked end to end through the API port.

One compose project (a copy of the checkout, a unique project name, a page container `shop` on
the same network, a short job lease) serves every test of this module, in order: the migration
of an old database and exports into the volumes (MIGRATION.md's Docker commands), start-up and
health (docs/deploy-aws.md), a static and a dynamic scrape, a pipeline's CSV export, kill -9 of
the worker mid-job, backup, exports copy and restore (docs/deploy-aws.md's commands, run as
written), and `down` then `up`. The PostgreSQL variant starts from fresh volumes in one `up`.
Skipped, with the reason, where no Docker engine can run (scripts/install-docker.sh sets one up).
The figures themselves are written to docs/benchmarks.md by `python -m bench.bench_containers`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections.abc import Iterator

import pytest

from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import Database
from backend_fastapi.store.migrations import upgrade
from tests.support.containers import (
    POSTGRES_FILES,
    SHOP,
    ComposeStack,
    compose_stack,
    docker,
    engine_problem,
    pipeline_body,
)
from tests.support.doc_commands import Block, doc_blocks, run_block
from tests.support.processes import REPO_ROOT
from tests.support.waiting import enqueue

pytestmark = [pytest.mark.containers, pytest.mark.slow]

LEASE_SECONDS = "6"


@pytest.fixture(scope="module")
def engine() -> None:
    problem = engine_problem()
    if problem:
        pytest.skip(f"container test NOT run: {problem}")


def block(doc: str, needle: str) -> Block:
    """The one Docker block of `doc` containing `needle`."""
    found = [b for b in doc_blocks(doc) if b.mode == "docker" and needle in b.code]
    assert len(found) == 1, f"{doc}: {len(found)} Docker blocks contain {needle!r}"
    return found[0]


async def _old_database(url: str) -> str:
    """A database of the service before the upgrade, holding one job."""
    database = Database(Settings(_env_file=None, DATABASE_URL=url))  # type: ignore[call-arg]
    try:
        await upgrade(database)
        return await enqueue(database, "scrape.page", {"url": f"{SHOP}/p/3", "schema": {"title": "string"}})
    finally:
        await database.close()


@pytest.fixture(scope="module")
def stack(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeStack]:
    root = tmp_path_factory.mktemp("containers")
    with compose_stack(root, ("docker-compose.yml",), JOB_LEASE_SECONDS=LEASE_SECONDS) as stack:
        yield stack


@pytest.fixture(scope="module")
def old_job(stack: ComposeStack) -> str:
    """MIGRATION.md, Docker: step 1's backup of an old database and exports (run as written on the
    host), then the Docker commands that build, start and bring them into the volumes."""
    old_db = stack.checkout.parent / "old.db"
    job_id = asyncio.run(_old_database(f"sqlite+aiosqlite:///{old_db}"))
    exports = stack.checkout / "backend_fastapi" / "data" / "exports"
    exports.mkdir(parents=True)
    (exports / "old.csv").write_text("a,b\n1,2\n")
    env = {**stack.env, "DATABASE_URL": f"sqlite+aiosqlite:///{old_db}"}
    env["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}:{env['PATH']}"
    step1 = [b for b in doc_blocks("MIGRATION.md") if b.mode == "run" and "before-upgrade" in b.code]
    assert len(step1) == 2, step1
    for b in step1:
        run_block(b, env, stack.checkout, {})
    stack.run_doc(block("MIGRATION.md", "dataops restore"))
    return job_id


def test_the_migrated_stack_is_healthy_with_the_old_data(stack: ComposeStack, old_job: str) -> None:
    output = stack.run_doc(block("docs/deploy-aws.md", "docker compose up -d --build"))
    assert '"status":"ok"' in output
    stack.wait_healthy(("api", "worker"))
    assert stack.api("GET", f"/api/jobs/{old_job}").status_code == 200
    listing = docker("exec", stack.container("api"), "ls", "/app/exports")
    assert "old.csv" in listing.split()


def test_static_and_dynamic_scrapes_complete_in_the_worker_container(
    stack: ComposeStack, old_job: str
) -> None:
    static = stack.api("POST", "/api/scrape", json={"url": f"{SHOP}/p/1", "schema": {"title": "string"}})
    dynamic = stack.api(
        "POST", "/api/scrape", json={"url": f"{SHOP}/js/2", "strategy": "dynamic", "schema": {"title": "h1"}}
    )
    assert static.status_code == dynamic.status_code == 202, (static.text, dynamic.text)
    done = stack.wait_job(static.json()["job_id"])
    assert done["status"] == "completed", done
    assert done["result"]["data"] == {"title": "Blue Mug 1"}
    done = stack.wait_job(dynamic.json()["job_id"])
    assert done["status"] == "completed", done
    assert done["result"]["strategy_used"] == "dynamic"
    assert done["result"]["data"] == {"title": "Blue Mug 2"}


def test_an_inline_pipeline_exports_a_csv_that_downloads(stack: ComposeStack, old_job: str) -> None:
    job = stack.api("POST", "/api/pipeline/run", json={"pipeline": pipeline_body()})
    assert job.status_code == 202, job.text
    done = stack.wait_job(job.json()["job_id"])
    assert done["status"] == "completed", done
    exports = stack.api("GET", "/api/exports", params={"job_id": done["job_id"]}).json()["items"]
    assert len(exports) == 1
    download = stack.api("GET", f"/api/exports/{exports[0]['export_id']}/download")
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == 50
    assert rows[0]["name"] == "Mug 0"


def test_a_job_survives_kill_9_of_the_worker_container(stack: ComposeStack, old_job: str) -> None:
    job = stack.api("POST", "/api/scrape", json={"url": f"{SHOP}/slow?s=8", "schema": {"title": "h1"}})
    job_id = job.json()["job_id"]
    running = stack.wait_job(job_id, "running")
    stack.kill_9("worker")
    # restart: unless-stopped brings the worker back; the job runs again once its lease is over.
    done = stack.wait_job(job_id, timeout=300)
    assert done["status"] == "completed", done
    assert done["attempts"] == running["attempts"] + 1
    assert done["result"]["data"] == {"title": "Slow page"}
    assert int(stack.inspect("worker")["RestartCount"]) >= 1
    stack.wait_healthy(("api", "worker"))


def test_memory_of_each_container_stays_under_its_limit(stack: ComposeStack, old_job: str) -> None:
    for service in ("api", "worker"):
        peak, limit = stack.memory(service)
        assert 0 < peak < limit, (service, peak, limit)
        assert not stack.inspect(service)["State"]["OOMKilled"], service


def test_backup_exports_copy_and_restore_work_as_documented(stack: ComposeStack, old_job: str) -> None:
    kept = stack.api("POST", "/api/scrape", json={"url": f"{SHOP}/p/4", "schema": {"title": "string"}})
    assert stack.wait_job(kept.json()["job_id"])["status"] == "completed"

    stack.run_doc(block("docs/deploy-aws.md", "dataops backup"))
    backups = sorted(stack.bucket.glob("dataops-*.db"))
    assert len(backups) == 1, backups
    with sqlite3.connect(backups[0]) as conn:
        assert (
            conn.execute("SELECT count(*) FROM jobs WHERE id = ?", (kept.json()["job_id"],)).fetchone()[0]
            == 1
        )
    assert not list(stack.checkout.glob("dataops-*.db")), "the local copy is removed after the upload"
    in_volume = docker("exec", stack.container("api"), "ls", "/app/backend_fastapi/data/backups").split()
    assert in_volume == [backups[0].name]

    stack.run_doc(block("docs/deploy-aws.md", "/app/exports"))
    copied = list(stack.checkout.glob("exports-*"))
    assert len(copied) == 1, copied
    assert (copied[0] / "old.csv").is_file()

    after = stack.api("POST", "/api/scrape", json={"url": f"{SHOP}/p/5", "schema": {"title": "string"}})
    after_id = after.json()["job_id"]
    assert stack.wait_job(after_id)["status"] == "completed"
    restore = block("docs/deploy-aws.md", "dataops restore")
    stack.run_doc(restore, {"dataops-2026-12-01.db": backups[0].name})
    stack.wait_healthy(("api", "worker"))
    assert stack.api("GET", f"/api/jobs/{kept.json()['job_id']}").status_code == 200
    assert stack.api("GET", f"/api/jobs/{after_id}").status_code == 404, "the restore brought the backup back"


def test_a_worker_stopped_as_it_starts_exits_cleanly_and_deregisters(
    stack: ComposeStack, old_job: str
) -> None:
    # PID 1 ignores SIGTERM until Python installs its handler: without an init the worker would
    # sit out the grace period, be SIGKILLed (137) and stay listed as alive.
    stack.compose("stop", "worker")
    stack.compose("start", "worker")
    stack.compose("stop", "worker")
    # 0: stopped by its handler, deregistered; 143: SIGTERM came before the handler was installed,
    # which is before the worker registers. Never 137 (killed at the end of the grace period).
    assert stack.inspect("worker")["State"]["ExitCode"] in (0, 143)
    assert stack.api("GET", "/health").json()["workers"]["alive"] == 0
    stack.compose("start", "worker")
    stack.wait_healthy(("api", "worker"))


def test_down_then_up_keeps_jobs_and_exports(stack: ComposeStack, old_job: str) -> None:
    job = stack.api("POST", "/api/pipeline/run", json={"pipeline": pipeline_body()})
    done = stack.wait_job(job.json()["job_id"])
    assert done["status"] == "completed", done
    export = stack.api("GET", "/api/exports", params={"job_id": done["job_id"]}).json()["items"][0]
    before = stack.api("GET", f"/api/exports/{export['export_id']}/download").text
    stack.compose("down")
    stack.compose("up", "-d")
    stack.wait_healthy(("api", "worker"))
    assert stack.api("GET", f"/api/jobs/{done['job_id']}").json()["status"] == "completed"
    assert stack.api("GET", f"/api/jobs/{old_job}").status_code == 200
    download = stack.api("GET", f"/api/exports/{export['export_id']}/download")
    assert download.status_code == 200
    assert download.text == before


def test_the_postgresql_stack_starts_from_fresh_volumes_in_one_up(
    engine: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("containers-postgres")
    with compose_stack(root, POSTGRES_FILES) as stack:
        stack.run_doc(block("docs/operations.md", "docker-compose.postgres.yml"))
        stack.wait_healthy(("postgres", "api", "worker"))
        assert int(stack.inspect("api")["RestartCount"]) == 0
        health = stack.api("GET", "/health").json()
        assert health["database"]["dialect"] == "postgresql", health
        job = stack.api("POST", "/api/scrape", json={"url": f"{SHOP}/p/1", "schema": {"title": "string"}})
        done = stack.wait_job(job.json()["job_id"])
        assert done["status"] == "completed", done
        assert done["result"]["data"] == {"title": "Blue Mug 1"}
