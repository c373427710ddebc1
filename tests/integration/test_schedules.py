"""Schedules through the API and real workers: fired once per due time by several workers, and
"scrape every morning, clean, export" in three API calls."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend_fastapi.settings import Settings
from tests.support.apps import api_client, table_counts
from tests.support.pipeline_stack import SCRAPE, make_due, pipeline_stack, sql, wait_for, wait_job
from tests.support.postgres import BOTH_BACKENDS

MORNING = {"name": "morning-shop", "cron": "0 6 * * *", "timezone": "Europe/Berlin", "job": SCRAPE}


def scheduled_jobs(db_url: str, schedule_id: str) -> list[tuple[Any, ...]]:
    return sql(db_url, "SELECT id, status, name FROM jobs WHERE schedule_id = ? ORDER BY id", schedule_id)


def test_two_workers_fire_a_due_schedule_once(db_url: str, tmp_path: Path) -> None:
    with pipeline_stack(db_url, tmp_path, workers=2) as stack:
        created = httpx.post(f"{stack.base}/api/schedules", json=MORNING).json()
        schedule_id = created["schedule_id"]
        for due_times in (1, 2):
            make_due(db_url, schedule_id)
            wait_for(lambda n=due_times: len(scheduled_jobs(db_url, schedule_id)) == n)
            job_id = scheduled_jobs(db_url, schedule_id)[-1][0]
            wait_job(stack.base, job_id, "completed")
            time.sleep(2.5)  # both workers look every second: give the other one its chance
            assert len(scheduled_jobs(db_url, schedule_id)) == due_times
        body = httpx.get(f"{stack.base}/api/schedules/morning-shop").json()
        assert body["last_job"] == {"job_id": job_id, "status": "completed"}
        assert body["last_run_at"] is not None
        assert body["next_run_at"] > body["last_run_at"]
        job = httpx.get(f"{stack.base}/api/jobs/{job_id}").json()
        assert (job["name"], job["schedule_id"], job["type"]) == ("morning-shop", schedule_id, "scrape.page")
        fired = [w.log().count("schedule.fired") for w in stack.workers]
        assert sum(fired) == 2


def test_scrape_every_morning_clean_and_export_in_three_api_calls(db_url: str, tmp_path: Path) -> None:
    with pipeline_stack(db_url, tmp_path) as stack:
        base = stack.base
        pipeline = httpx.post(
            f"{base}/api/pipelines",
            json={
                "name": "morning-clean",
                "source": {"type": "latest", "name": "morning-shop"},
                "steps": [{"op": "cast", "columns": {"n": "integer"}}, {"op": "filter", "expr": "n > 0"}],
                "output": {"format": "csv"},
            },
        )
        scrape = httpx.post(f"{base}/api/schedules", json=MORNING)
        clean = httpx.post(
            f"{base}/api/schedules",
            json={"name": "morning-clean-run", "cron": "30 6 * * *", "job": {"pipeline_id": "morning-clean"}},
        )
        assert (pipeline.status_code, scrape.status_code, clean.status_code) == (201, 201, 201)
        assert clean.json()["job"] == {"pipeline_id": pipeline.json()["pipeline_id"]}

        make_due(db_url, scrape.json()["schedule_id"])
        scraped = wait_for(lambda: scheduled_jobs(db_url, scrape.json()["schedule_id"]))[0][0]
        wait_job(base, scraped, "completed")
        make_due(db_url, clean.json()["schedule_id"])
        cleaned = wait_for(lambda: scheduled_jobs(db_url, clean.json()["schedule_id"]))[0][0]
        job = wait_job(base, cleaned, "completed", "failed")
        assert job["status"] == "completed", job["error"]
        assert job["result"]["source"]["job_id"] == scraped
        assert job["result"]["rows"] == 2
        (export,) = httpx.get(f"{base}/api/exports", params={"job_id": cleaned}).json()["items"]
        header = next(csv.reader(httpx.get(base + export["download_url"]).text.splitlines()))
        assert header == ["url", "n", "title"]


# --- the API alone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"cron": "0 6 * *"}, "body.cron", "is not a cron expression"),
        ({"cron": "61 * * * *"}, "body.cron", "is not a cron expression"),
        ({"cron": "* * * * * *"}, "body.cron", "is not a cron expression"),
        ({"timezone": "Mars/Olympus"}, "body.timezone", "is not a time zone name"),
        ({"name": "../x"}, "body.name", "should match pattern"),
        ({"job": {"url": "http://10.0.0.1/"}}, "body.job.scrape.url", "private"),
        ({"job": {"pipeline": {"steps": []}}}, "body.job.pipeline", "the inline pipeline has no source"),
        ({"job": {**SCRAPE, "name": "other"}}, "body", "a scheduled job is named after its schedule"),
        ({"job": {"pipeline_id": "no-such-pipeline"}}, "body.job.pipeline_id", "No saved pipeline"),
        ({"enabled": "sometimes"}, "body.enabled", "valid boolean"),
    ],
)
def test_invalid_schedules_are_refused_naming_the_field(
    settings: Settings, change: dict[str, Any], field: str, message: str
) -> None:
    with api_client(settings) as client:
        before = table_counts(settings)
        response = client.post("/api/schedules", json={**MORNING, **change})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["details"][0]["field"] == field
        assert message in error["message"]
        assert table_counts(settings) == before


@BOTH_BACKENDS
def test_schedules_can_be_listed_changed_paused_and_deleted(settings: Settings) -> None:
    with api_client(settings) as client:
        created = client.post("/api/schedules", json=MORNING)
        assert created.status_code == 201
        body = created.json()
        assert body["next_run_at"].endswith(("T05:00:00.000Z", "T04:00:00.000Z"))
        assert body["last_job"] is None
        assert client.post("/api/schedules", json=MORNING).status_code == 409

        same_timing = client.put(
            "/api/schedules/morning-shop", json={**MORNING, "job": {**SCRAPE, "priority": 3}}
        )
        assert same_timing.json()["next_run_at"] == body["next_run_at"]
        assert same_timing.json()["job"]["priority"] == 3
        hourly = client.put(f"/api/schedules/{body['schedule_id']}", json={**MORNING, "cron": "0 * * * *"})
        assert hourly.json()["next_run_at"] != body["next_run_at"]
        paused = client.put("/api/schedules/morning-shop", json={**MORNING, "enabled": False})
        assert (paused.json()["enabled"], paused.json()["next_run_at"]) == (False, None)
        resumed = client.put("/api/schedules/morning-shop", json={**MORNING, "name": "renamed"})
        assert resumed.json()["next_run_at"] is not None
        assert client.get("/api/schedules/morning-shop").status_code == 404

        assert [s["name"] for s in client.get("/api/schedules").json()["items"]] == ["renamed"]
        run = client.post("/api/schedules/renamed/run")
        assert run.status_code == 202
        assert client.get("/api/schedules/renamed").json()["last_job"] == {
            "job_id": run.json()["job_id"],
            "status": "queued",
        }
        assert client.post("/api/schedules/renamed/run").status_code == 409
        assert client.delete("/api/schedules/renamed").status_code == 204
        assert client.delete("/api/schedules/renamed").status_code == 404
        assert client.get(f"/api/jobs/{run.json()['job_id']}").status_code == 200
