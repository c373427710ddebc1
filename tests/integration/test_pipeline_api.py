"""`/api/pipelines` and `/api/pipeline/run` in the API process: saved definitions, validation, the jobs
they queue; and the API stays free of pandas while serving them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend_fastapi.settings import Settings
from tests.support.apps import api_client, table_counts
from tests.support.postgres import BOTH_BACKENDS
from tests.support.processes import REPO_ROOT

DEFINITION: dict[str, Any] = {
    "name": "daily-prices",
    "description": "Clean the shop's prices",
    "source": {"type": "inline", "records": [{"title": "Mug", "price": "4.50"}]},
    "steps": [
        {"op": "rename", "columns": {"title": "product"}},
        {"op": "cast", "columns": {"price": "number"}},
        {"op": "dedupe", "subset": ["product"]},
    ],
    "output": {"format": "csv", "name": "daily-prices"},
}


def job_row(client: TestClient, job_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
    return body


@BOTH_BACKENDS
def test_a_pipeline_is_saved_read_by_id_or_name_replaced_and_deleted(settings: Settings) -> None:
    with api_client(settings) as client:
        created = client.post("/api/pipelines", json=DEFINITION)
        assert created.status_code == 201
        body = created.json()
        pipeline_id = body["pipeline_id"]
        assert created.headers["location"] == f"/api/pipelines/{pipeline_id}"
        assert (body["name"], body["description"], body["definition"]) == (
            "daily-prices",
            "Clean the shop's prices",
            DEFINITION,
        )
        assert client.get(f"/api/pipelines/{pipeline_id}").json() == body
        assert client.get("/api/pipelines/daily-prices").json() == body

        duplicate = client.post("/api/pipelines", json=DEFINITION)
        assert duplicate.status_code == 409
        assert duplicate.json()["error"]["details"] == {"name": "daily-prices"}

        changed = {**DEFINITION, "name": "prices-v2", "steps": DEFINITION["steps"][:1]}
        replaced = client.put("/api/pipelines/daily-prices", json=changed)
        assert replaced.status_code == 200
        assert (replaced.json()["pipeline_id"], replaced.json()["name"]) == (pipeline_id, "prices-v2")
        assert replaced.json()["definition"]["steps"] == DEFINITION["steps"][:1]
        assert client.get("/api/pipelines/daily-prices").status_code == 404

        other = client.post("/api/pipelines", json={**DEFINITION, "name": "other"}).json()
        assert client.put(f"/api/pipelines/{other['pipeline_id']}", json=changed).status_code == 409

        listed = client.get("/api/pipelines", params={"limit": 1}).json()
        assert [p["name"] for p in listed["items"]] == ["other"]
        rest = client.get("/api/pipelines", params={"limit": 1, "cursor": listed["next_cursor"]}).json()
        assert ([p["name"] for p in rest["items"]], rest["next_cursor"]) == (["prices-v2"], None)

        assert client.delete("/api/pipelines/prices-v2").status_code == 204
        assert client.get(f"/api/pipelines/{pipeline_id}").status_code == 404
        assert client.delete(f"/api/pipelines/{pipeline_id}").json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("definition", "field", "message"),
    [
        (
            {**DEFINITION, "steps": [*DEFINITION["steps"], {"op": "cast", "columns": {"price": "money"}}]},
            "body.steps.3.cast.columns",
            "price: unknown type 'money'",
        ),
        (
            {**DEFINITION, "steps": [{"op": "filter", "expr": "__import__('os').system('id')"}]},
            "body.steps.0.filter.expr",
            "attribute access is not allowed",
        ),
        (
            {**DEFINITION, "steps": [{"op": "derive", "columns": {"x": "price ** 100000"}}]},
            "body.steps.0.derive.columns",
            "exponent",
        ),
        ({**DEFINITION, "steps": [{"op": "pivot"}]}, "body.steps.0", "'pivot'"),
        (
            {**DEFINITION, "output": {"format": "csv", "name": "../../etc/cron.d/x"}},
            "body.output.file.name",
            "pattern",
        ),
        ({**DEFINITION, "output": {"format": "exe"}}, "body.output.file.format", "'csv'"),
        (
            {**DEFINITION, "source": {"type": "url", "url": "http://127.0.0.1:22/"}},
            "body.source.url.url",
            "loopback",
        ),
        ({**DEFINITION, "source": {"type": "upload"}}, "body.source.upload.upload_id", "Field required"),
    ],
)
def test_an_invalid_definition_is_refused_naming_the_step_and_field(
    settings: Settings, definition: dict[str, Any], field: str, message: str
) -> None:
    with api_client(settings) as client:
        before = table_counts(settings)
        for path, body, where in (
            ("/api/pipelines", definition, field),
            ("/api/pipeline/run", {"pipeline": definition}, field.replace("body.", "body.pipeline.", 1)),
            ("/api/pipelines/preview", {"pipeline": definition}, field.replace("body.", "body.pipeline.", 1)),
        ):
            response = client.post(path, json=body)
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["details"][0]["field"] == where
            assert message in error["message"]
        assert table_counts(settings) == before


def test_a_saved_pipeline_needs_a_name(settings: Settings) -> None:
    with api_client(settings) as client:
        response = client.post("/api/pipelines", json={k: v for k, v in DEFINITION.items() if k != "name"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.name"


def test_a_pipeline_cannot_take_the_name_of_the_preview_path(settings: Settings) -> None:
    with api_client(settings) as client:
        response = client.post("/api/pipelines", json={**DEFINITION, "name": "preview"})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "body.name"
        assert "reserved" in response.json()["error"]["message"]
        assert client.get("/api/pipelines/preview").status_code == 405


@BOTH_BACKENDS
def test_running_a_saved_pipeline_by_name_queues_a_job_for_its_id_named_after_it(settings: Settings) -> None:
    with api_client(settings) as client:
        pipeline_id = client.post("/api/pipelines", json=DEFINITION).json()["pipeline_id"]
        response = client.post("/api/pipeline/run", json={"pipeline_id": "daily-prices", "priority": 4})
        assert response.status_code == 202
        job = client.get(f"/api/jobs/{response.json()['job_id']}").json()
        assert (job["type"], job["name"], job["label"], job["priority"]) == (
            "pipeline.run",
            "daily-prices",
            pipeline_id,
            4,
        )
        assert job["request"] == {"pipeline_id": pipeline_id}
        named = client.post("/api/pipeline/run", json={"pipeline_id": pipeline_id, "name": "adhoc"}).json()
        assert job_row(client, named["job_id"])["name"] == "adhoc"
        override = {"type": "upload", "upload_id": "0190a000-0000-7000-8000-000000000000"}
        again = client.post("/api/pipeline/run", json={"pipeline_id": pipeline_id, "source": override}).json()
        assert job_row(client, again["job_id"])["request"] == {"pipeline_id": pipeline_id, "source": override}


def test_running_an_unknown_or_source_less_pipeline_is_refused(settings: Settings) -> None:
    with api_client(settings) as client:
        client.post("/api/pipelines", json={**DEFINITION, "name": "chained-only", "source": None})
        before = table_counts(settings)
        missing = client.post("/api/pipeline/run", json={"pipeline_id": "nope"})
        assert missing.status_code == 404
        assert missing.json()["error"]["details"] == {"pipeline_id": "nope"}
        sourceless = client.post("/api/pipeline/run", json={"pipeline_id": "chained-only"})
        assert sourceless.status_code == 422
        assert sourceless.json()["error"]["details"][0]["field"] == "body.source"
        assert table_counts(settings) == before


def test_an_inline_run_is_stored_as_given_and_named_after_the_pipeline(settings: Settings) -> None:
    with api_client(settings) as client:
        response = client.post(
            "/api/pipeline/run", json={"pipeline": DEFINITION}, headers={"Idempotency-Key": "k1"}
        )
        assert response.status_code == 202
        job = job_row(client, response.json()["job_id"])
        assert (job["name"], job["label"], job["request"]) == (
            "daily-prices",
            "daily-prices",
            {"pipeline": DEFINITION},
        )
        replay = client.post(
            "/api/pipeline/run", json={"pipeline": DEFINITION}, headers={"Idempotency-Key": "k1"}
        )
        assert replay.json()["job_id"] == job["job_id"]


def test_a_preview_is_a_worker_job_ahead_of_other_work(settings: Settings) -> None:
    with api_client(settings) as client:
        client.post("/api/pipelines", json=DEFINITION)
        response = client.post("/api/pipelines/preview", json={"pipeline_id": "daily-prices", "rows": 5})
        assert response.status_code == 202
        job = job_row(client, response.json()["job_id"])
        assert (job["type"], job["priority"], job["name"]) == ("pipeline.preview", 50, None)
        assert job["request"]["rows"] == 5
        waited = client.post("/api/pipelines/preview?wait=0.2", json={"pipeline": DEFINITION})
        assert waited.status_code == 202
        assert waited.json()["status"] == "queued"
        assert (
            client.post("/api/pipelines/preview", json={"pipeline": DEFINITION, "rows": 5000}).status_code
            == 422
        )


@BOTH_BACKENDS
def test_a_pipeline_run_by_a_schedule_cannot_be_deleted(settings: Settings) -> None:
    with api_client(settings) as client:
        client.post("/api/pipelines", json=DEFINITION)
        client.post(
            "/api/schedules",
            json={"name": "nightly", "cron": "0 2 * * *", "job": {"pipeline_id": "daily-prices"}},
        )
        refused = client.delete("/api/pipelines/daily-prices")
        assert refused.status_code == 409
        assert refused.json()["error"]["details"] == {"schedules": ["nightly"]}
        client.delete("/api/schedules/nightly")
        assert client.delete("/api/pipelines/daily-prices").status_code == 204


PROBE = """
import json, sys
from backend_fastapi.settings import Settings
from backend_fastapi.api.app import create_app
from fastapi.testclient import TestClient

definition = json.loads(sys.argv[2])
folder = sys.argv[3]
settings = Settings(_env_file=None, DATABASE_URL=sys.argv[1], UPLOADS_DIR=folder, EXPORTS_DIR=folder)
with TestClient(create_app(settings)) as client:
    assert client.post("/api/pipelines", json=definition).status_code == 201
    assert client.post("/api/pipeline/run", json={"pipeline_id": definition["name"]}).status_code == 202
    assert client.post("/api/pipelines/preview", json={"pipeline": definition}).status_code == 202
    upload = client.post("/api/uploads", files={"file": ("a.csv", b"a\\n1\\n", "text/csv")})
    assert upload.status_code == 201
    assert client.get("/api/exports").status_code == 200
    assert client.post("/api/schedules", json={"name": "s", "cron": "0 6 * * *",
                                               "job": {"pipeline_id": definition["name"]}}).status_code == 201
    client.get("/openapi.json")
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("pandas", "pyarrow", "numpy", "openpyxl")
               or m.startswith(("backend_fastapi.pipelines", "backend_fastapi.scraping")))
print(json.dumps(heavy))
"""


def test_the_api_serving_pipelines_uploads_exports_and_schedules_never_imports_pandas(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            f"sqlite+aiosqlite:///{tmp_path / 'slim.db'}",
            json.dumps(DEFINITION),
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
